--
-- awstore.purge_expired(): expired rows go, in batches, each batch its own
-- transaction; live rows, rows without a TTL and rows the application holds
-- locked stay.
--
CREATE SCHEMA aw;
CREATE EXTENSION awstore SCHEMA aw;
CREATE EXTENSION dblink;

-- 10 expired rows, 5 that expire in a day, 3 without a TTL.  ActingWeb's
-- rule: expired when ttl_timestamp <= now, in Unix epoch seconds.
INSERT INTO aw.attributes (id, bucket_name, bucket, name, data, ttl_timestamp)
SELECT 'a1', 'b:expired-' || i, 'b', 'expired-' || i, '{}', floor(extract(epoch FROM now()))::bigint - 1 - i * 60
  FROM generate_series(0, 9) i;
INSERT INTO aw.attributes (id, bucket_name, bucket, name, data, ttl_timestamp)
SELECT 'a1', 'b:live-' || i, 'b', 'live-' || i, '{}', extract(epoch FROM now())::bigint + 86400
  FROM generate_series(1, 5) i;
INSERT INTO aw.attributes (id, bucket_name, bucket, name, data, ttl_timestamp)
SELECT 'a1', 'b:forever-' || i, 'b', 'forever-' || i, '{}', NULL
  FROM generate_series(1, 3) i;

SELECT table_name, ttl_column, rows_with_ttl, expired_rows,
       oldest_expired_age >= interval '9 minutes' AS oldest_is_old,
       last_purge_at, last_purge_rows, rows_deleted_total
  FROM awstore.ttl_status;

-- Batches of 3: four batches, each committed.
CALL awstore.purge_expired(batch_size => 3);
SELECT count(*) FILTER (WHERE name LIKE 'expired-%') AS expired,
       count(*) FILTER (WHERE name LIKE 'live-%') AS live,
       count(*) FILTER (WHERE name LIKE 'forever-%') AS forever
  FROM aw.attributes;
SELECT table_name, rows_deleted, batches, stop_reason, mode, finished_at >= started_at AS ordered
  FROM awstore.ttl_history;
SELECT table_name, rows_with_ttl, expired_rows, oldest_expired_age,
       last_purge_at IS NOT NULL AS purged, last_purge_rows, rows_deleted_total
  FROM awstore.ttl_status;

-- Nothing left to do: one empty batch, through the index.
CALL awstore.purge_expired();
SELECT rows_deleted, batches, stop_reason, mode FROM awstore.ttl_history ORDER BY started_at DESC LIMIT 1;

-- A row the application holds locked is skipped, not waited for.
INSERT INTO aw.attributes (id, bucket_name, bucket, name, data, ttl_timestamp)
VALUES ('a1', 'b:locked', 'b', 'locked', '{}', 1), ('a1', 'b:free', 'b', 'free', '{}', 1);
SELECT dblink_connect('app', 'dbname=contrib_regression');
SELECT dblink_exec('app', 'BEGIN');
SELECT * FROM dblink('app', $$SELECT name FROM aw.attributes WHERE bucket_name = 'b:locked' FOR UPDATE$$) AS t(name text);
CALL awstore.purge_expired();
SELECT name FROM aw.attributes WHERE ttl_timestamp = 1;
SELECT dblink_exec('app', 'COMMIT');
SELECT dblink_disconnect('app');
CALL awstore.purge_expired();
SELECT count(*) FROM aw.attributes WHERE ttl_timestamp = 1;

-- How a batch finds its rows: through the TTL index when few rows are
-- expired, sweeping the table in physical order when many are.
INSERT INTO aw.attributes (id, bucket_name, bucket, name, data, ttl_timestamp)
SELECT 'bulk', 'b:' || i, 'b', 'n' || i, '{}', CASE WHEN i % 10 = 0 THEN 1 ELSE 4102444800 END
  FROM generate_series(1, 20000) i;
