#!/usr/bin/python3
"""
bench/scan/pg_scan.py — time one query through awstore, and optionally
sample the backend's memory while it runs.

Opens a fresh session, warms it up (SELECT ... LIMIT 1 on the foreign
table: the extension, json-c, libcurl, the catalog caches and the HTTP
connection are all set up), then runs the query once and times it on the
client (the result is a single row, so the time is the server's).  The
first column of the query's result must be the number of rows scanned.

--memory: before the query, the backend's VmRSS and RssAnon at rest are
read from /proc/<pid>/status and its peak RSS (VmHWM) is reset (writing 5
to /proc/<pid>/clear_refs; needs root or the backend's user); during the
query a thread reads the status file every --interval seconds.  Reports
the idle figures, the peak sampled ones and VmHWM at the end (the exact
peak since the reset, when the reset worked).

--perf FILE: perf record of the backend during the query (for the report
of where its CPU goes).

Prints one result line: items, seconds, items/s, the CPU seconds of the
backend and of the server (--server-pid), the result row, and with
--memory the memory figures in kB.
"""

import argparse
import sys

import psycopg

import dynclient


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--dsn', required=True)
    ap.add_argument('--table', required=True, help='the foreign table, for the warm-up')
    ap.add_argument('--query', required=True)
    ap.add_argument('--server-pid', type=int)
    ap.add_argument('--memory', action='store_true')
    ap.add_argument('--interval', type=float, default=0.05)
    ap.add_argument('--perf', metavar='FILE',
                    help='record a perf profile (DWARF call graphs) of the backend during the query')
    args = ap.parse_args()

    with psycopg.connect(args.dsn, autocommit=True) as conn:
        cur = conn.cursor()
        cur.execute('SELECT pg_backend_pid()')
        pid = cur.fetchone()[0]
        fresh = dynclient.status(pid)
        cur.execute('SELECT * FROM %s LIMIT 1' % args.table)
        cur.fetchall()
        idle = dynclient.status(pid)
        hwm_reset = False
        sampler = None
        if args.memory:
            hwm_reset = dynclient.reset_hwm(pid)
            sampler = dynclient.Sampler(pid, args.interval)
            sampler.start()
        perf = dynclient.PerfRecord(pid, args.perf)
        perf.start()
        backend_cpu = dynclient.process_cpu(pid)
        server_cpu = dynclient.process_cpu(args.server_pid)
        t0 = dynclient.now()
        cur.execute(args.query)
        row = cur.fetchone()
        secs = dynclient.now() - t0
        perf.stop()
        backend_cpu = dynclient.cpu_delta(pid, backend_cpu)
        server_cpu = dynclient.cpu_delta(args.server_pid, server_cpu)
        after = dynclient.status(pid)
        if sampler:
            sampler.stop.set()
            sampler.join()
    items = int(row[0])
    fields = dict(items=items, seconds=secs, items_per_s=items / secs,
                  backend_cpu=backend_cpu, server_cpu=server_cpu,
                  result='|'.join(str(v) for v in row))
    if args.memory:
        fields.update(fresh_rss=fresh['VmRSS'], idle_rss=idle['VmRSS'],
                      idle_anon=idle['RssAnon'],
                      peak_rss=max(sampler.peak_rss, after['VmRSS']),
                      peak_anon=max(sampler.peak_anon, after['RssAnon']),
                      hwm=after['VmHWM'] if hwm_reset else None,
                      grow=max(sampler.peak_rss, after['VmRSS']) - idle['VmRSS'],
                      grow_anon=max(sampler.peak_anon, after['RssAnon']) - idle['RssAnon'],
                      end_rss=after['VmRSS'], samples=sampler.samples)
    print(dynclient.result_line(**fields))


if __name__ == '__main__':
    sys.exit(main())
