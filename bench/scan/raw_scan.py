#!/usr/bin/python3
"""
bench/scan/raw_scan.py — what the server alone can deliver: page through a
DynamoDB table with signed Scan requests and throw the bodies away.

One keep-alive connection per segment (one thread each; --segments 1 is a
plain sequential scan).  A response body is read whole and not parsed:
only LastEvaluatedKey (to ask for the next page) and Count are picked out
of it, by finding "LastEvaluatedKey": before the Items array (where
dynalite puts it) or in the last 4 KB of the body (where DynamoDB puts it)
and decoding just that object.  Neither pattern can occur inside a JSON
string (its quotes are escaped); an item attribute named LastEvaluatedKey
or Count would fool it, and these items have none.

--shape awstore sends what awstore sends for SELECT of all columns: a
ProjectionExpression over ExpressionAttributeNames, and
ReturnConsumedCapacity TOTAL; --count sends Select=COUNT (what awstore
sends for count(*)).  The default is a bare Scan, as boto3's paginator
sends it.

Prints one result line: items, pages, bytes, seconds, items/s, the CPU
seconds of this client and of the server process (--server-pid).
"""

import argparse
import json
import re
import sys
import threading

import dynclient

ATTRS = ('id', 'bucket_name', 'bucket', 'name', 'data', 'timestamp', 'ttl_timestamp')
LEK = b'"LastEvaluatedKey":'
ITEMS = b'"Items":['
COUNT_RE = re.compile(rb'"Count":(\d+)')
DECODER = json.JSONDecoder()


def page_meta(body):
    """(Count, LastEvaluatedKey as a dict or None) of a Scan reply body,
    without parsing the items."""
    items_at = body.find(ITEMS)
    head = body if items_at < 0 else body[:items_at]
    tail_at = max(len(body) - 4096, 0 if items_at < 0 else items_at)
    tail = body[tail_at:]
    count = None
    for part in (head, tail):
        m = COUNT_RE.search(part)
        if m:
            count = int(m.group(1))
            break
    key = None
    for part in (head, tail):
        at = part.find(LEK)
        if at >= 0:
            text = part[at + len(LEK):at + len(LEK) + 8192].decode('utf-8')
            key = DECODER.raw_decode(text)[0]
            break
    if count is None:
        raise dynclient.DynamoError('no Count in the Scan reply')
    return count, key


def scan_segment(endpoint, base, segment, total, out):
    conn = dynclient.Connection(endpoint)
    req = dict(base)
    if total > 1:
        req['Segment'] = segment
        req['TotalSegments'] = total
    items = pages = 0
    try:
        while True:
            body = conn.call_raw('Scan', json.dumps(req, separators=(',', ':')).encode())
            count, key = page_meta(body)
            items += count
            pages += 1
            if key is None:
                break
            req['ExclusiveStartKey'] = key
    except Exception as e:		# reported by the main thread
        out[segment] = e
        return
    finally:
        conn.close()
    out[segment] = (items, pages, conn.bytes)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--endpoint', required=True)
    ap.add_argument('--table', required=True)
    ap.add_argument('--segments', type=int, default=1)
    ap.add_argument('--shape', choices=('bare', 'awstore'), default='bare')
    ap.add_argument('--count', action='store_true')
    ap.add_argument('--server-pid', type=int)
    args = ap.parse_args()

    base = {'TableName': args.table}
    if args.count:
        base['Select'] = 'COUNT'
    if args.shape == 'awstore':
        if not args.count:
            base['ProjectionExpression'] = ', '.join('#n%d' % i for i in range(len(ATTRS)))
            base['ExpressionAttributeNames'] = {'#n%d' % i: a for i, a in enumerate(ATTRS)}
        base['ReturnConsumedCapacity'] = 'TOTAL'

    out = [None] * args.segments
    threads = [threading.Thread(target=scan_segment,
                                args=(args.endpoint, base, s, args.segments, out))
               for s in range(args.segments)]
    server_cpu = dynclient.process_cpu(args.server_pid)
    import time
    cpu0 = time.process_time()
    t0 = dynclient.now()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    secs = dynclient.now() - t0
    client_cpu = time.process_time() - cpu0
    server_cpu = dynclient.cpu_delta(args.server_pid, server_cpu)
    for r in out:
        if isinstance(r, Exception) or r is None:
            raise SystemExit('raw_scan: %r' % (r,))
    items = sum(r[0] for r in out)
    pages = sum(r[1] for r in out)
    nbytes = sum(r[2] for r in out)
    print(dynclient.result_line(items=items, pages=pages, bytes=nbytes, seconds=secs,
                                items_per_s=items / secs, client_cpu=client_cpu,
                                server_cpu=server_cpu))


if __name__ == '__main__':
    sys.exit(main())
