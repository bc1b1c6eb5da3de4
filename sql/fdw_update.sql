--
-- UPDATE of DynamoDB items: UpdateItem by the key read with the row, SET
-- for values and REMOVE for NULLs, never a key change, RETURNING.
--
\set dump '\\! /usr/bin/python3 "$PG_ABS_SRCDIR/test/dynamo_fixture.py" dump'
\! /usr/bin/python3 "$PG_ABS_SRCDIR/test/dynamo_fixture.py" reset
\! /usr/bin/python3 "$PG_ABS_SRCDIR/test/dynamo_fixture.py" load things

\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/sql/include/dynamo_server.sql
CREATE FOREIGN TABLE things (
    id text, sk integer, owner text, rank integer, name text, n numeric,
    flag boolean, tags text[], note text, extra jsonb
) SERVER dynamo;

-- One item, by its full key: a GetItem and an UpdateItem.
EXPLAIN (VERBOSE, COSTS OFF) UPDATE things SET name = 'renamed', n = n + 1 WHERE id = 'a1' AND sk = 1;
UPDATE things SET name = 'renamed', n = n + 1 WHERE id = 'a1' AND sk = 1;
SELECT id, sk, owner, name, n, flag, tags FROM things WHERE id = 'a1' AND sk = 1;
-- Attributes that are not columns are kept: UpdateItem changes only what
-- is set.
:dump things | grep -E '"id": \{"S": "a1"\}.*"sk": \{"N": "1"\}[,}]'

-- NULL removes the attribute; a JSON value becomes a Map.
UPDATE things SET note = NULL, tags = NULL, extra = '{"k": [1, {"deep": "x"}]}'
 WHERE id = 'a1' AND sk = 1;
:dump things | grep -E '"id": \{"S": "a1"\}.*"sk": \{"N": "1"\}[,}]'

-- Many rows: each by its own key.
\set QUIET off
UPDATE things SET owner = 'bulk' WHERE id = 'a2';
\set QUIET on
SELECT owner, count(*) FROM things WHERE id = 'a2' GROUP BY owner;
SELECT count(*) FROM things WHERE owner = 'bulk';
-- A filter evaluated locally, then the update.
UPDATE things SET flag = NOT flag WHERE id = 'a3' AND name LIKE '%3 ü';
SELECT sk, flag FROM things WHERE id = 'a3' AND name LIKE '%3 ü' ORDER BY sk;
-- Nothing matches: nothing is sent.
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
UPDATE things SET name = 'x' WHERE id = 'no such id';

-- RETURNING gives the item as DynamoDB has it after the update.
UPDATE things SET n = 0.5, note = 'returned' WHERE id = 'a4' AND sk = 4
RETURNING id, sk, owner, n, note, tags;

-- Updated from a join with a local table.
CREATE TABLE renames (id text, sk integer, name text);
INSERT INTO renames VALUES ('a5', 5, 'five'), ('a5', 55, 'fifty-five'), ('a5', 9999, 'missing');
UPDATE things t SET name = r.name FROM renames r WHERE t.id = r.id AND t.sk = r.sk;
SELECT sk, name FROM things WHERE id = 'a5' AND sk IN (5, 55) ORDER BY sk;

-- The key cannot change.
\set VERBOSITY default
UPDATE things SET sk = 2 WHERE id = 'a6' AND sk = 6;
UPDATE things SET id = 'other' WHERE id = 'a6';
-- Values DynamoDB cannot hold: the row is named.
UPDATE things SET n = 'NaN' WHERE id = 'a6' AND sk = 6;
UPDATE things SET tags = '{}' WHERE id = 'a6' AND sk = 6;
\set VERBOSITY terse

-- A row deleted between the read and the update is not recreated: the
-- update is conditional on the item existing, and is not counted.
CREATE FUNCTION delete_behind(text, integer) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE 'DELETE FROM things WHERE id = $1 AND sk = $2' USING $1, $2;
    RETURN true;
END $$;
\set QUIET off
UPDATE things SET name = 'should not exist' WHERE id = 'a7' AND sk = 7 AND delete_behind(id, sk);
UPDATE things SET name = 'should not exist' WHERE id = 'a7' AND sk = 57 AND delete_behind(id, sk)
RETURNING sk;
\set QUIET on
SELECT count(*) FROM things WHERE id = 'a7' AND sk IN (7, 57);

-- A foreign table without the sort key column updates too: each row
-- carries its item's key as read.
CREATE FOREIGN TABLE things_nosk (id text, name text) SERVER dynamo OPTIONS (table_name 'things');
UPDATE things_nosk SET name = 'x' WHERE id = 'a8';
SELECT count(*) FILTER (WHERE name = 'x') AS renamed, count(*) FROM things WHERE id = 'a8';

-- Reserved words and odd names as attributes.
\! /usr/bin/python3 "$PG_ABS_SRCDIR/test/dynamo_fixture.py" load reserved
CREATE FOREIGN TABLE reserved (
    name text, "timestamp" integer, data text, status text, "count" integer,
    spaced text OPTIONS (attribute_name 'with space'),
    dotted text OPTIONS (attribute_name 'dotted.attr'),
    hash text OPTIONS (attribute_name '#hash')
) SERVER dynamo OPTIONS (table_name 'my.Table-1');
UPDATE reserved SET status = 'updated', "count" = -1, spaced = 'sp', dotted = NULL, hash = 'h'
 WHERE name = 'n1' AND "timestamp" = 1;
SELECT * FROM reserved WHERE name = 'n1';

\set VERBOSITY terse
DROP TABLE renames;
DROP FUNCTION delete_behind(text, integer);
DROP USER MAPPING FOR CURRENT_USER SERVER dynamo;
DROP SERVER dynamo CASCADE;
DROP EXTENSION awstore;
DROP SCHEMA aw CASCADE;
