#!/usr/bin/python3
"""
bench/write/raw_write.py — what the DynamoDB server alone can absorb: the
same items in BatchWriteItem requests of 25, every request body built and
signed before the clock starts, then sent over --connections keep-alive
connections at once (one thread each, taking the next request from a
shared list), so that the client does next to nothing while timed.

The requests are shaped as awstore sends them: compact JSON,
ReturnConsumedCapacity TOTAL.  A reply with UnprocessedItems is sent again
(signed anew) until nothing is left.  dynalite does not check signatures,
and the signatures stay valid for 5 minutes anyway.

1. Read (not timed): the rows are fetched from PostgreSQL with psycopg
   (common.ROWS_QUERY) and made into request bodies; read_seconds.
2. Write (timed): from the start of the threads until every request has
   had its reply.

Prints one result line: items, requests, seconds, items/s, read_seconds,
the CPU seconds of this process and of the DynamoDB server (--server-pid)
during the write, the machine's CPU seconds.
"""

import argparse
import http.client
import json
import os
import sys
import threading
import urllib.parse

import psycopg
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

import common

TARGET = 'DynamoDB_20120810.BatchWriteItem'
AMZ_JSON = 'application/x-amz-json-1.0'


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--dsn', required=True)
    ap.add_argument('--endpoint', required=True)
    ap.add_argument('--table', required=True)
    ap.add_argument('--connections', type=int, default=8)
    ap.add_argument('--batch-size', type=int, default=25)
    ap.add_argument('--server-pid', type=int)
    args = ap.parse_args()

    url = args.endpoint.rstrip('/') + '/'
    u = urllib.parse.urlsplit(url)
    auth = SigV4Auth(Credentials(common.ACCESS_KEY, common.SECRET_KEY), 'dynamodb', common.REGION)

    def body_of(puts):
        return json.dumps({'RequestItems': {args.table: puts}, 'ReturnConsumedCapacity': 'TOTAL'},
                          separators=(',', ':')).encode()

    def signed(body):
        req = AWSRequest(method='POST', url=url, data=body,
                         headers={'Content-Type': AMZ_JSON, 'X-Amz-Target': TARGET})
        auth.add_auth(req)
        return body, dict(req.headers.items())

    # 1. Read and build
    t0 = common.now()
    with psycopg.connect(args.dsn) as conn:
        rows = conn.execute(common.ROWS_QUERY).fetchall()
    puts = [{'PutRequest': {'Item': common.row_wire_item(r)}} for r in rows]
    n = len(puts)
    requests = [signed(body_of(puts[k:k + args.batch_size]))
                for k in range(0, n, args.batch_size)]
    read_secs = common.now() - t0
    del rows, puts

    # 2. Write
    lock = threading.Lock()
    next_req = [0]
    sent = [0]
    errors = []

    def sender():
        c = http.client.HTTPConnection(u.hostname, u.port or 80, timeout=600)
        try:
            while True:
                with lock:
                    k = next_req[0]
                    next_req[0] += 1
                if k >= len(requests):
                    return
                body, headers = requests[k]
                for _ in range(100):
                    c.request('POST', '/', body=body, headers=headers)
                    resp = c.getresponse()
                    data = resp.read()
                    if resp.status != 200:
                        raise RuntimeError('HTTP %d: %s' % (resp.status, data[:300]))
                    left = json.loads(data).get('UnprocessedItems', {}).get(args.table)
                    if not left:
                        break
                    body, headers = signed(body_of(left))
                else:
                    raise RuntimeError('items left unprocessed')
                with lock:
                    sent[0] += 1
        except BaseException as e:
            errors.append(e)
        finally:
            c.close()

    threads = [threading.Thread(target=sender) for _ in range(args.connections)]
    meter = common.CpuMeter(client=os.getpid(), server=args.server_pid)
    meter.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    m = meter.stop()
    if errors:
        raise SystemExit('raw_write.py: %r' % (errors[0],))
    print(common.result_line(items=n, requests=sent[0], seconds=m['seconds'], items_per_s=n / m['seconds'],
                             read_seconds=read_secs, client_cpu=m['client_cpu'], server_cpu=m['server_cpu'],
                             machine_cpu=m['machine_cpu']))


if __name__ == '__main__':
    sys.exit(main())
