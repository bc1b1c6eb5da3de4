--
-- DynamoDB's own TTL, end to end, on AWS's engine (DynamoDB Local: dynalite
-- has no UpdateTimeToLive, so this suite runs in the DynamoDB Local pass
-- only).  dynamodb_enable_ttl turns it on; an independent client reads the
-- setting back; migrate_to_dynamodb turns it on for attributes.ttl_timestamp.
--
\! /usr/bin/python3 "$PG_ABS_SRCDIR/test/dynamo_fixture.py" reset

\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/sql/include/dynamo_server.sql

SELECT awstore.dynamodb_create_table('dynamo', 'sessions', 'id') IS NOT NULL AS created;
SELECT awstore.dynamodb_enable_ttl('dynamo', 'sessions', 'expires');
\! /usr/bin/python3 -c 'import boto3, os; c = boto3.client("dynamodb", endpoint_url=os.environ["AWSTORE_DYNAMODB_ENDPOINT"], region_name="us-east-1", aws_access_key_id="t", aws_secret_access_key="t"); d = c.describe_time_to_live(TableName="sessions")["TimeToLiveDescription"]; print(d["TimeToLiveStatus"], d["AttributeName"])'
-- Enabling is idempotent: a second call (or a request sent again after its
-- answer was lost) finds TTL on for the same attribute, and that is success.
SELECT awstore.dynamodb_enable_ttl('dynamo', 'sessions', 'expires');
\set VERBOSITY terse
-- should fail: TTL is on for another attribute
SELECT awstore.dynamodb_enable_ttl('dynamo', 'sessions', 'other');
-- should fail
SELECT awstore.dynamodb_enable_ttl('dynamo', 'no_such_table', 'expires');
\set VERBOSITY default

-- The migration creates the ActingWeb tables with TTL on attributes.
INSERT INTO aw.attributes VALUES ('a1', 'b:n', 'b', 'n', '{"k": 1}', '2026-01-02 03:04:05', 4102444800);
SET client_min_messages = warning;
SELECT table_name, rows FROM awstore.migrate_to_dynamodb('dynamo', 'ttlmig') WHERE table_name = 'attributes';
RESET client_min_messages;
\! /usr/bin/python3 -c 'import boto3, os; c = boto3.client("dynamodb", endpoint_url=os.environ["AWSTORE_DYNAMODB_ENDPOINT"], region_name="us-east-1", aws_access_key_id="t", aws_secret_access_key="t"); d = c.describe_time_to_live(TableName="ttlmig_attributes")["TimeToLiveDescription"]; print(d["TimeToLiveStatus"], d["AttributeName"])'

DROP SERVER dynamo CASCADE;
DROP EXTENSION awstore;
DROP SCHEMA aw CASCADE;
