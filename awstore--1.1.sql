/* awstore--1.1.sql */

-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "CREATE EXTENSION awstore" to load this file. \quit

/*
 * Everything below resolves names in pg_catalog only, whatever the schema
 * the extension is installed into holds: a function or operator planted
 * there must never be a better match than the built-in one.  Names of our
 * own objects are qualified with "awstore." and the application schema is
 * reached through format('%I', …).  CREATE EXTENSION restores search_path
 * when the script ends.
 */
SELECT pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);

/*
 * The extension's schema (the one given with CREATE EXTENSION … SCHEMA, or
 * the default creation schema) receives the ActingWeb tables and nothing
 * else.  awstore's own functions, views and bookkeeping live in the schema
 * "awstore", so the application schema holds only application tables.
 */
DO $check$
BEGIN
    IF (SELECT n.nspname
          FROM pg_catalog.pg_extension e
          JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) e.extnamespace
         WHERE e.extname OPERATOR(pg_catalog.=) 'awstore') OPERATOR(pg_catalog.=) 'awstore' THEN
        RAISE EXCEPTION 'cannot install the ActingWeb tables into schema "awstore"'
            USING ERRCODE = 'invalid_schema_name',
                  DETAIL = 'Schema "awstore" holds the extension''s own functions and views.',
                  HINT = 'Use CREATE EXTENSION awstore SCHEMA <application schema>, or omit SCHEMA to use the default schema.';
    END IF;
END
$check$;

CREATE SCHEMA awstore;
COMMENT ON SCHEMA awstore IS 'awstore: functions, views and bookkeeping of the awstore extension';

-- The schema holding the ActingWeb tables, whatever it is called.
CREATE FUNCTION awstore.application_schema()
RETURNS name
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT n.nspname
      FROM pg_catalog.pg_extension e
      JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) e.extnamespace
     WHERE e.extname OPERATOR(pg_catalog.=) 'awstore'
$$;
COMMENT ON FUNCTION awstore.application_schema() IS
    'schema holding the ActingWeb tables (the schema awstore was installed into)';

CREATE FUNCTION awstore.version()
RETURNS text
LANGUAGE C STRICT STABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'awstore_version';
COMMENT ON FUNCTION awstore.version() IS
    'awstore version with the libcurl, json-c and OpenSSL versions it runs with';

/*
 * ---------------------------------------------------------------------------
 * The ActingWeb schema, as ActingWeb's Alembic migrations leave it at their
 * head revision e5f6a7b8c9d0.
 *
 * The canonical tables are first created in schema "awstore".  When the
 * application schema has none of them, they are moved there.  When it has
 * all of them (made by ActingWeb's own migrations), the existing tables are
 * compared with the canonical ones and, if identical, adopted into the
 * extension with their rows; the canonical copies are then dropped.  This
 * definition is the single source of truth for both paths.
 * ---------------------------------------------------------------------------
 */
CREATE TABLE awstore.actors (
    id varchar(255) NOT NULL,
    creator varchar(255) NOT NULL,
    passphrase text NOT NULL,
    created_at timestamp without time zone,
    CONSTRAINT actors_pkey PRIMARY KEY (id)
);
CREATE INDEX ix_actors_creator ON awstore.actors (creator);

CREATE TABLE awstore.attributes (
    id varchar(255) NOT NULL,
    bucket_name varchar(255) NOT NULL,
    bucket varchar(255) NOT NULL,
    name varchar(255) NOT NULL,
    data jsonb,
    "timestamp" timestamp without time zone,
    ttl_timestamp bigint,
    CONSTRAINT attributes_pkey PRIMARY KEY (id, bucket_name)
);
CREATE INDEX idx_attributes_ttl ON awstore.attributes (ttl_timestamp)
    WHERE ttl_timestamp IS NOT NULL;
CREATE INDEX idx_attributes_chain_id ON awstore.attributes ((data OPERATOR(pg_catalog.->>) 'chain_id'))
    WHERE (data OPERATOR(pg_catalog.->>) 'chain_id') IS NOT NULL;

CREATE TABLE awstore.peertrustees (
    id varchar(255) NOT NULL,
    peerid varchar(255) NOT NULL,
    baseuri text NOT NULL,
    type varchar(255) NOT NULL,
    passphrase text NOT NULL,
    CONSTRAINT peertrustees_pkey PRIMARY KEY (id, peerid)
);

CREATE TABLE awstore.properties (
    id varchar(255) NOT NULL,
    name text NOT NULL,
    value text NOT NULL,
    CONSTRAINT properties_pkey PRIMARY KEY (id, name)
);

CREATE TABLE awstore.property_lookup (
    property_name varchar(255) NOT NULL,
    value text NOT NULL,
    actor_id varchar(255) NOT NULL,
    CONSTRAINT property_lookup_pkey PRIMARY KEY (property_name, value),
    CONSTRAINT fk_property_lookup_actor FOREIGN KEY (actor_id)
        REFERENCES awstore.actors (id) ON DELETE CASCADE
        DEFERRABLE INITIALLY DEFERRED
);
CREATE INDEX idx_property_lookup_actor_id ON awstore.property_lookup (actor_id);

CREATE TABLE awstore.subscription_diffs (
    id varchar(255) NOT NULL,
    subid_seqnr varchar(255) NOT NULL,
    subid varchar(255) NOT NULL,
    "timestamp" timestamp without time zone NOT NULL,
    diff text NOT NULL,
    seqnr integer NOT NULL,
    CONSTRAINT subscription_diffs_pkey PRIMARY KEY (id, subid_seqnr)
);

CREATE TABLE awstore.subscription_suspensions (
    id varchar(255) NOT NULL,
    target varchar(255) NOT NULL,
    subtarget varchar(255) NOT NULL DEFAULT '',
    suspended_at timestamp with time zone NOT NULL,
    CONSTRAINT subscription_suspensions_pkey PRIMARY KEY (id, target, subtarget)
);

CREATE TABLE awstore.subscriptions (
    id varchar(255) NOT NULL,
    peer_sub_id varchar(255) NOT NULL,
    peerid varchar(255) NOT NULL,
    subid varchar(255) NOT NULL,
    granularity varchar(255),
    target varchar(255),
    subtarget varchar(255),
    resource varchar(255),
    seqnr integer NOT NULL,
    callback boolean NOT NULL,
    CONSTRAINT subscriptions_pkey PRIMARY KEY (id, peer_sub_id)
);

CREATE TABLE awstore.trusts (
    id varchar(255) NOT NULL,
    peerid varchar(255) NOT NULL,
    baseuri text NOT NULL,
    type varchar(255) NOT NULL,
    relationship varchar(255) NOT NULL,
    secret varchar(255) NOT NULL,
    "desc" text,
    approved boolean NOT NULL,
    peer_approved boolean NOT NULL,
    verified boolean NOT NULL,
    verification_token varchar(255),
    peer_identifier varchar(255),
    established_via varchar(255),
    created_at timestamp without time zone,
    last_accessed timestamp without time zone,
    last_connected_via varchar(255),
    client_name varchar(255),
    client_version varchar(255),
    client_platform varchar(255),
    oauth_client_id varchar(255),
    aw_supported text,
    aw_version varchar(50),
    capabilities_fetched_at timestamp with time zone,
    CONSTRAINT trusts_pkey PRIMARY KEY (id, peerid)
);
CREATE INDEX idx_trusts_secret ON awstore.trusts (secret);

CREATE TABLE awstore.alembic_version (
    version_num varchar(32) NOT NULL,
    CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);

/*
 * Canonical description of a table: one line per column, constraint and
 * index, independent of the schema the table is in, so that two tables can
 * be compared line by line.  Column order is deliberately not part of it:
 * ActingWeb addresses columns by name, and pg_dump names them in COPY.
 */
CREATE FUNCTION awstore.table_shape(tbl regclass)
RETURNS SETOF text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT format('column %I %s%s%s', a.attname,
                  format_type(a.atttypid, a.atttypmod),
                  CASE WHEN a.attnotnull THEN ' not null' ELSE '' END,
                  coalesce(' default ' || pg_get_expr(d.adbin, d.adrelid), ''))
      FROM pg_attribute a
      LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
     WHERE a.attrelid = tbl AND a.attnum > 0 AND NOT a.attisdropped
    UNION ALL
    SELECT format('constraint %I %s', c.conname,
                  CASE WHEN c.contype = 'f' THEN
                      format('foreign key (%s) references %I (%s) on update %s on delete %s match %s%s%s',
                             (SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY k.ord)
                                FROM unnest(c.conkey) WITH ORDINALITY k(attnum, ord)
                                JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum),
                             (SELECT relname FROM pg_class WHERE oid = c.confrelid),
                             (SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY k.ord)
                                FROM unnest(c.confkey) WITH ORDINALITY k(attnum, ord)
                                JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.attnum),
                             c.confupdtype, c.confdeltype, c.confmatchtype,
                             CASE WHEN c.condeferrable THEN ' deferrable' ELSE '' END,
                             CASE WHEN c.condeferred THEN ' initially deferred' ELSE '' END)
                  ELSE pg_get_constraintdef(c.oid, true) END)
      FROM pg_constraint c
     WHERE c.conrelid = tbl
    UNION ALL
    SELECT format('index %I %s%s (%s)%s', ic.relname,
                  CASE WHEN i.indisunique THEN 'unique ' ELSE '' END,
                  am.amname,
                  (SELECT string_agg(pg_get_indexdef(i.indexrelid, k, true), ', ' ORDER BY k)
                     FROM generate_series(1, i.indnkeyatts) k),
                  coalesce(' where ' || pg_get_expr(i.indpred, i.indrelid, true), ''))
      FROM pg_index i
      JOIN pg_class ic ON ic.oid = i.indexrelid
      JOIN pg_am am ON am.oid = ic.relam
     WHERE i.indrelid = tbl
$$;
COMMENT ON FUNCTION awstore.table_shape(regclass) IS
    'columns, constraints and indexes of a table, one line each, independent of its schema';

/*
 * Put the ActingWeb tables in place: move the canonical tables into the
 * application schema, or adopt identical existing ones.  Then register them
 * with pg_extension_config_dump so that pg_dump keeps their rows.
 */
DO $install$
DECLARE
    app name := awstore.application_schema();
    tables name[] := ARRAY['actors', 'attributes', 'peertrustees', 'properties',
                           'property_lookup', 'subscription_diffs',
                           'subscription_suspensions', 'subscriptions', 'trusts'];
    present name[];
    absent name[];
    t name;
    missing text[];
    extra text[];
    version_rows text[];
