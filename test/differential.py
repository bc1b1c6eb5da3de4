#!/usr/bin/python3
"""test/differential.py — differential test of awstore's condition pushdown.

From a seed, writes DynamoDB tables of mixed items with boto3 (S, N with
many digits, B, BOOL, NULL, missing attributes, empty strings and binaries,
unicode, sets, lists and maps), declares foreign tables over them with
every kind of column (numeric, numeric(p,s), bigint, float8, text under
"C", under a non-C collation and under a nondeterministic one, text over
an N key, varchar(n), char(n), uuid, timestamptz, bytea, boolean, a
document column), copies each into a local table once,
then runs random queries on both — comparisons, BETWEEN, IN, LIKE,
IS [NOT] NULL, NOT, AND/OR, key conditions on the partition and sort keys,
and parameters of generic plans (PREPARE under
plan_cache_mode = force_generic_plan) — and compares the row sets exactly.

Every difference is printed with the seed, the table and the query, and
the script ends with one TAP line:

    ok - differential pushdown: 2000 queries (seed 1)
    not ok - differential pushdown: 3 of 2000 queries differ (seed 1)

By default it starts its own PostgreSQL (initdb and pg_ctl from PATH, which
must be the server awstore is installed in) on a Unix socket in a
temporary folder, and stops it on the way out; --dsn uses a running
server instead (its role must be able to CREATE EXTENSION awstore).  The
DynamoDB endpoint is --endpoint or $AWSTORE_DYNAMODB_ENDPOINT (dynalite
in the tests).  Run with Debian's /usr/bin/python3 (python3-boto3,
python3-psycopg):

    test/differential.py --queries 20000 --seed 7

Only characters outside U+E000..U+FFFF are generated: dynalite compares
strings by UTF-16 code units, DynamoDB (and PostgreSQL's "C") by UTF-8
bytes, and the two orders differ only there.
"""

import argparse
import atexit
import collections
import decimal
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

os.environ['NO_PROXY'] = os.environ['no_proxy'] = '127.0.0.1,localhost'
for var in ('HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy',
            'ALL_PROXY', 'all_proxy', 'AWS_PROFILE', 'AWS_ENDPOINT_URL',
            'AWS_ENDPOINT_URL_DYNAMODB'):
    os.environ.pop(var, None)
os.environ['AWS_CONFIG_FILE'] = os.devnull
os.environ['AWS_SHARED_CREDENTIALS_FILE'] = os.devnull

import psycopg                                      # noqa: E402

import dyn                                          # noqa: E402

# ---- values ---------------------------------------------------------------

STRINGS = ['', 'a', 'A', 'ab', 'abc', 'abd', 'b', 'B', 'ba', 'e', 'é', 'E',
           'z', 'Z', 'a b', 'a%b', 'a_b', 'ß', 'ss', '日本', '日本語', '\U0001f600',
           'zz\U0001f600', ' a', 'a ', 'Ab', 'ä', 'ae']
NUMBERS = ['0', '1', '-1', '1.5', '-1.5', '2', '10', '100', '0.001',
           '12345678901234567890123456789012345678',
           '-12345678901234567890123456789012345678',
           '0.00000000000000000000000000000000000001', '1E+100', '-1E-100',
           '3.14159265358979323846264338327950288', '99999999999999999999',
           '0.1', '0.3', '1000000']
NUMBERS_52 = ['1.005', '1.004', '1.01', '1', '-2.5', '-2.505', '0', '998.994',
              '123.455', '0.001', '-0.005', '12.3']
INTEGERS = ['-5', '0', '1', '2', '42', '9223372036854775807',
            '-9223372036854775808', '1000000']
FLOATS = ['0.1', '0.2', '0.3', '0.30000000000000004', '1', '-1', '1e120',
          '-1e-120', '3.141592653589793', '0', '123456789012345678']
SHORT = ['', 'a', 'ab', 'ab  ', 'ab      ', 'abcd', 'abc', 'é', 'ÅÅ', 'b',
         'a   ', ' ']
UUIDS = ['a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
         'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11',
         '{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a12}',
         'a0eebc999c0b4ef8bb6d6bb9bd380a13',
         '00000000-0000-0000-0000-000000000000']
