#!/usr/bin/python3
"""
bench/replicate/writer.py — ActingWeb changes at a steady rate, with
boto3: puts, updates and deletes on the attributes and properties tables
of a prefix, every item as test/actingweb_dataset.py builds it (its item
builders), every change numbered.

    writer.py --endpoint URL --prefix P [--rate 500] [--seconds 60]
              [--first-change 1] [--threads 32] [--seed 1] --log FILE

Change n is due at start + (n - first) / rate: an open schedule, so a
change that could not go on time goes as soon as a thread is free and the
ones after it keep their times (the log shows how late each went).  The
changes, 70% on attributes and 30% on properties:

  put     a new item, PutItem as PynamoDB's save() of a new model writes
          it: attribute "bench:c<n>" of an existing actor (data a JSON
          document holding "change": n, a timestamp, a live TTL on one in
          five), or property "bench_c<n>" (value the JSON text
          {"change": n, ...});                                 30%
  update  an existing item: an attribute written whole again (PutItem,
          as save()), a property's value set (UpdateItem SET #v = :v, as
          PynamoDB's update());                                50%
  delete  DeleteItem of an existing item.                      20%

The existing items are the ones in DynamoDB when the writer starts (a
Scan of their keys), but the properties with a lookup (email, oauthId:
changing them would need property_lookup changed with them), and those
the writer puts.  A key is changed again only after 8 seconds' worth of
other changes, at least 4000 (gap_of; keys are taken oldest-changed
first, and when the oldest is too recent the change becomes a put), so
that no page of stream records holds two changes of one key (replication
rightly applies only the last) and every change can be found in
PostgreSQL; a deleted key is never written again.

The log (CSV, no header): n, table, kind, id, range key, due, sent, ack,
the times in seconds since the epoch: when the change was due, when its
request went, when DynamoDB's answer came back (time.time(), the clock
PostgreSQL's clock_timestamp() reads).

run() is the same function as a module, with the signature of
test/actingweb_changes.py's run() (on_write(table, key, kind, wall_time)
after each write) and a few more keywords; it returns the changes.  Run
with Debian's /usr/bin/python3 (python3-boto3).
"""

import argparse
import collections
import csv
import datetime
import json
import random
import threading
import time

import botocore.config

import common
import actingweb_dataset as aw
from actingweb_dataset import N, S, dt, item, js

KINDS = (('put', 0.3), ('update', 0.5), ('delete', 0.2))
LOOKUP_NAMES = ('email', 'oauthId')
RANGE_KEY = {'attributes': 'bucket_name', 'properties': 'name'}
WORDS = ['alpha', 'Ünïcode', '日本語', 'emoji 🚀', 'quote " and \\ back', 'tab\tnew\nline', '']


class Change:
    __slots__ = ('n', 'table', 'kind', 'key', 'due', 'sent', 'ack')

    def __init__(self, n, table, kind, key):
        self.n, self.table, self.kind, self.key = n, table, kind, key
        self.due = self.sent = self.ack = None

    def row(self):
        return (self.n, self.table, self.kind, self.key[0], self.key[1],
                '%.6f' % self.due, '%.6f' % self.sent, '%.6f' % self.ack)


def write_log(path, changes):
    """The log of changes, as CSV."""
    with open(path, 'w', newline='') as f:
        w = csv.writer(f)
        for ch in changes:
            w.writerow(ch.row())


def client(endpoint, threads):
    return common.dyn.client(endpoint, common.ACCESS_KEY, common.SECRET_KEY,
                             config=botocore.config.Config(max_pool_connections=threads + 2,
                                                           retries={'mode': 'standard'}))


def scan_keys(c, table, attrs):
    """The keys (tuples of attrs' string values) of every item of table."""
    names = {'#k%d' % i: a for i, a in enumerate(attrs)}
    kw = {'TableName': table, 'ProjectionExpression': ', '.join(names), 'ExpressionAttributeNames': names}
    keys = []
    while True:
        r = c.scan(**kw)
        keys.extend(tuple(it[a]['S'] for a in attrs) for it in r['Items'])
        if 'LastEvaluatedKey' not in r:
            return keys
        kw['ExclusiveStartKey'] = r['LastEvaluatedKey']


