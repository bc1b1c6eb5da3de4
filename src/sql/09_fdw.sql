-- src/sql/09_fdw.sql
--	The DynamoDB foreign data wrapper.  C: src/fdw/.

/*
 * ---------------------------------------------------------------------------
 * The DynamoDB foreign data wrapper
 * ---------------------------------------------------------------------------
 */
CREATE FUNCTION awstore.dynamodb_fdw_handler()
RETURNS fdw_handler
LANGUAGE C STRICT
AS 'MODULE_PATHNAME', 'awstore_dynamodb_handler';
COMMENT ON FUNCTION awstore.dynamodb_fdw_handler() IS
    'handler of the awstore_dynamodb foreign data wrapper';

CREATE FUNCTION awstore.dynamodb_fdw_validator(text[], oid)
RETURNS void
LANGUAGE C STRICT
AS 'MODULE_PATHNAME', 'awstore_dynamodb_validator';
COMMENT ON FUNCTION awstore.dynamodb_fdw_validator(text[], oid) IS
    'validator of the awstore_dynamodb foreign data wrapper';

CREATE FOREIGN DATA WRAPPER awstore_dynamodb
    HANDLER awstore.dynamodb_fdw_handler
    VALIDATOR awstore.dynamodb_fdw_validator;
COMMENT ON FOREIGN DATA WRAPPER awstore_dynamodb IS
    'DynamoDB tables as foreign tables';

-- Privileges: the wrapper keeps its defaults: USAGE on it is for
-- superusers and the roles they grant it to.
