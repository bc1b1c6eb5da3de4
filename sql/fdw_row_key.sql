--
-- UPDATE and DELETE find an item by its key exactly as DynamoDB returned
-- it, never by a key rebuilt from the converted column value: a uuid,
-- timestamptz, char(n), numeric(p,s) or float column may hold a value whose
-- text differs from the attribute's (letter case, time zone, padding,
-- rounding), and the rebuilt key would name no item, or another one.
--

\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/sql/include/dynamo_server.sql

SELECT awstore.dynamodb_create_table('dynamo', 'rk_s', 'id') IS NOT NULL AS created;
SELECT awstore.dynamodb_create_table('dynamo', 'rk_n', 'id', 'S', 'sk', 'N') IS NOT NULL AS created;
SELECT awstore.dynamodb_create_table('dynamo', 'rk_f', 'id', 'N') IS NOT NULL AS created;
SELECT awstore.dynamodb_create_table('dynamo', 'rk_b', 'id', 'B', 'sk', 'B') IS NOT NULL AS created;
-- the items as an independent reader sees them
CREATE FOREIGN TABLE rk_s_raw (item jsonb OPTIONS (document 'dynamodb'))
    SERVER dynamo OPTIONS (table_name 'rk_s');
CREATE FOREIGN TABLE rk_n_raw (item jsonb OPTIONS (document 'dynamodb'))
    SERVER dynamo OPTIONS (table_name 'rk_n');
CREATE FOREIGN TABLE rk_f_raw (item jsonb OPTIONS (document 'dynamodb'))
    SERVER dynamo OPTIONS (table_name 'rk_f');
CREATE FOREIGN TABLE rk_b_raw (item jsonb OPTIONS (document 'dynamodb'))
    SERVER dynamo OPTIONS (table_name 'rk_b');

INSERT INTO rk_s_raw VALUES
    ('{"id": {"S": "0E7C9A4A-1B2C-4D5E-8F90-ABCDEF012345"}, "kind": {"S": "uuid"}, "v": {"N": "1"}}'),
    ('{"id": {"S": "2026-01-02T03:04:05.000000+0000"}, "kind": {"S": "ts"}, "v": {"N": "1"}}'),
    ('{"id": {"S": "ab"}, "kind": {"S": "char"}, "v": {"N": "1"}}');
INSERT INTO rk_n_raw VALUES
    ('{"id": {"S": "p"}, "sk": {"N": "1.25"}, "v": {"S": "first"}}'),
    ('{"id": {"S": "p"}, "sk": {"N": "1.3"}, "v": {"S": "second"}}');
INSERT INTO rk_f_raw VALUES
    ('{"id": {"N": "0.30000000000000000001"}, "v": {"S": "long"}}'),
    ('{"id": {"N": "0.3"}, "v": {"S": "short"}}');
INSERT INTO rk_b_raw VALUES
    ('{"id": {"B": "AAEC"}, "sk": {"B": "/w=="}, "v": {"S": "one"}}'),
    ('{"id": {"B": "AAEC"}, "sk": {"B": "AA=="}, "v": {"S": "two"}}');

CREATE FOREIGN TABLE rk_uuid (id uuid, kind text, v integer)
    SERVER dynamo OPTIONS (table_name 'rk_s');
CREATE FOREIGN TABLE rk_ts (id timestamptz, kind text, v integer)
    SERVER dynamo OPTIONS (table_name 'rk_s');
CREATE FOREIGN TABLE rk_char (id char(4), kind text, v integer)
    SERVER dynamo OPTIONS (table_name 'rk_s');
CREATE FOREIGN TABLE rk_num (id text, sk numeric(3,1), v text)
    SERVER dynamo OPTIONS (table_name 'rk_n');
CREATE FOREIGN TABLE rk_float (id float8, v text)
    SERVER dynamo OPTIONS (table_name 'rk_f');
