/* awstore--1.0--1.1.sql */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION awstore UPDATE TO '1.1'" to load this file. \quit

/*
 * 1.1: maintenance runs as the table's owner, the TTL column is tracked by
 * number and type, every name resolves in pg_catalog, DROP
 * OWNED keeps the application tables, delete_missing deletes only rows
 * whose item is gone, and the ActingWeb revision is written in one function.
 * Functions are replaced with their 1.1 text, which the sections under
 * src/sql hold as well (the upgrade test compares the two).
 */
SELECT pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);

CREATE FUNCTION awstore.actingweb_schema_revision()
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT 'e5f6a7b8c9d0'::pg_catalog.text $$;
COMMENT ON FUNCTION awstore.actingweb_schema_revision() IS
    'the ActingWeb Alembic revision the extension''s tables are at (its head revision)';

CREATE FUNCTION awstore.run_as_owner(tbl regclass, statement text, args text[] DEFAULT NULL)
RETURNS SETOF text[]
LANGUAGE C
AS 'MODULE_PATHNAME', 'awstore_run_as_owner';
COMMENT ON FUNCTION awstore.run_as_owner(regclass, text, text[]) IS
    'run a statement with text parameters as the owner of a plain table, under SECURITY_RESTRICTED_OPERATION; its rows as text arrays';

ALTER TABLE awstore.ttl_tables ADD COLUMN ttl_attnum int2, ADD COLUMN ttl_type regtype;
-- Registrations made by 1.0 name their column; it is taken as it is now.
UPDATE awstore.ttl_tables t
   SET ttl_attnum = a.attnum, ttl_type = a.atttypid::pg_catalog.regtype
  FROM pg_catalog.pg_attribute a
 WHERE a.attrelid OPERATOR(pg_catalog.=) t.table_name::pg_catalog.oid
   AND a.attname OPERATOR(pg_catalog.=) t.ttl_column
   AND NOT a.attisdropped;

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

CREATE OR REPLACE FUNCTION awstore.application_schema()
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

CREATE OR REPLACE FUNCTION awstore.ttl_cutoff(kind text)
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

CREATE OR REPLACE FUNCTION awstore.actor_tables()
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

CREATE OR REPLACE FUNCTION awstore.ttl_cleanup_job_name()
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$ SELECT 'awstore_ttl_cleanup'::text $$;
COMMENT ON FUNCTION awstore.ttl_cleanup_job_name() IS
    'name of the pg_cron job that runs the TTL cleanup';

CREATE OR REPLACE FUNCTION awstore.actingweb_columns()
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

CREATE OR REPLACE FUNCTION awstore.actingweb_tables()
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

CREATE OR REPLACE FUNCTION awstore.property_lookup_key(property_name text, value text)
RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
    SELECT pg_catalog.encode(pg_catalog.sha256(
               pg_catalog.convert_to($1, 'UTF8') OPERATOR(pg_catalog.||) '\x00'::pg_catalog.bytea
               OPERATOR(pg_catalog.||) pg_catalog.convert_to($2, 'UTF8')), 'hex')
$$;
COMMENT ON FUNCTION awstore.property_lookup_key(text, text) IS
    'ActingWeb''s property_lookup_v2 key: SHA-256, in hex, of property_name, a NUL byte and value';

CREATE OR REPLACE FUNCTION awstore.ttl_register(tbl regclass, ttl_column name)
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

CREATE OR REPLACE FUNCTION awstore.ttl_unregister(tbl regclass)
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

