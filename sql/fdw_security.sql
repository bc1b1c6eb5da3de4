--
-- The wrapper's privilege checks and secrets: the table management
-- functions need USAGE on the server, a server a non-superuser owns cannot
-- point at link-local addresses or send credentials over plain http beyond
-- loopback, and no secret reaches an error message.
--
\getenv proxy AWSTORE_FAULT_ENDPOINT
\getenv proxy_port AWSTORE_FAULT_PORT
\getenv access_key AWSTORE_FAULT_ACCESS_KEY
\getenv secret_key AWSTORE_FAULT_SECRET_KEY
\! curl -s -X POST "$AWSTORE_FAULT_ENDPOINT/__fault" -d '{"mode": "off"}' > /dev/null
\set VERBOSITY terse

CREATE SCHEMA aw;
CREATE EXTENSION awstore SCHEMA aw;
CREATE SERVER proxied FOREIGN DATA WRAPPER awstore_dynamodb OPTIONS (endpoint :'proxy');
CREATE USER MAPPING FOR CURRENT_USER SERVER proxied
    OPTIONS (access_key_id :'access_key', secret_access_key :'secret_key');
CREATE ROLE regress_aw_admin;
CREATE ROLE regress_aw_owner;
CREATE USER MAPPING FOR regress_aw_admin SERVER proxied
    OPTIONS (access_key_id :'access_key', secret_access_key :'secret_key');

--
-- EXECUTE without USAGE on the server: refused before any request.
--
GRANT EXECUTE ON FUNCTION awstore.dynamodb_list_tables(name) TO regress_aw_admin;
GRANT EXECUTE ON FUNCTION awstore.dynamodb_describe_table(name, text) TO regress_aw_admin;
GRANT EXECUTE ON FUNCTION awstore.dynamodb_delete_table(name, text) TO regress_aw_admin;
GRANT EXECUTE ON FUNCTION awstore.dynamodb_create_table(name, text, text, text, text, text, jsonb, text) TO regress_aw_admin;
GRANT EXECUTE ON FUNCTION awstore.dynamodb_enable_ttl(name, text, text) TO regress_aw_admin;
SELECT awstore.dynamodb_create_table('proxied', 'regress_security_victim', 'id') IS NOT NULL AS created;
\! curl -s -X POST "$AWSTORE_FAULT_ENDPOINT/__stats/reset" > /dev/null
SET ROLE regress_aw_admin;
-- should fail
SELECT awstore.dynamodb_delete_table('proxied', 'regress_security_victim');
-- should fail
SELECT count(*) FROM awstore.dynamodb_list_tables('proxied');
-- should fail
SELECT awstore.dynamodb_describe_table('proxied', 'regress_security_victim');
-- should fail
SELECT awstore.dynamodb_create_table('proxied', 'regress_security_other', 'id');
-- should fail
SELECT awstore.dynamodb_enable_ttl('proxied', 'regress_security_victim', 'ttl');
RESET ROLE;
-- no request reached DynamoDB
\! curl -s "$AWSTORE_FAULT_ENDPOINT/__stats" | /usr/bin/python3 -c 'import json,sys; print("requests:", json.load(sys.stdin).get("requests", 0))'
SELECT awstore.dynamodb_describe_table('proxied', 'regress_security_victim') ->> 'TableName' AS still_there;
-- with USAGE, the same role may
GRANT USAGE ON FOREIGN SERVER proxied TO regress_aw_admin;
SET ROLE regress_aw_admin;
SELECT awstore.dynamodb_delete_table('proxied', 'regress_security_victim');
RESET ROLE;

--
-- Endpoints of servers a non-superuser creates or owns.
--
GRANT USAGE ON FOREIGN DATA WRAPPER awstore_dynamodb TO regress_aw_owner;
SET ROLE regress_aw_owner;
-- should fail
CREATE SERVER s_meta FOREIGN DATA WRAPPER awstore_dynamodb OPTIONS (endpoint 'http://169.254.169.254/latest');
-- should fail
CREATE SERVER s_meta FOREIGN DATA WRAPPER awstore_dynamodb OPTIONS (endpoint 'https://169.254.169.254');
-- should fail: the Streams endpoint carries the same credentials
CREATE SERVER s_meta FOREIGN DATA WRAPPER awstore_dynamodb OPTIONS (streams_endpoint 'https://169.254.169.254');
-- should fail
CREATE SERVER s_meta FOREIGN DATA WRAPPER awstore_dynamodb OPTIONS (endpoint 'https://[fd00:ec2::254]');
-- should fail
CREATE SERVER s_clear FOREIGN DATA WRAPPER awstore_dynamodb OPTIONS (endpoint 'http://10.1.2.3:8000');
-- should fail
CREATE SERVER s_clear FOREIGN DATA WRAPPER awstore_dynamodb OPTIONS (endpoint 'http://dynamodb.example.com');
-- should fail
CREATE SERVER s_clear FOREIGN DATA WRAPPER awstore_dynamodb OPTIONS (endpoint 'http://0.0.0.0:8000');
-- should fail
CREATE SERVER s_user FOREIGN DATA WRAPPER awstore_dynamodb OPTIONS (endpoint 'http://user:pw@127.0.0.1:8000');
CREATE SERVER s_https FOREIGN DATA WRAPPER awstore_dynamodb OPTIONS (endpoint 'https://dynamodb.eu-west-1.amazonaws.com');
CREATE SERVER s_local FOREIGN DATA WRAPPER awstore_dynamodb OPTIONS (endpoint 'http://127.0.0.1:8000');
CREATE SERVER s_local6 FOREIGN DATA WRAPPER awstore_dynamodb OPTIONS (endpoint 'http://[::1]:8000');
CREATE SERVER s_localhost FOREIGN DATA WRAPPER awstore_dynamodb OPTIONS (endpoint 'http://localhost:8000');
-- should fail
ALTER SERVER s_https OPTIONS (SET endpoint 'http://169.254.169.254');
RESET ROLE;

