-- bench/ttl_purge/sql/setup.sql — schema, data generator and the
-- transaction watcher of the TTL purge benchmark.
--
-- psql variables: rows (number of attributes rows, half of them expired).
--
-- bench.seed holds the rows once; every phase of the benchmark reloads
-- aw.attributes from it, so each phase starts from identical data.  The
-- TTLs are absolute epochs fixed here: expired rows expired 1 minute to 30
-- days ago, live rows expire 1 hour to 30 days from now, so the split stays
-- exactly half and half for the whole run.

\set ON_ERROR_STOP on

CREATE SCHEMA aw;
CREATE EXTENSION awstore SCHEMA aw;
CREATE SCHEMA bench;

-- Key and payload of row i, shared by the generator and the application
-- workload (pgbench) so that the workload hits existing keys.
-- 20 attributes per actor; ids look like ActingWeb's (uuid4().hex).
CREATE FUNCTION bench.actor_id(i bigint) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN md5('actor-' || (i % 100000));

CREATE FUNCTION bench.bucket(i bigint) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN (ARRAY['oauth_tokens', 'sessions', 'mcp_tokens', 'trust_cache', 'notifications'])[i % 5 + 1];

CREATE FUNCTION bench.attr_name(i bigint) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN 'item-' || lpad(to_hex(i), 8, '0');

-- About 350 bytes of jsonb; one row in ten has a chain_id (partial index).
CREATE FUNCTION bench.attr_data(i bigint, stamp timestamptz) RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN jsonb_build_object(
        'access_token', md5(i::text) || md5((i + 1)::text),
        'refresh_token', md5((i + 2)::text),
        'scope', 'openid profile email offline_access',
        'client_id', 'mcp-client-' || (i % 977),
        'issued_at', to_char(stamp AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
        'user_agent', 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36',
        'counter', i % 1000)
    || CASE WHEN i % 10 = 0 THEN jsonb_build_object('chain_id', 'chain-' || (i % 5000))
            ELSE '{}'::jsonb END;

-- Even rows expired, odd rows live: every heap page holds both, and the
-- TTL order is unrelated to the physical order, as in a table written over
-- months.
CREATE UNLOGGED TABLE bench.seed AS
SELECT bench.actor_id(i) AS id,
       bench.bucket(i) || ':' || bench.attr_name(i) AS bucket_name,
       bench.bucket(i) AS bucket,
       bench.attr_name(i) AS name,
       bench.attr_data(i, now() - make_interval(secs => (i * 7919) % 2592000)) AS data,
       (now() - make_interval(secs => (i * 7919) % 2592000))::timestamp AS "timestamp",
       CASE WHEN i % 2 = 0
            THEN extract(epoch FROM now())::bigint - 60 - (i * 2654435761) % 2592000
            ELSE extract(epoch FROM now())::bigint + 3600 + (i * 2654435761) % 2592000
       END AS ttl_timestamp
  FROM generate_series(1::bigint, :rows) i;

/*
 * The transaction watcher.  Every `poll` seconds it reads pg_stat_activity
 * and records, per transaction of the backends named `app`, when it started
 * (xact_start) and the first and last time it was seen running, and
 * what the active sessions of the application workload (`workload`) are
 * waiting for.  It
 * commits after every poll, so it never holds a snapshot for longer than
 * one poll (a long-lived snapshot would keep the purge's dead rows alive and
 * distort what is measured).  It stops when bench.stop has a row for its
 * phase.  A transaction longer than `poll` is always seen; its duration is
 * at least last_seen - xact_start.
 */
CREATE UNLOGGED TABLE bench.xact_obs (
    phase text NOT NULL,
    pid integer NOT NULL,
    xact_start timestamptz NOT NULL,
    first_seen timestamptz NOT NULL,
    last_seen timestamptz NOT NULL,
    polls integer NOT NULL,
    backend_xmin xid,
    PRIMARY KEY (phase, pid, xact_start)
);

-- What the application's sessions were waiting for, one row per session
-- and poll (wait 'CPU' when active and not waiting).
CREATE UNLOGGED TABLE bench.wait_obs (
    phase text NOT NULL,
    seen_at timestamptz NOT NULL,
    wait text NOT NULL
);

-- Autovacuum workers seen working on aw.attributes.
CREATE UNLOGGED TABLE bench.autovacuum_obs (
    phase text NOT NULL,
    seen_at timestamptz NOT NULL,
    query text
);

CREATE TABLE bench.stop (phase text PRIMARY KEY);

CREATE PROCEDURE bench.watch(p_phase text, p_app text, p_workload text, p_poll float8)
LANGUAGE plpgsql
AS $$
DECLARE
    r record;
    seen timestamptz;
BEGIN
    LOOP
        EXIT WHEN EXISTS (SELECT FROM bench.stop s WHERE s.phase = p_phase);
        seen := clock_timestamp();
        FOR r IN SELECT a.pid, a.xact_start, a.backend_xmin, a.backend_type, a.query,
                        a.application_name, a.state, a.wait_event_type, a.wait_event
                   FROM pg_stat_activity a
                  WHERE a.xact_start IS NOT NULL
                    AND (a.application_name IN (p_app, p_workload)
                         OR (a.backend_type = 'autovacuum worker' AND a.query LIKE '%attributes%'))
        LOOP
            IF r.application_name = p_workload THEN
                IF r.state = 'active' THEN
                    INSERT INTO bench.wait_obs
                    VALUES (p_phase, seen, coalesce(r.wait_event_type || ':' || r.wait_event, 'CPU'));
                END IF;
            ELSIF r.backend_type = 'autovacuum worker' THEN
                INSERT INTO bench.autovacuum_obs VALUES (p_phase, seen, r.query);
            ELSE
                INSERT INTO bench.xact_obs AS o
                VALUES (p_phase, r.pid, r.xact_start, seen, seen, 1, r.backend_xmin)
                ON CONFLICT (phase, pid, xact_start) DO UPDATE
                   SET last_seen = excluded.last_seen, polls = o.polls + 1;
            END IF;
        END LOOP;
        COMMIT;
        PERFORM pg_sleep(p_poll);
        COMMIT;
    END LOOP;
END
$$;

-- So that autovacuum has nothing to do on the seed during the phases.
VACUUM (FREEZE, ANALYZE) bench.seed;
