--
-- HTTPS: a server trusting the test CA through ca_bundle reads, writes,
-- imports and migrates over TLS, through the fault proxy (which checks
-- every signature and injects faults over TLS too); bad certificates fail
-- with a clear error; a cancel works during a handshake and a request;
-- connections are reused (one handshake each, not one per request); the
-- proxy option tunnels through a CONNECT proxy.
--
\getenv tls_endpoint AWSTORE_TLS_ENDPOINT
\getenv tls_ca AWSTORE_TLS_CA
\getenv other_ca AWSTORE_TLS_OTHER_CA
\getenv expired_endpoint AWSTORE_TLS_EXPIRED_ENDPOINT
\getenv wronghost_endpoint AWSTORE_TLS_WRONGHOST_ENDPOINT
\getenv stall_endpoint AWSTORE_TLS_STALL_ENDPOINT
\getenv tls_proxy AWSTORE_TLS_PROXY
\getenv access_key AWSTORE_FAULT_ACCESS_KEY
\getenv secret_key AWSTORE_FAULT_SECRET_KEY
\! curl -s -X POST "$AWSTORE_FAULT_ENDPOINT/__fault" -d '{"mode": "off"}' > /dev/null
\set VERBOSITY terse

CREATE SCHEMA aw;
CREATE EXTENSION awstore SCHEMA aw;
CREATE SERVER tls FOREIGN DATA WRAPPER awstore_dynamodb
    OPTIONS (endpoint :'tls_endpoint', ca_bundle :'tls_ca');
CREATE USER MAPPING FOR CURRENT_USER SERVER tls
    OPTIONS (access_key_id :'access_key', secret_access_key :'secret_key');

-- Handshakes so far, read from the TLS front's count.
CREATE FUNCTION pg_temp.handshakes() RETURNS integer LANGUAGE sql AS $$
    SELECT pg_catalog.pg_read_file(pg_catalog.current_setting('awstore_test.tls_count'))::integer
$$;
\getenv tls_count AWSTORE_TLS_COUNT
SELECT set_config('awstore_test.tls_count', :'tls_count', false) IS NOT NULL AS set;

-- Writes and reads over TLS.
SELECT awstore.dynamodb_create_table('tls', 'tls_things', 'id', 'S', 'n', 'N') IS NOT NULL AS created;
CREATE FOREIGN TABLE tls_things (id text, n integer, note text) SERVER tls;
INSERT INTO tls_things SELECT 'p' || (g % 7), g, repeat('x', g % 50) FROM generate_series(1, 300) g;
SELECT count(*), sum(n), sum(length(note)) FROM tls_things;
SELECT n, note FROM tls_things WHERE id = 'p3' AND n < 30 ORDER BY n;
UPDATE tls_things SET note = 'changed' WHERE id = 'p1' AND n = 1;
DELETE FROM tls_things WHERE id = 'p2' AND n = 2;
SELECT n, note FROM tls_things WHERE id IN ('p1', 'p2') AND n < 10 ORDER BY n;
COPY tls_things FROM stdin WITH (FORMAT csv);
c1,1,copied
c1,2,copied
\.
SELECT count(*) FROM tls_things WHERE id = 'c1';
CREATE SCHEMA imported;
IMPORT FOREIGN SCHEMA dynamodb LIMIT TO (tls_things) FROM SERVER tls INTO imported;
SELECT count(*) FROM imported.tls_things;

-- One handshake per connection: forty more statements, no new handshake
-- for each (the backend keeps its connections).
SELECT pg_temp.handshakes() AS before \gset
DO $$
BEGIN
    FOR i IN 1 .. 40 LOOP
        PERFORM count(*) FROM tls_things WHERE id = 'p4' AND n = 4;
    END LOOP;
END $$;
SELECT pg_temp.handshakes() - :before AS new_handshakes;

-- Faults over TLS are retried as over http.
\! curl -s -X POST "$AWSTORE_FAULT_ENDPOINT/__fault" -d '{"mode": "mix", "rate": 0.3, "seed": 11, "count": 6, "faults": ["error500", "drop_before", "truncate", "throttle"]}' > /dev/null
SELECT count(*), sum(n) FROM tls_things;
\! curl -s -X POST "$AWSTORE_FAULT_ENDPOINT/__fault" -d '{"mode": "off"}' > /dev/null

-- The migration functions over TLS.
INSERT INTO aw.actors VALUES ('tls-actor', 'creator@example.com', 'secret', '2026-01-02 03:04:05');
SET client_min_messages = warning;
SELECT table_name, rows FROM awstore.migrate_to_dynamodb('tls', 'tlsmig') WHERE table_name = 'actors';
SELECT table_name, postgres_rows, dynamodb_rows, different
  FROM awstore.verify_migration('tls', 'tlsmig') WHERE table_name = 'actors';
RESET client_min_messages;

-- A cancel during a request (the fault proxy stalls it) and during a TLS
-- handshake (the front never answers it).
\! curl -s -X POST "$AWSTORE_FAULT_ENDPOINT/__fault" -d '{"mode": "stall", "seconds": 30, "count": 1}' > /dev/null
SET statement_timeout = '500ms';
-- should fail
SELECT count(*) FROM tls_things;
RESET statement_timeout;
\! curl -s -X POST "$AWSTORE_FAULT_ENDPOINT/__fault" -d '{"mode": "off"}' > /dev/null
CREATE SERVER tls_stall FOREIGN DATA WRAPPER awstore_dynamodb
    OPTIONS (endpoint :'stall_endpoint', ca_bundle :'tls_ca', connect_timeout '30s');
