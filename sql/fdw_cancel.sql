--
-- A query cancel or statement_timeout stops a request in flight, a backoff
-- sleep, or a parallel scan, and leaves the session ready for the next
-- query.
--
\getenv proxy AWSTORE_FAULT_ENDPOINT
\getenv access_key AWSTORE_FAULT_ACCESS_KEY
\getenv secret_key AWSTORE_FAULT_SECRET_KEY
\! /usr/bin/python3 "$PG_ABS_SRCDIR/test/dynamo_fixture.py" reset
\! /usr/bin/python3 "$PG_ABS_SRCDIR/test/dynamo_fixture.py" load big
\! curl -s -X POST "$AWSTORE_FAULT_ENDPOINT/__fault" -d '{"mode": "off"}' > /dev/null

CREATE SCHEMA aw;
CREATE EXTENSION awstore SCHEMA aw;
CREATE EXTENSION dblink;
CREATE SERVER proxied FOREIGN DATA WRAPPER awstore_dynamodb
    OPTIONS (endpoint :'proxy', request_timeout '60s', max_retries '10');
CREATE USER MAPPING FOR CURRENT_USER SERVER proxied
    OPTIONS (access_key_id :'access_key', secret_access_key :'secret_key');
CREATE FOREIGN TABLE big (id text, n integer) SERVER proxied;
SELECT count(*) FROM big;

-- A response that never comes: statement_timeout ends the wait.
\! curl -s -X POST "$AWSTORE_FAULT_ENDPOINT/__fault" -d '{"mode": "stall", "seconds": 60}' > /dev/null
SET statement_timeout = '300ms';
-- should fail
SELECT count(*) FROM big;
-- ... also a parallel scan with four requests waiting.
ALTER FOREIGN TABLE big OPTIONS (ADD scan_segments '4');
-- should fail
SELECT count(n) FROM big;
ALTER FOREIGN TABLE big OPTIONS (DROP scan_segments);
RESET statement_timeout;
\! curl -s -X POST "$AWSTORE_FAULT_ENDPOINT/__fault" -d '{"mode": "off"}' > /dev/null
-- The session is fine afterwards.
SELECT count(*), sum(n) FROM big;

-- A throttled table: the cancel comes during a backoff sleep.
\! curl -s -X POST "$AWSTORE_FAULT_ENDPOINT/__fault" -d '{"mode": "throttle"}' > /dev/null
SET statement_timeout = '500ms';
-- should fail
SELECT count(n) FROM big;
RESET statement_timeout;
\! curl -s -X POST "$AWSTORE_FAULT_ENDPOINT/__fault" -d '{"mode": "off"}' > /dev/null
SELECT count(*), sum(n) FROM big;

-- pg_cancel_backend from another session, during a stalled request.
\! curl -s -X POST "$AWSTORE_FAULT_ENDPOINT/__fault" -d '{"mode": "stall", "seconds": 60}' > /dev/null
SELECT dblink_connect('victim', 'dbname=contrib_regression');
SELECT dblink_exec('victim', 'SET application_name = ''awstore_victim''');
SELECT dblink_send_query('victim', 'SELECT count(n) FROM big');
SELECT pg_sleep(0.3);
SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE application_name = 'awstore_victim';
-- should fail
SELECT * FROM dblink_get_result('victim') AS t(n bigint);
SELECT * FROM dblink_get_result('victim') AS t(n bigint);
\! curl -s -X POST "$AWSTORE_FAULT_ENDPOINT/__fault" -d '{"mode": "off"}' > /dev/null
SELECT * FROM dblink('victim', 'SELECT count(*) FROM big') AS t(n bigint);
SELECT dblink_disconnect('victim');

DROP EXTENSION dblink;
DROP USER MAPPING FOR CURRENT_USER SERVER proxied;
DROP SERVER proxied CASCADE;
DROP EXTENSION awstore;
DROP SCHEMA aw CASCADE;
