--
-- Values written exactly, or refused with a clear error before anything is
-- sent: floats, AttributeValue documents, nesting depth, date-time words,
-- arrays, lossy documents.  Raw reads with an independent client (boto3)
-- show what DynamoDB holds.
--
\set dump '\\! /usr/bin/python3 "$PG_ABS_SRCDIR/test/dynamo_fixture.py" dump'
\! /usr/bin/python3 "$PG_ABS_SRCDIR/test/dynamo_fixture.py" reset

\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/sql/include/dynamo_server.sql

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

-- Nesting: DynamoDB items nest at most 32 levels, the item itself the
-- first (an attribute holds 31 M or L inside each other).  Such items read back
-- whole.  An item nested far deeper is in fdw_engines (only dynalite stores
-- one).
SELECT awstore.dynamodb_create_table('dynamo', 'nested', 'id') IS NOT NULL AS created;
\! /usr/bin/python3 -c 'import boto3, os; c = boto3.client("dynamodb", endpoint_url=os.environ["AWSTORE_DYNAMODB_ENDPOINT"], region_name="us-east-1", aws_access_key_id="t", aws_secret_access_key="t"); deep = lambda n, w: {"S": "bottom"} if n == 0 else w(deep(n - 1, w)); m = lambda v: {"M": {"a": v}}; l = lambda v: {"L": [v]}; c.put_item(TableName="nested", Item={"id": {"S": "m31"}, "v": deep(31, m)}); c.put_item(TableName="nested", Item={"id": {"S": "l31"}, "v": deep(31, l)})'
CREATE FOREIGN TABLE nested (id text, v jsonb, doc jsonb OPTIONS (document 'dynamodb'))
    SERVER dynamo OPTIONS (table_name 'nested');
SELECT id, length(v::text) AS plain_length, length(doc::text) AS typed_length,
       v #>> '{a,a,a,a,a,a,a,a,a,a,a,a,a,a,a,a,a,a,a,a,a,a,a,a,a,a,a,a,a,a,a}' AS m_bottom,
       v #>> '{0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0}' AS l_bottom
  FROM nested ORDER BY id;
-- and write back as they are
SELECT awstore.dynamodb_create_table('dynamo', 'nested_copy', 'id') IS NOT NULL AS created;
CREATE FOREIGN TABLE nested_copy (doc jsonb OPTIONS (document 'dynamodb'))
    SERVER dynamo OPTIONS (table_name 'nested_copy');
INSERT INTO nested_copy SELECT doc FROM nested;
\! /usr/bin/python3 "$PG_ABS_SRCDIR/test/dynamo_fixture.py" compare nested nested_copy
-- document 'dynamodb' values are checked as DynamoDB checks them before
-- anything is sent; the error names the attribute's path.
SELECT awstore.dynamodb_create_table('dynamo', 'docs', 'id') IS NOT NULL AS created;
CREATE FOREIGN TABLE docs (doc jsonb OPTIONS (document 'dynamodb'))
    SERVER dynamo OPTIONS (table_name 'docs');
INSERT INTO docs VALUES ('{"id": {"S": "n"}, "v": {"N": "abc"}}');
INSERT INTO docs VALUES ('{"id": {"S": "n"}, "v": {"N": "1e200"}}');
INSERT INTO docs VALUES ('{"id": {"S": "n"}, "v": {"N": "1.23456789012345678901234567890123456789"}}');
INSERT INTO docs VALUES ('{"id": {"S": "n"}, "v": {"N": " 1"}}');
INSERT INTO docs VALUES ('{"id": {"S": "n"}, "v": {"N": 1}}');
INSERT INTO docs VALUES ('{"id": {"S": "s"}, "v": {"SS": []}}');
INSERT INTO docs VALUES ('{"id": {"S": "s"}, "v": {"SS": ["a", "b", "a"]}}');
INSERT INTO docs VALUES ('{"id": {"S": "s"}, "v": {"NS": ["1", "2", "1.0"]}}');
INSERT INTO docs VALUES ('{"id": {"S": "s"}, "v": {"NS": ["1", "x"]}}');
INSERT INTO docs VALUES ('{"id": {"S": "s"}, "v": {"BS": ["AAE=", "AAE="]}}');
INSERT INTO docs VALUES ('{"id": {"S": "s"}, "v": {"BS": ["AAE=", "not base64"]}}');
INSERT INTO docs VALUES ('{"id": {"S": "b"}, "v": {"B": "AAE"}}');
INSERT INTO docs VALUES ('{"id": {"S": "b"}, "v": {"B": "A=AA"}}');
INSERT INTO docs VALUES ('{"id": {"S": "x"}, "v": {"NULL": false}}');
INSERT INTO docs VALUES ('{"id": {"S": "x"}, "v": {"X": "1"}}');
INSERT INTO docs VALUES ('{"id": {"S": "x"}, "v": {"S": "a", "N": "1"}}');
INSERT INTO docs VALUES ('{"id": {"S": "x"}, "v": "plain"}');
INSERT INTO docs VALUES ('{"id": {"S": "x"}, "": {"S": "a"}}');
INSERT INTO docs VALUES ('{"id": {"S": "x"}, "m": {"M": {"a": {"L": [{"S": "ok"}, {"N": "x"}]}}}}');
-- 31 levels inside an attribute are fine (32 with the item), 32 are not
INSERT INTO docs VALUES (('{"id": {"S": "deep31"}, "v": ' || repeat('{"M": {"a": ', 31) ||
    '{"S": "x"}' || repeat('}}', 31) || '}')::jsonb);
