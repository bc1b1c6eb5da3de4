--
-- IMPORT FOREIGN SCHEMA: every DynamoDB table becomes a foreign table, with
-- its keys, the attributes seen in a sample, and the whole item as JSON.
-- And ANALYZE, which samples a table for the planner.
--
\! /usr/bin/python3 "$PG_ABS_SRCDIR/test/dynamo_fixture.py" reset
\! /usr/bin/python3 "$PG_ABS_SRCDIR/test/dynamo_fixture.py" load things types reserved empty

\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/sql/include/dynamo_server.sql

-- Keys and the document column.
CREATE SCHEMA imp;
IMPORT FOREIGN SCHEMA dynamodb FROM SERVER dynamo INTO imp;
SELECT c.relname, ft.ftoptions
  FROM pg_foreign_table ft JOIN pg_class c ON c.oid = ft.ftrelid
 WHERE c.relnamespace = 'imp'::regnamespace ORDER BY 1;
SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attfdwoptions
  FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
 WHERE c.relnamespace = 'imp'::regnamespace AND a.attnum > 0
 ORDER BY 1, a.attnum;
SELECT name, "timestamp", document ->> 'status' AS status FROM imp."my.Table-1" ORDER BY 2 LIMIT 3;
SELECT id, sk, document -> 'tags' AS tags FROM imp.things WHERE id = 'a1' AND sk = 51;
SELECT count(*) FROM imp.empty;

-- With a sample, the attributes become typed columns; with a prefix.
CREATE SCHEMA imp2;
IMPORT FOREIGN SCHEMA dynamodb LIMIT TO (dyn_types, dyn_things) FROM SERVER dynamo INTO imp2
    OPTIONS (table_prefix 'dyn_', sample_size '50');
SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attfdwoptions
  FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
 WHERE c.relnamespace = 'imp2'::regnamespace AND a.attnum > 0
 ORDER BY 1, a.attnum;
SELECT id, n_big, (SELECT array_agg(x ORDER BY x) FROM unnest(ss) x) AS ss, m -> 'nested' AS nested
  FROM imp2.dyn_types WHERE id = 'all';
SELECT owner, count(*) FROM imp2.dyn_things WHERE owner = 'o3' GROUP BY owner;

CREATE SCHEMA imp3;
IMPORT FOREIGN SCHEMA dynamodb EXCEPT (things, types) FROM SERVER dynamo INTO imp3;
SELECT relname FROM pg_class WHERE relnamespace = 'imp3'::regnamespace ORDER BY 1;

-- should fail
IMPORT FOREIGN SCHEMA public FROM SERVER dynamo INTO imp3;
-- should fail
IMPORT FOREIGN SCHEMA dynamodb FROM SERVER dynamo INTO imp3 OPTIONS (sample_size 'lots');
-- should fail
IMPORT FOREIGN SCHEMA dynamodb FROM SERVER dynamo INTO imp3 OPTIONS (prefix 'x');

-- ANALYZE samples the table; the planner then knows its size.
SELECT reltuples FROM pg_class WHERE oid = 'imp.things'::regclass;
ANALYZE imp.things;
SELECT reltuples FROM pg_class WHERE oid = 'imp.things'::regclass;
SELECT attname, null_frac, n_distinct FROM pg_stats
 WHERE schemaname = 'imp' AND tablename = 'things' ORDER BY attname;
ANALYZE imp.empty;
SELECT reltuples FROM pg_class WHERE oid = 'imp.empty'::regclass;

DROP SCHEMA imp, imp2, imp3 CASCADE;
DROP USER MAPPING FOR CURRENT_USER SERVER dynamo;
DROP SERVER dynamo CASCADE;
DROP EXTENSION awstore;
DROP SCHEMA aw CASCADE;
