/* awstore--1.0.sql */

-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "CREATE EXTENSION awstore" to load this file. \quit

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
    SELECT coalesce(array_agg(x ORDER BY x) FILTER (WHERE c.oid IS NOT NULL), '{}'),
           coalesce(array_agg(x ORDER BY x) FILTER (WHERE c.oid IS NULL), '{}')
      INTO present, absent
      FROM unnest(tables) x
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
            SELECT array_agg(s ORDER BY s) INTO missing
              FROM (SELECT awstore.table_shape(pg_catalog.format('awstore.%I', t)::regclass)
                    EXCEPT
                    SELECT awstore.table_shape(pg_catalog.format('%I.%I', app, t)::regclass)) m(s);
            SELECT array_agg(s ORDER BY s) INTO extra
              FROM (SELECT awstore.table_shape(pg_catalog.format('%I.%I', app, t)::regclass)
                    EXCEPT
                    SELECT awstore.table_shape(pg_catalog.format('awstore.%I', t)::regclass)) m(s);
            IF missing IS NOT NULL
               OR EXISTS (SELECT FROM unnest(extra) e WHERE e NOT LIKE 'index %') THEN
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
        EXECUTE pg_catalog.format('SELECT array_agg(version_num::text ORDER BY version_num) FROM %I.alembic_version', app)
            INTO version_rows;
        IF version_rows IS DISTINCT FROM ARRAY['e5f6a7b8c9d0'] THEN
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
    WHEN TAG IN ('DROP EXTENSION')
    EXECUTE FUNCTION awstore.keep_data_on_drop();

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
    rows_deleted_total bigint NOT NULL DEFAULT 0
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

INSERT INTO awstore.ttl_tables (table_name, ttl_column, builtin)
SELECT c.oid::regclass, 'ttl_timestamp', true
  FROM pg_catalog.pg_class c
 WHERE c.relname OPERATOR(pg_catalog.=) 'attributes'
   AND c.relnamespace OPERATOR(pg_catalog.=) awstore.application_schema()::regnamespace;

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

-- The current time in the form a TTL column of that kind holds.
CREATE FUNCTION awstore.ttl_cutoff(kind text)
RETURNS text
LANGUAGE sql VOLATILE
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

    INSERT INTO awstore.ttl_tables AS t (table_name, ttl_column)
    VALUES (tbl, ttl_column)
    ON CONFLICT (table_name) DO UPDATE SET ttl_column = excluded.ttl_column;
END
$$;
COMMENT ON FUNCTION awstore.ttl_register(regclass, name) IS
    'delete rows of a table once their TTL column (epoch seconds or timestamptz) has passed';

