"""
bench/write/common.py — what the write benchmark's scripts share: the
DynamoDB credentials and the query that reads the rows to write; the
measuring (CPU, memory, the result line) comes from bench/measure.py, the
DynamoDB chores from test/dyn.py.

Run with Debian's /usr/bin/python3 (python3-boto3, python3-psycopg).
"""

import os
import sys

_here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(_here, '..', '..', 'test'))  # dyn.py
sys.path.insert(0, os.path.join(_here, '..'))  # measure.py
import dyn  # noqa: E402,F401
from measure import (CpuMeter, Sampler, cpu_delta, fmt, machine_busy, now, process_cpu,  # noqa: E402,F401
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
