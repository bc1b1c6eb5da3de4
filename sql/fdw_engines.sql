--
-- Where the DynamoDB engines awstore is tested against answer differently
-- (docs/fdw.md, "Tested against").  Every such difference is shown here
-- and nowhere else: expected/fdw_engines.out holds dynalite's answers,
-- expected/fdw_engines_1.out those of DynamoDB Local, AWS's own engine.
-- All other suites give one output on both engines.  awstore's own part
-- of each answer (message, SQLSTATE, hint, context) is the same on both.
--
\! /usr/bin/python3 "$PG_ABS_SRCDIR/test/dynamo_fixture.py" reset
\! /usr/bin/python3 "$PG_ABS_SRCDIR/test/dynamo_fixture.py" load things

\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/sql/include/dynamo_server.sql
CREATE FOREIGN TABLE things (
    id text, sk integer, owner text, rank integer, name text, n numeric,
    flag boolean, tags text[], note text
) SERVER dynamo;

-- DynamoDB's own words for a refusal are the DETAIL.
CREATE FOREIGN TABLE missing (id text) SERVER dynamo OPTIONS (table_name 'no_such_table');
-- should fail
SELECT * FROM missing;
SELECT awstore.dynamodb_describe_table('dynamo', 'nonexistent');
SELECT awstore.dynamodb_delete_table('dynamo', 'nonexistent');
SELECT awstore.dynamodb_create_table('dynamo', 'things', 'id');
SELECT awstore.dynamodb_create_table('dynamo', 'a', 'id');

-- UpdateTimeToLive: DynamoDB Local implements it (fdw_enable_ttl tests it
-- end to end there); dynalite does not, and the error says so.
SELECT awstore.dynamodb_enable_ttl('dynamo', 'things', 'expires');

-- Consumed capacity: each engine reports its own figures, and EXPLAIN
-- ANALYZE shows what it reports.
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT n FROM things;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) DELETE FROM things WHERE id = 'a2';

-- Set members: AWS's engine returns them sorted, dynalite as written.  Sets
-- are unordered in DynamoDB; awstore keeps the order it receives.
INSERT INTO things (id, sk, tags) VALUES ('set', 1, '{ü,b,a}');
SELECT tags FROM things WHERE id = 'set' AND sk = 1;

-- Nesting: AWS's engine refuses an item deeper than 32 levels; dynalite
-- stores one.  awstore refuses to read such an item at once, as too deep,
-- without retries; what is not asked for is not read.
SELECT awstore.dynamodb_create_table('dynamo', 'too_nested', 'id') IS NOT NULL AS created;
\! /usr/bin/python3 -c 'import boto3, os, sys; sys.excepthook = lambda t, e, tb: print("refused:", e.response["Error"]["Code"]); c = boto3.client("dynamodb", endpoint_url=os.environ["AWSTORE_DYNAMODB_ENDPOINT"], region_name="us-east-1", aws_access_key_id="t", aws_secret_access_key="t"); deep = lambda n: {"S": "bottom"} if n == 0 else {"M": {"a": deep(n - 1)}}; c.put_item(TableName="too_nested", Item={"id": {"S": "m126"}, "v": deep(126)}); print("stored")'
CREATE FOREIGN TABLE too_nested (id text, v jsonb)
    SERVER dynamo OPTIONS (table_name 'too_nested');
SELECT id, v IS NOT NULL AS has_v FROM too_nested;
SELECT id, v IS NOT NULL AS has_v FROM too_nested WHERE id = 'm126';
SELECT id FROM too_nested;

DROP USER MAPPING FOR CURRENT_USER SERVER dynamo;
DROP SERVER dynamo CASCADE;
DROP EXTENSION awstore;
DROP SCHEMA aw CASCADE;
