--
-- pg_dump of a database with awstore, restored into an empty database,
-- gives back every row of every application table, the TTL registrations
-- and the privileges granted on the tables.
--
CREATE SCHEMA aw;
CREATE EXTENSION awstore SCHEMA aw;

INSERT INTO aw.actors
SELECT 'actor-' || i, 'creator-' || (i % 7) || '@example.com', md5(i::text),
       CASE WHEN i % 3 = 0 THEN NULL ELSE timestamp '2026-01-01' + i * interval '1 minute' END
  FROM generate_series(1, 500) i;
INSERT INTO aw.properties
SELECT 'actor-' || i, 'prop-' || j,
       CASE j WHEN 1 THEN 'ünïcödé ✓ ' || i WHEN 2 THEN repeat('x', 5000) ELSE '' END
  FROM generate_series(1, 500) i, generate_series(1, 3) j;
INSERT INTO aw.property_lookup
SELECT 'prop-1', 'ünïcödé ✓ ' || i, 'actor-' || i FROM generate_series(1, 500) i;
INSERT INTO aw.attributes
SELECT 'actor-' || i, 'bucket:attr-' || i, 'bucket', 'attr-' || i,
       jsonb_build_object('n', i, 'pi', 3.14159265358979323846264338327950288, 'nested', jsonb_build_object('a', array[1, 2, 3])),
       timestamp '2026-01-01 00:00:00.123456', CASE WHEN i % 2 = 0 THEN 4102444800 + i END
  FROM generate_series(1, 500) i;
INSERT INTO aw.trusts
SELECT 'actor-' || i, 'peer-' || i, 'https://peer/' || i, 'urn:type', 'friend', 'secret-' || i,
       'désc', i % 2 = 0, true, false, NULL, NULL, 'trust', '2026-01-01', NULL, NULL,
       NULL, NULL, NULL, NULL, 'a,b', '1.4', '2026-01-02 03:04:05.678901+00'
  FROM generate_series(1, 100) i;
INSERT INTO aw.peertrustees SELECT 'actor-' || i, 'peer-' || i, 'https://peer', 't', 'pw' FROM generate_series(1, 50) i;
INSERT INTO aw.subscriptions
SELECT 'actor-' || i, 'peer:' || i, 'peer', 'sub' || i, 'high', 'properties', NULL, NULL, i, i % 2 = 0
  FROM generate_series(1, 50) i;
INSERT INTO aw.subscription_diffs
SELECT 'actor-1', 'sub1:' || i, 'sub1', '2026-01-01', '{"diff": ' || i || '}', i FROM generate_series(1, 50) i;
INSERT INTO aw.subscription_suspensions VALUES ('actor-1', 'properties', '', now()), ('actor-1', 'properties', 'email', now());

-- A table of the user's own under TTL cleanup, and a grant to the application.
CREATE TABLE public.sessions (id int PRIMARY KEY, expires_at timestamptz);
INSERT INTO public.sessions SELECT i, '2030-01-01'::timestamptz + i * interval '1 hour' FROM generate_series(1, 20) i;
SELECT awstore.ttl_register('public.sessions', 'expires_at');
CREATE ROLE regress_awstore_app;
GRANT USAGE ON SCHEMA aw TO regress_awstore_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA aw TO regress_awstore_app;

-- A fingerprint of every table, to compare with the restored database.
CREATE FUNCTION public.fingerprint() RETURNS TABLE (table_name text, rows bigint, digest text)
LANGUAGE plpgsql AS $$
DECLARE t text;
BEGIN
    FOR t IN SELECT c.relname FROM pg_class c
              WHERE c.relnamespace = 'aw'::regnamespace AND c.relkind = 'r' ORDER BY 1 LOOP
        table_name := t;
        EXECUTE format('SELECT count(*), md5(coalesce(string_agg(x::text, E''\n'' ORDER BY x::text), '''')) FROM aw.%I x', t)
            INTO rows, digest;
        RETURN NEXT;
    END LOOP;
    table_name := 'awstore.ttl_tables';
    SELECT count(*), md5(string_agg(t.table_name || ' ' || t.ttl_column, ',' ORDER BY t.table_name::text))
      INTO rows, digest FROM awstore.ttl_tables t;
    RETURN NEXT;
    table_name := 'grants';
    SELECT count(*), md5(string_agg(g.table_name || ' ' || g.privilege_type, ',' ORDER BY g.table_name, g.privilege_type))
      INTO rows, digest
      FROM information_schema.role_table_grants g
     WHERE g.grantee = 'regress_awstore_app';
    RETURN NEXT;
END $$;
CREATE TABLE expected AS SELECT * FROM public.fingerprint();
SELECT table_name, rows FROM expected ORDER BY 1;

\! pg_dump -Fc -f "$PG_ABS_BUILDDIR/results/awstore.dump" contrib_regression
\! createdb awstore_restored
\! pg_restore -d awstore_restored "$PG_ABS_BUILDDIR/results/awstore.dump"
\! psql -X -q -At -d awstore_restored -c "COPY (SELECT * FROM public.fingerprint()) TO STDOUT" > "$PG_ABS_BUILDDIR/results/restored.tsv"

CREATE TABLE restored (table_name text, rows bigint, digest text);
\getenv abs_builddir PG_ABS_BUILDDIR
\set restored_file :abs_builddir '/results/restored.tsv'
COPY restored FROM :'restored_file';

-- Every table: same rows, same content.
SELECT e.table_name, e.rows, r.rows AS restored_rows, e.digest = r.digest AS identical
  FROM expected e FULL JOIN restored r USING (table_name)
 ORDER BY 1;

-- The restored extension still works: the expired-row count is the same.
\! psql -X -q -At -d awstore_restored -c "SELECT table_name, rows_with_ttl, expired_rows FROM awstore.ttl_status ORDER BY 1"

\! dropdb awstore_restored
DROP TABLE expected, restored, public.sessions;
DROP FUNCTION public.fingerprint();
DROP EXTENSION awstore;
DROP SCHEMA aw CASCADE;
DROP OWNED BY regress_awstore_app;
DROP ROLE regress_awstore_app;
