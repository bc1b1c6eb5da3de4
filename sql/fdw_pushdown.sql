--
-- Which conditions DynamoDB evaluates: key conditions (Query, GetItem,
-- BatchGetItem, indexes), filters and projections, shown by EXPLAIN; and
-- proof that what is shipped gives exactly PostgreSQL's result — every
-- condition is run against the foreign table and against a local copy of
-- the same rows, and the answers compared.
--
\! /usr/bin/python3 "$PG_ABS_SRCDIR/test/dynamo_fixture.py" reset
\! /usr/bin/python3 "$PG_ABS_SRCDIR/test/dynamo_fixture.py" load things strings numbers

\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/sql/include/dynamo_server.sql

CREATE FOREIGN TABLE things (
    id text, sk integer, owner text, rank integer, name text, n numeric,
    flag boolean, tags text[], note text
) SERVER dynamo;
CREATE FOREIGN TABLE strings (id text, w text, n integer) SERVER dynamo;
CREATE FOREIGN TABLE numbers (id text, v numeric, f float8 OPTIONS (attribute_name 'v')) SERVER dynamo;
-- Plans rest on ANALYZE's counts, the same on every engine (DescribeTable's
-- ItemCount is 0 on dynalite, current on DynamoDB Local, hours late on AWS).
ANALYZE things, strings, numbers;
CREATE TABLE local_things AS SELECT * FROM things;
CREATE TABLE local_strings AS SELECT * FROM strings;
CREATE TABLE local_numbers AS SELECT * FROM numbers;
CREATE COLLATION case_insensitive (provider = icu, locale = 'und-u-ks-level2', deterministic = false);

-- Runs a condition on a foreign table and on its local copy: where it was
-- evaluated, and whether both give the same rows.
CREATE FUNCTION check_where(tbl text, cond text)
RETURNS TABLE (condition text, evaluated text, rows bigint, same boolean)
LANGUAGE plpgsql AS $$
DECLARE
    line text;
    remote text[];
    here text[];
BEGIN
    condition := cond;
    evaluated := 'locally';
    FOR line IN EXECUTE format('EXPLAIN (COSTS OFF) SELECT * FROM %I WHERE %s', tbl, cond) LOOP
        IF line ~ 'DynamoDB (Filter|Key Condition|Key):' THEN
            evaluated := CASE WHEN evaluated = 'locally' THEN '' ELSE evaluated || '; ' END
                         || regexp_replace(line, '^\s+DynamoDB ', '');
        END IF;
    END LOOP;
    EXECUTE format('SELECT array_agg(t::text ORDER BY t::text) FROM %I t WHERE %s', tbl, cond) INTO remote;
    EXECUTE format('SELECT array_agg(t::text ORDER BY t::text) FROM %I t WHERE %s', 'local_' || tbl, cond) INTO here;
    rows := coalesce(cardinality(remote), 0);
    same := remote IS NOT DISTINCT FROM here;
    RETURN NEXT;
END $$;

-- The operation chosen for each kind of key condition.
EXPLAIN (COSTS OFF) SELECT * FROM things WHERE id = 'a1' AND sk = 51;
EXPLAIN (COSTS OFF) SELECT name FROM things WHERE id = 'a1' AND sk BETWEEN 100 AND 600 AND n > 1000;
EXPLAIN (COSTS OFF) SELECT name FROM things WHERE id = ANY (ARRAY['a1', 'a2']) AND sk = 51;
-- Two keys are two Queries; for three, one page of Scan costs less.
EXPLAIN (COSTS OFF) SELECT name FROM things WHERE id IN ('a1', 'a2');
EXPLAIN (COSTS OFF) SELECT name FROM things WHERE id IN ('a1', 'a2', 'a3');
EXPLAIN (COSTS OFF) SELECT name FROM things WHERE owner = 'o3' AND flag;
EXPLAIN (COSTS OFF) SELECT id, sk FROM things WHERE owner = 'o3';
EXPLAIN (COSTS OFF) SELECT name FROM things WHERE id = 'a1' AND rank > 990;
EXPLAIN (COSTS OFF) SELECT name FROM things WHERE id = 'a1' AND sk IN (1, 51);
EXPLAIN (COSTS OFF) SELECT name FROM things WHERE note IS NULL AND NOT flag;
-- A global index answers only eventually consistent reads.
ALTER FOREIGN TABLE things OPTIONS (ADD consistent_read 'true');
EXPLAIN (COSTS OFF) SELECT name FROM things WHERE owner = 'o3';
EXPLAIN (COSTS OFF) SELECT name FROM things WHERE id = 'a1' AND rank > 990;
ALTER FOREIGN TABLE things OPTIONS (DROP consistent_read);

