--
-- A database whose ActingWeb tables were made by ActingWeb's own Alembic
-- migrations: CREATE EXTENSION adopts them with their rows, refuses a
-- schema at another revision, and never duplicates or loses a row.
--
CREATE SCHEMA legacy;
SET search_path = legacy;

-- The tables as the migrations build them, step by step: the first
-- revision, then each later one.
CREATE TABLE actors (
    id varchar(255) NOT NULL, creator varchar(255) NOT NULL,
    passphrase text NOT NULL, created_at timestamp, PRIMARY KEY (id));
CREATE INDEX ix_actors_creator ON actors (creator);
CREATE TABLE attributes (
    id varchar(255) NOT NULL, bucket_name varchar(255) NOT NULL,
    bucket varchar(255) NOT NULL, name varchar(255) NOT NULL, data jsonb,
    "timestamp" timestamp, ttl_timestamp bigint, PRIMARY KEY (id, bucket_name));
CREATE INDEX idx_attributes_ttl ON attributes (ttl_timestamp) WHERE ttl_timestamp IS NOT NULL;
CREATE TABLE peertrustees (
    id varchar(255) NOT NULL, peerid varchar(255) NOT NULL, baseuri text NOT NULL,
    type varchar(255) NOT NULL, passphrase text NOT NULL, PRIMARY KEY (id, peerid));
CREATE TABLE properties (
    id varchar(255) NOT NULL, name varchar(255) NOT NULL, value text NOT NULL,
    PRIMARY KEY (id, name));
CREATE INDEX idx_properties_value ON properties (value);
CREATE TABLE subscription_diffs (
    id varchar(255) NOT NULL, subid_seqnr varchar(255) NOT NULL,
    subid varchar(255) NOT NULL, "timestamp" timestamp NOT NULL, diff text NOT NULL,
    seqnr integer NOT NULL, PRIMARY KEY (id, subid_seqnr));
CREATE TABLE subscriptions (
    id varchar(255) NOT NULL, peer_sub_id varchar(255) NOT NULL,
    peerid varchar(255) NOT NULL, subid varchar(255) NOT NULL,
    granularity varchar(255), target varchar(255), subtarget varchar(255),
    resource varchar(255), seqnr integer NOT NULL, callback boolean NOT NULL,
    PRIMARY KEY (id, peer_sub_id));
CREATE TABLE trusts (
    id varchar(255) NOT NULL, peerid varchar(255) NOT NULL, baseuri text NOT NULL,
    type varchar(255) NOT NULL, relationship varchar(255) NOT NULL,
    secret varchar(255) NOT NULL, "desc" text, approved boolean NOT NULL,
    peer_approved boolean NOT NULL, verified boolean NOT NULL,
    verification_token varchar(255), peer_identifier varchar(255),
    established_via varchar(255), created_at timestamp, last_accessed timestamp,
    last_connected_via varchar(255), client_name varchar(255),
    client_version varchar(255), client_platform varchar(255),
    oauth_client_id varchar(255), PRIMARY KEY (id, peerid));
CREATE INDEX idx_trusts_secret ON trusts (secret);
CREATE TABLE alembic_version (
    version_num varchar(32) NOT NULL,
    CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num));
INSERT INTO alembic_version VALUES ('3307e3616c5e');

-- 70d60420526: property_lookup
CREATE TABLE property_lookup (
    property_name varchar(255) NOT NULL, value text NOT NULL, actor_id varchar(255) NOT NULL,
    CONSTRAINT fk_property_lookup_actor FOREIGN KEY (actor_id) REFERENCES actors (id)
        ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
    PRIMARY KEY (property_name, value));
CREATE INDEX idx_property_lookup_actor_id ON property_lookup (actor_id);
-- a1b2c3d4e5f6: peer capabilities
ALTER TABLE trusts ADD COLUMN aw_supported text;
ALTER TABLE trusts ADD COLUMN aw_version varchar(50);
ALTER TABLE trusts ADD COLUMN capabilities_fetched_at timestamp with time zone;
-- b2c3d4e5f6a7: subscription_suspensions
CREATE TABLE subscription_suspensions (
    id varchar(255) NOT NULL, target varchar(255) NOT NULL,
    subtarget varchar(255) DEFAULT '' NOT NULL,
    suspended_at timestamp with time zone NOT NULL,
    PRIMARY KEY (id, target, subtarget));
-- c3d4e5f6a7b8: no index on properties.value
DROP INDEX idx_properties_value;
-- d4e5f6a7b8c9: chain_id index
CREATE INDEX idx_attributes_chain_id ON attributes ((data ->> 'chain_id'))
    WHERE (data ->> 'chain_id') IS NOT NULL;
UPDATE alembic_version SET version_num = 'd4e5f6a7b8c9';

