--
-- Each way of failing gives its own clear error: an endpoint that does not
-- answer, an unknown table, bad credentials, a wrong region; and no secret
-- ever appears in a message.  Through the test proxy, which checks every
-- request's signature as AWS does (botocore as the judge).
--
\getenv endpoint AWSTORE_DYNAMODB_ENDPOINT
\getenv proxy AWSTORE_FAULT_ENDPOINT
\getenv access_key AWSTORE_FAULT_ACCESS_KEY
\getenv secret_key AWSTORE_FAULT_SECRET_KEY
\! /usr/bin/python3 "$PG_ABS_SRCDIR/test/dynamo_fixture.py" reset
\! /usr/bin/python3 "$PG_ABS_SRCDIR/test/dynamo_fixture.py" load things
\! curl -s -X POST "$AWSTORE_FAULT_ENDPOINT/__stats/reset" > /dev/null

CREATE SCHEMA aw;
CREATE EXTENSION awstore SCHEMA aw;

-- The right credentials: signed requests accepted.
CREATE SERVER good FOREIGN DATA WRAPPER awstore_dynamodb OPTIONS (endpoint :'proxy');
CREATE USER MAPPING FOR CURRENT_USER SERVER good
    OPTIONS (access_key_id :'access_key', secret_access_key :'secret_key');
CREATE FOREIGN TABLE good_things (id text, sk integer, name text) SERVER good
    OPTIONS (table_name 'things');
SELECT count(*) FROM good_things;
SELECT name FROM good_things WHERE id = 'a1' AND sk = 51;

-- A wrong secret key: the signature does not match.
CREATE SERVER wrong_secret FOREIGN DATA WRAPPER awstore_dynamodb OPTIONS (endpoint :'proxy');
CREATE USER MAPPING FOR CURRENT_USER SERVER wrong_secret
    OPTIONS (access_key_id :'access_key', secret_access_key 'not-the-secret/123');
CREATE FOREIGN TABLE t_wrong_secret (id text) SERVER wrong_secret OPTIONS (table_name 'things');
-- should fail
SELECT * FROM t_wrong_secret;

-- An unknown access key.
CREATE SERVER unknown_key FOREIGN DATA WRAPPER awstore_dynamodb OPTIONS (endpoint :'proxy');
CREATE USER MAPPING FOR CURRENT_USER SERVER unknown_key
    OPTIONS (access_key_id 'AKIDUNKNOWN', secret_access_key :'secret_key');
CREATE FOREIGN TABLE t_unknown_key (id text) SERVER unknown_key OPTIONS (table_name 'things');
-- should fail
SELECT * FROM t_unknown_key;

-- A session token where none is expected is sent, signed, and refused.
CREATE SERVER token FOREIGN DATA WRAPPER awstore_dynamodb OPTIONS (endpoint :'proxy');
CREATE USER MAPPING FOR CURRENT_USER SERVER token
    OPTIONS (access_key_id :'access_key', secret_access_key :'secret_key', session_token 'FwoGZXIvYXdzEXAMPLE');
CREATE FOREIGN TABLE t_token (id text) SERVER token OPTIONS (table_name 'things');
-- should fail
SELECT * FROM t_token;

-- A region that does not match the endpoint.
CREATE SERVER wrong_region FOREIGN DATA WRAPPER awstore_dynamodb
    OPTIONS (endpoint :'proxy', region 'eu-west-1');
CREATE USER MAPPING FOR CURRENT_USER SERVER wrong_region
    OPTIONS (access_key_id :'access_key', secret_access_key :'secret_key');
CREATE FOREIGN TABLE t_wrong_region (id text) SERVER wrong_region OPTIONS (table_name 'things');
-- should fail
SELECT * FROM t_wrong_region;

-- An endpoint where nothing listens.
CREATE SERVER nowhere FOREIGN DATA WRAPPER awstore_dynamodb
    OPTIONS (endpoint 'http://127.0.0.1:9', connect_timeout '2s');
CREATE USER MAPPING FOR CURRENT_USER SERVER nowhere
    OPTIONS (access_key_id 'x', secret_access_key 'y');
