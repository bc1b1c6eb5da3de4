--
-- A conditional write whose first attempt DynamoDB applied but whose answer
-- was lost is sent again; finding its condition false because of its own
-- earlier attempt, it reports success, not a conflict or a missing item.
-- (libcurl's own silent resend on a reused connection is refused and
-- becomes one of these counted retries.)
--
\getenv proxy AWSTORE_FAULT_ENDPOINT
\getenv access_key AWSTORE_FAULT_ACCESS_KEY
\getenv secret_key AWSTORE_FAULT_SECRET_KEY
\set fault '\\! curl -s -X POST "$AWSTORE_FAULT_ENDPOINT/__fault" -d'
\set injected '\\! curl -s "$AWSTORE_FAULT_ENDPOINT/__stats" | /usr/bin/python3 -c "import json, sys; s = json.load(sys.stdin); print(\\"faults injected:\\", sorted(s[\\"injected\\"]))"; curl -s -X POST "$AWSTORE_FAULT_ENDPOINT/__stats/reset" > /dev/null'
:fault '{"mode": "off"}' > /dev/null
\! curl -s -X POST "$AWSTORE_FAULT_ENDPOINT/__stats/reset" > /dev/null

CREATE SCHEMA aw;
CREATE EXTENSION awstore SCHEMA aw;
CREATE SERVER proxied FOREIGN DATA WRAPPER awstore_dynamodb
    OPTIONS (endpoint :'proxy', request_timeout '10s', max_retries '3');
CREATE USER MAPPING FOR CURRENT_USER SERVER proxied
    OPTIONS (access_key_id :'access_key', secret_access_key :'secret_key');
SELECT awstore.dynamodb_create_table('proxied', 'rt_items', 'id') IS NOT NULL AS created;
CREATE FOREIGN TABLE rt (id text, n integer) SERVER proxied OPTIONS (table_name 'rt_items');
INSERT INTO rt VALUES ('r0', 0);
\set QUIET off

-- ON CONFLICT DO NOTHING: the retry meets the item its first attempt wrote.
:fault '{"mode": "drop_after", "count": 1, "targets": ["PutItem"]}' > /dev/null
INSERT INTO rt VALUES ('r1', 1) ON CONFLICT DO NOTHING;
:injected
-- ... while an item that was there before is a conflict.
INSERT INTO rt VALUES ('r0', 9) ON CONFLICT DO NOTHING;

-- UPDATE: the retry meets the item as its first attempt left it.
:fault '{"mode": "drop_after", "count": 1, "targets": ["UpdateItem"]}' > /dev/null
UPDATE rt SET n = n + 10 WHERE id = 'r1' RETURNING *;
:injected

-- DELETE … RETURNING: the retry finds the item its first attempt deleted.
:fault '{"mode": "drop_after", "count": 1, "targets": ["DeleteItem"]}' > /dev/null
DELETE FROM rt WHERE id = 'r1' RETURNING *;
:injected
:fault '{"mode": "off"}' > /dev/null

\set QUIET on
SELECT id, n FROM rt ORDER BY id;

-- CreateTable and DeleteTable: the retry meets the table its first attempt
-- created, or the deletion it began.
:fault '{"mode": "drop_after", "count": 1, "targets": ["CreateTable"]}' > /dev/null
SELECT awstore.dynamodb_create_table('proxied', 'rt_made', 'id') ->> 'TableStatus' AS status;
:injected
:fault '{"mode": "drop_after", "count": 1, "targets": ["DeleteTable"]}' > /dev/null
SELECT count(awstore.dynamodb_delete_table('proxied', 'rt_made'));
:injected
:fault '{"mode": "off"}' > /dev/null
SELECT count(*) FROM awstore.dynamodb_list_tables('proxied') t WHERE t = 'rt_made';

SELECT count(awstore.dynamodb_delete_table('proxied', 'rt_items'));
SET client_min_messages = warning;
DROP USER MAPPING FOR CURRENT_USER SERVER proxied;
DROP SERVER proxied CASCADE;
DROP EXTENSION awstore;
DROP SCHEMA aw CASCADE;
