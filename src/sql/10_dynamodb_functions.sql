-- src/sql/10_dynamodb_functions.sql
--	DynamoDB table management, one function per action.  C: src/fdw/.

/*
 * DynamoDB table management: one function per action, with the calling
 * role's user mapping of the named server.  Superusers only, unless granted.
 */
CREATE FUNCTION awstore.dynamodb_list_tables(server name)
RETURNS SETOF text
LANGUAGE C STRICT
AS 'MODULE_PATHNAME', 'awstore_dynamodb_list_tables';
COMMENT ON FUNCTION awstore.dynamodb_list_tables(name) IS
    'the DynamoDB tables the server''s credentials can list (ListTables)';

CREATE FUNCTION awstore.dynamodb_describe_table(server name, table_name text)
RETURNS jsonb
LANGUAGE C STRICT
AS 'MODULE_PATHNAME', 'awstore_dynamodb_describe_table';
COMMENT ON FUNCTION awstore.dynamodb_describe_table(name, text) IS
    'DescribeTable''s Table object';

CREATE FUNCTION awstore.dynamodb_create_table(server name, table_name text, partition_key text,
                                              partition_key_type text DEFAULT 'S',
                                              sort_key text DEFAULT NULL,
                                              sort_key_type text DEFAULT 'S',
                                              global_indexes jsonb DEFAULT NULL,
                                              billing_mode text DEFAULT 'PAY_PER_REQUEST')
RETURNS jsonb
LANGUAGE C
AS 'MODULE_PATHNAME', 'awstore_dynamodb_create_table';
COMMENT ON FUNCTION awstore.dynamodb_create_table(name, text, text, text, text, text, jsonb, text) IS
    'CreateTable, waiting until the table and its indexes are ACTIVE; returns the table''s description';

CREATE FUNCTION awstore.dynamodb_delete_table(server name, table_name text)
RETURNS void
LANGUAGE C STRICT
AS 'MODULE_PATHNAME', 'awstore_dynamodb_delete_table';
COMMENT ON FUNCTION awstore.dynamodb_delete_table(name, text) IS
    'DeleteTable, waiting until the table is gone';

CREATE FUNCTION awstore.dynamodb_enable_ttl(server name, table_name text, attribute_name text)
RETURNS jsonb
LANGUAGE C STRICT
AS 'MODULE_PATHNAME', 'awstore_dynamodb_enable_ttl';
COMMENT ON FUNCTION awstore.dynamodb_enable_ttl(name, text, text) IS
    'UpdateTimeToLive: DynamoDB deletes items once attribute_name (epoch seconds) has passed';

-- Privileges: superusers only, unless granted.
REVOKE ALL ON FUNCTION awstore.dynamodb_list_tables(name) FROM PUBLIC;
REVOKE ALL ON FUNCTION awstore.dynamodb_describe_table(name, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION awstore.dynamodb_create_table(name, text, text, text, text, text, jsonb, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION awstore.dynamodb_delete_table(name, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION awstore.dynamodb_enable_ttl(name, text, text) FROM PUBLIC;

CREATE FUNCTION awstore.dynamodb_whoami(server name,
                                        OUT account text, OUT arn text,
                                        OUT credential_source text,
                                        OUT expiration timestamptz)
RETURNS record
LANGUAGE C STRICT
AS 'MODULE_PATHNAME', 'awstore_dynamodb_whoami';
COMMENT ON FUNCTION awstore.dynamodb_whoami(name) IS
    'who the credentials of the calling role''s user mapping belong to (STS GetCallerIdentity), their source and expiry; never a secret';
REVOKE ALL ON FUNCTION awstore.dynamodb_whoami(name) FROM PUBLIC;
