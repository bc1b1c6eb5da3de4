--
-- Strings read into a database whose encoding is not UTF8: converted from
-- DynamoDB's UTF-8 into it, in every kind of column; a character the
-- encoding lacks is an error naming the column and the item.
--
\! /usr/bin/python3 "$PG_ABS_SRCDIR/test/dynamo_fixture.py" reset
\! /usr/bin/python3 "$PG_ABS_SRCDIR/test/dynamo_fixture.py" load encoding

SELECT current_database() AS regression_db \gset
CREATE DATABASE awstore_latin1 ENCODING 'LATIN1' TEMPLATE template0
    LC_COLLATE 'C' LC_CTYPE 'C';
\c awstore_latin1
SET client_encoding = 'UTF8';
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/sql/include/dynamo_server.sql

CREATE FOREIGN TABLE enc (id text, s text, v varchar(8) OPTIONS (attribute_name 's'),
                          m jsonb, mt text OPTIONS (attribute_name 'm', attribute_type 'M'), l text[] OPTIONS (attribute_type 'L'),
                          doc jsonb OPTIONS (document 'plain'))
    SERVER dynamo OPTIONS (table_name 'encoding');
SELECT id, s, v, length(s) AS chars, octet_length(s) AS latin1_bytes, m, mt, l,
       m ->> 'clé' AS by_key, doc -> 's' AS doc_s
  FROM enc ORDER BY id;
-- the text is LATIN1 in the database: one byte a character
SELECT encode(convert_to(s, 'LATIN1'), 'hex') AS latin1 FROM enc WHERE id = 'café';

-- should fail: LATIN1 has no euro sign
CREATE FOREIGN TABLE enc_euro (id text, s text) SERVER dynamo OPTIONS (table_name 'encoding_euro');
SELECT s FROM enc_euro;
-- should fail: in a database that is not UTF8 a message writes what is not
-- ASCII in the item's key as \u escapes (a message cannot fail on its own)
CREATE FOREIGN TABLE enc_key (s bytea, id text) SERVER dynamo OPTIONS (table_name 'encoding_key');
SELECT s FROM enc_key;

\c :regression_db
DROP DATABASE awstore_latin1;
