--
-- A migration interrupted anywhere — cancel, statement_timeout, a lost
-- connection — and run again ends exactly right: nothing lost, nothing
-- duplicated.  Requests go through the fault-injecting proxy.
--
\getenv proxy AWSTORE_FAULT_ENDPOINT
\getenv access_key AWSTORE_FAULT_ACCESS_KEY
\getenv secret_key AWSTORE_FAULT_SECRET_KEY
\set dataset '\\! /usr/bin/python3 "$PG_ABS_SRCDIR/test/actingweb_dataset.py"'
\set fault '\\! curl -s -X POST "$AWSTORE_FAULT_ENDPOINT/__fault" > /dev/null -d'
\set SHOW_CONTEXT never
\! /usr/bin/python3 "$PG_ABS_SRCDIR/test/dynamo_fixture.py" reset
:fault '{"mode": "off"}'
:dataset --prefix aw --actors 60 load > /dev/null

CREATE SCHEMA aw;
CREATE EXTENSION awstore SCHEMA aw;
CREATE EXTENSION dblink;
CREATE SERVER proxied FOREIGN DATA WRAPPER awstore_dynamodb
    OPTIONS (endpoint :'proxy', request_timeout '60s', max_retries '10');
CREATE USER MAPPING FOR CURRENT_USER SERVER proxied
    OPTIONS (access_key_id :'access_key', secret_access_key :'secret_key');
CREATE FUNCTION counts() RETURNS TABLE (actors bigint, properties bigint, attributes bigint, trusts bigint)
LANGUAGE sql AS $$
    SELECT (SELECT count(*) FROM aw.actors), (SELECT count(*) FROM aw.properties),
           (SELECT count(*) FROM aw.attributes), (SELECT count(*) FROM aw.trusts)
$$;
CREATE FUNCTION all_equal(prefix text) RETURNS boolean
LANGUAGE sql AS $$
    SELECT bool_and(missing_in_postgres = 0 AND missing_in_dynamodb = 0 AND different = 0)
      FROM awstore.verify_migration('proxied', prefix)
$$;

-- statement_timeout while attributes are read (Scans stall after the first
-- three tables): nothing of the run stays, not even the tables finished
-- before.
SET client_min_messages = warning;
:fault '{"mode": "stall", "seconds": 60, "targets": ["Scan"], "after": 3, "count": 1000}'
SET statement_timeout = '2s';
-- should fail
SELECT table_name, rows FROM awstore.migrate_from_dynamodb('proxied', 'aw');
RESET statement_timeout;
:fault '{"mode": "off"}'
SELECT * FROM counts();
-- Run again: all of it.
SELECT table_name, rows FROM awstore.migrate_from_dynamodb('proxied', 'aw');
SELECT all_equal('aw');

-- A catch-up cancelled half way (some tables already caught up in it)
-- changes nothing, and the next one completes.
UPDATE aw.properties SET value = 'stale' WHERE name = 'displayname';
UPDATE aw.trusts SET relationship = 'stale';
:fault '{"mode": "stall", "seconds": 60, "targets": ["Scan"], "after": 3, "count": 1000}'
SELECT dblink_connect('migrator', 'dbname=contrib_regression');
SELECT dblink_exec('migrator', 'SET application_name = ''awstore_migrator''');
SELECT dblink_send_query('migrator', 'SELECT count(*) FROM awstore.migrate_from_dynamodb(''proxied'', ''aw'')');
SELECT pg_sleep(1);
SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE application_name = 'awstore_migrator';
-- should fail
SELECT * FROM dblink_get_result('migrator') AS t(n bigint);
SELECT * FROM dblink_get_result('migrator') AS t(n bigint);
:fault '{"mode": "off"}'
SELECT count(*) FILTER (WHERE value = 'stale') AS stale_properties FROM aw.properties;
SELECT table_name, rows FROM awstore.migrate_from_dynamodb('proxied', 'aw');
SELECT count(*) FILTER (WHERE value = 'stale') AS stale_properties FROM aw.properties;
SELECT all_equal('aw');

-- The connection lost in the middle (the backend terminated, as in a
-- server crash): the same.
UPDATE aw.trusts SET relationship = 'stale';
:fault '{"mode": "stall", "seconds": 60, "targets": ["Scan"], "after": 3, "count": 1000}'
SELECT dblink_send_query('migrator', 'SELECT count(*) FROM awstore.migrate_from_dynamodb(''proxied'', ''aw'')');
SELECT pg_sleep(1);
SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'awstore_migrator';
SELECT pg_sleep(0.5);
SELECT dblink_disconnect('migrator');
:fault '{"mode": "off"}'
SELECT count(*) AS stale_trusts FROM aw.trusts WHERE relationship = 'stale';
SELECT table_name, rows FROM awstore.migrate_from_dynamodb('proxied', 'aw');
SELECT count(*) AS stale_trusts FROM aw.trusts WHERE relationship = 'stale';
SELECT all_equal('aw');

-- PostgreSQL → DynamoDB interrupted while writing (requests stall after
-- the first ten): what was written stays, and the next run completes it,
-- without duplicates.
:fault '{"mode": "stall", "seconds": 60, "targets": ["BatchWriteItem"], "after": 10, "count": 1000}'
SET statement_timeout = '3s';
-- (the WARNING that writes stay comes before or after the error, by timing)
SET client_min_messages = error;
-- should fail
SELECT table_name, rows FROM awstore.migrate_to_dynamodb('proxied', 'copy');
SET client_min_messages = warning;
RESET statement_timeout;
:fault '{"mode": "off"}'
SELECT count(*) AS tables_created FROM awstore.dynamodb_list_tables('proxied') t WHERE t LIKE 'copy\_%';
SELECT missing_in_dynamodb > 0 AS incomplete FROM awstore.verify_migration('proxied', 'copy') WHERE table_name = 'properties';
-- ... and with faults on the way: throttling, errors, lost answers.
:fault '{"mode": "mix", "rate": 0.1, "seed": 5, "targets": ["BatchWriteItem"], "faults": ["throttle", "error500", "drop_after", "unprocessed"]}'
SELECT table_name, rows FROM awstore.migrate_to_dynamodb('proxied', 'copy');
:fault '{"mode": "off"}'
SELECT all_equal('copy');
RESET client_min_messages;

SELECT dblink_connect('check', 'dbname=contrib_regression');
SELECT * FROM dblink('check', 'SELECT 1') AS t(one integer);
SELECT dblink_disconnect('check');
DROP FUNCTION counts();
DROP FUNCTION all_equal(text);
DROP USER MAPPING FOR CURRENT_USER SERVER proxied;
DROP SERVER proxied CASCADE;
DROP EXTENSION dblink;
DROP EXTENSION awstore;
DROP SCHEMA aw CASCADE;
