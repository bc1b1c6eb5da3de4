--
-- No role gets its code run by a more privileged one through awstore.
-- Each attack below must fail cleanly, and the legitimate use go on.
--
\set VERBOSITY terse
CREATE ROLE regress_aw_attacker;
CREATE ROLE regress_aw_monitor IN ROLE pg_monitor;
CREATE ROLE regress_aw_dba SUPERUSER;

--
-- 1. Functions planted in the application schema before CREATE EXTENSION:
-- a better match than pg_catalog's for the install script's calls.
--
CREATE SCHEMA aw;
GRANT USAGE, CREATE ON SCHEMA aw TO regress_aw_attacker;
SET ROLE regress_aw_attacker;
CREATE FUNCTION aw.escalate() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    ALTER ROLE regress_aw_attacker SUPERUSER;
EXCEPTION WHEN insufficient_privilege THEN
    NULL;
END $$;
CREATE FUNCTION aw.unnest(name[]) RETURNS SETOF name LANGUAGE plpgsql AS $$
BEGIN
    PERFORM aw.escalate();
    RETURN QUERY SELECT pg_catalog.unnest($1::text[])::name;
END $$;
CREATE FUNCTION aw.array_agg_step(name[], name) RETURNS name[] LANGUAGE plpgsql AS $$
BEGIN
    PERFORM aw.escalate();
    RETURN $1 || $2;
END $$;
CREATE AGGREGATE aw.array_agg(name) (SFUNC = aw.array_agg_step, STYPE = name[]);
CREATE FUNCTION aw.name_eq(name, text) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    PERFORM aw.escalate();
    RETURN $1::text = $2;
END $$;
CREATE OPERATOR aw.= (LEFTARG = name, RIGHTARG = text, FUNCTION = aw.name_eq);
RESET ROLE;
CREATE EXTENSION awstore SCHEMA aw;
SELECT rolsuper AS attacker_is_superuser FROM pg_roles WHERE rolname = 'regress_aw_attacker';

-- An alembic_version planted with a type whose cast to text is the
-- attacker's function: CREATE EXTENSION refuses it rather than read it.
CREATE SCHEMA aw_planted;
GRANT USAGE, CREATE ON SCHEMA aw_planted TO regress_aw_attacker;
SET ROLE regress_aw_attacker;
CREATE TYPE aw_planted.vt AS (v text);
CREATE FUNCTION aw_planted.vt_text(aw_planted.vt) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    PERFORM aw.escalate();
    RETURN ($1).v;
END $$;
CREATE CAST (aw_planted.vt AS text) WITH FUNCTION aw_planted.vt_text(aw_planted.vt);
CREATE TABLE aw_planted.alembic_version (version_num aw_planted.vt);
INSERT INTO aw_planted.alembic_version VALUES (ROW('e5f6a7b8c9d0'));
RESET ROLE;
DROP EXTENSION awstore;
-- should fail
CREATE EXTENSION awstore SCHEMA aw_planted;
SELECT rolsuper AS attacker_is_superuser FROM pg_roles WHERE rolname = 'regress_aw_attacker';
DROP SCHEMA aw_planted CASCADE;
CREATE EXTENSION awstore SCHEMA aw;

--
-- 2. The same functions on search_path when awstore's functions run.
--
SET search_path = aw, public;
SELECT awstore.application_schema();
SELECT count(*) FROM awstore.actingweb_columns();
SELECT table_name FROM awstore.ttl_status;
SELECT * FROM awstore.orphans;
CALL awstore.purge_expired();
RESET search_path;
-- An operator for pg_depend's columns, planted where DROP EXTENSION's
-- event trigger would find it.
SET ROLE regress_aw_attacker;
CREATE FUNCTION aw.oid_regclass_eq(oid, regclass) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    PERFORM aw.escalate();
    RETURN $1 = $2::oid;
END $$;
CREATE OPERATOR aw.= (LEFTARG = oid, RIGHTARG = regclass, FUNCTION = aw.oid_regclass_eq);
RESET ROLE;
SET search_path = aw, public;
BEGIN;
DROP EXTENSION awstore;
ROLLBACK;
RESET search_path;
SELECT rolsuper AS attacker_is_superuser FROM pg_roles WHERE rolname = 'regress_aw_attacker';
SELECT rolsuper AS attacker_is_superuser FROM pg_roles WHERE rolname = 'regress_aw_attacker';

--
-- 3. A table owner's trigger on a table registered for TTL cleanup: the
-- purge runs it as the owner, not as the superuser calling the purge.
--
CREATE SCHEMA attacker AUTHORIZATION regress_aw_attacker;
SET ROLE regress_aw_attacker;
CREATE TABLE attacker.sessions (id int PRIMARY KEY, expires bigint);
INSERT INTO attacker.sessions SELECT g, 1 FROM generate_series(1, 10) g;
CREATE TABLE attacker.audit (who name, what text);
CREATE FUNCTION attacker.on_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO attacker.audit VALUES (current_user, 'delete ' || OLD.id);
    PERFORM aw.escalate();
    RETURN OLD;