CREATE USER MAPPING FOR CURRENT_USER SERVER tls_stall
    OPTIONS (access_key_id :'access_key', secret_access_key :'secret_key');
CREATE FOREIGN TABLE stall_things (id text) SERVER tls_stall OPTIONS (table_name 'tls_things', partition_key 'id');
SET statement_timeout = '500ms';
-- should fail
SELECT * FROM stall_things WHERE id = 'x';
RESET statement_timeout;
-- the session goes on
SELECT count(*) FROM tls_things WHERE id = 'c1';

-- Bad certificates: the error says TLS, names the endpoint, SQLSTATE 08001.
CREATE FUNCTION pg_temp.tls_failure(server text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    state text;
    msg text;
    detail text;
    endpoint text;
BEGIN
    SELECT o.option_value INTO endpoint
      FROM pg_foreign_server s, pg_options_to_table(s.srvoptions) o
     WHERE s.srvname = server AND o.option_name = 'endpoint';
    EXECUTE format('SELECT awstore.dynamodb_list_tables(%L)', server);
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, detail = PG_EXCEPTION_DETAIL;
    RETURN format('%s %s (detail names the endpoint: %s)', state, msg, position(endpoint IN detail) > 0);
END $$;
CREATE SERVER tls_other_ca FOREIGN DATA WRAPPER awstore_dynamodb
    OPTIONS (endpoint :'tls_endpoint', ca_bundle :'other_ca');
CREATE SERVER tls_expired FOREIGN DATA WRAPPER awstore_dynamodb
    OPTIONS (endpoint :'expired_endpoint', ca_bundle :'tls_ca');
CREATE SERVER tls_wronghost FOREIGN DATA WRAPPER awstore_dynamodb
    OPTIONS (endpoint :'wronghost_endpoint', ca_bundle :'tls_ca');
CREATE SERVER tls_system_ca FOREIGN DATA WRAPPER awstore_dynamodb
    OPTIONS (endpoint :'tls_endpoint');
CREATE SERVER tls_missing_ca FOREIGN DATA WRAPPER awstore_dynamodb
    OPTIONS (endpoint :'tls_endpoint', ca_bundle '/nonexistent/ca.pem');
CREATE USER MAPPING FOR CURRENT_USER SERVER tls_other_ca OPTIONS (access_key_id 'k', secret_access_key 's');
CREATE USER MAPPING FOR CURRENT_USER SERVER tls_expired OPTIONS (access_key_id 'k', secret_access_key 's');
CREATE USER MAPPING FOR CURRENT_USER SERVER tls_wronghost OPTIONS (access_key_id 'k', secret_access_key 's');
CREATE USER MAPPING FOR CURRENT_USER SERVER tls_system_ca OPTIONS (access_key_id 'k', secret_access_key 's');
CREATE USER MAPPING FOR CURRENT_USER SERVER tls_missing_ca OPTIONS (access_key_id 'k', secret_access_key 's');
SELECT s AS server, pg_temp.tls_failure(s) AS failure
  FROM unnest(ARRAY['tls_other_ca', 'tls_expired', 'tls_wronghost', 'tls_system_ca', 'tls_missing_ca']) s;

-- Through a CONNECT proxy.
CREATE SERVER tls_proxied FOREIGN DATA WRAPPER awstore_dynamodb
    OPTIONS (endpoint :'tls_endpoint', ca_bundle :'tls_ca', proxy :'tls_proxy');
CREATE USER MAPPING FOR CURRENT_USER SERVER tls_proxied
    OPTIONS (access_key_id :'access_key', secret_access_key :'secret_key');
CREATE FOREIGN TABLE proxied_things (id text, n integer, note text)
    SERVER tls_proxied OPTIONS (table_name 'tls_things');
\getenv proxy_count AWSTORE_TLS_PROXY_COUNT
SELECT count(*), sum(n) FROM proxied_things;
SELECT pg_read_file(:'proxy_count')::integer > 0 AS tunneled;

-- The options: absolute paths and URLs, and superusers only.
-- should fail
ALTER SERVER tls OPTIONS (SET ca_bundle 'relative/ca.pem');
-- should fail
ALTER SERVER tls OPTIONS (ADD proxy 'socks5://127.0.0.1:1080');
CREATE ROLE regress_aw_tls_owner;
GRANT USAGE ON FOREIGN DATA WRAPPER awstore_dynamodb TO regress_aw_tls_owner;
SET ROLE regress_aw_tls_owner;
-- should fail
CREATE SERVER s_ca FOREIGN DATA WRAPPER awstore_dynamodb OPTIONS (ca_bundle '/etc/passwd');
-- should fail
CREATE SERVER s_proxy FOREIGN DATA WRAPPER awstore_dynamodb OPTIONS (proxy 'http://127.0.0.1:3128');
RESET ROLE;
REVOKE USAGE ON FOREIGN DATA WRAPPER awstore_dynamodb FROM regress_aw_tls_owner;
DROP ROLE regress_aw_tls_owner;

SELECT awstore.dynamodb_delete_table('tls', 'tls_things');
SELECT awstore.dynamodb_delete_table('tls', t) FROM awstore.dynamodb_list_tables('tls') t WHERE t LIKE 'tlsmig%';
DROP SERVER tls, tls_stall, tls_other_ca, tls_expired, tls_wronghost, tls_system_ca, tls_missing_ca,
    tls_proxied CASCADE;
DROP EXTENSION awstore;
DROP SCHEMA aw, imported CASCADE;
