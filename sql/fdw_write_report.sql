--
-- A statement that fails after sending writes says exactly what became of
-- its items: written (DynamoDB confirmed them), may have been written (sent,
-- answer lost), not written.  Whatever failed: a request, or a bad row.
--
\getenv proxy AWSTORE_FAULT_ENDPOINT
\getenv access_key AWSTORE_FAULT_ACCESS_KEY
\getenv secret_key AWSTORE_FAULT_SECRET_KEY
\! curl -s -X POST "$AWSTORE_FAULT_ENDPOINT/__fault" -d '{"mode": "off"}' > /dev/null

CREATE SCHEMA aw;
CREATE EXTENSION awstore SCHEMA aw;
CREATE SERVER proxied FOREIGN DATA WRAPPER awstore_dynamodb
    OPTIONS (endpoint :'proxy', request_timeout '30s', max_retries '0');
CREATE USER MAPPING FOR CURRENT_USER SERVER proxied
    OPTIONS (access_key_id :'access_key', secret_access_key :'secret_key');
SELECT awstore.dynamodb_create_table('proxied', 'wr_items', 'id') IS NOT NULL AS created;
CREATE FOREIGN TABLE wr (id text, n integer) SERVER proxied OPTIONS (table_name 'wr_items');

-- Each failure is caught, so that the report comes in a fixed order.
CREATE FUNCTION try(stmt text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE stmt;
EXCEPTION WHEN OTHERS THEN
    RAISE NOTICE 'failed: %', SQLERRM;
END $$;

-- A bad row while two requests of 25 items are unanswered (DynamoDB
-- stalls): they may have been written; the rows gathered after them were
-- not sent.
\! curl -s -X POST "$AWSTORE_FAULT_ENDPOINT/__fault" -d '{"mode": "stall", "seconds": 20, "targets": ["BatchWriteItem"]}' > /dev/null
SELECT try($$INSERT INTO wr SELECT 'a' || i, (CASE WHEN i < 60 THEN i::text ELSE 'bad' END)::integer
             FROM generate_series(1, 100) i$$);
\! curl -s -X POST "$AWSTORE_FAULT_ENDPOINT/__fault" -d '{"mode": "off"}' > /dev/null

-- A request failing with an error that may follow its being applied (5xx):
-- may have been written; one DynamoDB refused wrote nothing, as its error
-- says.
\! curl -s -X POST "$AWSTORE_FAULT_ENDPOINT/__fault" -d '{"mode": "error500", "count": 1, "targets": ["BatchWriteItem"]}' > /dev/null
SELECT try($$INSERT INTO wr SELECT 'c' || i, i FROM generate_series(1, 10) i$$);
\! curl -s -X POST "$AWSTORE_FAULT_ENDPOINT/__fault" -d '{"mode": "validation", "count": 1, "targets": ["BatchWriteItem"]}' > /dev/null
SELECT try($$INSERT INTO wr SELECT 'd' || i, i FROM generate_series(1, 10) i$$);
\! curl -s -X POST "$AWSTORE_FAULT_ENDPOINT/__fault" -d '{"mode": "off"}' > /dev/null

SELECT left(id, 1) AS batch, count(*) FROM wr GROUP BY 1 ORDER BY 1;

SELECT count(awstore.dynamodb_delete_table('proxied', 'wr_items'));
SET client_min_messages = warning;
DROP USER MAPPING FOR CURRENT_USER SERVER proxied;
DROP SERVER proxied CASCADE;
DROP EXTENSION awstore;
DROP SCHEMA aw CASCADE;