BEGIN
    SELECT coalesce(pg_catalog.array_agg(x ORDER BY x) FILTER (WHERE c.oid IS NOT NULL), '{}'),
           coalesce(pg_catalog.array_agg(x ORDER BY x) FILTER (WHERE c.oid IS NULL), '{}')
      INTO present, absent
      FROM pg_catalog.unnest(tables) x
      LEFT JOIN pg_catalog.pg_class c
             ON c.relname OPERATOR(pg_catalog.=) x
            AND c.relnamespace OPERATOR(pg_catalog.=) app::regnamespace;

    IF pg_catalog.cardinality(present) OPERATOR(pg_catalog.=) 0 THEN
        FOREACH t IN ARRAY tables LOOP
            EXECUTE pg_catalog.format('ALTER TABLE awstore.%I SET SCHEMA %I', t, app);
        END LOOP;
    ELSIF pg_catalog.cardinality(absent) OPERATOR(pg_catalog.>) 0 THEN
        RAISE EXCEPTION 'schema "%" holds only part of the ActingWeb tables', app
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = pg_catalog.format('Present: %s. Missing: %s.',
                                             pg_catalog.array_to_string(present, ', '),
                                             pg_catalog.array_to_string(absent, ', ')),
                  HINT = 'Bring the schema to ActingWeb''s head revision e5f6a7b8c9d0 with "alembic upgrade head", or install awstore into an empty schema.';
    ELSE
        FOREACH t IN ARRAY tables LOOP
            IF (SELECT c.relkind FROM pg_catalog.pg_class c
                 WHERE c.relname OPERATOR(pg_catalog.=) t
                   AND c.relnamespace OPERATOR(pg_catalog.=) app::regnamespace) OPERATOR(pg_catalog.<>) 'r' THEN
                RAISE EXCEPTION '"%.%" is not a table', app, t
                    USING ERRCODE = 'wrong_object_type';
            END IF;
            SELECT pg_catalog.array_agg(s ORDER BY s) INTO missing
              FROM (SELECT awstore.table_shape(pg_catalog.format('awstore.%I', t)::regclass)
                    EXCEPT
                    SELECT awstore.table_shape(pg_catalog.format('%I.%I', app, t)::regclass)) m(s);
            SELECT pg_catalog.array_agg(s ORDER BY s) INTO extra
              FROM (SELECT awstore.table_shape(pg_catalog.format('%I.%I', app, t)::regclass)
                    EXCEPT
                    SELECT awstore.table_shape(pg_catalog.format('awstore.%I', t)::regclass)) m(s);
            IF missing IS NOT NULL
               OR EXISTS (SELECT FROM pg_catalog.unnest(extra) e WHERE e OPERATOR(pg_catalog.!~~) 'index %') THEN
                RAISE EXCEPTION 'existing table "%.%" differs from the ActingWeb schema at revision e5f6a7b8c9d0', app, t
                    USING ERRCODE = 'object_not_in_prerequisite_state',
                          DETAIL = pg_catalog.format('Expected but not found: %s. Found but not expected: %s.',
                                                     coalesce(pg_catalog.array_to_string(missing, '; '), 'nothing'),
                                                     coalesce(pg_catalog.array_to_string(extra, '; '), 'nothing')),
                          HINT = 'Bring the schema to ActingWeb''s head revision with "alembic upgrade head", then create the extension again.';
            END IF;
            IF extra IS NOT NULL THEN
                RAISE WARNING 'table "%.%" has indexes that are not part of the ActingWeb schema', app, t
                    USING DETAIL = pg_catalog.array_to_string(extra, '; ') || '.',
                          HINT = 'pg_dump does not dump indexes of extension tables; keep their definitions in a script of your own.';
            END IF;
        END LOOP;

        FOREACH t IN ARRAY tables LOOP
            EXECUTE pg_catalog.format('ALTER EXTENSION awstore ADD TABLE %I.%I', app, t);
        END LOOP;
        DROP TABLE awstore.property_lookup, awstore.actors, awstore.attributes,
                   awstore.peertrustees, awstore.properties, awstore.subscription_diffs,
                   awstore.subscription_suspensions, awstore.subscriptions, awstore.trusts;
        RAISE NOTICE 'adopted the existing ActingWeb tables in schema "%" with their rows', app;
    END IF;

    -- alembic_version: tells Alembic the schema is at its head revision.
    IF EXISTS (SELECT FROM pg_catalog.pg_class c
                WHERE c.relname OPERATOR(pg_catalog.=) 'alembic_version'
                  AND c.relnamespace OPERATOR(pg_catalog.=) app::regnamespace) THEN
        -- Read only a plain table of exactly the canonical shape: no cast,
        -- view, rule or index of its owner's then runs as the installing
        -- superuser (who also bypasses row security).
        SELECT pg_catalog.array_agg(s ORDER BY s) INTO missing
          FROM ((SELECT awstore.table_shape('awstore.alembic_version'::pg_catalog.regclass)
                 EXCEPT
                 SELECT awstore.table_shape(pg_catalog.format('%I.alembic_version', app)::pg_catalog.regclass))
                UNION ALL
                (SELECT awstore.table_shape(pg_catalog.format('%I.alembic_version', app)::pg_catalog.regclass)
                 EXCEPT
                 SELECT awstore.table_shape('awstore.alembic_version'::pg_catalog.regclass))) m(s);
        IF missing IS NOT NULL OR EXISTS (
               SELECT FROM pg_catalog.pg_class c
                WHERE c.relname OPERATOR(pg_catalog.=) 'alembic_version'
                  AND c.relnamespace OPERATOR(pg_catalog.=) app::regnamespace
                  AND c.relkind OPERATOR(pg_catalog.<>) 'r') THEN
            RAISE EXCEPTION 'existing table "%.alembic_version" is not Alembic''s version table', app
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      DETAIL = pg_catalog.format('It must be a plain table (version_num varchar(32) primary key) and nothing more. Differences: %s.',
                                                 coalesce(pg_catalog.array_to_string(missing, '; '), 'none')),
                      HINT = 'Let Alembic create it, or drop it and let CREATE EXTENSION create it.';
        END IF;
        EXECUTE pg_catalog.format('SELECT pg_catalog.array_agg(version_num::pg_catalog.text ORDER BY version_num) FROM %I.alembic_version', app)
            INTO version_rows;
        IF version_rows IS DISTINCT FROM ARRAY['e5f6a7b8c9d0']::pg_catalog.text[] THEN
            RAISE EXCEPTION 'table "%.alembic_version" does not record ActingWeb''s head revision e5f6a7b8c9d0', app
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      DETAIL = pg_catalog.format('It holds: %s.', coalesce(pg_catalog.array_to_string(version_rows, ', '), 'no rows')),
                      HINT = 'Run "alembic upgrade head" with ActingWeb first.';
        END IF;
        EXECUTE pg_catalog.format('ALTER EXTENSION awstore ADD TABLE %I.alembic_version', app);
        DROP TABLE awstore.alembic_version;
    ELSE
        EXECUTE pg_catalog.format('ALTER TABLE awstore.alembic_version SET SCHEMA %I', app);
        EXECUTE pg_catalog.format('INSERT INTO %I.alembic_version (version_num) VALUES (%L)', app, 'e5f6a7b8c9d0');
    END IF;

    -- alembic_version is not dumped: CREATE EXTENSION writes its one row,
    -- which follows from the extension's version.
    FOREACH t IN ARRAY tables LOOP
        PERFORM pg_catalog.pg_extension_config_dump(pg_catalog.format('%I.%I', app, t)::regclass, '');
    END LOOP;
END
$install$;

/*
 * ---------------------------------------------------------------------------
 * Data safety on DROP EXTENSION: the application tables are released from
 * the extension, with their rows, indexes and constraints, instead of being
 * dropped with it.  CREATE EXTENSION adopts them again later.
 * ---------------------------------------------------------------------------
 */
CREATE FUNCTION awstore.keep_data_on_drop()
RETURNS event_trigger
LANGUAGE C
AS 'MODULE_PATHNAME', 'awstore_keep_data_on_drop';
COMMENT ON FUNCTION awstore.keep_data_on_drop() IS
    'event trigger: DROP EXTENSION awstore keeps the ActingWeb tables and their rows';

CREATE EVENT TRIGGER awstore_keep_data_on_drop
    ON ddl_command_start
    WHEN TAG IN ('DROP EXTENSION', 'DROP OWNED')
    EXECUTE FUNCTION awstore.keep_data_on_drop();

/*
 * ---------------------------------------------------------------------------
 * Maintenance as the table's owner: the TTL purge, the orphan purge and the
 * TTL status view run their statements on application tables through this,
 * as VACUUM does (see src/as_owner.c).  It only ever lowers privileges: the
 * caller must have the privileges of the owner already, so it is safe for
 * every role to call.
 * ---------------------------------------------------------------------------
 */
CREATE FUNCTION awstore.run_as_owner(tbl regclass, statement text, args text[] DEFAULT NULL)
RETURNS SETOF text[]
LANGUAGE C
AS 'MODULE_PATHNAME', 'awstore_run_as_owner';
COMMENT ON FUNCTION awstore.run_as_owner(regclass, text, text[]) IS
    'run a statement with text parameters as the owner of a plain table, under SECURITY_RESTRICTED_OPERATION; its rows as text arrays';

/*
 * ---------------------------------------------------------------------------
 * TTL cleanup
 * ---------------------------------------------------------------------------
 */
CREATE TABLE awstore.ttl_tables (
    table_name regclass PRIMARY KEY,
    ttl_column name NOT NULL,
    builtin boolean NOT NULL DEFAULT false,
    registered_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
    last_purge_at timestamptz,
    last_purge_rows bigint,
    rows_deleted_total bigint NOT NULL DEFAULT 0,
    ttl_attnum int2,
    ttl_type regtype
);
COMMENT ON TABLE awstore.ttl_tables IS
    'tables whose expired rows awstore.purge_expired() deletes, with their TTL column and purge totals';
-- The row for attributes is made by CREATE EXTENSION itself, so a restore
-- must not load it a second time.
SELECT pg_catalog.pg_extension_config_dump('awstore.ttl_tables', 'WHERE NOT builtin');

CREATE TABLE awstore.ttl_history (
    started_at timestamptz NOT NULL,
    finished_at timestamptz NOT NULL,
    table_name text NOT NULL,
    rows_deleted bigint NOT NULL,
    batches integer NOT NULL,
    stop_reason text NOT NULL
        CHECK (stop_reason IN ('done', 'max_runtime', 'error')),
    mode text
        CHECK (mode IN ('index', 'sweep'))
);
CREATE INDEX ttl_history_started_at ON awstore.ttl_history (started_at);
COMMENT ON TABLE awstore.ttl_history IS
    'one row per table and run of awstore.purge_expired(), kept for awstore.ttl_history_retention';

INSERT INTO awstore.ttl_tables (table_name, ttl_column, builtin, ttl_attnum, ttl_type)
SELECT c.oid::pg_catalog.regclass, 'ttl_timestamp', true, a.attnum, a.atttypid::pg_catalog.regtype
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_attribute a
    ON a.attrelid OPERATOR(pg_catalog.=) c.oid
   AND a.attname OPERATOR(pg_catalog.=) 'ttl_timestamp'
 WHERE c.relname OPERATOR(pg_catalog.=) 'attributes'
   AND c.relnamespace OPERATOR(pg_catalog.=) awstore.application_schema()::pg_catalog.regnamespace;

/*
 * How expiry is tested for a registered table: "epoch" for an integer
 * column of Unix epoch seconds, "timestamptz" for a timestamptz column.
 * Raises an error when the column is missing or of another type.
 */
CREATE FUNCTION awstore.ttl_column_kind(tbl regclass, ttl_column name)
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    typ regtype;
BEGIN
    SELECT a.atttypid::regtype INTO typ
      FROM pg_attribute a
     WHERE a.attrelid = tbl AND a.attname = ttl_column
       AND a.attnum > 0 AND NOT a.attisdropped;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'column "%" of relation % does not exist', ttl_column, tbl
            USING ERRCODE = 'undefined_column';
    END IF;
    IF typ IN ('bigint'::regtype, 'integer'::regtype) THEN
        RETURN 'epoch';
    ELSIF typ = 'timestamp with time zone'::regtype THEN
        RETURN 'timestamptz';
    END IF;
    RAISE EXCEPTION 'column "%" of relation % has type %, which cannot hold an expiry time', ttl_column, tbl, typ
        USING ERRCODE = 'datatype_mismatch',
              HINT = 'A TTL column is a bigint or integer of Unix epoch seconds, or a timestamptz.';
END
$$;
COMMENT ON FUNCTION awstore.ttl_column_kind(regclass, name) IS
    'epoch or timestamptz: how the expiry of a TTL column is compared with the current time';

/*
 * The kind (see awstore.ttl_column_kind) of a registered TTL column,
 * checked against what was registered: the column is tracked by its
 * number, and its name and type must still be those registered.  A column
 * that was dropped, renamed, retyped, or replaced by another of the same
 * name raises an error: the purge and the status view skip the table with
 * a warning rather than delete by another column.
 */
CREATE FUNCTION awstore.ttl_registered_kind(tbl regclass, ttl_column name, ttl_attnum int2,
                                            ttl_type regtype)
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    col record;
BEGIN
    SELECT a.attname, a.atttypid::regtype AS typ, a.attisdropped INTO col
      FROM pg_attribute a
     WHERE a.attrelid = tbl AND a.attnum = ttl_attnum AND ttl_attnum > 0;
    IF ttl_attnum IS NULL OR ttl_type IS NULL OR NOT FOUND OR col.attisdropped
       OR col.attname <> ttl_column OR col.typ <> ttl_type THEN
        RAISE EXCEPTION 'TTL column "%" of table % changed since it was registered', ttl_column, tbl
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = CASE
                      WHEN ttl_attnum IS NULL OR ttl_type IS NULL
                          THEN 'The registration does not record the column''s number and type.'
                      WHEN NOT FOUND OR col.attisdropped
                          THEN 'The registered column was dropped.'
                      WHEN col.attname <> ttl_column
                          THEN format('Column number %s is now named "%s".', ttl_attnum, col.attname)
                      ELSE format('The column''s type changed from %s to %s.', ttl_type, col.typ) END,
                  HINT = format('Check the table, then register it again: SELECT awstore.ttl_register(%L, %L);',
                                tbl::text, ttl_column);
    END IF;
    RETURN awstore.ttl_column_kind(tbl, ttl_column);
END
$$;
COMMENT ON FUNCTION awstore.ttl_registered_kind(regclass, name, int2, regtype) IS
    'the kind of a registered TTL column, or an error when the column is no longer the one registered';

-- The current time in the form a TTL column of that kind holds.
CREATE FUNCTION awstore.ttl_cutoff(kind text)
RETURNS text
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT CASE kind
           WHEN 'epoch' THEN pg_catalog.floor(pg_catalog.date_part('epoch', pg_catalog.clock_timestamp()))::bigint::text
           ELSE pg_catalog.clock_timestamp()::text
           END
$$;
COMMENT ON FUNCTION awstore.ttl_cutoff(text) IS
    'the current time as a TTL column of kind epoch or timestamptz holds it, as text';

CREATE FUNCTION awstore.ttl_register(tbl regclass, ttl_column name)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    rel record;
    col_attnum int2;
    idx regclass;
BEGIN
    IF tbl IS NULL OR ttl_column IS NULL THEN
        RAISE EXCEPTION 'table and TTL column must not be null'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    SELECT c.relkind, c.relowner INTO rel FROM pg_class c WHERE c.oid = tbl;
    IF rel.relkind = 'p' THEN
        RAISE EXCEPTION 'cannot register partitioned table % for TTL cleanup', tbl
            USING ERRCODE = 'wrong_object_type',
                  HINT = 'Register each partition, or drop expired partitions instead.';
    ELSIF rel.relkind <> 'r' THEN
        RAISE EXCEPTION '% is not a table', tbl
            USING ERRCODE = 'wrong_object_type';
    END IF;
    IF NOT pg_has_role(rel.relowner, 'USAGE') THEN
        RAISE EXCEPTION 'must be owner of table % to register it for TTL cleanup', tbl
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    PERFORM awstore.ttl_column_kind(tbl, ttl_column);

    SELECT a.attnum INTO col_attnum FROM pg_attribute a
     WHERE a.attrelid = tbl AND a.attname = ttl_column;
    -- Any valid B-tree index leading with the column serves, whole or
    -- partial on "column IS NOT NULL" (implied by "column <= cutoff").
    SELECT i.indexrelid::regclass INTO idx
      FROM pg_index i
      JOIN pg_class ic ON ic.oid = i.indexrelid
      JOIN pg_am am ON am.oid = ic.relam
     WHERE i.indrelid = tbl AND i.indisvalid AND am.amname = 'btree'
       AND i.indkey[0] = col_attnum
       AND (i.indpred IS NULL
            OR pg_get_expr(i.indpred, i.indrelid) = format('(%I IS NOT NULL)', ttl_column))
     ORDER BY i.indpred IS NULL, ic.relname
     LIMIT 1;
    IF idx IS NULL THEN
        EXECUTE format('CREATE INDEX ON %s (%I) WHERE %I IS NOT NULL', tbl, ttl_column, ttl_column);
        SELECT i.indexrelid::regclass INTO idx
          FROM pg_index i
         WHERE i.indrelid = tbl AND i.indkey[0] = col_attnum AND i.indpred IS NOT NULL
         ORDER BY i.indexrelid DESC LIMIT 1;
        RAISE NOTICE 'created index % for TTL cleanup of %', idx, tbl;
    END IF;

    INSERT INTO awstore.ttl_tables AS t (table_name, ttl_column, ttl_attnum, ttl_type)
    SELECT tbl, ttl_column, a.attnum, a.atttypid::regtype
      FROM pg_attribute a
     WHERE a.attrelid = tbl AND a.attnum = col_attnum
    ON CONFLICT (table_name) DO UPDATE
       SET ttl_column = excluded.ttl_column, ttl_attnum = excluded.ttl_attnum,
           ttl_type = excluded.ttl_type;