-- A superuser's server may use any endpoint; given to a non-superuser,
-- its requests go through the address guard.  0.0.0.0 connects to this
-- machine, so the test never leaves it whatever happens.
\set zero_endpoint 'http://0.0.0.0:' :proxy_port
CREATE SERVER s_zero FOREIGN DATA WRAPPER awstore_dynamodb OPTIONS (endpoint :'zero_endpoint');
CREATE USER MAPPING FOR CURRENT_USER SERVER s_zero
    OPTIONS (access_key_id :'access_key', secret_access_key :'secret_key');
CREATE USER MAPPING FOR regress_aw_owner SERVER s_zero
    OPTIONS (access_key_id :'access_key', secret_access_key :'secret_key');
CREATE FOREIGN TABLE zero_things (id text) SERVER s_zero OPTIONS (table_name 'regress_security_none');
GRANT SELECT ON zero_things TO regress_aw_owner;
-- the superuser's server reaches the proxy
-- should fail
SELECT * FROM zero_things;
ALTER SERVER s_zero OWNER TO regress_aw_owner;
-- the server's environment credentials never go to a non-superuser's endpoint
CREATE USER MAPPING FOR regress_aw_owner SERVER proxied
    OPTIONS (access_key_id :'access_key', secret_access_key :'secret_key');
ALTER USER MAPPING FOR CURRENT_USER SERVER s_zero
    OPTIONS (DROP access_key_id, DROP secret_access_key);
-- should fail
SELECT * FROM zero_things;
DROP USER MAPPING FOR regress_aw_owner SERVER proxied;
SET ROLE regress_aw_owner;
\set VERBOSITY default
-- should fail
SELECT * FROM zero_things;
\set VERBOSITY terse
RESET ROLE;
DROP FOREIGN TABLE zero_things;

--
-- A signature error quoting the canonical request, session token and all:
-- the token never reaches the message.
--
-- (the token is set in pieces, so that the echo of this file never holds
-- it whole: test/run searches every output for it)
\set token 'IQoJb3JpZ2luX2Vj' 'RegressSecret' 'Token0123456789'
CREATE ROLE regress_aw_token;
GRANT USAGE ON FOREIGN SERVER proxied TO regress_aw_token;
CREATE USER MAPPING FOR regress_aw_token SERVER proxied
    OPTIONS (access_key_id :'access_key', secret_access_key :'secret_key', session_token :'token');
CREATE FOREIGN TABLE token_things (id text) SERVER proxied OPTIONS (table_name 'regress_security_none');
GRANT SELECT ON token_things TO regress_aw_token;
\! curl -s -X POST "$AWSTORE_FAULT_ENDPOINT/__fault" -d '{"mode": "signature_echo"}' > /dev/null
\set VERBOSITY default
SET ROLE regress_aw_token;
-- should fail
SELECT * FROM token_things;
RESET ROLE;
\set VERBOSITY terse
\! curl -s -X POST "$AWSTORE_FAULT_ENDPOINT/__fault" -d '{"mode": "off"}' > /dev/null
-- and the same error caught in PL/pgSQL, where its text can be read
CREATE FUNCTION pg_temp.error_text() RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    m text;
    d text;
BEGIN
    PERFORM * FROM token_things;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS m = MESSAGE_TEXT, d = PG_EXCEPTION_DETAIL;
    RETURN m || E'\n' || d;
END $$;
\! curl -s -X POST "$AWSTORE_FAULT_ENDPOINT/__fault" -d '{"mode": "signature_echo"}' > /dev/null
SET ROLE regress_aw_token;
SELECT position(:'token' IN pg_temp.error_text()) AS token_position,
       pg_temp.error_text() LIKE '%left out%' AS says_left_out;
RESET ROLE;
\! curl -s -X POST "$AWSTORE_FAULT_ENDPOINT/__fault" -d '{"mode": "off"}' > /dev/null

DROP FOREIGN TABLE token_things;
DROP SERVER s_zero CASCADE;
DROP SERVER s_https, s_local, s_local6, s_localhost;
DROP SERVER proxied CASCADE;
DROP EXTENSION awstore;
DROP SCHEMA aw CASCADE;
DROP ROLE regress_aw_admin, regress_aw_owner, regress_aw_token;
