--
-- Upgrades go through ALTER EXTENSION awstore UPDATE.  An installation
-- created at the oldest version and updated must have exactly the objects
-- of a fresh installation at the default version.
--
CREATE SCHEMA aw;
CREATE EXTENSION awstore VERSION '1.0' SCHEMA aw;
ALTER EXTENSION awstore UPDATE;
SELECT e.extversion = a.default_version AS at_default_version
  FROM pg_extension e JOIN pg_available_extensions a ON a.name = e.extname
 WHERE e.extname = 'awstore';

-- The extension's member objects, whichever installation is there now.
CREATE TEMP VIEW members AS
SELECT classid, objid, objsubid
  FROM pg_depend
 WHERE refclassid = 'pg_extension'::regclass
   AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'awstore')
   AND deptype = 'e';
-- What an installation is, one row per fact, named so that the two
-- installations can be compared: its member objects, routine texts and
-- settings, columns, constraints and indexes of its tables, view texts,
-- event trigger tags, the ACL of every member (and of their columns),
-- initial privileges, comments on every member and its columns, and what
-- pg_dump dumps of its tables.
CREATE TEMP VIEW definitions AS
SELECT 'member' AS kind, pg_describe_object(classid, objid, objsubid) AS object, '' AS def
  FROM members
UNION ALL
SELECT 'function', p.oid::regprocedure::text, pg_catalog.md5(pg_get_functiondef(p.oid))
  FROM members m JOIN pg_proc p ON p.oid = m.objid
 WHERE m.classid = 'pg_proc'::regclass AND p.prokind <> 'a'
UNION ALL
SELECT 'column', format('%s.%s', a.attrelid::regclass, a.attname),
       format('%s %s %s', a.attnum, format_type(a.atttypid, a.atttypmod), a.attnotnull)
  FROM members m JOIN pg_attribute a ON a.attrelid = m.objid
 WHERE m.classid = 'pg_class'::regclass AND a.attnum > 0 AND NOT a.attisdropped
UNION ALL
SELECT 'constraint', format('%s.%s', c.conrelid::regclass, c.conname), pg_get_constraintdef(c.oid)
  FROM members m JOIN pg_constraint c ON c.conrelid = m.objid
 WHERE m.classid = 'pg_class'::regclass
UNION ALL
SELECT 'index', i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
  FROM members m JOIN pg_index i ON i.indrelid = m.objid
 WHERE m.classid = 'pg_class'::regclass
UNION ALL
SELECT 'view', c.oid::regclass::text, pg_catalog.md5(pg_get_viewdef(c.oid))
  FROM members m JOIN pg_class c ON c.oid = m.objid
 WHERE m.classid = 'pg_class'::regclass AND c.relkind = 'v'
UNION ALL
SELECT 'event trigger', evtname, evtevent || ' ' || coalesce(evttags::text, '')
  FROM pg_event_trigger WHERE evtname LIKE 'awstore%'
UNION ALL
SELECT 'acl', pg_describe_object(m.classid, m.objid, m.objsubid),
       coalesce(CASE m.classid
                WHEN 'pg_class'::regclass THEN (SELECT relacl FROM pg_class WHERE oid = m.objid)
                WHEN 'pg_proc'::regclass THEN (SELECT proacl FROM pg_proc WHERE oid = m.objid)
                WHEN 'pg_namespace'::regclass THEN (SELECT nspacl FROM pg_namespace WHERE oid = m.objid)
                WHEN 'pg_type'::regclass THEN (SELECT typacl FROM pg_type WHERE oid = m.objid)
                WHEN 'pg_foreign_data_wrapper'::regclass
                    THEN (SELECT fdwacl FROM pg_foreign_data_wrapper WHERE oid = m.objid)
                WHEN 'pg_foreign_server'::regclass
                    THEN (SELECT srvacl FROM pg_foreign_server WHERE oid = m.objid)
                END::text, 'default')
  FROM members m
UNION ALL
SELECT 'column acl', format('%s.%s', a.attrelid::regclass, a.attname), a.attacl::text
  FROM members m JOIN pg_attribute a ON a.attrelid = m.objid
 WHERE m.classid = 'pg_class'::regclass AND a.attacl IS NOT NULL
UNION ALL
SELECT 'initial privileges', pg_describe_object(i.classoid, i.objoid, i.objsubid),
       i.privtype::text || ' ' || i.initprivs::text
  FROM pg_init_privs i JOIN members m ON m.classid = i.classoid AND m.objid = i.objoid
UNION ALL
SELECT 'comment', pg_describe_object(d.classoid, d.objoid, d.objsubid), d.description
  FROM pg_description d JOIN members m ON m.classid = d.classoid AND m.objid = d.objoid
UNION ALL
SELECT 'dump configuration', c.tbl::regclass::text, c.cond
  FROM pg_extension e, unnest(e.extconfig, e.extcondition) c(tbl, cond)
 WHERE e.extname = 'awstore';
CREATE TEMP TABLE updated AS SELECT * FROM definitions;

DROP EXTENSION awstore;
DROP SCHEMA aw CASCADE;
CREATE SCHEMA aw;
CREATE EXTENSION awstore SCHEMA aw;
CREATE TEMP TABLE fresh AS SELECT * FROM definitions;

-- Facts found on one side only: none.
(SELECT 'only after update' AS side, * FROM updated EXCEPT SELECT 'only after update', * FROM fresh)
UNION ALL
(SELECT 'only when fresh', * FROM fresh EXCEPT SELECT 'only when fresh', * FROM updated)
ORDER BY 2, 3, 1;
-- What was compared.
SELECT kind, count(*) FROM fresh GROUP BY kind ORDER BY kind;

DROP EXTENSION awstore;
DROP SCHEMA aw CASCADE;
