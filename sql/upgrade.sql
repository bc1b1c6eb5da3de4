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

CREATE TEMP TABLE updated AS
SELECT pg_describe_object(classid, objid, objsubid) AS object
  FROM pg_depend
 WHERE refobjid = (SELECT oid FROM pg_extension WHERE extname = 'awstore')
   AND deptype = 'e';
-- what the objects are, not only which: routine texts and settings,
-- columns of awstore's tables, event trigger tags
-- (schema awstore is found by name each time: it is made anew below)
CREATE TEMP VIEW definitions AS
SELECT p.oid::regprocedure::text AS object, pg_catalog.md5(pg_get_functiondef(p.oid)) AS def
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
 WHERE n.nspname = 'awstore' AND p.prokind <> 'a'
UNION ALL
SELECT format('%s.%s', a.attrelid::regclass, a.attname),
       format('%s %s %s', a.attnum, format_type(a.atttypid, a.atttypmod), a.attnotnull)
  FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
  JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = 'awstore' AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
UNION ALL
SELECT 'event trigger ' || evtname, evtevent || ' ' || coalesce(evttags::text, '')
  FROM pg_event_trigger WHERE evtname LIKE 'awstore%';
CREATE TEMP TABLE updated_defs AS SELECT * FROM definitions;
CREATE TEMP TABLE updated_config AS
SELECT unnest(extconfig)::regclass::text AS tbl, unnest(extcondition) AS cond
  FROM pg_extension WHERE extname = 'awstore';

DROP EXTENSION awstore;
DROP SCHEMA aw CASCADE;
CREATE SCHEMA aw;
CREATE EXTENSION awstore SCHEMA aw;

-- Objects and dump configuration missing on one side or the other: none.
(SELECT 'only after update' AS side, object FROM updated
 EXCEPT SELECT 'only after update', pg_describe_object(classid, objid, objsubid)
  FROM pg_depend
 WHERE refobjid = (SELECT oid FROM pg_extension WHERE extname = 'awstore') AND deptype = 'e')
UNION ALL
(SELECT 'only when fresh', pg_describe_object(classid, objid, objsubid)
  FROM pg_depend
 WHERE refobjid = (SELECT oid FROM pg_extension WHERE extname = 'awstore') AND deptype = 'e'
 EXCEPT SELECT 'only when fresh', object FROM updated);
SELECT count(*) AS config_differences FROM (
    (SELECT * FROM updated_config
     EXCEPT SELECT unnest(extconfig)::regclass::text, unnest(extcondition) FROM pg_extension WHERE extname = 'awstore')
    UNION ALL
    (SELECT unnest(extconfig)::regclass::text, unnest(extcondition) FROM pg_extension WHERE extname = 'awstore'
     EXCEPT SELECT * FROM updated_config)) d;
SELECT count(*) > 30 AS has_objects FROM updated;
-- definitions that differ: none
CREATE TEMP TABLE fresh_defs AS SELECT * FROM definitions;
(SELECT 'only after update' AS side, * FROM updated_defs EXCEPT SELECT 'only after update', * FROM fresh_defs)
UNION ALL
(SELECT 'only when fresh', * FROM fresh_defs EXCEPT SELECT 'only when fresh', * FROM updated_defs)
ORDER BY 2, 1;
SELECT count(*) > 50 AS has_definitions FROM fresh_defs;

DROP EXTENSION awstore;
DROP SCHEMA aw CASCADE;