class Plan:
    """Which change comes next, decided in the order of the numbers (the
    caller holds the lock): the table, the kind, the key."""

    def __init__(self, c, prefix, seed, first, gap):
        self.rnd = random.Random(seed * 1000003 + first)
        self.gap = gap
        self.actors = sorted(k[0] for k in scan_keys(c, prefix + aw.SUFFIXES['actors'], ('id',)))
        if not self.actors:
            raise SystemExit('writer.py: no actors in %s' % (prefix + aw.SUFFIXES['actors']))
        self.pool = {}
        for table in common.TABLES:
            keys = sorted(k for k in scan_keys(c, prefix + aw.SUFFIXES[table], ('id', RANGE_KEY[table]))
                          if not (table == 'properties' and k[1] in LOOKUP_NAMES))
            self.rnd.shuffle(keys)
            # [key, number of its last change]
            self.pool[table] = collections.deque([k, float('-inf')] for k in keys)

    def next(self, n):
        r = self.rnd.random()
        table = 'attributes' if r < common.TABLES['attributes'] else 'properties'
        r = self.rnd.random()
        kind = 'put' if r < KINDS[0][1] else 'update' if r < KINDS[0][1] + KINDS[1][1] else 'delete'
        q = self.pool[table]
        if kind != 'put':
            if q and q[0][1] <= n - self.gap:
                key, _ = q.popleft()
                if kind == 'update':
                    q.append([key, n])
                return Change(n, table, kind, key)
            kind = 'put'
        actor = self.actors[self.rnd.randrange(len(self.actors))]
        key = (actor, 'bench:c%d' % n if table == 'attributes' else 'bench_c%d' % n)
        q.append([key, n])
        return Change(n, table, kind, key)


def attribute_item(n, key, when):
    """An attributes item as the dataset (and PynamoDB) writes it."""
    bucket, name = key[1].split(':', 1)
    value = {'change': n, 'chain_id': 'c%d' % (n % 10), 'text': WORDS[n % len(WORDS)], 'n': n * 7919 % 1000003}
    return item(id=S(key[0]), bucket_name=S(key[1]), bucket=S(bucket), name=S(name), data=js(value),
                timestamp=dt(when), ttl_timestamp=N(aw.LIVE_TTL + n) if n % 5 == 2 else None)


def property_value(n):
    return json.dumps({'change': n, 'text': WORDS[n % len(WORDS)]})


def send(c, prefix, ch):
    """The request of one change."""
    table = prefix + aw.SUFFIXES[ch.table]
    key = {'id': S(ch.key[0]), RANGE_KEY[ch.table]: S(ch.key[1])}
    if ch.kind == 'delete':
        c.delete_item(TableName=table, Key=key)
    elif ch.table == 'attributes':
        c.put_item(TableName=table, Item=attribute_item(ch.n, ch.key, datetime.datetime.now(datetime.timezone.utc)))
    elif ch.kind == 'put':
        c.put_item(TableName=table, Item=item(id=key['id'], name=key['name'], value=S(property_value(ch.n))))
    else:
        c.update_item(TableName=table, Key=key, UpdateExpression='SET #v = :v',
                      ExpressionAttributeNames={'#v': 'value'},
                      ExpressionAttributeValues={':v': S(property_value(ch.n))})


def gap_of(rate):
    """The changes between two of one key: 8 seconds' worth, at least
    4000, so that two changes of a key are never in one page of 1000
    records of one table's stream."""
    return max(4000, int(rate * 8))


def run(endpoint, prefix, changes=None, rate=None, seconds=None, seed=1, on_write=None,
        first_change=1, threads=32, plan=None):
    """Write changes (or rate × seconds of them) at rate a second from
    now; returns them, each with its due, sent and ack times.  plan: a
    Plan made beforehand (its Scan of the keys takes a moment), else one
    is made first.  A write that fails ends the run with its exception
    once the threads stop."""
    rate = rate or 500
    total = changes if changes is not None else int(round(rate * (seconds or 60)))
    c = client(endpoint, threads)
    plan = plan or Plan(c, prefix, seed, first_change, gap_of(rate))
    done = []
    lock = threading.Lock()
    state = {'next': first_change, 'error': None}
    end = first_change + total
    start = time.time() + 0.2

    def work():
        while True:
            with lock:
                n = state['next']
                if n >= end or state['error']:
                    return
                state['next'] += 1
                ch = plan.next(n)
            ch.due = start + (n - first_change) / rate
            delay = ch.due - time.time()
            if delay > 0:
                time.sleep(delay)
            ch.sent = time.time()
            try:
                send(c, prefix, ch)
            except Exception as e:		# noqa: BLE001 — reported by the caller
                state['error'] = e
                return
            ch.ack = time.time()
            with lock:
                done.append(ch)
            if on_write:
                on_write(ch.table, ch.key, ch.kind, ch.ack)

    workers = [threading.Thread(target=work, daemon=True) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    if state['error']:
        raise state['error']
    done.sort(key=lambda x: x.n)
    return done


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--endpoint', required=True)
    ap.add_argument('--prefix', required=True)
    ap.add_argument('--rate', type=float, default=500)
    ap.add_argument('--seconds', type=float, default=60)
    ap.add_argument('--first-change', type=int, default=1)
    ap.add_argument('--threads', type=int, default=32)
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--log', required=True)
    a = ap.parse_args()
    done = run(a.endpoint, a.prefix, rate=a.rate, seconds=a.seconds, seed=a.seed,
               first_change=a.first_change, threads=a.threads)
    write_log(a.log, done)
    span = done[-1].ack - done[0].due
    print(common.result_line(changes=len(done), rate=len(done) / span if span > 0 else None))


if __name__ == '__main__':
    main()
