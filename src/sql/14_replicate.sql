-- src/sql/14_replicate.sql
--	Replication from DynamoDB Streams, the runs: staging records, applying
--	them with the migration's statements, the steps of CALL
--	awstore.replicate().  The tables and the start: 13_replication.sql.

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
