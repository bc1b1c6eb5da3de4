-- src/sql/03_adoption.sql
--	The ActingWeb tables moved into the application schema, or identical
--	existing ones adopted.

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
                  HINT = pg_catalog.format('Bring the schema to ActingWeb''s head revision %s with "alembic upgrade head", or install awstore into an empty schema.', awstore.actingweb_schema_revision());
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
                RAISE EXCEPTION 'existing table "%.%" differs from the ActingWeb schema at revision %', app, t, awstore.actingweb_schema_revision()
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
        IF version_rows IS DISTINCT FROM ARRAY[awstore.actingweb_schema_revision()] THEN
            RAISE EXCEPTION 'table "%.alembic_version" does not record ActingWeb''s head revision %', app, awstore.actingweb_schema_revision()
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      DETAIL = pg_catalog.format('It holds: %s.', coalesce(pg_catalog.array_to_string(version_rows, ', '), 'no rows')),
                      HINT = 'Run "alembic upgrade head" with ActingWeb first.';
        END IF;
        EXECUTE pg_catalog.format('ALTER EXTENSION awstore ADD TABLE %I.alembic_version', app);
        DROP TABLE awstore.alembic_version;
    ELSE
        EXECUTE pg_catalog.format('ALTER TABLE awstore.alembic_version SET SCHEMA %I', app);
        EXECUTE pg_catalog.format('INSERT INTO %I.alembic_version (version_num) VALUES (%L)', app, awstore.actingweb_schema_revision());
    END IF;

    -- alembic_version is not dumped: CREATE EXTENSION writes its one row,
    -- which follows from the extension's version.
    FOREACH t IN ARRAY tables LOOP
        PERFORM pg_catalog.pg_extension_config_dump(pg_catalog.format('%I.%I', app, t)::regclass, '');
    END LOOP;
END
$install$;

-- Privileges: awstore.table_shape reads only the catalogs; EXECUTE stays
-- with PUBLIC.
