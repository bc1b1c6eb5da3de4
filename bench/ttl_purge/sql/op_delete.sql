-- bench/ttl_purge/sql/op_delete.sql — the timed single DELETE that
-- ActingWeb's documentation recommends, in one transaction (autocommit).
-- Same session settings as op_purge.sql.
\set ON_ERROR_STOP on
SET application_name = 'ttl_bench_op';
LOAD 'auto_explain';
SET auto_explain.log_min_duration = '1ms';
SET auto_explain.log_nested_statements = on;
SELECT 'pid', pg_backend_pid();
SELECT 'start', extract(epoch FROM clock_timestamp()), pg_current_wal_insert_lsn();
DELETE FROM aw.attributes WHERE ttl_timestamp < extract(epoch from now());
SELECT 'end', extract(epoch FROM clock_timestamp()), pg_current_wal_insert_lsn();
