"""
test/dyn.py — DynamoDB chores of the tests and the benchmarks, with boto3.

A boto3 client (or session) against a local engine, and what every test
and bench script does with it outside what it measures or checks: create
a table and wait until it is ACTIVE, delete tables and wait until they are
gone, write items in batches (UnprocessedItems written again), read a
whole table, count its items.  The engines (dynalite, DynamoDB Local) do
not check signatures, so any key signs; the scripts name their own so
that a server log tells them apart.

As a command, for shell scripts (the endpoint defaults to
$AWSTORE_DYNAMODB_ENDPOINT):

  dyn.py [--endpoint URL] create TABLE KEY[:TYPE] [KEY[:TYPE]]
                          a fresh on-demand table (deleted first if it
                          exists), partition key then sort key, type S
                          unless given; waits until it is ACTIVE
  dyn.py [--endpoint URL] drop TABLE...   delete tables (none if absent)
  dyn.py [--endpoint URL] drop-prefix PREFIX
                          delete every table whose name starts with PREFIX
  dyn.py [--endpoint URL] count [--consistent] TABLE
                          the number of items (Scan, Select=COUNT)

Imported by the scripts in test/ (their own folder is on sys.path) and by
bench/ (bench/measure.py puts test/ on sys.path).  Every function raises
boto3's exceptions; a wait that does not end raises SystemExit.  Run with
Debian's /usr/bin/python3 (python3-boto3).
"""

import argparse
import os
import sys
import time

REGION = 'us-east-1'


def session(access_key='test', secret_key='test', region=REGION):
    """A boto3 session with static credentials (one a thread: sessions
    are not thread-safe)."""
    import boto3
    return boto3.session.Session(aws_access_key_id=access_key,
                                 aws_secret_access_key=secret_key,
                                 region_name=region)


def client(endpoint, access_key='test', secret_key='test', region=REGION, **kw):
    """A DynamoDB client of endpoint; kw goes to boto3 (config=...)."""
    return session(access_key, secret_key, region).client('dynamodb', endpoint_url=endpoint, **kw)


def wait_active(c, table, seconds=60):
    """Wait until table is ACTIVE."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if c.describe_table(TableName=table)['Table']['TableStatus'] == 'ACTIVE':
                return
        except c.exceptions.ResourceNotFoundException:
            pass
        time.sleep(0.05)
    raise SystemExit('dyn.py: table %s did not become ACTIVE' % table)


def wait_gone(c, table, seconds=60):
    """Wait until table no longer exists."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            c.describe_table(TableName=table)
        except c.exceptions.ResourceNotFoundException:
            return
        time.sleep(0.05)
    raise SystemExit('dyn.py: table %s was not deleted' % table)


def create_table(c, table, keys, attrs, gsis=None, lsis=None):
    """Create an on-demand table and wait until it is ACTIVE.  keys: the
    key attributes' names, the partition key first, then the sort key if
    any; attrs: [(name, type)] of every key attribute, the indexes' too."""
    args = {
        'TableName': table,
        'KeySchema': [{'AttributeName': k, 'KeyType': 'HASH' if i == 0 else 'RANGE'}
                      for i, k in enumerate(keys)],
        'AttributeDefinitions': [{'AttributeName': a, 'AttributeType': t} for a, t in attrs],
        'BillingMode': 'PAY_PER_REQUEST',
    }
    if gsis:
        args['GlobalSecondaryIndexes'] = gsis
    if lsis:
        args['LocalSecondaryIndexes'] = lsis
    c.create_table(**args)
    wait_active(c, table)


def delete_table(c, table):
    """Delete table, if it exists, and wait until it is gone."""
    try:
        c.delete_table(TableName=table)
    except c.exceptions.ResourceNotFoundException:
        return
    wait_gone(c, table)


def table_names(c, prefix=''):
    """The names of the tables that start with prefix, every page."""
    return [n for p in c.get_paginator('list_tables').paginate()
            for n in p['TableNames'] if n.startswith(prefix)]


def delete_tables(c, prefix=''):
    """Delete every table whose name starts with prefix (all by default)."""
    for name in table_names(c, prefix):
        delete_table(c, name)


def write_batch(c, table, requests):
    """One BatchWriteItem of up to 25 requests, repeated with the
    UnprocessedItems until none are left."""
    pending = {table: requests}
    while pending:
        pending = c.batch_write_item(RequestItems=pending).get('UnprocessedItems') or {}


def put_all(c, table, items):
    """Write items (client form, {'S': ...} values) 25 a request."""
    batch = []
    for item in items:
        batch.append({'PutRequest': {'Item': item}})
        if len(batch) == 25:
            write_batch(c, table, batch)
            batch = []
    if batch:
        write_batch(c, table, batch)


def scan_all(c, table, consistent=False):
    """Every item of table (client form), every page."""
    items = []
    kw = {'TableName': table}
    if consistent:
        kw['ConsistentRead'] = True
    while True:
        r = c.scan(**kw)
        items.extend(r['Items'])
        if 'LastEvaluatedKey' not in r:
            return items
        kw['ExclusiveStartKey'] = r['LastEvaluatedKey']


def count(c, table, consistent=False):
    """The number of items in table: Scan with Select=COUNT, every page."""
    n = 0
    kw = {'TableName': table, 'Select': 'COUNT'}
    if consistent:
        kw['ConsistentRead'] = True
    while True:
        r = c.scan(**kw)
        n += r['Count']
        if 'LastEvaluatedKey' not in r:
            return n
        kw['ExclusiveStartKey'] = r['LastEvaluatedKey']


def main():
    ap = argparse.ArgumentParser(description='DynamoDB chores of the tests and benchmarks')
    ap.add_argument('--endpoint', default=os.environ.get('AWSTORE_DYNAMODB_ENDPOINT'))
    ap.add_argument('--consistent', action='store_true')
    ap.add_argument('command', choices=('create', 'drop', 'drop-prefix', 'count'))
    ap.add_argument('args', nargs='+')
    a = ap.parse_args()
    if not a.endpoint:
        sys.exit('no endpoint: set AWSTORE_DYNAMODB_ENDPOINT or --endpoint')
    c = client(a.endpoint, 'dyn', 'dyn')
    if a.command == 'create':
        delete_table(c, a.args[0])
        attrs = [tuple((k + ':S').split(':')[:2]) for k in a.args[1:]]
        create_table(c, a.args[0], [k for k, _ in attrs], attrs)
    elif a.command == 'drop':
        for t in a.args:
            delete_table(c, t)
    elif a.command == 'drop-prefix':
        delete_tables(c, a.args[0])
    else:
        print(count(c, a.args[0], a.consistent))


if __name__ == '__main__':
    sys.exit(main())