END $$;
CREATE TRIGGER sessions_on_delete BEFORE DELETE ON attacker.sessions
    FOR EACH ROW EXECUTE FUNCTION attacker.on_delete();
RESET ROLE;
SELECT awstore.ttl_register('attacker.sessions', 'expires');
CALL awstore.purge_expired();
SELECT rolsuper AS attacker_is_superuser FROM pg_roles WHERE rolname = 'regress_aw_attacker';
SELECT count(*) AS left_rows FROM attacker.sessions;
-- the trigger ran, as the owner
SELECT who, count(*) FROM attacker.audit GROUP BY who;

-- A rule that turns the purge's DELETE into something else.
SET ROLE regress_aw_attacker;
INSERT INTO attacker.sessions SELECT g, 1 FROM generate_series(11, 12) g;
CREATE RULE sessions_no_delete AS ON DELETE TO attacker.sessions
    DO INSTEAD SELECT aw.escalate();
RESET ROLE;
CALL awstore.purge_expired();
SELECT rolsuper AS attacker_is_superuser FROM pg_roles WHERE rolname = 'regress_aw_attacker';
SET ROLE regress_aw_attacker;
DROP RULE sessions_no_delete ON attacker.sessions;
RESET ROLE;

--
-- 4. ttl_status (SECURITY DEFINER) read by pg_monitor and by a superuser
-- after the owner turned the registered table into a view whose query
-- runs the owner's function.
--
SET ROLE regress_aw_attacker;
CREATE TABLE attacker.cache (id int, expires bigint);
RESET ROLE;
SELECT awstore.ttl_register('attacker.cache', 'expires');
SET ROLE regress_aw_attacker;
DROP INDEX attacker.cache_expires_idx;
VACUUM attacker.cache;
CREATE FUNCTION attacker.escalating_rows() RETURNS TABLE (id int, expires bigint)
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM aw.escalate();
    RETURN QUERY SELECT 1, 1::bigint;
END $$;
CREATE RULE "_RETURN" AS ON SELECT TO attacker.cache
    DO INSTEAD SELECT * FROM attacker.escalating_rows();
RESET ROLE;
SELECT relkind FROM pg_class WHERE oid = 'attacker.cache'::regclass;
SET ROLE regress_aw_monitor;
SELECT table_name, rows_with_ttl FROM awstore.ttl_status ORDER BY 1;
RESET ROLE;
SELECT table_name, rows_with_ttl FROM awstore.ttl_status ORDER BY 1;
CALL awstore.purge_expired();
SELECT rolsuper AS attacker_is_superuser FROM pg_roles WHERE rolname = 'regress_aw_attacker';
-- unregistering, like registering, is for the table's owner
CREATE ROLE regress_aw_other;
GRANT EXECUTE ON FUNCTION awstore.ttl_unregister(regclass) TO regress_aw_other;
GRANT USAGE ON SCHEMA attacker TO regress_aw_other;
SET ROLE regress_aw_other;
-- should fail
SELECT awstore.ttl_unregister('attacker.cache');
RESET ROLE;
DROP OWNED BY regress_aw_other;
DROP ROLE regress_aw_other;
SELECT awstore.ttl_unregister('attacker.cache');
SELECT awstore.ttl_unregister('attacker.sessions');

--
-- 5. The TTL column is tracked by number and type: after it was dropped
-- and another column renamed to its name, the purge deletes nothing.
--
CREATE TABLE public.tokens (id int, expires bigint, keep_until bigint);
INSERT INTO public.tokens SELECT g, 1, 4102444800 FROM generate_series(1, 5) g;
SELECT awstore.ttl_register('public.tokens', 'expires');
ALTER TABLE public.tokens DROP COLUMN expires;
ALTER TABLE public.tokens RENAME COLUMN keep_until TO expires;
UPDATE public.tokens SET expires = 1 WHERE id <= 2;
CALL awstore.purge_expired();
SELECT count(*) AS tokens_left FROM public.tokens;
SELECT table_name, rows_with_ttl FROM awstore.ttl_status WHERE table_name = 'public.tokens'::regclass;
-- registering again takes the new column
SELECT awstore.ttl_register('public.tokens', 'expires');
CALL awstore.purge_expired();
SELECT count(*) AS tokens_left FROM public.tokens;
-- a retyped column stops the purge too
UPDATE public.tokens SET expires = 1;
ALTER TABLE public.tokens ALTER COLUMN expires TYPE integer;
CALL awstore.purge_expired();
DROP TABLE public.tokens;

