#!/usr/bin/python3
"""test/pacing.py — capacity budgets measured against what DynamoDB says
each answer consumed.

awstore talks to the engine through test/faultproxy.py, which records the
ConsumedCapacity of every answer it relays, with the time its request
arrived (when DynamoDB admits a request and counts its capacity; GET
/__capacity).  For each statement held to a cap of C units per second:

  * rate: the units consumed over the statement's time (from just before
    it was sent to the arrival of its last request) is C within 15 %, for
    the scans and the INSERT (the migrations pause between their tables,
    so for them only the upper bound holds: at most C + 15 %);
  * windows: no one-second window (from any request on) holds more than
    C plus the biggest single request.

Also: a parallel scan keeps the cap across its segments; a percent of a
provisioned table's capacity; a throttling engine (the proxy's throttle
fault) still gets the rows right and the cap kept; a cancel while waiting
for budget lands at once; the migration functions' arguments.

    pacing.py --dsn DSN --endpoint ENGINE_URL --proxy PROXY_URL
              --access-key K --secret-key S

Prints "ok - …" / "not ok - … # detail" lines; exits 1 when anything
failed.  The figures measured are printed as "# " lines.
"""
import argparse
import json
import subprocess
import sys
import time
import urllib.request

import psycopg
import psycopg.sql

import dyn

failures = 0


def report(name, problems):
    global failures
    if problems:
        failures += 1
        print("not ok - pacing: %s # %s" % (name, "; ".join(problems[:3])))
    else:
        print("ok - pacing: %s" % name)
    sys.stdout.flush()


def control(proxy, path, body=None):
    req = urllib.request.Request(proxy + path, data=None if body is None else json.dumps(body).encode(),
                                 method='GET' if body is None else 'POST')
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read())


READS = {'Scan', 'Query', 'GetItem', 'BatchGetItem'}
WRITES = {'BatchWriteItem', 'PutItem', 'UpdateItem', 'DeleteItem'}


def measure(db, proxy, sql, params=None):
    """Runs sql, returns (start, end, capacity entries, result rows)."""
    control(proxy, '/__capacity/reset', {})
    start = time.monotonic()
    cur = db.execute(sql, params)
    rows = cur.fetchall() if cur.description else []
    end = time.monotonic()
    return start, end, control(proxy, '/__capacity'), rows


def capacity_figures(start, entries, actions):
    """From the proxy's record of one statement (started at start): total
    units, seconds, rate, the worst one-second window and the biggest
    request, over the requests of those actions; None when none."""
    es = sorted((e for e in entries if e['action'] in actions), key=lambda e: e['t'])
    if not es:
        return None
    total = sum(e['units'] for e in es)
    span = max(es[-1]['t'] - start, 1e-3)
    worst = 0.0
    worst_at = (0, 0)
    j = 0
    window = 0.0
    for i in range(len(es)):
        while j < len(es) and es[j]['t'] < es[i]['t'] + 1.0:
            window += es[j]['units']
            j += 1
        if window > worst:
            worst, worst_at = window, (i, j)
        window -= es[i]['units']
    return {'units': total, 'seconds': span, 'rate': total / span, 'worst': worst,
            'biggest': max(e['units'] for e in es), 'requests': len(es),
            'worst_window': es[worst_at[0]:worst_at[1]]}


def check(name, cap, start, entries, actions, rate_bounds=(0.85, 1.15)):
    """The rate and window checks of one statement; returns problems."""
    f = capacity_figures(start, entries, actions)
    problems = []
    if f is None:
        return ["no answer carried ConsumedCapacity"]
    total, span, rate, worst, biggest = f['units'], f['seconds'], f['rate'], f['worst'], f['biggest']
    es = [None] * f['requests']
    print("# %s: %.1f units in %.2f s: %.1f units/s = %.3f of the cap %g; worst 1 s window %.1f "
          "(%.3f of the cap), biggest answer %.1f, %d answers"
          % (name, total, span, rate, rate / cap, cap, worst, worst / cap, biggest, len(es)))
    lo, hi = rate_bounds
    if lo is not None and rate < lo * cap:
        problems.append("rate %.1f units/s is below %.2f of the cap %g" % (rate, lo, cap))
    if rate > hi * cap:
        problems.append("rate %.1f units/s is above %.2f of the cap %g" % (rate, hi, cap))
    if worst > cap + biggest + 1e-6:
        problems.append("a 1 s window held %.1f units, above the cap %g plus one answer (%.1f)"
                        % (worst, cap, biggest))
        t0 = f['worst_window'][0]['t']
        print("# the worst window, request by request (arrival s, answered s, action, units): "
              + ", ".join("%.3f %.3f %s %g" % (e['t'] - t0, e['answered'] - t0, e['action'],
                                                 e['units'])
                          for e in f['worst_window']))
    return problems


