--
-- A DynamoDB client outlives every scan, cursor and modify state that uses
-- it.  Changing the user mapping or the server (or a reset of the caches)
-- while a cursor is open gives new queries a new client and leaves the
-- cursor its own, until its end.  Nothing here may crash the backend.
--
\getenv endpoint AWSTORE_DYNAMODB_ENDPOINT
\! /usr/bin/python3 "$PG_ABS_SRCDIR/test/dynamo_fixture.py" reset
\! /usr/bin/python3 "$PG_ABS_SRCDIR/test/dynamo_fixture.py" load things big

CREATE SCHEMA aw;
CREATE EXTENSION awstore SCHEMA aw;
CREATE SERVER s FOREIGN DATA WRAPPER awstore_dynamodb OPTIONS (endpoint :'endpoint');
CREATE ROLE regress_awstore_life;
GRANT USAGE ON FOREIGN SERVER s TO regress_awstore_life;
CREATE USER MAPPING FOR regress_awstore_life SERVER s
    OPTIONS (access_key_id 'test', secret_access_key 'test');
-- big: 4000 items of about 1 kB (several pages); things: 1000 small items
CREATE FOREIGN TABLE ft (id text, n integer, pad text) SERVER s OPTIONS (table_name 'big');
CREATE FOREIGN TABLE ft2 (id text, sk integer, name text) SERVER s OPTIONS (table_name 'things');
GRANT SELECT ON ft, ft2 TO regress_awstore_life;

-- Table descriptions are cached per user mapping: a user whose
-- credentials DynamoDB rejects cannot plan with what another user's
-- credentials described.  (First: a cache reset later on forgets them.)
\getenv proxy AWSTORE_FAULT_ENDPOINT
\getenv access_key AWSTORE_FAULT_ACCESS_KEY
\getenv secret_key AWSTORE_FAULT_SECRET_KEY
CREATE SERVER proxied FOREIGN DATA WRAPPER awstore_dynamodb
    OPTIONS (endpoint :'proxy', max_retries '0');
CREATE ROLE regress_awstore_other;
GRANT USAGE ON FOREIGN SERVER proxied TO regress_awstore_other;
CREATE USER MAPPING FOR CURRENT_USER SERVER proxied
    OPTIONS (access_key_id :'access_key', secret_access_key :'secret_key');
CREATE USER MAPPING FOR regress_awstore_other SERVER proxied
    OPTIONS (access_key_id :'access_key', secret_access_key 'wrong');
CREATE FOREIGN TABLE pthings (id text, sk integer, name text) SERVER proxied
    OPTIONS (table_name 'things');
GRANT SELECT ON pthings TO regress_awstore_other;
EXPLAIN (COSTS OFF) SELECT name FROM pthings WHERE id = 'a1' AND sk = 51;
SET ROLE regress_awstore_other;
\set VERBOSITY terse
-- should fail
EXPLAIN (COSTS OFF) SELECT name FROM pthings WHERE id = 'a1' AND sk = 51;
\set VERBOSITY default
RESET ROLE;
ALTER USER MAPPING FOR regress_awstore_other SERVER proxied
    OPTIONS (SET secret_access_key :'secret_key');
SET ROLE regress_awstore_other;
SELECT name FROM pthings WHERE id = 'a1' AND sk = 51;
RESET ROLE;
-- one description per mapping and table, each in a context of its own
SELECT count(*) FROM pg_backend_memory_contexts
 WHERE name = 'awstore table description' AND ident = 'things';
-- changing a mapping forgets what it described
ALTER USER MAPPING FOR regress_awstore_other SERVER proxied
    OPTIONS (ADD session_token 'none');
SELECT count(*) FROM pg_backend_memory_contexts
 WHERE name = 'awstore table description' AND ident = 'things';
DROP SERVER proxied CASCADE;
DROP ROLE regress_awstore_other;

SET ROLE regress_awstore_life;

-- The sequence that crashed the backend: a non-superuser changes his
-- mapping while his cursor is open, then uses the mapping again.
BEGIN;
DECLARE c CURSOR FOR SELECT length(pad) FROM ft;
FETCH 1 FROM c;
ALTER USER MAPPING FOR CURRENT_USER SERVER s OPTIONS (SET secret_access_key 'changed');
SELECT count(*) FROM ft2;
FETCH 5 FROM c;
MOVE FORWARD ALL IN c;
COMMIT;
SELECT count(*), sum(n) FROM ft;

