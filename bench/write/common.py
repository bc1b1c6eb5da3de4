"""
bench/write/common.py — what the write benchmark's scripts share: the
DynamoDB client settings and the query that reads the rows to write; the
measuring (CPU, memory, the result line) comes from bench/measure.py.

Run with Debian's /usr/bin/python3 (python3-boto3, python3-psycopg).
"""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
from measure import (Sampler, cpu_delta, fmt, machine_busy, now, process_cpu,  # noqa: E402,F401
                     reset_hwm, result_line, status)

# dynalite does not check signatures; any key signs.
ACCESS_KEY = 'AKIDBENCHWRITE'
SECRET_KEY = 'bench-write-secret'
REGION = 'us-east-1'

# The rows every method writes, as DynamoDB is to hold them (see
# sql/setup.sql): data as its JSON text, exactly as awstore writes a jsonb
# column with attribute_type 'S'.
ROWS_QUERY = ('SELECT id, bucket_name, bucket, name, data::text, "timestamp", ttl_timestamp'
              ' FROM bench.attributes_out')
ATTRS = ('id', 'bucket_name', 'bucket', 'name', 'data', 'timestamp', 'ttl_timestamp')


def row_item(row):
    """A row of ROWS_QUERY as a boto3 resource item (None left out, as
    awstore leaves a NULL attribute out)."""
    return {a: v for a, v in zip(ATTRS, row) if v is not None}


def row_wire_item(row):
    """A row of ROWS_QUERY as DynamoDB's typed JSON."""
    item = {}
    for a, v in zip(ATTRS, row):
        if v is None:
            continue
        item[a] = {'N': str(v)} if a == 'ttl_timestamp' else {'S': v}
    return item


def boto3_session():
    import boto3
    return boto3.session.Session(aws_access_key_id=ACCESS_KEY,
                                 aws_secret_access_key=SECRET_KEY,
                                 region_name=REGION)