def load(ddb, table, n, size, provisioned=None):
    dyn.delete_table(ddb, table)
    if provisioned:
        ddb.create_table(TableName=table,
                         KeySchema=[{'AttributeName': 'id', 'KeyType': 'HASH'}],
                         AttributeDefinitions=[{'AttributeName': 'id', 'AttributeType': 'S'}],
                         ProvisionedThroughput={'ReadCapacityUnits': provisioned,
                                                'WriteCapacityUnits': provisioned})
        dyn.wait_active(ddb, table)
    else:
        dyn.create_table(ddb, table, ['id'], [('id', 'S')])
    dyn.put_all(ddb, table, ({'id': {'S': 'item%05d' % i}, 'n': {'N': str(i)},
                              'pad': {'S': 'p' * size}} for i in range(n)))


def run(name, fn):
    try:
        report(name, fn())
    except Exception as e:  # a crash of one scenario is its failure
        report(name, ["%s: %s" % (type(e).__name__, e)])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dsn", required=True)
    ap.add_argument("--endpoint", required=True, help="the DynamoDB engine")
    ap.add_argument("--proxy", required=True, help="test/faultproxy.py in front of it")
    ap.add_argument("--access-key", required=True)
    ap.add_argument("--secret-key", required=True)
    ap.add_argument("--dataset", required=True, help="test/actingweb_dataset.py")
    args = ap.parse_args()
    ddb = dyn.client(args.endpoint)
    proxy = args.proxy.rstrip('/')
    control(proxy, '/__fault', {'mode': 'off'})

    load(ddb, 'pace_big', 3000, 800)
    load(ddb, 'pace_prov', 1500, 800, provisioned=100)
    load(ddb, 'pace_large', 20, 40000)
    dyn.delete_table(ddb, 'pace_w')
    dyn.create_table(ddb, 'pace_w', ['id'], [('id', 'S')])

    with psycopg.connect(args.dsn, autocommit=True) as db:
        lit = lambda v: psycopg.sql.Literal(v).as_string(db)
        db.execute("DROP SERVER IF EXISTS pace CASCADE")
        db.execute("CREATE EXTENSION IF NOT EXISTS awstore")
        db.execute("CREATE SERVER pace FOREIGN DATA WRAPPER awstore_dynamodb "
                   "OPTIONS (endpoint %s)" % lit(proxy))
        db.execute("CREATE USER MAPPING FOR CURRENT_USER SERVER pace "
                   "OPTIONS (access_key_id %s, secret_access_key %s)"
                   % (lit(args.access_key), lit(args.secret_key)))
        db.execute("DROP SCHEMA IF EXISTS pace CASCADE")
        db.execute("CREATE SCHEMA pace")
        db.execute("CREATE FOREIGN TABLE pace.big (id text, n integer, pad text) SERVER pace "
                   "OPTIONS (table_name 'pace_big', max_read_capacity '50')")
        db.execute("CREATE FOREIGN TABLE pace.big4 (id text, n integer, pad text) SERVER pace "
                   "OPTIONS (table_name 'pace_big', max_read_capacity '50', scan_segments '4')")
        db.execute("CREATE FOREIGN TABLE pace.prov (id text, n integer, pad text) SERVER pace "
                   "OPTIONS (table_name 'pace_prov', read_capacity_percent '40')")
        db.execute("CREATE FOREIGN TABLE pace.prov4 (id text, n integer, pad text) SERVER pace "
                   "OPTIONS (table_name 'pace_prov', max_read_capacity '50', scan_segments '4')")
        db.execute("CREATE FOREIGN TABLE pace.large (id text, n integer, pad text) SERVER pace "
                   "OPTIONS (table_name 'pace_large', max_read_capacity '10')")
        db.execute("CREATE FOREIGN TABLE pace.w (id text, n integer, pad text) SERVER pace "
                   "OPTIONS (table_name 'pace_w', max_write_capacity '50')")

        def scan(table, cap, expect=3000):
            def fn():
                start, _, entries, rows = measure(
                    db, proxy, "SELECT count(*), count(DISTINCT id), sum(length(pad)) FROM %s" % table)
                problems = check("scan of %s" % table, cap, start, entries, READS)
                if tuple(rows[0][:2]) != (expect, expect):
                    problems.append("read %r, not %d items" % (rows[0], expect))
                return problems
            return fn

        run("a scan keeps to max_read_capacity 50", scan("pace.big", 50))
        run("a parallel scan (4 segments) keeps to max_read_capacity 50 across them",
            scan("pace.big4", 50))
        run("read_capacity_percent 40 of a table provisioned with 100", scan("pace.prov", 40, 1500))

        def insert():
            start, _, entries, _ = measure(
                db, proxy, "INSERT INTO pace.w SELECT 'w' || g, g, repeat('w', 900) "
                           "FROM generate_series(1, 250) g")
            problems = check("INSERT of 250 items of 1 KB", 50, start, entries, WRITES)
            if dyn.count(ddb, 'pace_w') != 250:
                problems.append("%d items written, not 250" % dyn.count(ddb, 'pace_w'))
            return problems
        run("an INSERT keeps to max_write_capacity 50", insert)

        def throttled():
            control(proxy, '/__fault', {'mode': 'throttle', 'rate': 0.2, 'seed': 3,
                                        'targets': ['Scan']})
            try:
                start, _, entries, rows = measure(
                    db, proxy, "SELECT count(*), count(DISTINCT id) FROM pace.prov4")
            finally:
                control(proxy, '/__fault', {'mode': 'off'})
            problems = check("scan of pace.prov4 with a fifth of requests throttled", 50, start,
                             entries, READS, rate_bounds=(None, 1.15))
            if tuple(rows[0]) != (1500, 1500):
                problems.append("read %r, not 1500 items" % (rows[0],))
            return problems
        run("a throttling engine: the rows are right and the cap holds", throttled)

        # Statements one after the other, each a GetItem of a 40 KB item
        # (5 units) estimated at half a unit: each ends in deficit, and the
        # next one's budget takes it over, so together they keep the cap.
        def short_statements():
            control(proxy, '/__capacity/reset', {})
            start = time.monotonic()
            lengths = []
            for i in range(20):
                cur = db.execute("SELECT length(pad) FROM pace.large WHERE id = %s",
                                 ('item%05d' % i,))
                lengths.append(cur.fetchone()[0])
            entries = control(proxy, '/__capacity')
            problems = check("20 statements, each a GetItem of 5 units", 10, start, entries,
                             READS, rate_bounds=(None, 1.15))
            if lengths != [40000] * 20:
                problems.append("read %r" % lengths[:3])
            return problems
        run("short statements one after the other keep max_read_capacity 10 together",
            short_statements)

        def cancel():
            db.execute("ALTER FOREIGN TABLE pace.big OPTIONS (SET max_read_capacity '0.01')")
            db.execute("SET statement_timeout = '1s'")
            start = time.monotonic()
            try:
                db.execute("SELECT count(*) FROM pace.big")
                return ["the statement was not canceled"]
            except psycopg.errors.QueryCanceled:
                pass
            finally:
                elapsed = time.monotonic() - start
                db.execute("RESET statement_timeout")
                db.execute("ALTER FOREIGN TABLE pace.big OPTIONS (SET max_read_capacity '50')")
            print("# cancel while waiting for budget: the statement ended after %.2f s "
                  "(its budget wanted about 50 s)" % elapsed)
            return [] if elapsed < 10 else ["the cancel took %.1f s" % elapsed]
        run("a cancel while waiting for budget lands at once", cancel)

        # The migration functions: an ActingWeb dataset in DynamoDB, into
        # PostgreSQL with a read cap, compared with one, and back with a
        # write cap.
        subprocess.run([sys.executable, args.dataset, "--endpoint", args.endpoint,
                        "--prefix", "pacemig", "--actors", "20", "--attributes-per-actor", "4",
                        "drop"], check=True, stdout=subprocess.DEVNULL)
        subprocess.run([sys.executable, args.dataset, "--endpoint", args.endpoint,
                        "--prefix", "pacemig", "--actors", "20", "--attributes-per-actor", "4",
                        "load"], check=True, stdout=subprocess.DEVNULL)
        dyn.delete_tables(ddb, "paceback_")
        notices = []
        db.add_notice_handler(lambda d: notices.append(d.message_primary))

        def migrate(sql, cap, actions, want_note):
            def fn():
                notices.clear()
                start, _, entries, rows = measure(db, proxy, sql)
                problems = check(sql.split('(')[0].split('.')[-1], cap, start, entries, actions,
                                 rate_bounds=(None, 1.15))
                if want_note and not any(want_note in n for n in notices):
                    problems.append("no NOTICE with the effective rate (%r)" % notices[:2])
                if rows and len(rows[0]) == 6 and any(r[3] or r[4] or r[5] for r in rows):
                    problems.append("verify_migration found differences: %r" % rows)
                return problems
            return fn
        run("migrate_from_dynamodb(max_read_capacity => 10)",
            migrate("SELECT * FROM awstore.migrate_from_dynamodb('pace', 'pacemig', "
                    "max_read_capacity => 10)", 10, READS, "read capacity units/s (cap 10.0)"))
        run("verify_migration(max_read_capacity => 10)",
            migrate("SELECT * FROM awstore.verify_migration('pace', 'pacemig', "
                    "max_read_capacity => 10)", 10, READS, "read capacity units/s (cap 10.0)"))
        run("migrate_to_dynamodb(max_write_capacity => 60)",
            migrate("SELECT * FROM awstore.migrate_to_dynamodb('pace', 'paceback', "
                    "max_write_capacity => 60)", 60, WRITES, "write capacity units/s (cap 60.0)"))

        def bad_argument():
            try:
                db.execute("SELECT * FROM awstore.verify_migration('pace', 'pacemig', "
                           "max_read_capacity => 0)")
                return ["max_read_capacity => 0 was taken"]
            except psycopg.errors.InvalidParameterValue as e:
                return [] if 'max_read_capacity' in str(e) else ["unclear error: %s" % e]
        run("a migration's bad capacity argument is a clear error", bad_argument)

        db.execute("DROP SCHEMA pace CASCADE")
        db.execute("DROP SERVER pace CASCADE")
    for t in ['pace_big', 'pace_prov', 'pace_large', 'pace_w']:
        dyn.delete_table(ddb, t)
    dyn.delete_tables(ddb, "pacemig_")
    dyn.delete_tables(ddb, "paceback_")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
