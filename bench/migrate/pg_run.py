#!/usr/bin/python3
"""
bench/migrate/pg_run.py — time one awstore migration statement, or one
call of awstore.migrate_from_dynamodb / migrate_to_dynamodb, in a fresh
session.

The session first runs --warmup (a query on a foreign table of the same
server: it loads the extension, json-c and libcurl, fills the catalog
caches and opens the HTTP connection awstore keeps for the user mapping),
then the statement once, in autocommit mode (its own transaction,
COMMIT included in the time), timed on the client.

What the statement returned goes into the result line:
  --kind statement  a from_dynamodb statement's single row (rows read,
                    rows written, rows deleted) as rows=, written=; an
                    INSERT's row count as rows=;
  --kind function   the migrate function's rows (table_name, rows,
                    seconds): the attributes table's as rows= and
                    table_seconds= (the function's own clock around that
                    table's statement), all tables' rows as all_rows=.

--perf FILE: perf record (DWARF call graphs) of the backend while the
statement runs.

Prints one result line: items (the rows of the attributes table), seconds
(the client's wall time of the whole statement or call), items/s (items /
table_seconds for a function, items / seconds for a statement), the CPU
seconds of the backend, of dynalite (--server-pid) and of the machine.
"""

import argparse
import sys

import psycopg

import common


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--dsn', required=True)
    ap.add_argument('--warmup', required=True)
    ap.add_argument('--statement', required=True)
    ap.add_argument('--kind', choices=['statement', 'function'], required=True)
    ap.add_argument('--server-pid', type=int)
    ap.add_argument('--perf', metavar='FILE')
    args = ap.parse_args()

    with psycopg.connect(args.dsn, autocommit=True) as conn:
        conn.add_notice_handler(lambda d: None)
        cur = conn.cursor()
        backend = cur.execute('SELECT pg_backend_pid()').fetchone()[0]
        cur.execute(args.warmup)
        cur.fetchall()
        perf = common.PerfRecord(backend, args.perf)
        perf.start()
        meter = common.CpuMeter(backend=backend, server=args.server_pid)
        meter.start()
        cur.execute(args.statement)
        result = cur.fetchall() if cur.description else None
        rowcount = cur.rowcount
        m = meter.stop()
        perf.stop()

    out = {}
    if args.kind == 'function':
        by_table = {r[0]: r for r in result}
        a = by_table['attributes']
        out = dict(items=a[1], items_per_s=a[1] / max(float(a[2]), 1e-6), table_seconds=float(a[2]),
                   all_rows=sum(r[1] for r in result))
    elif result:
        out = dict(items=result[0][0], items_per_s=result[0][0] / m['seconds'], written=result[0][1])
    else:
        out = dict(items=rowcount, items_per_s=rowcount / m['seconds'])
    print(common.result_line(**out, **m))


if __name__ == '__main__':
    sys.exit(main())
