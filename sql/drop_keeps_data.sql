--
-- DROP EXTENSION awstore never destroys application data: the ActingWeb
-- tables are released from the extension and stay, with their rows,
-- indexes and constraints.  awstore's own objects go.
--
CREATE SCHEMA aw;
CREATE EXTENSION awstore SCHEMA aw;
INSERT INTO aw.actors VALUES ('a1', 'c', 'p', '2026-01-01');
INSERT INTO aw.properties VALUES ('a1', 'k', 'v');
INSERT INTO aw.property_lookup VALUES ('k', 'v', 'a1');
INSERT INTO aw.attributes VALUES ('a1', 'b:n', 'b', 'n', '{"x": 1}', NULL, 4102444800);
INSERT INTO aw.trusts (id, peerid, baseuri, type, relationship, secret, approved, peer_approved, verified)
VALUES ('a1', 'p1', 'https://p1', 't', 'friend', 's', true, false, false);
INSERT INTO aw.peertrustees VALUES ('a1', 'p1', 'https://p1', 't', 'pw');
INSERT INTO aw.subscriptions VALUES ('a1', 'p1:s1', 'p1', 's1', 'high', 'properties', NULL, NULL, 1, false);
INSERT INTO aw.subscription_diffs VALUES ('a1', 's1:1', 's1', '2026-01-01', '{}', 1);
INSERT INTO aw.subscription_suspensions VALUES ('a1', 'properties', '', '2026-01-01 00:00:00+00');

DROP EXTENSION awstore;

-- The tables and rows are still there, as ordinary tables.
SELECT c.relname,
       (xpath('//n/text()', query_to_xml(format('SELECT count(*) AS n FROM aw.%I', c.relname), false, false, '')))[1]::text::int AS rows
  FROM pg_class c WHERE c.relnamespace = 'aw'::regnamespace AND c.relkind = 'r'
 ORDER BY 1;
SELECT count(*) AS still_members
  FROM pg_depend WHERE refclassid = 'pg_extension'::regclass AND deptype = 'e'
   AND classid = 'pg_class'::regclass
   AND objid IN (SELECT oid FROM pg_class WHERE relnamespace = 'aw'::regnamespace);
-- Indexes and the foreign key stayed with them.
SELECT count(*) AS indexes FROM pg_indexes WHERE schemaname = 'aw';
SELECT conname FROM pg_constraint WHERE conrelid = 'aw.property_lookup'::regclass AND contype = 'f';
-- awstore's own schema is gone.
SELECT count(*) FROM pg_namespace WHERE nspname = 'awstore';

-- CASCADE keeps them too.
CREATE EXTENSION awstore SCHEMA aw;
DROP EXTENSION awstore CASCADE;
SELECT count(*) FROM aw.actors;

-- A drop that fails keeps the tables in the extension.
CREATE EXTENSION awstore SCHEMA aw;
CREATE VIEW public.uses_awstore AS SELECT * FROM awstore.ttl_status;
-- should fail
DROP EXTENSION awstore;
SELECT count(*) AS members
  FROM pg_depend WHERE refobjid = (SELECT oid FROM pg_extension WHERE extname = 'awstore')
   AND deptype = 'e' AND classid = 'pg_class'::regclass
   AND objid IN (SELECT oid FROM pg_class WHERE relnamespace = 'aw'::regnamespace AND relkind = 'r');
DROP VIEW public.uses_awstore;

-- IF EXISTS, and a list of extensions.
CREATE EXTENSION pg_trgm;
DROP EXTENSION IF EXISTS pg_trgm, awstore;
DROP EXTENSION IF EXISTS awstore;
SELECT count(*) FROM aw.subscription_suspensions;

DROP SCHEMA aw CASCADE;
