--
-- Options of the awstore_dynamodb wrapper: what is valid where, bad values,
-- and secrets that never show.
--
CREATE SCHEMA aw;
CREATE EXTENSION awstore SCHEMA aw;

SELECT fdwname, fdwhandler::regproc, fdwvalidator::regproc
  FROM pg_foreign_data_wrapper WHERE fdwname = 'awstore_dynamodb';

-- Servers.
CREATE SERVER s1 FOREIGN DATA WRAPPER awstore_dynamodb;
CREATE SERVER s2 FOREIGN DATA WRAPPER awstore_dynamodb
    OPTIONS (region 'eu-west-1', endpoint 'http://127.0.0.1:8000', connect_timeout '2s',
             request_timeout '30000', max_retries '3', consistent_read 'true',
             scan_segments '8', batch_size '10');
-- should fail
CREATE SERVER bad FOREIGN DATA WRAPPER awstore_dynamodb OPTIONS (regoin 'eu-west-1');
-- should fail
CREATE SERVER bad FOREIGN DATA WRAPPER awstore_dynamodb OPTIONS (table_name 't');
-- should fail
CREATE SERVER bad FOREIGN DATA WRAPPER awstore_dynamodb OPTIONS (access_key_id 'AKID');
-- should fail
CREATE SERVER bad FOREIGN DATA WRAPPER awstore_dynamodb OPTIONS (region 'EU West');
-- should fail
CREATE SERVER bad FOREIGN DATA WRAPPER awstore_dynamodb OPTIONS (endpoint 'localhost:8000');
-- should fail
CREATE SERVER bad FOREIGN DATA WRAPPER awstore_dynamodb OPTIONS (streams_endpoint 'streams.dynamodb.eu-west-1.amazonaws.com');
-- should fail
CREATE SERVER bad FOREIGN DATA WRAPPER awstore_dynamodb OPTIONS (connect_timeout '-1');
-- should fail
CREATE SERVER bad FOREIGN DATA WRAPPER awstore_dynamodb OPTIONS (request_timeout '5 parsecs');
-- should fail
CREATE SERVER bad FOREIGN DATA WRAPPER awstore_dynamodb OPTIONS (max_retries '101');
-- should fail
CREATE SERVER bad FOREIGN DATA WRAPPER awstore_dynamodb OPTIONS (consistent_read 'maybe');
-- should fail
CREATE SERVER bad FOREIGN DATA WRAPPER awstore_dynamodb OPTIONS (scan_segments '0');
-- should fail
CREATE SERVER bad FOREIGN DATA WRAPPER awstore_dynamodb OPTIONS (batch_size '26');
ALTER SERVER s1 OPTIONS (ADD region 'ap-southeast-2');
-- should fail
ALTER SERVER s1 OPTIONS (ADD scan_segments 'many');

-- User mappings: the three credentials and nothing else.  Secret values
-- are never repeated in errors.
CREATE USER MAPPING FOR CURRENT_USER SERVER s1
    OPTIONS (access_key_id 'AKIDEXAMPLE', secret_access_key 'wJalrXUtnFEMI/K7MDENG', session_token 'tok');
-- should fail
CREATE USER MAPPING FOR PUBLIC SERVER s1 OPTIONS (password 'x');
-- should fail
CREATE USER MAPPING FOR PUBLIC SERVER s1 OPTIONS (secret_access_key '');
-- should fail
CREATE USER MAPPING FOR PUBLIC SERVER s1 OPTIONS (region 'us-east-1');

-- Foreign tables.
CREATE FOREIGN TABLE t1 (id text, n numeric) SERVER s1
    OPTIONS (table_name 'orders', partition_key 'id', sort_key 'n', consistent_read 'false',
             scan_segments '4', batch_size '25');
-- should fail
CREATE FOREIGN TABLE bad (id text) SERVER s1 OPTIONS (endpoint 'http://x');
-- should fail
CREATE FOREIGN TABLE bad (id text) SERVER s1 OPTIONS (table_name '');
-- should fail
CREATE FOREIGN TABLE bad (id text) SERVER s1 OPTIONS (scan_segments '2000');

-- Columns.
CREATE FOREIGN TABLE t2 (
    id text OPTIONS (attribute_name 'ID'),
    n text OPTIONS (attribute_type 'N'),
    payload jsonb OPTIONS (attribute_type 'S', null_as 'null'),
    item jsonb OPTIONS (document 'dynamodb'),
    plain jsonb OPTIONS (document 'plain')
) SERVER s1;
-- should fail
CREATE FOREIGN TABLE bad (id text OPTIONS (attribute_type 'STRING')) SERVER s1;
-- should fail
CREATE FOREIGN TABLE bad (id text OPTIONS (attribute_type 'NULL')) SERVER s1;
-- should fail
CREATE FOREIGN TABLE bad (d jsonb OPTIONS (document 'bson')) SERVER s1;
-- should fail
CREATE FOREIGN TABLE bad (d jsonb OPTIONS (document 'plain', attribute_name 'x')) SERVER s1;
-- should fail
CREATE FOREIGN TABLE bad (id text OPTIONS (null_as 'nothing')) SERVER s1;
-- should fail
CREATE FOREIGN TABLE bad (id text OPTIONS (partition_key 'id')) SERVER s1;
-- should fail
ALTER FOREIGN TABLE t2 ALTER COLUMN id OPTIONS (ADD colour 'red');

-- The options as the catalogs show them.
SELECT srvname, srvoptions FROM pg_foreign_server WHERE srvname IN ('s1', 's2') ORDER BY 1;
SELECT ftoptions FROM pg_foreign_table WHERE ftrelid = 't1'::regclass;
SELECT attname, attfdwoptions FROM pg_attribute
 WHERE attrelid = 't2'::regclass AND attnum > 0 ORDER BY attnum;

-- A user mapping's secrets are visible only to whom they belong to.
CREATE ROLE regress_awstore_other;
SET ROLE regress_awstore_other;
SELECT srvname, umoptions FROM pg_user_mappings WHERE srvname = 's1';
RESET ROLE;
DROP ROLE regress_awstore_other;

DROP USER MAPPING FOR CURRENT_USER SERVER s1;
DROP SERVER s1, s2 CASCADE;
DROP EXTENSION awstore;
DROP SCHEMA aw CASCADE;
