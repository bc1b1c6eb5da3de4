"""
bench/write/common.py — what the write benchmark's scripts share: the
DynamoDB client settings, the query that reads the rows to write, the CPU
seconds of a process, a process's memory from /proc, and the key=value
result line that bench/write/run reads.

Run with Debian's /usr/bin/python3 (python3-boto3, python3-psycopg).
"""

import os
import time

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


def process_cpu(pid):
    """CPU seconds (user + system) used so far by a process, or None."""
    if not pid:
        return None
    try:
        with open('/proc/%d/stat' % int(pid)) as f:
            fields = f.read().rsplit(')', 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')
    except (OSError, ValueError, IndexError):
        return None


def cpu_delta(pid, before):
    after = process_cpu(pid)
    if before is None or after is None:
        return None
    return after - before


def machine_cpu():
    """(busy, total) jiffies of the whole machine, from /proc/stat."""
    with open('/proc/stat') as f:
        v = [int(x) for x in f.readline().split()[1:]]
    idle = v[3] + v[4]
    return sum(v) - idle, sum(v)


def machine_cpu_seconds(before):
    """CPU seconds the whole machine (all cores, every process) was busy
    since before (a machine_cpu() reading)."""
    busy, _ = machine_cpu()
    return (busy - before[0]) / os.sysconf('SC_CLK_TCK')


def status(pid):
    """Fields of /proc/<pid>/status in kB: VmRSS, VmHWM, RssAnon, ..."""
    out = {}
    with open('/proc/%d/status' % pid) as f:
        for line in f:
            if line.startswith(('Vm', 'Rss')):
                k, v = line.split(':', 1)
                out[k] = int(v.split()[0])
    return out


def now():
    return time.perf_counter()


def fmt(v):
    if v is None:
        return 'nan'
    if isinstance(v, float):
        return '%.4f' % v
    return str(v)


def result_line(**kw):
    """One line of key=value pairs, what bench/write/run reads."""
    return ' '.join('%s=%s' % (k, fmt(v)) for k, v in kw.items())
