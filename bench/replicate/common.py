"""
bench/replicate/common.py — what the replication benchmark's scripts
share: the paths (test/ for dyn.py and actingweb_dataset.py, bench/ for
measure.py), the DynamoDB client settings, and the SQL that records when
each change became visible in PostgreSQL and measures the lag.

How the lag is measured: the benchmark puts an AFTER INSERT OR UPDATE OR
DELETE trigger on the replicated attributes and properties tables (in
the bench's own database, nowhere else) that adds a row to the unlogged
table bench.applied for each row replication writes: the table, the
operation, the key, and the change number the writer put into the item
(attributes: data's "change", properties: "change" in value's JSON).  The
cluster runs with track_commit_timestamp = on, so the moment a change
became visible is the commit time of the transaction that logged it,
pg_xact_commit_timestamp(xmin).  The writer's log (bench.changes) has each
change's number, key and the wall time DynamoDB acknowledged it; a put or
update is found in bench.applied by its number, a delete by its key (the
writer never deletes a key twice nor writes it again).

Run with Debian's /usr/bin/python3 (python3-boto3, python3-psycopg).
"""

import os
import sys

_here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(_here, '..', '..', 'test'))  # dyn.py, actingweb_dataset.py
sys.path.insert(0, os.path.join(_here, '..'))  # measure.py
import dyn  # noqa: E402,F401
from measure import CpuMeter, fmt, now, process_cpu, result_line  # noqa: E402,F401

# DynamoDB Local does not check signatures; any key signs.
ACCESS_KEY = 'AKIDBENCHREPLICATE'
SECRET_KEY = 'bench-replicate-secret'

# The ActingWeb tables the writer changes, and the share of its changes.
TABLES = {'attributes': 0.7, 'properties': 0.3}

# The log of what replication applied, and the triggers that fill it.
SETUP_SQL = r"""
CREATE SCHEMA bench;
CREATE UNLOGGED TABLE bench.applied (
    tbl text NOT NULL,
    op text NOT NULL,
    id text NOT NULL,
    k2 text NOT NULL,
    change bigint,
    at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE UNLOGGED TABLE bench.changes (
    phase text NOT NULL,
    n bigint NOT NULL,
    tbl text NOT NULL,
    kind text NOT NULL,
    id text NOT NULL,
    k2 text NOT NULL,
    due float8 NOT NULL,
    sent float8 NOT NULL,
    ack float8 NOT NULL
);
CREATE FUNCTION bench.log_attributes() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        INSERT INTO bench.applied (tbl, op, id, k2) VALUES ('attributes', TG_OP, OLD.id, OLD.bucket_name);
    ELSE
        INSERT INTO bench.applied (tbl, op, id, k2, change)
        VALUES ('attributes', TG_OP, NEW.id, NEW.bucket_name,
                CASE WHEN jsonb_typeof(NEW.data) = 'object' THEN (NEW.data ->> 'change')::bigint END);
    END IF;
    RETURN NULL;
END
$$;
CREATE FUNCTION bench.log_properties() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        INSERT INTO bench.applied (tbl, op, id, k2) VALUES ('properties', TG_OP, OLD.id, OLD.name);
    ELSE
        INSERT INTO bench.applied (tbl, op, id, k2, change)
        VALUES ('properties', TG_OP, NEW.id, NEW.name,
                substring(NEW.value FROM '^\{"change": ([0-9]{1,18})[,}]')::bigint);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER bench_log AFTER INSERT OR UPDATE OR DELETE ON @SCHEMA@.attributes
    FOR EACH ROW EXECUTE FUNCTION bench.log_attributes();
CREATE TRIGGER bench_log AFTER INSERT OR UPDATE OR DELETE ON @SCHEMA@.properties
    FOR EACH ROW EXECUTE FUNCTION bench.log_properties();
"""

# Each change of a phase with the log rows that show it: the first (NULL
# when none) and how many; a put or update found by its number, a delete
# by its key.
MATCH_PREPARE_SQL = """
CREATE INDEX IF NOT EXISTS applied_change ON bench.applied (tbl, change);
CREATE INDEX IF NOT EXISTS applied_key ON bench.applied (tbl, id, k2) WHERE op = 'DELETE';
ANALYZE bench.applied;
ANALYZE bench.changes;
"""
MATCH_SQL = """
CREATE TEMPORARY TABLE matched AS
SELECT c.*, m.op, m.at, m.visible, m.xid, coalesce(m.times, 0) AS times
  FROM bench.changes c
  LEFT JOIN LATERAL (
        SELECT min(a.op) AS op, min(a.at) AS at, min(pg_xact_commit_timestamp(a.xmin)) AS visible,
               min(a.xmin::text::bigint) AS xid, count(*) AS times
          FROM bench.applied a
         WHERE c.kind <> 'delete' AND a.tbl = c.tbl AND a.change = c.n
        HAVING count(*) > 0
        UNION ALL
        SELECT min(a.op), min(a.at), min(pg_xact_commit_timestamp(a.xmin)), min(a.xmin::text::bigint), count(*)
          FROM bench.applied a
         WHERE c.kind = 'delete' AND a.tbl = c.tbl AND a.op = 'DELETE' AND a.id = c.id AND a.k2 = c.k2
        HAVING count(*) > 0) m ON true
 WHERE c.phase = %(phase)s
"""

# The figures of a phase, from matched.
STATS_SQL = """
WITH l AS (SELECT *, extract(epoch FROM visible) - ack AS lag, extract(epoch FROM at) - ack AS apply_lag
             FROM matched)
SELECT count(*) AS changes,
       count(visible) AS seen,
       count(*) FILTER (WHERE visible IS NULL) AS missing,
       count(*) FILTER (WHERE times > 1) AS seen_twice,
       count(*) FILTER (WHERE visible IS NOT NULL
                          AND op IS DISTINCT FROM CASE kind WHEN 'put' THEN 'INSERT' WHEN 'update' THEN 'UPDATE'
                                                            ELSE 'DELETE' END) AS wrong_op,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY lag) AS lag_p50,
       percentile_cont(0.9) WITHIN GROUP (ORDER BY lag) AS lag_p90,
       percentile_cont(0.99) WITHIN GROUP (ORDER BY lag) AS lag_p99,
       max(lag) AS lag_max,
       min(lag) AS lag_min,
       avg(lag) AS lag_avg,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY apply_lag) AS apply_p50,
       min(ack) AS first_ack,
       max(ack) AS last_ack,
       extract(epoch FROM max(visible)) AS last_visible,
       (SELECT count(DISTINCT visible) FROM l) AS transactions,
       (SELECT max(c) FROM (SELECT count(*) AS c FROM l WHERE visible IS NOT NULL GROUP BY visible) x)
           AS max_per_transaction,
       (SELECT max(c) FROM (SELECT count(*) AS c FROM l WHERE visible IS NOT NULL
                             GROUP BY floor(extract(epoch FROM visible))) x) AS peak_visible_1s
  FROM l
"""

# Records applied and stream requests so far (track_functions = 'all').
COUNTERS_SQL = """
SELECT (SELECT coalesce(sum(records_applied), 0) FROM awstore.replication_tables) AS records_applied,
       (SELECT coalesce(sum(calls), 0) FROM pg_stat_user_functions
         WHERE schemaname = 'awstore' AND funcname = 'dynamodb_stream_call') AS stream_calls,
       (SELECT coalesce(sum(calls), 0) FROM pg_stat_user_functions
         WHERE schemaname = 'awstore' AND funcname = 'replication_step') AS steps
"""
