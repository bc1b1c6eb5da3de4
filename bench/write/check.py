#!/usr/bin/python3
"""
bench/write/dyn.py — the DynamoDB tables of the write benchmark, with boto3.

  dyn.py --endpoint URL create TABLE   a fresh table (deleted first if it
                                       exists), waits until it is ACTIVE
  dyn.py --endpoint URL count TABLE    prints the number of items: Scan with
                                       Select=COUNT, every page, consistent
  dyn.py --endpoint URL drop TABLE     deletes the table (no error if absent)
  dyn.py --endpoint URL check TABLE --dsn DSN
                                       GetItem of sample rows of the local
                                       table; prints "ok" when each item is
                                       exactly the row, else "MISMATCH: " and
                                       what differs

The table: hash key id (S), range key bucket_name (S), on-demand, as
ActingWeb's attributes table in DynamoDB.
"""

import argparse
import sys
import time

import common


def client(endpoint):
    return common.boto3_session().client('dynamodb', endpoint_url=endpoint)


def create(c, table):
    drop(c, table)
    c.create_table(
        TableName=table,
        AttributeDefinitions=[{'AttributeName': 'id', 'AttributeType': 'S'},
                              {'AttributeName': 'bucket_name', 'AttributeType': 'S'}],
        KeySchema=[{'AttributeName': 'id', 'KeyType': 'HASH'},
                   {'AttributeName': 'bucket_name', 'KeyType': 'RANGE'}],
        BillingMode='PAY_PER_REQUEST')
    for _ in range(1200):
        if c.describe_table(TableName=table)['Table']['TableStatus'] == 'ACTIVE':
            return
        time.sleep(0.05)
    raise SystemExit('dyn.py: table %s did not become ACTIVE' % table)


def drop(c, table):
    try:
        c.delete_table(TableName=table)
    except c.exceptions.ResourceNotFoundException:
        return
    for _ in range(1200):
        try:
            c.describe_table(TableName=table)
        except c.exceptions.ResourceNotFoundException:
            return
        time.sleep(0.05)
    raise SystemExit('dyn.py: table %s was not deleted' % table)


def count(c, table):
    n = 0
    kw = {'TableName': table, 'Select': 'COUNT', 'ConsistentRead': True}
    while True:
        out = c.scan(**kw)
        n += out['Count']
        if 'LastEvaluatedKey' not in out:
            return n
        kw['ExclusiveStartKey'] = out['LastEvaluatedKey']


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
    ap.add_argument('--dsn')
    ap.add_argument('action', choices=('create', 'count', 'drop', 'check'))
    ap.add_argument('table')
    args = ap.parse_args()
    c = client(args.endpoint)
    if args.action == 'create':
        create(c, args.table)
    elif args.action == 'drop':
        drop(c, args.table)
    elif args.action == 'count':
        print(count(c, args.table))
    else:
        print(check(c, args.table, args.dsn))


if __name__ == '__main__':
    sys.exit(main())
