--
-- Reading DynamoDB tables: whole tables, paging over many 1 MB pages,
-- parallel segments, LIMIT, count(*), empty tables, joins and rescans.
--
\! /usr/bin/python3 "$PG_ABS_SRCDIR/test/dynamo_fixture.py" reset
\! /usr/bin/python3 "$PG_ABS_SRCDIR/test/dynamo_fixture.py" load things big empty reserved

\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/sql/include/dynamo_server.sql

CREATE FOREIGN TABLE things (
    id text, sk integer, owner text, rank integer, name text, n numeric,
    flag boolean, tags text[], note text
) SERVER dynamo;

SELECT count(*), count(DISTINCT id), sum(sk), sum(n), count(note), count(*) FILTER (WHERE flag)
  FROM things;
SELECT id, sk, owner, name, n, flag, tags, note FROM things WHERE id = 'a1' ORDER BY sk LIMIT 4;

-- Many pages: 4000 items of about 1 kB.
CREATE FOREIGN TABLE big (id text, n integer, pad text) SERVER dynamo;
SELECT count(*), count(DISTINCT id), sum(n), min(length(pad)), max(length(pad)) FROM big;
-- (Consumed capacity is each engine's own figure: fdw_engines shows them.)
\o | sed -E 's/(Capacity: ).*/\1(as the engine reports)/'
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT n FROM big;
\o

-- The same in parallel segments: every item exactly once.
ALTER FOREIGN TABLE big OPTIONS (ADD scan_segments '4');
EXPLAIN (COSTS OFF) SELECT id, n FROM big;
SELECT count(*), count(DISTINCT id), sum(n) FROM big;
ALTER FOREIGN TABLE big OPTIONS (SET scan_segments '7');
SELECT count(*), count(DISTINCT id), sum(n) FROM big;
ALTER FOREIGN TABLE big OPTIONS (DROP scan_segments);

-- LIMIT stops paging early.
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT id FROM big LIMIT 5;
SELECT count(*) FROM (SELECT id FROM big LIMIT 5) s;
-- ... also without a Limit for DynamoDB, when the executor stops pulling.
\o | sed -E 's/(Capacity: ).*/\1(as the engine reports)/'
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT id FROM big WHERE pad LIKE '%x' LIMIT 3;
\o

-- count(*) needs no attribute: Select=COUNT.
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT count(*) FROM big;
SELECT count(*) FROM big;

-- An empty table.
CREATE FOREIGN TABLE empty (id text, v text) SERVER dynamo;
SELECT * FROM empty;
SELECT count(*) FROM empty;

-- A table and attributes whose names need quoting everywhere.
CREATE FOREIGN TABLE reserved (
    name text, "timestamp" integer, data text, status text, count integer,
    with_space text OPTIONS (attribute_name 'with space'),
    dotted text OPTIONS (attribute_name 'dotted.attr'),
    hash text OPTIONS (attribute_name '#hash')
) SERVER dynamo OPTIONS (table_name 'my.Table-1');
SELECT * FROM reserved ORDER BY "timestamp";
EXPLAIN (COSTS OFF, VERBOSE) SELECT data, status, count, with_space FROM reserved WHERE status = 'ok';
SELECT data, with_space, dotted, hash FROM reserved WHERE status = 'ok' AND count > 40 ORDER BY 1;

-- A join fetches by key per outer row instead of scanning.
CREATE TABLE wanted (id text, sk integer);
INSERT INTO wanted VALUES ('a1', 1), ('a2', 2), ('a3', 3), ('a3', 53), ('zz', 1);
ANALYZE wanted;
SET enable_hashjoin = off;
SET enable_mergejoin = off;
EXPLAIN (COSTS OFF) SELECT w.id, w.sk, t.name FROM wanted w JOIN things t ON t.id = w.id AND t.sk = w.sk;
SELECT w.id, w.sk, t.name FROM wanted w JOIN things t ON t.id = w.id AND t.sk = w.sk ORDER BY 1, 2;
EXPLAIN (COSTS OFF) SELECT w.id, t.sk FROM wanted w JOIN things t ON t.id = w.id;
SELECT w.id, count(*) FROM wanted w JOIN things t ON t.id = w.id GROUP BY w.id ORDER BY 1;
RESET enable_hashjoin;
RESET enable_mergejoin;

-- Prepared statements: the key comes as a parameter.
PREPARE one(text, integer) AS SELECT name FROM things WHERE id = $1 AND sk = $2;
EXECUTE one('a7', 7);
EXECUTE one('a7', 57);
EXECUTE one(NULL, 7);
EXECUTE one('', 7);
PREPARE per_id(text) AS SELECT count(*) FROM things WHERE id = $1;
EXECUTE per_id('a9');
EXECUTE per_id('nope');

-- A table that does not exist: fdw_engines (each engine words it its own way).

DROP TABLE wanted;
DROP USER MAPPING FOR CURRENT_USER SERVER dynamo;
DROP SERVER dynamo CASCADE;
DROP EXTENSION awstore;
DROP SCHEMA aw CASCADE;