TIMES = ['2024-01-01T00:00:00+00:00', '2024-01-01T01:00:00+01:00',
         '2024-06-01T12:00:00.123456Z', '2023-12-31T23:59:59-05:00',
         '2024-01-01T00:00:00.000001+00:00', '1999-12-31T23:59:59Z']
BYTES = [b'', b'\x00', b'\x01', b'\x7f', b'\x80', b'\xf8', b'\xff',
         b'\x00\xff', b'\xfb\x3e', b'\x01\x02\x03', b'\xff\xff']

# literals that no item holds, or that DynamoDB cannot hold
EXTRA_NUMBERS = ['NaN', 'Infinity', '-Infinity', '1.50', '-0',
                 '1234567890123456789012345678901234567890', '1e-200', '0.5']
EXTRA_STRINGS = ['', 'a', 'zzz', 'A', '\U0001f600\U0001f600']


def pick(rng, values, missing=0.25, null=0.08):
    """A value, None for SQL NULL written as {"NULL": true}, or MISSING."""
    r = rng.random()
    if r < missing:
        return MISSING
    if r < missing + null:
        return None
    return rng.choice(values)


MISSING = object()


def random_doc(rng, depth=0):
    kind = rng.choice(['M', 'L', 'SS', 'NS', 'BS', 'S', 'N', 'BOOL', 'NULL'])
    if depth > 2 and kind in ('M', 'L'):
        kind = 'S'
    if kind == 'M':
        return {'M': {rng.choice(STRINGS) or 'k': random_doc(rng, depth + 1)
                      for _ in range(rng.randint(0, 3))}}
    if kind == 'L':
        return {'L': [random_doc(rng, depth + 1) for _ in range(rng.randint(0, 3))]}
    if kind == 'SS':
        return {'SS': sorted({rng.choice(STRINGS) or 'x' for _ in range(rng.randint(1, 3))})}
    if kind == 'NS':
        return {'NS': sorted({rng.choice(NUMBERS) for _ in range(rng.randint(1, 3))},
                             key=decimal.Decimal)}
    if kind == 'BS':
        return {'BS': sorted({rng.choice(BYTES) or b'x' for _ in range(rng.randint(1, 3))})}
    if kind == 'S':
        return {'S': rng.choice(STRINGS)}
    if kind == 'N':
        return {'N': rng.choice(NUMBERS)}
    if kind == 'BOOL':
        return {'BOOL': rng.random() < 0.5}
    return {'NULL': True}


# ---- columns --------------------------------------------------------------

class Column:
    """A foreign table column: SQL type, attribute, DynamoDB type, values."""

    def __init__(self, name, sqltype, attr, atype, values, extra=(),
                 collate=None, param_type=None, null=0.08):
        self.name = name
        self.sqltype = sqltype
        self.attr = attr
        self.atype = atype
        self.values = values
        self.extra = list(extra)
        self.collate = collate
        self.null = null                # share of {"NULL": true}
        self.param_type = param_type or {'char(4)': 'bpchar'}.get(sqltype, sqltype.split('(')[0])

    def literal(self, v):
        if v is None:
            return 'NULL::%s' % self.sqltype
        if isinstance(v, bytes):
            return "'\\x%s'::bytea" % v.hex()
        if isinstance(v, bool):
            return 'true' if v else 'false'
        return "'%s'::%s" % (str(v).replace("'", "''"), self.sqltype)

    def python(self, v):
        """The value as psycopg sends it for an EXECUTE parameter."""
        return v


def non_key_columns(icu):
    return [
        Column('n', 'numeric', 'n', 'N', NUMBERS, EXTRA_NUMBERS),
        Column('n2', 'numeric(5,2)', 'n2', 'N', NUMBERS_52, ['1.01', '1.00', 'NaN']),
        Column('i', 'bigint', 'i', 'N', INTEGERS, ['3', '-9223372036854775807']),
        Column('f', 'float8', 'f', 'N', FLOATS, ['NaN', 'Infinity', '-Infinity']),
        Column('s', 'text', 's', 'S', STRINGS, EXTRA_STRINGS, collate='C'),
        Column('si', 'text', 's', 'S', STRINGS, EXTRA_STRINGS, collate=icu),
        Column('sci', 'text', 's', 'S', STRINGS, EXTRA_STRINGS, collate='differential_ci'),
        Column('v', 'varchar(4)', 'v', 'S', SHORT, ['ab ', 'x']),
        Column('ch', 'char(4)', 'v', 'S', SHORT, ['ab ', 'x']),
        Column('u', 'uuid', 'u', 'S', UUIDS),
        Column('ts', 'timestamptz', 't', 'S', TIMES, ['2024-01-01 00:00:00+00']),
        Column('b', 'bytea', 'b', 'B', BYTES, [b'\x00\x00']),
        Column('flag', 'boolean', 'flag', 'BOOL', [True, False]),
    ]