END
$$;
COMMENT ON FUNCTION awstore.ttl_register(regclass, name) IS
    'delete rows of a table once their TTL column (epoch seconds or timestamptz) has passed';

CREATE FUNCTION awstore.ttl_unregister(tbl regclass)
RETURNS boolean
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    owner oid;
BEGIN
    SELECT c.relowner INTO owner FROM pg_class c WHERE c.oid = tbl;
    IF FOUND AND NOT pg_has_role(owner, 'USAGE') THEN
        RAISE EXCEPTION 'must be owner of table % to stop its TTL cleanup', tbl
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    DELETE FROM awstore.ttl_tables t WHERE t.table_name = tbl;
    IF NOT FOUND THEN
        RAISE NOTICE 'table % is not registered for TTL cleanup', tbl;
        RETURN false;
    END IF;
    RETURN true;
END
$$;
COMMENT ON FUNCTION awstore.ttl_unregister(regclass) IS
    'stop the TTL cleanup of a table (its index stays)';

/*
 * The statement deleting one batch of expired rows of a table: given $1
 * the cutoff (text), $2 the batch size and $3 the ctid the previous batch
 * ended at, it returns the rows deleted and the highest ctid deleted.
 *
 * Two ways, chosen from the planner's estimate of the expired rows:
 *	- "index": few rows expired (the usual minute-to-minute case): the TTL
 *	  index is walked in key order, so each batch reads only its own rows;
 *	- "sweep": a large share of the table expired (a backlog): the table is
 *	  read once in physical order, each batch resuming after the last row of
 *	  the previous one (a TID range scan, which purge_expired makes sure of),
 *	  so the run costs one pass over the table rather than one per batch.
 *	  Rows that expire behind the sweep are left for the next run.
 * Either way the rows are locked without waiting (SKIP LOCKED) and deleted
 * by ctid (a TID scan).
 */
CREATE FUNCTION awstore.ttl_purge_statement(tbl regclass, ttl_column name, kind text,
                                            batch_size integer, OUT mode text, OUT statement text)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    typ text := CASE kind WHEN 'epoch' THEN 'pg_catalog.int8' ELSE 'pg_catalog.timestamptz' END;
    plan json;
    expired float8;
    tuples float8;
BEGIN
    -- planning may run the owner's code (expressions, policies): as the owner
    SELECT r[1]::json INTO plan
      FROM awstore.run_as_owner(tbl,
               format('EXPLAIN (FORMAT JSON) SELECT FROM %s WHERE %I OPERATOR(pg_catalog.<=) $1::%s',
                      tbl, ttl_column, typ),
               ARRAY[awstore.ttl_cutoff(kind)]) r;
    expired := (plan -> 0 -> 'Plan' ->> 'Plan Rows')::float8;
    SELECT c.reltuples INTO tuples FROM pg_class c WHERE c.oid = tbl;
    IF expired > 0.05 * greatest(tuples, 1) AND expired > 2 * batch_size THEN
        mode := 'sweep';
        statement := format(
            'WITH gone AS (DELETE FROM %1$s WHERE ctid OPERATOR(pg_catalog.=) ANY (ARRAY('
            'SELECT ctid FROM %1$s WHERE ctid OPERATOR(pg_catalog.>) $3::pg_catalog.tid '
            'AND %2$I OPERATOR(pg_catalog.<=) $1::%3$s '
            'LIMIT $2::pg_catalog.int8 FOR UPDATE SKIP LOCKED)) RETURNING ctid) '
            'SELECT pg_catalog.count(*), pg_catalog.max(ctid) FROM gone',
            tbl, ttl_column, typ);
    ELSE
        mode := 'index';
        statement := format(
            'WITH gone AS (DELETE FROM %1$s WHERE ctid OPERATOR(pg_catalog.=) ANY (ARRAY('
            'SELECT ctid FROM %1$s WHERE %2$I OPERATOR(pg_catalog.<=) $1::%3$s '
            'AND $3::pg_catalog.tid OPERATOR(pg_catalog.>=) ''(0,0)''::pg_catalog.tid '
            'ORDER BY %2$I LIMIT $2::pg_catalog.int8 FOR UPDATE SKIP LOCKED)) RETURNING ctid) '
            'SELECT pg_catalog.count(*), pg_catalog.max(ctid) FROM gone',
            tbl, ttl_column, typ);
    END IF;
END
$$;
COMMENT ON FUNCTION awstore.ttl_purge_statement(regclass, name, text, integer) IS
    'how awstore.purge_expired() deletes a batch of a table: through the TTL index, or sweeping the table';

CREATE FUNCTION awstore.prevent_in_transaction_block(command text)
RETURNS void
LANGUAGE C STRICT
AS 'MODULE_PATHNAME', 'awstore_prevent_in_transaction_block';
COMMENT ON FUNCTION awstore.prevent_in_transaction_block(text) IS
    'fail when called inside a transaction block, for routines that commit as they go';

/*
 * Delete expired rows of every registered table, batch by batch, with a
 * COMMIT after each batch (see awstore.ttl_purge_statement for how a batch
 * finds its rows).  Tables take turns, one batch each, so that a large
 * backlog in one does not starve the others.  Rows locked by the
 * application are skipped and left for the next run.  No new batch starts
 * after max_runtime; lock waits are bounded by the time left.  A table
 * whose batch fails (dropped column, missing privilege) is reported with a
 * WARNING and skipped; the others go on.  So is a table whose TTL column
 * is no longer the one registered (awstore.ttl_registered_kind).
 *
 * Each batch runs as the table's owner under SECURITY_RESTRICTED_OPERATION
 * (awstore.run_as_owner), as VACUUM does: the owner's triggers and rules
 * never run with the privileges of whoever runs the purge.
 *
 * No SET clause and no SECURITY DEFINER: either would forbid the COMMITs.
 * Everything is schema-qualified instead.
 */
CREATE PROCEDURE awstore.purge_expired(batch_size integer DEFAULT 10000,
                                       max_runtime interval DEFAULT '50 seconds')
LANGUAGE plpgsql
AS $$
DECLARE
    run_start pg_catalog.timestamptz := pg_catalog.clock_timestamp();
    deadline pg_catalog.timestamptz;
    tbls pg_catalog.regclass[];
    cols pg_catalog.name[];
    qnames pg_catalog.text[];
    attnums pg_catalog.int2[];
    types pg_catalog.regtype[];
    kinds pg_catalog.text[];
    modes pg_catalog.text[];
    stmts pg_catalog.text[];
    lasts pg_catalog.tid[];
    last_tid pg_catalog.tid;
    one_mode pg_catalog.text;
    one_stmt pg_catalog.text;
    deleted bigint[];
    batches integer[];
    reasons pg_catalog.text[];
    started pg_catalog.timestamptz[];
    finished pg_catalog.timestamptz[];
    n integer;
    i integer;
    got bigint;
    pending integer;
    lock_ms bigint;
    retention interval;
    pause pg_catalog.float8;
BEGIN
    IF batch_size IS NULL OR batch_size OPERATOR(pg_catalog.<) 1 THEN
        RAISE EXCEPTION 'batch_size must be a positive integer'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF max_runtime IS NULL OR max_runtime OPERATOR(pg_catalog.<=) '0'::interval THEN
        RAISE EXCEPTION 'max_runtime must be a positive interval'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM awstore.prevent_in_transaction_block('awstore.purge_expired()');
    deadline := run_start OPERATOR(pg_catalog.+) max_runtime;
    pause := pg_catalog.date_part('epoch',
        coalesce(pg_catalog.current_setting('awstore.ttl_batch_delay', true), '0')::interval);

    SELECT pg_catalog.array_agg(t.table_name ORDER BY t.table_name::pg_catalog.oid),
           pg_catalog.array_agg(t.ttl_column ORDER BY t.table_name::pg_catalog.oid),
           pg_catalog.array_agg(t.ttl_attnum ORDER BY t.table_name::pg_catalog.oid),
           pg_catalog.array_agg(t.ttl_type ORDER BY t.table_name::pg_catalog.oid)
      INTO tbls, cols, attnums, types
      FROM awstore.ttl_tables t;
    n := coalesce(pg_catalog.cardinality(tbls), 0);
    IF n OPERATOR(pg_catalog.=) 0 THEN
        RAISE NOTICE 'no tables are registered for TTL cleanup';
        RETURN;
    END IF;
    kinds := pg_catalog.array_fill(NULL::pg_catalog.text, ARRAY[n]);
    qnames := pg_catalog.array_fill(NULL::pg_catalog.text, ARRAY[n]);
    modes := pg_catalog.array_fill(NULL::pg_catalog.text, ARRAY[n]);
    stmts := pg_catalog.array_fill(NULL::pg_catalog.text, ARRAY[n]);
    lasts := pg_catalog.array_fill('(0,0)'::pg_catalog.tid, ARRAY[n]);
    deleted := pg_catalog.array_fill(0::bigint, ARRAY[n]);
    batches := pg_catalog.array_fill(0, ARRAY[n]);
    reasons := pg_catalog.array_fill(NULL::pg_catalog.text, ARRAY[n]);
    started := pg_catalog.array_fill(NULL::pg_catalog.timestamptz, ARRAY[n]);
    finished := pg_catalog.array_fill(NULL::pg_catalog.timestamptz, ARRAY[n]);

    FOR i IN 1 .. n LOOP
        -- the name the statements use, checked before each batch
        qnames[i] := (SELECT pg_catalog.format('%I.%I', ns.nspname, c.relname)
                        FROM pg_catalog.pg_class c
                        JOIN pg_catalog.pg_namespace ns ON ns.oid OPERATOR(pg_catalog.=) c.relnamespace
                       WHERE c.oid OPERATOR(pg_catalog.=) tbls[i]::pg_catalog.oid);
        BEGIN
            kinds[i] := awstore.ttl_registered_kind(tbls[i], cols[i], attnums[i], types[i]);
            SELECT p.mode, p.statement INTO one_mode, one_stmt
              FROM awstore.ttl_purge_statement(tbls[i], cols[i], kinds[i], batch_size) p;
            modes[i] := one_mode;
            stmts[i] := one_stmt;
        EXCEPTION WHEN OTHERS THEN
            RAISE WARNING 'skipping TTL cleanup of %: %', tbls[i]::pg_catalog.text, SQLERRM;
            reasons[i] := 'error';
        END;
        started[i] := pg_catalog.clock_timestamp();
    END LOOP;

    LOOP
        pending := 0;
        FOR i IN 1 .. n LOOP
            CONTINUE WHEN reasons[i] IS NOT NULL;
            IF pg_catalog.clock_timestamp() OPERATOR(pg_catalog.>=) deadline THEN
                reasons[i] := 'max_runtime';
                CONTINUE;
            END IF;
            lock_ms := pg_catalog.ceil(pg_catalog.date_part('epoch', deadline OPERATOR(pg_catalog.-) pg_catalog.clock_timestamp()) OPERATOR(pg_catalog.*) 1000);
            PERFORM pg_catalog.set_config('lock_timeout', GREATEST(lock_ms, 1)::pg_catalog.text, true);
            -- Expired rows are gone for good either way: a batch lost in a
            -- crash is deleted again by the next run, so no batch waits for
            -- its WAL to reach disk.
            PERFORM pg_catalog.set_config('synchronous_commit', 'off', true);
            -- A batch is too small to repay compiling it, and the disabled
            -- scan types below would push its cost over jit_above_cost.
            PERFORM pg_catalog.set_config('jit', 'off', true);
            IF modes[i] OPERATOR(pg_catalog.=) 'sweep' THEN
                -- only a TID range scan reads in physical order from $3
                PERFORM pg_catalog.set_config('enable_seqscan', 'off', true);
                PERFORM pg_catalog.set_config('enable_indexscan', 'off', true);
                PERFORM pg_catalog.set_config('enable_bitmapscan', 'off', true);
            END IF;
            BEGIN
                IF pg_catalog.to_regclass(qnames[i])::pg_catalog.oid OPERATOR(pg_catalog.=) tbls[i]::pg_catalog.oid
                   IS NOT TRUE THEN
                    RAISE EXCEPTION 'table % was renamed or replaced during the purge', qnames[i]
                        USING ERRCODE = 'object_not_in_prerequisite_state';
                END IF;
                SELECT r[1]::pg_catalog.int8, r[2]::pg_catalog.tid INTO got, last_tid
                  FROM awstore.run_as_owner(tbls[i], stmts[i],
                           ARRAY[awstore.ttl_cutoff(kinds[i]), batch_size::pg_catalog.text,
                                 lasts[i]::pg_catalog.text]) r;
                IF last_tid IS NOT NULL THEN
                    lasts[i] := last_tid;
                END IF;
            EXCEPTION
                WHEN lock_not_available THEN
                    got := 0;
                    reasons[i] := 'max_runtime';
                    RAISE WARNING 'TTL cleanup of % stopped: lock not available within max_runtime', tbls[i]::pg_catalog.text;
                WHEN OTHERS THEN
                    got := 0;
                    reasons[i] := 'error';
                    RAISE WARNING 'TTL cleanup of % failed: %', tbls[i]::pg_catalog.text, SQLERRM;
            END;
            IF reasons[i] IS NULL THEN
                batches[i] := batches[i] OPERATOR(pg_catalog.+) 1;
                deleted[i] := deleted[i] OPERATOR(pg_catalog.+) got;
                UPDATE awstore.ttl_tables t
                   SET rows_deleted_total = t.rows_deleted_total OPERATOR(pg_catalog.+) got
                 WHERE t.table_name OPERATOR(pg_catalog.=) tbls[i];
                IF got OPERATOR(pg_catalog.<) batch_size THEN
                    reasons[i] := 'done';
                ELSE
                    pending := pending OPERATOR(pg_catalog.+) 1;
                END IF;
            END IF;
            finished[i] := pg_catalog.clock_timestamp();
            COMMIT;
            IF pause OPERATOR(pg_catalog.>) 0 AND reasons[i] IS NULL THEN
                -- leave the WAL and the disk to the application for a while
                PERFORM pg_catalog.pg_sleep(pause);
                COMMIT;
            END IF;
        END LOOP;
        EXIT WHEN pending OPERATOR(pg_catalog.=) 0;
    END LOOP;

    FOR i IN 1 .. n LOOP
        UPDATE awstore.ttl_tables t
           SET last_purge_at = coalesce(finished[i], started[i]),
               last_purge_rows = deleted[i]
         WHERE t.table_name OPERATOR(pg_catalog.=) tbls[i];
        INSERT INTO awstore.ttl_history (started_at, finished_at, table_name, rows_deleted, batches, stop_reason, mode)
        VALUES (started[i], coalesce(finished[i], started[i]), tbls[i]::pg_catalog.text, deleted[i], batches[i], reasons[i], modes[i]);
        RAISE NOTICE 'purged %: % expired rows deleted, % batches, stopped: %',
            tbls[i]::pg_catalog.text, deleted[i], batches[i], reasons[i];
    END LOOP;

    retention := coalesce(pg_catalog.current_setting('awstore.ttl_history_retention', true), '7d')::interval;
    DELETE FROM awstore.ttl_history h
     WHERE h.started_at OPERATOR(pg_catalog.<) (run_start OPERATOR(pg_catalog.-) retention);
