--
-- Replication from DynamoDB Streams, on AWS's engine (DynamoDB Local:
-- dynalite has no Streams, so this suite runs in the DynamoDB Local pass
-- only): enabling a stream, the Streams requests, stream images as rows,
-- a one-table replication end to end with its errors, shard lineage,
-- privileges and scheduling.  The ActingWeb replication, kill -9 in the
-- middle of a run and lost history: test/replication_check.py.
--
\! /usr/bin/python3 "$PG_ABS_SRCDIR/test/dynamo_fixture.py" reset

\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/sql/include/dynamo_server.sql

-- A stream, turned on and read back; enabling again is no request.
SELECT awstore.dynamodb_create_table('dynamo', 'events', 'pk', 'S', 'sk', 'N') IS NOT NULL AS created;
SELECT s ->> 'StreamEnabled' AS enabled, s ->> 'StreamViewType' AS view_type,
       s ->> 'LatestStreamArn' LIKE 'arn:aws:dynamodb:%:table/events/stream/%' AS has_arn
  FROM awstore.dynamodb_enable_stream('dynamo', 'events') s;
SELECT awstore.dynamodb_enable_stream('dynamo', 'events') ->> 'StreamViewType' AS again;
SELECT awstore.dynamodb_describe_table('dynamo', 'events') -> 'StreamSpecification' AS described;
\set VERBOSITY terse
-- should fail: DynamoDB cannot change a stream's view type
SELECT awstore.dynamodb_enable_stream('dynamo', 'events', 'KEYS_ONLY');
-- should fail
SELECT awstore.dynamodb_enable_stream('dynamo', 'events', 'EVERYTHING');
-- should fail
SELECT awstore.dynamodb_enable_stream('dynamo', 'no_such_table');
\set VERBOSITY default

-- Streams requests go to the server's Streams endpoint (here the same).
SELECT awstore.dynamodb_describe_table('dynamo', 'events') ->> 'LatestStreamArn' AS arn \gset
SELECT d -> 'StreamDescription' ->> 'StreamStatus' AS status,
       d -> 'StreamDescription' ->> 'StreamViewType' AS view_type,
       jsonb_array_length(d -> 'StreamDescription' -> 'Shards') AS shards
  FROM awstore.dynamodb_stream_call('dynamo', 'DescribeStream', jsonb_build_object('StreamArn', :'arn')) d;
-- an error of a type the caller tolerates comes back as a value
SELECT awstore.dynamodb_stream_call('dynamo', 'GetRecords', '{"ShardIterator": "not an iterator"}',
                                    '{ValidationException}') ->> '__type' AS tolerated;
\set VERBOSITY terse
-- should fail
SELECT awstore.dynamodb_stream_call('dynamo', 'GetRecords', '{"ShardIterator": "not an iterator"}');
-- should fail: not a Streams action
SELECT awstore.dynamodb_stream_call('dynamo', 'DeleteTable', '{"TableName": "events"}');
-- should fail
SELECT awstore.dynamodb_stream_call('dynamo', 'DescribeStream', '["StreamArn"]');
\set VERBOSITY default

-- A stream image as a row: a plain table's columns are the attributes of
-- their names, converted as a scan converts them.
CREATE TABLE image (pk text, sk bigint, v text, j jsonb, at timestamptz, flag boolean);
SELECT * FROM awstore.dynamodb_item_row(NULL::image,
    '{"pk": {"S": "ü𝄞"}, "sk": {"N": "7"}, "v": {"S": "x"}, "j": {"M": {"a": {"N": "1.50"}, "b": {"L": [{"NULL": true}]}}},
      "at": {"S": "2026-01-02T03:04:05.123456+0000"}, "flag": {"BOOL": true}, "other": {"S": "not a column"}}');
SELECT * FROM awstore.dynamodb_item_row(NULL::image, '{"pk": {"S": "only the key"}}');
SELECT awstore.dynamodb_item_row(NULL::image, NULL) IS NULL AS null_item;
-- a text column on a numeric key reads it, once the record's keys say so
SELECT pk, sk FROM awstore.dynamodb_item_row(NULL::image, '{"pk": {"N": "12"}, "sk": {"N": "1"}}',
                                             '{"pk": {"N": "12"}, "sk": {"N": "1"}}');
-- should fail: a number where the column holds strings
SELECT * FROM awstore.dynamodb_item_row(NULL::image, '{"pk": {"N": "12"}}');
-- should fail
SELECT awstore.dynamodb_item_row(1, '{}');
-- should fail
SELECT * FROM awstore.dynamodb_item_row(NULL::image, '[]');

