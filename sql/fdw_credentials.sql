--
-- AWS credential sources: every source end to end (scans, writes, the
-- migration functions), temporary credentials renewed across a long
-- statement without a call per request, each failure's error, cancel while
-- credentials are fetched, a cursor across ALTER USER MAPPING, and the
-- rules that keep the database server's own identity from roles that are
-- not superusers.  test/run gives the server the settings of every source
-- (awsmeta's IMDSv2, container and STS endpoints, shared AWS files, token
-- files); the server's endpoint is a proxy that checks every signature and
-- accepts awsmeta's temporary keys only with their token, until they
-- expire.
--
\getenv signed AWSTORE_SIGNED_ENDPOINT
\getenv awsmeta AWSTORE_AWSMETA_ENDPOINT
\getenv access_key AWSTORE_FAULT_ACCESS_KEY
\getenv secret_key AWSTORE_FAULT_SECRET_KEY
\getenv awsdir AWSTORE_AWS_DIR
\set VERBOSITY terse

CREATE SCHEMA aw;
CREATE EXTENSION awstore SCHEMA aw;
CREATE SERVER creds FOREIGN DATA WRAPPER awstore_dynamodb
    OPTIONS (endpoint :'signed', sts_endpoint :'awsmeta');
CREATE USER MAPPING FOR CURRENT_USER SERVER creds
    OPTIONS (access_key_id :'access_key', secret_access_key :'secret_key');
SELECT awstore.dynamodb_create_table('creds', 'regress_credentials', 'id') IS NOT NULL AS created;
CREATE FOREIGN TABLE ct (id text, v int) SERVER creds OPTIONS (table_name 'regress_credentials');
INSERT INTO ct SELECT g::text, g FROM generate_series(1, 20) g;