-- Application data written at revision d4e5f6a7b8c9.
INSERT INTO actors VALUES ('a1', 'alice@example.com', 'pw1', '2026-01-01 00:00:00'),
                          ('a2', 'bob@example.com', 'pw2', NULL);
INSERT INTO properties VALUES ('a1', 'email', 'alice@example.com'), ('a2', 'name', 'Bøb 🚀');
INSERT INTO property_lookup VALUES ('email', 'alice@example.com', 'a1');
INSERT INTO attributes VALUES
    ('a1', 'oauth:token1', 'oauth', 'token1', '{"chain_id": "c1"}', '2026-01-01', 1000),
    ('a1', 'oauth:token2', 'oauth', 'token2', '{"chain_id": "c1"}', '2026-01-01',
     extract(epoch FROM now())::bigint + 86400),
    ('a2', 'settings:theme', 'settings', 'theme', '{"dark": true}', NULL, NULL);
INSERT INTO trusts (id, peerid, baseuri, type, relationship, secret, approved, peer_approved, verified)
VALUES ('a1', 'p1', 'https://peer.example.com/p1', 'urn:actingweb', 'friend', 's3cret', true, true, false);
RESET search_path;

-- The schema is one revision behind: refused, with what differs.
-- should fail
CREATE EXTENSION awstore SCHEMA legacy;

-- e5f6a7b8c9d0: properties.name becomes text.  Now at head: adopted.
ALTER TABLE legacy.properties ALTER COLUMN name TYPE text;
UPDATE legacy.alembic_version SET version_num = 'e5f6a7b8c9d0';
CREATE EXTENSION awstore SCHEMA legacy;

-- Same rows, no duplicates, tables now belong to the extension.
SELECT (SELECT count(*) FROM legacy.actors) AS actors,
       (SELECT count(*) FROM legacy.properties) AS properties,
       (SELECT count(*) FROM legacy.property_lookup) AS property_lookup,
       (SELECT count(*) FROM legacy.attributes) AS attributes,
       (SELECT count(*) FROM legacy.trusts) AS trusts,
       (SELECT count(*) FROM legacy.alembic_version) AS alembic_version;
SELECT value FROM legacy.properties WHERE id = 'a2';
SELECT count(*) AS member_tables
  FROM pg_depend d JOIN pg_class c ON d.classid = 'pg_class'::regclass AND c.oid = d.objid
 WHERE d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'awstore')
   AND d.deptype = 'e' AND c.relnamespace = 'legacy'::regnamespace;
SELECT cardinality(extconfig) AS dumped_tables FROM pg_extension WHERE extname = 'awstore';
-- No table was left behind in schema awstore.
SELECT count(*) FROM pg_tables WHERE schemaname = 'awstore'
   AND tablename NOT IN ('ttl_tables', 'ttl_history', 'migration_rejects', 'replications',
                         'replication_tables', 'replication_shards', 'replication_pending');

-- TTL cleanup works on the adopted tables.
SELECT table_name, rows_with_ttl, expired_rows FROM awstore.ttl_status;
CALL awstore.purge_expired();
SELECT id, bucket_name FROM legacy.attributes ORDER BY 1, 2;

-- Dropping the extension gives the tables back, rows included; creating it
-- again adopts them again.
DROP EXTENSION awstore;
SELECT count(*) FROM legacy.attributes;
CREATE EXTENSION awstore SCHEMA legacy;
SELECT count(*) FROM legacy.attributes;
DROP EXTENSION awstore;

-- An index the DBA added is kept, with a warning that pg_dump will not dump it.
CREATE INDEX my_actor_created ON legacy.actors (created_at);
CREATE EXTENSION awstore SCHEMA legacy;
DROP EXTENSION awstore;
DROP INDEX legacy.my_actor_created;

-- A column that ActingWeb does not have is refused: a restore could not
-- load it.
ALTER TABLE legacy.actors ADD COLUMN nickname text;
-- should fail
CREATE EXTENSION awstore SCHEMA legacy;
ALTER TABLE legacy.actors DROP COLUMN nickname;

-- Only part of the tables: refused.
ALTER TABLE legacy.subscription_suspensions RENAME TO old_suspensions;
-- should fail
CREATE EXTENSION awstore SCHEMA legacy;
ALTER TABLE legacy.old_suspensions RENAME TO subscription_suspensions;

-- A stale alembic_version: refused.
UPDATE legacy.alembic_version SET version_num = 'c3d4e5f6a7b8';
-- should fail
CREATE EXTENSION awstore SCHEMA legacy;
-- Tables without alembic_version (made without Alembic): adopted, and
-- alembic_version is created at head.
DROP TABLE legacy.alembic_version;
CREATE EXTENSION awstore SCHEMA legacy;
SELECT * FROM legacy.alembic_version;
SELECT count(*) FROM legacy.actors;

DROP EXTENSION awstore;
DROP SCHEMA legacy CASCADE;
