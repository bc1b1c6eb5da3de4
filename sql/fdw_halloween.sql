--
-- An UPDATE never finds its rows through an index whose key it sets: the
-- item would move within the index and a later page could meet it again.
--
\! /usr/bin/python3 "$PG_ABS_SRCDIR/test/dynamo_fixture.py" reset
\! /usr/bin/python3 "$PG_ABS_SRCDIR/test/dynamo_fixture.py" load things

\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/sql/include/dynamo_server.sql
CREATE FOREIGN TABLE things (
    id text, sk integer, owner text, rank integer, name text
) SERVER dynamo;

-- The global index on owner: read through it unless owner is set.
EXPLAIN (COSTS OFF) SELECT * FROM things WHERE owner = 'o1';
EXPLAIN (COSTS OFF) UPDATE things SET name = 'renamed' WHERE owner = 'o1';
EXPLAIN (COSTS OFF) UPDATE things SET owner = 'o1' WHERE owner = 'o1';
\set QUIET off
UPDATE things SET owner = 'o1' || 'x' WHERE owner = 'o1';
\set QUIET on
SELECT owner, count(*) FROM things WHERE owner LIKE 'o1%' GROUP BY owner;

-- The local index on rank: the same.
EXPLAIN (COSTS OFF) UPDATE things SET name = 'renamed' WHERE id = 'a1' AND rank > 10;
EXPLAIN (COSTS OFF) UPDATE things SET rank = rank + 1 WHERE id = 'a1' AND rank > 10;
\set QUIET off
UPDATE things SET rank = rank + 1 WHERE id = 'a1' AND rank > 10;
\set QUIET on

SET client_min_messages = warning;
DROP USER MAPPING FOR CURRENT_USER SERVER dynamo;
DROP SERVER dynamo CASCADE;
DROP EXTENSION awstore;
DROP SCHEMA aw CASCADE;
