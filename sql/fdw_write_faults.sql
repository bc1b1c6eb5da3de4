--
-- Writing through a proxy that injects faults.  Retryable faults
-- (throttling, 5xx, connections dropped before or after DynamoDB applied
-- the request, items left unprocessed) are retried, and 20,000 rows arrive
-- exactly; a fault that is not retryable, or retries running out, stops
-- the statement with a clear error; a cancel stops a large write at once.
--
\getenv endpoint AWSTORE_DYNAMODB_ENDPOINT
\getenv proxy AWSTORE_FAULT_ENDPOINT
\getenv access_key AWSTORE_FAULT_ACCESS_KEY
\getenv secret_key AWSTORE_FAULT_SECRET_KEY
\! /usr/bin/python3 "$PG_ABS_SRCDIR/test/dynamo_fixture.py" reset
\! curl -s -X POST "$AWSTORE_FAULT_ENDPOINT/__fault" -d '{"mode": "off"}' > /dev/null
\! curl -s -X POST "$AWSTORE_FAULT_ENDPOINT/__stats/reset" > /dev/null
\set injected '\\! curl -s "$AWSTORE_FAULT_ENDPOINT/__stats" | /usr/bin/python3 -c "import json, sys; s = json.load(sys.stdin); print(\\"kinds of faults injected:\\", sorted(s[\\"injected\\"]), \\"| bad signatures:\\", s[\\"signature_bad\\"])"; curl -s -X POST "$AWSTORE_FAULT_ENDPOINT/__stats/reset" > /dev/null'

CREATE SCHEMA aw;
CREATE EXTENSION awstore SCHEMA aw;
CREATE EXTENSION dblink;
CREATE SERVER proxied FOREIGN DATA WRAPPER awstore_dynamodb
    OPTIONS (endpoint :'proxy', request_timeout '5s', max_retries '10');
CREATE USER MAPPING FOR CURRENT_USER SERVER proxied
    OPTIONS (access_key_id :'access_key', secret_access_key :'secret_key');
SELECT awstore.dynamodb_create_table('proxied', 'attributes', 'id', 'S', 'name', 'S') IS NOT NULL AS created;
CREATE FOREIGN TABLE attributes (id text, name text, data text, n numeric, ttl timestamptz)
    SERVER proxied;

-- ActingWeb attributes: 20,000 rows under 400 actors.
CREATE TABLE source AS
SELECT 'actor' || (i % 400) || ':bucket' AS id, 'attr' || i AS name,
       repeat(md5(i::text), 1 + i % 8) AS data, i * 1.25 AS n,
       timestamptz '2026-06-01 00:00:00+00' + i * interval '1 second' AS ttl
  FROM generate_series(1, 20000) i;

-- 10 % of the BatchWriteItem requests fail in one of seven ways.
\! curl -s -X POST "$AWSTORE_FAULT_ENDPOINT/__fault" -d '{"mode": "mix", "rate": 0.1, "seed": 11, "targets": ["BatchWriteItem"], "faults": ["throttle", "throttling", "error500", "error503", "drop_before", "drop_after", "unprocessed"]}' > /dev/null
INSERT INTO attributes SELECT * FROM source;
\! curl -s -X POST "$AWSTORE_FAULT_ENDPOINT/__fault" -d '{"mode": "off"}' > /dev/null
:injected
-- Exactly the 20,000 items, each identical to its row.
\! /usr/bin/python3 "$PG_ABS_SRCDIR/test/dynamo_fixture.py" count attributes
SELECT (SELECT count(*) FROM attributes) AS items,
       (SELECT count(*) FROM (SELECT * FROM source EXCEPT SELECT * FROM attributes) s) AS missing_or_different,
       (SELECT count(*) FROM (SELECT * FROM attributes EXCEPT SELECT * FROM source) s) AS unexpected;

-- The same under faults for deletes.
\! curl -s -X POST "$AWSTORE_FAULT_ENDPOINT/__fault" -d '{"mode": "mix", "rate": 0.1, "seed": 12, "targets": ["BatchWriteItem"], "faults": ["throttle", "error500", "drop_after", "unprocessed"]}' > /dev/null
DELETE FROM attributes WHERE n > 12500;
\! curl -s -X POST "$AWSTORE_FAULT_ENDPOINT/__fault" -d '{"mode": "off"}' > /dev/null
:injected
SELECT count(*), max(n) FROM attributes;

-- A fault that is not retryable stops the statement, and says what was
-- and was not written.  (One request of 25 items, to be exact about it.)
-- (The WARNING that a failed statement's writes stay comes before or after
-- the error, by timing: it is left out here.)
SET client_min_messages = error;
\set VERBOSITY default
\set SHOW_CONTEXT always
\! curl -s -X POST "$AWSTORE_FAULT_ENDPOINT/__fault" -d '{"mode": "validation", "count": 1, "targets": ["BatchWriteItem"]}' > /dev/null
INSERT INTO attributes (id, name) SELECT 'v', 'n' || i FROM generate_series(1, 25) i;
\! curl -s -X POST "$AWSTORE_FAULT_ENDPOINT/__fault" -d '{"mode": "off"}' > /dev/null
SELECT count(*) FROM attributes WHERE id = 'v';

