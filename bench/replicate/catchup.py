#!/usr/bin/python3
"""
bench/replicate/catchup.py — the baseline: catching a copy of the
ActingWeb tables up by running awstore.migrate_from_dynamodb again, and
what that costs in time and in read capacity.

    catchup.py --dsn DSN --endpoint URL --prefix P --schema S
               [--server dynamo] [--engine-pid PID] [--out FILE]

In a fresh session (warmed up with one DynamoDB call, so that the
extension and its HTTP connection are ready, as in bench/migrate), one
SELECT * FROM awstore.migrate_from_dynamodb(server, prefix, schema,
delete_missing => true), timed on the client; its NOTICEs give the rows
written and deleted per table.

Read capacity: every call reads each of the nine DynamoDB tables whole
(its scans send ReturnConsumedCapacity, but awstore adds up the units
only under a capacity budget), so the units are taken from DynamoDB Local
itself, right after the call, with nothing changed in between: a Scan of
each table (Select COUNT, 4 segments as awstore's scans, every page,
ReturnConsumedCapacity TOTAL), the units it reports added up.  A Scan is
charged by the size of the items it reads, whatever it returns: 0.5 unit
per 4 KB, eventually consistent, which is what migrate_from_dynamodb
reads.  For comparison, the same from DescribeTable's TableSizeBytes
(its size / 4 KB × 0.5, per table; DynamoDB's pages round up a little
more).

Prints one result line: seconds, rows (items read), written, deleted,
rcu (as DynamoDB Local reports them), rcu_from_size, table_bytes,
items, backend_cpu, engine_cpu, machine_cpu.  --out: the units of each
table, one line each.
"""

import argparse
import math
import re

import psycopg

import common
import actingweb_dataset as aw

NOTICE = re.compile(r'^(\w+): (\d+) rows \((\d+) written, (\d+) rejected, (\d+) deleted\)')


def scan_units(c, table, segments=4):
    """Read capacity units of a full Scan of table, as the engine reports
    them."""
    units = 0.0
    for seg in range(segments):
        kw = {'TableName': table, 'Select': 'COUNT', 'ReturnConsumedCapacity': 'TOTAL',
              'Segment': seg, 'TotalSegments': segments}
        while True:
            r = c.scan(**kw)
            units += r['ConsumedCapacity']['CapacityUnits']
            if 'LastEvaluatedKey' not in r:
                break
            kw['ExclusiveStartKey'] = r['LastEvaluatedKey']
    return units


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--dsn', required=True)
    ap.add_argument('--endpoint', required=True)
    ap.add_argument('--prefix', required=True)
    ap.add_argument('--schema', required=True)
    ap.add_argument('--server', default='dynamo')
    ap.add_argument('--engine-pid', type=int)
    ap.add_argument('--out')
    a = ap.parse_args()

    notices = []
    with psycopg.connect(a.dsn, autocommit=True) as conn:
        conn.add_notice_handler(lambda d: notices.append(d.message_primary))
        backend = conn.execute('SELECT pg_backend_pid()').fetchone()[0]
        conn.execute('SELECT count(*) FROM awstore.dynamodb_list_tables(%s)', [a.server]).fetchone()
        meter = common.CpuMeter(backend=backend, engine=a.engine_pid)
        meter.start()
        result = conn.execute('SELECT * FROM awstore.migrate_from_dynamodb(%s, %s, %s, delete_missing => true)',
                              [a.server, a.prefix, a.schema]).fetchall()
        cpu = meter.stop()
    written = deleted = 0
    for m in notices:
        g = NOTICE.match(m)
        if g:
            written += int(g.group(3))
            deleted += int(g.group(5))

    c = common.dyn.client(a.endpoint, common.ACCESS_KEY, common.SECRET_KEY)
    rcu = from_size = 0.0
    size = items = 0
    lines = []
    for table, suffix in aw.SUFFIXES.items():
        name = a.prefix + suffix
        d = c.describe_table(TableName=name)['Table']
        u = scan_units(c, name)
        s = d.get('TableSizeBytes', 0)
        rcu += u
        from_size += math.ceil(s / 4096) * 0.5
        size += s
        items += d.get('ItemCount', 0)
        lines.append('%s rcu=%.1f table_bytes=%d items=%d' % (name, u, s, d.get('ItemCount', 0)))
    if a.out:
        with open(a.out, 'w') as f:
            f.write('\n'.join(lines + notices) + '\n')
    print(common.result_line(seconds=cpu['seconds'], rows=sum(r[1] for r in result), written=written,
                             deleted=deleted, rcu=rcu, rcu_from_size=from_size, table_bytes=size, items=items,
                             backend_cpu=cpu['backend_cpu'], engine_cpu=cpu['engine_cpu'],
                             machine_cpu=cpu['machine_cpu']))


if __name__ == '__main__':
    main()
