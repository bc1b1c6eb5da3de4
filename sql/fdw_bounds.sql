--
-- Bounds: the sockets of parallel scans are counted by PostgreSQL's fd
-- accounting and closed once the scan is over; a response body has a size
-- cap; a scan's memory is flat page after page.
--
\getenv endpoint AWSTORE_DYNAMODB_ENDPOINT
\getenv proxy AWSTORE_FAULT_ENDPOINT
\getenv access_key AWSTORE_FAULT_ACCESS_KEY
\getenv secret_key AWSTORE_FAULT_SECRET_KEY
\! /usr/bin/python3 "$PG_ABS_SRCDIR/test/dynamo_fixture.py" reset
\! /usr/bin/python3 "$PG_ABS_SRCDIR/test/dynamo_fixture.py" load things big
\! curl -s -X POST "$AWSTORE_FAULT_ENDPOINT/__fault" -d '{"mode": "off"}' > /dev/null

CREATE SCHEMA aw;
CREATE EXTENSION awstore SCHEMA aw;
CREATE SERVER s1 FOREIGN DATA WRAPPER awstore_dynamodb OPTIONS (endpoint :'endpoint');
CREATE SERVER s2 FOREIGN DATA WRAPPER awstore_dynamodb OPTIONS (endpoint :'endpoint');
CREATE USER MAPPING FOR CURRENT_USER SERVER s1
    OPTIONS (access_key_id 'test', secret_access_key 'test');
CREATE USER MAPPING FOR CURRENT_USER SERVER s2
    OPTIONS (access_key_id 'test', secret_access_key 'test');
CREATE FOREIGN TABLE big (id text, n integer, pad text) SERVER s1;
CREATE FOREIGN TABLE big2 (id text, n integer, pad text) SERVER s2
    OPTIONS (table_name 'big');
CREATE FOREIGN TABLE things (id text, sk integer, name text) SERVER s1;
CREATE FUNCTION open_files() RETURNS integer LANGUAGE sql
    AS $$ SELECT count(*)::integer FROM pg_ls_dir('/proc/self/fd') $$;

-- scan_segments has a sensible maximum.
-- should fail
ALTER FOREIGN TABLE big OPTIONS (ADD scan_segments '257');

-- A wide parallel scan opens a connection per segment, and closes them
-- when it is done: a few (at most 8) stay for the next query.
SELECT count(*), sum(n) FROM big;
SELECT open_files() AS files_before \gset
ALTER FOREIGN TABLE big OPTIONS (ADD scan_segments '200');
SELECT count(*), sum(n) FROM big;
SELECT open_files() - :files_before < 20 AS connections_closed;
SELECT count(*), sum(n) FROM big;
SELECT open_files() - :files_before < 20 AS connections_closed;

-- More sockets than the backend may open: a clear error, not a failure
-- to connect, and nothing left open afterwards.
ALTER FOREIGN TABLE big OPTIONS (SET scan_segments '256');
ALTER FOREIGN TABLE big2 OPTIONS (ADD scan_segments '256');
BEGIN;
DECLARE c1 CURSOR FOR SELECT n FROM big;
MOVE 1 IN c1;
DECLARE c2 CURSOR FOR SELECT n FROM big2;
-- should fail
MOVE FORWARD ALL IN c2;
ROLLBACK;
SELECT open_files() - :files_before < 20 AS connections_closed;
SELECT count(*), sum(n) FROM big2;
ALTER FOREIGN TABLE big OPTIONS (DROP scan_segments);
ALTER FOREIGN TABLE big2 OPTIONS (DROP scan_segments);

-- A response body past the cap (16 MB; DynamoDB's are at most 1 MB and a
-- little) is refused, and not retried.
CREATE SERVER proxied FOREIGN DATA WRAPPER awstore_dynamodb
    OPTIONS (endpoint :'proxy', max_retries '2');
CREATE USER MAPPING FOR CURRENT_USER SERVER proxied
    OPTIONS (access_key_id :'access_key', secret_access_key :'secret_key');
CREATE FOREIGN TABLE pthings (id text, sk integer, name text) SERVER proxied
    OPTIONS (table_name 'things');
SELECT count(*) FROM pthings;
\! curl -s -X POST "$AWSTORE_FAULT_ENDPOINT/__stats/reset" > /dev/null
\! curl -s -X POST "$AWSTORE_FAULT_ENDPOINT/__fault" -d '{"mode": "oversize", "count": 1, "targets": ["Scan"]}' > /dev/null
-- should fail
SELECT count(*) FROM pthings;
\! curl -s "$AWSTORE_FAULT_ENDPOINT/__stats" | /usr/bin/python3 -c "import json, sys; s = json.load(sys.stdin); print('requests:', s['requests'], '| oversize:', s['injected'].get('oversize'))"
SELECT count(*) FROM pthings;
\! curl -s -X POST "$AWSTORE_FAULT_ENDPOINT/__fault" -d '{"mode": "off"}' > /dev/null

-- Memory is flat per page: the scan's context holds as much after many
-- pages as after the first (one Query page per partition key here, and
-- 1 MB Scan pages of big).
CREATE FUNCTION scan_memory() RETURNS TABLE (used bigint, calls bigint) LANGUAGE sql AS $$
    SELECT (SELECT sum(used_bytes) FROM pg_backend_memory_contexts WHERE name = 'awstore scan'),
           (SELECT count(*) FROM pg_backend_memory_contexts WHERE name = 'awstore call')
$$;
BEGIN;
DECLARE q CURSOR FOR SELECT sk FROM things
    WHERE id = ANY (ARRAY(SELECT 'a' || i FROM generate_series(0, 49) i));
MOVE 30 IN q;
SELECT * FROM scan_memory() \gset first_
MOVE 900 IN q;
SELECT used - :first_used AS growth, calls <= 2 AS calls_held FROM scan_memory();
MOVE FORWARD ALL IN q;
COMMIT;
BEGIN;
DECLARE b CURSOR FOR SELECT n FROM big;
MOVE 10 IN b;
SELECT * FROM scan_memory() \gset first_
MOVE 3500 IN b;
SELECT used - :first_used AS growth, calls <= 2 AS calls_held FROM scan_memory();
MOVE FORWARD ALL IN b;
COMMIT;

DROP SERVER s1, s2, proxied CASCADE;
DROP FUNCTION open_files(), scan_memory();
DROP EXTENSION awstore;
DROP SCHEMA aw CASCADE;
