--
-- The ActingWeb schema as CREATE EXTENSION installs it: tables, columns,
-- keys, constraints and indexes, exactly as ActingWeb's migrations leave
-- them at revision e5f6a7b8c9d0.
--
CREATE SCHEMA aw;
CREATE EXTENSION awstore SCHEMA aw;

-- Every relation in the application schema: the nine tables, alembic_version,
-- and their indexes; nothing else.
SELECT c.relname, c.relkind
  FROM pg_class c
 WHERE c.relnamespace = 'aw'::regnamespace
 ORDER BY c.relkind DESC, c.relname;

-- Columns, in order, with types, nullability and defaults.
SELECT c.relname AS table_name, a.attnum, a.attname,
       format_type(a.atttypid, a.atttypmod) AS type,
       a.attnotnull AS not_null,
       pg_get_expr(d.adbin, d.adrelid) AS "default"
  FROM pg_class c
  JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
  LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
 WHERE c.relnamespace = 'aw'::regnamespace AND c.relkind = 'r'
 ORDER BY c.relname, a.attnum;

-- Constraints: primary keys and the deferred foreign key.
SELECT conrelid::regclass AS table_name, conname, pg_get_constraintdef(oid) AS definition
  FROM pg_constraint
 WHERE connamespace = 'aw'::regnamespace
 ORDER BY conrelid::regclass::text, conname;

-- Indexes, with their exact definitions.
SELECT tablename, indexname, indexdef
  FROM pg_indexes
 WHERE schemaname = 'aw'
 ORDER BY tablename, indexname;

SELECT * FROM aw.alembic_version;

-- The extension's own objects live in schema awstore, none in aw.
SELECT count(*) AS awstore_objects_in_aw
  FROM pg_depend d
  JOIN pg_class c ON d.classid = 'pg_class'::regclass AND c.oid = d.objid
 WHERE d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'awstore')
   AND d.deptype = 'e' AND c.relnamespace = 'aw'::regnamespace AND c.relkind <> 'r';
SELECT count(*) > 0 AS has_functions
  FROM pg_proc WHERE pronamespace = 'awstore'::regnamespace;
SELECT awstore.application_schema();
-- awstore.version(): the control file's version, and the libraries
SELECT awstore.version() ~ '^awstore [0-9.]+ \(libcurl/[0-9.]+ OpenSSL/.*json-c/' AS version_ok,
       split_part(awstore.version(), ' ', 2) = default_version AS control_version,
       split_part(awstore.version(), ' ', 2) = installed_version AS installed_version
  FROM pg_available_extensions WHERE name = 'awstore';

-- Every application table is dumped with its rows.
SELECT unnest(extconfig)::regclass AS dumped_table, unnest(extcondition) AS condition
  FROM pg_extension WHERE extname = 'awstore'
 ORDER BY dumped_table::text;

-- The foreign key is checked at commit, not at insert (ActingWeb relies on
-- it to detect writes for unknown actors).
BEGIN;
INSERT INTO aw.property_lookup VALUES ('email', 'a@example.com', 'no-such-actor');
SELECT count(*) FROM aw.property_lookup;
-- should fail
COMMIT;
-- ... and cascades on delete.
INSERT INTO aw.actors VALUES ('actor1', 'creator@example.com', 'secret', now());
INSERT INTO aw.property_lookup VALUES ('email', 'a@example.com', 'actor1');
DELETE FROM aw.actors WHERE id = 'actor1';
SELECT count(*) FROM aw.property_lookup;

-- No B-tree on properties.value: large values are storable.
INSERT INTO aw.actors VALUES ('actor2', 'c', 'p', NULL);
INSERT INTO aw.properties VALUES ('actor2', 'big', repeat(md5('x'), 400));
SELECT length(value) FROM aw.properties WHERE id = 'actor2';
-- properties.name is text: names longer than 255 characters are storable.
INSERT INTO aw.properties VALUES ('actor2', 'list:' || repeat('n', 300), 'v');
SELECT count(*) FROM aw.properties WHERE length(name) > 255;
-- subtarget defaults to the empty string.
INSERT INTO aw.subscription_suspensions (id, target, suspended_at)
VALUES ('actor2', 'properties', '2026-01-02 03:04:05+00');
SELECT subtarget = '' AS empty_subtarget FROM aw.subscription_suspensions;

DROP EXTENSION awstore;
DROP SCHEMA aw CASCADE;

-- Without SCHEMA, the tables go to the default creation schema.
CREATE EXTENSION awstore;
SELECT awstore.application_schema();
SELECT count(*) FROM pg_tables WHERE schemaname = 'public';
DROP EXTENSION awstore;
DROP TABLE public.actors, public.alembic_version, public.attributes,
           public.peertrustees, public.properties, public.property_lookup,
           public.subscription_diffs, public.subscription_suspensions,
           public.subscriptions, public.trusts;

-- The tables cannot go into schema awstore, which holds the extension's own
-- objects.
CREATE SCHEMA awstore;
-- should fail
CREATE EXTENSION awstore SCHEMA awstore;
DROP SCHEMA awstore;
-- A schema "awstore" made by someone else is not taken over.
CREATE SCHEMA aw;
CREATE SCHEMA awstore;
-- should fail
CREATE EXTENSION awstore SCHEMA aw;
DROP SCHEMA awstore;
DROP SCHEMA aw;