CREATE FOREIGN TABLE t_nowhere (id text) SERVER nowhere OPTIONS (table_name 'things');
\set VERBOSITY terse
-- should fail
SELECT * FROM t_nowhere;
\set VERBOSITY default

-- A host name that does not resolve.
CREATE SERVER unresolved FOREIGN DATA WRAPPER awstore_dynamodb
    OPTIONS (endpoint 'http://no-such-host.invalid:8000');
CREATE USER MAPPING FOR CURRENT_USER SERVER unresolved
    OPTIONS (access_key_id 'x', secret_access_key 'y');
CREATE FOREIGN TABLE t_unresolved (id text) SERVER unresolved OPTIONS (table_name 'things');
\set VERBOSITY terse
-- should fail
SELECT * FROM t_unresolved;
\set VERBOSITY default

-- Something that is not DynamoDB.
CREATE SERVER not_dynamo FOREIGN DATA WRAPPER awstore_dynamodb
    OPTIONS (endpoint :'proxy');
CREATE USER MAPPING FOR CURRENT_USER SERVER not_dynamo
    OPTIONS (access_key_id :'access_key', secret_access_key :'secret_key');
\! curl -s -X POST "$AWSTORE_FAULT_ENDPOINT/__fault" -d '{"mode": "error503_text"}' > /dev/null
CREATE FOREIGN TABLE t_not_dynamo (id text) SERVER not_dynamo OPTIONS (table_name 'nothing_here');
ALTER SERVER not_dynamo OPTIONS (ADD max_retries '1');
-- should fail
SELECT * FROM t_not_dynamo;
\! curl -s -X POST "$AWSTORE_FAULT_ENDPOINT/__fault" -d '{"mode": "off"}' > /dev/null

-- No message, detail, hint or context ever holds a secret.
CREATE FUNCTION secrets_in_error(query text, secrets text[]) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    m text; d text; h text; c text;
BEGIN
    EXECUTE query;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS m = MESSAGE_TEXT, d = PG_EXCEPTION_DETAIL,
                            h = PG_EXCEPTION_HINT, c = PG_EXCEPTION_CONTEXT;
    IF EXISTS (SELECT FROM unnest(secrets) s
                WHERE strpos(concat_ws(' ', m, d, h, c), s) > 0) THEN
        RETURN 'SECRET SHOWN: ' || m;
    END IF;
    RETURN 'clean: ' || m;
END $$;
SELECT secrets_in_error('SELECT * FROM t_wrong_secret', ARRAY['not-the-secret/123']);
SELECT secrets_in_error('SELECT * FROM t_token', ARRAY['FwoGZXIvYXdzEXAMPLE', :'secret_key']);
SELECT secrets_in_error('SELECT * FROM t_unknown_key', ARRAY[:'secret_key']);
EXPLAIN (VERBOSE, COSTS OFF) SELECT * FROM good_things WHERE id = 'a1';

-- Every request the proxy saw carried a signature, and each good one verified.
\! curl -s "$AWSTORE_FAULT_ENDPOINT/__stats" | /usr/bin/python3 -c "import json, sys; s = json.load(sys.stdin); print('signatures verified:', s['signature_ok'] > 0, '| rejected only the wrong ones:', s['signature_bad'])"

DROP FUNCTION secrets_in_error(text, text[]);
DROP USER MAPPING FOR CURRENT_USER SERVER good;
DROP USER MAPPING FOR CURRENT_USER SERVER wrong_secret;
DROP USER MAPPING FOR CURRENT_USER SERVER unknown_key;
DROP USER MAPPING FOR CURRENT_USER SERVER token;
DROP USER MAPPING FOR CURRENT_USER SERVER wrong_region;
DROP USER MAPPING FOR CURRENT_USER SERVER nowhere;
DROP USER MAPPING FOR CURRENT_USER SERVER unresolved;
DROP USER MAPPING FOR CURRENT_USER SERVER not_dynamo;
DROP SERVER good, wrong_secret, unknown_key, token, wrong_region, nowhere, unresolved, not_dynamo CASCADE;
DROP EXTENSION awstore;
DROP SCHEMA aw CASCADE;
