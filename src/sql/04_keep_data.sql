-- src/sql/04_keep_data.sql
--	DROP EXTENSION and DROP OWNED keep the ActingWeb tables and their
--	rows.  C: src/keep_data.c.

/*
 * ---------------------------------------------------------------------------
 * Data safety on DROP EXTENSION: the application tables are released from
 * the extension, with their rows, indexes and constraints, instead of being
 * dropped with it.  CREATE EXTENSION adopts them again later.
 * ---------------------------------------------------------------------------
 */
CREATE FUNCTION awstore.keep_data_on_drop()
RETURNS event_trigger
LANGUAGE C
AS 'MODULE_PATHNAME', 'awstore_keep_data_on_drop';
COMMENT ON FUNCTION awstore.keep_data_on_drop() IS
    'event trigger: DROP EXTENSION awstore keeps the ActingWeb tables and their rows';

CREATE EVENT TRIGGER awstore_keep_data_on_drop
    ON ddl_command_start
    WHEN TAG IN ('DROP EXTENSION', 'DROP OWNED')
    EXECUTE FUNCTION awstore.keep_data_on_drop();

-- Privileges: only the event trigger calls it.
REVOKE ALL ON FUNCTION awstore.keep_data_on_drop() FROM PUBLIC;
