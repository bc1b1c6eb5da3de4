-- bench/ttl_purge/sql/app_read.sql — application reads (pgbench script):
-- one attribute by its key, then the attributes of one bucket of the actor.
-- pgbench variable: rows.
\set i random(1, :rows)
SELECT data, "timestamp", ttl_timestamp FROM aw.attributes
 WHERE id = bench.actor_id(:i) AND bucket_name = bench.bucket(:i) || ':' || bench.attr_name(:i);
SELECT name, data FROM aw.attributes
 WHERE id = bench.actor_id(:i) AND bucket = bench.bucket(:i);
