--
-- ActingWeb migration: DynamoDB → PostgreSQL → DynamoDB, verified row by
-- row, catch-up runs, bad data stopped or skipped.  The dataset is written
-- by test/actingweb_dataset.py exactly as ActingWeb (PynamoDB) writes it.
--
\set dataset '\\! /usr/bin/python3 "$PG_ABS_SRCDIR/test/actingweb_dataset.py"'
\set compare '\\! /usr/bin/python3 "$PG_ABS_SRCDIR/test/dynamo_fixture.py" compare'
\set SHOW_CONTEXT never
\! /usr/bin/python3 "$PG_ABS_SRCDIR/test/dynamo_fixture.py" reset
:dataset --prefix aw --actors 40 --v1 load

\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/sql/include/dynamo_server.sql

-- The DynamoDB tables as typed foreign tables: the migration is plain SQL.
CREATE SCHEMA dyn;
SELECT * FROM awstore.actingweb_foreign_tables('dynamo', 'aw', 'dyn');
\d dyn.subscription_suspensions
SELECT count(*) AS attributes, count(data) AS with_data, count(ttl_timestamp) AS with_ttl FROM dyn.attributes;
-- ... and the statement a migration runs for one table.
SELECT awstore.migration_statement('peertrustees', 'from_dynamodb', 'dyn', 'aw');
SELECT awstore.migration_statement('peertrustees', 'to_dynamodb', 'dyn', 'aw');

-- DynamoDB → PostgreSQL.  (The NOTICEs with timings are left out.)
SET client_min_messages = warning;
SELECT table_name, rows FROM awstore.migrate_from_dynamodb('dynamo', 'aw');
RESET client_min_messages;
SELECT * FROM awstore.verify_migration('dynamo', 'aw');

-- Exact values: unicode outside the BMP, JSON numbers beyond float64,
-- absent attributes as NULL, date-times as UTC wall-clock time, absent
-- subtargets as '', lookup values from the properties they index, items
-- of the deprecated lookup table too.
SELECT data FROM aw.attributes WHERE bucket_name = 'mcp_clients:attr2' ORDER BY id LIMIT 1;
SELECT (data -> 0)::numeric = 2 ^ 64 + 2 AS exact_big_int,
       (data -> 1)::numeric = -(10::numeric ^ 30) AS exact_big_negative,
       data ->> 4 = '𝄞' AS astral_character
  FROM aw.attributes WHERE bucket_name = 'mcp_clients:attr2' ORDER BY id LIMIT 1;
SELECT count(*) FILTER (WHERE data IS NULL) AS no_data, count(*) FILTER (WHERE "timestamp" IS NULL) AS no_timestamp,
       count(*) FILTER (WHERE ttl_timestamp < 2000000000) AS expired_ttl,
       count(*) FILTER (WHERE ttl_timestamp > 2000000000) AS live_ttl,
       max(length(data::text)) > 100000 AS has_big_json
  FROM aw.attributes;
SELECT min("timestamp"), max("timestamp") FROM aw.attributes;
SET TimeZone = 'Asia/Tokyo';
SELECT target, subtarget, suspended_at FROM aw.subscription_suspensions ORDER BY id, target, subtarget LIMIT 3;
RESET TimeZone;
SELECT creator FROM aw.actors WHERE creator LIKE 'ü%' ORDER BY creator LIMIT 2;
SELECT count(*) AS lookups, count(*) FILTER (WHERE EXISTS (
           SELECT FROM aw.properties p WHERE p.id = l.actor_id AND p.name = l.property_name AND p.value = l.value)) AS matching
  FROM aw.property_lookup l;
SELECT count(*) FILTER (WHERE "desc" = '') AS empty_desc, count(*) FILTER (WHERE client_name IS NULL) AS no_client,
       count(*) FILTER (WHERE capabilities_fetched_at IS NOT NULL) AS fetched
  FROM aw.trusts;
SELECT count(*) FILTER (WHERE value = '') AS empty_values, max(length(value)) AS longest FROM aw.properties;

-- Run again: a catch-up that changes nothing when nothing changed (every
-- row keeps its place).
CREATE TEMP TABLE places AS SELECT ctid::text AS place, id, bucket_name FROM aw.attributes;
SET client_min_messages = warning;
SELECT table_name, rows FROM awstore.migrate_from_dynamodb('dynamo', 'aw');
RESET client_min_messages;
SELECT count(*) AS moved FROM aw.attributes a JOIN places p USING (id, bucket_name) WHERE a.ctid::text <> p.place;