-- Keys: same answers as PostgreSQL.
SELECT * FROM check_where('things', $$id = 'a1'$$);
SELECT * FROM check_where('things', $$id = 'a1' AND sk = 51$$);
SELECT * FROM check_where('things', $$id = 'a1' AND sk = 52$$);
SELECT * FROM check_where('things', $$id = 'a1' AND sk BETWEEN 100 AND 600$$);
SELECT * FROM check_where('things', $$id = 'a1' AND sk BETWEEN 600 AND 100$$);
SELECT * FROM check_where('things', $$id = 'a1' AND sk > 900$$);
SELECT * FROM check_where('things', $$id = 'a1' AND sk <= 51$$);
SELECT * FROM check_where('things', $$id = 'a1' AND sk < 51 AND sk >= 1$$);
SELECT * FROM check_where('things', $$id IN ('a1', 'a2', 'nope')$$);
SELECT * FROM check_where('things', $$id IN ('a1', 'a2') AND sk = 51$$);
SELECT * FROM check_where('things', $$id IN ('a1', 'a1', NULL) AND sk = 1$$);
SELECT * FROM check_where('things', $$id = ''$$);
SELECT * FROM check_where('things', $$owner = 'o3' AND n > 6000$$);
SELECT * FROM check_where('things', $$id = 'a1' AND rank > 990$$);
SELECT * FROM check_where('things', $$id = 'a2' AND sk IN (2, 52, 3)$$);

-- Filters on numbers, booleans and NULL.
SELECT * FROM check_where('things', $$n > 6000$$);
SELECT * FROM check_where('things', $$n = 12.5$$);
SELECT * FROM check_where('things', $$n <> 12.5 AND sk < 5$$);
SELECT * FROM check_where('things', $$flag AND sk < 10$$);
SELECT * FROM check_where('things', $$NOT flag AND sk < 10$$);
SELECT * FROM check_where('things', $$flag = false AND sk < 10$$);
SELECT * FROM check_where('things', $$note IS NULL AND sk < 12$$);
SELECT * FROM check_where('things', $$note IS NOT NULL$$);
SELECT * FROM check_where('things', $$note <> 'note 1'$$);
SELECT * FROM check_where('things', $$sk IN (1, 2, 3) OR n = 25$$);
SELECT * FROM check_where('things', $$(sk < 3 OR sk > 997) AND flag$$);
SELECT * FROM check_where('things', $$NOT (sk < 995)$$);
SELECT * FROM check_where('things', $$sk % 100 = 0$$);

-- Strings: equality anywhere, ordering only under the "C" collation
-- (DynamoDB orders by UTF-8 bytes), no match for non-deterministic ones.
SELECT * FROM check_where('strings', $$w = 'banana'$$);
SELECT * FROM check_where('strings', $$w <> 'banana'$$);
SELECT * FROM check_where('strings', $$w = ''$$);
SELECT * FROM check_where('strings', $$w IS NULL$$);
SELECT * FROM check_where('strings', $$w IS NOT NULL$$);
SELECT * FROM check_where('strings', $$w < 'b' COLLATE "C"$$);
SELECT * FROM check_where('strings', $$w >= 'Z' COLLATE "C"$$);
SELECT * FROM check_where('strings', $$w < 'b' COLLATE "en-US-x-icu"$$);
SELECT * FROM check_where('strings', $$w COLLATE case_insensitive = 'BANANA'$$);
SELECT * FROM check_where('strings', $$w LIKE 'ba%'$$);
SELECT * FROM check_where('strings', $$w LIKE 'B%'$$);
SELECT * FROM check_where('strings', $$w LIKE '%a'$$);
SELECT * FROM check_where('strings', $$w LIKE 'b_nana%'$$);
SELECT * FROM check_where('strings', $$w ILIKE 'BA%'$$);
SELECT * FROM check_where('strings', $$w IN ('apple', 'zebra', 'Äpfel')$$);
SELECT * FROM check_where('strings', $$w NOT IN ('apple', 'zebra')$$);
SELECT * FROM check_where('strings', $$lower(w) = 'banana'$$);

-- Numbers: exact decimals are shipped, floats are not.
SELECT * FROM check_where('numbers', $$v = 0.1$$);
SELECT * FROM check_where('numbers', $$v > 0.1$$);
SELECT * FROM check_where('numbers', $$v = 12345678901234567890123456789012345678$$);
SELECT * FROM check_where('numbers', $$v > 12345678901234567890123456789012345677$$);
SELECT * FROM check_where('numbers', $$v < 1E-129 AND v > 0$$);
SELECT * FROM check_where('numbers', $$v = 0.100000000000000000000000000000000000000000001$$);
SELECT * FROM check_where('numbers', $$f = 0.1$$);
SELECT * FROM check_where('numbers', $$v > 'NaN'::numeric$$);

-- Parameters: values DynamoDB cannot take make the scan check locally.
PREPARE by_n(numeric) AS SELECT count(*) FROM things WHERE n > $1;
EXECUTE by_n(6000);
EXECUTE by_n(NULL);
EXECUTE by_n('NaN');
EXPLAIN (COSTS OFF) EXECUTE by_n(6000);

-- Only the attributes needed are fetched; the key always comes along.
EXPLAIN (COSTS OFF, VERBOSE) SELECT name FROM things WHERE flag;
EXPLAIN (COSTS OFF, VERBOSE) SELECT t FROM things t WHERE sk = 3;
EXPLAIN (COSTS OFF, VERBOSE) SELECT count(*) FROM things WHERE n > 100;
EXPLAIN (COSTS OFF, VERBOSE) SELECT count(*) FROM things WHERE name LIKE '%9%';

DROP FUNCTION check_where(text, text);
DROP TABLE local_things, local_strings, local_numbers;
DROP COLLATION case_insensitive;
DROP USER MAPPING FOR CURRENT_USER SERVER dynamo;
DROP SERVER dynamo CASCADE;
DROP EXTENSION awstore;
DROP SCHEMA aw CASCADE;
