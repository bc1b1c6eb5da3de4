--
-- Any table can get TTL cleanup: awstore.ttl_register() with a bigint (or
-- integer) column of epoch seconds or a timestamptz column.
--
CREATE SCHEMA aw;
CREATE EXTENSION awstore SCHEMA aw;

-- A timestamptz column without an index: the partial index is created.
CREATE TABLE public.sessions (id int PRIMARY KEY, expires_at timestamptz);
INSERT INTO public.sessions VALUES (1, now() - interval '1 hour'), (2, now() + interval '1 hour'), (3, NULL);
SELECT awstore.ttl_register('public.sessions', 'expires_at');
SELECT indexdef FROM pg_indexes WHERE tablename = 'sessions' ORDER BY 1;

-- An epoch column with an index already: no second index.
CREATE TABLE public.tokens (id int PRIMARY KEY, ttl int);
CREATE INDEX tokens_ttl ON public.tokens (ttl);
INSERT INTO public.tokens VALUES (1, 1000), (2, 2147483000);
SELECT awstore.ttl_register('public.tokens', 'ttl');
SELECT indexname FROM pg_indexes WHERE tablename = 'tokens' ORDER BY 1;

-- A quoted name, and registering again changes the column.
CREATE TABLE public."Odd Table" ("Expires At" bigint, "other" bigint);
INSERT INTO public."Odd Table" VALUES (1, NULL), (NULL, 1);
SELECT awstore.ttl_register('public."Odd Table"', 'other');
SELECT awstore.ttl_register('public."Odd Table"', 'Expires At');
SELECT table_name, ttl_column, builtin FROM awstore.ttl_tables ORDER BY table_name::text;

SELECT table_name, ttl_column, rows_with_ttl, expired_rows FROM awstore.ttl_status ORDER BY table_name::text;
CALL awstore.purge_expired();
SELECT id FROM public.sessions ORDER BY id;
SELECT id FROM public.tokens ORDER BY id;
SELECT * FROM public."Odd Table";

-- Errors.
-- should fail
SELECT awstore.ttl_register('public.sessions', 'no_such_column');
CREATE TABLE public.amounts (n numeric);
-- should fail
SELECT awstore.ttl_register('public.amounts', 'n');
CREATE TABLE public.texts (t text);
-- should fail
SELECT awstore.ttl_register('public.texts', 't');
CREATE VIEW public.v AS SELECT 1 AS x;
-- should fail
SELECT awstore.ttl_register('public.v', 'x');
CREATE TABLE public.parted (t bigint) PARTITION BY RANGE (t);
-- should fail
SELECT awstore.ttl_register('public.parted', 't');
-- should fail
SELECT awstore.ttl_register(NULL, 't');
-- should fail
SELECT awstore.ttl_register('public.no_such_table', 't');

-- Unregistering.
SELECT awstore.ttl_unregister('public.tokens');
SELECT awstore.ttl_unregister('public.tokens');

-- A dropped table leaves the registry by itself.
DROP TABLE public.sessions;
SELECT table_name FROM awstore.ttl_tables ORDER BY table_name::text;

DROP TABLE public.tokens, public."Odd Table", public.texts, public.parted, public.amounts;
DROP VIEW public.v;
DROP EXTENSION awstore;
DROP SCHEMA aw CASCADE;
