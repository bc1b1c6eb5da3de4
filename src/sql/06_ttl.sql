-- src/sql/06_ttl.sql
--	TTL cleanup: registrations, the batched purge, the status view.
--	C: src/transaction_block.c (prevent_in_transaction_block).

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

-- Privileges: deleting is for superusers and the roles they grant it to;
-- monitoring is for pg_monitor.
REVOKE ALL ON FUNCTION awstore.forget_dropped_tables() FROM PUBLIC;
REVOKE ALL ON PROCEDURE awstore.purge_expired(integer, interval) FROM PUBLIC;
REVOKE ALL ON FUNCTION awstore.ttl_register(regclass, name) FROM PUBLIC;
REVOKE ALL ON FUNCTION awstore.ttl_unregister(regclass) FROM PUBLIC;
REVOKE ALL ON FUNCTION awstore.ttl_status_rows() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION awstore.ttl_status_rows() TO pg_monitor;
GRANT SELECT ON awstore.ttl_status TO pg_monitor;