CREATE FUNCTION awstore.ttl_unregister(tbl regclass)
RETURNS boolean
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
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
    EXECUTE format('EXPLAIN (FORMAT JSON) SELECT FROM %s WHERE %I <= $1::%s', tbl, ttl_column, typ)
        USING awstore.ttl_cutoff(kind)
        INTO plan;
    expired := (plan -> 0 -> 'Plan' ->> 'Plan Rows')::float8;
    SELECT c.reltuples INTO tuples FROM pg_class c WHERE c.oid = tbl;
    IF expired > 0.05 * greatest(tuples, 1) AND expired > 2 * batch_size THEN
        mode := 'sweep';
        statement := format(
            'WITH gone AS (DELETE FROM %1$s WHERE ctid OPERATOR(pg_catalog.=) ANY (ARRAY('
            'SELECT ctid FROM %1$s WHERE ctid OPERATOR(pg_catalog.>) $3 '
            'AND %2$I OPERATOR(pg_catalog.<=) $1::%3$s '
            'LIMIT $2 FOR UPDATE SKIP LOCKED)) RETURNING ctid) '
            'SELECT pg_catalog.count(*), pg_catalog.max(ctid) FROM gone',
            tbl, ttl_column, typ);
    ELSE
        mode := 'index';
        statement := format(
            'WITH gone AS (DELETE FROM %1$s WHERE ctid OPERATOR(pg_catalog.=) ANY (ARRAY('
            'SELECT ctid FROM %1$s WHERE %2$I OPERATOR(pg_catalog.<=) $1::%3$s '
            'AND $3 OPERATOR(pg_catalog.>=) ''(0,0)''::pg_catalog.tid '
            'ORDER BY %2$I LIMIT $2 FOR UPDATE SKIP LOCKED)) RETURNING ctid) '
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
 * WARNING and skipped; the others go on.
 *
 * No SET clause and no SECURITY DEFINER: either would forbid the COMMITs.
 * Everything is schema-qualified instead.
 */
CREATE PROCEDURE awstore.purge_expired(batch_size integer DEFAULT 10000,
                                       max_runtime interval DEFAULT '50 seconds')
LANGUAGE plpgsql
AS $$
DECLARE
    run_start timestamptz := pg_catalog.clock_timestamp();
    deadline timestamptz;
    tbls regclass[];
    cols name[];
    kinds text[];
    modes text[];
    stmts text[];
    lasts tid[];
    last_tid tid;
    one_mode text;
    one_stmt text;
    deleted bigint[];
    batches integer[];
    reasons text[];
    started timestamptz[];
    finished timestamptz[];
    n integer;
    i integer;
    got bigint;
    pending integer;
    lock_ms bigint;
    retention interval;
    pause float8;
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

    SELECT pg_catalog.array_agg(t.table_name ORDER BY t.table_name::oid),
           pg_catalog.array_agg(t.ttl_column ORDER BY t.table_name::oid)
      INTO tbls, cols
      FROM awstore.ttl_tables t;
    n := coalesce(pg_catalog.cardinality(tbls), 0);
    IF n OPERATOR(pg_catalog.=) 0 THEN
        RAISE NOTICE 'no tables are registered for TTL cleanup';
        RETURN;
    END IF;
    kinds := pg_catalog.array_fill(NULL::text, ARRAY[n]);
    modes := pg_catalog.array_fill(NULL::text, ARRAY[n]);
    stmts := pg_catalog.array_fill(NULL::text, ARRAY[n]);
    lasts := pg_catalog.array_fill('(0,0)'::tid, ARRAY[n]);
    deleted := pg_catalog.array_fill(0::bigint, ARRAY[n]);
    batches := pg_catalog.array_fill(0, ARRAY[n]);
    reasons := pg_catalog.array_fill(NULL::text, ARRAY[n]);
    started := pg_catalog.array_fill(NULL::timestamptz, ARRAY[n]);
    finished := pg_catalog.array_fill(NULL::timestamptz, ARRAY[n]);

    FOR i IN 1 .. n LOOP
        BEGIN
            kinds[i] := awstore.ttl_column_kind(tbls[i], cols[i]);
            SELECT p.mode, p.statement INTO one_mode, one_stmt
              FROM awstore.ttl_purge_statement(tbls[i], cols[i], kinds[i], batch_size) p;
            modes[i] := one_mode;
            stmts[i] := one_stmt;
        EXCEPTION WHEN OTHERS THEN
            RAISE WARNING 'skipping TTL cleanup of %: %', tbls[i]::text, SQLERRM;
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
            PERFORM pg_catalog.set_config('lock_timeout', GREATEST(lock_ms, 1)::text, true);
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
                EXECUTE stmts[i] USING awstore.ttl_cutoff(kinds[i]), batch_size, lasts[i]
                    INTO got, last_tid;
                IF last_tid IS NOT NULL THEN
                    lasts[i] := last_tid;
                END IF;
            EXCEPTION
                WHEN lock_not_available THEN
                    got := 0;
                    reasons[i] := 'max_runtime';
                    RAISE WARNING 'TTL cleanup of % stopped: lock not available within max_runtime', tbls[i]::text;
                WHEN OTHERS THEN
                    got := 0;
                    reasons[i] := 'error';
                    RAISE WARNING 'TTL cleanup of % failed: %', tbls[i]::text, SQLERRM;
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
        VALUES (started[i], coalesce(finished[i], started[i]), tbls[i]::text, deleted[i], batches[i], reasons[i], modes[i]);
        RAISE NOTICE 'purged %: % expired rows deleted, % batches, stopped: %',
            tbls[i]::text, deleted[i], batches[i], reasons[i];
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
            kind := awstore.ttl_column_kind(r.table_name, r.ttl_column);
            cutoff := awstore.ttl_cutoff(kind);
            EXECUTE format('SELECT count(*), count(*) FILTER (WHERE %1$I <= $1::%3$s), min(%1$I)::text '
                           'FROM %2$s WHERE %1$I IS NOT NULL',
                           r.ttl_column, r.table_name,
                           CASE kind WHEN 'epoch' THEN 'pg_catalog.int8' ELSE 'pg_catalog.timestamptz' END)
                USING cutoff
                INTO rows_with_ttl, expired_rows, oldest;
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
BEGIN
    FOR t IN SELECT * FROM awstore.actor_tables() LOOP
        RETURN QUERY EXECUTE format(
            'SELECT %1$L::regclass, o.%3$I::text, count(*) FROM %2$I.%4$I o '
            'WHERE NOT EXISTS (SELECT FROM %2$I.actors a WHERE a.id = o.%3$I) '
            'GROUP BY o.%3$I ORDER BY o.%3$I',
            format('%I.%I', app, t.table_name), app, t.actor_column, t.table_name);
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
        orphan_cond := format('NOT EXISTS (SELECT FROM %1$I.actors a WHERE a.id = o.%2$I)',
                              app, t.actor_column);
        table_name := format('%I.%I', app, t.table_name)::regclass;
        IF dry_run THEN
            EXECUTE format('SELECT count(DISTINCT o.%1$I), count(*) FROM %2$s o WHERE %3$s',
                           t.actor_column, table_name, orphan_cond)
                INTO actors, rows;
        ELSE
            EXECUTE format('WITH gone AS (DELETE FROM %2$s o WHERE %3$s RETURNING o.%1$I AS actor) '
                           'SELECT count(DISTINCT actor), count(*) FROM gone',
                           t.actor_column, table_name, orphan_cond)
                INTO actors, rows;
        END IF;
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

GRANT USAGE ON SCHEMA awstore TO PUBLIC;
GRANT EXECUTE ON FUNCTION awstore.ttl_status_rows() TO pg_monitor;
GRANT SELECT ON awstore.ttl_status TO pg_monitor;