-- One table: a foreign table into a local table with its columns and the
-- DynamoDB key as primary key.
CREATE FOREIGN TABLE events_f (pk text, sk bigint, v text, j jsonb)
    SERVER dynamo OPTIONS (table_name 'events', partition_key 'pk', sort_key 'sk');
INSERT INTO events_f VALUES ('a', 1, 'one', '{"x": 1}'), ('b', 2, 'twö', NULL), ('c', 3, 'three', '[1, 2]');
CREATE TABLE events (pk text, sk bigint, v text, j jsonb, PRIMARY KEY (pk, sk));
INSERT INTO events VALUES ('stale', 0, 'not in DynamoDB', NULL), ('a', 1, 'old', NULL);
CREATE TABLE events_pk (pk text PRIMARY KEY, sk bigint, v text, j jsonb);
CREATE TABLE events_narrow (pk text, sk bigint, PRIMARY KEY (pk, sk));
-- should fail: not a foreign table
SELECT * FROM awstore.start_replication(foreign_table => 'image', local_table => 'events');
-- should fail: the primary key is not DynamoDB's key
SELECT * FROM awstore.start_replication(foreign_table => 'events_f', local_table => 'events_pk');
-- should fail: a column of the foreign table is missing
SELECT * FROM awstore.start_replication(foreign_table => 'events_f', local_table => 'events_narrow');
-- should fail
SELECT * FROM awstore.start_replication(foreign_table => 'events_f', local_table => 'events', on_error => 'ignore');
-- The snapshot: every item, and no row whose item is not there.
SELECT table_name, rows FROM awstore.start_replication(foreign_table => 'events_f', local_table => 'events');
SELECT * FROM events ORDER BY pk, sk;
-- should fail: once
SELECT * FROM awstore.start_replication(foreign_table => 'events_f', local_table => 'events');

-- Changes: an insert, an update, a delete, and a key inserted and deleted
-- again (its last record decides).
INSERT INTO events_f VALUES ('d', 4, 'four', '"s"');
UPDATE events_f SET v = 'ONE' WHERE pk = 'a' AND sk = 1;
DELETE FROM events_f WHERE pk = 'b' AND sk = 2;
INSERT INTO events_f VALUES ('e', 5, 'five', NULL);
DELETE FROM events_f WHERE pk = 'e' AND sk = 5;
CALL awstore.replicate('2 seconds');
SELECT * FROM events ORDER BY pk, sk;
SELECT count(*) AS differences
  FROM ((SELECT * FROM events_f EXCEPT SELECT * FROM events)
        UNION ALL (SELECT * FROM events EXCEPT SELECT * FROM events_f)) d;
SELECT table_name, dynamodb_table, open_shards, closed_shards, records_applied, pending_items,
       caught_up_to IS NOT NULL AS caught_up, last_error
  FROM awstore.replication_status;
-- Running again applies nothing twice.
CALL awstore.replicate('1 second');
SELECT records_applied FROM awstore.replication_status;
-- Not caught up with a change made after the last run.
INSERT INTO events_f VALUES ('f', 6, 'six', NULL);
SELECT awstore.replication_wait('0.5 seconds') AS caught_up;
CALL awstore.replicate('1 second');

-- A record that does not convert stops the replication (on_error 'stop'),
-- naming the item; what follows it waits.
CREATE FOREIGN TABLE events_raw (pk text, sk bigint, v numeric)
    SERVER dynamo OPTIONS (table_name 'events', partition_key 'pk', sort_key 'sk');
INSERT INTO events_raw VALUES ('g', 7, 42);
INSERT INTO events_f VALUES ('h', 8, 'after the bad one', NULL);
\set VERBOSITY terse
-- should fail
CALL awstore.replicate('1 second');
\set VERBOSITY default
SELECT last_error IS NOT NULL AS has_error, records_applied FROM awstore.replication_status;
SELECT count(*) AS h_applied FROM events WHERE pk = 'h';
-- With on_error 'skip' it is listed in migration_rejects, the rest applied.
SELECT awstore.stop_replication('events');
SELECT awstore.stop_replication('events') AS again;
DELETE FROM events_raw WHERE pk = 'g';
SELECT table_name, rows FROM awstore.start_replication(foreign_table => 'events_f', local_table => 'events',
                                                       on_error => 'skip');