INSERT INTO docs VALUES (('{"id": {"S": "deep32"}, "v": ' || repeat('{"L": [', 32) ||
    '{"S": "x"}' || repeat(']}', 32) || '}')::jsonb);
INSERT INTO docs VALUES (('{"id": {"S": "deep99"}, "v": ' || repeat('{"L": [', 99) ||
    '{"S": "x"}' || repeat(']}', 99) || '}')::jsonb);
-- what DynamoDB takes goes through unchanged
INSERT INTO docs VALUES ('{"id": {"S": "good"}, "n": {"N": "-1.5E+3"}, "ns": {"NS": ["1", "2.5", "1e2"]},
    "ss": {"SS": ["a", "b"]}, "bs": {"BS": ["AAE=", "AQ=="]}, "b": {"B": ""}, "s": {"S": ""},
    "nul": {"NULL": true}, "t": {"BOOL": false}, "l": {"L": []}, "m": {"M": {}}}');
:dump docs
-- typed columns and plain documents are held to the same limits
CREATE FOREIGN TABLE docs_typed (id text, m jsonb OPTIONS (attribute_type 'M'), t text OPTIONS (attribute_type 'N'))
    SERVER dynamo OPTIONS (table_name 'docs');
INSERT INTO docs_typed VALUES ('t31', (repeat('{"a": ', 31) || '1' || repeat('}', 31))::jsonb);
INSERT INTO docs_typed VALUES ('t32', (repeat('{"a": ', 32) || '1' || repeat('}', 32))::jsonb);
INSERT INTO docs_typed VALUES ('t99', (repeat('{"a": ', 99) || '1' || repeat('}', 99))::jsonb);
INSERT INTO docs_typed VALUES ('tn', NULL, '1e999');
CREATE FOREIGN TABLE docs_plain (doc jsonb OPTIONS (document 'plain'))
    SERVER dynamo OPTIONS (table_name 'docs');
INSERT INTO docs_plain VALUES (('{"id": "p31", "v": ' || repeat('[', 31) || '1' || repeat(']', 31) || '}')::jsonb);
INSERT INTO docs_plain VALUES (('{"id": "p32", "v": ' || repeat('[', 32) || '1' || repeat(']', 32) || '}')::jsonb);
SELECT doc ->> 'id' AS id FROM docs ORDER BY 1;

-- Date-time words whose value changes every day are refused on read;
-- 'epoch' and 'infinity' are fixed and read.  Writes send the instant.
SELECT awstore.dynamodb_create_table('dynamo', 'dates', 'id') IS NOT NULL AS created;
CREATE FOREIGN TABLE dates_text (id text, d text, ts text, tz text, t text, ds text[])
    SERVER dynamo OPTIONS (table_name 'dates');
CREATE FOREIGN TABLE dates (id text, d date, ts timestamp, tz timestamptz, t time, ds date[])
    SERVER dynamo OPTIONS (table_name 'dates');
INSERT INTO dates_text VALUES ('fixed', 'epoch', 'epoch', 'infinity', 'allballs', '{2025-01-01, -infinity}'),
    ('d', 'today', NULL, NULL, NULL, NULL), ('ts', NULL, 'Yesterday', NULL, NULL, NULL),
    ('tz', NULL, NULL, 'tomorrow', NULL, NULL), ('t', NULL, NULL, NULL, 'now', NULL),
    ('ds', NULL, NULL, NULL, NULL, '{2025-01-01, now}'),
    ('dmix', NULL, '2025-01-01 today', NULL, NULL, NULL);
