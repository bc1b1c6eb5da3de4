-- bench/ttl_purge/sql/app_upsert.sql — application writes (pgbench script):
-- ActingWeb's attribute upsert on a random existing key, expired or live;
-- the attribute gets a new payload and a TTL one day ahead.
-- pgbench variable: rows.
\set i random(1, :rows)
INSERT INTO aw.attributes AS a (id, bucket_name, bucket, name, data, "timestamp", ttl_timestamp)
VALUES (bench.actor_id(:i), bench.bucket(:i) || ':' || bench.attr_name(:i), bench.bucket(:i),
        bench.attr_name(:i), bench.attr_data(:i, now()), now()::timestamp,
        extract(epoch FROM now())::bigint + 86400)
ON CONFLICT (id, bucket_name) DO UPDATE
   SET data = excluded.data, "timestamp" = excluded."timestamp",
       ttl_timestamp = excluded.ttl_timestamp;