-- The same with two cursors, and two changes while they are open: each
-- cursor reads every item with the client it started with.
BEGIN;
DECLARE c1 CURSOR FOR SELECT length(pad) FROM ft;
DECLARE c2 CURSOR FOR SELECT n FROM ft;
FETCH 1 FROM c1;
MOVE 10 IN c2;
ALTER USER MAPPING FOR CURRENT_USER SERVER s OPTIONS (SET secret_access_key 'again');
SELECT count(*) FROM ft2;
FETCH 2 FROM c1;
DECLARE c3 CURSOR FOR SELECT sk FROM ft2;
MOVE 1 IN c3;
ALTER USER MAPPING FOR CURRENT_USER SERVER s OPTIONS (SET secret_access_key 'test');
SELECT count(*) FROM ft2;
CLOSE c1;
MOVE FORWARD ALL IN c2;
MOVE FORWARD ALL IN c3;
COMMIT;

-- An error in the transaction releases the clients of its cursors too.
BEGIN;
DECLARE c CURSOR FOR SELECT n FROM ft;
MOVE 3 IN c;
ALTER USER MAPPING FOR CURRENT_USER SERVER s OPTIONS (SET secret_access_key 'other');
SELECT 1 / 0;
ROLLBACK;
SELECT count(*) FROM ft2;

-- A change of the server (by its owner) while the cursor is open.
BEGIN;
DECLARE c CURSOR FOR SELECT n FROM ft;
MOVE 3 IN c;
RESET ROLE;
ALTER SERVER s OPTIONS (ADD request_timeout '30s');
SET ROLE regress_awstore_life;
SELECT count(*) FROM ft2;
MOVE FORWARD ALL IN c;
COMMIT;

-- A cursor WITH HOLD outlives its transaction, and the mapping's change.
BEGIN;
DECLARE h CURSOR WITH HOLD FOR SELECT n FROM ft WHERE n < 10 ORDER BY n;
COMMIT;
ALTER USER MAPPING FOR CURRENT_USER SERVER s OPTIONS (SET secret_access_key 'held');
SELECT count(*) FROM ft2;
FETCH ALL FROM h;
CLOSE h;

-- A reset of every cache (the invalidation queue of this backend
-- overflowing, while another session changes many catalog rows) marks
-- every client out of date at once, with a cursor open.
BEGIN;
DECLARE c CURSOR FOR SELECT length(pad) FROM ft;
FETCH 1 FROM c;
\! psql -X -q -d contrib_regression -c "DO \$\$ BEGIN FOR i IN 1..1500 LOOP EXECUTE format('CREATE TEMP TABLE sinval_%s (a int, b text)', i); END LOOP; END \$\$"
SELECT count(*) FROM ft2;
FETCH 1 FROM c;
MOVE FORWARD ALL IN c;
COMMIT;

-- Scans and writes whose own expressions change the mapping and read
-- through it, row after row: each statement keeps its client.
RESET ROLE;
CREATE FOREIGN TABLE ft3 (id text, sk integer, name text) SERVER s OPTIONS (table_name 'things');
GRANT SELECT, INSERT ON ft3 TO regress_awstore_life;
CREATE FUNCTION churn(k text) RETURNS bigint LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('ALTER USER MAPPING FOR CURRENT_USER SERVER s OPTIONS (SET secret_access_key %L)', k);
    RETURN (SELECT count(*) FROM ft2 WHERE id = 'a1');
END $$;
SET ROLE regress_awstore_life;
SELECT count(*), sum(n) FROM ft WHERE n % 500 = 0 AND churn('k' || n) > 0;
INSERT INTO ft3 SELECT 'new', i, 'row ' || churn('i' || i) FROM generate_series(1, 60) i;
SELECT count(*), sum(sk), min(name) FROM ft3 WHERE id = 'new';

RESET ROLE;
DROP FOREIGN TABLE ft, ft2, ft3;
DROP FUNCTION churn(text);
DROP USER MAPPING FOR regress_awstore_life SERVER s;
DROP SERVER s;
DROP ROLE regress_awstore_life;
DROP EXTENSION awstore;
DROP SCHEMA aw CASCADE;
