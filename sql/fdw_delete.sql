--
-- DELETE of DynamoDB items: batched DeleteRequests by the key read with
-- each row, DeleteItem per row with RETURNING.
--
\! /usr/bin/python3 "$PG_ABS_SRCDIR/test/dynamo_fixture.py" reset
\! /usr/bin/python3 "$PG_ABS_SRCDIR/test/dynamo_fixture.py" load things big

\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/sql/include/dynamo_server.sql
CREATE FOREIGN TABLE things (
    id text, sk integer, owner text, rank integer, name text, n numeric
) SERVER dynamo;
CREATE FOREIGN TABLE big (id text, n integer) SERVER dynamo;

-- One item by its key.
EXPLAIN (VERBOSE, COSTS OFF) DELETE FROM things WHERE id = 'a1' AND sk = 1;
\set QUIET off
DELETE FROM things WHERE id = 'a1' AND sk = 1;
\set QUIET on
SELECT count(*) FROM things WHERE id = 'a1';

-- A partition: one Query for the keys, batched deletes.
-- (Consumed capacity is each engine's own figure: fdw_engines shows them.)
\o | sed -E 's/(Capacity: ).*/\1(as the engine reports)/'
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) DELETE FROM things WHERE id = 'a2';
\o
SELECT count(*) FROM things WHERE id = 'a2';

-- Rows chosen by a local condition.
DELETE FROM things WHERE id = 'a3' AND n > 500;
SELECT count(*), max(n) FROM things WHERE id = 'a3';

-- RETURNING: DeleteItem per row, giving back the item deleted.
EXPLAIN (COSTS OFF) DELETE FROM things WHERE id = 'a4' RETURNING sk;
DELETE FROM things WHERE id = 'a4' AND sk < 200 RETURNING id, sk, owner, name, n;

-- Deleting through a join with a local table.
CREATE TABLE doomed (id text, sk integer);
INSERT INTO doomed SELECT 'a5', sk FROM generate_series(5, 1000, 50) sk;
DELETE FROM things t USING doomed d WHERE t.id = d.id AND t.sk = d.sk;
SELECT count(*) FROM things WHERE id = 'a5';

-- 4000 items of a table without a sort key.
\set QUIET off
DELETE FROM big WHERE n % 2 = 0;
\set QUIET on
SELECT count(*), min(n) % 2 AS odd FROM big;
DELETE FROM big;
SELECT count(*) FROM big;
\! /usr/bin/python3 "$PG_ABS_SRCDIR/test/dynamo_fixture.py" count big

-- AFTER ROW triggers see each row deleted: row by row.
CREATE TABLE deleted_log (id text, sk integer);
CREATE FUNCTION log_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO deleted_log VALUES (OLD.id, OLD.sk);
    RETURN OLD;
END $$;
CREATE TRIGGER things_log AFTER DELETE ON things FOR EACH ROW EXECUTE FUNCTION log_delete();
EXPLAIN (COSTS OFF) DELETE FROM things WHERE id = 'a6';
DELETE FROM things WHERE id = 'a6' AND sk < 100;
SELECT * FROM deleted_log ORDER BY sk;
DROP TRIGGER things_log ON things;

-- Everything else that was not deleted is still there.
SELECT count(*) FROM things;

\set VERBOSITY terse
DROP TABLE doomed, deleted_log;
DROP FUNCTION log_delete();
DROP USER MAPPING FOR CURRENT_USER SERVER dynamo;
DROP SERVER dynamo CASCADE;
DROP EXTENSION awstore;
DROP SCHEMA aw CASCADE;