CREATE FOREIGN TABLE rk_bytea (id bytea, sk bytea, v text)
    SERVER dynamo OPTIONS (table_name 'rk_b');

SET TimeZone = 'America/New_York';
\set QUIET off

-- S into uuid: the attribute is upper case, the uuid prints lower case.
SELECT id, v FROM rk_uuid WHERE kind = 'uuid';
UPDATE rk_uuid SET v = 2 WHERE kind = 'uuid';
UPDATE rk_uuid SET v = 3 WHERE kind = 'uuid' RETURNING id, v;

-- S into timestamptz: shown in the session's time zone.
SELECT id, v FROM rk_ts WHERE kind = 'ts';
UPDATE rk_ts SET v = 2 WHERE kind = 'ts';

-- S into char(n): padded.
SELECT id, v FROM rk_char WHERE kind = 'char';
UPDATE rk_char SET v = 2 WHERE kind = 'char';
SELECT item FROM rk_s_raw ORDER BY item->'id'->>'S';

DELETE FROM rk_uuid WHERE kind = 'uuid';
DELETE FROM rk_ts WHERE kind = 'ts' RETURNING id, kind;
DELETE FROM rk_char WHERE kind = 'char';
SELECT count(*) FROM rk_s_raw;

-- N into numeric(3,1): 1.25 reads as 1.3, the sort key of another item.
SELECT id, sk, v FROM rk_num ORDER BY v;
UPDATE rk_num SET v = 'first, updated' WHERE v = 'first';
DELETE FROM rk_num WHERE v = 'second';
SELECT item FROM rk_n_raw;
DELETE FROM rk_num WHERE v LIKE 'first%' RETURNING v;
SELECT count(*) FROM rk_n_raw;

-- N into float8: 0.30000000000000000001 reads as 0.3, the other item's key.
SELECT id, v FROM rk_float ORDER BY v;
DELETE FROM rk_float WHERE v = 'long';
SELECT item FROM rk_f_raw;

-- B into bytea, partition and sort key.
UPDATE rk_bytea SET v = 'one, updated' WHERE sk = '\xff';
DELETE FROM rk_bytea WHERE v = 'two';
SELECT item FROM rk_b_raw;

-- Through a partitioned table with a foreign and a local partition.
CREATE TABLE rk_parted (id uuid, kind text, v integer) PARTITION BY LIST (kind);
CREATE FOREIGN TABLE rk_parted_dyn PARTITION OF rk_parted FOR VALUES IN ('uuid')
    SERVER dynamo OPTIONS (table_name 'rk_s');
CREATE TABLE rk_parted_local PARTITION OF rk_parted DEFAULT;
INSERT INTO rk_s_raw VALUES
    ('{"id": {"S": "0E7C9A4A-1B2C-4D5E-8F90-ABCDEF0123AA"}, "kind": {"S": "uuid"}, "v": {"N": "1"}}');
INSERT INTO rk_parted_local VALUES ('0e7c9a4a-1b2c-4d5e-8f90-abcdef0123aa', 'local', 1);
UPDATE rk_parted SET v = v + 10 RETURNING tableoid::regclass, id, v;
SELECT item FROM rk_s_raw;
DELETE FROM rk_parted WHERE v = 11 RETURNING tableoid::regclass, id;
SELECT count(*) FROM rk_s_raw;

\set QUIET on
RESET TimeZone;

-- The key travels as the target's ctid: a query of its own ctid is refused.
-- should fail
UPDATE rk_bytea SET v = 'x' WHERE ctid = '(0,1)';

SELECT count(awstore.dynamodb_delete_table('dynamo', t)) FROM unnest('{rk_s,rk_n,rk_f,rk_b}'::text[]) t;
SET client_min_messages = warning;
DROP USER MAPPING FOR CURRENT_USER SERVER dynamo;
DROP SERVER dynamo CASCADE;
DROP EXTENSION awstore;
DROP SCHEMA aw CASCADE;
