--
-- INSERT into DynamoDB tables: batched BatchWriteItem, overwrite semantics,
-- ON CONFLICT DO NOTHING, RETURNING, documents, the checks made before a
-- row is sent, and what transactions can and cannot do.
--
\set dump '\\! /usr/bin/python3 "$PG_ABS_SRCDIR/test/dynamo_fixture.py" dump'
\! /usr/bin/python3 "$PG_ABS_SRCDIR/test/dynamo_fixture.py" reset

\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/sql/include/dynamo_server.sql
SELECT awstore.dynamodb_create_table('dynamo', 'attrs', 'id', 'S', 'name', 'S') IS NOT NULL AS created;
SELECT awstore.dynamodb_create_table('dynamo', 'counters', 'n', 'N') IS NOT NULL AS created;

CREATE FOREIGN TABLE attrs (
    id text, name text, bucket text, data jsonb OPTIONS (attribute_type 'S'),
    n numeric, flag boolean, tags text[], raw bytea, at timestamptz,
    extra jsonb, doc jsonb OPTIONS (document 'dynamodb')
) SERVER dynamo;
CREATE FOREIGN TABLE attrs_keys (id text, name text) SERVER dynamo OPTIONS (table_name 'attrs');
CREATE FOREIGN TABLE counters (n text, v integer) SERVER dynamo;

-- 1000 rows: 40 requests of 25, written several at a time.
EXPLAIN (VERBOSE, COSTS OFF)
INSERT INTO attrs (id, name, bucket, data, n)
SELECT 'actor' || (i % 10), 'prop' || i, 'b' || (i % 3), jsonb_build_object('i', i), i
  FROM generate_series(1, 1000) i;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
INSERT INTO attrs (id, name, bucket, data, n)
SELECT 'actor' || (i % 10), 'prop' || i, 'b' || (i % 3), jsonb_build_object('i', i), i
  FROM generate_series(1, 1000) i;
SELECT count(*), count(DISTINCT id), sum(n), count(data) FROM attrs;
\! /usr/bin/python3 "$PG_ABS_SRCDIR/test/dynamo_fixture.py" count attrs

-- A smaller batch_size means more requests.
ALTER FOREIGN TABLE attrs OPTIONS (ADD batch_size '7');
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
INSERT INTO attrs (id, name, n) SELECT 'small', 'p' || i, i FROM generate_series(1, 50) i;
ALTER FOREIGN TABLE attrs OPTIONS (DROP batch_size);

-- A plain INSERT overwrites an item with the same key, as PutItem does:
-- the whole item, so attributes not given are gone.
INSERT INTO attrs (id, name, bucket, n) VALUES ('actor1', 'prop1', 'new bucket', NULL);
SELECT id, name, bucket, data, n FROM attrs WHERE id = 'actor1' AND name = 'prop1';
-- The same key twice in one statement: never in one request (DynamoDB
-- would reject it), and the last row wins.
INSERT INTO attrs (id, name, n)
SELECT 'dup', 'same', i FROM generate_series(1, 60) i;
SELECT id, name, n FROM attrs WHERE id = 'dup';

-- ON CONFLICT DO NOTHING writes only the items whose key is new, and
-- counts only those.
EXPLAIN (VERBOSE, COSTS OFF)
INSERT INTO attrs (id, name, n) VALUES ('actor1', 'prop1', -1) ON CONFLICT DO NOTHING;
\set QUIET off
INSERT INTO attrs (id, name, n)
SELECT 'actor1', 'prop' || i, -i FROM generate_series(1, 5) i
UNION ALL SELECT 'fresh', 'one', 1
ON CONFLICT DO NOTHING;
\set QUIET on
SELECT id, name, n FROM attrs WHERE (id = 'actor1' AND name IN ('prop1', 'prop2')) OR id = 'fresh'
 ORDER BY 1, 2;
INSERT INTO attrs (id, name) VALUES ('fresh', 'one') ON CONFLICT DO NOTHING RETURNING id;
INSERT INTO attrs (id, name) VALUES ('x', 'y') ON CONFLICT (id) DO UPDATE SET n = 1;

-- RETURNING gives back the rows written.
INSERT INTO attrs (id, name, n, flag, tags) VALUES ('ret', 'a', 1.5, true, '{x,y}'), ('ret', 'b', 2, false, NULL)
RETURNING id, name, n, flag, tags;

-- Types as they are written, read back by an independent client.
SET TimeZone = 'Europe/Oslo';
INSERT INTO attrs (id, name, data, n, flag, tags, raw, at, extra) VALUES
  ('types', 'all', '{"b": [1, "two", null], "a": {"deep": true}}', 123456789012345678901234567890.12345678,
   false, '{"a", "ü"}', '\x00ff10', '2025-03-14 16:09:26.5+01',
   '{"m": {"l": [1.5, "s", false, null, {}]}, "e": ""}'),
  ('types', 'scalars', '"just a string"', -0.001, NULL, NULL, '', '-infinity', '"text"'),
  ('types', 'empty strings', '{}', 0, NULL, NULL, NULL, NULL, '[]');
RESET TimeZone;
:dump attrs | grep '"types"'

-- A document column gives the whole item, in DynamoDB JSON; typed columns
-- that are not NULL are added and win.  The key may come from either.
INSERT INTO attrs (id, name, doc) VALUES
  ('doc', 'typed key', '{"note": {"S": "from the document"}, "bucket": {"S": "doc"}}');
INSERT INTO attrs (bucket, doc) VALUES
  ('column wins', '{"id": {"S": "doc"}, "name": {"S": "document key"}, "bucket": {"S": "doc"}, "set": {"NS": ["1", "2"]}}');
SELECT id, name, bucket, doc FROM attrs WHERE id = 'doc' ORDER BY name;

