-- src/sql/05_run_as_owner.sql
--	Maintenance statements run as the table's owner.  C: src/as_owner.c.

/*
 * ---------------------------------------------------------------------------
 * Maintenance as the table's owner: the TTL purge, the orphan purge and the
 * TTL status view run their statements on application tables through this,
 * as VACUUM does (see src/as_owner.c).  It only ever lowers privileges: the
 * caller must have the privileges of the owner already, so it is safe for
 * every role to call.
 * ---------------------------------------------------------------------------
 */
CREATE FUNCTION awstore.run_as_owner(tbl regclass, statement text, args text[] DEFAULT NULL)
RETURNS SETOF text[]
LANGUAGE C
AS 'MODULE_PATHNAME', 'awstore_run_as_owner';
COMMENT ON FUNCTION awstore.run_as_owner(regclass, text, text[]) IS
    'run a statement with text parameters as the owner of a plain table, under SECURITY_RESTRICTED_OPERATION; its rows as text arrays';

-- Privileges: it only ever lowers privileges, so EXECUTE stays with PUBLIC.
