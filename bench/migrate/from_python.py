#!/usr/bin/python3
"""
bench/migrate/from_python.py — the baselines of the DynamoDB → PostgreSQL
direction: the attributes table scanned with boto3 and written into
PostgreSQL with psycopg.

--mode insert   (a) ActingWeb's own export script's pattern
                (scripts/migrate_dynamodb_to_postgresql.py in actingweb):
                one cursor.execute("INSERT INTO attributes (...) VALUES
                (%s, ...)") a row, autocommit off, one commit at the end
                (the script commits once a table).  psycopg prepares the
                statement after its fifth execution, as it does by default.
--mode copy     (b) COPY attributes (...) FROM STDIN, rows streamed with
                psycopg's Copy.write_row() as the pages arrive, one
                transaction.
--mode copy_text  (b) the same COPY, each page formatted by hand into
                COPY's text format (str.translate for the escapes) and
                sent with one Copy.write() a page.
--prefetch      the scan runs in its own thread, a page ahead, so that
                dynalite prepares the next page while this process converts
                and sends the last one (Python threads: the GIL is released
                while waiting for the socket).

Every mode reads with boto3's client paginator (the fastest boto3 scan: no
TypeDeserializer) and converts each item as the migration does (common.
item_row): the JSON text and the timestamp string go to PostgreSQL as they
are, and its input functions make them jsonb and timestamp (as the
migration's casts do); ttl_timestamp's N becomes an int.

Timed: from the first Scan request to the end of COMMIT.  Not timed:
making the boto3 client, connecting to PostgreSQL, and a warm-up (one
Scan of one item, which opens the HTTP connection, and one SELECT).

Prints one result line: items, seconds, items/s, the CPU seconds of this
process, of the backend and of dynalite (--server-pid), and of the whole
machine, and the number of Scan pages.
"""

import argparse
import queue
import sys
import threading

import psycopg

import common

INSERT = 'INSERT INTO %s (' + common.COLUMN_LIST + ') VALUES (%%s, %%s, %%s, %%s, %%s, %%s, %%s)'
COPY = 'COPY %s (' + common.COLUMN_LIST + ') FROM STDIN'
ESCAPES = str.maketrans({'\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r'})


def pages(client, table):
    for page in client.get_paginator('scan').paginate(TableName=table):
        yield page['Items']


def prefetched(gen):
    """The pages of gen, fetched a page ahead in a thread."""
    q = queue.Queue(maxsize=2)
    done = object()

    def work():
        try:
            for p in gen:
                q.put(p)
            q.put(done)
        except BaseException as e:		# handed to the consumer
            q.put(e)

    threading.Thread(target=work, daemon=True).start()
    while True:
        p = q.get()
        if p is done:
            return
        if isinstance(p, BaseException):
            raise p
        yield p


def text_field(v):
    if v is None:
        return '\\N'
    if isinstance(v, int):
        return str(v)
    return v.translate(ESCAPES)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--dsn', required=True)
    ap.add_argument('--endpoint', required=True)
    ap.add_argument('--dynamodb-table', required=True)
    ap.add_argument('--table', default='public.attributes', help='the PostgreSQL table')
    ap.add_argument('--mode', choices=['insert', 'copy', 'copy_text'], required=True)
    ap.add_argument('--prefetch', action='store_true')
    ap.add_argument('--server-pid', type=int)
    args = ap.parse_args()

    client = common.dyn.client(args.endpoint, common.ACCESS_KEY, common.SECRET_KEY)
    client.scan(TableName=args.dynamodb_table, Limit=1)
    conn = psycopg.connect(args.dsn)		# autocommit off
    cur = conn.cursor()
    cur.execute('SELECT pg_backend_pid()')
    backend = cur.fetchone()[0]
    conn.commit()

    meter = common.CpuMeter(client=common.os.getpid(), backend=backend, server=args.server_pid)
    n = n_pages = 0
    src = pages(client, args.dynamodb_table)
    if args.prefetch:
        src = prefetched(src)
    meter.start()
    if args.mode == 'insert':
        stmt = INSERT % args.table
        for items in src:
            n_pages += 1
            for it in items:
                cur.execute(stmt, common.item_row(it))
                n += 1
    elif args.mode == 'copy':
        with cur.copy(COPY % args.table) as cp:
            for items in src:
                n_pages += 1
                for it in items:
                    cp.write_row(common.item_row(it))
                n += len(items)
    else:
        with cur.copy(COPY % args.table) as cp:
            for items in src:
                n_pages += 1
                cp.write(''.join(['\t'.join([text_field(v) for v in common.item_row(it)]) + '\n'
                                  for it in items]))
                n += len(items)
    conn.commit()
    m = meter.stop()
    conn.close()
    print(common.result_line(items=n, items_per_s=n / m['seconds'], pages=n_pages, **m))


if __name__ == '__main__':
    sys.exit(main())
