-- bench/ttl_purge/sql/reload.sql — identical fresh data for a phase:
-- aw.attributes reloaded from bench.seed, vacuumed, analyzed, checkpointed.
\set ON_ERROR_STOP on
TRUNCATE aw.attributes;
INSERT INTO aw.attributes SELECT * FROM bench.seed;
VACUUM ANALYZE aw.attributes;
CHECKPOINT;
