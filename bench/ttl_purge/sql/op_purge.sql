-- bench/ttl_purge/sql/op_purge.sql — the timed awstore.purge_expired() run.
-- psql variables: batch_size, max_runtime.
--
-- auto_explain logs every nested statement of this session that takes
-- 1 ms or more, with its duration and plan: one line per batch DELETE.
\set ON_ERROR_STOP on
SET application_name = 'ttl_bench_op';
LOAD 'auto_explain';
SET auto_explain.log_min_duration = '1ms';
SET auto_explain.log_nested_statements = on;
SELECT 'pid', pg_backend_pid();
SELECT 'start', extract(epoch FROM clock_timestamp()), pg_current_wal_insert_lsn();
CALL awstore.purge_expired(batch_size => :batch_size, max_runtime => :'max_runtime');
SELECT 'end', extract(epoch FROM clock_timestamp()), pg_current_wal_insert_lsn();
