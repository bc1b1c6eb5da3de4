--
-- Credentials: a non-superuser needs them in the user mapping; only a
-- superuser's mapping may fall back to the server's environment
-- (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY).  Changing a user mapping
-- takes effect at once.
--
\getenv proxy AWSTORE_FAULT_ENDPOINT
\getenv access_key AWSTORE_FAULT_ACCESS_KEY
\getenv secret_key AWSTORE_FAULT_SECRET_KEY
\! /usr/bin/python3 "$PG_ABS_SRCDIR/test/dynamo_fixture.py" reset
\! /usr/bin/python3 "$PG_ABS_SRCDIR/test/dynamo_fixture.py" load things
\! curl -s -X POST "$AWSTORE_FAULT_ENDPOINT/__fault" -d '{"mode": "off"}' > /dev/null

CREATE SCHEMA aw;
CREATE EXTENSION awstore SCHEMA aw;
CREATE SERVER proxied FOREIGN DATA WRAPPER awstore_dynamodb OPTIONS (endpoint :'proxy');
CREATE FOREIGN TABLE things (id text, sk integer, name text) SERVER proxied;
CREATE ROLE regress_awstore_reader;
GRANT USAGE ON FOREIGN SERVER proxied TO regress_awstore_reader;
GRANT SELECT ON things TO regress_awstore_reader;

-- The superuser's mapping has no credentials: the environment's are used.
CREATE USER MAPPING FOR CURRENT_USER SERVER proxied;
SELECT name FROM things WHERE id = 'a1' AND sk = 51;

-- A non-superuser without credentials is refused, and is told what to do.
CREATE USER MAPPING FOR regress_awstore_reader SERVER proxied;
SET ROLE regress_awstore_reader;
-- should fail
SELECT name FROM things WHERE id = 'a1' AND sk = 51;
RESET ROLE;
-- ... also through a PUBLIC mapping.
DROP USER MAPPING FOR regress_awstore_reader SERVER proxied;
CREATE USER MAPPING FOR PUBLIC SERVER proxied;
SET ROLE regress_awstore_reader;
-- should fail
SELECT name FROM things WHERE id = 'a1' AND sk = 51;
RESET ROLE;
DROP USER MAPPING FOR PUBLIC SERVER proxied;

-- Half a pair of credentials is refused.
CREATE USER MAPPING FOR regress_awstore_reader SERVER proxied OPTIONS (access_key_id :'access_key');
SET ROLE regress_awstore_reader;
-- should fail
SELECT name FROM things WHERE id = 'a1' AND sk = 51;
RESET ROLE;

-- A wrong secret, then the right one: the change takes effect at once.
ALTER USER MAPPING FOR regress_awstore_reader SERVER proxied
    OPTIONS (ADD secret_access_key 'wrong-secret');
SET ROLE regress_awstore_reader;
\set VERBOSITY terse
-- should fail
SELECT name FROM things WHERE id = 'a1' AND sk = 51;
\set VERBOSITY default
RESET ROLE;
ALTER USER MAPPING FOR regress_awstore_reader SERVER proxied
    OPTIONS (SET secret_access_key :'secret_key');
SET ROLE regress_awstore_reader;
SELECT name FROM things WHERE id = 'a1' AND sk = 51;
SELECT count(*) FROM things;
RESET ROLE;

-- A superuser with credentials in the mapping uses them.
ALTER USER MAPPING FOR CURRENT_USER SERVER proxied
    OPTIONS (ADD access_key_id :'access_key', secret_access_key :'secret_key');
SELECT count(*) FROM things WHERE id = 'a2';

-- Without USAGE on the server, or SELECT on the table, nothing is read.
REVOKE SELECT ON things FROM regress_awstore_reader;
SET ROLE regress_awstore_reader;
-- should fail
SELECT count(*) FROM things;
RESET ROLE;

-- The server's options, holding no secret, are readable; the mapping's
-- options only by their owner.
SET ROLE regress_awstore_reader;
SELECT umuser::regrole, umoptions IS NOT NULL AS sees_own_options
  FROM pg_user_mappings WHERE srvname = 'proxied' AND usename = 'regress_awstore_reader';
RESET ROLE;

DROP USER MAPPING FOR regress_awstore_reader SERVER proxied;
DROP USER MAPPING FOR CURRENT_USER SERVER proxied;
DROP SERVER proxied CASCADE;
DROP ROLE regress_awstore_reader;
DROP EXTENSION awstore;
DROP SCHEMA aw CASCADE;
