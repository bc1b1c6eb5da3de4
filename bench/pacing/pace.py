#!/usr/bin/python3
"""bench/pacing/pace.py — statements held to a capacity budget, measured
against the proxy's record of what each request consumed and when.

For each cap, a scan (reads) and an INSERT (writes) sized to last about
--seconds at that cap; the baseline, in the same run, is the same
statement without a budget (what the engine gives when nothing holds it
back: a cap above that is not a cap).  One line per measurement:

    <kind> cap=<units/s> units=… seconds=… rate=… rate_ratio=… worst=…
           worst_ratio=… biggest=… requests=… ok=<0|1>

rate is the units consumed over the statement's whole time (sent to
done); worst the most units in any one-second window, from the arrival of
any request on (DynamoDB counts capacity when it admits a request).
"""
import argparse
import os
import sys
import time

import psycopg
import psycopg.sql

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'test'))
import dyn  # noqa: E402
import pacing  # noqa: E402

ITEM_PAD = 850          # an item of about 880 bytes: one write unit, 1/9 of an 8 KB read unit


def line(kind, cap, f, ok, extra=''):
    if f is None:
        print("%s cap=%s ok=0 %s" % (kind, cap, extra))
        return
    ratio = (f['rate'] / cap) if cap else float('nan')
    wratio = (f['worst'] / cap) if cap else float('nan')
    print("%s cap=%s units=%.1f seconds=%.3f rate=%.2f rate_ratio=%.3f worst=%.1f worst_ratio=%.3f "
          "biggest=%.1f requests=%d ok=%d%s" % (kind, cap, f['units'], f['seconds'], f['rate'], ratio,
                                                f['worst'], wratio, f['biggest'], f['requests'],
                                                1 if ok else 0, extra))
    sys.stdout.flush()


def run(db, proxy, sql, actions):
    control = pacing.control
    control(proxy, '/__capacity/reset', {})
    start = time.monotonic()
    cur = db.execute(sql)
    rows = cur.fetchall() if cur.description else []
    end = time.monotonic()
    f = pacing.capacity_figures(start, control(proxy, '/__capacity'), actions)
    if f:
        f['seconds'] = end - start        # the statement's whole time
        f['rate'] = f['units'] / f['seconds']
    return f, rows, cur.rowcount


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dsn", required=True)
    ap.add_argument("--endpoint", required=True)
    ap.add_argument("--proxy", required=True)
    ap.add_argument("--access-key", required=True)
    ap.add_argument("--secret-key", required=True)
    ap.add_argument("--read-caps", default="5 15 50 150 500")
    ap.add_argument("--write-caps", default="5 15 50 150 500")
    ap.add_argument("--seconds", type=float, default=6)
    a = ap.parse_args()
    read_caps = [float(c) for c in a.read_caps.split()]
    write_caps = [float(c) for c in a.write_caps.split()]
    proxy = a.proxy.rstrip('/')
    ddb = dyn.client(a.endpoint)

    # Reads: one table big enough for the highest cap; each run reads as
    # many items as its cap consumes in --seconds (a LIMIT).
    per_item_units = (ITEM_PAD + 30) / 8192.0
    n_items = int(max(read_caps) * a.seconds / per_item_units * 1.1) + 100
    print("# loading %d items of about %d bytes" % (n_items, ITEM_PAD + 30), file=sys.stderr)
    dyn.delete_table(ddb, 'pacing_r')
    dyn.create_table(ddb, 'pacing_r', ['id'], [('id', 'S')])
    dyn.put_all(ddb, 'pacing_r', ({'id': {'S': 'r%08d' % i}, 'pad': {'S': 'p' * ITEM_PAD}}
                                  for i in range(n_items)))
    failures = 0
    with psycopg.connect(a.dsn, autocommit=True) as db:
        lit = lambda v: psycopg.sql.Literal(v).as_string(db)
        db.execute("CREATE EXTENSION IF NOT EXISTS awstore")
        db.execute("DROP SERVER IF EXISTS pace CASCADE")
        db.execute("CREATE SERVER pace FOREIGN DATA WRAPPER awstore_dynamodb OPTIONS (endpoint %s)"
                   % lit(proxy))
        db.execute("CREATE USER MAPPING FOR CURRENT_USER SERVER pace "
                   "OPTIONS (access_key_id %s, secret_access_key %s)"
                   % (lit(a.access_key), lit(a.secret_key)))
        db.execute("DROP SCHEMA IF EXISTS pace CASCADE")
        db.execute("CREATE SCHEMA pace")
        db.execute("CREATE FOREIGN TABLE pace.r (id text, pad text) SERVER pace "
                   "OPTIONS (table_name 'pacing_r')")

        # baseline: nothing holds the statement back
        f, rows, _ = run(db, proxy, "SELECT count(*), sum(length(pad)) FROM pace.r", pacing.READS)
        line("read_unpaced", 0, f, rows and rows[0][0] == n_items)
        for cap in read_caps:
            limit = int(cap * a.seconds / per_item_units)
            db.execute("ALTER FOREIGN TABLE pace.r OPTIONS (%s max_read_capacity %s)"
                       % ('SET' if cap != read_caps[0] else 'ADD', lit(str(cap))))
            f, rows, _ = run(db, proxy, "SELECT count(*) FROM (SELECT pad FROM pace.r LIMIT %d) s"
                             % limit, pacing.READS)
            ok = bool(rows) and rows[0][0] == min(limit, n_items)
            failures += not ok
            line("read", cap, f, ok)

        def fresh_write_table(name):
            dyn.delete_table(ddb, name)
            dyn.create_table(ddb, name, ['id'], [('id', 'S')])

        n = int(max(write_caps) * a.seconds)
        fresh_write_table('pacing_w0')
        db.execute("CREATE FOREIGN TABLE pace.w0 (id text, pad text) SERVER pace "
                   "OPTIONS (table_name 'pacing_w0')")
        f, _, count = run(db, proxy, "INSERT INTO pace.w0 SELECT 'w' || g, repeat('w', %d) "
                          "FROM generate_series(1, %d) g" % (ITEM_PAD, n), pacing.WRITES)
        line("write_unpaced", 0, f, count == n)
        for i, cap in enumerate(write_caps):
            n = int(cap * a.seconds)
            t = 'pacing_w%d' % (i + 1)
            fresh_write_table(t)
            db.execute("CREATE FOREIGN TABLE pace.w%d (id text, pad text) SERVER pace "
                       "OPTIONS (table_name %s, max_write_capacity %s)" % (i + 1, lit(t), lit(str(cap))))
            f, _, count = run(db, proxy, "INSERT INTO pace.w%d SELECT 'w' || g, repeat('w', %d) "
                              "FROM generate_series(1, %d) g" % (i + 1, ITEM_PAD, n), pacing.WRITES)
            ok = count == n and dyn.count(ddb, t, consistent=True) == n
            failures += not ok
            line("write", cap, f, ok)
            dyn.delete_table(ddb, t)
        db.execute("DROP SCHEMA pace CASCADE")
        db.execute("DROP SERVER pace CASCADE")
    dyn.delete_table(ddb, 'pacing_r')
    dyn.delete_table(ddb, 'pacing_w0')
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
