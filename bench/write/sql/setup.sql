-- bench/write/sql/setup.sql — the rows the write benchmark sends to DynamoDB.
--
-- psql variables: rows (number of attributes rows), copy_file (where the
-- rows are written for COPY … FROM, in the server's file system).
--
-- The rows live in awstore's own ActingWeb table aw.attributes (the table
-- an ActingWeb application on PostgreSQL writes), generated once with
-- generate_series.  bench.attributes_out is what every method writes: the
-- columns as PynamoDB stores them in DynamoDB — data as JSON text, the
-- timestamp as an S in PynamoDB's UTC format, ttl_timestamp as an N, and a
-- NULL ttl_timestamp left out.  INSERT … SELECT reads the view, COPY reads
-- a file written from it, boto3 reads it over a connection: the three write
-- identical items.

\set ON_ERROR_STOP on

CREATE SCHEMA aw;
CREATE EXTENSION awstore SCHEMA aw;
CREATE SCHEMA bench;
CREATE SCHEMA dyn;

-- 20 attributes per actor, actor ids like ActingWeb's (uuid4().hex),
-- bucket_name 'bucket:name' over five buckets.  data is an OAuth-token-like
-- document of about 400 bytes of JSON text, one in ten with a chain_id;
-- one row in five has no TTL.  A DynamoDB item comes to about 620 bytes of
-- DynamoDB JSON.
INSERT INTO aw.attributes (id, bucket_name, bucket, name, data, "timestamp", ttl_timestamp)
SELECT id, bucket || ':' || name, bucket, name, data, stamp, ttl
  FROM (SELECT md5('actor-' || (i / 20)) AS id,
               (ARRAY['oauth_tokens', 'trust_permissions', 'mcp_clients', 'sessions', '_internal'])[i % 5 + 1] AS bucket,
               'token_' || lpad(to_hex((i * 2654435761) % 4294967296), 8, '0') || '_' || lpad((i % 20)::text, 2, '0') AS name,
               jsonb_build_object(
                   'access_token', 'ya29.a0' || md5(i::text) || md5((i + 1)::text) || md5((i + 2)::text) || md5((i + 3)::text),
                   'refresh_token', '1//0' || md5((i + 4)::text) || md5((i + 5)::text),
                   'token_type', 'Bearer',
                   'expires_in', 3599,
                   'expires_at', 1741964966 + (i * 7919) % 2592000,
                   'scope', 'openid email profile offline_access',
                   'client_id', 'mcp-client-' || (i % 977))
               || CASE WHEN i % 10 = 0 THEN jsonb_build_object('chain_id', md5('chain-' || (i % 5000)))
                       ELSE '{}'::jsonb END AS data,
               timestamp '2025-03-14 15:09:26.535897'
                   + make_interval(secs => (i * 104729) % 25920000 + ((i * 7919) % 1000000) / 1e6) AS stamp,
               CASE WHEN i % 5 = 4 THEN NULL
                    ELSE 1741964966 + (i * 7919) % 2592000 + 3600 END AS ttl
          FROM generate_series(0::bigint, :rows - 1) i) g;

VACUUM ANALYZE aw.attributes;

CREATE VIEW bench.attributes_out AS
SELECT id::text AS id,
       bucket_name::text AS bucket_name,
       bucket::text AS bucket,
       name::text AS name,
       data,
       to_char("timestamp", 'YYYY-MM-DD"T"HH24:MI:SS.US"+0000"') AS "timestamp",
       ttl_timestamp
  FROM aw.attributes;

-- The same rows for COPY … FROM (text format).
COPY (SELECT * FROM bench.attributes_out) TO :'copy_file';
