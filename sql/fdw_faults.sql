--
-- Reads through a proxy that injects faults: throttling, 5xx, dropped and
-- stalled connections, truncated, corrupt and malformed bodies, empty
-- pages.  Retryable faults are retried and the scan returns exactly the
-- whole table; a fault that is not retryable, or retries running out,
-- stops the query with a clear error.
--
\getenv endpoint AWSTORE_DYNAMODB_ENDPOINT
\getenv proxy AWSTORE_FAULT_ENDPOINT
\getenv access_key AWSTORE_FAULT_ACCESS_KEY
\getenv secret_key AWSTORE_FAULT_SECRET_KEY
\! /usr/bin/python3 "$PG_ABS_SRCDIR/test/dynamo_fixture.py" reset
\! /usr/bin/python3 "$PG_ABS_SRCDIR/test/dynamo_fixture.py" load big things
\! curl -s -X POST "$AWSTORE_FAULT_ENDPOINT/__fault" -d '{"mode": "off"}' > /dev/null
\! curl -s -X POST "$AWSTORE_FAULT_ENDPOINT/__stats/reset" > /dev/null

CREATE SCHEMA aw;
CREATE EXTENSION awstore SCHEMA aw;
CREATE SERVER proxied FOREIGN DATA WRAPPER awstore_dynamodb
    OPTIONS (endpoint :'proxy', request_timeout '2s', max_retries '10');
CREATE USER MAPPING FOR CURRENT_USER SERVER proxied
    OPTIONS (access_key_id :'access_key', secret_access_key :'secret_key');
CREATE FOREIGN TABLE big (id text, n integer) SERVER proxied;
CREATE FOREIGN TABLE things (id text, sk integer, name text) SERVER proxied;

-- The whole table, compared with what was written: 4000 items, n = 0..3999.
CREATE FUNCTION read_big(label text) RETURNS TABLE (fault text, items bigint, exact boolean)
LANGUAGE sql AS $$
    SELECT label, count(*), count(*) = 4000 AND count(DISTINCT id) = 4000 AND sum(n) = 7998000
      FROM big
$$;
-- How many faults the proxy injected since the last reset (exactly, or
-- only whether some were, when parallel requests race for them), and the
-- signatures it could not verify: none.
\set injected '\\! curl -s "$AWSTORE_FAULT_ENDPOINT/__stats" | /usr/bin/python3 -c "import json, sys; s = json.load(sys.stdin); print(\\"faults injected:\\", s[\\"injected_total\\"], \\"| bad signatures:\\", s[\\"signature_bad\\"])"; curl -s -X POST "$AWSTORE_FAULT_ENDPOINT/__stats/reset" > /dev/null'
\set injected_some '\\! curl -s "$AWSTORE_FAULT_ENDPOINT/__stats" | /usr/bin/python3 -c "import json, sys; s = json.load(sys.stdin); print(\\"faults injected:\\", s[\\"injected_total\\"] > 0, \\"| bad signatures:\\", s[\\"signature_bad\\"])"; curl -s -X POST "$AWSTORE_FAULT_ENDPOINT/__stats/reset" > /dev/null'

SELECT * FROM read_big('none');
:injected

\! curl -s -X POST "$AWSTORE_FAULT_ENDPOINT/__fault" -d '{"mode": "throttle", "count": 3}' > /dev/null
SELECT * FROM read_big('ProvisionedThroughputExceededException x3');
:injected
\! curl -s -X POST "$AWSTORE_FAULT_ENDPOINT/__fault" -d '{"mode": "throttling", "count": 2}' > /dev/null
SELECT * FROM read_big('ThrottlingException x2');
:injected
\! curl -s -X POST "$AWSTORE_FAULT_ENDPOINT/__fault" -d '{"mode": "limit", "count": 2}' > /dev/null
SELECT * FROM read_big('RequestLimitExceeded x2');
:injected
\! curl -s -X POST "$AWSTORE_FAULT_ENDPOINT/__fault" -d '{"mode": "error500", "count": 3}' > /dev/null
SELECT * FROM read_big('InternalServerError x3');
:injected
\! curl -s -X POST "$AWSTORE_FAULT_ENDPOINT/__fault" -d '{"mode": "error503", "count": 2}' > /dev/null
SELECT * FROM read_big('503 ServiceUnavailable x2');
:injected
\! curl -s -X POST "$AWSTORE_FAULT_ENDPOINT/__fault" -d '{"mode": "error503_text", "count": 2}' > /dev/null
SELECT * FROM read_big('503 with a text body x2');
:injected
\! curl -s -X POST "$AWSTORE_FAULT_ENDPOINT/__fault" -d '{"mode": "drop_before", "count": 3}' > /dev/null
SELECT * FROM read_big('connection reset before the request x3');
:injected
\! curl -s -X POST "$AWSTORE_FAULT_ENDPOINT/__fault" -d '{"mode": "drop_after", "count": 3, "close": "fin"}' > /dev/null
SELECT * FROM read_big('connection closed after the request x3');
:injected
\! curl -s -X POST "$AWSTORE_FAULT_ENDPOINT/__fault" -d '{"mode": "truncate", "count": 2}' > /dev/null
SELECT * FROM read_big('truncated body x2');
:injected
\! curl -s -X POST "$AWSTORE_FAULT_ENDPOINT/__fault" -d '{"mode": "bad_crc", "count": 2}' > /dev/null
SELECT * FROM read_big('x-amz-crc32 mismatch x2');
:injected
\! curl -s -X POST "$AWSTORE_FAULT_ENDPOINT/__fault" -d '{"mode": "malformed", "count": 2}' > /dev/null
SELECT * FROM read_big('malformed JSON x2');
:injected
\! curl -s -X POST "$AWSTORE_FAULT_ENDPOINT/__fault" -d '{"mode": "stall", "count": 1, "seconds": 30}' > /dev/null
SELECT * FROM read_big('stalled response (request_timeout 2s)');
:injected
\! curl -s -X POST "$AWSTORE_FAULT_ENDPOINT/__fault" -d '{"mode": "empty_page", "count": 3}' > /dev/null
SELECT * FROM read_big('empty pages with a LastEvaluatedKey x3');
:injected
\! curl -s -X POST "$AWSTORE_FAULT_ENDPOINT/__fault" -d '{"mode": "off"}' > /dev/null

