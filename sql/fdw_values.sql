--
-- Values written exactly, or refused with a clear error before anything is
-- sent: floats, AttributeValue documents, nesting depth, date-time words,
-- arrays, lossy documents.  Raw reads with an independent client (boto3)
-- show what DynamoDB holds.
--
\getenv endpoint AWSTORE_DYNAMODB_ENDPOINT
\set dump '\\! /usr/bin/python3 "$PG_ABS_SRCDIR/test/dynamo_fixture.py" dump'
\! /usr/bin/python3 "$PG_ABS_SRCDIR/test/dynamo_fixture.py" reset

CREATE SCHEMA aw;
CREATE EXTENSION awstore SCHEMA aw;
CREATE SERVER dynamo FOREIGN DATA WRAPPER awstore_dynamodb OPTIONS (endpoint :'endpoint');
CREATE USER MAPPING FOR CURRENT_USER SERVER dynamo
    OPTIONS (access_key_id 'test', secret_access_key 'test');

-- Floats: the shortest text that reads back as the same float.
SELECT awstore.dynamodb_create_table('dynamo', 'floats', 'id') IS NOT NULL AS created;
CREATE FOREIGN TABLE floats (id text, d double precision, r real)
    SERVER dynamo OPTIONS (table_name 'floats');
INSERT INTO floats VALUES ('sum', 0.1::float8 + 0.2::float8, 0.1::real),
    ('third', 1::float8 / 3, 1::real / 3::real),
    ('big', 1.7976931348623157e125, 3.4028235e38),
    ('tiny', 2.2250738585072014e-130, 1.4e-45),
    ('neg', -123456789.12345679, -0.5);
:dump floats
SELECT id, d = 0.1::float8 + 0.2::float8 AS exact_sum, d, r FROM floats ORDER BY id;
-- every value reads back as the same float
SELECT count(*) AS exact FROM floats
 WHERE (id = 'third' AND d = 1::float8 / 3 AND r = 1::real / 3::real)
    OR (id = 'big' AND d = 1.7976931348623157e125::float8 AND r = 3.4028235e38::real)
    OR (id = 'tiny' AND d = 2.2250738585072014e-130::float8 AND r = 1.4e-45::real)
    OR (id = 'neg' AND d = -123456789.12345679::float8 AND r = -0.5::real)
    OR (id = 'sum' AND d = 0.1::float8 + 0.2::float8 AND r = 0.1::real);
-- DynamoDB numbers cannot hold these.
INSERT INTO floats VALUES ('nan', 'NaN', 0);
INSERT INTO floats VALUES ('inf', 0, '-Infinity');
INSERT INTO floats VALUES ('huge', 1e300, 0);
INSERT INTO floats VALUES ('small', 1e-300, 0);
