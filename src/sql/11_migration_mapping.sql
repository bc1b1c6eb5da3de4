-- src/sql/11_migration_mapping.sql
--	How ActingWeb stores its tables in DynamoDB, and the value checks
--	and formats of that map.  C: src/pynamodb_values.c.

/*
 * ---------------------------------------------------------------------------
 * ActingWeb migration between DynamoDB and PostgreSQL, both directions.
 *
 * ActingWeb stores the same nine tables in DynamoDB (through PynamoDB) as in
 * PostgreSQL.  awstore.actingweb_columns() is the map between the two; from
 * it, awstore.migration_statement() writes the plain INSERT … SELECT (or
 * the comparison) for one table, and the migrate and verify functions run
 * those statements through foreign tables made by
 * awstore.actingweb_foreign_tables().  Nothing is converted silently: an
 * item PostgreSQL cannot hold as it is stops the migration with its key, or
 * is listed in awstore.migration_rejects with on_error => 'skip'.
 * ---------------------------------------------------------------------------
 */

/*
 * How each ActingWeb table is stored in DynamoDB.  kind says how an
 * attribute maps to its column:
 *   S          string, as is
 *   S_empty    string; an absent attribute is the empty string
 *              (subscription_suspensions.subtarget)
 *   N          number, into an integer column
 *   BOOL       boolean
 *   datetime   PynamoDB's UTC date-time string, 2025-03-14T15:09:26.535897+0000
 *   json       JSON text (PynamoDB's JSONAttribute) into jsonb
 *   target_key derived key "target" or "target:subtarget", no column
 *   lookup_key derived key, SHA-256 hex of property_name NUL value, no column
 * key_role is hash or range for the DynamoDB key.
 */