-- An error as one line: message and detail, ports and paths of the run
-- masked.
CREATE FUNCTION pg_temp.err(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    m text;
    d text;
BEGIN
    EXECUTE q;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS m = MESSAGE_TEXT, d = PG_EXCEPTION_DETAIL;
    RETURN regexp_replace(regexp_replace(m || coalesce(' | ' || nullif(d, ''), ''),
                                         '127\.0\.0\.1:[0-9]+', '127.0.0.1:PORT', 'g'),
                          '/[^ "]*/aws/', '.../aws/', 'g');
END
$$;
-- Switch the current user's mapping to these options.
CREATE FUNCTION pg_temp.use(opts text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE 'DROP USER MAPPING IF EXISTS FOR CURRENT_USER SERVER creds';
    EXECUTE 'CREATE USER MAPPING FOR CURRENT_USER SERVER creds OPTIONS (' || opts || ')';
END
$$;
-- Reads and writes with the mapping, and who it is.
CREATE FUNCTION pg_temp.exercise(n int) RETURNS TABLE (rows bigint, arn text, source text, expires boolean)
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO ct VALUES ('w' || n, n);
    UPDATE ct SET v = v + 1 WHERE id = 'w' || n;
    RETURN QUERY SELECT (SELECT count(*) FROM ct), w.arn, w.credential_source,
                        w.expiration > now()
                   FROM awstore.dynamodb_whoami('creds') w;
END
$$;

--
-- Every source.
--
SELECT * FROM pg_temp.exercise(1);
SELECT pg_temp.use($$credential_source 'environment'$$);
SELECT * FROM pg_temp.exercise(2);
SELECT pg_temp.use($$credential_source 'profile', profile 'awstore-assume'$$);
SELECT * FROM pg_temp.exercise(3);
SELECT pg_temp.use($$credential_source 'profile', profile 'awstore-web-identity'$$);
SELECT * FROM pg_temp.exercise(4);
SELECT pg_temp.use($$credential_source 'web_identity'$$);
SELECT * FROM pg_temp.exercise(5);
SELECT pg_temp.use($$credential_source 'container'$$);
SELECT * FROM pg_temp.exercise(6);
SELECT pg_temp.use($$credential_source 'instance'$$);
SELECT * FROM pg_temp.exercise(7);
SELECT pg_temp.use($$credential_source 'chain'$$);
SELECT * FROM pg_temp.exercise(8);
-- A role on top: of the mapping's own keys (cross-account, with an
-- external id), and of the instance's role.
SELECT pg_temp.use(format($$access_key_id %L, secret_access_key %L,
    role_arn 'arn:aws:iam::123456789012:role/awstore-external-role',
    external_id 'awstore-external-id', role_session_name 'regress-cross', duration '1h'$$,
    :'access_key', :'secret_key'));
SELECT * FROM pg_temp.exercise(9);
SELECT pg_temp.use($$credential_source 'instance',
    role_arn 'arn:aws:iam::123456789012:role/awstore-assumed-role',
    role_session_name 'regress-instance'$$);
SELECT * FROM pg_temp.exercise(10);
SELECT id, v FROM ct WHERE id LIKE 'w%' ORDER BY id;

--
-- The migration functions with temporary credentials (the instance's).
--
SELECT pg_temp.use($$credential_source 'instance'$$);
\! /usr/bin/python3 "$PG_ABS_SRCDIR/test/actingweb_dataset.py" --endpoint "$AWSTORE_DYNAMODB_ENDPOINT" --prefix regcred --actors 4 load > /dev/null
SET client_min_messages = warning;
SELECT table_name, rows FROM awstore.migrate_from_dynamodb('creds', 'regcred') ORDER BY 1;
SELECT table_name, missing_in_postgres + missing_in_dynamodb + different AS differences
  FROM awstore.verify_migration('creds', 'regcred') ORDER BY 1;
SELECT table_name, rows FROM awstore.migrate_to_dynamodb('creds', 'regcredback') ORDER BY 1;
SELECT table_name, missing_in_postgres + missing_in_dynamodb + different AS differences
  FROM awstore.verify_migration('creds', 'regcredback') ORDER BY 1;
RESET client_min_messages;

--
-- Temporary credentials that expire every 6 seconds, a statement that runs
-- 8: each request is signed with the credentials current when it is sent,
-- renewed before they expire (at half their life when it is shorter than
-- the 5 minutes' margin), and the instance metadata service is asked once
-- per renewal, not once per request.
--
\! curl -sf --noproxy '*' -o /dev/null -X POST "$AWSTORE_AWSMETA_ENDPOINT/__config" -d '{"expiry": 6}'
SELECT pg_temp.use($$credential_source 'instance'$$);
SELECT count(*) FROM ct;
\! curl -sf --noproxy '*' -o /dev/null -X POST "$AWSTORE_AWSMETA_ENDPOINT/__stats/reset"
\! curl -sf --noproxy '*' -o /dev/null -X POST "$AWSTORE_SIGNED_ENDPOINT/__stats/reset"
SELECT count(*) AS rows, sum(v) AS total
  FROM (SELECT g, pg_sleep(0.5), (SELECT v FROM ct WHERE id = g::text) AS v
          FROM generate_series(1, 16) g) s;
\set meta_stats `curl -sf --noproxy '*' "$AWSTORE_AWSMETA_ENDPOINT/__stats"`
\set proxy_stats `curl -sf --noproxy '*' "$AWSTORE_SIGNED_ENDPOINT/__stats"`
SELECT coalesce((:'meta_stats'::jsonb ->> 'imds_credentials')::int, 0) BETWEEN 1 AND 7 AS imds_not_per_request,
       coalesce((:'meta_stats'::jsonb ->> 'imds_token')::int, 0) <= 7 AS imds_tokens_not_per_request,
       (:'proxy_stats'::jsonb ->> 'temporary_keys')::int >= 2 AS several_keys_in_one_statement,
       (:'proxy_stats'::jsonb ->> 'temporary_ok')::int >= 16 AS every_request_signed,
       coalesce((:'proxy_stats'::jsonb #>> '{bad_by_type,ExpiredTokenException}')::int, 0) = 0 AS none_sent_expired;

-- DynamoDB answers that the token expired (a key revoked early, a clock
-- behind): the credentials are renewed once and the request sent again; a
-- token that stays expired is an error after that one renewal.
\getenv faults AWSTORE_FAULT_ENDPOINT
\! curl -sf --noproxy '*' -o /dev/null -X POST "$AWSTORE_AWSMETA_ENDPOINT/__config" -d '{"expiry": 900}'
CREATE SERVER creds_faults FOREIGN DATA WRAPPER awstore_dynamodb OPTIONS (endpoint :'faults');
CREATE USER MAPPING FOR CURRENT_USER SERVER creds_faults OPTIONS (credential_source 'instance');
CREATE FOREIGN TABLE ct_faults (id text, v int) SERVER creds_faults OPTIONS (table_name 'regress_credentials');
SELECT count(*) > 0 AS read FROM ct_faults;
\! curl -sf --noproxy '*' -o /dev/null -X POST "$AWSTORE_AWSMETA_ENDPOINT/__stats/reset"
\! curl -sf --noproxy '*' -o /dev/null -X POST "$AWSTORE_FAULT_ENDPOINT/__fault" -d '{"mode": "expired_token", "count": 1}'
SELECT count(*) > 0 AS read FROM ct_faults;
\set meta_stats `curl -sf --noproxy '*' "$AWSTORE_AWSMETA_ENDPOINT/__stats"`
SELECT coalesce((:'meta_stats'::jsonb ->> 'imds_credentials')::int, 0) AS renewals;
\! curl -sf --noproxy '*' -o /dev/null -X POST "$AWSTORE_FAULT_ENDPOINT/__fault" -d '{"mode": "expired_token", "count": 3}'
SELECT pg_temp.err('SELECT count(*) FROM ct_faults');
\! curl -sf --noproxy '*' -o /dev/null -X POST "$AWSTORE_FAULT_ENDPOINT/__fault" -d '{"mode": "off"}'
DROP SERVER creds_faults CASCADE;

-- A cursor open while the user mapping changes goes on with its
-- credentials; the next statement uses the new mapping.
BEGIN;
DECLARE c CURSOR FOR
    SELECT g, (SELECT v FROM ct WHERE id = g::text) AS v FROM generate_series(1, 4) g;
FETCH 2 FROM c;
ALTER USER MAPPING FOR CURRENT_USER SERVER creds OPTIONS (SET credential_source 'container');
FETCH ALL FROM c;
COMMIT;
SELECT credential_source FROM awstore.dynamodb_whoami('creds');
\! curl -sf --noproxy '*' -o /dev/null -X POST "$AWSTORE_AWSMETA_ENDPOINT/__config" -d '{"expiry": 900}'

--
-- Each failure, with its own error.
--
\! curl -sf --noproxy '*' -o /dev/null -X POST "$AWSTORE_AWSMETA_ENDPOINT/__config" -d '{"role": ""}'
SELECT pg_temp.use($$credential_source 'instance'$$);
SELECT pg_temp.err('SELECT count(*) FROM ct');
\! curl -sf --noproxy '*' -o /dev/null -X POST "$AWSTORE_AWSMETA_ENDPOINT/__config" -d '{"role": "awstore-instance-role", "imds": "off"}'
SELECT pg_temp.err('SELECT count(*) FROM ct');
\! curl -sf --noproxy '*' -o /dev/null -X POST "$AWSTORE_AWSMETA_ENDPOINT/__config" -d '{"imds": "on"}'
SELECT pg_temp.use($$credential_source 'profile', profile 'awstore-denied'$$);
SELECT pg_temp.err('SELECT count(*) FROM ct');
SELECT pg_temp.use($$credential_source 'profile', profile 'awstore-missing-source'$$);
SELECT pg_temp.err('SELECT count(*) FROM ct');
SELECT pg_temp.use($$credential_source 'profile', profile 'awstore-no-such-profile'$$);
SELECT pg_temp.err('SELECT count(*) FROM ct');
SELECT pg_temp.use($$credential_source 'profile', profile 'awstore-unknown-key'$$);
SELECT pg_temp.err('SELECT count(*) FROM ct');
SELECT pg_temp.use(format($$access_key_id %L, secret_access_key %L,
    role_arn 'arn:aws:iam::123456789012:role/awstore-external-role'$$,
    :'access_key', :'secret_key'));
SELECT pg_temp.err('SELECT count(*) FROM ct');
SELECT pg_temp.use(format($$access_key_id %L, secret_access_key 'wrong',
    role_arn 'arn:aws:iam::123456789012:role/awstore-assumed-role'$$, :'access_key'));
SELECT pg_temp.err('SELECT count(*) FROM ct');
\! curl -sf --noproxy '*' -o /dev/null -X POST "$AWSTORE_AWSMETA_ENDPOINT/__config" -d '{"sts_fail": 20}'
SELECT pg_temp.use($$credential_source 'web_identity'$$);
SELECT pg_temp.err('SELECT count(*) FROM ct');
\! curl -sf --noproxy '*' -o /dev/null -X POST "$AWSTORE_AWSMETA_ENDPOINT/__config" -d '{"sts_fail": 0, "web_identity_token": "another-token"}'
SELECT pg_temp.use($$credential_source 'web_identity'$$);
SELECT pg_temp.err('SELECT count(*) FROM ct');
\! curl -sf --noproxy '*' -o /dev/null -X POST "$AWSTORE_AWSMETA_ENDPOINT/__config" -d '{"container_token": "another-token"}'
SELECT pg_temp.use($$credential_source 'container'$$);
SELECT pg_temp.err('SELECT count(*) FROM ct');
\! curl -sf --noproxy '*' -o /dev/null -X POST "$AWSTORE_AWSMETA_ENDPOINT/__config/reset"
-- a web identity token file the server cannot read
\! printf '\n[profile regress-unreadable]\nrole_arn = arn:aws:iam::123456789012:role/awstore-web-identity-role\nweb_identity_token_file = %s/unreadable-token\n' "$AWSTORE_AWS_DIR" >> "$AWSTORE_AWS_DIR/config"
SELECT pg_temp.use($$credential_source 'profile', profile 'regress-unreadable'$$);
SELECT pg_temp.err('SELECT count(*) FROM ct');
SELECT pg_temp.use($$credential_source 'static'$$);
SELECT pg_temp.err('SELECT count(*) FROM ct');
-- STS that does not answer: a cancel stops the wait.
\! /usr/bin/python3 -c 'import os, socket, time; s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(8); print(s.getsockname()[1], flush=True); os.close(1); time.sleep(30)' > "$AWSTORE_AWS_DIR/silent.port" & echo $! > "$AWSTORE_AWS_DIR/silent.pid"
SELECT pg_sleep(0.5);
\set silent_port `cat "$AWSTORE_AWS_DIR/silent.port"`
SELECT format('http://127.0.0.1:%s', :'silent_port') AS silent \gset
ALTER SERVER creds OPTIONS (SET sts_endpoint :'silent');
SELECT pg_temp.use($$credential_source 'instance',
    role_arn 'arn:aws:iam::123456789012:role/awstore-assumed-role'$$);
SET statement_timeout = '500ms';
SELECT clock_timestamp() AS before \gset
-- should fail
SELECT count(*) FROM ct;
RESET statement_timeout;
SELECT clock_timestamp() - :'before' < interval '3 seconds' AS canceled_promptly;
\! kill "$(cat "$AWSTORE_AWS_DIR/silent.pid")"
ALTER SERVER creds OPTIONS (SET sts_endpoint :'awsmeta');
-- should fail: a user name or password in the STS endpoint
ALTER SERVER creds OPTIONS (SET sts_endpoint 'https://user:pw@sts.example.com');

--
-- Option checks.
--
-- should fail
ALTER USER MAPPING FOR CURRENT_USER SERVER creds OPTIONS (SET credential_source 'imds');
-- should fail
ALTER USER MAPPING FOR CURRENT_USER SERVER creds OPTIONS (ADD access_key_id 'x');
-- should fail
ALTER USER MAPPING FOR CURRENT_USER SERVER creds OPTIONS (DROP role_arn, ADD profile 'x');
-- should fail
ALTER USER MAPPING FOR CURRENT_USER SERVER creds OPTIONS (DROP role_arn, ADD external_id 'x');
-- should fail
ALTER USER MAPPING FOR CURRENT_USER SERVER creds OPTIONS (SET role_arn 'awstore-assumed-role');
-- should fail
ALTER USER MAPPING FOR CURRENT_USER SERVER creds OPTIONS (ADD duration '5min');
-- should fail
ALTER USER MAPPING FOR CURRENT_USER SERVER creds OPTIONS (ADD role_session_name 'a b');

--
-- Roles that are not superusers: never the server's own identity.
--
CREATE ROLE regress_cred_user;
CREATE ROLE regress_cred_owner;
GRANT USAGE ON FOREIGN SERVER creds TO regress_cred_user;
GRANT USAGE ON FOREIGN DATA WRAPPER awstore_dynamodb TO regress_cred_owner;
GRANT CREATE ON SCHEMA public TO regress_cred_owner;
GRANT SELECT ON ct TO regress_cred_user;
GRANT EXECUTE ON FUNCTION awstore.dynamodb_whoami(name) TO regress_cred_user;
SET ROLE regress_cred_user;
-- should fail
CREATE USER MAPPING FOR CURRENT_USER SERVER creds OPTIONS (credential_source 'instance');
-- should fail
CREATE USER MAPPING FOR CURRENT_USER SERVER creds OPTIONS (credential_source 'environment');
-- should fail
CREATE USER MAPPING FOR CURRENT_USER SERVER creds OPTIONS (credential_source 'chain');
-- should fail
CREATE USER MAPPING FOR CURRENT_USER SERVER creds
    OPTIONS (access_key_id 'x', secret_access_key 'y', profile 'default');
-- should fail
CREATE USER MAPPING FOR CURRENT_USER SERVER creds
    OPTIONS (role_arn 'arn:aws:iam::123456789012:role/awstore-assumed-role');
-- their own keys, and a role on top of them
CREATE USER MAPPING FOR CURRENT_USER SERVER creds OPTIONS (access_key_id :'access_key',
    secret_access_key :'secret_key', credential_source 'static',
    role_arn 'arn:aws:iam::123456789012:role/awstore-assumed-role',
    role_session_name 'regress-own');
SELECT count(*) FROM ct;
SELECT arn, credential_source FROM awstore.dynamodb_whoami('creds');
-- should fail: keeping role_arn but dropping the keys
ALTER USER MAPPING FOR CURRENT_USER SERVER creds OPTIONS (DROP access_key_id, DROP secret_access_key);
-- should fail: turning the mapping to the server's identity
ALTER USER MAPPING FOR CURRENT_USER SERVER creds
    OPTIONS (DROP access_key_id, DROP secret_access_key, SET credential_source 'instance');
RESET ROLE;
-- A mapping a superuser gave the server's identity: usable, not alterable
-- by its user.
DROP USER MAPPING FOR regress_cred_user SERVER creds;
CREATE USER MAPPING FOR regress_cred_user SERVER creds OPTIONS (credential_source 'container');
SET ROLE regress_cred_user;
SELECT count(*) FROM ct;
SELECT credential_source FROM awstore.dynamodb_whoami('creds');
-- should fail
ALTER USER MAPPING FOR CURRENT_USER SERVER creds
    OPTIONS (ADD role_arn 'arn:aws:iam::123456789012:role/awstore-assumed-role');
-- user mapping options are shown to their owner, never PUBLIC's to others
SELECT srvname, umoptions FROM pg_user_mappings WHERE srvname = 'creds' AND usename = 'regress_cred_user';
RESET ROLE;

-- A server a non-superuser owns: no mapping for PUBLIC or anyone may use
-- the server's identity, and one a superuser made is refused at use.
SET ROLE regress_cred_owner;
CREATE SERVER owned FOREIGN DATA WRAPPER awstore_dynamodb OPTIONS (endpoint :'signed', sts_endpoint :'awsmeta');
-- should fail
CREATE USER MAPPING FOR PUBLIC SERVER owned OPTIONS (credential_source 'container');
-- should fail
CREATE USER MAPPING FOR PUBLIC SERVER owned OPTIONS (credential_source 'web_identity');
-- should fail
CREATE USER MAPPING FOR PUBLIC SERVER owned
    OPTIONS (role_arn 'arn:aws:iam::123456789012:role/awstore-assumed-role');
CREATE USER MAPPING FOR PUBLIC SERVER owned OPTIONS (credential_source 'static');
-- should fail
ALTER USER MAPPING FOR PUBLIC SERVER owned OPTIONS (SET credential_source 'instance');
CREATE FOREIGN TABLE owned_ct (id text, v int) SERVER owned OPTIONS (table_name 'regress_credentials');
-- should fail: static without keys
SELECT count(*) FROM owned_ct;
RESET ROLE;
ALTER USER MAPPING FOR PUBLIC SERVER owned OPTIONS (SET credential_source 'instance');
SET ROLE regress_cred_owner;
-- should fail: the server's identity to a server a non-superuser owns
SELECT count(*) FROM owned_ct;
RESET ROLE;
-- should fail: not even for a superuser
SELECT count(*) FROM owned_ct;

-- A mapping for PUBLIC without keys on a superuser's server: the server's
-- environment credentials for superusers only, whoever used it first in
-- the session (a client is never handed from one role to another).
CREATE SERVER pub FOREIGN DATA WRAPPER awstore_dynamodb OPTIONS (endpoint :'signed');
CREATE USER MAPPING FOR PUBLIC SERVER pub;
CREATE FOREIGN TABLE pub_ct (id text, v int) SERVER pub OPTIONS (table_name 'regress_credentials');
GRANT USAGE ON FOREIGN SERVER pub TO regress_cred_user;
GRANT SELECT ON pub_ct TO regress_cred_user;
SET ROLE regress_cred_user;
-- should fail
SELECT count(*) > 0 AS read FROM pub_ct;
RESET ROLE;
SELECT count(*) > 0 AS read FROM pub_ct;
SET ROLE regress_cred_user;
-- should fail, still
SELECT count(*) > 0 AS read FROM pub_ct;
RESET ROLE;
DROP SERVER pub CASCADE;

DROP FOREIGN TABLE owned_ct;
DROP SERVER owned CASCADE;
SELECT pg_temp.use(format($$access_key_id %L, secret_access_key %L$$, :'access_key', :'secret_key'));
SELECT awstore.dynamodb_delete_table('creds', 'regress_credentials');
DROP SERVER creds CASCADE;
DROP OWNED BY regress_cred_user, regress_cred_owner;
DROP ROLE regress_cred_user, regress_cred_owner;
\! /usr/bin/python3 "$PG_ABS_SRCDIR/test/actingweb_dataset.py" --endpoint "$AWSTORE_DYNAMODB_ENDPOINT" --prefix regcred drop > /dev/null
\! /usr/bin/python3 "$PG_ABS_SRCDIR/test/actingweb_dataset.py" --endpoint "$AWSTORE_DYNAMODB_ENDPOINT" --prefix regcredback drop > /dev/null
DROP EXTENSION awstore;
DROP SCHEMA aw CASCADE;