INSERT INTO events_raw VALUES ('i', 9, 43);
INSERT INTO events_f VALUES ('j', 10, 'after the bad one', NULL);
CALL awstore.replicate('2 seconds');
SELECT dynamodb_table, table_name, item_key, problem FROM awstore.migration_rejects;
SELECT pk, sk, v FROM events WHERE pk IN ('i', 'j') ORDER BY pk;
SELECT last_error FROM awstore.replication_status;
-- A string holding U+0000, which PostgreSQL cannot store, is such an item;
-- its deletion is not.
\! /usr/bin/python3 -c 'import boto3, os; c = boto3.client("dynamodb", endpoint_url=os.environ["AWSTORE_DYNAMODB_ENDPOINT"], region_name="us-east-1", aws_access_key_id="t", aws_secret_access_key="t"); c.put_item(TableName="events", Item={"pk": {"S": "k"}, "sk": {"N": "11"}, "v": {"S": "a\u0000b"}}); c.put_item(TableName="events", Item={"pk": {"S": "l"}, "sk": {"N": "12"}, "v": {"S": "after it"}})'
CALL awstore.replicate('2 seconds');
SELECT item_key, regexp_replace(problem, 'record [0-9]+', 'record N') AS problem
  FROM awstore.migration_rejects WHERE item_key LIKE '%"k"%';
SELECT pk, sk, v FROM events WHERE pk IN ('k', 'l') ORDER BY pk;
\! /usr/bin/python3 -c 'import boto3, os; c = boto3.client("dynamodb", endpoint_url=os.environ["AWSTORE_DYNAMODB_ENDPOINT"], region_name="us-east-1", aws_access_key_id="t", aws_secret_access_key="t"); c.delete_item(TableName="events", Key={"pk": {"S": "k"}, "sk": {"N": "11"}}); c.delete_item(TableName="events", Key={"pk": {"S": "l"}, "sk": {"N": "12"}})'
CALL awstore.replicate('2 seconds');
SELECT count(*) AS k_or_l, (SELECT last_error FROM awstore.replication_status) AS last_error
  FROM events WHERE pk IN ('k', 'l');
DELETE FROM events_raw WHERE pk = 'i';
CALL awstore.replicate('1 second');

-- Shard lineage: a shard is read once its parent is read to its end; a
-- parent the replication does not know holds nothing back.  (DynamoDB
-- splits shards on its own schedule; here the shards are written by hand.)
BEGIN;
INSERT INTO awstore.replications (id, server, foreign_table, local_table, on_error, started_at, started_by)
VALUES (1000, 'dynamo', 'events_f', 'image', 'stop', now(), current_user::regrole);
INSERT INTO awstore.replication_tables (replication, dynamodb_table, table_name, stream_arn)
VALUES (1000, 'split', 'image', 'arn');
INSERT INTO awstore.replication_shards (replication, dynamodb_table, shard_id, parent_shard_id, discovered_at)
VALUES (1000, 'split', 'A', NULL, now()), (1000, 'split', 'B', 'A', now()), (1000, 'split', 'C', 'A', now()),
       (1000, 'split', 'D', 'B', now()), (1000, 'split', 'E', 'trimmed', now());
CREATE TEMP VIEW readable AS
    SELECT string_agg(s.shard_id, ' ' ORDER BY s.shard_id) AS shards
      FROM awstore.replication_shards s WHERE s.replication = 1000 AND awstore.replication_shard_readable(s);
SELECT * FROM readable;
UPDATE awstore.replication_shards SET finished = true WHERE replication = 1000 AND shard_id = 'A';
SELECT * FROM readable;
UPDATE awstore.replication_shards SET finished = true WHERE replication = 1000 AND shard_id = 'B';
SELECT * FROM readable;
UPDATE awstore.replication_shards SET finished = true WHERE replication = 1000 AND shard_id IN ('C', 'D', 'E');
SELECT * FROM readable;
ROLLBACK;

-- Privileges: replicating is for superusers and the roles granted it.
CREATE ROLE replication_user;
SET ROLE replication_user;
-- should fail
SELECT * FROM awstore.start_replication('dynamo', 'aw');
-- should fail
CALL awstore.replicate('1 second');
-- should fail
SELECT * FROM awstore.replication_status;
-- should fail: reading a table's definition needs SELECT on it
SELECT * FROM awstore.dynamodb_item_row(NULL::image, '{}');
RESET ROLE;
DROP ROLE replication_user;

-- Scheduling with pg_cron, as for the TTL cleanup.
CREATE EXTENSION pg_cron;
SELECT awstore.schedule_replication() AS jobid \gset
SELECT awstore.schedule_replication('*/2 * * * *') = :jobid AS same_job;
SELECT jobname, schedule, command, database FROM cron.job;
SELECT awstore.unschedule_replication();
SELECT awstore.unschedule_replication() AS again;
DROP EXTENSION pg_cron;

-- Nothing replicated: waiting is an error; a run does nothing.
SELECT awstore.stop_replication('events');
\set VERBOSITY terse
-- should fail
SELECT awstore.replication_wait('1 second');
\set VERBOSITY default
CALL awstore.replicate('1 second');

DROP SERVER dynamo CASCADE;
DROP EXTENSION awstore;
DROP SCHEMA aw CASCADE;
