--
-- While it waits for DynamoDB, a backend processes the interrupts that are
-- not a cancel, as it does elsewhere.  DROP DATABASE waits until every
-- backend has absorbed a proc-signal barrier: it must not wait for a
-- stalled DynamoDB request of another session to end.
--
\getenv proxy AWSTORE_FAULT_ENDPOINT
\getenv access_key AWSTORE_FAULT_ACCESS_KEY
\getenv secret_key AWSTORE_FAULT_SECRET_KEY
\! /usr/bin/python3 "$PG_ABS_SRCDIR/test/dynamo_fixture.py" reset
\! /usr/bin/python3 "$PG_ABS_SRCDIR/test/dynamo_fixture.py" load things
\! curl -s -X POST "$AWSTORE_FAULT_ENDPOINT/__fault" -d '{"mode": "off"}' > /dev/null

CREATE SCHEMA aw;
CREATE EXTENSION awstore SCHEMA aw;
CREATE SERVER proxied FOREIGN DATA WRAPPER awstore_dynamodb
    OPTIONS (endpoint :'proxy', request_timeout '30s', max_retries '0');
CREATE USER MAPPING FOR CURRENT_USER SERVER proxied
    OPTIONS (access_key_id :'access_key', secret_access_key :'secret_key');
CREATE FOREIGN TABLE things (id text, sk integer, name text) SERVER proxied;
SELECT count(*) FROM things;
CREATE DATABASE regress_awstore_barrier;

-- The next Scan stalls 8 s in the proxy.  One second into it, another
-- session drops a database, giving itself 5 s for it.
\! curl -s -X POST "$AWSTORE_FAULT_ENDPOINT/__fault" -d '{"mode": "stall", "count": 1, "seconds": 8, "targets": ["Scan"]}' > /dev/null
\! rm -f "$PG_ABS_BUILDDIR/results/barrier.txt"; (sleep 1; psql -X -q -d contrib_regression -c "SET statement_timeout = '5s'" -c "DROP DATABASE regress_awstore_barrier" > "$PG_ABS_BUILDDIR/results/barrier.txt.tmp" 2>&1; echo "drop done" >> "$PG_ABS_BUILDDIR/results/barrier.txt.tmp"; mv "$PG_ABS_BUILDDIR/results/barrier.txt.tmp" "$PG_ABS_BUILDDIR/results/barrier.txt") > /dev/null 2>&1 &
SELECT count(*) FROM things;
\! while [ ! -f "$PG_ABS_BUILDDIR/results/barrier.txt" ]; do sleep 0.2; done; cat "$PG_ABS_BUILDDIR/results/barrier.txt"
SELECT count(*) FROM pg_database WHERE datname = 'regress_awstore_barrier';
\! curl -s -X POST "$AWSTORE_FAULT_ENDPOINT/__fault" -d '{"mode": "off"}' > /dev/null

DROP SERVER proxied CASCADE;
DROP EXTENSION awstore;
DROP SCHEMA aw CASCADE;
DROP DATABASE IF EXISTS regress_awstore_barrier;