class Table:
    def __init__(self, name, dynamo, pk, sk, columns, gsi=None, options=''):
        self.name = name                # foreign table
        self.local = 'local_' + name
        self.dynamo = dynamo            # DynamoDB table
        self.pk = pk
        self.sk = sk
        self.gsi = gsi                  # a column with a global index
        self.columns = [pk, sk] + columns + ([gsi] if gsi else [])
        self.options = options          # more foreign table options
        self.items = 0

    def ddl(self):
        cols = []
        for c in self.columns:
            d = '%s %s' % (c.name, c.sqltype)
            if c.attr != c.name:
                d += " OPTIONS (attribute_name '%s')" % c.attr
            if c.collate:
                d += ' COLLATE "%s"' % c.collate
            cols.append(d)
        cols.append("doc jsonb OPTIONS (document 'plain')")
        return ('CREATE FOREIGN TABLE %s (\n    %s\n) SERVER dynamo OPTIONS (table_name %s%s)'
                % (self.name, ',\n    '.join(cols), quote(self.dynamo), self.options))


def quote(s):
    return "'%s'" % s.replace("'", "''")


def make_tables(seed, icu):
    prefix = 'differential_%d_' % seed
    rest = non_key_columns(icu)
    return [
        Table('dt_sn', prefix + 'sn',
              Column('pk', 'text', 'pk', 'S', ['p0', 'p1', 'p2', 'é', '日本', 'P1'], ['', 'nope']),
              Column('sk', 'numeric', 'sk', 'N', NUMBERS, EXTRA_NUMBERS), rest,
              options=", scan_segments '3'"),
        Table('dt_nb', prefix + 'nb',
              Column('pk', 'bigint', 'pk', 'N', ['-3', '0', '1', '2', '9223372036854775807'], ['5']),
              Column('sk', 'bytea', 'sk', 'B', [b for b in BYTES if b], [b'', b'\x00\x00']),
              # the N partition key read as text: compared as text, locally
              rest + [Column('pkt', 'text', 'pk', 'N', ['-3', '0', '1', '10', '9', '2'])]),
        Table('dt_ss', prefix + 'ss',
              Column('pk', 'text', 'pk', 'S', ['p0', 'p1', 'ä', 'A'], ['', 'x'], collate='C'),
              Column('sk', 'text', 'sk', 'S', [s for s in STRINGS if s], EXTRA_STRINGS, collate='C'),
              rest,
              gsi=Column('g', 'text', 'g', 'S', ['g1', 'g2', 'G', 'é', 'g3'], ['', 'zz'],
                         collate='C', null=0)),
    ]


# ---- DynamoDB -------------------------------------------------------------

def attr_value(col, v):
    if v is None:
        return {'NULL': True}
    if col.atype == 'B':
        return {'B': v}
    if col.atype == 'BOOL':
        return {'BOOL': v}
    return {col.atype: v}