END
$$;
COMMENT ON PROCEDURE awstore.purge_expired(integer, interval) IS
    'delete expired rows of the registered tables in batches, committing after each batch';

/*
 * Per registered table: rows with a TTL, expired rows still present, the
 * age of the oldest one, and the purge totals.  Counts use the TTL index.
 * SECURITY DEFINER, so that pg_monitor can read it without privileges on
 * the tables; the counts run as each table's owner (awstore.run_as_owner),
 * so nothing the owner attached to the table runs with the definer's
 * privileges.
 */
CREATE FUNCTION awstore.ttl_status_rows()
RETURNS TABLE (table_name regclass, ttl_column name, rows_with_ttl bigint,
               expired_rows bigint, oldest_expired_age interval,
               last_purge_at timestamptz, last_purge_rows bigint,
               rows_deleted_total bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    r record;
    kind text;
    cutoff text;
    oldest text;
BEGIN
    FOR r IN SELECT * FROM awstore.ttl_tables t ORDER BY t.table_name::text LOOP
        table_name := r.table_name;
        ttl_column := r.ttl_column;
        last_purge_at := r.last_purge_at;
        last_purge_rows := r.last_purge_rows;
        rows_deleted_total := r.rows_deleted_total;
        rows_with_ttl := NULL;
        expired_rows := NULL;
        oldest_expired_age := NULL;
        BEGIN
            kind := awstore.ttl_registered_kind(r.table_name, r.ttl_column, r.ttl_attnum, r.ttl_type);
            cutoff := awstore.ttl_cutoff(kind);
            SELECT x[1]::bigint, x[2]::bigint, x[3] INTO rows_with_ttl, expired_rows, oldest
              FROM awstore.run_as_owner(r.table_name,
                       format('SELECT pg_catalog.count(*), pg_catalog.count(*) FILTER (WHERE %1$I OPERATOR(pg_catalog.<=) $1::%3$s), '
                              'pg_catalog.min(%1$I)::pg_catalog.text FROM %2$s WHERE %1$I IS NOT NULL',
                              r.ttl_column, r.table_name,
                              CASE kind WHEN 'epoch' THEN 'pg_catalog.int8' ELSE 'pg_catalog.timestamptz' END),
                       ARRAY[cutoff]) x;
            IF expired_rows > 0 THEN
                oldest_expired_age := CASE kind
                    WHEN 'epoch' THEN clock_timestamp() - to_timestamp(oldest::bigint)
                    ELSE clock_timestamp() - oldest::timestamptz END;
            END IF;
        EXCEPTION WHEN OTHERS THEN
            RAISE WARNING 'cannot read TTL status of %: %', r.table_name::text, SQLERRM;
        END;
        RETURN NEXT;
    END LOOP;
END
$$;
COMMENT ON FUNCTION awstore.ttl_status_rows() IS
    'rows of the awstore.ttl_status view';

CREATE VIEW awstore.ttl_status AS
    SELECT * FROM awstore.ttl_status_rows();
COMMENT ON VIEW awstore.ttl_status IS
    'TTL cleanup per registered table: rows with a TTL, expired rows left, age of the oldest, purge totals';

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

/*
 * ---------------------------------------------------------------------------
 * Scheduling with pg_cron.  pg_cron runs jobs from one database
 * (cron.database_name).  When that is this one, the job is scheduled here;
 * otherwise the error's hint is the exact call to make there.
 * ---------------------------------------------------------------------------
 */
CREATE FUNCTION awstore.ttl_cleanup_job_name()
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$ SELECT 'awstore_ttl_cleanup'::text $$;
COMMENT ON FUNCTION awstore.ttl_cleanup_job_name() IS
    'name of the pg_cron job that runs the TTL cleanup';

-- Raises the error telling what to do when pg_cron cannot be used from
-- this database; returns when it can.  remedy is the call to run in
-- pg_cron's database when that is another one.
CREATE FUNCTION awstore.require_pg_cron(remedy text)
RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    cron_db text := current_setting('cron.database_name', true);
BEGIN
    IF cron_db IS NULL THEN
        RAISE EXCEPTION 'pg_cron is not loaded in this server'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = format('Add pg_cron to shared_preload_libraries, set cron.database_name = %L, restart the server, run CREATE EXTENSION pg_cron in database %I, then call awstore.schedule_ttl_cleanup() again.',
                                current_database(), current_database());
    ELSIF cron_db <> current_database() THEN
        RAISE EXCEPTION 'pg_cron runs its jobs from database "%", not from this one', cron_db
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = format('Connect to database %I and run: %s', cron_db, remedy);
    ELSIF NOT EXISTS (SELECT FROM pg_extension WHERE extname = 'pg_cron') THEN
        RAISE EXCEPTION 'extension "pg_cron" is not installed in this database'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Run CREATE EXTENSION pg_cron, then call awstore.schedule_ttl_cleanup() again.';
    END IF;
END
$$;
COMMENT ON FUNCTION awstore.require_pg_cron(text) IS
    'fail with the exact remedy when pg_cron cannot schedule jobs from this database';

CREATE FUNCTION awstore.schedule_ttl_cleanup(schedule text DEFAULT '* * * * *')
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    jobid bigint;
    remedy text;
BEGIN
    IF schedule IS NULL THEN
        RAISE EXCEPTION 'schedule must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    remedy := format('SELECT cron.schedule_in_database(%L, %L, %L, %L);',
                     awstore.ttl_cleanup_job_name() || ':' || current_database(),
                     schedule, 'CALL awstore.purge_expired()', current_database());
    PERFORM awstore.require_pg_cron(remedy);
    -- cron.schedule with a job name updates the caller's job of that name,
    -- so calling again changes the schedule and keeps the job id.
    EXECUTE 'SELECT cron.schedule($1, $2, $3)'
        INTO jobid
        USING awstore.ttl_cleanup_job_name(), schedule, 'CALL awstore.purge_expired()';
    RETURN jobid;
END
$$;
COMMENT ON FUNCTION awstore.schedule_ttl_cleanup(text) IS
    'schedule CALL awstore.purge_expired() with pg_cron (every minute by default); returns the job id';

CREATE FUNCTION awstore.unschedule_ttl_cleanup()
RETURNS boolean
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    jobid bigint;
    remedy text;
BEGIN
    remedy := format('SELECT cron.unschedule(%L);',
                     awstore.ttl_cleanup_job_name() || ':' || current_database());
    PERFORM awstore.require_pg_cron(remedy);
    EXECUTE 'SELECT j.jobid FROM cron.job j WHERE j.jobname = $1 AND j.username = current_user'
        INTO jobid
        USING awstore.ttl_cleanup_job_name();
    IF jobid IS NULL THEN
        RAISE NOTICE 'the TTL cleanup is not scheduled';
        RETURN false;
    END IF;
    EXECUTE 'SELECT cron.unschedule($1)' USING jobid;
    RETURN true;
END
$$;
COMMENT ON FUNCTION awstore.unschedule_ttl_cleanup() IS
    'remove the pg_cron job of the TTL cleanup; false when there was none';

/*
 * Forget TTL registrations of dropped tables.  SECURITY DEFINER: it runs
 * on every DROP in the database, by whoever drops.
 */
CREATE FUNCTION awstore.forget_dropped_tables()
RETURNS event_trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    DELETE FROM awstore.ttl_tables t
     USING pg_event_trigger_dropped_objects() d
     WHERE d.classid = 'pg_class'::regclass AND d.objsubid = 0
       AND d.objid = t.table_name::oid;
END
$$;
COMMENT ON FUNCTION awstore.forget_dropped_tables() IS
    'event trigger: a dropped table leaves TTL cleanup';

CREATE EVENT TRIGGER awstore_forget_dropped_tables
    ON sql_drop
    EXECUTE FUNCTION awstore.forget_dropped_tables();

/*
 * ---------------------------------------------------------------------------
 * The DynamoDB foreign data wrapper
 * ---------------------------------------------------------------------------
 */
CREATE FUNCTION awstore.dynamodb_fdw_handler()
RETURNS fdw_handler
LANGUAGE C STRICT
AS 'MODULE_PATHNAME', 'awstore_dynamodb_handler';
COMMENT ON FUNCTION awstore.dynamodb_fdw_handler() IS
    'handler of the awstore_dynamodb foreign data wrapper';

CREATE FUNCTION awstore.dynamodb_fdw_validator(text[], oid)
RETURNS void
LANGUAGE C STRICT
AS 'MODULE_PATHNAME', 'awstore_dynamodb_validator';
COMMENT ON FUNCTION awstore.dynamodb_fdw_validator(text[], oid) IS
    'validator of the awstore_dynamodb foreign data wrapper';

CREATE FOREIGN DATA WRAPPER awstore_dynamodb
    HANDLER awstore.dynamodb_fdw_handler
    VALIDATOR awstore.dynamodb_fdw_validator;
COMMENT ON FOREIGN DATA WRAPPER awstore_dynamodb IS
    'DynamoDB tables as foreign tables';

/*
 * DynamoDB table management: one function per action, with the calling
 * role's user mapping of the named server.  Superusers only, unless granted.
 */
CREATE FUNCTION awstore.dynamodb_list_tables(server name)
RETURNS SETOF text
LANGUAGE C STRICT
AS 'MODULE_PATHNAME', 'awstore_dynamodb_list_tables';
COMMENT ON FUNCTION awstore.dynamodb_list_tables(name) IS
    'the DynamoDB tables the server''s credentials can list (ListTables)';

CREATE FUNCTION awstore.dynamodb_describe_table(server name, table_name text)
RETURNS jsonb
LANGUAGE C STRICT
AS 'MODULE_PATHNAME', 'awstore_dynamodb_describe_table';
COMMENT ON FUNCTION awstore.dynamodb_describe_table(name, text) IS
    'DescribeTable''s Table object';

CREATE FUNCTION awstore.dynamodb_create_table(server name, table_name text, partition_key text,
                                              partition_key_type text DEFAULT 'S',
                                              sort_key text DEFAULT NULL,
                                              sort_key_type text DEFAULT 'S',
                                              global_indexes jsonb DEFAULT NULL,
                                              billing_mode text DEFAULT 'PAY_PER_REQUEST')
RETURNS jsonb
LANGUAGE C
AS 'MODULE_PATHNAME', 'awstore_dynamodb_create_table';
COMMENT ON FUNCTION awstore.dynamodb_create_table(name, text, text, text, text, text, jsonb, text) IS
    'CreateTable, waiting until the table and its indexes are ACTIVE; returns the table''s description';

CREATE FUNCTION awstore.dynamodb_delete_table(server name, table_name text)
RETURNS void
LANGUAGE C STRICT
AS 'MODULE_PATHNAME', 'awstore_dynamodb_delete_table';
COMMENT ON FUNCTION awstore.dynamodb_delete_table(name, text) IS
    'DeleteTable, waiting until the table is gone';

CREATE FUNCTION awstore.dynamodb_enable_ttl(server name, table_name text, attribute_name text)
RETURNS jsonb
LANGUAGE C STRICT
AS 'MODULE_PATHNAME', 'awstore_dynamodb_enable_ttl';
COMMENT ON FUNCTION awstore.dynamodb_enable_ttl(name, text, text) IS
    'UpdateTimeToLive: DynamoDB deletes items once attribute_name (epoch seconds) has passed';

/*
 * ---------------------------------------------------------------------------
 * ActingWeb migration between DynamoDB and PostgreSQL, both directions.
 *
 * ActingWeb stores the same nine tables in DynamoDB (through PynamoDB) as in
 * PostgreSQL.  awstore.actingweb_columns() is the map between the two; from
 * it, awstore.migration_statement() writes the plain INSERT … SELECT (or
 * the comparison) for one table, and the migrate and verify functions run
 * those statements through foreign tables made by
 * awstore.actingweb_foreign_tables().  Nothing is converted silently: an
 * item PostgreSQL cannot hold as it is stops the migration with its key, or
 * is listed in awstore.migration_rejects with on_error => 'skip'.
 * ---------------------------------------------------------------------------
 */

/*
 * How each ActingWeb table is stored in DynamoDB.  kind says how an
 * attribute maps to its column:
 *   S          string, as is
 *   S_empty    string; an absent attribute is the empty string
 *              (subscription_suspensions.subtarget)
 *   N          number, into an integer column
 *   BOOL       boolean
 *   datetime   PynamoDB's UTC date-time string, 2025-03-14T15:09:26.535897+0000
 *   json       JSON text (PynamoDB's JSONAttribute) into jsonb
 *   target_key derived key "target" or "target:subtarget", no column
 *   lookup_key derived key, SHA-256 hex of property_name NUL value, no column
 * key_role is hash or range for the DynamoDB key.
 */