-- Retries running out: always throttled.
CREATE SERVER impatient FOREIGN DATA WRAPPER awstore_dynamodb
    OPTIONS (endpoint :'proxy', max_retries '2');
CREATE USER MAPPING FOR CURRENT_USER SERVER impatient
    OPTIONS (access_key_id :'access_key', secret_access_key :'secret_key');
CREATE FOREIGN TABLE impatient_attributes (id text, name text)
    SERVER impatient OPTIONS (table_name 'attributes', batch_size '10');
\! curl -s -X POST "$AWSTORE_FAULT_ENDPOINT/__fault" -d '{"mode": "throttle", "targets": ["BatchWriteItem"]}' > /dev/null
INSERT INTO impatient_attributes SELECT 't', 'n' || i FROM generate_series(1, 10) i;
-- ... and DynamoDB leaving half of every request unprocessed: 10 items,
-- 5 + 2 + 1 written, 2 left after two resends.
\! curl -s -X POST "$AWSTORE_FAULT_ENDPOINT/__fault" -d '{"mode": "unprocessed", "targets": ["BatchWriteItem"]}' > /dev/null
INSERT INTO impatient_attributes SELECT 'u', 'n' || i FROM generate_series(1, 10) i;
\! curl -s -X POST "$AWSTORE_FAULT_ENDPOINT/__fault" -d '{"mode": "off"}' > /dev/null
SELECT id, count(*) FROM attributes WHERE id IN ('t', 'u') GROUP BY id;
\set SHOW_CONTEXT errors
\set VERBOSITY terse
RESET client_min_messages;
\! curl -s -X POST "$AWSTORE_FAULT_ENDPOINT/__stats/reset" > /dev/null

-- UPDATE under faults, including retries of requests DynamoDB applied
-- but whose answer was lost: setting values is idempotent.
\! curl -s -X POST "$AWSTORE_FAULT_ENDPOINT/__fault" -d '{"mode": "mix", "rate": 0.2, "seed": 2, "targets": ["UpdateItem"], "faults": ["throttle", "error500", "drop_before", "drop_after"]}' > /dev/null
UPDATE attributes SET data = 'updated' WHERE id = 'actor7:bucket';
\! curl -s -X POST "$AWSTORE_FAULT_ENDPOINT/__fault" -d '{"mode": "off"}' > /dev/null
:injected
SELECT data, count(*) FROM attributes WHERE id = 'actor7:bucket' GROUP BY data;

-- A cancel during a large write: requests stall, statement_timeout ends
-- the statement, and the session goes on.
\! curl -s -X POST "$AWSTORE_FAULT_ENDPOINT/__fault" -d '{"mode": "stall", "seconds": 60, "targets": ["BatchWriteItem"]}' > /dev/null
SET statement_timeout = '500ms';
SET client_min_messages = error;
-- should fail
INSERT INTO attributes SELECT * FROM source;
RESET client_min_messages;
RESET statement_timeout;
-- ... and pg_cancel_backend from another session, during backoff sleeps.
\! curl -s -X POST "$AWSTORE_FAULT_ENDPOINT/__fault" -d '{"mode": "throttle", "targets": ["BatchWriteItem"]}' > /dev/null
SELECT dblink_connect('writer', 'dbname=contrib_regression');
SELECT dblink_exec('writer', 'SET application_name = ''awstore_writer''');
SELECT dblink_send_query('writer', 'INSERT INTO attributes SELECT * FROM source');
SELECT pg_sleep(0.5);
SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE application_name = 'awstore_writer';
-- should fail
SELECT * FROM dblink_get_result('writer') AS t(result text);
SELECT * FROM dblink_get_result('writer') AS t(result text);
\! curl -s -X POST "$AWSTORE_FAULT_ENDPOINT/__fault" -d '{"mode": "off"}' > /dev/null
SELECT * FROM dblink('writer', 'SELECT count(*) > 0 FROM attributes') AS t(ok boolean);
SELECT dblink_disconnect('writer');
-- TRUNCATE too.
\! curl -s -X POST "$AWSTORE_FAULT_ENDPOINT/__fault" -d '{"mode": "stall", "seconds": 60, "targets": ["BatchWriteItem"]}' > /dev/null
SET statement_timeout = '500ms';
SET client_min_messages = error;
-- should fail
TRUNCATE attributes;
RESET client_min_messages;
RESET statement_timeout;
\! curl -s -X POST "$AWSTORE_FAULT_ENDPOINT/__fault" -d '{"mode": "off"}' > /dev/null
TRUNCATE attributes;
SELECT count(*) FROM attributes;
:injected

DROP TABLE source;
DROP USER MAPPING FOR CURRENT_USER SERVER proxied;
DROP USER MAPPING FOR CURRENT_USER SERVER impatient;
DROP SERVER proxied CASCADE;
DROP SERVER impatient CASCADE;
DROP EXTENSION dblink;
DROP EXTENSION awstore;
DROP SCHEMA aw CASCADE;