-- Changes in DynamoDB meanwhile (made through the foreign tables): the
-- catch-up writes exactly them; with delete_missing it also removes rows
-- whose item is gone.
UPDATE dyn.properties SET value = 'changed ✓' WHERE name = 'displayname' AND id = (SELECT min(id) FROM aw.actors);
DELETE FROM dyn.attributes WHERE bucket_name = 'oauth_tokens:attr3';
INSERT INTO dyn.peertrustees VALUES ((SELECT min(id) FROM aw.actors), 'new-peer', 'https://new', 't', 'pp');
SELECT * FROM awstore.verify_migration('dynamo', 'aw') WHERE missing_in_postgres + missing_in_dynamodb + different > 0;
SET client_min_messages = warning;
SELECT table_name, rows FROM awstore.migrate_from_dynamodb('dynamo', 'aw', delete_missing => true)
 WHERE table_name IN ('properties', 'attributes', 'peertrustees');
RESET client_min_messages;
SELECT * FROM awstore.verify_migration('dynamo', 'aw') WHERE missing_in_postgres + missing_in_dynamodb + different > 0;
SELECT value FROM aw.properties WHERE name = 'displayname' AND id = (SELECT min(id) FROM aw.actors);

-- The TTL cleanup, then PostgreSQL → DynamoDB under a new prefix: the
-- tables are created as ActingWeb creates them, and verify finds every row.
CALL awstore.purge_expired();
SELECT count(*) FILTER (WHERE ttl_timestamp < extract(epoch FROM now())) AS expired_left FROM aw.attributes;
SET client_min_messages = warning;
SELECT table_name, rows FROM awstore.migrate_to_dynamodb('dynamo', 'back');
RESET client_min_messages;
SELECT * FROM awstore.verify_migration('dynamo', 'back');
SELECT t -> 'KeySchema' AS keys, t -> 'GlobalSecondaryIndexes' -> 0 -> 'IndexName' AS index,
       t -> 'BillingModeSummary' ->> 'BillingMode' AS billing
  FROM awstore.dynamodb_describe_table('dynamo', 'back_trusts') t;
-- Independent check by boto3: where PostgreSQL holds every attribute as
-- it is, the items written back are identical to the originals.
:compare aw_actors back_actors
:compare aw_properties back_properties
:compare aw_trusts back_trusts
:compare aw_peertrustees back_peertrustees
:compare aw_subscriptions back_subscriptions
:compare aw_subscriptiondiffs back_subscriptiondiffs
-- attributes: the expired items were cleaned up in PostgreSQL (delete them
-- in DynamoDB too, as its TTL would), and data is jsonb in PostgreSQL, so
-- its text comes back in jsonb's key order and number spelling: the same
-- JSON values, compared as such.
DELETE FROM dyn.attributes WHERE (ttl_timestamp)::numeric < extract(epoch FROM now());
:compare aw_attributes back_attributes data
CREATE SCHEMA dynback;
SELECT count(*) FROM awstore.actingweb_foreign_tables('dynamo', 'back', 'dynback');
SELECT count(*) AS items, count(*) FILTER (WHERE o.data::jsonb IS NOT DISTINCT FROM b.data::jsonb) AS same_json,
       count(*) FILTER (WHERE o.data IS NOT DISTINCT FROM b.data) AS same_text
  FROM dyn.attributes o JOIN dynback.attributes b USING (id, bucket_name);
-- subscription_suspensions: a subtarget stored as '' comes back absent, as
-- ActingWeb writes no subtarget; the rest is identical.
:compare aw_subscription_suspensions back_subscription_suspensions subtarget
SELECT count(*) FILTER (WHERE o.subtarget = '' AND b.subtarget IS NULL) AS empty_to_absent
  FROM dyn.subscription_suspensions o JOIN dynback.subscription_suspensions b USING (id, target_key);
SELECT awstore.pynamodb_json('{"b": [1, 2.50, null, true], "a": "ü 𝄞 \u007f"}');
-- Again: PutItem overwrites, nothing is duplicated.
SET client_min_messages = warning;
SELECT table_name, rows FROM awstore.migrate_to_dynamodb('dynamo', 'back') WHERE table_name = 'actors';
RESET client_min_messages;
\! /usr/bin/python3 "$PG_ABS_SRCDIR/test/dynamo_fixture.py" count back_actors

-- Bad data: a migration stops at the first item it cannot take as it is,
-- naming the table, the key and the attribute; nothing of the run stays.
:dataset --prefix bad --actors 3 --bad load
CREATE SCHEMA other;
CREATE TABLE other.actors (LIKE aw.actors INCLUDING ALL);
CREATE TABLE other.properties (LIKE aw.properties INCLUDING ALL);
CREATE TABLE other.property_lookup (LIKE aw.property_lookup INCLUDING ALL);
CREATE TABLE other.attributes (LIKE aw.attributes INCLUDING ALL);
CREATE TABLE other.trusts (LIKE aw.trusts INCLUDING ALL);
CREATE TABLE other.peertrustees (LIKE aw.peertrustees INCLUDING ALL);
CREATE TABLE other.subscriptions (LIKE aw.subscriptions INCLUDING ALL);
CREATE TABLE other.subscription_diffs (LIKE aw.subscription_diffs INCLUDING ALL);
CREATE TABLE other.subscription_suspensions (LIKE aw.subscription_suspensions INCLUDING ALL);
\set VERBOSITY default
SET client_min_messages = warning;
SELECT table_name, rows FROM awstore.migrate_from_dynamodb('dynamo', 'bad', 'other');
RESET client_min_messages;
SELECT count(*) FROM other.actors;
-- ... or with on_error => 'skip', takes the rest and lists what it left.
SET client_min_messages = warning;
SELECT table_name, rows FROM awstore.migrate_from_dynamodb('dynamo', 'bad', 'other', on_error => 'skip');
RESET client_min_messages;
SELECT dynamodb_table, table_name, item_key, problem FROM awstore.migration_rejects ORDER BY 1, 3;
SELECT * FROM awstore.verify_migration('dynamo', 'bad', 'other') WHERE missing_in_postgres + missing_in_dynamodb + different > 0;
-- skip_expired leaves out items whose TTL has passed.
SET client_min_messages = warning;
SELECT table_name, rows FROM awstore.migrate_from_dynamodb('dynamo', 'bad', 'other', skip_expired => true,
                                                           on_error => 'skip', delete_missing => true)
 WHERE table_name = 'attributes';