CREATE FUNCTION awstore.actingweb_columns()
RETURNS TABLE (table_name name, dynamodb_suffix text, column_name name, attribute text,
               kind text, key_role text, ordinal integer)
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT m.table_name::name, m.dynamodb_suffix, m.column_name::name, m.attribute, m.kind,
           m.key_role, m.ordinal::integer
      FROM (VALUES
        ('actors', '_actors', 'id', 'id', 'S', 'hash', 1),
        ('actors', '_actors', 'creator', 'creator', 'S', NULL, 2),
        ('actors', '_actors', 'passphrase', 'passphrase', 'S', NULL, 3),
        ('properties', '_properties', 'id', 'id', 'S', 'hash', 1),
        ('properties', '_properties', 'name', 'name', 'S', 'range', 2),
        ('properties', '_properties', 'value', 'value', 'S', NULL, 3),
        ('property_lookup', '_property_lookup_v2', NULL, 'lookup_key', 'lookup_key', 'hash', 1),
        ('property_lookup', '_property_lookup_v2', 'property_name', 'property_name', 'S', NULL, 2),
        ('property_lookup', '_property_lookup_v2', 'actor_id', 'actor_id', 'S', NULL, 3),
        ('attributes', '_attributes', 'id', 'id', 'S', 'hash', 1),
        ('attributes', '_attributes', 'bucket_name', 'bucket_name', 'S', 'range', 2),
        ('attributes', '_attributes', 'bucket', 'bucket', 'S', NULL, 3),
        ('attributes', '_attributes', 'name', 'name', 'S', NULL, 4),
        ('attributes', '_attributes', 'data', 'data', 'json', NULL, 5),
        ('attributes', '_attributes', 'timestamp', 'timestamp', 'datetime', NULL, 6),
        ('attributes', '_attributes', 'ttl_timestamp', 'ttl_timestamp', 'N', NULL, 7),
        ('trusts', '_trusts', 'id', 'id', 'S', 'hash', 1),
        ('trusts', '_trusts', 'peerid', 'peerid', 'S', 'range', 2),
        ('trusts', '_trusts', 'baseuri', 'baseuri', 'S', NULL, 3),
        ('trusts', '_trusts', 'type', 'type', 'S', NULL, 4),
        ('trusts', '_trusts', 'relationship', 'relationship', 'S', NULL, 5),
        ('trusts', '_trusts', 'secret', 'secret', 'S', NULL, 6),
        ('trusts', '_trusts', 'desc', 'desc', 'S', NULL, 7),
        ('trusts', '_trusts', 'approved', 'approved', 'BOOL', NULL, 8),
        ('trusts', '_trusts', 'peer_approved', 'peer_approved', 'BOOL', NULL, 9),
        ('trusts', '_trusts', 'verified', 'verified', 'BOOL', NULL, 10),
        ('trusts', '_trusts', 'verification_token', 'verification_token', 'S', NULL, 11),
        ('trusts', '_trusts', 'peer_identifier', 'peer_identifier', 'S', NULL, 12),
        ('trusts', '_trusts', 'established_via', 'established_via', 'S', NULL, 13),
        ('trusts', '_trusts', 'created_at', 'created_at', 'datetime', NULL, 14),
        ('trusts', '_trusts', 'last_accessed', 'last_accessed', 'datetime', NULL, 15),
        ('trusts', '_trusts', 'last_connected_via', 'last_connected_via', 'S', NULL, 16),
        ('trusts', '_trusts', 'client_name', 'client_name', 'S', NULL, 17),
        ('trusts', '_trusts', 'client_version', 'client_version', 'S', NULL, 18),
        ('trusts', '_trusts', 'client_platform', 'client_platform', 'S', NULL, 19),
        ('trusts', '_trusts', 'oauth_client_id', 'oauth_client_id', 'S', NULL, 20),
        ('trusts', '_trusts', 'aw_supported', 'aw_supported', 'S', NULL, 21),
        ('trusts', '_trusts', 'aw_version', 'aw_version', 'S', NULL, 22),
        ('trusts', '_trusts', 'capabilities_fetched_at', 'capabilities_fetched_at', 'datetime', NULL, 23),
        ('peertrustees', '_peertrustees', 'id', 'id', 'S', 'hash', 1),
        ('peertrustees', '_peertrustees', 'peerid', 'peerid', 'S', 'range', 2),
        ('peertrustees', '_peertrustees', 'baseuri', 'baseuri', 'S', NULL, 3),
        ('peertrustees', '_peertrustees', 'type', 'type', 'S', NULL, 4),
        ('peertrustees', '_peertrustees', 'passphrase', 'passphrase', 'S', NULL, 5),
        ('subscriptions', '_subscriptions', 'id', 'id', 'S', 'hash', 1),
        ('subscriptions', '_subscriptions', 'peer_sub_id', 'peer_sub_id', 'S', 'range', 2),
        ('subscriptions', '_subscriptions', 'peerid', 'peerid', 'S', NULL, 3),
        ('subscriptions', '_subscriptions', 'subid', 'subid', 'S', NULL, 4),
        ('subscriptions', '_subscriptions', 'granularity', 'granularity', 'S', NULL, 5),
        ('subscriptions', '_subscriptions', 'target', 'target', 'S', NULL, 6),
        ('subscriptions', '_subscriptions', 'subtarget', 'subtarget', 'S', NULL, 7),
        ('subscriptions', '_subscriptions', 'resource', 'resource', 'S', NULL, 8),
        ('subscriptions', '_subscriptions', 'seqnr', 'seqnr', 'N', NULL, 9),
        ('subscriptions', '_subscriptions', 'callback', 'callback', 'BOOL', NULL, 10),
        ('subscription_diffs', '_subscriptiondiffs', 'id', 'id', 'S', 'hash', 1),
        ('subscription_diffs', '_subscriptiondiffs', 'subid_seqnr', 'subid_seqnr', 'S', 'range', 2),
        ('subscription_diffs', '_subscriptiondiffs', 'subid', 'subid', 'S', NULL, 3),
        ('subscription_diffs', '_subscriptiondiffs', 'timestamp', 'timestamp', 'datetime', NULL, 4),
        ('subscription_diffs', '_subscriptiondiffs', 'diff', 'diff', 'S', NULL, 5),
        ('subscription_diffs', '_subscriptiondiffs', 'seqnr', 'seqnr', 'N', NULL, 6),
        ('subscription_suspensions', '_subscription_suspensions', 'id', 'id', 'S', 'hash', 1),
        ('subscription_suspensions', '_subscription_suspensions', NULL, 'target_key', 'target_key', 'range', 2),
        ('subscription_suspensions', '_subscription_suspensions', 'target', 'target', 'S', NULL, 3),
        ('subscription_suspensions', '_subscription_suspensions', 'subtarget', 'subtarget', 'S_empty', NULL, 4),
        ('subscription_suspensions', '_subscription_suspensions', 'suspended_at', 'suspended_at', 'datetime', NULL, 5)
      ) AS m (table_name, dynamodb_suffix, column_name, attribute, kind, key_role, ordinal)