CREATE FUNCTION awstore.actingweb_columns()
RETURNS TABLE (table_name name, dynamodb_suffix text, column_name name, attribute text,
               kind text, key_role text, ordinal integer)
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT m.table_name::name, m.dynamodb_suffix, m.column_name::name, m.attribute, m.kind,
           m.key_role, m.ordinal::integer
      FROM (VALUES
        ('actors', '_actors', 'id', 'id', 'S', 'hash', 1),
        ('actors', '_actors', 'creator', 'creator', 'S', NULL, 2),
        ('actors', '_actors', 'passphrase', 'passphrase', 'S', NULL, 3),
        ('properties', '_properties', 'id', 'id', 'S', 'hash', 1),
        ('properties', '_properties', 'name', 'name', 'S', 'range', 2),
        ('properties', '_properties', 'value', 'value', 'S', NULL, 3),
        ('property_lookup', '_property_lookup_v2', NULL, 'lookup_key', 'lookup_key', 'hash', 1),
        ('property_lookup', '_property_lookup_v2', 'property_name', 'property_name', 'S', NULL, 2),
        ('property_lookup', '_property_lookup_v2', 'actor_id', 'actor_id', 'S', NULL, 3),
        ('attributes', '_attributes', 'id', 'id', 'S', 'hash', 1),
        ('attributes', '_attributes', 'bucket_name', 'bucket_name', 'S', 'range', 2),
        ('attributes', '_attributes', 'bucket', 'bucket', 'S', NULL, 3),
        ('attributes', '_attributes', 'name', 'name', 'S', NULL, 4),
        ('attributes', '_attributes', 'data', 'data', 'json', NULL, 5),
        ('attributes', '_attributes', 'timestamp', 'timestamp', 'datetime', NULL, 6),
        ('attributes', '_attributes', 'ttl_timestamp', 'ttl_timestamp', 'N', NULL, 7),
        ('trusts', '_trusts', 'id', 'id', 'S', 'hash', 1),
        ('trusts', '_trusts', 'peerid', 'peerid', 'S', 'range', 2),
        ('trusts', '_trusts', 'baseuri', 'baseuri', 'S', NULL, 3),
        ('trusts', '_trusts', 'type', 'type', 'S', NULL, 4),
        ('trusts', '_trusts', 'relationship', 'relationship', 'S', NULL, 5),
        ('trusts', '_trusts', 'secret', 'secret', 'S', NULL, 6),
        ('trusts', '_trusts', 'desc', 'desc', 'S', NULL, 7),
        ('trusts', '_trusts', 'approved', 'approved', 'BOOL', NULL, 8),
        ('trusts', '_trusts', 'peer_approved', 'peer_approved', 'BOOL', NULL, 9),
        ('trusts', '_trusts', 'verified', 'verified', 'BOOL', NULL, 10),
        ('trusts', '_trusts', 'verification_token', 'verification_token', 'S', NULL, 11),
        ('trusts', '_trusts', 'peer_identifier', 'peer_identifier', 'S', NULL, 12),
        ('trusts', '_trusts', 'established_via', 'established_via', 'S', NULL, 13),
        ('trusts', '_trusts', 'created_at', 'created_at', 'datetime', NULL, 14),
        ('trusts', '_trusts', 'last_accessed', 'last_accessed', 'datetime', NULL, 15),
        ('trusts', '_trusts', 'last_connected_via', 'last_connected_via', 'S', NULL, 16),
        ('trusts', '_trusts', 'client_name', 'client_name', 'S', NULL, 17),
        ('trusts', '_trusts', 'client_version', 'client_version', 'S', NULL, 18),
        ('trusts', '_trusts', 'client_platform', 'client_platform', 'S', NULL, 19),
        ('trusts', '_trusts', 'oauth_client_id', 'oauth_client_id', 'S', NULL, 20),
        ('trusts', '_trusts', 'aw_supported', 'aw_supported', 'S', NULL, 21),
        ('trusts', '_trusts', 'aw_version', 'aw_version', 'S', NULL, 22),
        ('trusts', '_trusts', 'capabilities_fetched_at', 'capabilities_fetched_at', 'datetime', NULL, 23),
        ('peertrustees', '_peertrustees', 'id', 'id', 'S', 'hash', 1),
        ('peertrustees', '_peertrustees', 'peerid', 'peerid', 'S', 'range', 2),
        ('peertrustees', '_peertrustees', 'baseuri', 'baseuri', 'S', NULL, 3),
        ('peertrustees', '_peertrustees', 'type', 'type', 'S', NULL, 4),
        ('peertrustees', '_peertrustees', 'passphrase', 'passphrase', 'S', NULL, 5),
        ('subscriptions', '_subscriptions', 'id', 'id', 'S', 'hash', 1),
        ('subscriptions', '_subscriptions', 'peer_sub_id', 'peer_sub_id', 'S', 'range', 2),
        ('subscriptions', '_subscriptions', 'peerid', 'peerid', 'S', NULL, 3),
        ('subscriptions', '_subscriptions', 'subid', 'subid', 'S', NULL, 4),
        ('subscriptions', '_subscriptions', 'granularity', 'granularity', 'S', NULL, 5),
        ('subscriptions', '_subscriptions', 'target', 'target', 'S', NULL, 6),
        ('subscriptions', '_subscriptions', 'subtarget', 'subtarget', 'S', NULL, 7),
        ('subscriptions', '_subscriptions', 'resource', 'resource', 'S', NULL, 8),
        ('subscriptions', '_subscriptions', 'seqnr', 'seqnr', 'N', NULL, 9),
        ('subscriptions', '_subscriptions', 'callback', 'callback', 'BOOL', NULL, 10),
        ('subscription_diffs', '_subscriptiondiffs', 'id', 'id', 'S', 'hash', 1),
        ('subscription_diffs', '_subscriptiondiffs', 'subid_seqnr', 'subid_seqnr', 'S', 'range', 2),
        ('subscription_diffs', '_subscriptiondiffs', 'subid', 'subid', 'S', NULL, 3),
        ('subscription_diffs', '_subscriptiondiffs', 'timestamp', 'timestamp', 'datetime', NULL, 4),
        ('subscription_diffs', '_subscriptiondiffs', 'diff', 'diff', 'S', NULL, 5),
        ('subscription_diffs', '_subscriptiondiffs', 'seqnr', 'seqnr', 'N', NULL, 6),
        ('subscription_suspensions', '_subscription_suspensions', 'id', 'id', 'S', 'hash', 1),
        ('subscription_suspensions', '_subscription_suspensions', NULL, 'target_key', 'target_key', 'range', 2),
        ('subscription_suspensions', '_subscription_suspensions', 'target', 'target', 'S', NULL, 3),
        ('subscription_suspensions', '_subscription_suspensions', 'subtarget', 'subtarget', 'S_empty', NULL, 4),
        ('subscription_suspensions', '_subscription_suspensions', 'suspended_at', 'suspended_at', 'datetime', NULL, 5)
      ) AS m (table_name, dynamodb_suffix, column_name, attribute, kind, key_role, ordinal)
$$;
COMMENT ON FUNCTION awstore.actingweb_columns() IS
    'how ActingWeb stores each table in DynamoDB: attribute, kind and key role of every column';

-- The tables in the order a migration writes them: actors first, then
-- properties before property_lookup, which takes its values from them.
CREATE FUNCTION awstore.actingweb_tables()
RETURNS TABLE (table_name name, dynamodb_suffix text, ordinal integer)
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT t.table_name::name, t.dynamodb_suffix, t.ordinal::integer
      FROM (VALUES ('actors', '_actors', 1), ('properties', '_properties', 2),
                   ('property_lookup', '_property_lookup_v2', 3), ('attributes', '_attributes', 4),
                   ('trusts', '_trusts', 5), ('peertrustees', '_peertrustees', 6),
                   ('subscriptions', '_subscriptions', 7), ('subscription_diffs', '_subscriptiondiffs', 8),
                   ('subscription_suspensions', '_subscription_suspensions', 9))
           AS t (table_name, dynamodb_suffix, ordinal)
$$;
COMMENT ON FUNCTION awstore.actingweb_tables() IS
    'the nine ActingWeb tables, their DynamoDB table suffix, in the order a migration writes them';

/*
 * Items a migration could not take (on_error => 'skip'), one row per item.
 * run is the migrating transaction's start time.
 */
CREATE TABLE awstore.migration_rejects (
    run timestamptz NOT NULL,
    dynamodb_table text NOT NULL,
    table_name name NOT NULL,
    item_key text NOT NULL,
    problem text NOT NULL
);
COMMENT ON TABLE awstore.migration_rejects IS
    'items migrate_from_dynamodb(on_error => ''skip'') left out, with their key and why';
SELECT pg_catalog.pg_extension_config_dump('awstore.migration_rejects', '');

CREATE FUNCTION awstore.is_json(text)
RETURNS boolean
LANGUAGE C STRICT IMMUTABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'awstore_is_json';
COMMENT ON FUNCTION awstore.is_json(text) IS
    'whether jsonb would take this text';

CREATE FUNCTION awstore.is_pynamodb_datetime(text)
RETURNS boolean
LANGUAGE C STRICT IMMUTABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'awstore_is_pynamodb_datetime';
COMMENT ON FUNCTION awstore.is_pynamodb_datetime(text) IS
    'whether the text is a PynamoDB UTC date-time, YYYY-MM-DDTHH:MM:SS.ffffff+0000, of a real date and time';

CREATE FUNCTION awstore.migration_pass(boolean)
RETURNS boolean
LANGUAGE C VOLATILE PARALLEL UNSAFE
AS 'MODULE_PATHNAME', 'awstore_migration_pass';
COMMENT ON FUNCTION awstore.migration_pass(boolean) IS
    'its argument, counting it when true: the rows a migration statement reads';

CREATE FUNCTION awstore.migration_passed()
RETURNS bigint
LANGUAGE C VOLATILE PARALLEL UNSAFE
AS 'MODULE_PATHNAME', 'awstore_migration_passed';
COMMENT ON FUNCTION awstore.migration_passed() IS
    'how many rows migration_pass counted since the last call (0 after an error)';

CREATE FUNCTION awstore.pynamodb_json(jsonb)
RETURNS text
LANGUAGE C STRICT IMMUTABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'awstore_pynamodb_json';
COMMENT ON FUNCTION awstore.pynamodb_json(jsonb) IS
    'JSON text as Python''s json.dumps writes it by default (non-ASCII as \uXXXX)';

CREATE FUNCTION awstore.pynamodb_datetime(timestamp)
RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT pg_catalog.to_char($1, 'YYYY-MM-DD"T"HH24:MI:SS.US"+0000"') $$;
COMMENT ON FUNCTION awstore.pynamodb_datetime(timestamp) IS
    'a UTC timestamp as PynamoDB writes date-times';

CREATE FUNCTION awstore.property_lookup_key(property_name text, value text)
RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
    SELECT pg_catalog.encode(pg_catalog.sha256(
               pg_catalog.convert_to($1, 'UTF8') OPERATOR(pg_catalog.||) '\x00'::pg_catalog.bytea
               OPERATOR(pg_catalog.||) pg_catalog.convert_to($2, 'UTF8')), 'hex')
$$;
COMMENT ON FUNCTION awstore.property_lookup_key(text, text) IS
    'ActingWeb''s property_lookup_v2 key: SHA-256, in hex, of property_name, a NUL byte and value';

/*
 * Records an item a migration cannot take: with on_error 'stop' raises the
 * error naming it; with 'skip' lists it in awstore.migration_rejects and
 * returns false, so that the item is left out.
 */
CREATE FUNCTION awstore.migration_reject(on_error text, dynamodb_table text, table_name name,
                                         item_key text, problem text)
RETURNS boolean
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF on_error = 'skip' THEN
        INSERT INTO awstore.migration_rejects VALUES (now(), dynamodb_table, table_name, item_key, problem);
        RETURN false;
    END IF;
    RAISE EXCEPTION 'cannot migrate item % of DynamoDB table "%" into table "%"',
                    item_key, dynamodb_table, table_name
        USING ERRCODE = 'data_exception',
              DETAIL = problem || '.',
              HINT = 'Correct the item, or migrate with on_error => ''skip'' to list such items in awstore.migration_rejects.';
END
$$;
COMMENT ON FUNCTION awstore.migration_reject(text, text, name, text, text) IS
    'stop on an item a migration cannot take, or list it in awstore.migration_rejects';

/*
 * Foreign tables for the ActingWeb tables of one prefix, in into_schema,
 * named like the PostgreSQL tables.  Strings are text columns; numbers and
 * booleans are jsonb (any DynamoDB type), dates and JSON are text: the
 * migration checks them itself, so that a bad item can be named or
 * skipped.  The deprecated property_lookup table (values in plain text)
 * becomes property_lookup_v1 when it exists.
 */
CREATE FUNCTION awstore.actingweb_foreign_tables(server name, prefix text, into_schema name)
RETURNS SETOF regclass
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    t record;
    cols text;
    keys text;
    ft regclass;
    segments text := '';