def load(c, rng, table, per_partition):
    gsis = None
    attrs = [('pk', table.pk.atype), ('sk', table.sk.atype)]
    if table.gsi:
        # an index key is never NULL-typed nor empty: such items are left out
        attrs.append((table.gsi.attr, table.gsi.atype))
        gsis = [{
            'IndexName': 'by_' + table.gsi.attr,
            'KeySchema': [{'AttributeName': table.gsi.attr, 'KeyType': 'HASH'}],
            'Projection': {'ProjectionType': 'ALL'}}]
    dyn.create_table(c, table.dynamo, ['pk', 'sk'], attrs, gsis=gsis)
    items = []
    for pk in table.pk.values:
        for sk in rng.sample(table.sk.values, min(per_partition, len(table.sk.values))):
            item = {'pk': attr_value(table.pk, pk), 'sk': attr_value(table.sk, sk)}
            written = {'pk', 'sk'}
            for col in table.columns[2:]:
                if col.attr in written:
                    continue
                v = pick(rng, col.values, null=col.null)
                if v is MISSING:
                    continue
                written.add(col.attr)
                item[col.attr] = attr_value(col, v)
            if rng.random() < 0.5:
                item['extra'] = random_doc(rng)
            items.append(item)
    dyn.put_all(c, table.dynamo, items)
    table.items = len(items)


# ---- queries --------------------------------------------------------------

class Query:
    """A generated query: SQL with $n parameters or inline literals."""

    def __init__(self, rng, table, use_params):
        self.rng = rng
        self.table = table
        self.use_params = use_params
        self.param_types = []
        self.params = []

    def lit(self, col, v):
        if self.use_params and self.rng.random() < 0.8:
            self.param_types.append(col.param_type)
            self.params.append(v)
            return '$%d' % len(self.params)
        return col.literal(v)

    def value(self, col, null=0.03):
        if self.rng.random() < null:
            return None
        pool = col.values + col.extra
        return self.rng.choice(pool)

    def atom(self, col):
        rng = self.rng
        kinds = ['cmp'] * 5 + ['between', 'in', 'null']
        if col.atype == 'S' and col.sqltype in ('text', 'varchar(4)') and \
                col.collate != 'differential_ci':
            kinds.append('like')
        if col.atype == 'BOOL':
            kinds.append('bare')
        kind = rng.choice(kinds)
        ref = col.name
        if kind == 'cmp':
            op = rng.choice(['=', '<>', '<', '<=', '>', '>=', '=', '<>', '<', '<=', '>', '>=',
                             'IS DISTINCT FROM', 'IS NOT DISTINCT FROM'])
            return '%s %s %s' % (ref, op, self.lit(col, self.value(col)))
        if kind == 'between':
            neg = 'NOT ' if rng.random() < 0.15 else ''
            return '%s %sBETWEEN %s AND %s' % (ref, neg, self.lit(col, self.value(col)),
                                               self.lit(col, self.value(col)))
        if kind == 'in':
            vals = [self.lit(col, self.value(col)) for _ in range(rng.randint(1, 4))]
            neg = 'NOT ' if rng.random() < 0.15 else ''
            return '%s %sIN (%s)' % (ref, neg, ', '.join(vals))
        if kind == 'null':
            return '%s IS %sNULL' % (ref, rng.choice(['', 'NOT ']))
        if kind == 'like':
            s = rng.choice([v for v in col.values if v]) or 'a'
            pat = rng.choice([s[:1] + '%', s + '%', s[:2] + '%', s[:1] + '_%', '%' + s[-1:]])
            return "%s LIKE %s" % (ref, self.lit(Column('p', 'text', '', 'S', []), pat))
        return ref if rng.random() < 0.5 else 'NOT ' + ref

    def expr(self, depth=0):
        rng = self.rng
        r = rng.random()
        if depth >= 2 or r < 0.5:
            return self.atom(rng.choice(self.table.columns))
        if r < 0.6:
            return 'NOT (%s)' % self.expr(depth + 1)
        op = rng.choice([' AND ', ' OR '])
        return '(%s)' % op.join(self.expr(depth + 1) for _ in range(rng.randint(2, 3)))

    def key_conditions(self):
        rng = self.rng
        t = self.table
        conds = []
        r = rng.random()
        if r < 0.55:
            conds.append('pk = %s' % self.lit(t.pk, self.value(t.pk)))
        elif r < 0.7:
            vals = [self.lit(t.pk, self.value(t.pk)) for _ in range(rng.randint(1, 3))]
            if self.use_params and rng.random() < 0.5:
                self.param_types.append(t.pk.param_type + '[]')
                self.params.append([self.value(t.pk) for _ in range(rng.randint(0, 3))])
                conds.append('pk = ANY ($%d)' % len(self.params))
            else:
                conds.append('pk IN (%s)' % ', '.join(vals))
        if conds and rng.random() < 0.7:
            sk = t.sk
            k = rng.choice(['eq', 'lt', 'gt', 'between', 'range2', 'empty', 'like'])
            if k == 'eq':
                conds.append('sk = %s' % self.lit(sk, self.value(sk)))
            elif k in ('lt', 'gt'):
                op = rng.choice(['<', '<='] if k == 'lt' else ['>', '>='])
                conds.append('sk %s %s' % (op, self.lit(sk, self.value(sk))))
            elif k == 'between':
                conds.append('sk BETWEEN %s AND %s' % (self.lit(sk, self.value(sk)),
                                                      self.lit(sk, self.value(sk))))
            elif k == 'range2':
                conds.append('sk >= %s' % self.lit(sk, self.value(sk)))
                conds.append('sk < %s' % self.lit(sk, self.value(sk)))
            elif k == 'empty':
                empty = b'' if sk.atype == 'B' else '' if sk.atype == 'S' else '-Infinity'
                conds.append('sk %s %s' % (rng.choice(['>', '>=', '<', '<=']), self.lit(sk, empty)))
            elif sk.atype == 'S':
                s = self.value(sk) or 'a'
                conds.append("sk LIKE %s" % self.lit(Column('p', 'text', '', 'S', []), s[:2] + '%'))
        return conds

    def build(self):
        rng = self.rng
        conds = self.key_conditions()
        if not conds or rng.random() < 0.8:
            conds.append(self.expr())
        if self.table.gsi and rng.random() < 0.3:
            g = self.table.gsi
            conds.insert(0, '%s = %s' % (g.name, self.lit(g, self.value(g))))
        where = ' AND '.join(conds)
        sel = rng.choice(['*', 'pk, sk', 'count(*)', 'pk, sk, doc', 'pk, sk, n2, v, ch',
                          't', 'pk, sk, n, s, si, b'])
        if sel == 't':
            sel = 't::text'
        self.where = where
        self.select = sel
        # LIMIT: the count of rows is min(limit, all)
        self.limit = rng.choice([1, 2, 5, 50]) if rng.random() < 0.1 else None
        # a join on the partition key: parameterized key lookups
        self.join = None
        if self.limit is None and rng.random() < 0.1:
            t = self.table
            self.join = ['%s, %s' % (t.pk.literal(self.value(t.pk)), t.sk.literal(self.value(t.sk)))
                         for _ in range(rng.randint(1, 4))]
            self.join_sk = rng.choice(['', ' AND t.sk > v.vb', ' AND t.sk <= v.vb', ' AND t.sk = v.vb'])

    def sql(self, relation):
        if self.join:
            return ('SELECT %s FROM (VALUES (%s)) v(vk, vb) JOIN %s t ON t.pk = v.vk%s WHERE %s'
                    % (self.select, '), ('.join(self.join), relation, self.join_sk, self.where))
        q = 'SELECT %s FROM %s t WHERE %s' % (self.select, relation, self.where)
        if self.limit:
            return 'SELECT count(*) FROM (%s LIMIT %d) l' % (q, self.limit)
        return q

    def text(self):
        s = self.sql(self.table.name)
        if self.params:
            s = ('SET plan_cache_mode = force_generic_plan;\nPREPARE q(%s) AS %s;\nEXECUTE q(%s);'
                 % (', '.join(self.param_types), s,
                    ', '.join(param_text(v) for v in self.params)))
        return s


