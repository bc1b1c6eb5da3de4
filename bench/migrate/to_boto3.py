#!/usr/bin/python3
"""
bench/migrate/to_boto3.py — the baseline of the PostgreSQL → DynamoDB
direction: the attributes rows read with psycopg and written with boto3's
Table.batch_writer() on --threads threads, each item as PynamoDB's
AttributeModel writes it (common.row_item: data as json.dumps() of the
value, timestamp in PynamoDB's UTC format, ttl_timestamp a number, NULL
columns left out).

The rows come from a server-side cursor (2,000 rows a fetch) while the
items are written:
  --threads 1   one loop: fetch, convert, batch_writer.put_item();
  --threads N   the main thread fetches and converts, and hands chunks of
                500 items through a queue to N writer threads, each with
                its own boto3 session, resource, Table and batch_writer
                (25 items a BatchWriteItem, one request at a time each;
                UnprocessedItems resent by batch_writer).

Timed: from the query to the end of the last batch_writer (everything a
migration does).  Not timed: connecting, making the sessions and Tables
and Table.load() (DescribeTable, which also opens each thread's HTTP
connection).

Prints one result line: items, seconds, items/s, read_seconds (the main
thread's time in fetching and converting rows), the CPU seconds of this
process (all threads), of the backend, of dynalite (--server-pid) and of
the whole machine.
"""

import argparse
import queue
import sys
import threading

import psycopg

import common

QUERY = 'SELECT ' + common.COLUMN_LIST + ' FROM %s'
CHUNK = 500


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--dsn', required=True)
    ap.add_argument('--endpoint', required=True)
    ap.add_argument('--dynamodb-table', required=True)
    ap.add_argument('--table', default='public.attributes', help='the PostgreSQL table')
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--server-pid', type=int)
    args = ap.parse_args()

    def make_table():
        t = common.dyn.session(common.ACCESS_KEY, common.SECRET_KEY).resource('dynamodb', endpoint_url=args.endpoint).Table(args.dynamodb_table)
        t.load()
        return t

    conn = psycopg.connect(args.dsn)
    backend = conn.execute('SELECT pg_backend_pid()').fetchone()[0]
    conn.commit()
    tables = [make_table() for _ in range(args.threads)]
    errors = []
    n = 0
    read_secs = 0.0
    meter = common.CpuMeter(client=common.os.getpid(), backend=backend, server=args.server_pid)

    meter.start()
    cur = conn.cursor(name='rows')
    cur.itersize = 2000
    cur.execute(QUERY % args.table)
    if args.threads == 1:
        with tables[0].batch_writer() as w:
            for row in cur:
                w.put_item(Item=common.row_item(row))
                n += 1
    else:
        q = queue.Queue(maxsize=4 * args.threads)

        def writer(table):
            try:
                with table.batch_writer() as w:
                    while True:
                        chunk = q.get()
                        if chunk is None:
                            return
                        for it in chunk:
                            w.put_item(Item=it)
            except BaseException as e:
                errors.append(e)
                while q.get() is not None:		# let the reader finish
                    pass

        threads = [threading.Thread(target=writer, args=(t,)) for t in tables]
        for t in threads:
            t.start()
        while True:
            r0 = common.now()
            rows = cur.fetchmany(CHUNK)
            chunk = [common.row_item(r) for r in rows]
            read_secs += common.now() - r0
            if not chunk:
                break
            n += len(chunk)
            q.put(chunk)
        for _ in threads:
            q.put(None)
        for t in threads:
            t.join()
    cur.close()
    conn.commit()
    m = meter.stop()
    conn.close()
    if errors:
        raise SystemExit('to_boto3.py: %r' % (errors[0],))
    print(common.result_line(items=n, items_per_s=n / m['seconds'], read_seconds=read_secs, **m))


if __name__ == '__main__':
    sys.exit(main())
