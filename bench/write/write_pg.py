#!/usr/bin/python3
"""
bench/write/write_pg.py — time one write statement through awstore
(INSERT … SELECT or COPY … FROM into a foreign table), and sample the
backend's memory while it runs.

Opens a fresh session and warms it up with SELECT count(*) on the foreign
table (a Scan with Select=COUNT of the empty, fresh DynamoDB table): the
extension, json-c, libcurl, the catalog caches, DescribeTable and the HTTP
connection are all set up before the clock starts, as boto3's session,
resource and connection are on the other side.  Then the statement runs
once, timed on the client; it returns when every item is written (awstore
waits for its requests in flight at the end of the statement).

Memory: before the statement, the backend's VmRSS and RssAnon at rest are
read from /proc/<pid>/status and its peak (VmHWM) is reset (5 written to
/proc/<pid>/clear_refs; needs root or the backend's user); during the
statement a thread reads the status file every --interval seconds.

--perf FILE: perf record of the backend during the statement.

Prints one result line: items (the statement's row count), seconds,
items/s, the CPU seconds of the backend and of the DynamoDB server
(--server-pid), the CPU seconds of the whole machine, and the memory figures in kB.
"""

import argparse
import signal
import subprocess
import sys
import time

import psycopg

import common


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--dsn', required=True)
    ap.add_argument('--table', required=True, help='the foreign table, for the warm-up')
    ap.add_argument('--statement', required=True)
    ap.add_argument('--server-pid', type=int)
    ap.add_argument('--interval', type=float, default=0.05)
    ap.add_argument('--perf', metavar='FILE',
                    help='record a perf profile (call graphs) of the backend during the statement')
    args = ap.parse_args()

    with psycopg.connect(args.dsn, autocommit=True) as conn:
        cur = conn.cursor()
        cur.execute('SELECT pg_backend_pid()')
        pid = cur.fetchone()[0]
        cur.execute('SELECT count(*) FROM %s' % args.table)
        warm = cur.fetchone()[0]
        if warm != 0:
            raise SystemExit('write_pg.py: %s is not empty (%d items)' % (args.table, warm))
        idle = common.status(pid)
        hwm_reset = common.reset_hwm(pid)
        sampler = common.Sampler(pid, args.interval)
        sampler.start()
        perf = None
        if args.perf:
            perf = subprocess.Popen(['perf', 'record', '-q', '-F', '999', '-g',
                                     '-p', str(pid), '-o', args.perf],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(1)		# perf attached
        backend_cpu = common.process_cpu(pid)
        server_cpu = common.process_cpu(args.server_pid)
        machine = common.machine_busy()
        t0 = common.now()
        cur.execute(args.statement)
        secs = common.now() - t0
        machine_cpu = common.machine_busy() - machine
        backend_cpu = common.cpu_delta(pid, backend_cpu)
        server_cpu = common.cpu_delta(args.server_pid, server_cpu)
        items = cur.rowcount
        if perf:
            perf.send_signal(signal.SIGINT)
            perf.wait()
        after = common.status(pid)
        sampler.stop.set()
        sampler.join()
    peak_rss = max(sampler.peak_rss, after['VmRSS'])
    peak_anon = max(sampler.peak_anon, after['RssAnon'])
    print(common.result_line(
        items=items, seconds=secs, items_per_s=items / secs,
        client_cpu=backend_cpu, server_cpu=server_cpu, machine_cpu=machine_cpu,
        idle_rss=idle['VmRSS'], idle_anon=idle['RssAnon'],
        peak_rss=peak_rss, peak_anon=peak_anon,
        hwm=after['VmHWM'] if hwm_reset else None,
        grow_rss=peak_rss - idle['VmRSS'], grow_anon=peak_anon - idle['RssAnon'],
        samples=sampler.samples))


if __name__ == '__main__':
    sys.exit(main())
