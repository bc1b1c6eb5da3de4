--
-- Lost updates: an UPDATE writes on condition that the item is still as it
-- read it; when another writer changed it in between, the UPDATE fails
-- with serialization_failure (40001), which the caller can retry.
--

\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/sql/include/dynamo_server.sql
SELECT awstore.dynamodb_create_table('dynamo', 'lu_counters', 'id') IS NOT NULL AS created;
CREATE FOREIGN TABLE counters (id text, n integer, note text, tags text[])
    SERVER dynamo OPTIONS (table_name 'lu_counters');
-- the same items under another name: "another writer"
CREATE FOREIGN TABLE counters_other (id text, n integer, note text, extra text)
    SERVER dynamo OPTIONS (table_name 'lu_counters');
INSERT INTO counters VALUES ('c1', 0, 'x', '{a,b}'), ('c2', 0, NULL, NULL);

-- Another writer changes c1 after the UPDATE read it and before it writes.
CREATE FUNCTION meddle(k text, v integer) RETURNS integer LANGUAGE plpgsql AS $$
BEGIN
    UPDATE counters_other SET n = v WHERE id = k;
    RETURN 0;
END $$;
-- (the WARNINGs that the other writer's writes stay are not the point here)
SET client_min_messages = error;
\set VERBOSITY default
-- should fail
UPDATE counters SET n = n + 1 + meddle(id, 100) WHERE id = 'c1';
\set VERBOSITY terse
SELECT id, n FROM counters ORDER BY id;

-- A change to another column's attribute counts too: the row is not as
-- read.  An attribute that no column maps is not compared.
CREATE FUNCTION meddle_note(k text) RETURNS integer LANGUAGE plpgsql AS $$
BEGIN
    UPDATE counters_other SET note = coalesce(note, '') || '+' WHERE id = k;
    RETURN 0;
END $$;
CREATE FUNCTION meddle_extra(k text) RETURNS integer LANGUAGE plpgsql AS $$
BEGIN
    UPDATE counters_other SET extra = 'changed' WHERE id = k;
    RETURN 0;
END $$;
-- should fail
UPDATE counters SET n = n + 1 + meddle_note(id) WHERE id = 'c2';
UPDATE counters SET n = n + 1 + meddle_extra(id) WHERE id = 'c2';
SELECT id, n, note FROM counters ORDER BY id;

-- Retrying succeeds, and nothing is lost.
CREATE FUNCTION bump(k text, times integer) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    conflicts integer := 0;
BEGIN
    FOR i IN 1 .. times LOOP
        LOOP
            BEGIN
                UPDATE counters SET n = n + 1 + CASE WHEN i % 3 = 0 AND conflicts < times / 3
                                                    THEN meddle_note(id) ELSE 0 END
                 WHERE id = k;
                EXIT;
            EXCEPTION WHEN serialization_failure THEN
                conflicts := conflicts + 1;
            END;
        END LOOP;
    END LOOP;
    RETURN conflicts;
END $$;
SELECT bump('c1', 10) AS conflicts_retried;
SELECT id, n FROM counters ORDER BY id;

-- Two sessions at once, each adding 1 a hundred times and retrying its
-- conflicts: not one increment is lost.
INSERT INTO counters VALUES ('c3', 0);
CREATE FUNCTION add_many(k text, times integer) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    FOR i IN 1 .. times LOOP
        LOOP
            BEGIN
                UPDATE counters SET n = n + 1 WHERE id = k;
                EXIT;
            EXCEPTION WHEN serialization_failure THEN
                NULL;
            END;
        END LOOP;
    END LOOP;
END $$;
\! for s in 1 2; do psql -X -q -d contrib_regression -c "SET client_min_messages = error" -c "SELECT add_many('c3', 100)" >/dev/null 2>&1 & done; wait
SELECT n FROM counters WHERE id = 'c3';

-- An item deleted meanwhile is not updated, and not recreated.
CREATE FUNCTION meddle_delete(k text) RETURNS integer LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM counters_other WHERE id = k;
    RETURN 0;
END $$;
\set QUIET off
UPDATE counters SET n = n + 1 + meddle_delete(id) WHERE id = 'c2';
\set QUIET on
SELECT id, n FROM counters ORDER BY id;

-- Sets, lists, NULLs and missing attributes compare as read.
UPDATE counters SET n = 7 WHERE id = 'c1';
UPDATE counters SET note = NULL, tags = NULL WHERE id = 'c1';
UPDATE counters SET n = n + 1 WHERE id = 'c1' RETURNING *;

SELECT count(awstore.dynamodb_delete_table('dynamo', 'lu_counters'));
SET client_min_messages = warning;
DROP USER MAPPING FOR CURRENT_USER SERVER dynamo;
DROP SERVER dynamo CASCADE;
DROP EXTENSION awstore;
DROP SCHEMA aw CASCADE;
