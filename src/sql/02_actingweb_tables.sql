-- src/sql/02_actingweb_tables.sql
--	The ActingWeb tables, as ActingWeb's migrations make them.

/*
 * ---------------------------------------------------------------------------
 * The ActingWeb schema, as ActingWeb's Alembic migrations leave it at their
 * head revision, which awstore.actingweb_schema_revision() gives.
 *
 * The canonical tables are first created in schema "awstore".  When the
 * application schema has none of them, they are moved there.  When it has
 * all of them (made by ActingWeb's own migrations), the existing tables are
 * compared with the canonical ones and, if identical, adopted into the
 * extension with their rows; the canonical copies are then dropped.  This
 * definition is the single source of truth for both paths.
 * ---------------------------------------------------------------------------
 */

-- The one place the revision is written: adoption checks existing tables
-- and alembic_version against it, and a new alembic_version records it.
CREATE FUNCTION awstore.actingweb_schema_revision()
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT 'e5f6a7b8c9d0'::pg_catalog.text $$;
COMMENT ON FUNCTION awstore.actingweb_schema_revision() IS
    'the ActingWeb Alembic revision the extension''s tables are at (its head revision)';

CREATE TABLE awstore.actors (
    id varchar(255) NOT NULL,
    creator varchar(255) NOT NULL,
    passphrase text NOT NULL,
    created_at timestamp without time zone,
    CONSTRAINT actors_pkey PRIMARY KEY (id)
);
CREATE INDEX ix_actors_creator ON awstore.actors (creator);

CREATE TABLE awstore.attributes (
    id varchar(255) NOT NULL,
    bucket_name varchar(255) NOT NULL,
    bucket varchar(255) NOT NULL,
    name varchar(255) NOT NULL,
    data jsonb,
    "timestamp" timestamp without time zone,
    ttl_timestamp bigint,
    CONSTRAINT attributes_pkey PRIMARY KEY (id, bucket_name)
);
CREATE INDEX idx_attributes_ttl ON awstore.attributes (ttl_timestamp)
    WHERE ttl_timestamp IS NOT NULL;
CREATE INDEX idx_attributes_chain_id ON awstore.attributes ((data OPERATOR(pg_catalog.->>) 'chain_id'))
    WHERE (data OPERATOR(pg_catalog.->>) 'chain_id') IS NOT NULL;

CREATE TABLE awstore.peertrustees (
    id varchar(255) NOT NULL,
    peerid varchar(255) NOT NULL,
    baseuri text NOT NULL,
    type varchar(255) NOT NULL,
    passphrase text NOT NULL,
    CONSTRAINT peertrustees_pkey PRIMARY KEY (id, peerid)
);

CREATE TABLE awstore.properties (
    id varchar(255) NOT NULL,
    name text NOT NULL,
    value text NOT NULL,
    CONSTRAINT properties_pkey PRIMARY KEY (id, name)
);

CREATE TABLE awstore.property_lookup (
    property_name varchar(255) NOT NULL,
    value text NOT NULL,
    actor_id varchar(255) NOT NULL,
    CONSTRAINT property_lookup_pkey PRIMARY KEY (property_name, value),
    CONSTRAINT fk_property_lookup_actor FOREIGN KEY (actor_id)
        REFERENCES awstore.actors (id) ON DELETE CASCADE
        DEFERRABLE INITIALLY DEFERRED
);
CREATE INDEX idx_property_lookup_actor_id ON awstore.property_lookup (actor_id);

CREATE TABLE awstore.subscription_diffs (
    id varchar(255) NOT NULL,
    subid_seqnr varchar(255) NOT NULL,
    subid varchar(255) NOT NULL,
    "timestamp" timestamp without time zone NOT NULL,
    diff text NOT NULL,
    seqnr integer NOT NULL,
    CONSTRAINT subscription_diffs_pkey PRIMARY KEY (id, subid_seqnr)
);

CREATE TABLE awstore.subscription_suspensions (
    id varchar(255) NOT NULL,
    target varchar(255) NOT NULL,
    subtarget varchar(255) NOT NULL DEFAULT '',
    suspended_at timestamp with time zone NOT NULL,
    CONSTRAINT subscription_suspensions_pkey PRIMARY KEY (id, target, subtarget)
);

CREATE TABLE awstore.subscriptions (
    id varchar(255) NOT NULL,
    peer_sub_id varchar(255) NOT NULL,
    peerid varchar(255) NOT NULL,
    subid varchar(255) NOT NULL,
    granularity varchar(255),
    target varchar(255),
    subtarget varchar(255),
    resource varchar(255),
    seqnr integer NOT NULL,
    callback boolean NOT NULL,
    CONSTRAINT subscriptions_pkey PRIMARY KEY (id, peer_sub_id)
);

CREATE TABLE awstore.trusts (
    id varchar(255) NOT NULL,
    peerid varchar(255) NOT NULL,
    baseuri text NOT NULL,
    type varchar(255) NOT NULL,
    relationship varchar(255) NOT NULL,
    secret varchar(255) NOT NULL,
    "desc" text,
    approved boolean NOT NULL,
    peer_approved boolean NOT NULL,
    verified boolean NOT NULL,
    verification_token varchar(255),
    peer_identifier varchar(255),
    established_via varchar(255),
    created_at timestamp without time zone,
    last_accessed timestamp without time zone,
    last_connected_via varchar(255),
    client_name varchar(255),
    client_version varchar(255),
    client_platform varchar(255),
    oauth_client_id varchar(255),
    aw_supported text,
    aw_version varchar(50),
    capabilities_fetched_at timestamp with time zone,
    CONSTRAINT trusts_pkey PRIMARY KEY (id, peerid)
);
CREATE INDEX idx_trusts_secret ON awstore.trusts (secret);

CREATE TABLE awstore.alembic_version (
    version_num varchar(32) NOT NULL,
    CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);

-- Privileges: the tables keep their defaults (the owner only); the DBA
-- grants the application's roles what ActingWeb needs.  The revision is
-- no secret: EXECUTE on awstore.actingweb_schema_revision() stays with
-- PUBLIC.
