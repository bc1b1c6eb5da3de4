#!/usr/bin/python3
"""
bench/scan/load.py — create a DynamoDB table of ActingWeb attributes and
fill it, fast: several processes, each with its own keep-alive connection,
sending signed BatchWriteItem requests of 25 items (UnprocessedItems sent
again).

The items are shaped as PynamoDB stores ActingWeb's attributes: hash key
id (S, 32 hex digits), range key bucket_name (S, "bucket:name"), bucket
(S), name (S), data (S holding JSON text: an OAuth-token-like document),
timestamp (S, "2025-03-14T15:09:26.535897+0000"), ttl_timestamp (N,
epoch).  Twenty attributes per actor, five buckets.  The access token's
length is chosen so that an item's DynamoDB JSON (compact, as DynamoDB
and dynalite send it) is ITEM_BYTES long on average (+-40 bytes).  The
data is generated from a seed: the same arguments give the same items.

Prints one result line: items, seconds, items/s, the average item size,
and check sums (count(timestamp), sum(ttl_timestamp), the total length of
the four text key columns) that bench/scan/run compares with what
awstore reads.

  /usr/bin/python3 load.py --endpoint http://127.0.0.1:8000 --table t \
      --items 100000 [--workers 4] [--item-bytes 580] [--seed 1]
"""

import argparse
import concurrent.futures
import datetime
import json
import random
import string
import sys
import time

import dynclient

ATTRS_PER_ACTOR = 20
BUCKETS = ('oauth_tokens', 'trust_permissions', 'mcp_clients', 'sessions', '_internal')
B64URL = string.ascii_letters + string.digits + '-_'
BASE_TIME = datetime.datetime(2025, 3, 14, 15, 9, 26, 535897, tzinfo=datetime.timezone.utc)
BASE_EPOCH = 1767225600			# 2026-01-01


def dumps(obj):
    return json.dumps(obj, separators=(',', ':'))


def actor_items(actor, seed, item_bytes):
    """The ATTRS_PER_ACTOR items of one actor, as DynamoDB typed dicts."""
    rng = random.Random(seed * 1000003 + actor)
    actor_id = '%032x' % rng.getrandbits(128)
    items = []
    for k in range(ATTRS_PER_ACTOR):
        bucket = BUCKETS[k % len(BUCKETS)]
        name = 'token_%08x_%02d' % (rng.getrandbits(32), k)
        ts = BASE_TIME + datetime.timedelta(seconds=rng.randrange(0, 86400 * 300),
                                            microseconds=rng.randrange(0, 1000000))
        ttl = BASE_EPOCH + rng.randrange(3600, 86400 * 30)
        doc = {
            'access_token': '',
            'refresh_token': '1//0' + ''.join(rng.choices(B64URL, k=40)),
            'token_type': 'Bearer',
            'expires_in': 3599,
            'expires_at': ttl,
            'scope': 'openid email profile',
            'chain_id': '%016x' % rng.getrandbits(64),
        }
        item = {
            'id': {'S': actor_id},
            'bucket_name': {'S': bucket + ':' + name},
            'bucket': {'S': bucket},
            'name': {'S': name},
            'data': {'S': dumps(doc)},
            'timestamp': {'S': ts.strftime('%Y-%m-%dT%H:%M:%S.%f+0000')},
            'ttl_timestamp': {'N': str(ttl)},
        }
        # the token's characters need no escaping: each adds one byte
        pad = item_bytes + rng.randrange(-40, 41) - len(dumps(item))
        doc['access_token'] = 'ya29.a0' + ''.join(rng.choices(B64URL, k=max(pad - 7, 8)))
        item['data']['S'] = dumps(doc)
        items.append(item)
    return items


def load_actors(endpoint, table, first, last, seed, item_bytes):
    """Writes actors [first, last); returns (items, bytes, checks)."""
    conn = dynclient.Connection(endpoint)
    n = 0
    nbytes = 0
    sum_ttl = 0
    sum_text = 0
    batch = []

    def flush(batch):
        req = {'RequestItems': {table: [{'PutRequest': {'Item': it}} for it in batch]}}
        for attempt in range(100):
            out = conn.call('BatchWriteItem', req)
            left = out.get('UnprocessedItems', {}).get(table)
            if not left:
                return
            req = {'RequestItems': {table: left}}
            time.sleep(min(0.05 * 2 ** attempt, 2))
        raise dynclient.DynamoError('items left unprocessed')

    for actor in range(first, last):
        for it in actor_items(actor, seed, item_bytes):
            n += 1
            nbytes += len(dumps(it))
            sum_ttl += int(it['ttl_timestamp']['N'])
            sum_text += sum(len(it[a]['S']) for a in ('id', 'bucket_name', 'bucket', 'name'))
            batch.append(it)
            if len(batch) == 25:
                flush(batch)
                batch = []
    if batch:
        flush(batch)
    conn.close()
    return n, nbytes, sum_ttl, sum_text


def create_table(endpoint, table):
    conn = dynclient.Connection(endpoint)
    try:
        conn.call('DeleteTable', {'TableName': table})
        while True:
            conn.call('DescribeTable', {'TableName': table})
            time.sleep(0.05)
    except dynclient.DynamoError as e:
        if 'ResourceNotFoundException' not in str(e):
            raise
    conn.call('CreateTable', {
        'TableName': table,
        'AttributeDefinitions': [{'AttributeName': 'id', 'AttributeType': 'S'},
                                 {'AttributeName': 'bucket_name', 'AttributeType': 'S'}],
        'KeySchema': [{'AttributeName': 'id', 'KeyType': 'HASH'},
                      {'AttributeName': 'bucket_name', 'KeyType': 'RANGE'}],
        'ProvisionedThroughput': {'ReadCapacityUnits': 1000, 'WriteCapacityUnits': 1000},
    })
    for _ in range(600):
        if conn.call('DescribeTable', {'TableName': table})['Table']['TableStatus'] == 'ACTIVE':
            break
        time.sleep(0.05)
    conn.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--endpoint', required=True)
    ap.add_argument('--table', required=True)
    ap.add_argument('--items', type=int, required=True)
    ap.add_argument('--workers', type=int, default=4)
    ap.add_argument('--item-bytes', type=int, default=580)
    ap.add_argument('--seed', type=int, default=1)
    args = ap.parse_args()

    actors = -(-args.items // ATTRS_PER_ACTOR)
    create_table(args.endpoint, args.table)
    chunk = 250
    t0 = time.perf_counter()
    totals = [0, 0, 0, 0]
    with concurrent.futures.ProcessPoolExecutor(max_workers=args.workers) as pool:
        futs = [pool.submit(load_actors, args.endpoint, args.table, a, min(a + chunk, actors),
                            args.seed, args.item_bytes)
                for a in range(0, actors, chunk)]
        for f in concurrent.futures.as_completed(futs):
            for i, v in enumerate(f.result()):
                totals[i] += v
    secs = time.perf_counter() - t0
    n, nbytes, sum_ttl, sum_text = totals
    print(dynclient.result_line(items=n, seconds=secs, items_per_s=n / secs,
                                item_bytes=nbytes / n, sum_ttl=sum_ttl, sum_text=sum_text))


if __name__ == '__main__':
    sys.exit(main())
