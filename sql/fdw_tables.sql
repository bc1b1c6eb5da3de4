--
-- Managing DynamoDB tables from SQL: list, describe, create (with global
-- secondary indexes), delete, enable TTL.  Superuser only.
--
\! /usr/bin/python3 "$PG_ABS_SRCDIR/test/dynamo_fixture.py" reset

\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/sql/include/dynamo_server.sql

SELECT * FROM awstore.dynamodb_list_tables('dynamo');

-- A table with a sort key and two global secondary indexes given the way
-- DescribeTable shows them (read-only fields are ignored).
SELECT t -> 'TableName' AS name, t -> 'TableStatus' AS status, t -> 'KeySchema' AS keys,
       t -> 'AttributeDefinitions' AS attributes, t -> 'BillingModeSummary' -> 'BillingMode' AS billing
  FROM awstore.dynamodb_create_table('dynamo', 'attributes', 'id', 'S', 'name', 'S',
    '[{"IndexName": "by-bucket", "IndexStatus": "ACTIVE", "ItemCount": 3,
       "KeySchema": [{"AttributeName": "bucket", "KeyType": "HASH"},
                     {"AttributeName": "ttl", "KeyType": "RANGE", "AttributeType": "N"}],
       "Projection": {"ProjectionType": "KEYS_ONLY"}},
      {"IndexName": "by-owner",
       "KeySchema": [{"AttributeName": "owner", "KeyType": "HASH"}],
       "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["name"]}}]') t;
SELECT jsonb_path_query(awstore.dynamodb_describe_table('dynamo', 'attributes'),
                        '$.GlobalSecondaryIndexes[*] ? (@.IndexStatus == "ACTIVE") .IndexName') AS index;
-- Numeric and binary keys, provisioned capacity.
SELECT t -> 'KeySchema' AS keys, t -> 'AttributeDefinitions' AS attributes,
       t -> 'ProvisionedThroughput' -> 'ReadCapacityUnits' AS rcu
  FROM awstore.dynamodb_create_table('dynamo', 'counters', 'n', 'N', 'b', 'B',
                                     billing_mode => 'PROVISIONED') t;
SELECT * FROM awstore.dynamodb_list_tables('dynamo');

-- The new table is ready for a foreign table at once.
IMPORT FOREIGN SCHEMA dynamodb LIMIT TO (attributes) FROM SERVER dynamo INTO public;
\d attributes
INSERT INTO attributes (id, name, document) VALUES ('a', 'b', '{"bucket": {"S": "c"}, "ttl": {"N": "1700000000"}}');
SELECT id, name, document FROM attributes;

-- Errors, with the table named.
\set VERBOSITY default
SELECT awstore.dynamodb_create_table('dynamo', 'xyz', 'id', 'BOOL');
SELECT awstore.dynamodb_create_table('dynamo', 'xyz', 'id', sort_key => 'sk', sort_key_type => 'SS');
SELECT awstore.dynamodb_create_table('dynamo', 'xyz', 'id', billing_mode => 'FREE');
SELECT awstore.dynamodb_create_table('dynamo', 'xyz', 'id', global_indexes => '{"not": "an array"}');
SELECT awstore.dynamodb_create_table('dynamo', 'xyz', 'id', global_indexes => '[{"IndexName": "i"}]');
SELECT awstore.dynamodb_create_table('dynamo', 'xyz', NULL);
SELECT awstore.dynamodb_create_table('dynamo', '', 'id');
SELECT awstore.dynamodb_create_table('dynamo', 'xyz', 'id', sort_key => '');
-- What DynamoDB itself refuses, and enabling TTL, are in fdw_engines: the
-- engines word their refusals differently, and dynalite lacks UpdateTimeToLive.
SELECT * FROM awstore.dynamodb_list_tables('no_such_server');
CREATE FOREIGN DATA WRAPPER other_wrapper;
CREATE SERVER not_dynamodb FOREIGN DATA WRAPPER other_wrapper;
SELECT * FROM awstore.dynamodb_list_tables('not_dynamodb');
DROP FOREIGN DATA WRAPPER other_wrapper CASCADE;
SELECT awstore.dynamodb_enable_ttl('dynamo', 'attributes', '');
\set VERBOSITY terse

-- Deleting waits until the table is gone.
SELECT awstore.dynamodb_delete_table('dynamo', 'counters');
SELECT * FROM awstore.dynamodb_list_tables('dynamo');

-- Not for PUBLIC.
\set VERBOSITY terse
CREATE ROLE regress_awstore_nobody;
SET ROLE regress_awstore_nobody;
SELECT * FROM awstore.dynamodb_list_tables('dynamo');
SELECT awstore.dynamodb_create_table('dynamo', 'x', 'id');
SELECT awstore.dynamodb_delete_table('dynamo', 'attributes');
RESET ROLE;
DROP ROLE regress_awstore_nobody;

DROP USER MAPPING FOR CURRENT_USER SERVER dynamo;
DROP SERVER dynamo CASCADE;
DROP EXTENSION awstore;
DROP SCHEMA aw CASCADE;