BEGIN
    IF server IS NULL OR prefix IS NULL OR into_schema IS NULL THEN
        RAISE EXCEPTION 'server, prefix and into_schema must not be null'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    -- whole tables are read: in parallel segments, unless the server says
    IF NOT EXISTS (SELECT FROM pg_foreign_server fs, pg_options_to_table(fs.srvoptions) o
                    WHERE fs.srvname = server AND o.option_name = 'scan_segments') THEN
        segments := ', scan_segments ''4''';
    END IF;
    FOR t IN SELECT * FROM awstore.actingweb_tables() ORDER BY ordinal LOOP
        SELECT string_agg(format('%I %s', c.attribute,
                                 CASE WHEN c.kind IN ('N', 'BOOL') THEN 'jsonb' ELSE 'text' END),
                          ', ' ORDER BY c.ordinal),
               string_agg(format('%s_key %L', CASE c.key_role WHEN 'hash' THEN 'partition' ELSE 'sort' END,
                                 c.attribute), ', ' ORDER BY c.ordinal)
                   FILTER (WHERE c.key_role IS NOT NULL)
          INTO cols, keys
          FROM awstore.actingweb_columns() c
         WHERE c.table_name = t.table_name;
        EXECUTE format('CREATE FOREIGN TABLE %I.%I (%s) SERVER %I OPTIONS (table_name %L, %s%s)',
                       into_schema, t.table_name, cols, server, prefix || t.dynamodb_suffix, keys,
                       segments);
        ft := format('%I.%I', into_schema, t.table_name)::regclass;
        RETURN NEXT ft;
    END LOOP;
    IF EXISTS (SELECT FROM awstore.dynamodb_list_tables(server) l WHERE l = prefix || '_property_lookup') THEN
        EXECUTE format('CREATE FOREIGN TABLE %I.property_lookup_v1 (property_name text, value text, actor_id text) '
                       'SERVER %I OPTIONS (table_name %L, partition_key %L, sort_key %L%s)',
                       into_schema, server, prefix || '_property_lookup', 'property_name', 'value', segments);
        ft := format('%I.property_lookup_v1', into_schema)::regclass;
        RETURN NEXT ft;
    END IF;
END
$$;
COMMENT ON FUNCTION awstore.actingweb_foreign_tables(name, text, name) IS
    'foreign tables for the ActingWeb tables stored in DynamoDB under a prefix';


/*
 * One column's part of a migration statement.  v is the foreign table's
 * attribute (f.attr), l the local row.  conv: the attribute as the column's
 * value, safe once ok holds; ok: the item's attribute is one the column can
 * take; problem: NULL, or what is wrong with it; outgoing: the column as
 * PynamoDB writes the attribute.
 */
CREATE FUNCTION awstore.migration_column(kind text, attribute text, column_name name, typ text,
                                         required boolean, maxlen integer,
                                         OUT conv text, OUT ok text, OUT problem text,
                                         OUT outgoing text)
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v text := format('f.%I', attribute);
    missing text := CASE WHEN required THEN format('%L', format('attribute "%s" is missing', attribute))
                         ELSE 'NULL' END;
    lo text := CASE typ WHEN 'integer' THEN '-2147483648' ELSE '-9223372036854775808' END;
    hi text := CASE typ WHEN 'integer' THEN '2147483647' ELSE '9223372036854775807' END;
BEGIN
    IF kind IN ('S', 'S_empty') THEN
        conv := CASE kind WHEN 'S_empty' THEN format('coalesce(%s, '''')', v) ELSE v END;
        ok := format('CASE WHEN %s IS NULL THEN %L ELSE %s END', v, NOT (required AND kind = 'S'),
                     CASE WHEN maxlen IS NULL THEN 'true' ELSE format('length(%s) <= %s', v, maxlen) END);
        problem := format('CASE WHEN %s IS NULL THEN %s%s END', v,
                          CASE WHEN kind = 'S' THEN missing ELSE 'NULL' END,
                          CASE WHEN maxlen IS NULL THEN ''
                               ELSE format(' WHEN length(%s) > %s THEN format(%L, length(%s))', v, maxlen,
                                           format('attribute "%s" is %%s characters long, more than the %s of column "%s"',
                                                  attribute, maxlen, column_name), v) END);
        outgoing := CASE kind WHEN 'S_empty' THEN format('nullif(l.%I, '''')', column_name)
                              ELSE format('l.%I', column_name) END;
    ELSIF kind = 'N' THEN
        conv := format('(%s)::numeric::%s', v, typ);
        ok := format('CASE WHEN %1$s IS NULL THEN %2$L WHEN jsonb_typeof(%1$s) <> ''number'' THEN false'
                     ' ELSE (%1$s)::numeric = trunc((%1$s)::numeric) AND (%1$s)::numeric BETWEEN %3$s AND %4$s END',
                     v, NOT required, lo, hi);
        problem := format('CASE WHEN %1$s IS NULL THEN %2$s'
                          ' WHEN jsonb_typeof(%1$s) <> ''number'' THEN format(%3$L, left((%1$s)::text, 100))'
                          ' WHEN NOT ((%1$s)::numeric = trunc((%1$s)::numeric) AND (%1$s)::numeric BETWEEN %4$s AND %5$s)'
                          ' THEN format(%3$L, left((%1$s)::text, 100)) END',
                          v, missing,
                          format('attribute "%s" is %%s, not a number column "%s" (%s) can hold',
                                 attribute, column_name, typ), lo, hi);
        outgoing := format('to_jsonb(l.%I)', column_name);
    ELSIF kind = 'BOOL' THEN
        conv := format('(%s)::boolean', v);
        ok := format('CASE WHEN %1$s IS NULL THEN %2$L ELSE jsonb_typeof(%1$s) = ''boolean'' END', v, NOT required);
        problem := format('CASE WHEN %1$s IS NULL THEN %2$s WHEN jsonb_typeof(%1$s) <> ''boolean'''
                          ' THEN format(%3$L, left((%1$s)::text, 100)) END',
                          v, missing, format('attribute "%s" is %%s, not a boolean', attribute));
        outgoing := format('to_jsonb(l.%I)', column_name);
    ELSIF kind = 'datetime' THEN
        conv := format('(%s)::%s', v, typ);
        ok := format('CASE WHEN %1$s IS NULL THEN %2$L ELSE awstore.is_pynamodb_datetime(%1$s) END', v, NOT required);
        problem := format('CASE WHEN %1$s IS NULL THEN %2$s WHEN NOT awstore.is_pynamodb_datetime(%1$s)'
                          ' THEN format(%3$L, quote_literal(left(%1$s, 100))) END',
                          v, missing,
                          format('attribute "%s" is %%s, not a PynamoDB UTC date-time (YYYY-MM-DDTHH:MM:SS.ffffff+0000)',
                                 attribute));
        outgoing := CASE WHEN typ = 'timestamp with time zone'
                         THEN format('awstore.pynamodb_datetime(l.%I AT TIME ZONE ''UTC'')', column_name)
                         ELSE format('awstore.pynamodb_datetime(l.%I)', column_name) END;
    ELSIF kind = 'json' THEN
        conv := format('(%s)::jsonb', v);
        ok := format('CASE WHEN %1$s IS NULL THEN %2$L ELSE awstore.is_json(%1$s) END', v, NOT required);
        problem := format('CASE WHEN %1$s IS NULL THEN %2$s WHEN NOT awstore.is_json(%1$s)'
                          ' THEN format(%3$L, quote_literal(left(%1$s, 100))) END',
                          v, missing, format('attribute "%s" is %%s, not JSON text jsonb can hold', attribute));
        outgoing := format('awstore.pynamodb_json(l.%I)', column_name);
    ELSE
        RAISE EXCEPTION 'unknown attribute kind "%"', kind USING ERRCODE = 'invalid_parameter_value';
    END IF;
END
$$;
COMMENT ON FUNCTION awstore.migration_column(text, text, name, text, boolean, integer) IS
    'the expressions that convert, check and write back one column in a migration statement';

/*
 * The statement that moves or compares one table, as plain SQL, for the
 * foreign tables of actingweb_foreign_tables in foreign_schema and the
 * ActingWeb tables in local_schema:
 *   from_dynamodb   WITH source AS (SELECT … FROM foreign table WHERE the
 *                   item converts), INSERT … ON CONFLICT DO UPDATE of the
 *                   rows that differ (and with delete_missing, DELETE of
 *                   local rows whose item is gone); returns rows read,
 *                   rows written, rows deleted
 *   to_dynamodb     INSERT INTO foreign table SELECT … FROM local table
 *   to_dynamodb_delete  DELETE of the items whose row is gone
 *   verify          both sides by key and content; returns local rows,
 *                   items, missing locally, missing in DynamoDB, different
 */
CREATE FUNCTION awstore.migration_statement(table_name name, direction text,
                                            foreign_schema name, local_schema name,
                                            on_error text DEFAULT 'stop',
                                            skip_expired boolean DEFAULT false,
                                            delete_missing boolean DEFAULT false,
                                            has_v1 boolean DEFAULT false)
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    tbl name := migration_statement.table_name;
    lt text := format('%I.%I', local_schema, tbl);
    ft text := format('%I.%I', foreign_schema, tbl);
    dyn_table text;				-- the DynamoDB table, for messages
    c record;
    p record;
    cols name[] := '{}';		-- local columns fed from attributes
    convs text[] := '{}';
    oks text[] := '{}';
    problems text[] := '{}';
    attrs text[] := '{}';		-- attributes written to DynamoDB
    outs text[] := '{}';
    keymatch text[] := '{}';	-- DynamoDB key = local row's
    keynames text[] := '{}';
    keyvals text[] := '{}';
    pk name[];
    nonkey name[];
    keytext text;
    ok text;
    problem text;
    expired text := 'false';
    src text;
    sql text;
