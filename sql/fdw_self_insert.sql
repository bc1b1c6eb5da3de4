--
-- A statement never reads what it wrote: INSERT INTO t SELECT … FROM t
-- holds its items back until its reads are done.
--
\! /usr/bin/python3 "$PG_ABS_SRCDIR/test/dynamo_fixture.py" reset
\! /usr/bin/python3 "$PG_ABS_SRCDIR/test/dynamo_fixture.py" load big

\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/sql/include/dynamo_server.sql
CREATE FOREIGN TABLE big (id text, n integer, pad text) SERVER dynamo;
CREATE FOREIGN TABLE big2 (id text, n integer) SERVER dynamo OPTIONS (table_name 'big');

SELECT count(*) FROM big;
\set QUIET off
-- several pages of Scan: new items written meanwhile would be read again
INSERT INTO big SELECT id || '-copy', n, pad FROM big;
-- the same DynamoDB table under another foreign table's name
INSERT INTO big SELECT id || '-again', n FROM big2 WHERE id LIKE '%-copy' AND n < 100;
\set QUIET on
SELECT count(*), count(*) FILTER (WHERE id LIKE '%-copy') AS copies,
       count(*) FILTER (WHERE id LIKE '%-copy-copy') AS copies_of_copies
  FROM big;

-- Row by row (RETURNING, ON CONFLICT) cannot wait: refused.
-- should fail
INSERT INTO big SELECT id || '-x', n FROM big WHERE n = 1 RETURNING id;
-- should fail
INSERT INTO big SELECT id || '-x', n FROM big WHERE n = 1 ON CONFLICT DO NOTHING;
SELECT count(*) FROM big WHERE id LIKE '%-x';

SET client_min_messages = warning;
DROP USER MAPPING FOR CURRENT_USER SERVER dynamo;
DROP SERVER dynamo CASCADE;
DROP EXTENSION awstore;
DROP SCHEMA aw CASCADE;
