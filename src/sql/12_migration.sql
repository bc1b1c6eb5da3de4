-- src/sql/12_migration.sql
--	The ActingWeb migration between DynamoDB and PostgreSQL, both
--	directions, and its verification.  C: src/migration_counter.c
--	(migration_pass, migration_passed), src/fdw/pacing.c
--	(migration_capacity).

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
 *   from_dynamodb_delete  DELETE of the local rows whose DynamoDB key is in
 *                   the source (the items a stream removed); returns rows
 *                   deleted
 *   verify          both sides by key and content; returns local rows,
 *                   items, missing locally, missing in DynamoDB, different
 * The source is the foreign table of that name in foreign_schema, or any
 * table of its shape there (replication stages stream records in temporary
 * tables); dynamodb_table then names the DynamoDB table in messages.
 */
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

-- Privileges: migrating is for superusers and the roles they grant it to.
REVOKE ALL ON FUNCTION awstore.actingweb_foreign_tables(name, text, name) FROM PUBLIC;
REVOKE ALL ON FUNCTION awstore.actingweb_create_dynamodb_table(name, text, name) FROM PUBLIC;
REVOKE ALL ON FUNCTION awstore.migration_reject(text, text, name, text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION awstore.migration_foreign_schema(name, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION awstore.migration_drop_schema(name) FROM PUBLIC;
REVOKE ALL ON FUNCTION awstore.migration_run(text, name) FROM PUBLIC;
REVOKE ALL ON FUNCTION awstore.migration_pace(name, numeric, numeric, numeric, numeric) FROM PUBLIC;
REVOKE ALL ON FUNCTION awstore.migration_capacity() FROM PUBLIC;
REVOKE ALL ON FUNCTION awstore.migration_rate_note(numeric) FROM PUBLIC;
REVOKE ALL ON FUNCTION awstore.migrate_from_dynamodb(name, text, name, boolean, text, boolean,
                                                     numeric, numeric, boolean) FROM PUBLIC;
REVOKE ALL ON FUNCTION awstore.migrate_to_dynamodb(name, text, name, boolean, boolean, boolean,
                                                   numeric, numeric, numeric, numeric) FROM PUBLIC;
REVOKE ALL ON FUNCTION awstore.verify_migration(name, text, name, numeric, numeric) FROM PUBLIC;
