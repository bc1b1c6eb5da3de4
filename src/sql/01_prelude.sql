-- src/sql/01_prelude.sql
--	The load guard, search_path, schema "awstore" and the functions
--	every section uses.

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

-- Privileges: every role may look up names in schema "awstore"; each
-- section then sets the privileges of what it defines.
GRANT USAGE ON SCHEMA awstore TO PUBLIC;