CREATE OR REPLACE FUNCTION awstore.ttl_purge_statement(tbl regclass, ttl_column name, kind text,
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

CREATE OR REPLACE PROCEDURE awstore.purge_expired(batch_size integer DEFAULT 10000,
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

CREATE OR REPLACE FUNCTION awstore.ttl_status_rows()
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

CREATE OR REPLACE FUNCTION awstore.orphan_rows()
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

CREATE OR REPLACE FUNCTION awstore.purge_orphans(dry_run boolean DEFAULT true)
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

CREATE OR REPLACE FUNCTION awstore.actingweb_check_schema(schema_name name)
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

-- 1.1 adds the parameter dynamodb_table (replication's staged sources)
DROP FUNCTION awstore.migration_statement(name, text, name, name, text, boolean, boolean, boolean);
CREATE FUNCTION awstore.migration_statement(table_name name, direction text,
                                            foreign_schema name, local_schema name,
                                            on_error text DEFAULT 'stop',
                                            skip_expired boolean DEFAULT false,
                                            delete_missing boolean DEFAULT false,
                                            has_v1 boolean DEFAULT false,
                                            dynamodb_table text DEFAULT NULL)
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
    IF direction IS NULL OR direction NOT IN ('from_dynamodb', 'from_dynamodb_delete', 'to_dynamodb',
                                              'to_dynamodb_delete', 'verify') THEN
        RAISE EXCEPTION 'invalid direction "%"', direction
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Give from_dynamodb, from_dynamodb_delete, to_dynamodb, to_dynamodb_delete or verify.';
    END IF;
    IF on_error IS NULL OR on_error NOT IN ('stop', 'skip') THEN
        RAISE EXCEPTION 'invalid on_error "%"', on_error
            USING ERRCODE = 'invalid_parameter_value', HINT = 'Give stop or skip.';
    END IF;
    SELECT ftopt.option_value INTO dyn_table
      FROM pg_foreign_table f, pg_options_to_table(f.ftoptions) ftopt
     WHERE f.ftrelid = ft::regclass AND ftopt.option_name = 'table_name';
    dyn_table := coalesce(dyn_table, migration_statement.dynamodb_table);
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
    ELSIF direction = 'from_dynamodb_delete' AND tbl = 'property_lookup' THEN
        -- the digest names the row; its property_name, when the source
        -- has it (a removed item's old image), finds it by index
        RETURN format('WITH named AS (DELETE FROM %1$s l USING %2$s f WHERE f.property_name IS NOT NULL'
                      ' AND l.property_name = f.property_name AND %3$s RETURNING 1),'
                      ' unnamed AS (DELETE FROM %1$s l USING %2$s f WHERE f.property_name IS NULL AND %3$s RETURNING 1)'
                      ' SELECT (SELECT count(*) FROM named) + (SELECT count(*) FROM unnamed), 0::bigint, 0::bigint',
                      lt, ft, array_to_string(keymatch, ' AND '));
    ELSIF direction = 'from_dynamodb_delete' THEN
        RETURN format('WITH removed AS (DELETE FROM %s l USING %s f WHERE %s RETURNING 1)'
                      ' SELECT count(*), 0::bigint, 0::bigint FROM removed',
                      lt, ft, array_to_string(keymatch, ' AND '));
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
COMMENT ON FUNCTION awstore.migration_statement(name, text, name, name, text, boolean, boolean, boolean, text) IS
    'the SQL statement that migrates or verifies one ActingWeb table, to read or to run by hand';

DROP EVENT TRIGGER awstore_keep_data_on_drop;
CREATE EVENT TRIGGER awstore_keep_data_on_drop
    ON ddl_command_start
    WHEN TAG IN ('DROP EXTENSION', 'DROP OWNED')
    EXECUTE FUNCTION awstore.keep_data_on_drop();

CREATE FUNCTION awstore.dynamodb_whoami(server name,
                                        OUT account text, OUT arn text,
                                        OUT credential_source text,
                                        OUT expiration timestamptz)
RETURNS record
LANGUAGE C STRICT
AS 'MODULE_PATHNAME', 'awstore_dynamodb_whoami';
COMMENT ON FUNCTION awstore.dynamodb_whoami(name) IS
    'who the credentials of the calling role''s user mapping belong to (STS GetCallerIdentity), their source and expiry; never a secret';
REVOKE ALL ON FUNCTION awstore.dynamodb_whoami(name) FROM PUBLIC;

-- Capacity budgets (pacing): the migration functions take them as
-- arguments.  The functions with the old argument lists are dropped: a
-- GRANT EXECUTE on them must be given again on the new ones.
/*
 * Holds a migration's foreign tables to capacity budgets: the arguments
 * given (not NULL) become options of every foreign table in the
 * migration's private schema, over the server's.
 */
CREATE FUNCTION awstore.migration_pace(schema_name name, max_read_capacity numeric,
                                       read_capacity_percent numeric,
                                       max_write_capacity numeric DEFAULT NULL,
                                       write_capacity_percent numeric DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    opts text;
    ft record;
BEGIN
    SELECT string_agg(format('ADD %s %L', o.name, o.value::text), ', ')
      INTO opts
      FROM (VALUES ('max_read_capacity', max_read_capacity),
                   ('read_capacity_percent', read_capacity_percent),
                   ('max_write_capacity', max_write_capacity),
                   ('write_capacity_percent', write_capacity_percent)) o(name, value)
     WHERE o.value IS NOT NULL;
    IF opts IS NULL THEN
        RETURN;
    END IF;
    FOR ft IN SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
               WHERE n.nspname = schema_name AND c.relkind = 'f' LOOP
        EXECUTE format('ALTER FOREIGN TABLE %I.%I OPTIONS (%s)', schema_name, ft.relname, opts);
    END LOOP;
END
$$;
COMMENT ON FUNCTION awstore.migration_pace(name, numeric, numeric, numeric, numeric) IS
    'capacity budgets of a migration, as options of its private foreign tables';

CREATE FUNCTION awstore.migration_capacity(OUT read_units float8, OUT write_units float8,
                                           OUT read_cap float8, OUT write_cap float8)
LANGUAGE C VOLATILE STRICT
AS 'MODULE_PATHNAME', 'awstore_migration_capacity';
COMMENT ON FUNCTION awstore.migration_capacity() IS
    'capacity units consumed under budgets, and their caps, since the last call (then 0)';

-- The effective rate of a paced migration statement, for its NOTICE.
CREATE FUNCTION awstore.migration_rate_note(seconds numeric)
RETURNS text
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    c record;
    s numeric := greatest(seconds, 0.001);
BEGIN
    SELECT * INTO c FROM awstore.migration_capacity();
    RETURN concat(
        CASE WHEN c.read_cap > 0
             THEN format('; %s read capacity units/s (cap %s)',
                         round(c.read_units::numeric / s, 1), round(c.read_cap::numeric, 1)) END,
        CASE WHEN c.write_cap > 0
             THEN format('; %s write capacity units/s (cap %s)',
                         round(c.write_units::numeric / s, 1), round(c.write_cap::numeric, 1)) END);
END
$$;
COMMENT ON FUNCTION awstore.migration_rate_note(numeric) IS
    'the capacity a paced migration statement consumed per second, and its cap';

DROP FUNCTION awstore.migrate_from_dynamodb(name, text, name, boolean, text, boolean);
DROP FUNCTION awstore.migrate_to_dynamodb(name, text, name, boolean, boolean, boolean);
DROP FUNCTION awstore.verify_migration(name, text, name);

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
                                              delete_missing boolean DEFAULT false,
                                              max_read_capacity numeric DEFAULT NULL,
                                              read_capacity_percent numeric DEFAULT NULL,
                                              consistent_read boolean DEFAULT false)
RETURNS TABLE (table_name text, rows bigint, seconds numeric)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    fs record;
    t record;
    ft record;
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
    PERFORM awstore.migration_pace(fs.schema_name, max_read_capacity, read_capacity_percent);
    IF consistent_read THEN
        -- every write DynamoDB acknowledged before the read began is seen
        FOR ft IN SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                   WHERE n.nspname = fs.schema_name AND c.relkind = 'f' LOOP
            EXECUTE format('ALTER FOREIGN TABLE %I.%I OPTIONS (ADD consistent_read %L)',
                           fs.schema_name, ft.relname, 'true');
        END LOOP;
    END IF;
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
        PERFORM awstore.migration_capacity();
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
            round(rows / greatest(seconds, 0.001)), awstore.migration_rate_note(seconds) ||
            CASE WHEN coalesce(left_items, 0) > 0 AND rate > 0
                 THEN format('; about %s s left for %s items (DynamoDB''s ItemCount)',
                             round(left_items / rate), left_items)
                 ELSE '' END;
        RETURN NEXT;
    END LOOP;
    PERFORM awstore.migration_drop_schema(fs.schema_name);
END
$$;
COMMENT ON FUNCTION awstore.migrate_from_dynamodb(name, text, name, boolean, text, boolean,
                                                  numeric, numeric, boolean) IS
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
                                            delete_missing boolean DEFAULT false,
                                            max_write_capacity numeric DEFAULT NULL,
                                            write_capacity_percent numeric DEFAULT NULL,
                                            max_read_capacity numeric DEFAULT NULL,
                                            read_capacity_percent numeric DEFAULT NULL)
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
    PERFORM awstore.migration_pace(fs.schema_name, max_read_capacity, read_capacity_percent,
                                   max_write_capacity, write_capacity_percent);
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
        PERFORM awstore.migration_capacity();
        stmt := awstore.migration_statement(t.table_name, 'to_dynamodb', fs.schema_name, source,
                                            skip_expired => skip_expired);
        SELECT r.n1 INTO rows FROM awstore.migration_run(stmt, t.table_name) r;
        IF delete_missing THEN
            stmt := awstore.migration_statement(t.table_name, 'to_dynamodb_delete', fs.schema_name, source);
            SELECT r.n1 INTO deleted FROM awstore.migration_run(stmt, t.table_name) r;
        END IF;
        seconds := round(extract(epoch FROM clock_timestamp() - started)::numeric, 3);
        RAISE NOTICE '%: % rows written to DynamoDB table "%"% in % s, % rows/s%',
            t.table_name, rows, prefix || t.dynamodb_suffix,
            CASE WHEN delete_missing THEN format(', %s items deleted', deleted) ELSE '' END,
            seconds, round(rows / greatest(seconds, 0.001)), awstore.migration_rate_note(seconds);
        RETURN NEXT;
    END LOOP;
    PERFORM awstore.migration_drop_schema(fs.schema_name);
END
$$;
COMMENT ON FUNCTION awstore.migrate_to_dynamodb(name, text, name, boolean, boolean, boolean,
                                                numeric, numeric, numeric, numeric) IS
    'write every ActingWeb table into DynamoDB tables under a prefix, creating them when missing';

/*
 * Compares every ActingWeb table with its DynamoDB table, row by row: by
 * key, then every column.  All zeros but the counts after a migration.
 */
CREATE FUNCTION awstore.verify_migration(server name, prefix text, schema name DEFAULT NULL,
                                         max_read_capacity numeric DEFAULT NULL,
                                         read_capacity_percent numeric DEFAULT NULL)
RETURNS TABLE (table_name text, postgres_rows bigint, dynamodb_rows bigint,
               missing_in_postgres bigint, missing_in_dynamodb bigint, different bigint)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    fs record;
    t record;
    local name := coalesce(verify_migration.schema, awstore.application_schema());
    started timestamptz;
    seconds numeric;
    note text;
BEGIN
    PERFORM awstore.actingweb_check_schema(local);
    SELECT * INTO fs FROM awstore.migration_foreign_schema(server, prefix);
    PERFORM awstore.migration_pace(fs.schema_name, max_read_capacity, read_capacity_percent);
    FOR t IN SELECT * FROM awstore.actingweb_tables() ORDER BY ordinal LOOP
        table_name := t.table_name;
        IF NOT (prefix || t.dynamodb_suffix) = ANY (fs.tables) THEN
            EXECUTE format('SELECT count(*), 0, 0, count(*), 0 FROM %I.%I', local, t.table_name)
                INTO postgres_rows, dynamodb_rows, missing_in_postgres, missing_in_dynamodb, different;
        ELSE
            started := clock_timestamp();
            PERFORM awstore.migration_capacity();
            EXECUTE awstore.migration_statement(t.table_name, 'verify', fs.schema_name, local,
                                                has_v1 => fs.has_v1)
                INTO postgres_rows, dynamodb_rows, missing_in_postgres, missing_in_dynamodb, different;
            -- (verify statements raise nothing for bad items: they differ)
            -- with a budget (the arguments', or the server's), the rate
            seconds := round(extract(epoch FROM clock_timestamp() - started)::numeric, 3);
            note := awstore.migration_rate_note(seconds);
            IF note <> '' THEN
                RAISE NOTICE '%: % items compared in % s%', t.table_name, dynamodb_rows, seconds, note;
            END IF;
        END IF;
        RETURN NEXT;
    END LOOP;
    PERFORM awstore.migration_drop_schema(fs.schema_name);
END
$$;
COMMENT ON FUNCTION awstore.verify_migration(name, text, name, numeric, numeric) IS
    'compare every ActingWeb table with its DynamoDB table by key and content';

REVOKE ALL ON FUNCTION awstore.migration_pace(name, numeric, numeric, numeric, numeric) FROM PUBLIC;
REVOKE ALL ON FUNCTION awstore.migration_capacity() FROM PUBLIC;
REVOKE ALL ON FUNCTION awstore.migration_rate_note(numeric) FROM PUBLIC;
REVOKE ALL ON FUNCTION awstore.migrate_from_dynamodb(name, text, name, boolean, text, boolean,
                                                     numeric, numeric, boolean) FROM PUBLIC;
REVOKE ALL ON FUNCTION awstore.migrate_to_dynamodb(name, text, name, boolean, boolean, boolean,
                                                   numeric, numeric, numeric, numeric) FROM PUBLIC;
REVOKE ALL ON FUNCTION awstore.verify_migration(name, text, name, numeric, numeric) FROM PUBLIC;

/*
 * 1.1: replication from DynamoDB Streams (src/sql/13_replication.sql, 14_replicate.sql).
 */

/*
 * ---------------------------------------------------------------------------
 * Change capture from DynamoDB Streams.
 *
 * start_replication records where every shard of each table's stream
 * stands, then takes the snapshot (the statements migrate_from_dynamodb
 * runs), in one transaction.  CALL awstore.replicate() then reads each
 * shard with GetRecords, parents before children, and applies the records
 * a page at a time: the last record of each key decides (INSERT and MODIFY
 * upsert, REMOVE deletes), through the same conversion and checks as the
 * snapshot.  Each page is one transaction that also moves the shard's
 * checkpoint, so whatever interrupts replicate, the next run starts after
 * the last page committed: every record is applied once.
 *
 * A record applied again (a replay from the shard's trim horizon when a
 * position expired) is harmless: the records after it bring the row to
 * its final state, as they would have from the snapshot.  What is never
 * silent is lost history: a checkpoint behind the stream's 24-hour
 * retention, or a stream turned off (and on again, with a new ARN), stops
 * the replication with an error asking for a new snapshot.
 * ---------------------------------------------------------------------------
 */

CREATE FUNCTION awstore.dynamodb_enable_stream(server name, table_name text,
                                               view_type text DEFAULT 'NEW_AND_OLD_IMAGES')
RETURNS jsonb
LANGUAGE C STRICT
AS 'MODULE_PATHNAME', 'awstore_dynamodb_enable_stream';
COMMENT ON FUNCTION awstore.dynamodb_enable_stream(name, text, text) IS
    'UpdateTable turning the table''s stream on, waiting until it is enabled; returns the stream';

CREATE FUNCTION awstore.dynamodb_stream_call(server name, action text, request jsonb,
                                             tolerate text[] DEFAULT NULL)
RETURNS jsonb
LANGUAGE C
AS 'MODULE_PATHNAME', 'awstore_dynamodb_stream_call';
COMMENT ON FUNCTION awstore.dynamodb_stream_call(name, text, jsonb, text[]) IS
    'one DynamoDB Streams request (DescribeStream, GetShardIterator, GetRecords, ListStreams); errors of the tolerated types come back as {"__type", "message"}';

CREATE FUNCTION awstore.dynamodb_item_row(row_type anyelement, item jsonb, keys jsonb DEFAULT NULL)
RETURNS anyelement
LANGUAGE C STABLE
AS 'MODULE_PATHNAME', 'awstore_dynamodb_item_row';
COMMENT ON FUNCTION awstore.dynamodb_item_row(anyelement, jsonb, jsonb) IS
    'an item in DynamoDB JSON as a row of a table''s type, converted as a scan of that table would';

/*
 * One row per replication: the nine ActingWeb tables of a prefix into a
 * schema, or one foreign table into one local table.
 */
CREATE TABLE awstore.replications (
    id integer GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    server name NOT NULL,
    prefix text,                    -- ActingWeb: the DynamoDB prefix
    target_schema name,             -- ActingWeb: the schema of its tables
    foreign_table regclass,         -- one table: the foreign table
    local_table regclass,           -- one table: the local table
    on_error text NOT NULL CHECK (on_error IN ('stop', 'skip')),
    started_at timestamptz NOT NULL,
    started_by regrole NOT NULL,    -- runs of this role only apply it
    failed text,                    -- why it cannot go on, when it cannot
    CHECK ((prefix IS NOT NULL AND target_schema IS NOT NULL) OR
           (foreign_table IS NOT NULL AND local_table IS NOT NULL))
);
COMMENT ON TABLE awstore.replications IS
    'replications from DynamoDB Streams (start_replication, stop_replication)';
SELECT pg_catalog.pg_extension_config_dump('awstore.replications', '');
SELECT pg_catalog.pg_extension_config_dump('awstore.replications_id_seq', '');

-- Each DynamoDB table a replication follows, with its stream.
CREATE TABLE awstore.replication_tables (
    replication integer NOT NULL REFERENCES awstore.replications ON DELETE CASCADE,
    dynamodb_table text NOT NULL,
    table_name text NOT NULL,       -- the ActingWeb table, or the local table
    stream_arn text NOT NULL,
    records_applied bigint NOT NULL DEFAULT 0,
    last_record_created timestamptz,    -- ApproximateCreationDateTime
    last_applied_at timestamptz,
    last_error text,
    last_error_at timestamptz,
    PRIMARY KEY (replication, dynamodb_table)
);
COMMENT ON TABLE awstore.replication_tables IS
    'the DynamoDB tables of each replication, their streams, and what was applied';
SELECT pg_catalog.pg_extension_config_dump('awstore.replication_tables', '');

/*
 * Each shard of a stream, and where its reading stands.  checkpoint is
 * the SequenceNumber of the last record applied (NULL: none yet);
 * iterator, when not NULL, is where the next read starts (DynamoDB's
 * shard iterator, good for 15 minutes after iterator_at).  A shard is
 * read once its parent is finished (read to its end).
 */
CREATE TABLE awstore.replication_shards (
    replication integer NOT NULL,
    dynamodb_table text NOT NULL,
    shard_id text NOT NULL,
    parent_shard_id text,
    checkpoint text,
    iterator text,
    iterator_at timestamptz,
    finished boolean NOT NULL DEFAULT false,
    records_applied bigint NOT NULL DEFAULT 0,
    last_record_created timestamptz,    -- of the last record applied
    discovered_at timestamptz NOT NULL,
    next_poll_at timestamptz NOT NULL DEFAULT '-infinity',
    idle_polls integer NOT NULL DEFAULT 0,  -- reads in a row that found nothing
    last_poll_at timestamptz,
    last_empty_poll_at timestamptz,
    PRIMARY KEY (replication, dynamodb_table, shard_id),
    FOREIGN KEY (replication, dynamodb_table)
        REFERENCES awstore.replication_tables ON DELETE CASCADE
);
COMMENT ON TABLE awstore.replication_shards IS
    'the shards of each replicated stream: lineage, checkpoint and reading position';
SELECT pg_catalog.pg_extension_config_dump('awstore.replication_shards', '');

/*
 * property_lookup items whose property (or actor) is not in PostgreSQL
 * yet: the tables have streams of their own, read one after the other.
 * An item waits here until its property arrives, until a later record of
 * its key supersedes it, or until the actors and properties streams have
 * been read past the moment it was seen (the property, written before
 * it, would be there); then the replication's on_error decides, as the
 * migration's does.
 */
CREATE TABLE awstore.replication_pending (
    replication integer NOT NULL,
    dynamodb_table text NOT NULL,
    item_key jsonb NOT NULL,        -- the record's Keys
    item jsonb NOT NULL,            -- its NewImage
    first_seen timestamptz NOT NULL,
    PRIMARY KEY (replication, dynamodb_table, item_key),
    FOREIGN KEY (replication, dynamodb_table)
        REFERENCES awstore.replication_tables ON DELETE CASCADE
);
COMMENT ON TABLE awstore.replication_pending IS
    'property_lookup items of a replication waiting for their property';
SELECT pg_catalog.pg_extension_config_dump('awstore.replication_pending', '');

/*
 * The ARN of the table's stream, turning the stream on (new and old
 * images) when it is off.  A stream without new images cannot be
 * replicated: its records do not carry the item.
 */
CREATE FUNCTION awstore.replication_stream(server name, dynamodb_table text)
RETURNS text
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    d jsonb := awstore.dynamodb_describe_table(server, dynamodb_table);
    s jsonb;
BEGIN
    IF coalesce((d -> 'StreamSpecification' ->> 'StreamEnabled')::boolean, false) THEN
        IF d -> 'StreamSpecification' ->> 'StreamViewType' NOT IN ('NEW_IMAGE', 'NEW_AND_OLD_IMAGES') THEN
            RAISE EXCEPTION 'the stream of DynamoDB table "%" has view type %, which does not carry the items',
                            dynamodb_table, d -> 'StreamSpecification' ->> 'StreamViewType'
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      HINT = 'Replication needs a stream of view type NEW_AND_OLD_IMAGES or NEW_IMAGE.';
        END IF;
        RETURN d ->> 'LatestStreamArn';
    END IF;
    s := awstore.dynamodb_enable_stream(server, dynamodb_table, 'NEW_AND_OLD_IMAGES');
    RAISE NOTICE 'enabled the stream of DynamoDB table "%"', dynamodb_table;
    RETURN s ->> 'LatestStreamArn';
END
$$;
COMMENT ON FUNCTION awstore.replication_stream(name, text) IS
    'the ARN of a table''s stream, enabling it (NEW_AND_OLD_IMAGES) when off';

/*
 * Records the shards of a table's stream that the replication does not
 * know yet (DescribeStream, every page).  At the start, before the
 * snapshot: a closed shard holds only changes older than the snapshot
 * (finished), and an open one is read from its latest position.  Shards
 * found later (a split, a new child) are read from their beginning.
 */
CREATE FUNCTION awstore.replication_discover(replication integer, dynamodb_table text,
                                             at_start boolean)
RETURNS integer
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    rep awstore.replications;
    arn text;
    answer jsonb;
    after text;
    sh jsonb;
    closed boolean;
    it text;
    found_new integer := 0;
    n integer;
BEGIN
    SELECT * INTO rep FROM awstore.replications r WHERE r.id = replication_discover.replication;
    SELECT t.stream_arn INTO arn FROM awstore.replication_tables t
     WHERE t.replication = rep.id AND t.dynamodb_table = replication_discover.dynamodb_table;
    LOOP
        answer := awstore.dynamodb_stream_call(rep.server, 'DescribeStream',
                                               jsonb_strip_nulls(jsonb_build_object('StreamArn', arn,
                                                                                    'ExclusiveStartShardId', after)));
        FOR sh IN SELECT * FROM jsonb_array_elements(coalesce(answer -> 'StreamDescription' -> 'Shards', '[]')) LOOP
            CONTINUE WHEN EXISTS (SELECT FROM awstore.replication_shards s
                                   WHERE s.replication = rep.id
                                     AND s.dynamodb_table = replication_discover.dynamodb_table
                                     AND s.shard_id = sh ->> 'ShardId');
            closed := sh -> 'SequenceNumberRange' ? 'EndingSequenceNumber';
            it := NULL;
            IF at_start AND NOT closed THEN
                it := awstore.dynamodb_stream_call(rep.server, 'GetShardIterator',
                                                   jsonb_build_object('StreamArn', arn, 'ShardId', sh ->> 'ShardId',
                                                                      'ShardIteratorType', 'LATEST')) ->> 'ShardIterator';
            END IF;
            INSERT INTO awstore.replication_shards (replication, dynamodb_table, shard_id, parent_shard_id,
                                                    iterator, iterator_at, finished, discovered_at)
            VALUES (rep.id, replication_discover.dynamodb_table, sh ->> 'ShardId', sh ->> 'ParentShardId',
                    it, CASE WHEN it IS NOT NULL THEN clock_timestamp() END, at_start AND closed,
                    clock_timestamp())
            ON CONFLICT DO NOTHING;
            GET DIAGNOSTICS n = ROW_COUNT;
            found_new := found_new + n;
        END LOOP;
        after := answer -> 'StreamDescription' ->> 'LastEvaluatedShardId';
        EXIT WHEN after IS NULL;
    END LOOP;
    RETURN found_new;
END
$$;
COMMENT ON FUNCTION awstore.replication_discover(integer, text, boolean) IS
    'record the shards of a replicated stream not known yet';

/*
 * ActingWeb: follows the nine tables of a prefix into target_schema.
 * Streams are turned on where they are off (NEW_AND_OLD_IMAGES); the
 * shards' positions are taken before the snapshot, which is
 * migrate_from_dynamodb with delete_missing, all in one transaction.
 */
CREATE FUNCTION awstore.start_replication(server name, prefix text, target_schema name DEFAULT NULL,
                                          max_read_capacity numeric DEFAULT NULL,
                                          on_error text DEFAULT 'stop')
RETURNS TABLE (table_name text, rows bigint, seconds numeric)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    target name := coalesce(target_schema, awstore.application_schema());
    rid integer;
    t record;
    dyn text;
    tables text[];
BEGIN
    IF server IS NULL OR prefix IS NULL OR prefix = '' THEN
        RAISE EXCEPTION 'server and prefix must be given' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF on_error IS NULL OR on_error NOT IN ('stop', 'skip') THEN
        RAISE EXCEPTION 'invalid on_error "%"', on_error
            USING ERRCODE = 'invalid_parameter_value', HINT = 'Give stop or skip.';
    END IF;
    PERFORM awstore.actingweb_check_schema(target);
    IF EXISTS (SELECT FROM awstore.replications r WHERE r.target_schema = target) THEN
        RAISE EXCEPTION 'schema "%" is replicated from DynamoDB already', target
            USING ERRCODE = 'duplicate_object',
                  HINT = 'awstore.replication_status shows it; awstore.stop_replication ends it.';
    END IF;
    INSERT INTO awstore.replications (server, prefix, target_schema, on_error, started_at, started_by)
    VALUES (server, prefix, target, on_error, clock_timestamp(), current_user::regrole)
    RETURNING id INTO rid;
    tables := ARRAY(SELECT l FROM awstore.dynamodb_list_tables(server) l);
    FOR t IN SELECT * FROM awstore.actingweb_tables() a ORDER BY a.ordinal LOOP
        dyn := prefix || t.dynamodb_suffix;
        CONTINUE WHEN NOT dyn = ANY (tables);
        INSERT INTO awstore.replication_tables (replication, dynamodb_table, table_name, stream_arn)
        VALUES (rid, dyn, t.table_name, awstore.replication_stream(server, dyn));
        PERFORM awstore.replication_discover(rid, dyn, true);
    END LOOP;
    -- Read consistently: a write acknowledged before the positions were
    -- taken, and so not in the stream after them, is in the snapshot.
    -- Items left out are sorted afterwards (replication_snapshot_rejects).
    RETURN QUERY SELECT * FROM awstore.migrate_from_dynamodb(server, prefix, target, false, 'skip', true,
                                                             max_read_capacity, NULL, true);
    PERFORM awstore.replication_snapshot_rejects(rid);
END
$$;
COMMENT ON FUNCTION awstore.start_replication(name, text, name, numeric, text) IS
    'snapshot the ActingWeb tables of a DynamoDB prefix and follow their streams from then on';

/*
 * After the snapshot (run with on_error 'skip'): a property_lookup item
 * whose actor or property the snapshot read before they were written
 * (the tables are read one after the other while the application writes)
 * is no reject but an item to hold, as replicate holds one, until the
 * stream brings what it names.  Its attributes are read again (GetItem).
 * The other items left out follow the replication's on_error: with
 * 'stop', the first is the error, as the migration would have raised it.
 */
CREATE FUNCTION awstore.replication_snapshot_rejects(replication integer)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    rep awstore.replications;
    dyn text;
    held text[];
    fs record;
    bad record;
BEGIN
    SELECT * INTO rep FROM awstore.replications r WHERE r.id = replication_snapshot_rejects.replication;
    SELECT t.dynamodb_table INTO dyn FROM awstore.replication_tables t
     WHERE t.replication = rep.id AND t.table_name = 'property_lookup';
    held := ARRAY(
        SELECT substring(j.item_key FROM '^\(lookup_key\)=\((.*)\)$')
          FROM awstore.migration_rejects j
         WHERE j.run = now() AND j.table_name = 'property_lookup' AND j.dynamodb_table = dyn
           AND NOT EXISTS (SELECT FROM regexp_split_to_table(j.problem, '; ') part
                            WHERE part !~ '^actor .* (does not exist|has no property .* whose value has the digest lookup_key)$'));
    IF cardinality(held) > 0 THEN
        SELECT * INTO fs FROM awstore.migration_foreign_schema(rep.server, rep.prefix);
        EXECUTE format(
            'INSERT INTO awstore.replication_pending (replication, dynamodb_table, item_key, item, first_seen)'
            ' SELECT $1, $2, jsonb_build_object(''lookup_key'', jsonb_build_object(''S'', f.lookup_key)),'
            ' jsonb_strip_nulls(jsonb_build_object(''lookup_key'', jsonb_build_object(''S'', f.lookup_key),'
            ' ''property_name'', CASE WHEN f.property_name IS NOT NULL THEN jsonb_build_object(''S'', f.property_name) END,'
            ' ''actor_id'', CASE WHEN f.actor_id IS NOT NULL THEN jsonb_build_object(''S'', f.actor_id) END)),'
            ' clock_timestamp()'
            ' FROM %I.property_lookup f WHERE f.lookup_key = ANY ($3)'
            ' ON CONFLICT DO NOTHING', fs.schema_name)
            USING rep.id, dyn, held;
        PERFORM awstore.migration_drop_schema(fs.schema_name);
        DELETE FROM awstore.migration_rejects j
         WHERE j.run = now() AND j.table_name = 'property_lookup' AND j.dynamodb_table = dyn
           AND substring(j.item_key FROM '^\(lookup_key\)=\((.*)\)$') = ANY (held);
    END IF;
    IF rep.on_error = 'stop' THEN
        SELECT j.* INTO bad FROM awstore.migration_rejects j
          JOIN awstore.replication_tables t ON t.replication = rep.id AND t.dynamodb_table = j.dynamodb_table
         WHERE j.run = now()
         LIMIT 1;
        IF FOUND THEN
            RAISE EXCEPTION 'cannot migrate item % of DynamoDB table "%" into table "%"',
                            bad.item_key, bad.dynamodb_table, bad.table_name
                USING ERRCODE = 'data_exception',
                      DETAIL = bad.problem || '.',
                      HINT = 'Correct the item, or start the replication with on_error => ''skip'' to list such items in awstore.migration_rejects.';
        END IF;
    END IF;
END
$$;
COMMENT ON FUNCTION awstore.replication_snapshot_rejects(integer) IS
    'hold the snapshot''s property_lookup items whose property was written after it was read; on_error for the rest';

/*
 * The columns of a one-table replication: the foreign table's, each of
 * which the local table must have, and the local table's primary key,
 * which must be the DynamoDB key's columns.
 */
CREATE FUNCTION awstore.replication_columns(foreign_table regclass, local_table regclass,
                                            OUT cols name[], OUT pk name[], OUT nonkey name[])
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    missing text;
BEGIN
    cols := ARRAY(SELECT a.attname FROM pg_attribute a
                   WHERE a.attrelid = foreign_table AND a.attnum > 0 AND NOT a.attisdropped
                   ORDER BY a.attnum);
    SELECT string_agg(quote_ident(c), ', ') INTO missing
      FROM unnest(cols) c
     WHERE NOT EXISTS (SELECT FROM pg_attribute a WHERE a.attrelid = local_table AND a.attname = c
                                                  AND NOT a.attisdropped);
    IF missing IS NOT NULL THEN
        RAISE EXCEPTION 'table % has no column % of foreign table %', local_table, missing, foreign_table
            USING ERRCODE = 'undefined_column';
    END IF;
    SELECT array_agg(a.attname ORDER BY k.n) INTO pk
      FROM pg_constraint con
     CROSS JOIN LATERAL unnest(con.conkey) WITH ORDINALITY AS k (attnum, n)
      JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum
     WHERE con.conrelid = local_table AND con.contype = 'p';
    IF pk IS NULL THEN
        RAISE EXCEPTION 'table % has no primary key', local_table
            USING ERRCODE = 'invalid_table_definition',
                  HINT = 'Give it the primary key of the DynamoDB table''s key columns.';
    END IF;
    nonkey := ARRAY(SELECT c FROM unnest(cols) c WHERE NOT c = ANY (pk));
END
$$;
COMMENT ON FUNCTION awstore.replication_columns(regclass, regclass) IS
    'the columns and primary key of a one-table replication';

-- Raises an error unless the table's owner has the privileges of the
-- calling role (code the owner attached would run as the caller).
CREATE FUNCTION awstore.replication_check_owner(tbl regclass)
RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    owner regrole;
BEGIN
    SELECT c.relowner::regrole INTO owner FROM pg_class c WHERE c.oid = tbl AND c.relkind IN ('r', 'p');
    IF NOT FOUND THEN
        RAISE EXCEPTION 'relation % is not a table', tbl USING ERRCODE = 'wrong_object_type';
    END IF;
    IF NOT pg_has_role(owner, current_user, 'USAGE') THEN
        RAISE EXCEPTION 'table % is owned by role %, which does not have the privileges of role %',
                        tbl, owner, current_user
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = 'Replication writes as the calling role; code the table''s owner attached to the table would run with the caller''s privileges.',
                  HINT = format('Replicate as the owner (SET ROLE %s), with a user mapping of its own for the server.', owner);
    END IF;
END
$$;
COMMENT ON FUNCTION awstore.replication_check_owner(regclass) IS
    'the table, when its owner has the privileges of the calling role; an error otherwise';

-- ON CONFLICT's action: update the columns that differ.
CREATE FUNCTION awstore.replication_upsert_action(nonkey name[])
RETURNS text
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT CASE WHEN cardinality(nonkey) = 0 THEN 'DO NOTHING'
           ELSE format('DO UPDATE SET (%s) = ROW(%s) WHERE (%s) IS DISTINCT FROM (%s)',
                       (SELECT string_agg(quote_ident(x), ', ') FROM unnest(nonkey) x),
                       (SELECT string_agg('EXCLUDED.' || quote_ident(x), ', ') FROM unnest(nonkey) x),
                       (SELECT string_agg('t.' || quote_ident(x), ', ') FROM unnest(nonkey) x),
                       (SELECT string_agg('EXCLUDED.' || quote_ident(x), ', ') FROM unnest(nonkey) x))
           END
$$;
COMMENT ON FUNCTION awstore.replication_upsert_action(name[]) IS
    'the ON CONFLICT action of a replication''s upsert: update the columns that differ';
/*
 * Any table: the foreign table's items into a local table with the same
 * columns and a primary key on the DynamoDB key's columns.  The snapshot
 * upserts every item and deletes the rows whose item is not there.
 */
-- (on_error is a name, not text: a call with three string literals is
-- then the ActingWeb form's, not ambiguous)
CREATE FUNCTION awstore.start_replication(foreign_table regclass, local_table regclass,
                                          on_error name DEFAULT 'stop')
RETURNS TABLE (table_name text, rows bigint, seconds numeric)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    srv name;
    dyn text;
    rid integer;
    c record;
    keys name[];
    started timestamptz := clock_timestamp();
BEGIN
    IF foreign_table IS NULL OR local_table IS NULL THEN
        RAISE EXCEPTION 'foreign_table and local_table must be given' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF on_error IS NULL OR on_error NOT IN ('stop', 'skip') THEN
        RAISE EXCEPTION 'invalid on_error "%"', on_error
            USING ERRCODE = 'invalid_parameter_value', HINT = 'Give stop or skip.';
    END IF;
    SELECT s.srvname, o.option_value INTO srv, dyn
      FROM pg_foreign_table f
      JOIN pg_foreign_server s ON s.oid = f.ftserver
      JOIN pg_foreign_data_wrapper w ON w.oid = s.srvfdw AND w.fdwname = 'awstore_dynamodb'
      LEFT JOIN pg_options_to_table(f.ftoptions) o ON o.option_name = 'table_name'
     WHERE f.ftrelid = foreign_table;
    IF srv IS NULL THEN
        RAISE EXCEPTION 'relation % is not a foreign table of an awstore_dynamodb server', foreign_table
            USING ERRCODE = 'wrong_object_type';
    END IF;
    dyn := coalesce(dyn, (SELECT relname FROM pg_class WHERE oid = foreign_table));
    PERFORM awstore.replication_check_owner(local_table);
    IF EXISTS (SELECT FROM awstore.replications r WHERE r.local_table = start_replication.local_table) THEN
        RAISE EXCEPTION 'table % is replicated from DynamoDB already', local_table
            USING ERRCODE = 'duplicate_object',
                  HINT = 'awstore.replication_status shows it; awstore.stop_replication ends it.';
    END IF;
    SELECT * INTO c FROM awstore.replication_columns(foreign_table, local_table);
    -- the primary key must be the columns of the DynamoDB key's attributes
    keys := ARRAY(SELECT a.attname
                    FROM jsonb_array_elements(awstore.dynamodb_describe_table(srv, dyn) -> 'KeySchema') k
                    JOIN pg_attribute a ON a.attrelid = foreign_table AND a.attnum > 0 AND NOT a.attisdropped
                     AND coalesce((SELECT o.option_value FROM pg_options_to_table(a.attfdwoptions) o
                                    WHERE o.option_name = 'attribute_name'), a.attname::text)
                         = k ->> 'AttributeName'
                   ORDER BY a.attname);
    IF keys IS DISTINCT FROM ARRAY(SELECT x FROM unnest(c.pk) x ORDER BY x) THEN
        RAISE EXCEPTION 'the primary key of table % is not the key of DynamoDB table "%"', local_table, dyn
            USING ERRCODE = 'invalid_table_definition',
                  DETAIL = format('The key''s columns in foreign table %s are %s; the primary key is on %s.',
                                  foreign_table, coalesce(array_to_string(keys, ', '), 'none'),
                                  array_to_string(c.pk, ', '));
    END IF;
    INSERT INTO awstore.replications (server, foreign_table, local_table, on_error, started_at, started_by)
    VALUES (srv, foreign_table, local_table, on_error, clock_timestamp(), current_user::regrole)
    RETURNING id INTO rid;
    INSERT INTO awstore.replication_tables (replication, dynamodb_table, table_name, stream_arn)
    VALUES (rid, dyn, local_table::text, awstore.replication_stream(srv, dyn));
    PERFORM awstore.replication_discover(rid, dyn, true);

    EXECUTE format('WITH src AS MATERIALIZED (SELECT %1$s FROM %2$s),'
                   ' written AS (INSERT INTO %3$s AS t (%1$s) SELECT %1$s FROM src ON CONFLICT (%4$s) %5$s RETURNING 1),'
                   ' removed AS (DELETE FROM %3$s l WHERE NOT EXISTS (SELECT FROM src f WHERE %6$s) RETURNING 1)'
                   ' SELECT count(*) FROM src',
                   (SELECT string_agg(quote_ident(x), ', ') FROM unnest(c.cols) x), foreign_table, local_table,
                   (SELECT string_agg(quote_ident(x), ', ') FROM unnest(c.pk) x),
                   awstore.replication_upsert_action(c.nonkey),
                   (SELECT string_agg(format('l.%1$I = f.%1$I', x), ' AND ') FROM unnest(c.pk) x))
        INTO rows;
    table_name := local_table::text;
    seconds := round(extract(epoch FROM clock_timestamp() - started)::numeric, 3);
    RETURN NEXT;
END
$$;

COMMENT ON FUNCTION awstore.start_replication(regclass, regclass, name) IS
    'snapshot a foreign table into a local table and follow the DynamoDB table''s stream from then on';

/*
 * Ends a replication: its positions are forgotten, the rows stay.  The
 * streams stay on (other readers may use them); dynamodb_describe_table
 * shows them.
 */
CREATE FUNCTION awstore.stop_replication(server name, prefix text)
RETURNS boolean
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    DELETE FROM awstore.replications r WHERE r.server = stop_replication.server AND r.prefix = stop_replication.prefix;
    RETURN FOUND;
END
$$;
COMMENT ON FUNCTION awstore.stop_replication(name, text) IS
    'end the replication of an ActingWeb prefix; false when there was none';

CREATE FUNCTION awstore.stop_replication(local_table regclass)
RETURNS boolean
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    DELETE FROM awstore.replications r WHERE r.local_table = stop_replication.local_table;
    RETURN FOUND;
END
$$;
COMMENT ON FUNCTION awstore.stop_replication(regclass) IS
    'end the replication into a table; false when there was none';

/*
 * Per replicated table.  caught_up_to: every change DynamoDB made before
 * it is applied.  A shard that two reads in a row found at its end is
 * caught up to the start of the last; one that is still being read, to
 * its last applied record's creation time (DynamoDB gives it to the
 * second; DynamoDB Local to the minute), or to the replication's start.
 * A table is caught up to the earliest of its open shards, and of its
 * property_lookup items still waiting.  lag_seconds is the time since.
 */
CREATE FUNCTION awstore.replication_caught_up_to(replication integer, dynamodb_table text)
RETURNS timestamptz
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT least((SELECT min(CASE WHEN sh.idle_polls >= 2 THEN sh.last_empty_poll_at
                                  ELSE coalesce(sh.last_record_created, r.started_at) END)
                    FROM awstore.replication_shards sh
                   WHERE sh.replication = r.id AND sh.dynamodb_table = $2 AND NOT sh.finished),
                 (SELECT min(p.first_seen) FROM awstore.replication_pending p
                   WHERE p.replication = r.id AND p.dynamodb_table = $2))
      FROM awstore.replications r
     WHERE r.id = $1 AND r.failed IS NULL
$$;
COMMENT ON FUNCTION awstore.replication_caught_up_to(integer, text) IS
    'the moment before which every change of a replicated table is applied';

CREATE VIEW awstore.replication_status AS
    SELECT r.id AS replication, r.server,
           coalesce(r.prefix, r.foreign_table::text) AS source,
           t.table_name, t.dynamodb_table, t.stream_arn,
           (SELECT count(*) FROM awstore.replication_shards s
             WHERE s.replication = t.replication AND s.dynamodb_table = t.dynamodb_table
               AND NOT s.finished) AS open_shards,
           (SELECT count(*) FROM awstore.replication_shards s
             WHERE s.replication = t.replication AND s.dynamodb_table = t.dynamodb_table
               AND s.finished) AS closed_shards,
           t.records_applied,
           t.last_record_created,
           t.last_applied_at,
           (SELECT count(*) FROM awstore.replication_pending p
             WHERE p.replication = r.id AND p.dynamodb_table = t.dynamodb_table) AS pending_items,
           c.caught_up_to,
           round(greatest(extract(epoch FROM now() - c.caught_up_to), 0)::numeric, 3) AS lag_seconds,
           coalesce(r.failed, t.last_error) AS last_error,
           t.last_error_at
      FROM awstore.replications r
      JOIN awstore.replication_tables t ON t.replication = r.id
     CROSS JOIN LATERAL (SELECT awstore.replication_caught_up_to(r.id, t.dynamodb_table) AS caught_up_to) c;
COMMENT ON VIEW awstore.replication_status IS
    'each replicated table: stream, shards, records applied, how far it is caught up, last error';

/*
 * Waits until every replicated table is caught up to a moment at least a
 * second after the call (the changes DynamoDB made before the call are
 * applied), or timeout has passed: true or false.  Needs replicate
 * running (scheduled, or in another session).  A failed replication is
 * its error.
 */
CREATE FUNCTION awstore.replication_wait(timeout interval)
RETURNS boolean
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    called timestamptz := clock_timestamp();
BEGIN
    IF timeout IS NULL THEN
        RAISE EXCEPTION 'timeout must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        RAISE EXCEPTION 'replication_wait needs isolation level READ COMMITTED'
            USING ERRCODE = 'active_sql_transaction',
                  DETAIL = 'A snapshot taken once would never see the runs'' progress.';
    END IF;
    IF NOT EXISTS (SELECT FROM awstore.replications) THEN
        RAISE EXCEPTION 'there is no replication to wait for'
            USING ERRCODE = 'undefined_object', HINT = 'awstore.start_replication starts one.';
    END IF;
    LOOP
        PERFORM awstore.replication_check_failed();
        IF NOT EXISTS (SELECT FROM awstore.replication_status st
                        WHERE st.caught_up_to IS NULL OR st.caught_up_to < called + interval '1 second') THEN
            RETURN true;
        END IF;
        IF clock_timestamp() >= called + timeout THEN
            RETURN false;
        END IF;
        PERFORM pg_sleep(0.1);
    END LOOP;
END
$$;
COMMENT ON FUNCTION awstore.replication_wait(interval) IS
    'wait until every replicated table has applied the changes made before the call; false after timeout';

CREATE FUNCTION awstore.replication_job_name()
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$ SELECT 'awstore_replicate'::text $$;
COMMENT ON FUNCTION awstore.replication_job_name() IS
    'name of the pg_cron job that runs replicate';

CREATE FUNCTION awstore.schedule_replication(schedule text DEFAULT '* * * * *')
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    jobid bigint;
BEGIN
    IF schedule IS NULL THEN
        RAISE EXCEPTION 'schedule must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    PERFORM awstore.require_pg_cron(format('SELECT cron.schedule_in_database(%L, %L, %L, %L);',
                                           awstore.replication_job_name() || ':' || current_database(),
                                           schedule, 'CALL awstore.replicate()', current_database()));
    EXECUTE 'SELECT cron.schedule($1, $2, $3)'
        INTO jobid
        USING awstore.replication_job_name(), schedule, 'CALL awstore.replicate()';
    RETURN jobid;
END
$$;
COMMENT ON FUNCTION awstore.schedule_replication(text) IS
    'schedule CALL awstore.replicate() with pg_cron (every minute by default); returns the job id';

CREATE FUNCTION awstore.unschedule_replication()
RETURNS boolean
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    jobid bigint;
BEGIN
    PERFORM awstore.require_pg_cron(format('SELECT cron.unschedule(%L);',
                                           awstore.replication_job_name() || ':' || current_database()));
    EXECUTE 'SELECT j.jobid FROM cron.job j WHERE j.jobname = $1 AND j.username = current_user'
        INTO jobid
        USING awstore.replication_job_name();
    IF jobid IS NULL THEN
        RAISE NOTICE 'replication is not scheduled';
        RETURN false;
    END IF;
    EXECUTE 'SELECT cron.unschedule($1)' USING jobid;
    RETURN true;
END
$$;
COMMENT ON FUNCTION awstore.unschedule_replication() IS
    'remove the pg_cron job of replicate; false when there was none';

-- Privileges: replicating is for superusers and the roles they grant it
-- to.  dynamodb_item_row only converts its argument: it stays with PUBLIC.
REVOKE ALL ON FUNCTION awstore.dynamodb_enable_stream(name, text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION awstore.dynamodb_stream_call(name, text, jsonb, text[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION awstore.replication_stream(name, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION awstore.replication_discover(integer, text, boolean) FROM PUBLIC;
REVOKE ALL ON FUNCTION awstore.replication_snapshot_rejects(integer) FROM PUBLIC;
REVOKE ALL ON FUNCTION awstore.start_replication(name, text, name, numeric, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION awstore.start_replication(regclass, regclass, name) FROM PUBLIC;
REVOKE ALL ON FUNCTION awstore.stop_replication(name, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION awstore.stop_replication(regclass) FROM PUBLIC;
REVOKE ALL ON FUNCTION awstore.replication_wait(interval) FROM PUBLIC;
REVOKE ALL ON FUNCTION awstore.replication_caught_up_to(integer, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION awstore.schedule_replication(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION awstore.unschedule_replication() FROM PUBLIC;

/*
 * The temporary table (one per ActingWeb table, named like it, emptied at
 * each commit) in which records are staged for the migration statements:
 * the shape of actingweb_foreign_tables, text and jsonb by attribute.
 */
CREATE FUNCTION awstore.replication_stage(table_name name)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    stage regclass := to_regclass(format('pg_temp.%I', table_name));
    cols text;
BEGIN
    IF stage IS NULL THEN
        SELECT string_agg(format('%I %s', c.attribute,
                                 CASE WHEN c.kind IN ('N', 'BOOL') THEN 'jsonb' ELSE 'text' END),
                          ', ' ORDER BY c.ordinal)
          INTO cols
          FROM awstore.actingweb_columns() c
         WHERE c.table_name = replication_stage.table_name;
        EXECUTE format('CREATE TEMPORARY TABLE %I (%s) ON COMMIT DELETE ROWS', table_name, cols);
        EXECUTE format('COMMENT ON TABLE pg_temp.%I IS %L', table_name, 'awstore replication stage');
    ELSIF obj_description(stage, 'pg_class') IS DISTINCT FROM 'awstore replication stage'
          OR NOT EXISTS (SELECT FROM pg_class c
                          WHERE c.oid = stage AND c.relowner = current_user::regrole AND c.relkind = 'r'
                            AND c.relpersistence = 't' AND NOT c.relhastriggers AND NOT c.relhasrules
                            AND NOT c.relrowsecurity) THEN
        RAISE EXCEPTION 'a temporary table "%" exists in this session', table_name
            USING ERRCODE = 'duplicate_table',
                  DETAIL = 'Replication stages records in temporary tables of that name, made by the replicating role, without triggers, rules or policies.',
                  HINT = 'Replicate in a session without temporary tables named like the ActingWeb tables.';
    ELSE
        EXECUTE format('DELETE FROM pg_temp.%I', table_name);
    END IF;
END
$$;
COMMENT ON FUNCTION awstore.replication_stage(name) IS
    'the empty temporary table in which replication stages records of an ActingWeb table';

/*
 * Applies stream records of one DynamoDB table (in sequence order) for a
 * replication, in the caller's transaction.  The last record of each key
 * decides: REMOVE deletes the row, INSERT and MODIFY upsert it.
 */
CREATE FUNCTION awstore.replication_apply(replication integer, dynamodb_table text, records jsonb)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    rep awstore.replications;
    tbl text;
    removes jsonb;
    upserts jsonb;
    bad jsonb;
    c record;
BEGIN
    SELECT * INTO rep FROM awstore.replications r WHERE r.id = replication_apply.replication;
    SELECT t.table_name INTO tbl FROM awstore.replication_tables t
     WHERE t.replication = rep.id AND t.dynamodb_table = replication_apply.dynamodb_table;
    SELECT coalesce(jsonb_agg(l.e ORDER BY l.ord) FILTER (WHERE l.e ->> 'eventName' = 'REMOVE'), '[]'),
           coalesce(jsonb_agg(l.e ORDER BY l.ord) FILTER (WHERE l.e ->> 'eventName' <> 'REMOVE'), '[]')
      INTO removes, upserts
      FROM (SELECT DISTINCT ON (k.key) x.e, x.ord
              FROM jsonb_array_elements(records) WITH ORDINALITY AS x (e, ord)
             -- a number key as a number: 1.50 and 15E-1 are one key
             CROSS JOIN LATERAL (SELECT jsonb_object_agg(a.name, CASE WHEN a.v ? 'N'
                                                                  THEN jsonb_build_object('N', (a.v ->> 'N')::numeric)
                                                                  ELSE a.v END) AS key
                                   FROM jsonb_each(x.e -> 'dynamodb' -> 'Keys') a (name, v)) k
             ORDER BY k.key, x.ord DESC) l;

    -- a record the Streams answer could not carry (streams.c) is an item
    -- that cannot be replicated
    SELECT x.e INTO bad FROM jsonb_array_elements(upserts || removes) x (e) WHERE x.e ? 'awstore_problem' LIMIT 1;
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'cannot replicate item % of DynamoDB table "%"',
                        bad -> 'dynamodb' -> 'Keys', replication_apply.dynamodb_table
            USING ERRCODE = 'untranslatable_character',
                  DETAIL = format('Stream record %s: %s.', bad -> 'dynamodb' ->> 'SequenceNumber',
                                  bad ->> 'awstore_problem');
    END IF;

    IF rep.prefix IS NULL THEN
        -- one table: the foreign table's conversion, the local table's key
        SELECT * INTO c FROM awstore.replication_columns(rep.foreign_table, rep.local_table);
        IF jsonb_array_length(removes) > 0 THEN
            EXECUTE format('DELETE FROM %s l USING (SELECT (awstore.dynamodb_item_row(NULL::%s,'
                           ' e -> ''dynamodb'' -> ''Keys'', e -> ''dynamodb'' -> ''Keys'')).*'
                           ' FROM jsonb_array_elements($1) e) f WHERE %s',
                           rep.local_table, rep.foreign_table,
                           (SELECT string_agg(format('l.%1$I = f.%1$I', x), ' AND ') FROM unnest(c.pk) x))
                USING removes;
        END IF;
        IF jsonb_array_length(upserts) > 0 THEN
            EXECUTE format('INSERT INTO %1$s AS t (%2$s) SELECT %2$s FROM (SELECT (awstore.dynamodb_item_row(NULL::%3$s,'
                           ' e -> ''dynamodb'' -> ''NewImage'', e -> ''dynamodb'' -> ''Keys'')).*'
                           ' FROM jsonb_array_elements($1) e) f ON CONFLICT (%4$s) %5$s',
                           rep.local_table, (SELECT string_agg(quote_ident(x), ', ') FROM unnest(c.cols) x),
                           rep.foreign_table, (SELECT string_agg(quote_ident(x), ', ') FROM unnest(c.pk) x),
                           awstore.replication_upsert_action(c.nonkey))
                USING upserts;
        END IF;
        RETURN;
    END IF;

    -- ActingWeb: staged, then the migration's own statements
    IF jsonb_array_length(removes) > 0 THEN
        PERFORM awstore.replication_stage(tbl);
        -- by key (what the item held does not matter to its deletion); a
        -- lookup's property_name too, when the old image has it, finds
        -- its row by index
        EXECUTE format('INSERT INTO pg_temp.%1$I SELECT (awstore.dynamodb_item_row(NULL::pg_temp.%1$I,'
                       ' e -> ''dynamodb'' -> ''Keys'' || CASE WHEN %2$L = ''property_lookup'''
                       ' AND jsonb_typeof(e -> ''dynamodb'' -> ''OldImage'' -> ''property_name'' -> ''S'') = ''string'''
                       ' THEN jsonb_build_object(''property_name'', e -> ''dynamodb'' -> ''OldImage'' -> ''property_name'')'
                       ' ELSE ''{}'' END,'
                       ' e -> ''dynamodb'' -> ''Keys'')).* FROM jsonb_array_elements($1) e', tbl, tbl)
            USING removes;
        PERFORM * FROM awstore.migration_run(
            awstore.migration_statement(tbl, 'from_dynamodb_delete', 'pg_temp', rep.target_schema,
                                        dynamodb_table => replication_apply.dynamodb_table), tbl);
        DELETE FROM awstore.replication_pending p
         WHERE p.replication = rep.id AND p.dynamodb_table = replication_apply.dynamodb_table
           AND p.item_key IN (SELECT e -> 'dynamodb' -> 'Keys' FROM jsonb_array_elements(removes) e);
    END IF;
    IF jsonb_array_length(upserts) > 0 THEN
        PERFORM awstore.replication_stage(tbl);
        EXECUTE format('INSERT INTO pg_temp.%1$I SELECT (awstore.dynamodb_item_row(NULL::pg_temp.%1$I,'
                       ' e -> ''dynamodb'' -> ''NewImage'', e -> ''dynamodb'' -> ''Keys'')).*'
                       ' FROM jsonb_array_elements($1) e', tbl)
            USING upserts;
        IF tbl = 'property_lookup' THEN
            PERFORM awstore.replication_hold_lookups(rep, replication_apply.dynamodb_table, upserts);
        END IF;
        PERFORM * FROM awstore.migration_run(
            awstore.migration_statement(tbl, 'from_dynamodb', 'pg_temp', rep.target_schema, rep.on_error,
                                        dynamodb_table => replication_apply.dynamodb_table), tbl);
    END IF;
END
$$;
COMMENT ON FUNCTION awstore.replication_apply(integer, text, jsonb) IS
    'apply stream records of one DynamoDB table of a replication, the last record of each key deciding';

/*
 * Moves the staged property_lookup items whose property or actor is not
 * in PostgreSQL yet to replication_pending (keeping when the key was first
 * held), and forgets held items that a staged one supersedes.
 */
CREATE FUNCTION awstore.replication_hold_lookups(rep awstore.replications, dynamodb_table text,
                                                 upserts jsonb)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    EXECUTE format(
        'WITH held AS (DELETE FROM pg_temp.property_lookup f'
        ' WHERE NOT (EXISTS (SELECT FROM %1$I.properties p WHERE p.id = f.actor_id AND p.name = f.property_name'
        ' AND awstore.property_lookup_key(p.name, p.value) = f.lookup_key)'
        ' AND EXISTS (SELECT FROM %1$I.actors a WHERE a.id = f.actor_id))'
        ' RETURNING f.lookup_key)'
        ' INSERT INTO awstore.replication_pending AS p (replication, dynamodb_table, item_key, item, first_seen)'
        ' SELECT $1, $2, e -> ''dynamodb'' -> ''Keys'', e -> ''dynamodb'' -> ''NewImage'', clock_timestamp()'
        ' FROM jsonb_array_elements($3) e JOIN held h ON h.lookup_key = e -> ''dynamodb'' -> ''Keys'' -> ''lookup_key'' ->> ''S'''
        ' ON CONFLICT (replication, dynamodb_table, item_key) DO UPDATE SET item = EXCLUDED.item',
        rep.target_schema)
        USING rep.id, dynamodb_table, upserts;
    -- staged ones replace what was held for their key
    EXECUTE 'DELETE FROM awstore.replication_pending p'
            ' WHERE p.replication = $1 AND p.dynamodb_table = $2'
            ' AND p.item_key IN (SELECT e -> ''dynamodb'' -> ''Keys'' FROM jsonb_array_elements($3) e'
            ' WHERE e -> ''dynamodb'' -> ''Keys'' -> ''lookup_key'' ->> ''S'' IN (SELECT f.lookup_key FROM pg_temp.property_lookup f))'
        USING rep.id, dynamodb_table, upserts;
END
$$;
COMMENT ON FUNCTION awstore.replication_hold_lookups(awstore.replications, text, jsonb) IS
    'hold replicated property_lookup items whose property is not there yet';

/*
 * Applies the held property_lookup items of a replication whose property
 * has arrived, and those seen before the moment up to which the actors
 * and properties streams are applied (their property, written first,
 * would be there by now), for which on_error decides (stop, or skip into
 * migration_rejects), as for the snapshot.
 */
CREATE FUNCTION awstore.replication_release_lookups(replication integer)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    rep awstore.replications;
    dyn text;
    settled timestamptz;
BEGIN
    SELECT * INTO rep FROM awstore.replications r WHERE r.id = replication_release_lookups.replication;
    SELECT t.dynamodb_table INTO dyn FROM awstore.replication_tables t
     WHERE t.replication = rep.id AND t.table_name = 'property_lookup';
    IF rep.prefix IS NULL OR dyn IS NULL
       OR NOT EXISTS (SELECT FROM awstore.replication_pending p WHERE p.replication = rep.id) THEN
        RETURN;
    END IF;
    SELECT coalesce(min(awstore.replication_caught_up_to(rep.id, t.dynamodb_table)), 'infinity')
      INTO settled
      FROM awstore.replication_tables t
     WHERE t.replication = rep.id AND t.table_name IN ('actors', 'properties');
    PERFORM awstore.replication_stage('property_lookup');
    EXECUTE format(
        'INSERT INTO pg_temp.property_lookup SELECT (awstore.dynamodb_item_row(NULL::pg_temp.property_lookup,'
        ' p.item, p.item_key)).* FROM awstore.replication_pending p WHERE p.replication = $1 AND p.dynamodb_table = $2'
        ' AND (p.first_seen < $3'
        ' OR EXISTS (SELECT FROM %1$I.properties pr JOIN %1$I.actors a ON a.id = pr.id'
        ' WHERE pr.id = p.item -> ''actor_id'' ->> ''S'' AND pr.name = p.item -> ''property_name'' ->> ''S'''
        ' AND awstore.property_lookup_key(pr.name, pr.value) = p.item_key -> ''lookup_key'' ->> ''S''))',
        rep.target_schema)
        USING rep.id, dyn, settled;
    DELETE FROM awstore.replication_pending p
     WHERE p.replication = rep.id AND p.dynamodb_table = dyn
       AND p.item_key -> 'lookup_key' ->> 'S' IN (SELECT f.lookup_key FROM pg_temp.property_lookup f);
    PERFORM * FROM awstore.migration_run(
        awstore.migration_statement('property_lookup', 'from_dynamodb', 'pg_temp', rep.target_schema,
                                    rep.on_error, dynamodb_table => dyn), 'property_lookup');
END
$$;
COMMENT ON FUNCTION awstore.replication_release_lookups(integer) IS
    'apply the held property_lookup items whose property arrived or whose wait is over';

/*
 * Applies records, and with on_error 'skip', when they do not convert,
 * applies them one at a time, listing in migration_rejects each that
 * fails (a conversion or constraint error).
 */
CREATE FUNCTION awstore.replication_apply_records(replication integer, dynamodb_table text,
                                                  records jsonb)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    rep awstore.replications;
    tbl text;
    rec jsonb;
    problem text;
    problem_detail text;
BEGIN
    SELECT * INTO rep FROM awstore.replications r WHERE r.id = replication_apply_records.replication;
    BEGIN
        PERFORM awstore.replication_apply(rep.id, dynamodb_table, records);
        RETURN;
    EXCEPTION WHEN data_exception OR integrity_constraint_violation OR fdw_error THEN
        IF rep.on_error <> 'skip' THEN
            RAISE;
        END IF;
    END;
    SELECT t.table_name INTO tbl FROM awstore.replication_tables t
     WHERE t.replication = rep.id AND t.dynamodb_table = replication_apply_records.dynamodb_table;
    FOR rec IN SELECT x.e FROM jsonb_array_elements(records) WITH ORDINALITY AS x (e, ord) ORDER BY x.ord LOOP
        BEGIN
            PERFORM awstore.replication_apply(rep.id, dynamodb_table, jsonb_build_array(rec));
        EXCEPTION WHEN data_exception OR integrity_constraint_violation OR fdw_error THEN
            GET STACKED DIAGNOSTICS problem = MESSAGE_TEXT, problem_detail = PG_EXCEPTION_DETAIL;
            problem := concat_ws(': ', problem, nullif(rtrim(problem_detail, '.'), ''));
            INSERT INTO awstore.migration_rejects
            VALUES (now(), dynamodb_table, CASE WHEN rep.prefix IS NOT NULL THEN tbl
                                                ELSE (SELECT relname FROM pg_class WHERE oid = rep.local_table) END,
                    (rec -> 'dynamodb' -> 'Keys')::text, problem);
        END;
    END LOOP;
END
$$;
COMMENT ON FUNCTION awstore.replication_apply_records(integer, text, jsonb) IS
    'apply stream records, one at a time with on_error ''skip'' when a page does not convert';

/*
 * Before a run: for each replication the calling role started that can
 * go on, its tables must be there and their streams the ones it started
 * from (otherwise it has failed: a new snapshot is needed), and new
 * shards are recorded.  A replication whose check fails otherwise (its
 * tables' owner, DynamoDB unreachable) has the error noted on its tables
 * and is left out of this run (skip); the first such error is returned,
 * for the run to raise at its end.
 */
CREATE FUNCTION awstore.replication_begin(OUT skip integer[], OUT state text, OUT message text,
                                          OUT detail text, OUT hint text)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    rep awstore.replications;
    t awstore.replication_tables;
    d jsonb;
    why text;
    e_state text;
    e_message text;
    e_detail text;
    e_hint text;
BEGIN
    skip := '{}';
    FOR rep IN SELECT * FROM awstore.replications r
                WHERE r.failed IS NULL AND r.started_by = current_user::regrole ORDER BY r.id LOOP
        BEGIN
            IF rep.prefix IS NOT NULL THEN
                PERFORM awstore.actingweb_check_schema(rep.target_schema);
            ELSIF NOT EXISTS (SELECT FROM pg_class c WHERE c.oid = rep.local_table)
                  OR NOT EXISTS (SELECT FROM pg_class c WHERE c.oid = rep.foreign_table) THEN
                UPDATE awstore.replications r SET failed = 'its local or foreign table was dropped'
                 WHERE r.id = rep.id;
                CONTINUE;
            ELSE
                PERFORM awstore.replication_check_owner(rep.local_table);
            END IF;
            FOR t IN SELECT * FROM awstore.replication_tables x WHERE x.replication = rep.id
                      ORDER BY x.dynamodb_table LOOP
                BEGIN
                    d := awstore.dynamodb_describe_table(rep.server, t.dynamodb_table);
                EXCEPTION WHEN fdw_table_not_found THEN
                    d := NULL;
                END;
                why := CASE
                    WHEN d IS NULL THEN format('DynamoDB table "%s" no longer exists', t.dynamodb_table)
                    WHEN NOT coalesce((d -> 'StreamSpecification' ->> 'StreamEnabled')::boolean, false)
                    THEN format('the stream of DynamoDB table "%s" was turned off', t.dynamodb_table)
                    WHEN d ->> 'LatestStreamArn' IS DISTINCT FROM t.stream_arn
                    THEN format('DynamoDB table "%s" has a new stream (%s), not the one replication started from (%s)',
                                t.dynamodb_table, d ->> 'LatestStreamArn', t.stream_arn)
                    END;
                IF why IS NOT NULL THEN
                    UPDATE awstore.replications r SET failed = why WHERE r.id = rep.id;
                    UPDATE awstore.replication_tables x SET last_error = why, last_error_at = clock_timestamp()
                     WHERE x.replication = rep.id AND x.dynamodb_table = t.dynamodb_table;
                    EXIT;
                END IF;
                PERFORM awstore.replication_discover(rep.id, t.dynamodb_table, false);
            END LOOP;
        EXCEPTION WHEN OTHERS THEN
            GET STACKED DIAGNOSTICS e_state = RETURNED_SQLSTATE, e_message = MESSAGE_TEXT,
                                    e_detail = PG_EXCEPTION_DETAIL, e_hint = PG_EXCEPTION_HINT;
            skip := skip || rep.id;
            UPDATE awstore.replication_tables x SET last_error = e_message, last_error_at = clock_timestamp()
             WHERE x.replication = rep.id;
            IF state IS NULL THEN
                state := e_state;
                message := e_message;
                detail := concat_ws(E'\n', nullif(e_detail, ''),
                                    format('While checking replication %s.', rep.id));
                hint := nullif(e_hint, '');
            END IF;
        END;
    END LOOP;
END
$$;
COMMENT ON FUNCTION awstore.replication_begin() IS
    'check the caller''s replications and their streams before a run, and record new shards';

/*
 * Shard lineage: a shard is read once its parent has been read to its end
 * (DynamoDB splits a shard into children, and a key's changes move with
 * it).  A parent the replication does not know (older than the stream's
 * retention, or closed before the snapshot) does not hold a child back.
 */
CREATE FUNCTION awstore.replication_shard_readable(shard awstore.replication_shards)
RETURNS boolean
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT NOT shard.finished
           AND NOT EXISTS (SELECT FROM awstore.replication_shards p
                            WHERE p.replication = shard.replication AND p.dynamodb_table = shard.dynamodb_table
                              AND p.shard_id = shard.parent_shard_id AND NOT p.finished)
$$;
COMMENT ON FUNCTION awstore.replication_shard_readable(awstore.replication_shards) IS
    'whether a shard can be read: not finished, and its parent finished or unknown';

/*
 * One step of a run: reads the next page of the shard most due (a shard
 * whose parent is finished, of a replication the caller started and
 * that is not in skip), applies it and moves the shard's checkpoint, all
 * in the caller's transaction.  wait: seconds until a shard is due (0
 * after work), NULL when there is nothing to read or the deadline has
 * come.  An error is not raised but returned (state, message, detail,
 * hint) after being noted on the table, and the shard is left for 10
 * seconds, so that the caller can commit, go on with the other shards
 * and raise it at the end.  Lost history marks the replication failed.
 */
CREATE FUNCTION awstore.replication_step(deadline timestamptz, skip integer[],
                                         OUT wait float8, OUT state text,
                                         OUT message text, OUT detail text, OUT hint text)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    started timestamptz := clock_timestamp();
    s awstore.replication_shards;
    rep awstore.replications;
    arn text;
    it text;
    answer jsonb;
    records jsonb;
    n integer;
    next_due timestamptz;
    lost text;
    newest timestamptz;
    tbl text;
BEGIN
    IF started >= deadline THEN
        RETURN;
    END IF;
    SELECT sh.* INTO s
      FROM awstore.replication_shards sh
      JOIN awstore.replications r ON r.id = sh.replication AND r.failed IS NULL
           AND r.started_by = current_user::regrole AND NOT r.id = ANY (skip)
     WHERE sh.next_poll_at <= started AND awstore.replication_shard_readable(sh)
     ORDER BY sh.next_poll_at
     LIMIT 1
       FOR UPDATE OF sh SKIP LOCKED;
    IF NOT FOUND THEN
        SELECT min(sh.next_poll_at) INTO next_due
          FROM awstore.replication_shards sh
          JOIN awstore.replications r ON r.id = sh.replication AND r.failed IS NULL
               AND r.started_by = current_user::regrole AND NOT r.id = ANY (skip)
         WHERE awstore.replication_shard_readable(sh);
        IF next_due IS NOT NULL THEN
            wait := least(greatest(extract(epoch FROM next_due - clock_timestamp()), 0.02),
                          extract(epoch FROM deadline - clock_timestamp()), 1.0);
            IF wait <= 0 THEN
                wait := NULL;
            END IF;
        END IF;
        RETURN;
    END IF;
    SELECT * INTO rep FROM awstore.replications r WHERE r.id = s.replication;
    SELECT t.stream_arn, t.table_name INTO arn, tbl FROM awstore.replication_tables t
     WHERE t.replication = s.replication AND t.dynamodb_table = s.dynamodb_table;
    wait := 0;
    BEGIN
        FOR attempt IN 1..3 LOOP
            it := s.iterator;
            IF it IS NULL OR s.iterator_at < clock_timestamp() - interval '14 minutes' THEN
                -- a new position: after the checkpoint, or the shard's
                -- beginning when nothing of it was applied and nothing
                -- can have been trimmed since it was last read
                IF s.checkpoint IS NULL
                   AND coalesce(s.iterator_at, s.discovered_at) < clock_timestamp() - interval '23 hours' THEN
                    lost := format('shard %s of DynamoDB table "%s" was last read at %s: changes since may be past the stream''s 24-hour retention',
                                   s.shard_id, s.dynamodb_table, coalesce(s.iterator_at, s.discovered_at));
                    RAISE EXCEPTION '%', lost USING ERRCODE = 'object_not_in_prerequisite_state';
                END IF;
                answer := awstore.dynamodb_stream_call(rep.server, 'GetShardIterator',
                    jsonb_strip_nulls(jsonb_build_object(
                        'StreamArn', arn, 'ShardId', s.shard_id,
                        'ShardIteratorType', CASE WHEN s.checkpoint IS NULL THEN 'TRIM_HORIZON'
                                                  ELSE 'AFTER_SEQUENCE_NUMBER' END,
                        'SequenceNumber', s.checkpoint)),
                    '{TrimmedDataAccessException,ResourceNotFoundException}');
                IF answer ? '__type' THEN
                    lost := format('shard %s of DynamoDB table "%s" cannot be read after its checkpoint %s: %s',
                                   s.shard_id, s.dynamodb_table, coalesce(s.checkpoint, '(none)'),
                                   answer ->> 'message');
                    RAISE EXCEPTION '%', lost USING ERRCODE = 'object_not_in_prerequisite_state';
                END IF;
                it := answer ->> 'ShardIterator';
                s.iterator_at := clock_timestamp();
            END IF;
            answer := awstore.dynamodb_stream_call(rep.server, 'GetRecords',
                                                   jsonb_build_object('ShardIterator', it, 'Limit', 1000),
                                                   '{ExpiredIteratorException,TrimmedDataAccessException,ResourceNotFoundException}');
            EXIT WHEN NOT answer ? '__type';
            IF attempt = 3 OR answer ->> '__type' = 'ResourceNotFoundException'
               OR (answer ->> '__type' = 'TrimmedDataAccessException' AND s.checkpoint IS NOT NULL) THEN
                lost := format('shard %s of DynamoDB table "%s" cannot be read after its checkpoint %s: %s',
                               s.shard_id, s.dynamodb_table, coalesce(s.checkpoint, '(none)'),
                               coalesce(nullif(answer ->> 'message', ''), answer ->> '__type'));
                RAISE EXCEPTION '%', lost USING ERRCODE = 'object_not_in_prerequisite_state';
            END IF;
            -- an expired position, or one taken while the shard was empty
            -- (which a first record can leave behind): take a new one
            s.iterator := NULL;
        END LOOP;
        records := coalesce(answer -> 'Records', '[]');
        n := jsonb_array_length(records);
        IF n > 0 THEN
            PERFORM awstore.replication_apply_records(s.replication, s.dynamodb_table, records);
            SELECT to_timestamp(max((e -> 'dynamodb' ->> 'ApproximateCreationDateTime')::float8))
              INTO newest FROM jsonb_array_elements(records) e;
        END IF;
        UPDATE awstore.replication_shards sh
           SET checkpoint = CASE WHEN n > 0 THEN records -> (n - 1) -> 'dynamodb' ->> 'SequenceNumber'
                                 ELSE sh.checkpoint END,
               iterator = answer ->> 'NextShardIterator',
               iterator_at = clock_timestamp(),
               finished = answer ->> 'NextShardIterator' IS NULL,
               records_applied = sh.records_applied + n,
               last_record_created = CASE WHEN n > 0 THEN newest ELSE sh.last_record_created END,
               last_poll_at = started,
               idle_polls = CASE WHEN n = 0 THEN sh.idle_polls + 1 ELSE 0 END,
               last_empty_poll_at = CASE WHEN n = 0 THEN started ELSE sh.last_empty_poll_at END,
               next_poll_at = CASE WHEN n > 0 THEN started
                                   ELSE started + least(0.05 * power(2, least(sh.idle_polls, 5)), 1.0)
                                                  * interval '1 second' END
         WHERE sh.replication = s.replication AND sh.dynamodb_table = s.dynamodb_table
           AND sh.shard_id = s.shard_id;
        UPDATE awstore.replication_tables t
           SET records_applied = t.records_applied + n,
               last_record_created = CASE WHEN n > 0 THEN greatest(t.last_record_created, newest)
                                          ELSE t.last_record_created END,
               last_applied_at = CASE WHEN n > 0 THEN clock_timestamp() ELSE t.last_applied_at END,
               last_error = NULL, last_error_at = NULL
         WHERE t.replication = s.replication AND t.dynamodb_table = s.dynamodb_table
           AND (n > 0 OR t.last_error IS NOT NULL);
        IF answer ->> 'NextShardIterator' IS NULL THEN
            -- read to its end: its children can be read now
            PERFORM awstore.replication_discover(s.replication, s.dynamodb_table, false);
        END IF;
        -- held lookups, with the lookup shard (whose errors they are)
        IF rep.prefix IS NOT NULL AND tbl = 'property_lookup' THEN
            PERFORM awstore.replication_release_lookups(rep.id);
        END IF;
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, message = MESSAGE_TEXT,
                                detail = PG_EXCEPTION_DETAIL, hint = PG_EXCEPTION_HINT;
        IF lost IS NOT NULL THEN
            hint := 'Changes were lost to this replication: stop it (awstore.stop_replication) and start a new one, which takes a new snapshot.';
            UPDATE awstore.replications r SET failed = lost WHERE r.id = s.replication;
        END IF;
        UPDATE awstore.replication_tables t
           SET last_error = message, last_error_at = clock_timestamp()
         WHERE t.replication = s.replication AND t.dynamodb_table = s.dynamodb_table;
        detail := concat_ws(E'\n', nullif(detail, ''),
                            format('While replicating shard %s of DynamoDB table "%s".', s.shard_id, s.dynamodb_table));
        hint := nullif(hint, '');
        -- the shard waits (its row is still locked): the others go on
        UPDATE awstore.replication_shards sh
           SET next_poll_at = clock_timestamp() + interval '10 seconds'
         WHERE sh.replication = s.replication AND sh.dynamodb_table = s.dynamodb_table
           AND sh.shard_id = s.shard_id;
        wait := 0;
    END;
END
$$;
COMMENT ON FUNCTION awstore.replication_step(timestamptz, integer[]) IS
    'read and apply the next page of the shard most due; errors are noted and returned';

-- Raises the error of a failed replication, if one has failed.
CREATE FUNCTION awstore.replication_check_failed()
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    rep awstore.replications;
BEGIN
    SELECT * INTO rep FROM awstore.replications r WHERE r.failed IS NOT NULL ORDER BY r.id LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'replication % from DynamoDB (server "%", %) has failed: %',
                        rep.id, rep.server, coalesce('prefix "' || rep.prefix || '"', 'table ' || rep.local_table::text),
                        rep.failed
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Changes were lost to this replication: stop it (awstore.stop_replication) and start a new one, which takes a new snapshot.';
    END IF;
END
$$;
COMMENT ON FUNCTION awstore.replication_check_failed() IS
    'raise the error of a failed replication, if there is one';

/*
 * Replicates until max_runtime has passed: one transaction per page of
 * records (so at least one commit a second while there is work), idle
 * shards read again after 50 ms, doubling up to a second.  Run it every
 * minute (schedule_replication).  It applies the replications the calling
 * role started.  A shard whose page fails is left for 10 seconds while
 * the others go on; the run then ends with the first error, once what
 * came after it is committed, and with the error of a failed replication.
 */
CREATE PROCEDURE awstore.replicate(max_runtime interval DEFAULT '55 seconds')
LANGUAGE plpgsql
AS $$
DECLARE
    deadline pg_catalog.timestamptz;
    first record;
    step record;
BEGIN
    IF max_runtime IS NULL THEN
        RAISE EXCEPTION 'max_runtime must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    deadline := pg_catalog.clock_timestamp() OPERATOR(pg_catalog.+) max_runtime;
    SELECT * INTO first FROM awstore.replication_begin();
    COMMIT;
    LOOP
        SELECT * INTO step FROM awstore.replication_step(deadline, first.skip);
        COMMIT;
        IF step.state IS NOT NULL AND first.state IS NULL THEN
            first.state := step.state;
            first.message := step.message;
            first.detail := step.detail;
            first.hint := step.hint;
        END IF;
        EXIT WHEN step.wait IS NULL;
        IF step.wait OPERATOR(pg_catalog.>) 0 THEN
            PERFORM pg_catalog.pg_sleep(step.wait);
        END IF;
    END LOOP;
    IF first.state IS NOT NULL THEN
        IF first.hint IS NOT NULL THEN
            RAISE EXCEPTION USING ERRCODE = first.state, MESSAGE = first.message,
                                  DETAIL = first.detail, HINT = first.hint;
        END IF;
        RAISE EXCEPTION USING ERRCODE = first.state, MESSAGE = first.message, DETAIL = first.detail;
    END IF;
    PERFORM awstore.replication_check_failed();
END
$$;
COMMENT ON PROCEDURE awstore.replicate(interval) IS
    'apply the changes DynamoDB Streams recorded to every replication, until max_runtime has passed';

-- Privileges: the steps of replicate, for superusers and the roles they
-- grant it to.
REVOKE ALL ON FUNCTION awstore.replication_stage(name) FROM PUBLIC;
REVOKE ALL ON FUNCTION awstore.replication_apply(integer, text, jsonb) FROM PUBLIC;
REVOKE ALL ON FUNCTION awstore.replication_hold_lookups(awstore.replications, text, jsonb) FROM PUBLIC;
REVOKE ALL ON FUNCTION awstore.replication_release_lookups(integer) FROM PUBLIC;
REVOKE ALL ON FUNCTION awstore.replication_apply_records(integer, text, jsonb) FROM PUBLIC;
REVOKE ALL ON FUNCTION awstore.replication_begin() FROM PUBLIC;
REVOKE ALL ON FUNCTION awstore.replication_step(timestamptz, integer[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION awstore.replication_shard_readable(awstore.replication_shards) FROM PUBLIC;
REVOKE ALL ON FUNCTION awstore.replication_check_failed() FROM PUBLIC;
REVOKE ALL ON PROCEDURE awstore.replicate(interval) FROM PUBLIC;
