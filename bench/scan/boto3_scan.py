#!/usr/bin/python3
"""
bench/scan/boto3_scan.py — boto3 scanning a table, items kept as boto3
gives them (Debian's python3-boto3).

--mode client: the low-level client's paginator,
    client.get_paginator('scan').paginate(TableName=...); items are the
    typed dicts botocore parses ({'id': {'S': '...'}, ...}).
    --segments N (N > 1): a parallel scan as boto3's users write it, one
    thread per segment, each paginating with Segment and TotalSegments
    over one shared low-level client (botocore clients are thread-safe)
    whose connection pool holds a connection for every thread.
--mode resource: boto3.resource('dynamodb').Table(...).scan(), paging by
    LastEvaluatedKey by hand; items deserialized to Python values by
    boto3's TypeDeserializer (strings, Decimal), as the resource does.

Each item is touched (counted) and dropped with its page.  Prints one
result line as raw_scan.py does.
"""

import argparse
import sys
import threading
import time

import boto3
import botocore.config

import dynclient


def scan_segment(client, table, segment, total, out):
    """Pages through one segment; out[segment] = (items, pages), or the
    exception."""
    items = pages = 0
    try:
        for page in client.get_paginator('scan').paginate(
                TableName=table, Segment=segment, TotalSegments=total):
            pages += 1
            for item in page['Items']:
                items += 1
    except Exception as e:		# reported by the main thread
        out[segment] = e
        return
    out[segment] = (items, pages)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--endpoint', required=True)
    ap.add_argument('--table', required=True)
    ap.add_argument('--mode', choices=('client', 'resource'), default='client')
    ap.add_argument('--segments', type=int, default=1,
                    help='client mode: a parallel scan, one thread a segment')
    ap.add_argument('--server-pid', type=int)
    args = ap.parse_args()
    if args.segments > 1 and args.mode != 'client':
        ap.error('--segments needs --mode client')

    session = boto3.session.Session(aws_access_key_id=dynclient.ACCESS_KEY,
                                    aws_secret_access_key=dynclient.SECRET_KEY,
                                    region_name=dynclient.REGION)
    config = botocore.config.Config(retries={'max_attempts': 3, 'mode': 'standard'},
                                    read_timeout=600,
                                    max_pool_connections=max(10, args.segments))
    items = pages = 0
    if args.mode == 'client' and args.segments > 1:
        client = session.client('dynamodb', endpoint_url=args.endpoint, config=config)
        client.describe_table(TableName=args.table)
        out = [None] * args.segments
        threads = [threading.Thread(target=scan_segment,
                                    args=(client, args.table, s, args.segments, out))
                   for s in range(args.segments)]
        server_cpu = dynclient.process_cpu(args.server_pid)
        cpu0 = time.process_time()
        t0 = dynclient.now()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for r in out:
            if isinstance(r, Exception) or r is None:
                raise SystemExit('boto3_scan: %r' % (r,))
        items = sum(r[0] for r in out)
        pages = sum(r[1] for r in out)
    elif args.mode == 'client':
        client = session.client('dynamodb', endpoint_url=args.endpoint, config=config)
        client.describe_table(TableName=args.table)		# connection and endpoint set up
        server_cpu = dynclient.process_cpu(args.server_pid)
        cpu0 = time.process_time()
        t0 = dynclient.now()
        for page in client.get_paginator('scan').paginate(TableName=args.table):
            pages += 1
            for item in page['Items']:
                items += 1
    else:
        table = session.resource('dynamodb', endpoint_url=args.endpoint,
                                 config=config).Table(args.table)
        table.load()
        server_cpu = dynclient.process_cpu(args.server_pid)
        cpu0 = time.process_time()
        t0 = dynclient.now()
        kw = {}
        while True:
            page = table.scan(**kw)
            pages += 1
            for item in page['Items']:
                items += 1
            if 'LastEvaluatedKey' not in page:
                break
            kw['ExclusiveStartKey'] = page['LastEvaluatedKey']
    secs = dynclient.now() - t0
    client_cpu = time.process_time() - cpu0
    server_cpu = dynclient.cpu_delta(args.server_pid, server_cpu)
    print(dynclient.result_line(items=items, pages=pages, seconds=secs,
                                items_per_s=items / secs, client_cpu=client_cpu,
                                server_cpu=server_cpu))


if __name__ == '__main__':
    sys.exit(main())
