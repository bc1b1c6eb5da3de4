#!/usr/bin/python3
"""
bench/write/write_boto3.py — the baseline: write the rows of the local
table to DynamoDB with boto3's Table.batch_writer(), on --threads threads.

1. Read (timed apart, reported as read_seconds, not in items/s): the rows
   are fetched from PostgreSQL with psycopg (common.ROWS_QUERY, the same
   view awstore writes from) and made into boto3 items (a dict per row,
   NULL left out), all in memory, then split into --threads contiguous
   parts.
2. Set-up (not timed): each thread makes its own boto3 Session and
   resource and its Table, and calls Table.load() (DescribeTable), which
   also opens its HTTP connection.  The threads then wait at a barrier.
3. Write (timed): from the barrier until every thread has left its
   `with table.batch_writer() as writer:` block, which sends the last
   partial batch and resends UnprocessedItems until none are left.
   batch_writer is used as its documentation shows: put_item per item,
   25 items a BatchWriteItem request, one request at a time per thread.

Prints one result line: items, seconds, items/s, read_seconds, the CPU
seconds of this process (all threads) and of the DynamoDB server
(--server-pid) during the write, the CPU seconds of the whole machine.
"""

import argparse
import os
import sys
import threading

import psycopg

import common


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--dsn', required=True)
    ap.add_argument('--endpoint', required=True)
    ap.add_argument('--table', required=True)
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--server-pid', type=int)
    args = ap.parse_args()

    # 1. Read
    t0 = common.now()
    with psycopg.connect(args.dsn) as conn:
        items = [common.row_item(r) for r in conn.execute(common.ROWS_QUERY)]
    read_secs = common.now() - t0
    n = len(items)
    parts = [items[k * n // args.threads:(k + 1) * n // args.threads] for k in range(args.threads)]
    del items

    # 2. Set-up, 3. write
    ready = threading.Barrier(args.threads + 1)
    errors = []

    def writer(part):
        try:
            session = common.dyn.session(common.ACCESS_KEY, common.SECRET_KEY)
            table = session.resource('dynamodb', endpoint_url=args.endpoint).Table(args.table)
            table.load()
        except BaseException as e:
            errors.append(e)
            ready.abort()
            return
        try:
            ready.wait()
        except threading.BrokenBarrierError:
            return
        try:
            with table.batch_writer() as w:
                for it in part:
                    w.put_item(Item=it)
        except BaseException as e:
            errors.append(e)

    threads = [threading.Thread(target=writer, args=(p,)) for p in parts]
    for t in threads:
        t.start()
    try:
        ready.wait()
    except threading.BrokenBarrierError:
        pass
    meter = common.CpuMeter(client=os.getpid(), server=args.server_pid)
    meter.start()
    for t in threads:
        t.join()
    m = meter.stop()
    if errors:
        raise SystemExit('write_boto3.py: %r' % (errors[0],))
    print(common.result_line(items=n, seconds=m['seconds'], items_per_s=n / m['seconds'], read_seconds=read_secs,
                             client_cpu=m['client_cpu'], server_cpu=m['server_cpu'], machine_cpu=m['machine_cpu']))


if __name__ == '__main__':
    sys.exit(main())