-- A mix of every retryable fault on a third of the requests, with the
-- table read in 4 parallel segments.
ALTER FOREIGN TABLE big OPTIONS (ADD scan_segments '4');
\! curl -s -X POST "$AWSTORE_FAULT_ENDPOINT/__fault" -d '{"mode": "mix", "rate": 0.33, "seed": 7, "faults": ["throttle", "throttling", "error500", "error503", "drop_before", "truncate", "bad_crc", "malformed"]}' > /dev/null
SELECT * FROM read_big('a third of the requests, 4 segments');
SELECT * FROM read_big('again');
\! curl -s -X POST "$AWSTORE_FAULT_ENDPOINT/__fault" -d '{"mode": "off"}' > /dev/null
:injected_some
ALTER FOREIGN TABLE big OPTIONS (DROP scan_segments);

-- Key lookups retry too.
\! curl -s -X POST "$AWSTORE_FAULT_ENDPOINT/__fault" -d '{"mode": "throttle", "count": 2}' > /dev/null
SELECT name FROM things WHERE id = 'a1' AND sk = 51;
\! curl -s -X POST "$AWSTORE_FAULT_ENDPOINT/__fault" -d '{"mode": "error500", "count": 2}' > /dev/null
SELECT count(*) FROM things WHERE id = 'a1';
\! curl -s -X POST "$AWSTORE_FAULT_ENDPOINT/__fault" -d '{"mode": "error500", "count": 2}' > /dev/null
SELECT count(*) FROM things WHERE id IN ('a1', 'a2') AND sk IN (1, 2, 51);
:injected

-- Not retryable: the first answer is final.
\! curl -s -X POST "$AWSTORE_FAULT_ENDPOINT/__fault" -d '{"mode": "validation", "count": 1}' > /dev/null
-- should fail
SELECT * FROM read_big('ValidationException');
:injected

-- Retries run out.
ALTER SERVER proxied OPTIONS (SET max_retries '2');
SELECT * FROM read_big('max_retries 2');
\! curl -s -X POST "$AWSTORE_FAULT_ENDPOINT/__fault" -d '{"mode": "throttle", "count": 5}' > /dev/null
-- should fail
SELECT * FROM read_big('throttled beyond max_retries');
\! curl -s -X POST "$AWSTORE_FAULT_ENDPOINT/__fault" -d '{"mode": "error500", "count": 5}' > /dev/null
-- should fail
SELECT * FROM read_big('500 beyond max_retries');
\! curl -s -X POST "$AWSTORE_FAULT_ENDPOINT/__fault" -d '{"mode": "bad_crc", "count": 5}' > /dev/null
\set VERBOSITY terse
-- should fail
SELECT * FROM read_big('corrupt beyond max_retries');
\set VERBOSITY default
\! curl -s -X POST "$AWSTORE_FAULT_ENDPOINT/__fault" -d '{"mode": "drop_before", "count": 10}' > /dev/null
\set VERBOSITY terse
-- should fail
SELECT * FROM read_big('dropped beyond max_retries');
\set VERBOSITY default
\! curl -s -X POST "$AWSTORE_FAULT_ENDPOINT/__fault" -d '{"mode": "off"}' > /dev/null
:injected_some
SELECT * FROM read_big('healthy again');

DROP FUNCTION read_big(text);
DROP USER MAPPING FOR CURRENT_USER SERVER proxied;
DROP SERVER proxied CASCADE;
DROP EXTENSION awstore;
DROP SCHEMA aw CASCADE;
