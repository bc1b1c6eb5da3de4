#!/usr/bin/python3
"""
bench/migrate/compare.py — what the migration benchmark reads back from
DynamoDB, with boto3's client (never timed):

  stats TABLE          items, and their size as DynamoDB JSON (json.dumps
                       of the item, ensure_ascii=False): average, largest,
                       total; and how many have data, timestamp, ttl_timestamp
  compare A B          every item of A and of B, by key: prints
                       "items_a= items_b= missing= identical= same_values=
                       different=", where same_values counts items whose
                       attributes differ only in data's JSON text, which
                       parses (json.loads) to equal values; with --show N,
                       up to N examples of each kind of difference go to
                       stderr

Counting and dropping the tables is test/dyn.py's.
"""

import argparse
import json
import sys

import common


def items(c, table):
    return {(it['id']['S'], it['bucket_name']['S']): it for it in common.dyn.scan_all(c, table)}


def stats(c, table):
    n = total = largest = n_data = n_ts = n_ttl = 0
    for it in common.dyn.scan_all(c, table):
        size = len(json.dumps(it, ensure_ascii=False).encode())
        n += 1
        total += size
        largest = max(largest, size)
        n_data += 'data' in it
        n_ts += 'timestamp' in it
        n_ttl += 'ttl_timestamp' in it
    print(common.result_line(items=n, avg_bytes=total / max(n, 1), max_bytes=largest, total_bytes=total,
                             with_data=n_data, with_timestamp=n_ts, with_ttl=n_ttl))


def compare(c, a, b, show):
    ia, ib = items(c, a), items(c, b)
    missing = identical = same_values = different = 0
    shown = {'same_values': 0, 'different': 0}
    for k in ia.keys() | ib.keys():
        x, y = ia.get(k), ib.get(k)
        if x is None or y is None:
            missing += 1
            continue
        if x == y:
            identical += 1
            continue
        kind = 'different'
        if x.keys() == y.keys() and all(x[f] == y[f] for f in x if f != 'data'):
            try:
                if json.loads(x['data']['S']) == json.loads(y['data']['S']):
                    kind = 'same_values'
            except (KeyError, ValueError):
                pass
        if kind == 'same_values':
            same_values += 1
        else:
            different += 1
        if shown[kind] < show:
            shown[kind] += 1
            print('%s %s:\n  %s: %s\n  %s: %s' % (kind, k, a, json.dumps(x, ensure_ascii=False)[:600],
                                                 b, json.dumps(y, ensure_ascii=False)[:600]), file=sys.stderr)
    print(common.result_line(items_a=len(ia), items_b=len(ib), missing=missing, identical=identical,
                             same_values=same_values, different=different))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--endpoint', required=True)
    ap.add_argument('--show', type=int, default=0)
    ap.add_argument('command', choices=['stats', 'compare'])
    ap.add_argument('args', nargs='+')
    args = ap.parse_args()
    c = common.dyn.client(args.endpoint, common.ACCESS_KEY, common.SECRET_KEY)
    if args.command == 'stats':
        stats(c, args.args[0])
    else:
        compare(c, args.args[0], args.args[1], args.show)


if __name__ == '__main__':
    sys.exit(main())