-- Checks made before anything is sent for a row.
\set VERBOSITY default
INSERT INTO attrs (id, name) VALUES (NULL, 'a');
INSERT INTO attrs (id, name) VALUES ('a', NULL);
INSERT INTO attrs (id, name) VALUES ('', 'a');
INSERT INTO attrs (name) VALUES ('no partition key');
INSERT INTO counters (n) VALUES ('not a number');
INSERT INTO counters (n, v) VALUES ('12.50', 1) RETURNING *;
SELECT n, v FROM counters;
INSERT INTO attrs (id, name, n) VALUES ('bad', 'nan', 'NaN');
INSERT INTO attrs (id, name, n) VALUES ('bad', 'inf', 'Infinity');
INSERT INTO attrs (id, name, tags) VALUES ('bad', 'empty set', '{}');
INSERT INTO attrs (id, name, tags) VALUES ('bad', 'null in set', '{a,NULL}');
INSERT INTO attrs (id, name, tags) VALUES ('bad', 'duplicates', '{a,a}');
INSERT INTO attrs (id, name, tags) VALUES ('bad', 'empty string in set', '{a,""}');
INSERT INTO attrs (id, name, bucket) VALUES ('bad', 'too large', repeat('x', 409600));
INSERT INTO attrs (id, name, doc) VALUES ('bad', 'doc', '{"a": "not typed"}');
INSERT INTO attrs (id, name, doc) VALUES ('bad', 'doc', '["not an object"]');
-- A bad row in the middle of many: the error names it, rows before it in
-- the statement may have been written already, the bad one was not.  (The
-- WARNING saying so comes before or after the error, by timing: it is left
-- out here, and shown below.)
SET client_min_messages = error;
INSERT INTO attrs (id, name, n)
SELECT 'mid', 'p' || i, CASE WHEN i = 150 THEN 'NaN' ELSE i::numeric END FROM generate_series(1, 200) i;
RESET client_min_messages;
SELECT count(*) <= 149 AS some_written, count(*) FILTER (WHERE name = 'p150') AS bad_written
  FROM attrs WHERE id = 'mid';
-- Just under the limit is fine: 400 KB as DynamoDB counts it (names and values).
INSERT INTO attrs (id, name, bucket) VALUES ('ok', 'largest', repeat('x', 409600 - 2 - 7 - 6 - 7));
SELECT length(bucket) FROM attrs WHERE id = 'ok';
\set VERBOSITY terse

-- A foreign table with columns that are not the key can still insert, as
-- long as the key is given.
CREATE FOREIGN TABLE attrs_nokey (bucket text) SERVER dynamo OPTIONS (table_name 'attrs');
INSERT INTO attrs_nokey VALUES ('x');

-- DynamoDB has no rollback: what was sent stays, with a WARNING; and a
-- transaction that wrote cannot be prepared.
BEGIN;
INSERT INTO attrs (id, name) VALUES ('rolled back', 'still there');
ROLLBACK;
SELECT id, name FROM attrs WHERE id = 'rolled back';
BEGIN;
INSERT INTO attrs (id, name) VALUES ('prepared', 'no');
SET client_min_messages = error;
PREPARE TRANSACTION 'awstore_wrote';
RESET client_min_messages;
BEGIN;
SELECT count(*) FROM attrs WHERE id = 'ret';
PREPARE TRANSACTION 'awstore_read_only';
ROLLBACK PREPARED 'awstore_read_only';

-- AFTER ROW triggers see rows that are written: row by row.
CREATE TABLE audit (id text, name text);
CREATE FUNCTION audit_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO audit VALUES (NEW.id, NEW.name);
    RETURN NEW;
END $$;
CREATE TRIGGER attrs_audit AFTER INSERT ON attrs FOR EACH ROW EXECUTE FUNCTION audit_row();
EXPLAIN (COSTS OFF) INSERT INTO attrs (id, name) VALUES ('trig', 'a');
INSERT INTO attrs (id, name) SELECT 'trig', 'n' || i FROM generate_series(1, 3) i;
SELECT * FROM audit ORDER BY name;
DROP TRIGGER attrs_audit ON attrs;

-- Partitions: rows routed to a foreign partition are written there.
CREATE TABLE routed (id text, name text, n numeric) PARTITION BY LIST (id);
CREATE FOREIGN TABLE routed_dyn PARTITION OF routed FOR VALUES IN ('routed')
    SERVER dynamo OPTIONS (table_name 'attrs');
CREATE TABLE routed_local PARTITION OF routed DEFAULT;
INSERT INTO routed VALUES ('routed', 'r1', 1), ('local', 'l1', 2), ('routed', 'r2', 3);
SELECT id, name, n FROM attrs_keys JOIN attrs USING (id, name) WHERE id = 'routed' ORDER BY name;
SELECT * FROM routed_local;

-- No write privilege on the foreign table, no write.
CREATE ROLE regress_awstore_reader;
GRANT USAGE ON SCHEMA public TO regress_awstore_reader;
GRANT SELECT ON attrs TO regress_awstore_reader;
CREATE USER MAPPING FOR regress_awstore_reader SERVER dynamo
    OPTIONS (access_key_id 'test', secret_access_key 'test');
SET ROLE regress_awstore_reader;
INSERT INTO attrs (id, name) VALUES ('nope', 'nope');
RESET ROLE;
DROP OWNED BY regress_awstore_reader;
DROP ROLE regress_awstore_reader;

DROP TABLE audit, routed;
DROP FUNCTION audit_row();
DROP USER MAPPING FOR CURRENT_USER SERVER dynamo;
DROP SERVER dynamo CASCADE;
DROP EXTENSION awstore;
DROP SCHEMA aw CASCADE;