--
-- 6. Migrations refuse application tables whose owner does not have the
-- privileges of the caller (the owner's triggers would run as the caller).
--
CREATE SCHEMA app2;
CREATE TABLE app2.actors (LIKE aw.actors INCLUDING ALL);
CREATE TABLE app2.properties (LIKE aw.properties INCLUDING ALL);
CREATE TABLE app2.property_lookup (LIKE aw.property_lookup INCLUDING ALL);
CREATE TABLE app2.attributes (LIKE aw.attributes INCLUDING ALL);
CREATE TABLE app2.trusts (LIKE aw.trusts INCLUDING ALL);
CREATE TABLE app2.peertrustees (LIKE aw.peertrustees INCLUDING ALL);
CREATE TABLE app2.subscriptions (LIKE aw.subscriptions INCLUDING ALL);
CREATE TABLE app2.subscription_diffs (LIKE aw.subscription_diffs INCLUDING ALL);
CREATE TABLE app2.subscription_suspensions (LIKE aw.subscription_suspensions INCLUDING ALL);
SELECT awstore.actingweb_check_schema('app2');
ALTER TABLE app2.trusts OWNER TO regress_aw_attacker;
SET ROLE regress_aw_dba;
-- should fail
SELECT awstore.actingweb_check_schema('app2');
-- should fail
SELECT * FROM awstore.migrate_to_dynamodb('no_such_server', 'x', source_schema => 'app2');
RESET ROLE;
-- the owner itself may
ALTER TABLE app2.trusts OWNER TO regress_aw_dba;
SET ROLE regress_aw_dba;
SELECT awstore.actingweb_check_schema('app2');
RESET ROLE;
DROP SCHEMA app2 CASCADE;

--
-- 7. The orphan purge runs as each table's owner: a table of the
-- application schema owned by another role, with a trigger.
--
INSERT INTO aw.actors VALUES ('a1', 'c', 'p', now());
INSERT INTO aw.properties VALUES ('a1', 'n', 'v'), ('gone', 'n', 'v');
ALTER TABLE aw.properties OWNER TO regress_aw_attacker;
GRANT SELECT ON aw.actors TO regress_aw_attacker;
SET ROLE regress_aw_attacker;
CREATE FUNCTION aw.on_property_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM aw.escalate();
    RETURN OLD;
END $$;
CREATE TRIGGER properties_on_delete BEFORE DELETE ON aw.properties
    FOR EACH ROW EXECUTE FUNCTION aw.on_property_delete();
RESET ROLE;
SELECT * FROM awstore.purge_orphans(false) WHERE rows > 0;
SELECT count(*) AS properties_left FROM aw.properties;
SELECT rolsuper AS attacker_is_superuser FROM pg_roles WHERE rolname = 'regress_aw_attacker';

DROP SCHEMA attacker CASCADE;
DROP EXTENSION awstore;
DROP SCHEMA aw CASCADE;

--
-- 8. DROP OWNED BY keeps the application tables: the extension's owner
-- is dropped from under them, and a role owning the tables is refused.
--
CREATE ROLE regress_aw_app;
CREATE SCHEMA aw AUTHORIZATION regress_aw_app;
SET ROLE regress_aw_dba;
CREATE EXTENSION awstore SCHEMA aw;
RESET ROLE;
INSERT INTO aw.actors VALUES ('a1', 'c', 'p', now());
-- should fail: regress_aw_dba owns the tables
DROP OWNED BY regress_aw_dba;
SELECT count(*) AS actors FROM aw.actors;
DO $$
DECLARE
    t regclass;
BEGIN
    FOR t IN SELECT c.oid FROM pg_class c
              WHERE c.relnamespace = 'aw'::regnamespace AND c.relkind = 'r' LOOP
        EXECUTE 'ALTER TABLE ' || t || ' OWNER TO regress_aw_app';
    END LOOP;
END $$;
-- the extension's owner goes; the tables, owned by another role, stay
DROP OWNED BY regress_aw_dba;
SELECT count(*) AS extensions FROM pg_extension WHERE extname = 'awstore';
SELECT count(*) AS actors FROM aw.actors;
-- DROP SCHEMA awstore is refused by PostgreSQL itself
CREATE EXTENSION awstore SCHEMA aw;
-- DROP OWNED BY the application schema's owner, CASCADE, would drop the
-- schema with the tables in it: refused
-- should fail
DROP OWNED BY regress_aw_app CASCADE;
SELECT count(*) AS actors FROM aw.actors;
-- should fail
DROP SCHEMA awstore CASCADE;
SELECT count(*) AS actors FROM aw.actors;
DROP EXTENSION awstore;
DROP SCHEMA aw CASCADE;

DROP ROLE regress_aw_attacker, regress_aw_monitor, regress_aw_dba, regress_aw_app;