SELECT id, d, ts, tz, t, (SELECT array_agg(x ORDER BY x) FROM unnest(ds) x) AS ds FROM dates WHERE id = 'fixed';
SELECT d FROM dates WHERE id = 'd';
SELECT ts FROM dates WHERE id = 'ts';
SELECT tz FROM dates WHERE id = 'tz';
SELECT t FROM dates WHERE id = 't';
SELECT ds FROM dates WHERE id = 'ds';
SELECT ts FROM dates WHERE id = 'dmix';
-- text columns read the words as text
SELECT id, d, ts, tz, t FROM dates_text WHERE id IN ('d', 'ts') ORDER BY id;
-- written dates and times are the instant, whatever words made them
INSERT INTO dates (id, d) VALUES ('w', 'today');
SELECT d = current_date AS today_as_date FROM dates WHERE id = 'w';
SELECT d ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' AS iso_date FROM dates_text WHERE id = 'w';

-- Arrays that would not read back the same are refused.
SELECT awstore.dynamodb_create_table('dynamo', 'arrays', 'id') IS NOT NULL AS created;
CREATE FOREIGN TABLE arrays (id text, ns integer[], l text[] OPTIONS (attribute_type 'L'))
    SERVER dynamo OPTIONS (table_name 'arrays');
INSERT INTO arrays VALUES ('md', '{{1,2},{3,4}}', NULL);
INSERT INTO arrays VALUES ('ml', NULL, '{{a,b},{c,d}}');
INSERT INTO arrays VALUES ('lb', '[0:1]={1,2}', NULL);
INSERT INTO arrays VALUES ('lbl', NULL, '[2:2]={a}');
INSERT INTO arrays VALUES ('ok', '{1,2}', '{a,NULL}'), ('empty', NULL, '{}');
SELECT id, ns, l, array_lower(l, 1) AS l_lower FROM arrays ORDER BY id;

-- A document 'plain' column cannot be updated: writing the item back from
-- plain JSON would turn its sets into lists and binaries into strings.
-- document 'dynamodb' keeps every type, and is what IMPORT creates.
SELECT awstore.dynamodb_create_table('dynamo', 'typed', 'id') IS NOT NULL AS created;
CREATE FOREIGN TABLE typed_doc (doc jsonb OPTIONS (document 'dynamodb'))
    SERVER dynamo OPTIONS (table_name 'typed');
INSERT INTO typed_doc VALUES ('{"id": {"S": "t1"}, "tags": {"SS": ["a", "b"]}, "bin": {"B": "AAE="}, "n": {"N": "1"}}');
CREATE FOREIGN TABLE typed_plain (id text, n integer, doc jsonb OPTIONS (document 'plain'))
    SERVER dynamo OPTIONS (table_name 'typed');
SELECT doc FROM typed_plain;
UPDATE typed_plain SET doc = doc || '{"n": 2}' WHERE id = 't1';
UPDATE typed_plain SET n = 2, doc = doc WHERE id = 't1';
-- attribute columns update just their attribute
UPDATE typed_plain SET n = 2 WHERE id = 't1';
:dump typed
-- a plain INSERT writes what it is given, by the plain JSON rules
INSERT INTO typed_plain (doc) VALUES ('{"id": "t2", "tags": ["a", "b"]}');
SELECT doc FROM typed_doc ORDER BY doc -> 'id' ->> 'S';

CREATE SCHEMA imp;
IMPORT FOREIGN SCHEMA dynamodb LIMIT TO (typed) FROM SERVER dynamo INTO imp;
CREATE SCHEMA imp_plain;
IMPORT FOREIGN SCHEMA dynamodb LIMIT TO (typed) FROM SERVER dynamo INTO imp_plain
    OPTIONS (document 'plain');
CREATE SCHEMA imp_none;
IMPORT FOREIGN SCHEMA dynamodb LIMIT TO (typed) FROM SERVER dynamo INTO imp_none
    OPTIONS (document 'none');
SELECT n.nspname, a.attname, a.attfdwoptions
  FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname LIKE 'imp%' AND a.attnum > 0 ORDER BY 1, a.attnum;