ANALYZE aw.attributes;
SELECT mode FROM awstore.ttl_purge_statement('aw.attributes', 'ttl_timestamp', 'epoch', 10000);
SELECT mode FROM awstore.ttl_purge_statement('aw.attributes', 'ttl_timestamp', 'epoch', 100);
EXPLAIN (COSTS OFF)
WITH gone AS (DELETE FROM aw.attributes WHERE ctid = ANY (ARRAY(
    SELECT ctid FROM aw.attributes WHERE ttl_timestamp <= 1000 AND '(0,0)'::tid >= '(0,0)'::tid
     ORDER BY ttl_timestamp LIMIT 100 FOR UPDATE SKIP LOCKED)) RETURNING ctid)
SELECT count(*), max(ctid) FROM gone;
BEGIN;
SET LOCAL enable_seqscan = off;
SET LOCAL enable_indexscan = off;
SET LOCAL enable_bitmapscan = off;
EXPLAIN (COSTS OFF)
WITH gone AS (DELETE FROM aw.attributes WHERE ctid = ANY (ARRAY(
    SELECT ctid FROM aw.attributes WHERE ctid > '(20,0)' AND ttl_timestamp <= 1000
     LIMIT 100 FOR UPDATE SKIP LOCKED)) RETURNING ctid)
SELECT count(*), max(ctid) FROM gone;
COMMIT;
CALL awstore.purge_expired(batch_size => 100);
SELECT rows_deleted, batches, stop_reason, mode FROM awstore.ttl_history ORDER BY started_at DESC LIMIT 1;
SELECT count(*) FROM aw.attributes WHERE ttl_timestamp = 1;
DELETE FROM aw.attributes WHERE id = 'bulk';

-- max_runtime: no batch starts once it has passed.
INSERT INTO aw.attributes (id, bucket_name, bucket, name, data, ttl_timestamp)
VALUES ('a1', 'b:late', 'b', 'late', '{}', 1);
CALL awstore.purge_expired(max_runtime => '1 microsecond');
SELECT rows_deleted, batches, stop_reason FROM awstore.ttl_history ORDER BY started_at DESC LIMIT 1;
SELECT count(*) FROM aw.attributes WHERE name = 'late';

-- Bad arguments.
\set SHOW_CONTEXT never
-- should fail
CALL awstore.purge_expired(batch_size => 0);
-- should fail
CALL awstore.purge_expired(max_runtime => '-1 second');
-- should fail
CALL awstore.purge_expired(max_runtime => NULL);

-- It commits between batches, so it cannot run inside a transaction block.
BEGIN;
-- should fail
CALL awstore.purge_expired();
ROLLBACK;
-- should fail
SELECT 1 \; CALL awstore.purge_expired();
\set SHOW_CONTEXT errors
SELECT count(*) FROM aw.attributes WHERE name = 'late';

-- A registered table that can no longer be purged is reported and skipped;
-- the others are purged.
CREATE TABLE public.broken (id int, expires bigint);
SELECT awstore.ttl_register('public.broken', 'expires');
ALTER TABLE public.broken DROP COLUMN expires;
CALL awstore.purge_expired();
SELECT count(*) FROM aw.attributes WHERE name = 'late';
SELECT table_name, rows_with_ttl FROM awstore.ttl_status ORDER BY 1;
DROP TABLE public.broken;

-- History is kept for awstore.ttl_history_retention.
INSERT INTO awstore.ttl_history VALUES
    (now() - interval '2 hours', now() - interval '2 hours', 'aw.attributes', 0, 1, 'done');
SET awstore.ttl_history_retention = '1h';
CALL awstore.purge_expired();
SELECT count(*) FROM awstore.ttl_history WHERE started_at < now() - interval '1 hour';
RESET awstore.ttl_history_retention;
-- should fail
SET awstore.ttl_history_retention = '0';
-- should fail
SET awstore.no_such_setting = 'on';

-- Nothing registered: a notice, no error.
SELECT awstore.ttl_unregister('aw.attributes');
CALL awstore.purge_expired();

DROP EXTENSION dblink;
DROP EXTENSION awstore;
DROP SCHEMA aw CASCADE;
