#!/usr/bin/python3
"""
bench/write/check.py — the write benchmark's check that DynamoDB holds
exactly the rows written: GetItem of sample rows of the local table.

  check.py --endpoint URL --dsn DSN TABLE
      prints "ok N" when each of the N sample items is exactly its row,
      else "MISMATCH: " and what differs

Creating, counting and dropping the tables is test/dyn.py's.
"""

import argparse
import sys

import common


def check(c, table, dsn):
    """Compares a few items with their rows: the first and the last row,
    rows spread by a hash of the key, and a row without a TTL."""
    import psycopg
    with psycopg.connect(dsn) as conn:
        rows = conn.execute(
            common.ROWS_QUERY + ' WHERE (id, bucket_name) IN ('
            ' (SELECT id, bucket_name FROM bench.attributes_out ORDER BY md5(id || bucket_name) LIMIT 5)'
            ' UNION ALL (SELECT id, bucket_name FROM bench.attributes_out WHERE ttl_timestamp IS NULL LIMIT 1)'
            ' UNION ALL (SELECT id, bucket_name FROM bench.attributes_out ORDER BY id, bucket_name LIMIT 1)'
            ' UNION ALL (SELECT id, bucket_name FROM bench.attributes_out ORDER BY id DESC, bucket_name DESC LIMIT 1))'
        ).fetchall()
    bad = []
    for row in rows:
        want = common.row_wire_item(row)
        got = c.get_item(TableName=table, ConsistentRead=True,
                         Key={'id': want['id'], 'bucket_name': want['bucket_name']}).get('Item')
        if got != want:
            bad.append('(%s, %s): expected %s, got %s' % (row[0], row[1], want, got))
    if not rows:
        return 'MISMATCH: no sample rows in bench.attributes_out'
    if bad:
        return 'MISMATCH: %d of %d sample items differ; the first: %s' % (len(bad), len(rows), bad[0])
    return 'ok %d' % len(rows)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--endpoint', required=True)
    ap.add_argument('--dsn', required=True)
    ap.add_argument('table')
    args = ap.parse_args()
    c = common.dyn.client(args.endpoint, common.ACCESS_KEY, common.SECRET_KEY)
    print(check(c, args.table, args.dsn))


if __name__ == '__main__':
    sys.exit(main())
