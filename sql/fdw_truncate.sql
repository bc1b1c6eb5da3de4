--
-- TRUNCATE of DynamoDB tables: every item deleted, from a key-only scan,
-- in batches.
--
\! /usr/bin/python3 "$PG_ABS_SRCDIR/test/dynamo_fixture.py" reset
\! /usr/bin/python3 "$PG_ABS_SRCDIR/test/dynamo_fixture.py" load things big empty reserved

\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/sql/include/dynamo_server.sql
CREATE FOREIGN TABLE things (id text, sk integer) SERVER dynamo;
CREATE FOREIGN TABLE big (id text) SERVER dynamo;
CREATE FOREIGN TABLE empty (id text) SERVER dynamo;
CREATE FOREIGN TABLE reserved (name text) SERVER dynamo OPTIONS (table_name 'my.Table-1');
CREATE TABLE local_rows AS SELECT generate_series(1, 10) AS n;

SELECT (SELECT count(*) FROM things) AS things, (SELECT count(*) FROM big) AS big;
-- Several tables at once, local ones too; an empty one is no problem.
TRUNCATE things, big, empty, local_rows;
SELECT (SELECT count(*) FROM things) AS things, (SELECT count(*) FROM big) AS big,
       (SELECT count(*) FROM local_rows) AS local_rows;
\! /usr/bin/python3 "$PG_ABS_SRCDIR/test/dynamo_fixture.py" count things
\! /usr/bin/python3 "$PG_ABS_SRCDIR/test/dynamo_fixture.py" count big
-- Key attributes with reserved names, a table name with dots.
TRUNCATE reserved;
\! /usr/bin/python3 "$PG_ABS_SRCDIR/test/dynamo_fixture.py" count my.Table-1

-- The table still exists, and takes new items.
INSERT INTO things VALUES ('after', 1);
SELECT * FROM things;

-- TRUNCATE needs the TRUNCATE privilege.
CREATE ROLE regress_awstore_truncater;
GRANT SELECT ON things TO regress_awstore_truncater;
SET ROLE regress_awstore_truncater;
TRUNCATE things;
RESET ROLE;
DROP OWNED BY regress_awstore_truncater;
DROP ROLE regress_awstore_truncater;

-- Inside a transaction it is not undone either.
BEGIN;
TRUNCATE things;
ROLLBACK;
SELECT count(*) FROM things;

\set VERBOSITY terse
DROP TABLE local_rows;
DROP USER MAPPING FOR CURRENT_USER SERVER dynamo;
DROP SERVER dynamo CASCADE;
DROP EXTENSION awstore;
DROP SCHEMA aw CASCADE;