BEGIN
    IF direction IS NULL OR direction NOT IN ('from_dynamodb', 'to_dynamodb', 'to_dynamodb_delete', 'verify') THEN
        RAISE EXCEPTION 'invalid direction "%"', direction
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Give from_dynamodb, to_dynamodb, to_dynamodb_delete or verify.';
    END IF;
    IF on_error IS NULL OR on_error NOT IN ('stop', 'skip') THEN
        RAISE EXCEPTION 'invalid on_error "%"', on_error
            USING ERRCODE = 'invalid_parameter_value', HINT = 'Give stop or skip.';
    END IF;
    SELECT ftopt.option_value INTO dyn_table
      FROM pg_foreign_table f, pg_options_to_table(f.ftoptions) ftopt
     WHERE f.ftrelid = ft::regclass AND ftopt.option_name = 'table_name';
    SELECT array_agg(a.attname ORDER BY k.n) INTO pk
      FROM pg_constraint con
     CROSS JOIN LATERAL unnest(con.conkey) WITH ORDINALITY AS k (attnum, n)
      JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum
     WHERE con.conrelid = lt::regclass AND con.contype = 'p';

    FOR c IN SELECT m.*, format_type(a.atttypid, NULL) AS typ, a.attnotnull AS required,
                    CASE WHEN a.atttypid = 'varchar'::regtype AND a.atttypmod > 0
                         THEN a.atttypmod - 4 END AS maxlen
               FROM awstore.actingweb_columns() m
               LEFT JOIN pg_attribute a ON a.attrelid = lt::regclass AND a.attname = m.column_name
                    AND NOT a.attisdropped
              WHERE m.table_name = tbl ORDER BY m.ordinal LOOP
        IF c.key_role IS NOT NULL THEN
            keynames := keynames || c.attribute;
            keyvals := keyvals || format('f.%I', c.attribute);
        END IF;
        attrs := attrs || c.attribute;
        IF c.kind = 'target_key' THEN
            outs := outs || 'CASE WHEN l.subtarget <> '''' THEN l.target || '':'' || l.subtarget ELSE l.target END'::text;
            oks := oks || 'f.target_key IS NOT DISTINCT FROM (CASE WHEN coalesce(f.subtarget, '''') <> '''' THEN f.target || '':'' || f.subtarget ELSE f.target END)'::text;
            problems := problems || 'CASE WHEN f.target_key IS DISTINCT FROM (CASE WHEN coalesce(f.subtarget, '''') <> '''' THEN f.target || '':'' || f.subtarget ELSE f.target END) THEN format(''target_key %s is not target[:subtarget] of target %s and subtarget %s'', quote_nullable(f.target_key), quote_nullable(f.target), quote_nullable(f.subtarget)) END'::text;
        ELSIF c.kind = 'lookup_key' THEN
            outs := outs || 'awstore.property_lookup_key(l.property_name, l.value)'::text;
        ELSE
            IF c.typ IS NULL THEN
                RAISE EXCEPTION 'table % has no column "%"', lt, c.column_name
                    USING ERRCODE = 'undefined_column',
                          HINT = 'The ActingWeb tables must be as the awstore extension defines them.';
            END IF;
            SELECT * INTO p FROM awstore.migration_column(c.kind, c.attribute, c.column_name, c.typ,
                                                          c.required, c.maxlen);
            cols := cols || c.column_name;
            convs := convs || p.conv;
            oks := oks || p.ok;
            problems := problems || p.problem;
            outs := outs || p.outgoing;
            IF c.column_name = 'ttl_timestamp' AND skip_expired THEN
                expired := '(f.ttl_timestamp)::numeric < extract(epoch FROM now())';
            END IF;
        END IF;
        IF c.key_role IS NOT NULL THEN
            keymatch := keymatch || format('f.%I = %s', c.attribute, outs[cardinality(outs)]);
        END IF;
    END LOOP;
    IF cardinality(pk) IS NULL THEN
        RAISE EXCEPTION 'table % has no primary key', lt USING ERRCODE = 'invalid_table_definition';
    END IF;
    nonkey := ARRAY(SELECT x FROM unnest(cols) x WHERE NOT x = ANY (pk));
    keytext := format('format(%L, %s)',
                      '(' || array_to_string(keynames, ', ') || ')=(' ||
                      array_to_string(array_fill('%s'::text, ARRAY[cardinality(keynames)]), ', ') || ')',
                      array_to_string(keyvals, ', '));
    ok := '(' || array_to_string(oks, ') AND (') || ')';
    problem := format('concat_ws(''; '', %s)', array_to_string(problems, ', '));

    IF direction = 'to_dynamodb' THEN
        RETURN format('INSERT INTO %s (%s) SELECT %s FROM %s l%s', ft,
                      (SELECT string_agg(quote_ident(a), ', ') FROM unnest(attrs) a),
                      array_to_string(outs, ', '), lt,
                      CASE WHEN skip_expired AND tbl = 'attributes'
                           THEN ' WHERE l.ttl_timestamp IS NULL OR l.ttl_timestamp >= extract(epoch FROM now())'
                           ELSE '' END);
    ELSIF direction = 'to_dynamodb_delete' THEN
        RETURN format('DELETE FROM %s f WHERE NOT EXISTS (SELECT FROM %s l WHERE %s)',
                      ft, lt, array_to_string(keymatch, ' AND '));
    END IF;

    IF tbl = 'property_lookup' THEN
        IF direction = 'verify' THEN
            -- compared by the v2 key; v1 items count with their digest
            RETURN format(
                'WITH d AS (SELECT DISTINCT ON (lookup_key) lookup_key, actor_id, property_name FROM ('
                'SELECT f.lookup_key, f.actor_id, f.property_name, 1 AS preference FROM %1$s f%2$s) u'
                ' ORDER BY lookup_key, preference),'
                ' l AS (SELECT awstore.property_lookup_key(property_name, value) AS lookup_key,'
                ' actor_id::text AS actor_id, property_name::text AS property_name FROM %3$s)'
                ' SELECT (SELECT count(*) FROM l), (SELECT count(*) FROM d),'
                ' count(*) FILTER (WHERE l.lookup_key IS NULL), count(*) FILTER (WHERE d.lookup_key IS NULL),'
                ' count(*) FILTER (WHERE l.lookup_key IS NOT NULL AND d.lookup_key IS NOT NULL'
                ' AND (l.actor_id, l.property_name) IS DISTINCT FROM (d.actor_id, d.property_name))'
                ' FROM l FULL JOIN d ON l.lookup_key = d.lookup_key',
                ft,
                CASE WHEN has_v1 THEN format(' UNION ALL SELECT awstore.property_lookup_key(v.property_name, v.value),'
                                             ' v.actor_id, v.property_name, 2 FROM %I.property_lookup_v1 v',
                                             foreign_schema)
                     ELSE '' END,
                lt);
        END IF;
        -- a v2 item names actor and property; the value is that property's
        -- whose digest is the item's key
        src := format(
            'SELECT f.property_name, p.value, f.actor_id, 1 AS preference'
            ' FROM %1$s f LEFT JOIN %2$I.properties p ON p.id = f.actor_id AND p.name = f.property_name'
            ' AND awstore.property_lookup_key(p.name, p.value) = f.lookup_key'
            ' WHERE CASE WHEN %3$s AND p.id IS NOT NULL AND EXISTS (SELECT FROM %2$I.actors a WHERE a.id = f.actor_id)'
            ' THEN true ELSE awstore.migration_reject(%4$L, %5$L, %6$L, %7$s, concat_ws(''; '', %8$s,'
            ' CASE WHEN p.id IS NULL THEN format(''actor %%s has no property %%s whose value has the digest lookup_key'','
            ' quote_nullable(f.actor_id), quote_nullable(f.property_name)) END,'
            ' CASE WHEN NOT EXISTS (SELECT FROM %2$I.actors a WHERE a.id = f.actor_id)'
            ' THEN format(''actor %%s does not exist'', quote_nullable(f.actor_id)) END)) END',
            ft, local_schema, ok, on_error, dyn_table, tbl, keytext, array_to_string(problems, ', '));
        IF has_v1 THEN
            src := src || format(
                ' UNION ALL SELECT f.property_name, f.value, f.actor_id, 2'
                ' FROM %1$I.property_lookup_v1 f'
                ' WHERE CASE WHEN f.actor_id IS NOT NULL AND length(f.property_name) <= 255 AND length(f.actor_id) <= 255'
                ' AND EXISTS (SELECT FROM %2$I.actors a WHERE a.id = f.actor_id) THEN true'
                ' ELSE awstore.migration_reject(%3$L, %4$L, %5$L,'
                ' format(''(property_name, value)=(%%s, %%s)'', f.property_name, f.value),'
                ' ''actor_id is missing, longer than 255 characters, or names no actor'') END',
                foreign_schema, local_schema, on_error,
                left(dyn_table, length(dyn_table) - 3), tbl);
        END IF;
        src := format('SELECT DISTINCT ON (property_name, value) property_name, value, actor_id FROM (%s) u'
                      ' ORDER BY property_name, value, preference', src);
        IF NOT delete_missing THEN
            -- counted as they leave DISTINCT ON (see the ELSE branch below)
            src := format('SELECT property_name, value, actor_id FROM (%s) d WHERE awstore.migration_pass(true)', src);
        END IF;
        cols := ARRAY['property_name', 'value', 'actor_id']::name[];
        nonkey := ARRAY['actor_id']::name[];
    ELSIF direction = 'verify' THEN
        -- both sides in local terms; an item that does not convert differs
        RETURN format(
            'WITH d AS (SELECT %1$s, %2$s AS ok FROM %3$s f),'
            ' l AS (SELECT %4$s FROM %5$s)'
            ' SELECT (SELECT count(*) FROM l), (SELECT count(*) FROM d),'
            ' count(*) FILTER (WHERE l.%6$I IS NULL), count(*) FILTER (WHERE d.%6$I IS NULL),'
            ' count(*) FILTER (WHERE l.%6$I IS NOT NULL AND d.%6$I IS NOT NULL AND'
            ' (NOT d.ok OR (%7$s) IS DISTINCT FROM (%8$s)))'
            ' FROM l FULL JOIN d ON %9$s',
            (SELECT string_agg(CASE WHEN x.cn = ANY (pk) THEN format('%s AS %I', x.cv, x.cn)
                                    ELSE format('CASE WHEN %s THEN %s END AS %I', ok, x.cv, x.cn) END, ', ')
               FROM unnest(convs, cols) AS x (cv, cn)),
            ok, ft,
            (SELECT string_agg(quote_ident(x), ', ') FROM unnest(cols) x), lt, pk[1],
            (SELECT string_agg('l.' || quote_ident(x), ', ') FROM unnest(cols) x),
            (SELECT string_agg('d.' || quote_ident(x), ', ') FROM unnest(cols) x),
            (SELECT string_agg(format('l.%1$I = d.%1$I', k), ' AND ') FROM unnest(pk) k));
    ELSE
        -- rows read are counted as they pass (migration_pass), but with
        -- delete_missing, where the source is kept for the DELETE anyway
        src := format(CASE WHEN delete_missing
                           THEN 'SELECT %s FROM %s f WHERE CASE WHEN %s THEN NOT %s ELSE'
                           ELSE 'SELECT %s FROM %s f WHERE CASE WHEN %s THEN awstore.migration_pass(NOT %s) ELSE'
                      END || ' awstore.migration_reject(%L, %L, %L, %s, %s) END',
                      (SELECT string_agg(format('%s AS %I', x.cv, x.cn), ', ')
                         FROM unnest(convs, cols) AS x (cv, cn)),
                      CASE WHEN delete_missing THEN 'raw' ELSE ft END,
                      ok, expired, on_error, dyn_table, tbl, keytext, problem);
    END IF;

    sql := format('WITH %swritten AS (INSERT INTO %s AS t (%s) SELECT %s FROM %s'
                  ' ON CONFLICT (%s) DO UPDATE SET (%s) = ROW(%s)'
                  ' WHERE (%s) IS DISTINCT FROM (%s) RETURNING 1)',
                  CASE WHEN delete_missing AND tbl = 'property_lookup'
                       THEN format('source AS MATERIALIZED (%s), ', src)
                       WHEN delete_missing
                       THEN format('raw AS MATERIALIZED (SELECT * FROM %s), source AS MATERIALIZED (%s), ', ft, src)
                       ELSE '' END, lt,
                  (SELECT string_agg(quote_ident(x), ', ') FROM unnest(cols) x),
                  (SELECT string_agg(quote_ident(x), ', ') FROM unnest(cols) x),
                  CASE WHEN delete_missing THEN 'source' ELSE format('(%s) source', src) END,
                  (SELECT string_agg(quote_ident(k), ', ') FROM unnest(pk) k),
                  (SELECT string_agg(quote_ident(x), ', ') FROM unnest(nonkey) x),
                  (SELECT string_agg('EXCLUDED.' || quote_ident(x), ', ') FROM unnest(nonkey) x),
                  (SELECT string_agg('t.' || quote_ident(x), ', ') FROM unnest(nonkey) x),
                  (SELECT string_agg('EXCLUDED.' || quote_ident(x), ', ') FROM unnest(nonkey) x));
    IF delete_missing THEN
        -- Only rows whose item is gone: an item that is there but was
        -- rejected (on_error => 'skip') keeps its row.  An expired item
        -- left out by skip_expired counts as gone, as DynamoDB's TTL has
        -- it.  Items are matched by their DynamoDB key, made from the row.
        sql := sql || format(', removed AS (DELETE FROM %s l WHERE NOT EXISTS (SELECT FROM %s f WHERE %s AND NOT (CASE WHEN %s THEN %s ELSE false END))%s RETURNING 1)'
                             ' SELECT (SELECT count(*) FROM source), (SELECT count(*) FROM written), (SELECT count(*) FROM removed)',
                             lt, CASE WHEN tbl = 'property_lookup' THEN ft ELSE 'raw' END,
                             array_to_string(keymatch, ' AND '), ok, expired,
                             CASE WHEN tbl = 'property_lookup' AND has_v1
                                  THEN format(' AND NOT EXISTS (SELECT FROM %I.property_lookup_v1 v'
                                              ' WHERE v.property_name = l.property_name AND v.value = l.value)',
                                              foreign_schema)
                                  ELSE '' END);
    ELSE
        -- the count is taken once written has read the whole source
        sql := sql || ' SELECT awstore.migration_passed(), w.n, 0::bigint FROM (SELECT count(*) AS n FROM written) w';
    END IF;
    RETURN sql;
END
$$;
COMMENT ON FUNCTION awstore.migration_statement(name, text, name, name, text, boolean, boolean, boolean) IS
    'the SQL statement that migrates or verifies one ActingWeb table, to read or to run by hand';

/*
 * A private schema of foreign tables for one migration, dropped with the
 * transaction's other work at the end (or rolled back with it).
 */
-- Raises an error unless schema_name holds the nine ActingWeb tables, each
-- owned by a role that has the privileges of the calling role.
CREATE FUNCTION awstore.actingweb_check_schema(schema_name name)
RETURNS name
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    missing text;
    untrusted record;
BEGIN
    SELECT string_agg(t.table_name, ', ' ORDER BY t.ordinal) INTO missing
      FROM awstore.actingweb_tables() t
     WHERE NOT EXISTS (SELECT FROM pg_class c
                        WHERE c.oid = to_regclass(format('%I.%I', schema_name, t.table_name))
                          AND c.relkind IN ('r', 'p'));
    IF schema_name IS NULL OR missing IS NOT NULL THEN
        RAISE EXCEPTION 'schema "%" does not hold the ActingWeb tables', schema_name
            USING ERRCODE = 'undefined_table',
                  DETAIL = format('Missing: %s.', coalesce(missing, 'all')),
                  HINT = 'Give the schema awstore was installed into, or one holding the ActingWeb tables.';
    END IF;
    -- A migration reads and writes these tables as the calling role: what
    -- their owner attached to them (triggers, rules, defaults, index
    -- expressions, policies) runs with the caller's privileges.  That is
    -- safe only when the owner has those privileges already.
    SELECT c.oid::regclass AS tbl, c.relowner::regrole AS owner INTO untrusted
      FROM awstore.actingweb_tables() t
      JOIN pg_class c ON c.oid = to_regclass(format('%I.%I', schema_name, t.table_name))
     WHERE NOT pg_has_role(c.relowner, current_user, 'USAGE')
     ORDER BY t.ordinal
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'table % is owned by role %, which does not have the privileges of role %',
                        untrusted.tbl, untrusted.owner, current_user
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = 'A migration runs as the calling role; code the table''s owner attached to the table would run with the caller''s privileges.',
                  HINT = format('Run the migration as the owner (SET ROLE %s), with a user mapping of its own for the server.',
                                untrusted.owner);
    END IF;
    RETURN schema_name;
END
$$;
COMMENT ON FUNCTION awstore.actingweb_check_schema(name) IS
    'the schema, when it holds the nine ActingWeb tables; an error otherwise';

/*
 * Runs one statement of a migration.  Its errors keep their SQLSTATE,
 * message, detail and hint, and say which table was being migrated,
 * instead of quoting the whole generated statement.
 */
CREATE FUNCTION awstore.migration_run(statement text, table_name name, OUT n1 bigint,
                                      OUT n2 bigint, OUT n3 bigint)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    state text;
    msg text;
    detail text;
    hint text;
    ctx text;
BEGIN
    IF statement ~* '^\s*(WITH|SELECT)' THEN
        EXECUTE statement INTO n1, n2, n3;
    ELSE
        EXECUTE statement;
        GET DIAGNOSTICS n1 = ROW_COUNT;
    END IF;
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, msg = MESSAGE_TEXT,
                            detail = PG_EXCEPTION_DETAIL, hint = PG_EXCEPTION_HINT,
                            ctx = PG_EXCEPTION_CONTEXT;
    -- keep what awstore's wrapper said (which item, which DynamoDB request)
    ctx := (SELECT string_agg(l, E'\n') FROM regexp_split_to_table(ctx, E'\n') l
             WHERE l ~ '^(DynamoDB |column "|[0-9]+ items of this statement)');
    detail := concat_ws(E'\n', nullif(detail, ''),
                        'While migrating table "' || table_name || '"' ||
                        coalesce(': ' || nullif(ctx, ''), '') || '.');
    IF nullif(hint, '') IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = state, MESSAGE = msg, DETAIL = detail;
    END IF;
    RAISE EXCEPTION USING ERRCODE = state, MESSAGE = msg, DETAIL = detail, HINT = hint;
END
$$;
COMMENT ON FUNCTION awstore.migration_run(text, name) IS
    'run one migration statement, reporting its errors with the table instead of the statement';

-- Drops a migration's private schema, if there, without a word.
CREATE FUNCTION awstore.migration_drop_schema(schema_name name)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
SET client_min_messages = warning
AS $$
BEGIN
    IF EXISTS (SELECT FROM pg_namespace WHERE nspname = schema_name) THEN
        EXECUTE format('DROP SCHEMA %I CASCADE', schema_name);
    END IF;
END
$$;
COMMENT ON FUNCTION awstore.migration_drop_schema(name) IS
    'drop a migration''s private schema of foreign tables';

CREATE FUNCTION awstore.migration_foreign_schema(server name, prefix text, OUT schema_name name,
                                                 OUT has_v1 boolean, OUT tables text[])
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF server IS NULL OR prefix IS NULL OR prefix = '' THEN
        RAISE EXCEPTION 'server and prefix must be given' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    schema_name := 'awstore_migration_' || pg_backend_pid();
    PERFORM awstore.migration_drop_schema(schema_name);
    EXECUTE format('CREATE SCHEMA %I', schema_name);
    PERFORM awstore.actingweb_foreign_tables(server, prefix, schema_name);
    has_v1 := to_regclass(format('%I.property_lookup_v1', schema_name)) IS NOT NULL;
    tables := ARRAY(SELECT l FROM awstore.dynamodb_list_tables(server) l);
END
$$;
COMMENT ON FUNCTION awstore.migration_foreign_schema(name, text) IS
    'a private schema of foreign tables for one migration, and the DynamoDB tables that exist';

/*
 * DynamoDB → PostgreSQL, every ActingWeb table of prefix, in one
 * transaction: either all of it is there at the end, or none (run again).
 * A second run catches up: it writes only rows that changed, and with
 * delete_missing removes rows whose item is gone.
 */
CREATE FUNCTION awstore.migrate_from_dynamodb(server name, prefix text,
                                              target_schema name DEFAULT NULL,
                                              skip_expired boolean DEFAULT false,
                                              on_error text DEFAULT 'stop',
                                              delete_missing boolean DEFAULT false)
RETURNS TABLE (table_name text, rows bigint, seconds numeric)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    fs record;
    t record;
    target name := coalesce(target_schema, awstore.application_schema());
    n_written bigint;
    n_deleted bigint;
    stmt text;
    items jsonb := '{}';
    started timestamptz;
    all_started timestamptz := clock_timestamp();
    done_rows bigint := 0;
    left_items bigint;
    rate numeric;
    rejected bigint;
BEGIN
    IF on_error IS NULL OR on_error NOT IN ('stop', 'skip') THEN
        RAISE EXCEPTION 'invalid on_error "%"', on_error
            USING ERRCODE = 'invalid_parameter_value', HINT = 'Give stop or skip.';
    END IF;
    PERFORM awstore.actingweb_check_schema(target);
    SELECT * INTO fs FROM awstore.migration_foreign_schema(server, prefix);
    FOR t IN SELECT * FROM awstore.actingweb_tables() ORDER BY ordinal LOOP
        IF prefix || t.dynamodb_suffix = ANY (fs.tables) THEN
            items := items || jsonb_build_object(t.table_name, coalesce(
                (awstore.dynamodb_describe_table(server, prefix || t.dynamodb_suffix) ->> 'ItemCount')::bigint, 0));
        END IF;
    END LOOP;
    FOR t IN SELECT * FROM awstore.actingweb_tables() ORDER BY ordinal LOOP
        table_name := t.table_name;
        IF NOT items ? t.table_name THEN
            RAISE NOTICE 'DynamoDB table "%" does not exist: % skipped', prefix || t.dynamodb_suffix, t.table_name;
            CONTINUE;
        END IF;
        started := clock_timestamp();
        stmt := awstore.migration_statement(t.table_name, 'from_dynamodb', fs.schema_name, target,
                                            on_error, skip_expired, delete_missing, fs.has_v1);
        SELECT r.n1, r.n2, r.n3 INTO rows, n_written, n_deleted FROM awstore.migration_run(stmt, t.table_name) r;
        seconds := round(extract(epoch FROM clock_timestamp() - started)::numeric, 3);
        done_rows := done_rows + rows;
        SELECT count(*) INTO rejected FROM awstore.migration_rejects r
         WHERE r.run = now() AND r.table_name = t.table_name;
        rate := done_rows / greatest(extract(epoch FROM clock_timestamp() - all_started)::numeric, 0.001);
        SELECT sum(value::bigint) INTO left_items
          FROM jsonb_each_text(items) e
          JOIN awstore.actingweb_tables() a ON a.table_name = e.key
         WHERE a.ordinal > t.ordinal;
        RAISE NOTICE '%: % rows (% written, % rejected, % deleted) in % s, % rows/s%',
            t.table_name, rows, n_written, rejected, n_deleted, seconds,
            round(rows / greatest(seconds, 0.001)),
            CASE WHEN coalesce(left_items, 0) > 0 AND rate > 0
                 THEN format('; about %s s left for %s items (DynamoDB''s ItemCount)',
                             round(left_items / rate), left_items)
                 ELSE '' END;
        RETURN NEXT;
    END LOOP;
    PERFORM awstore.migration_drop_schema(fs.schema_name);
END
$$;
COMMENT ON FUNCTION awstore.migrate_from_dynamodb(name, text, name, boolean, text, boolean) IS
    'copy every ActingWeb table of a DynamoDB prefix into PostgreSQL; run again to catch up';

/*
 * PostgreSQL → DynamoDB: creates the missing tables (keys, indexes, TTL
 * where the endpoint has it), then writes every row as PynamoDB would
 * have.  Writes cannot be rolled back: an interrupted run leaves part of
 * the items written, and running again completes it.
 */
CREATE FUNCTION awstore.migrate_to_dynamodb(server name, prefix text,
                                            source_schema name DEFAULT NULL,
                                            create_tables boolean DEFAULT true,
                                            skip_expired boolean DEFAULT false,
                                            delete_missing boolean DEFAULT false)
RETURNS TABLE (table_name text, rows bigint, seconds numeric)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    fs record;
    t record;
    source name := coalesce(source_schema, awstore.application_schema());
    started timestamptz;
    deleted bigint := 0;
    dyn text;
    stmt text;
BEGIN
    PERFORM awstore.actingweb_check_schema(source);
    SELECT * INTO fs FROM awstore.migration_foreign_schema(server, prefix);
    FOR t IN SELECT * FROM awstore.actingweb_tables() ORDER BY ordinal LOOP
        dyn := prefix || t.dynamodb_suffix;
        IF NOT dyn = ANY (fs.tables) THEN
            IF NOT create_tables THEN
                RAISE EXCEPTION 'DynamoDB table "%" does not exist', dyn
                    USING ERRCODE = 'undefined_table',
                          HINT = 'Create it, or call with create_tables => true.';
            END IF;
            PERFORM awstore.actingweb_create_dynamodb_table(server, prefix, t.table_name);
            RAISE NOTICE 'created DynamoDB table "%"', dyn;
        END IF;
    END LOOP;
    FOR t IN SELECT * FROM awstore.actingweb_tables() ORDER BY ordinal LOOP
        table_name := t.table_name;
        started := clock_timestamp();
        stmt := awstore.migration_statement(t.table_name, 'to_dynamodb', fs.schema_name, source,
                                            skip_expired => skip_expired);
        SELECT r.n1 INTO rows FROM awstore.migration_run(stmt, t.table_name) r;
        IF delete_missing THEN
            stmt := awstore.migration_statement(t.table_name, 'to_dynamodb_delete', fs.schema_name, source);
            SELECT r.n1 INTO deleted FROM awstore.migration_run(stmt, t.table_name) r;
        END IF;
        seconds := round(extract(epoch FROM clock_timestamp() - started)::numeric, 3);
        RAISE NOTICE '%: % rows written to DynamoDB table "%"% in % s, % rows/s',
            t.table_name, rows, prefix || t.dynamodb_suffix,
            CASE WHEN delete_missing THEN format(', %s items deleted', deleted) ELSE '' END,
            seconds, round(rows / greatest(seconds, 0.001));
        RETURN NEXT;
    END LOOP;
    PERFORM awstore.migration_drop_schema(fs.schema_name);
END
$$;
COMMENT ON FUNCTION awstore.migrate_to_dynamodb(name, text, name, boolean, boolean, boolean) IS
    'write every ActingWeb table into DynamoDB tables under a prefix, creating them when missing';

/*
 * Creates the DynamoDB table of one ActingWeb table as ActingWeb does:
 * string keys, its global secondary index, PAY_PER_REQUEST; TTL on
 * attributes.ttl_timestamp where the endpoint implements it.
 */
CREATE FUNCTION awstore.actingweb_create_dynamodb_table(server name, prefix text, table_name name)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    tbl name := actingweb_create_dynamodb_table.table_name;
    dyn text := prefix || (SELECT t.dynamodb_suffix FROM awstore.actingweb_tables() t WHERE t.table_name = tbl);
    hash_key text;
    range_key text;
    gsi jsonb;
BEGIN
    SELECT max(c.attribute) FILTER (WHERE c.key_role = 'hash'), max(c.attribute) FILTER (WHERE c.key_role = 'range')
      INTO hash_key, range_key
      FROM awstore.actingweb_columns() c WHERE c.table_name = tbl;
    gsi := CASE tbl
        WHEN 'actors' THEN '[{"IndexName": "creator-index", "KeySchema": [{"AttributeName": "creator", "KeyType": "HASH"}], "Projection": {"ProjectionType": "ALL"}}]'
        WHEN 'trusts' THEN '[{"IndexName": "secret-index", "KeySchema": [{"AttributeName": "secret", "KeyType": "HASH"}], "Projection": {"ProjectionType": "ALL"}}]'
        END;
    PERFORM awstore.dynamodb_create_table(server, dyn, hash_key, 'S', range_key, 'S', gsi);
    IF tbl = 'attributes' THEN
        BEGIN
            PERFORM awstore.dynamodb_enable_ttl(server, dyn, 'ttl_timestamp');
        EXCEPTION WHEN feature_not_supported THEN
            RAISE NOTICE 'the DynamoDB endpoint does not implement TTL: "%" has none', dyn;
        END;
    END IF;
END
$$;
COMMENT ON FUNCTION awstore.actingweb_create_dynamodb_table(name, text, name) IS
    'create the DynamoDB table of one ActingWeb table as ActingWeb does';

/*
 * Compares every ActingWeb table with its DynamoDB table, row by row: by
 * key, then every column.  All zeros but the counts after a migration.
 */
CREATE FUNCTION awstore.verify_migration(server name, prefix text, schema name DEFAULT NULL)
RETURNS TABLE (table_name text, postgres_rows bigint, dynamodb_rows bigint,
               missing_in_postgres bigint, missing_in_dynamodb bigint, different bigint)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    fs record;
    t record;
    local name := coalesce(verify_migration.schema, awstore.application_schema());
BEGIN
    PERFORM awstore.actingweb_check_schema(local);
    SELECT * INTO fs FROM awstore.migration_foreign_schema(server, prefix);
    FOR t IN SELECT * FROM awstore.actingweb_tables() ORDER BY ordinal LOOP
        table_name := t.table_name;
        IF NOT (prefix || t.dynamodb_suffix) = ANY (fs.tables) THEN
            EXECUTE format('SELECT count(*), 0, 0, count(*), 0 FROM %I.%I', local, t.table_name)
                INTO postgres_rows, dynamodb_rows, missing_in_postgres, missing_in_dynamodb, different;
        ELSE
            EXECUTE awstore.migration_statement(t.table_name, 'verify', fs.schema_name, local,
                                                has_v1 => fs.has_v1)
                INTO postgres_rows, dynamodb_rows, missing_in_postgres, missing_in_dynamodb, different;
            -- (verify statements raise nothing for bad items: they differ)
        END IF;
        RETURN NEXT;
    END LOOP;
    PERFORM awstore.migration_drop_schema(fs.schema_name);
END
$$;
COMMENT ON FUNCTION awstore.verify_migration(name, text, name) IS
    'compare every ActingWeb table with its DynamoDB table by key and content';

/*
 * ---------------------------------------------------------------------------
 * Privileges: deleting and scheduling are for superusers and the roles they
 * grant them to; monitoring is for pg_monitor.
 * ---------------------------------------------------------------------------
 */
REVOKE ALL ON FUNCTION awstore.keep_data_on_drop() FROM PUBLIC;
REVOKE ALL ON FUNCTION awstore.forget_dropped_tables() FROM PUBLIC;
REVOKE ALL ON PROCEDURE awstore.purge_expired(integer, interval) FROM PUBLIC;
REVOKE ALL ON FUNCTION awstore.ttl_register(regclass, name) FROM PUBLIC;
REVOKE ALL ON FUNCTION awstore.ttl_unregister(regclass) FROM PUBLIC;
REVOKE ALL ON FUNCTION awstore.purge_orphans(boolean) FROM PUBLIC;
REVOKE ALL ON FUNCTION awstore.schedule_ttl_cleanup(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION awstore.unschedule_ttl_cleanup() FROM PUBLIC;
REVOKE ALL ON FUNCTION awstore.ttl_status_rows() FROM PUBLIC;
REVOKE ALL ON FUNCTION awstore.orphan_rows() FROM PUBLIC;
REVOKE ALL ON FUNCTION awstore.dynamodb_list_tables(name) FROM PUBLIC;
REVOKE ALL ON FUNCTION awstore.dynamodb_describe_table(name, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION awstore.dynamodb_create_table(name, text, text, text, text, text, jsonb, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION awstore.dynamodb_delete_table(name, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION awstore.dynamodb_enable_ttl(name, text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION awstore.actingweb_foreign_tables(name, text, name) FROM PUBLIC;
REVOKE ALL ON FUNCTION awstore.actingweb_create_dynamodb_table(name, text, name) FROM PUBLIC;
REVOKE ALL ON FUNCTION awstore.migration_reject(text, text, name, text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION awstore.migration_foreign_schema(name, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION awstore.migration_drop_schema(name) FROM PUBLIC;
REVOKE ALL ON FUNCTION awstore.migration_run(text, name) FROM PUBLIC;
REVOKE ALL ON FUNCTION awstore.migrate_from_dynamodb(name, text, name, boolean, text, boolean) FROM PUBLIC;
REVOKE ALL ON FUNCTION awstore.migrate_to_dynamodb(name, text, name, boolean, boolean, boolean) FROM PUBLIC;
REVOKE ALL ON FUNCTION awstore.verify_migration(name, text, name) FROM PUBLIC;

GRANT USAGE ON SCHEMA awstore TO PUBLIC;
GRANT EXECUTE ON FUNCTION awstore.ttl_status_rows() TO pg_monitor;
GRANT SELECT ON awstore.ttl_status TO pg_monitor;
