--
-- Capacity budgets: max_read_capacity, max_write_capacity,
-- read_capacity_percent and write_capacity_percent.  Bad values are
-- errors; EXPLAIN shows the budget, EXPLAIN ANALYZE the cap and the wait;
-- a percent needs provisioned capacity; a cancel while waiting for the
-- budget lands at once.  (The rates themselves are measured against the
-- test proxy's record of consumed capacity: test/pacing.py.)
--
\! /usr/bin/python3 "$PG_ABS_SRCDIR/test/dynamo_fixture.py" reset
\! /usr/bin/python3 "$PG_ABS_SRCDIR/test/dynamo_fixture.py" load things big
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/sql/include/dynamo_server.sql
SET search_path = public, aw;

CREATE FOREIGN TABLE things (id text, sk integer, name text) SERVER dynamo;
CREATE FOREIGN TABLE big (id text, n integer, pad text) SERVER dynamo;

-- Bad values, on a server and on a table.
-- should fail
ALTER SERVER dynamo OPTIONS (ADD max_read_capacity '0');
-- should fail
ALTER SERVER dynamo OPTIONS (ADD max_read_capacity '-5');
-- should fail
ALTER SERVER dynamo OPTIONS (ADD max_write_capacity 'fast');
-- should fail
ALTER SERVER dynamo OPTIONS (ADD max_write_capacity 'NaN');
-- should fail
ALTER FOREIGN TABLE things OPTIONS (ADD max_read_capacity 'Infinity');
-- should fail: below the least cap, 0.01 units per second
ALTER SERVER dynamo OPTIONS (ADD max_read_capacity '0.001');
-- should fail
ALTER FOREIGN TABLE things OPTIONS (ADD read_capacity_percent '101');
-- should fail
ALTER FOREIGN TABLE things OPTIONS (ADD read_capacity_percent '1e-300');
-- should fail
ALTER FOREIGN TABLE things OPTIONS (ADD write_capacity_percent '0');
-- should fail: a column has no budget
ALTER FOREIGN TABLE things ALTER COLUMN name OPTIONS (ADD max_read_capacity '5');
-- should fail: nor a user mapping
ALTER USER MAPPING FOR CURRENT_USER SERVER dynamo OPTIONS (ADD max_read_capacity '5');

-- Decimal values are fine; the table's option wins over the server's.
ALTER SERVER dynamo OPTIONS (ADD max_read_capacity '0.5', ADD max_write_capacity '1000');
ALTER FOREIGN TABLE things OPTIONS (ADD max_read_capacity '1000');
EXPLAIN (COSTS OFF) SELECT * FROM things;
EXPLAIN (COSTS OFF) INSERT INTO things VALUES ('x', 1, 'y');
CREATE FOREIGN TABLE things_server_budget (id text) SERVER dynamo OPTIONS (table_name 'things');
EXPLAIN (COSTS OFF) SELECT * FROM things_server_budget;
ALTER SERVER dynamo OPTIONS (DROP max_read_capacity);

-- EXPLAIN ANALYZE: the cap and the time waited for the budget.
\o | sed -E 's/(Capacity: |Wait: ).*/\1(as measured)/'
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT id FROM things;
\o
SELECT count(*), min(id), max(id) FROM things;

-- Paced writes arrive whole.
CREATE FOREIGN TABLE paced_out (id text, n integer) SERVER dynamo
    OPTIONS (table_name 'pace_out', max_write_capacity '200');
SELECT awstore.dynamodb_create_table('dynamo', 'pace_out', 'id', 'S') IS NOT NULL AS created;
\o | sed -E 's/(Capacity: |Wait: ).*/\1(as measured)/'
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
    INSERT INTO paced_out SELECT 'k' || i, i FROM generate_series(1, 60) i;
\o
SELECT count(*), sum(n) FROM paced_out;
-- deletes and row-by-row writes are paced too
DELETE FROM paced_out WHERE n <= 10;
INSERT INTO paced_out VALUES ('r1', 1) RETURNING *;
UPDATE paced_out SET n = n + 1000 WHERE id = 'k11';
SELECT count(*), sum(n) FROM paced_out;
TRUNCATE paced_out;
SELECT count(*) FROM paced_out;

-- A percent needs provisioned capacity.
SELECT awstore.dynamodb_create_table('dynamo', 'pace_provisioned', 'id', 'S',
                             billing_mode => 'PROVISIONED') IS NOT NULL AS created;
SELECT awstore.dynamodb_create_table('dynamo', 'pace_on_demand', 'id', 'S',
                             billing_mode => 'PAY_PER_REQUEST') IS NOT NULL AS created;
CREATE FOREIGN TABLE provisioned (id text) SERVER dynamo
    OPTIONS (table_name 'pace_provisioned', read_capacity_percent '50');
CREATE FOREIGN TABLE on_demand (id text) SERVER dynamo
    OPTIONS (table_name 'pace_on_demand', read_capacity_percent '50');
EXPLAIN (COSTS OFF) SELECT * FROM provisioned;
-- 50 % of 5 read capacity units
\o | sed -E 's/(Consumed Capacity: |Wait: ).*/\1(as measured)/'
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT * FROM provisioned;
\o
-- should fail: on demand, and no max_read_capacity
SELECT * FROM on_demand;
-- should fail: 0.1 % of 5 units is below the least cap
ALTER FOREIGN TABLE provisioned OPTIONS (SET read_capacity_percent '0.1');
SELECT * FROM provisioned;
ALTER FOREIGN TABLE provisioned OPTIONS (SET read_capacity_percent '50');
-- with a max as well, the max holds on demand
ALTER FOREIGN TABLE on_demand OPTIONS (ADD max_read_capacity '40');
EXPLAIN (COSTS OFF) SELECT * FROM on_demand;
SELECT * FROM on_demand;
-- and the smaller of the two on a provisioned table
ALTER FOREIGN TABLE provisioned OPTIONS (ADD max_read_capacity '1');
\o | sed -E 's/(Consumed Capacity: |Wait: ).*/\1(as measured)/'
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT * FROM provisioned;
\o

-- A cancel while waiting for the budget lands at once: a budget starts
-- empty, and the first page of this scan would wait 50 seconds.
ALTER FOREIGN TABLE things OPTIONS (SET max_read_capacity '0.01');
SET statement_timeout = '500ms';
-- should fail
SELECT count(*) FROM things;
RESET statement_timeout;
-- and the next statement has a budget of its own, not the deficit
ALTER FOREIGN TABLE things OPTIONS (SET max_read_capacity '1000');
SELECT count(*) FROM things;

-- Budgets are per statement: two foreign tables of one DynamoDB table in
-- a statement share one, with the smaller cap.
CREATE FOREIGN TABLE things_too (id text, sk integer, name text) SERVER dynamo
    OPTIONS (table_name 'things', max_read_capacity '500');
\o | sed -E 's/(Consumed Capacity: |Wait: |Memory: ).*/\1(as measured)/'
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
    SELECT count(*) FROM things a JOIN things_too b USING (id, sk);
\o

-- A paced parallel scan reads every item once.
ALTER FOREIGN TABLE big OPTIONS (ADD scan_segments '4', ADD max_read_capacity '2000');
SELECT count(*), count(DISTINCT id), sum(n) FROM big;

DROP SCHEMA aw CASCADE;
