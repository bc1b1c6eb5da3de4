-- src/sql/07_orphans.sql
--	Rows whose actor no longer exists: a view and a purge.

/*
 * ---------------------------------------------------------------------------
 * Orphans: rows whose actor no longer exists (an interrupted actor
 * deletion leaves them behind).
 * ---------------------------------------------------------------------------
 */
CREATE FUNCTION awstore.actor_tables()
RETURNS TABLE (table_name name, actor_column name)
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    VALUES ('attributes'::name, 'id'::name),
           ('peertrustees', 'id'),
           ('properties', 'id'),
           ('property_lookup', 'actor_id'),
           ('subscription_diffs', 'id'),
           ('subscription_suspensions', 'id'),
           ('subscriptions', 'id'),
           ('trusts', 'id')
$$;
COMMENT ON FUNCTION awstore.actor_tables() IS
    'the ActingWeb tables whose rows belong to an actor, with the column naming it';

CREATE FUNCTION awstore.orphan_rows()
RETURNS TABLE (table_name regclass, actor_id text, rows bigint)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    app name := awstore.application_schema();
    t record;
    r record;
BEGIN
    -- read as each table's owner (awstore.run_as_owner)
    FOR t IN SELECT * FROM awstore.actor_tables() LOOP
        table_name := format('%I.%I', app, t.table_name)::regclass;
        FOR r IN SELECT * FROM awstore.run_as_owner(table_name, format(
                     'SELECT o.%2$I::pg_catalog.text, pg_catalog.count(*) FROM %1$I.%3$I o '
                     'WHERE NOT EXISTS (SELECT FROM %1$I.actors a WHERE a.id OPERATOR(pg_catalog.=) o.%2$I) '
                     'GROUP BY o.%2$I ORDER BY o.%2$I',
                     app, t.actor_column, t.table_name)) x LOOP
            actor_id := r.x[1];
            rows := r.x[2]::bigint;
            RETURN NEXT;
        END LOOP;
    END LOOP;
END
$$;
COMMENT ON FUNCTION awstore.orphan_rows() IS
    'rows of the awstore.orphans view';

CREATE VIEW awstore.orphans AS
    SELECT * FROM awstore.orphan_rows();
COMMENT ON VIEW awstore.orphans IS
    'per table and actor id, the rows whose actor has no row in actors';

CREATE FUNCTION awstore.purge_orphans(dry_run boolean DEFAULT true)
RETURNS TABLE (table_name regclass, actors bigint, rows bigint)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    app name := awstore.application_schema();
    t record;
    orphan_cond text;
BEGIN
    IF dry_run IS NULL THEN
        RAISE EXCEPTION 'dry_run must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    FOR t IN SELECT * FROM awstore.actor_tables() LOOP
        orphan_cond := format('NOT EXISTS (SELECT FROM %1$I.actors a WHERE a.id OPERATOR(pg_catalog.=) o.%2$I)',
                              app, t.actor_column);
        table_name := format('%I.%I', app, t.table_name)::regclass;
        -- counted and deleted as the table's owner (awstore.run_as_owner)
        SELECT x[1]::bigint, x[2]::bigint INTO actors, rows
          FROM awstore.run_as_owner(table_name, CASE WHEN dry_run THEN
                   format('SELECT pg_catalog.count(DISTINCT o.%1$I), pg_catalog.count(*) FROM %2$s o WHERE %3$s',
                          t.actor_column, table_name, orphan_cond)
               ELSE
                   format('WITH gone AS (DELETE FROM %2$s o WHERE %3$s RETURNING o.%1$I AS actor) '
                          'SELECT pg_catalog.count(DISTINCT actor), pg_catalog.count(*) FROM gone',
                          t.actor_column, table_name, orphan_cond)
               END) x;
        RETURN NEXT;
    END LOOP;
    IF dry_run THEN
        RAISE NOTICE 'dry run: nothing was deleted'
            USING HINT = 'Call awstore.purge_orphans(dry_run => false) to delete these rows.';
    END IF;
END
$$;
COMMENT ON FUNCTION awstore.purge_orphans(boolean) IS
    'count (dry run, the default) or delete the rows whose actor has no row in actors';

-- Privileges: deleting, and reading every actor table, are for superusers
-- and the roles they grant them to.
REVOKE ALL ON FUNCTION awstore.purge_orphans(boolean) FROM PUBLIC;
REVOKE ALL ON FUNCTION awstore.orphan_rows() FROM PUBLIC;