$$;
COMMENT ON FUNCTION awstore.actingweb_columns() IS
    'how ActingWeb stores each table in DynamoDB: attribute, kind and key role of every column';

-- The tables in the order a migration writes them: actors first, then
-- properties before property_lookup, which takes its values from them.
CREATE FUNCTION awstore.actingweb_tables()
RETURNS TABLE (table_name name, dynamodb_suffix text, ordinal integer)
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT t.table_name::name, t.dynamodb_suffix, t.ordinal::integer
      FROM (VALUES ('actors', '_actors', 1), ('properties', '_properties', 2),
                   ('property_lookup', '_property_lookup_v2', 3), ('attributes', '_attributes', 4),
                   ('trusts', '_trusts', 5), ('peertrustees', '_peertrustees', 6),
                   ('subscriptions', '_subscriptions', 7), ('subscription_diffs', '_subscriptiondiffs', 8),
                   ('subscription_suspensions', '_subscription_suspensions', 9))
           AS t (table_name, dynamodb_suffix, ordinal)
$$;
COMMENT ON FUNCTION awstore.actingweb_tables() IS
    'the nine ActingWeb tables, their DynamoDB table suffix, in the order a migration writes them';

CREATE FUNCTION awstore.is_json(text)
RETURNS boolean
LANGUAGE C STRICT IMMUTABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'awstore_is_json';
COMMENT ON FUNCTION awstore.is_json(text) IS
    'whether jsonb would take this text';

CREATE FUNCTION awstore.is_pynamodb_datetime(text)
RETURNS boolean
LANGUAGE C STRICT IMMUTABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'awstore_is_pynamodb_datetime';
COMMENT ON FUNCTION awstore.is_pynamodb_datetime(text) IS
    'whether the text is a PynamoDB UTC date-time, YYYY-MM-DDTHH:MM:SS.ffffff+0000, of a real date and time';

CREATE FUNCTION awstore.pynamodb_json(jsonb)
RETURNS text
LANGUAGE C STRICT IMMUTABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'awstore_pynamodb_json';
COMMENT ON FUNCTION awstore.pynamodb_json(jsonb) IS
    'JSON text as Python''s json.dumps writes it by default (non-ASCII as \uXXXX)';

CREATE FUNCTION awstore.pynamodb_datetime(timestamp)
RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT pg_catalog.to_char($1, 'YYYY-MM-DD"T"HH24:MI:SS.US"+0000"') $$;
COMMENT ON FUNCTION awstore.pynamodb_datetime(timestamp) IS
    'a UTC timestamp as PynamoDB writes date-times';

CREATE FUNCTION awstore.property_lookup_key(property_name text, value text)
RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
    SELECT pg_catalog.encode(pg_catalog.sha256(
               pg_catalog.convert_to($1, 'UTF8') OPERATOR(pg_catalog.||) '\x00'::pg_catalog.bytea
               OPERATOR(pg_catalog.||) pg_catalog.convert_to($2, 'UTF8')), 'hex')
$$;
COMMENT ON FUNCTION awstore.property_lookup_key(text, text) IS
    'ActingWeb''s property_lookup_v2 key: SHA-256, in hex, of property_name, a NUL byte and value';

-- Privileges: these read nothing but their arguments; EXECUTE stays with
-- PUBLIC.
