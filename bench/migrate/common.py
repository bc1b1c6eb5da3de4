"""
bench/migrate/common.py — what the migration benchmark's scripts share: the
DynamoDB client settings, the attributes table's columns, the conversions
between DynamoDB's items and the table's rows (the migration's, and
PynamoDB's for the way back); the measuring (the CPU meter of a run, the
result line) comes from bench/measure.py, the DynamoDB
chores from test/dyn.py.

Run with Debian's /usr/bin/python3 (python3-boto3, python3-psycopg).
"""

import datetime
import json
import os
import sys

_here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(_here, '..', '..', 'test'))  # dyn.py
sys.path.insert(0, os.path.join(_here, '..'))  # measure.py
import dyn  # noqa: E402,F401
from measure import CpuMeter, PerfRecord, fmt, machine_busy, now, process_cpu, result_line  # noqa: E402,F401

# dynalite does not check signatures; any key signs.
ACCESS_KEY = 'AKIDBENCHMIGRATE'
SECRET_KEY = 'bench-migrate-secret'
REGION = 'us-east-1'

# The attributes table, in the order of its columns (and of the DynamoDB
# attributes of an item: awstore.actingweb_columns()).
COLUMNS = ('id', 'bucket_name', 'bucket', 'name', 'data', 'timestamp', 'ttl_timestamp')
COLUMN_LIST = 'id, bucket_name, bucket, name, data, "timestamp", ttl_timestamp'

UTC = datetime.timezone.utc


def item_row(it):
    """A DynamoDB item (boto3 client form, {'S': ...} values) as the row the
    migration makes of it: the JSON text of data and the timestamp string
    go as they are and PostgreSQL's input functions convert them (jsonb_in,
    timestamp_in: what the migration's casts call); ttl_timestamp's N
    becomes an int.  An absent attribute is NULL."""
    g = it.get
    d = g('data')
    ts = g('timestamp')
    ttl = g('ttl_timestamp')
    return (it['id']['S'], it['bucket_name']['S'], it['bucket']['S'], it['name']['S'],
            d['S'] if d else None, ts['S'] if ts else None,
            int(ttl['N']) if ttl else None)


def pynamodb_datetime(d):
    """PynamoDB's UTCDateTimeAttribute serialization of a timestamp column
    (timestamp without time zone, holding UTC)."""
    return d.replace(tzinfo=UTC).strftime('%Y-%m-%dT%H:%M:%S.%f%z').zfill(31)


def row_item(row):
    """An attributes row, as psycopg returns it (data parsed by json.loads,
    timestamp a datetime, ttl_timestamp an int), as the boto3 resource item
    PynamoDB's AttributeModel would write: data with json.dumps (its
    JSONAttribute), timestamp in its UTC format, ttl_timestamp a number,
    NULL columns left out."""
    id_, bucket_name, bucket, name, data, ts, ttl = row
    item = {'id': id_, 'bucket_name': bucket_name, 'bucket': bucket, 'name': name}
    if data is not None:
        item['data'] = json.dumps(data)
    if ts is not None:
        item['timestamp'] = pynamodb_datetime(ts)
    if ttl is not None:
        item['ttl_timestamp'] = ttl
    return item

