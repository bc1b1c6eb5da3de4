--
-- DynamoDB has no rollback: a WARNING says so exactly when writes that
-- were sent, and may have been applied, are rolled back — by the
-- transaction, by ROLLBACK TO SAVEPOINT, or by a caught PL/pgSQL error.
--

\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/sql/include/dynamo_server.sql
SELECT awstore.dynamodb_create_table('dynamo', 'sx_items', 'id') IS NOT NULL AS created;
CREATE FOREIGN TABLE sx (id text, n integer) SERVER dynamo OPTIONS (table_name 'sx_items');
INSERT INTO sx VALUES ('s0', 0);

-- ROLLBACK TO SAVEPOINT after a write: warned there, not at COMMIT.
BEGIN;
SAVEPOINT a;
INSERT INTO sx VALUES ('s1', 1);
ROLLBACK TO SAVEPOINT a;
COMMIT;

-- A released savepoint's writes belong to the transaction.
BEGIN;
SAVEPOINT a;
UPDATE sx SET n = 2 WHERE id = 's1';
RELEASE SAVEPOINT a;
SAVEPOINT b;
ROLLBACK TO SAVEPOINT b;
ROLLBACK;

-- Nested: the inner write is warned about once, where it is rolled back.
BEGIN;
SAVEPOINT a;
SAVEPOINT b;
DELETE FROM sx WHERE id = 's1';
RELEASE SAVEPOINT b;
ROLLBACK TO SAVEPOINT a;
ROLLBACK;

-- A caught PL/pgSQL error after a write.
DO $$
BEGIN
    BEGIN
        INSERT INTO sx VALUES ('s3', 3);
        PERFORM 1 / 0;
    EXCEPTION WHEN division_by_zero THEN
        RAISE NOTICE 'caught';
    END;
END $$;
SELECT id, n FROM sx ORDER BY id;

-- Nothing written, nothing to warn about: a condition that did not hold,
-- a row refused before sending.
BEGIN;
INSERT INTO sx VALUES ('s0', 9) ON CONFLICT DO NOTHING;
DELETE FROM sx WHERE id = 's0' AND n = 9 RETURNING id;
SAVEPOINT a;
INSERT INTO sx VALUES ('s0', 9) ON CONFLICT DO NOTHING;
ROLLBACK TO SAVEPOINT a;
-- should fail
INSERT INTO sx VALUES (NULL, 1);
ROLLBACK;
SELECT id, n FROM sx ORDER BY id;

SELECT count(awstore.dynamodb_delete_table('dynamo', 'sx_items'));
SET client_min_messages = warning;
DROP USER MAPPING FOR CURRENT_USER SERVER dynamo;
DROP SERVER dynamo CASCADE;
DROP EXTENSION awstore;
DROP SCHEMA aw CASCADE;