RESET client_min_messages;
SELECT count(*) FILTER (WHERE ttl_timestamp < extract(epoch FROM now())) AS expired FROM other.attributes;
-- delete_missing deletes only rows whose item is gone: an item that is
-- still there but is now rejected keeps its row.
CREATE SCHEMA badf;
SELECT count(*) FROM awstore.actingweb_foreign_tables('dynamo', 'bad', 'badf');
SELECT min(id) AS victim FROM other.actors \gset
UPDATE badf.actors SET creator = NULL WHERE id = :'victim';
SET client_min_messages = warning;
SELECT table_name, rows FROM awstore.migrate_from_dynamodb('dynamo', 'bad', 'other', on_error => 'skip',
                                                           delete_missing => true)
 WHERE table_name = 'actors';
RESET client_min_messages;
SELECT count(*) AS victim_kept FROM other.actors WHERE id = :'victim';
SELECT problem FROM awstore.migration_rejects WHERE table_name = 'actors' AND item_key LIKE '%' || :'victim' || '%';
DROP SCHEMA badf CASCADE;

-- Mistakes.
SELECT * FROM awstore.migrate_from_dynamodb('dynamo', 'aw', on_error => 'ignore');
SELECT * FROM awstore.migrate_from_dynamodb('dynamo', 'aw', 'dyn');
SELECT * FROM awstore.migrate_from_dynamodb('no_server', 'aw');
SELECT * FROM awstore.migrate_to_dynamodb('dynamo', 'nothing_there', create_tables => false);
SELECT * FROM awstore.verify_migration('dynamo', '');
\set VERBOSITY terse
-- A prefix without tables: each is skipped with a NOTICE.
SELECT table_name, rows FROM awstore.migrate_from_dynamodb('dynamo', 'nothing_there');

-- Not for PUBLIC.
CREATE ROLE regress_awstore_migrator;
SET ROLE regress_awstore_migrator;
SELECT * FROM awstore.migrate_from_dynamodb('dynamo', 'aw');
SELECT * FROM awstore.migrate_to_dynamodb('dynamo', 'aw');
SELECT * FROM awstore.verify_migration('dynamo', 'aw');
RESET ROLE;
DROP ROLE regress_awstore_migrator;

-- is_json: what jsonb takes, whether or not the text has \u escapes
SELECT t, awstore.is_json(t) AS is_json
  FROM (VALUES ('{"a": [1, 2.5e3, "x"]}'), ('"\u00e9\ud83d\ude00"'), ('"a\\u0000"'),
               ('"\u0000"'), ('"\ud83d"'), ('"\ude00x"'), ('"\x"'), ('{"a": 1,}'),
               ('"\u00e9'), (''), ('  null  ')) v (t);

-- migration_pass counts the rows a statement reads; an error forgets them
SELECT awstore.migration_pass(true), awstore.migration_pass(false), awstore.migration_pass(NULL);
SELECT awstore.migration_passed() AS passed, awstore.migration_passed() AS again;
BEGIN;
SELECT count(*) FROM generate_series(1, 5) WHERE awstore.migration_pass(true);
SAVEPOINT s;
SELECT count(*) FROM generate_series(1, 3) WHERE awstore.migration_pass(true) AND 1 / (3 - generate_series) > 0;
ROLLBACK TO SAVEPOINT s;
SELECT awstore.migration_passed() AS after_failed_subtransaction;
SELECT count(*) FROM generate_series(1, 2) WHERE awstore.migration_pass(true);
SELECT 1 / 0;
ROLLBACK;
SELECT awstore.migration_passed() AS after_rollback;

DROP SCHEMA other CASCADE;
DROP SCHEMA dyn CASCADE;
DROP SCHEMA dynback CASCADE;
DROP USER MAPPING FOR CURRENT_USER SERVER dynamo;
DROP SERVER dynamo CASCADE;
DROP EXTENSION awstore;
DROP SCHEMA aw CASCADE;
