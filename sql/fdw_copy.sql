--
-- COPY into DynamoDB tables: batched like INSERT, from text and CSV, with
-- the same checks, and COPY out of them.
--
\getenv builddir PG_ABS_BUILDDIR
\! /usr/bin/python3 "$PG_ABS_SRCDIR/test/dynamo_fixture.py" reset

\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/sql/include/dynamo_server.sql
SELECT awstore.dynamodb_create_table('dynamo', 'attrs', 'id', 'S', 'name', 'S') IS NOT NULL AS created;
CREATE FOREIGN TABLE attrs (
    id text, name text, data jsonb OPTIONS (attribute_type 'S'), n numeric, ts timestamptz
) SERVER dynamo;

-- From STDIN, text format.
COPY attrs (id, name, data, n) FROM STDIN;
a1	p1	{"x": 1}	1
a1	p2	{"x": [true, null]}	2.5
a2	p1	\N	\N
a2	ünïcode	"str"	-3
\.
SELECT id, name, data, n FROM attrs ORDER BY id, name;

-- 5000 rows through a file, CSV with a header: 200 requests, all written.
\set file :builddir '/results/fdw_copy_rows.csv'
COPY (SELECT 'actor' || (i % 50) AS id, 'prop' || i AS name, jsonb_build_object('i', i) AS data,
             i AS n, timestamptz '2026-01-01 00:00:00+00' + i * interval '1 minute' AS ts
        FROM generate_series(1, 5000) i) TO :'file' WITH (FORMAT csv, HEADER);
COPY attrs FROM :'file' WITH (FORMAT csv, HEADER);
SELECT count(*), count(DISTINCT id), sum(n), min(ts), max(ts) FROM attrs WHERE id LIKE 'actor%';
\! /usr/bin/python3 "$PG_ABS_SRCDIR/test/dynamo_fixture.py" count attrs

-- The same key twice in one COPY: the last row wins.
COPY attrs (id, name, n) FROM STDIN WITH (FORMAT csv);
dup,k,1
dup,k,2
dup,k,3
\.
SELECT id, name, n FROM attrs WHERE id = 'dup';

-- A row DynamoDB cannot take stops the COPY with the row's key and line.
\set VERBOSITY default
COPY attrs (id, name, n) FROM STDIN WITH (FORMAT csv);
bad,1,1
bad,2,NaN
bad,3,3
\.
COPY attrs (id, name, n) FROM STDIN WITH (FORMAT csv);
,null key,1
\.
COPY attrs (id, name, n) FROM STDIN WITH (FORMAT csv);
"",empty key,1
\.
\set VERBOSITY terse
SELECT count(*) FILTER (WHERE name = '2') AS nan_written, count(*) FILTER (WHERE name = '3') AS after_written
  FROM attrs WHERE id = 'bad';

-- COPY out of a foreign table reads it.
COPY (SELECT id, name, n FROM attrs WHERE id IN ('a1', 'a2') ORDER BY 1, 2) TO STDOUT WITH (FORMAT csv);

\! rm -f "$PG_ABS_BUILDDIR/results/fdw_copy_rows.csv"
DROP USER MAPPING FOR CURRENT_USER SERVER dynamo;
DROP SERVER dynamo CASCADE;
DROP EXTENSION awstore;
DROP SCHEMA aw CASCADE;
