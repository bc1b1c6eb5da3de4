--
-- The TTL cleanup scheduled with pg_cron: one call schedules it, a second
-- call updates the same job, and the job really runs and deletes expired
-- rows.  pg_cron 1.4 runs a job at most once a minute, so this test waits
-- for up to two minutes.
--
CREATE SCHEMA aw;
CREATE EXTENSION awstore SCHEMA aw;

-- pg_cron is loaded but not installed in this database yet.
-- should fail
SELECT awstore.schedule_ttl_cleanup();

CREATE EXTENSION pg_cron;
INSERT INTO aw.attributes (id, bucket_name, bucket, name, data, ttl_timestamp)
SELECT 'a1', 'b:expired-' || i, 'b', 'expired-' || i, '{}', extract(epoch FROM now())::bigint - 10
  FROM generate_series(1, 25) i;
INSERT INTO aw.attributes (id, bucket_name, bucket, name, data, ttl_timestamp)
VALUES ('a1', 'b:live', 'b', 'live', '{}', extract(epoch FROM now())::bigint + 86400);

SELECT awstore.schedule_ttl_cleanup() AS jobid \gset
-- Idempotent: the same job, updated.
SELECT awstore.schedule_ttl_cleanup('*/1 * * * *') = :jobid AS same_job;
SELECT awstore.schedule_ttl_cleanup() = :jobid AS same_job;
SELECT jobname, schedule, command, database, active FROM cron.job;

-- Wait for the job to run and delete the expired rows.
DO $$
BEGIN
    FOR i IN 1 .. 150 LOOP
        EXIT WHEN EXISTS (SELECT FROM cron.job_run_details WHERE status = 'succeeded')
              AND NOT EXISTS (SELECT FROM aw.attributes WHERE name LIKE 'expired-%');
        PERFORM pg_sleep(1);
    END LOOP;
END $$;
SELECT status, command FROM cron.job_run_details WHERE status = 'succeeded' LIMIT 1;
SELECT name FROM aw.attributes;
SELECT rows_deleted_total FROM awstore.ttl_status;
SELECT sum(rows_deleted) FROM awstore.ttl_history;

-- A schedule pg_cron does not accept.
-- should fail
SELECT awstore.schedule_ttl_cleanup('every now and then');
-- should fail
SELECT awstore.schedule_ttl_cleanup(NULL);

SELECT awstore.unschedule_ttl_cleanup();
SELECT awstore.unschedule_ttl_cleanup();
SELECT count(*) FROM cron.job;

-- In a database other than cron.database_name: the hint is the exact call
-- to make in pg_cron's database.
CREATE DATABASE awstore_cron_other;
\c awstore_cron_other
CREATE EXTENSION awstore;
-- should fail
SELECT awstore.schedule_ttl_cleanup();
-- should fail
SELECT awstore.unschedule_ttl_cleanup();
\c contrib_regression
DROP DATABASE awstore_cron_other;

DROP EXTENSION pg_cron;
DROP EXTENSION awstore;
DROP SCHEMA aw CASCADE;