def param_text(v):
    if v is None:
        return 'NULL'
    if isinstance(v, list):
        elems = []
        for x in v:
            if x is None:
                elems.append('NULL')
                continue
            x = '\\x' + x.hex() if isinstance(x, bytes) else str(x)
            elems.append('"%s"' % x.replace('\\', '\\\\').replace('"', '\\"'))
        return quote('{%s}' % ','.join(elems))
    if isinstance(v, bytes):
        return "'\\x%s'" % v.hex()
    if isinstance(v, bool):
        return 'true' if v else 'false'
    return quote(str(v))


def explain(cur, q, stats):
    """Counts the DynamoDB operations and shipped conditions of q's plan."""
    try:
        if q.params:
            cur.execute('PREPARE q(%s) AS %s' % (', '.join(q.param_types), q.sql(q.table.name)))
            try:
                cur.execute('EXPLAIN (COSTS OFF) EXECUTE q(%s)'
                            % ', '.join(param_text(v) for v in q.params))
                lines = [r[0] for r in cur.fetchall()]
            finally:
                cur.execute('DEALLOCATE q')
        else:
            cur.execute('EXPLAIN (COSTS OFF) ' + q.sql(q.table.name))
            lines = [r[0] for r in cur.fetchall()]
    except psycopg.Error:
        return
    for line in lines:
        line = line.strip()
        for what in ('DynamoDB Operation', 'DynamoDB Index', 'DynamoDB Filter',
                     'DynamoDB Key Condition', 'DynamoDB Select', 'DynamoDB Limit'):
            if line.startswith(what + ':'):
                stats[what if what != 'DynamoDB Operation' else line] += 1


