--
-- Every DynamoDB type read into PostgreSQL: S through the column type's
-- input function, N exactly, B as bytea, BOOL, NULL and missing attributes
-- as SQL NULL, M and L as JSON, sets as arrays or JSON; and the errors
-- when a value cannot be converted.
--
\! /usr/bin/python3 "$PG_ABS_SRCDIR/test/dynamo_fixture.py" reset
\! /usr/bin/python3 "$PG_ABS_SRCDIR/test/dynamo_fixture.py" load types

\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/sql/include/dynamo_server.sql

-- Strings, numbers, binaries, booleans.
CREATE FOREIGN TABLE t_scalar (
    id text, s text, empty text, n_int integer, n_neg bigint, n_dec numeric,
    n_big numeric, n_small numeric, n_exp numeric, b bytea,
    bool_t boolean, bool_f boolean, nul text, missing text
) SERVER dynamo OPTIONS (table_name 'types');
SELECT * FROM t_scalar WHERE id = 'all';
SELECT id, s IS NULL AS s_null, n_int IS NULL AS n_null, nul IS NULL AS nul_null
  FROM t_scalar WHERE id = 'sparse';

-- Numbers keep every digit, also through float columns and text.
CREATE FOREIGN TABLE t_numbers (
    id text, n_big numeric(40, 0), n_dec float8, n_int float4, n_small numeric,
    n_exp float8, n_big_text text OPTIONS (attribute_name 'n_big', attribute_type 'N'),
    n_int2 smallint OPTIONS (attribute_name 'n_int')
) SERVER dynamo OPTIONS (table_name 'types');
SELECT * FROM t_numbers WHERE id = 'all';

-- S into other types through their input functions.
CREATE FOREIGN TABLE t_parsed (
    id text, ts timestamp, tstz timestamptz OPTIONS (attribute_name 'ts'),
    uuid uuid, json_text jsonb OPTIONS (attribute_type 'S'),
    json_as_string jsonb OPTIONS (attribute_name 'json_text'),
    s varchar(40), short varchar(3) OPTIONS (attribute_name 's')
) SERVER dynamo OPTIONS (table_name 'types');
SET timezone = 'UTC';
SELECT id, ts, tstz, uuid, json_text, json_text -> 'n' AS exact_number, json_as_string, s
  FROM t_parsed WHERE id = 'all';
-- should fail
SELECT short FROM t_parsed WHERE id = 'all';

-- Maps, lists and sets.
CREATE FOREIGN TABLE t_nested (
    id text, m jsonb, l jsonb, ss text[], ns numeric[], bs bytea[],
    ss_json jsonb OPTIONS (attribute_name 'ss'), m_json json OPTIONS (attribute_name 'm'),
    m_text text OPTIONS (attribute_name 'm', attribute_type 'M')
) SERVER dynamo OPTIONS (table_name 'types');
SELECT m, l FROM t_nested WHERE id = 'all';
SELECT (SELECT array_agg(x ORDER BY x) FROM unnest(ss) x) AS ss,
       (SELECT array_agg(x ORDER BY x) FROM unnest(ns) x) AS ns,
       (SELECT array_agg(x ORDER BY x) FROM unnest(bs) x) AS bs
  FROM t_nested WHERE id = 'all';
SELECT jsonb_array_length(ss_json), m_json::jsonb = m AS same_map, m_text::jsonb = m AS same_text
  FROM t_nested WHERE id = 'all';

-- Any type into an undeclared jsonb column: the JSON value of its own type.
CREATE FOREIGN TABLE t_any (
    id text, s jsonb, n_big jsonb, b jsonb, bool_t jsonb, nul jsonb, ns jsonb, empty jsonb
) SERVER dynamo OPTIONS (table_name 'types');
SELECT s, n_big, b, bool_t, nul, ns, empty FROM t_any WHERE id = 'all';

-- The whole item: plain JSON, and DynamoDB's typed JSON, which loses nothing.
CREATE FOREIGN TABLE t_doc (
    id text, plain jsonb OPTIONS (document 'plain'), typed jsonb OPTIONS (document 'dynamodb')
) SERVER dynamo OPTIONS (table_name 'types');
SELECT plain -> 'm' AS m,
       (SELECT jsonb_agg(x ORDER BY x) FROM jsonb_array_elements(plain -> 'ss') x) AS ss_as_array,
       plain -> 'b' AS b_as_base64
  FROM t_doc WHERE id = 'all';
SELECT jsonb_build_object('SS', (SELECT jsonb_agg(x ORDER BY x) FROM jsonb_array_elements(typed -> 'ss' -> 'SS') x)) AS ss,
       typed -> 'b' AS b, typed -> 'n_big' AS n_big, typed -> 'nul' AS nul
  FROM t_doc WHERE id = 'all';
SELECT typed = (SELECT typed FROM t_doc WHERE id = 'all') AS same, plain FROM t_doc WHERE id = 'sparse';

-- Errors name the table, the item's key, the attribute and both types.
CREATE FOREIGN TABLE t_bad (id text, n_int integer, ts timestamp) SERVER dynamo
    OPTIONS (table_name 'types');
-- should fail
SELECT * FROM t_bad WHERE id = 'wrong';
-- should fail
SELECT n_int FROM t_bad WHERE id = 'frac';
-- should fail
SELECT n_int FROM t_bad WHERE id = 'huge';
-- should fail
SELECT ts FROM t_bad WHERE id = 'wrong';
CREATE FOREIGN TABLE t_bad2 (id text, s integer) SERVER dynamo OPTIONS (table_name 'types');
-- should fail
SELECT s FROM t_bad2 WHERE id = 'all';
CREATE FOREIGN TABLE t_bad3 (id text, m integer OPTIONS (attribute_type 'M')) SERVER dynamo
    OPTIONS (table_name 'types');
-- should fail
SELECT m FROM t_bad3 WHERE id = 'all';
-- A bigint reads numbers an integer cannot hold.
CREATE FOREIGN TABLE t_wide (id text, n_int bigint) SERVER dynamo OPTIONS (table_name 'types');
-- should fail
SELECT n_int FROM t_wide WHERE id = 'huge';
SELECT n_int FROM t_wide WHERE id = 'all';

DROP USER MAPPING FOR CURRENT_USER SERVER dynamo;
DROP SERVER dynamo CASCADE;
DROP EXTENSION awstore;
DROP SCHEMA aw CASCADE;