UPDATE imp.typed SET document = jsonb_set(document, '{n}', '{"N": "4"}') WHERE id = 't1';
SELECT document FROM imp.typed WHERE id = 't1';
-- should fail
IMPORT FOREIGN SCHEMA dynamodb FROM SERVER dynamo INTO imp_none OPTIONS (document 'typed');
DROP SCHEMA imp, imp_plain, imp_none CASCADE;

-- An error raised while a value is being rendered (numeric_in overflows on
-- the last element of a number set) loses no memory: the request text is
-- palloc'd.  60 failed UPDATEs of a 100,000-element set leave the
-- backend's resident size flat (it grew by about 1 MB each).
SELECT awstore.dynamodb_create_table('dynamo', 'leaks', 'id') IS NOT NULL AS created;
CREATE FOREIGN TABLE leaks (id text, ns text[] OPTIONS (attribute_type 'NS'))
    SERVER dynamo OPTIONS (table_name 'leaks');
INSERT INTO leaks VALUES ('x', '{1}');
CREATE FUNCTION pg_temp.rss_kb() RETURNS bigint LANGUAGE sql AS $$
  SELECT (regexp_match(pg_read_file('/proc/' || pg_backend_pid() || '/status'),
                       'VmRSS:\s+(\d+)'))[1]::bigint $$;
CREATE FUNCTION pg_temp.failing_updates(n integer) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  failed integer := 0;
  big text[] := (SELECT array_agg(g::text) FROM generate_series(1, 100000) g) || '{1e999999}'::text[];
BEGIN
  FOR i IN 1 .. n LOOP
    BEGIN
      UPDATE leaks SET ns = big WHERE id = 'x';
    EXCEPTION WHEN numeric_value_out_of_range THEN
      failed := failed + 1;
    END;
  END LOOP;
  RETURN failed;
END $$;
SELECT pg_temp.failing_updates(5) AS warm_up;
SELECT pg_temp.rss_kb() AS before \gset
SELECT pg_temp.failing_updates(60) AS failed;
-- (under AddressSanitizer or valgrind, which keep freed memory, not measured)
SELECT pg_temp.rss_kb() - :before < 20000
       OR pg_read_file('/proc/' || pg_backend_pid() || '/maps') ~ '(asan|vgpreload)' AS rss_flat;

-- PynamoDB's date-times (YYYY-MM-DDTHH:MM:SS.ffffff+0000) are read into
-- timestamp and timestamptz directly; every one equals what the types'
-- input functions make of the same text, and any other form goes through
-- them.
SELECT awstore.dynamodb_create_table('dynamo', 'pynamodb_dates', 'id') IS NOT NULL AS created;
CREATE FOREIGN TABLE pd_text (id text, t text) SERVER dynamo OPTIONS (table_name 'pynamodb_dates');
CREATE FOREIGN TABLE pd_read (id text, tz timestamptz OPTIONS (attribute_name 't'),
                              ts timestamp OPTIONS (attribute_name 't'),
                              tz3 timestamptz(3) OPTIONS (attribute_name 't'))
    SERVER dynamo OPTIONS (table_name 'pynamodb_dates');
INSERT INTO pd_text VALUES
    ('pynamodb', '2025-09-29T23:54:20.414869+0000'),
    ('leap day', '2024-02-29T23:59:59.999999+0000'),
    ('year 1', '0001-01-01T00:00:00.000000+0000'),
    ('year 9999', '9999-12-31T23:59:59.999999+0000'),
    ('epoch', '1970-01-01T00:00:00.000000+0000'),
    ('Z', '2025-01-02T03:04:05Z'),
    ('offset', '2025-01-02T03:04:05.123456+0200'),
    ('7 digits', '2025-01-02T03:04:05.1234567+0000');
SELECT x.id, r.tz = x.t::timestamptz AS tz_same, r.ts = x.t::timestamp AS ts_same,
       r.tz3 = x.t::timestamptz(3) AS tz3_same, r.tz AT TIME ZONE 'UTC' AS utc
  FROM pd_text x JOIN pd_read r USING (id) ORDER BY x.id;
INSERT INTO pd_text VALUES ('feb 29', '2025-02-29T00:00:00.000000+0000');
-- should fail: not a day of 2025
SELECT tz FROM pd_read;

DROP USER MAPPING FOR CURRENT_USER SERVER dynamo;
DROP SERVER dynamo CASCADE;
DROP EXTENSION awstore;
DROP SCHEMA aw CASCADE;