def run(cur, q, relation):
    """Rows of q over relation as a Counter of reprs, or ('error', sqlstate)."""
    try:
        if q.params:
            cur.execute('PREPARE q(%s) AS %s' % (', '.join(q.param_types), q.sql(relation)))
            try:
                cur.execute('EXECUTE q(%s)' % ', '.join(param_text(v) for v in q.params))
                rows = cur.fetchall()
            finally:
                cur.execute('DEALLOCATE q')
        else:
            cur.execute(q.sql(relation))
            rows = cur.fetchall()
        return collections.Counter(repr(r) for r in rows)
    except psycopg.Error as e:
        return ('error', e.sqlstate, str(e).splitlines()[0])


# ---- server ---------------------------------------------------------------

def start_server():
    tmp = tempfile.mkdtemp(prefix='awstore-differential.')
    data = os.path.join(tmp, 'data')
    subprocess.run(['initdb', '-D', data, '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync',
                    '-A', 'trust'], check=True, stdout=subprocess.DEVNULL)
    log = os.path.join(tmp, 'server.log')
    subprocess.run(['pg_ctl', '-D', data, '-l', log, '-w', '-o',
                    "-c listen_addresses='' -k %s -c fsync=off" % tmp, 'start'],
                   check=True, stdout=subprocess.DEVNULL)

    def stop():
        subprocess.run(['pg_ctl', '-D', data, '-m', 'fast', '-w', 'stop'],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(tmp, ignore_errors=True)
    atexit.register(stop)
    return 'host=%s dbname=postgres' % tmp


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--queries', type=int, default=2000)
    ap.add_argument('--per-partition', type=int, default=12,
                    help='items per partition key value')
    ap.add_argument('--endpoint', default=os.environ.get('AWSTORE_DYNAMODB_ENDPOINT'))
    ap.add_argument('--dsn', help='use this server instead of starting one (on a '
                    'difference, the tables are left there in schema differential)')
    ap.add_argument('--keep', action='store_true',
                    help='with --dsn, leave the tables there whatever the outcome')
    ap.add_argument('--stats', action='store_true',
                    help='count the DynamoDB operations and shipped conditions of the plans')
    ap.add_argument('--max-failures', type=int, default=10,
                    help='differences printed in full')
    args = ap.parse_args()
    if not args.endpoint:
        sys.exit('differential.py: no --endpoint and no $AWSTORE_DYNAMODB_ENDPOINT')

    started = time.time()
    rng = random.Random(args.seed)
    dsn = args.dsn or start_server()
    conn = psycopg.connect(dsn, autocommit=True)
    cur = conn.cursor()
    cur.execute("SET client_min_messages = warning")
    cur.execute("SET TimeZone = 'UTC'")
    cur.execute("SELECT collname FROM pg_collation WHERE collname IN ('en-x-icu', 'en_US', 'und-x-icu') "
                "ORDER BY collname = 'en-x-icu' DESC, collname = 'en_US' DESC LIMIT 1")
    row = cur.fetchone()
    icu = row[0] if row else 'default'

    ddb = dyn.client(args.endpoint, 'differential', 'differential')
    tables = make_tables(args.seed, icu)
    for t in tables:
        dyn.delete_table(ddb, t.dynamo)

    keep = [True] if args.keep and args.dsn else []

    def drop_tables():
        if keep:
            return
        for t in tables:
            try:
                ddb.delete_table(TableName=t.dynamo)
            except Exception:       # noqa: BLE001 — best effort on the way out
                pass
    atexit.register(drop_tables)
    for t in tables:
        load(ddb, rng, t, args.per_partition)

    cur.execute('DROP SCHEMA IF EXISTS differential CASCADE')
    cur.execute('CREATE SCHEMA differential')
    cur.execute('SET search_path = differential, public')
    cur.execute('CREATE EXTENSION IF NOT EXISTS awstore')
    try:
        cur.execute("CREATE COLLATION differential_ci (provider = icu, "
                    "locale = 'und-u-ks-level2', deterministic = false)")
    except psycopg.Error:
        # a server without ICU: no nondeterministic collation
        for t in tables:
            t.columns = [c for c in t.columns if c.collate != 'differential_ci']
    cur.execute('DROP SERVER IF EXISTS dynamo CASCADE')
    cur.execute('CREATE SERVER dynamo FOREIGN DATA WRAPPER awstore_dynamodb '
                'OPTIONS (endpoint %s)' % quote(args.endpoint))
    cur.execute("CREATE USER MAPPING FOR CURRENT_USER SERVER dynamo "
                "OPTIONS (access_key_id 'differential', secret_access_key 'differential')")
    for t in tables:
        cur.execute(t.ddl())
        cur.execute('CREATE TABLE %s AS SELECT * FROM %s' % (t.local, t.name))
        cur.execute('SELECT count(*) FROM %s' % t.local)
        n = cur.fetchone()[0]
        if n != t.items:
            print('not ok - differential pushdown: the local copy of %s has %d rows, '
                  'DynamoDB %d items (seed %d)' % (t.name, n, t.items, args.seed))
            return 1
        cur.execute('ANALYZE %s' % t.local)

    failures = 0
    both_errors = collections.Counter()
    stats = collections.Counter()
    for k in range(args.queries):
        t = tables[k % len(tables)]
        q = Query(rng, t, use_params=rng.random() < 0.3)
        q.build()
        if q.params:
            cur.execute('SET plan_cache_mode = force_generic_plan')
        else:
            cur.execute('RESET plan_cache_mode')
        if args.stats:
            explain(cur, q, stats)
        remote = run(cur, q, t.name)
        local = run(cur, q, t.local)
        if isinstance(remote, tuple) and isinstance(local, tuple) and remote[1] == local[1]:
            both_errors[local[2]] += 1   # an invalid literal, say
            continue
        if remote == local:
            continue
        failures += 1
        if failures <= args.max_failures:
            print('# difference: seed %d, query %d, table %s (DynamoDB table %s)'
                  % (args.seed, k, t.name, t.dynamo))
            print('#   ' + q.text().replace('\n', '\n#   '))
            if isinstance(remote, tuple) or isinstance(local, tuple):
                for side, res in (('foreign', remote), ('local:  ', local)):
                    print('#   %s %s' % (side, ' '.join(res[1:]) if isinstance(res, tuple)
                                         else '%d rows' % sum(res.values())))
            else:
                print('#   only foreign: %s' % list((remote - local).elements())[:5])
                print('#   only local:   %s' % list((local - remote).elements())[:5])
    for what, n in sorted(stats.items()):
        print('# %s: %d plans' % (what, n))
    for message, n in both_errors.most_common():
        print('# both sides failed %d times with: %s' % (n, message))
    if failures:
        print('# table definitions (seed %d):' % args.seed)
        for t in tables:
            print('#   ' + t.ddl().replace('\n', '\n#   '))
        print('not ok - differential pushdown: %d of %d queries differ (seed %d)'
              % (failures, args.queries, args.seed))
        if args.dsn:
            # left for a closer look: schema differential, the DynamoDB tables
            keep.append(True)
            conn.close()
            return 1
    else:
        print('# %d items, %d queries failed on both sides, %.0f s'
              % (sum(t.items for t in tables), sum(both_errors.values()), time.time() - started))
        print('ok - differential pushdown: %d queries (seed %d)' % (args.queries, args.seed))
    if not keep:
        cur.execute('DROP SCHEMA differential CASCADE')
    conn.close()
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
