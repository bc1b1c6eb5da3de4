#!/usr/bin/python3
"""test/roundtrip_property.py — round trips checked by an independent client.

For random items: an INSERT through awstore, then a raw read with boto3,
gives the same item (typed columns, and whole items through a
document 'dynamodb' column); and UPDATE / DELETE by a key of each key type
(S into text, uuid, timestamptz, char(n); N into numeric(p,s), float8,
bigint; B into bytea; S + N composite) hit exactly the item read, whatever
the key column makes of the key's text.

    roundtrip_property.py --dsn DSN [--endpoint URL] [--seed N]

The PostgreSQL server of DSN must have awstore installed; the endpoint
(default $AWSTORE_DYNAMODB_ENDPOINT) is a DynamoDB engine.  Prints TAP-like
lines "ok - …" / "not ok - … # detail"; a failure names the seed, so that
a run can be repeated exactly.  Exits 1 when anything failed.
"""
import argparse
import base64
import datetime
import decimal
import os
import random
import sys
import time
import uuid

import psycopg
import psycopg.sql
import psycopg.types.json

import dyn

D = decimal.Decimal
failures = 0


def report(name, problems, seed):
    global failures
    if problems:
        failures += 1
        print("not ok - %s # seed %d: %s" % (name, seed, "; ".join(problems[:3])))
    else:
        print("ok - %s" % name)
    sys.stdout.flush()


def create_table(ddb, name, keys):
    """A fresh table (deleted first if it exists); keys: [(name, type)],
    the first the partition key."""
    dyn.delete_table(ddb, name)
    dyn.create_table(ddb, name, [k for k, _ in keys], keys)


# --- random values -----------------------------------------------------------

ALPHABET = "abcXYZ019 _-:/.'\"\\%é中🙂\u00a0\t"


def rand_text(rng, empty_ok=True):
    n = rng.randint(0 if empty_ok else 1, 12)
    return "".join(rng.choice(ALPHABET) for _ in range(n))


def rand_decimal(rng):
    digits = rng.randint(1, 38)
    unscaled = rng.randint(0, 10 ** digits - 1) * rng.choice((1, -1))
    exp = rng.randint(-digits - 20, 20)
    if unscaled == 0:
        return D(0)
    return D(unscaled).scaleb(exp)


def plain(d):
    """A number in plain notation, as DynamoDB and awstore both take it."""
    return format(d, "f")


def rand_float(rng):
    # up to 15 significant digits: exact whatever the float output digits
    return float("%.*g" % (rng.randint(1, 15), rng.uniform(-1e6, 1e6)))


def rand_bytes(rng, empty_ok=True):
    return bytes(rng.randrange(256) for _ in range(rng.randint(0 if empty_ok else 1, 16)))


def maybe(rng, value_fn):
    return None if rng.random() < 0.2 else value_fn()


def rand_av(rng, depth=0):
    """A random AttributeValue, as DynamoDB JSON for a document column."""
    kinds = ["S", "N", "B", "BOOL", "NULL", "SS", "NS", "BS"]
    if depth < 3:
        kinds += ["M", "L"]
    kind = rng.choice(kinds)
    if kind == "S":
        return {"S": rand_text(rng)}
    if kind == "N":
        return {"N": plain(rand_decimal(rng))}
    if kind == "B":
        return {"B": base64.b64encode(rand_bytes(rng)).decode()}
    if kind == "BOOL":
        return {"BOOL": rng.random() < 0.5}
    if kind == "NULL":
        return {"NULL": True}
    if kind == "SS":
        return {"SS": sorted({rand_text(rng, False) for _ in range(rng.randint(1, 4))})}
    if kind == "NS":
        return {"NS": sorted({str(rng.randint(-999, 999)) for _ in range(rng.randint(1, 4))})}
    if kind == "BS":
        return {"BS": sorted({base64.b64encode(rand_bytes(rng, False)).decode()
                              for _ in range(rng.randint(1, 3))})}
    if kind == "M":
        return {"M": {rand_text(rng, False): rand_av(rng, depth + 1)
                      for _ in range(rng.randint(0, 3))}}
    return {"L": [rand_av(rng, depth + 1) for _ in range(rng.randint(0, 3))]}


def same_av(sent, got):
    """Does boto3's AttributeValue got equal the DynamoDB JSON sent?"""
    (kind, value), = sent.items()
    if list(got.keys()) != [kind]:
        return False
    other = got[kind]
    if kind == "N":
        return D(value) == D(other)
    if kind == "B":
        return base64.b64decode(value) == other
    if kind == "SS":
        return set(value) == set(other)
    if kind == "NS":
        return {D(v) for v in value} == {D(v) for v in other}
    if kind == "BS":
        return {base64.b64decode(v) for v in value} == set(other)
    if kind == "M":
        return value.keys() == other.keys() and all(same_av(value[k], other[k]) for k in value)
    if kind == "L":
        return len(value) == len(other) and all(same_av(a, b) for a, b in zip(value, other))
    return value == other


# --- properties --------------------------------------------------------------

def typed_columns(db, ddb, rng, count):
    """INSERT of typed columns, read raw: each attribute as the column says."""
    create_table(ddb, "rp_typed", [("id", "S")])
    db.execute("""CREATE FOREIGN TABLE rp_typed (id text, s text, n numeric, i bigint,
                  f float8, b bytea, flag boolean, ss text[], ns numeric[])
                  SERVER rp_dynamo""")
    rows = []
    for k in range(count):
        rows.append((
            "k%d-%s" % (k, rand_text(rng)),
            maybe(rng, lambda: rand_text(rng)),
            maybe(rng, lambda: rand_decimal(rng)),
            maybe(rng, lambda: rng.randint(-2 ** 63, 2 ** 63 - 1)),
            maybe(rng, lambda: rand_float(rng)),
            maybe(rng, lambda: rand_bytes(rng)),
            maybe(rng, lambda: rng.random() < 0.5),
            maybe(rng, lambda: sorted({rand_text(rng, False) for _ in range(rng.randint(1, 4))})),
            maybe(rng, lambda: sorted({D(rng.randint(-10 ** 6, 10 ** 6)).scaleb(-rng.randint(0, 6))
                                       for _ in range(rng.randint(1, 4))})),
        ))
    with db.cursor() as cur:
        cur.executemany("INSERT INTO rp_typed VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)", rows)
    raw = {item["id"]["S"]: item for item in dyn.scan_all(ddb, "rp_typed", consistent=True)}
    problems = []
    if len(raw) != len(rows):
        problems.append("%d items for %d rows" % (len(raw), len(rows)))
    names = ("id", "s", "n", "i", "f", "b", "flag", "ss", "ns")
    for row in rows:
        item = raw.get(row[0])
        if item is None:
            problems.append("item %r missing" % row[0])
            continue
        for name, value in zip(names, row):
            got = item.get(name)
            if value is None:
                ok = got is None
            elif name in ("id", "s"):
                ok = got == {"S": value}
            elif name in ("n", "i"):
                ok = got is not None and "N" in got and D(got["N"]) == D(value)
            elif name == "f":
                ok = got is not None and "N" in got and float(got["N"]) == value
            elif name == "b":
                ok = got == {"B": value}
            elif name == "flag":
                ok = got == {"BOOL": value}
            elif name == "ss":
                ok = got is not None and set(got.get("SS", [])) == set(value)
            else:
                ok = got is not None and {D(v) for v in got.get("NS", [])} == set(value)
            if not ok:
                problems.append("item %r attribute %s: sent %r, read %r" % (row[0], name, value, got))
        extra = set(item) - {n for n, v in zip(names, row) if v is not None}
        if extra:
            problems.append("item %r has extra attributes %s" % (row[0], sorted(extra)))
    # and read back through awstore, the same rows
    with db.cursor() as cur:
        cur.execute("SELECT id, s, n, i, f, b, flag, ss, ns FROM rp_typed")
        back = {r[0]: r for r in cur.fetchall()}
    for row in rows:
        r = back.get(row[0])
        if r is None or any(
                (a is None) != (b is None) or
                (a is not None and (sorted(a) if isinstance(a, list) else a) !=
                 (sorted(b) if isinstance(b, list) else (bytes(b) if isinstance(b, memoryview) else b)))
                for a, b in zip(row, r)):
            problems.append("row %r read back through awstore as %r" % (row, r))
    return problems


def documents(db, ddb, rng, count):
    """INSERT of whole items through document 'dynamodb', read raw."""
    create_table(ddb, "rp_doc", [("id", "S")])
    db.execute("""CREATE FOREIGN TABLE rp_doc (item jsonb OPTIONS (document 'dynamodb'))
                  SERVER rp_dynamo""")
    sent = []
    for k in range(count):
        item = {"id": {"S": "d%d" % k}}
        for _ in range(rng.randint(0, 6)):
            name = rand_text(rng, False)
            if name != "id":
                item[name] = rand_av(rng)
        sent.append(item)
    with db.cursor() as cur:
        cur.executemany("INSERT INTO rp_doc VALUES (%s)", [(psycopg.types.json.Jsonb(i),) for i in sent])
    raw = {item["id"]["S"]: item for item in dyn.scan_all(ddb, "rp_doc", consistent=True)}
    problems = []
    if len(raw) != len(sent):
        problems.append("%d items for %d rows" % (len(raw), len(sent)))
    for item in sent:
        got = raw.get(item["id"]["S"])
        if got is None or got.keys() != item.keys() or \
                not all(same_av(item[k], got[k]) for k in item):
            problems.append("sent %r, read %r" % (item, got))
    return problems


def to_boto(av):
    """DynamoDB JSON (binaries as base64 text) in boto3's client form
    (binaries as bytes)."""
    (kind, value), = av.items()
    if kind == "B":
        return {"B": base64.b64decode(value)}
    if kind == "BS":
        return {"BS": [base64.b64decode(v) for v in value]}
    if kind == "M":
        return {"M": {k: to_boto(v) for k, v in value.items()}}
    if kind == "L":
        return {"L": [to_boto(v) for v in value]}
    return av


def read_paths(db, ddb, rng, count):
    """Items written raw, read through the three ways awstore turns a value
    into jsonb: a jsonb column (M, L and sets built directly), a json
    column and a document 'plain' column (both through plain JSON text).
    They must agree on every item; and a typed document gives back what
    was written."""
    create_table(ddb, "rp_read", [("id", "S")])
    sent = {}
    for k in range(count):
        item = {"id": {"S": "r%d" % k}, "v": rand_av(rng)}
        sent["r%d" % k] = item
        ddb.put_item(TableName="rp_read", Item={n: to_boto(av) for n, av in item.items()})
    db.execute("CREATE FOREIGN TABLE rp_read_j (id text, v jsonb) SERVER rp_dynamo "
               "OPTIONS (table_name 'rp_read')")
    db.execute("CREATE FOREIGN TABLE rp_read_t (id text, v json) SERVER rp_dynamo "
               "OPTIONS (table_name 'rp_read')")
    db.execute("CREATE FOREIGN TABLE rp_read_d (id text, item jsonb OPTIONS (document 'plain'), "
               "typed jsonb OPTIONS (document 'dynamodb')) SERVER rp_dynamo "
               "OPTIONS (table_name 'rp_read')")
    rows = db.execute("""SELECT j.id, j.v, t.v::jsonb, d.item -> 'v', d.typed
                           FROM rp_read_j j JOIN rp_read_t t USING (id) JOIN rp_read_d d USING (id)""").fetchall()
    problems = []
    if len(rows) != count:
        problems.append("%d rows for %d items" % (len(rows), count))
    for key, direct, through_text, in_doc, typed in rows:
        # {"NULL": true} is SQL NULL in a column, JSON null in a document
        if direct != through_text or direct != in_doc:
            problems.append("%s: jsonb %r, json %r, document %r" % (key, direct, through_text, in_doc))
        got = {name: to_boto(av) for name, av in typed.items()}
        if got.keys() != sent[key].keys() or not all(same_av(sent[key][n], got[n]) for n in got):
            problems.append("%s: sent %r, typed document %r" % (key, sent[key], typed))
    containers = sum(1 for _, direct, _, _, _ in rows if isinstance(direct, (dict, list)))
    if containers < count // 10:
        problems.append("only %d of %d values were maps, lists or sets" % (containers, count))
    db.execute("DROP FOREIGN TABLE rp_read_j, rp_read_t, rp_read_d")
    return problems


# (name, DynamoDB key types, column types, raw key generator)
KEY_KINDS = [
    ("S into text", ["S"], ["text"], lambda rng, i: {"S": "t%d-%s" % (i, rand_text(rng))}),
    ("S into uuid", ["S"], ["uuid"], lambda rng, i: {"S": str(uuid.UUID(int=rng.getrandbits(128))).upper()}),
    ("S into timestamptz", ["S"], ["timestamptz"],
     lambda rng, i: {"S": (datetime.datetime(2020, 1, 1) + datetime.timedelta(
         seconds=rng.randint(0, 10 ** 8), microseconds=rng.randint(0, 999999))
     ).strftime("%Y-%m-%dT%H:%M:%S.%f+0000")}),
    ("S into char(12)", ["S"], ["char(12)"],
     lambda rng, i: {"S": "c%d%s" % (i, rand_text(rng, False)[:6].rstrip(" "))}),
    ("N into numeric(8,1)", ["N"], ["numeric(8,1)"],
     lambda rng, i: {"N": plain(D(rng.randint(0, 300)).scaleb(-2))}),
    ("N into float8", ["N"], ["float8"],
     lambda rng, i: {"N": "0.%d" % rng.randint(10 ** 19, 10 ** 20 - 1)}),
    ("N into bigint", ["N"], ["bigint"], lambda rng, i: {"N": str(rng.randint(-2 ** 63, 2 ** 63 - 1))}),
    ("B into bytea", ["B"], ["bytea"], lambda rng, i: {"B": rand_bytes(rng, False)}),
    ("S and N into text and numeric(4,1)", ["S", "N"], ["text", "numeric(4,1)"],
     lambda rng, i: ({"S": "p%d" % (i % 3)}, {"N": plain(D(rng.randint(0, 99)).scaleb(-2))})),
]


def norm_key(av):
    """A key AttributeValue as DynamoDB compares it."""
    (kind, value), = av.items()
    return (kind, D(value).normalize() if kind == "N" else value)


def key_kind(db, ddb, rng, n, kind, count):
    """UPDATE and DELETE by a key of this kind hit exactly the item read."""
    name, types, coltypes, gen = kind
    table = "rp_key%d" % n
    keys = ["pk", "sk"][:len(types)]
    create_table(ddb, table, list(zip(keys, types)))
    items = {}
    seen = set()
    for i in range(count):
        k = gen(rng, i)
        k = k if isinstance(k, tuple) else (k,)
        ident = tuple(norm_key(av) for av in k)
        if ident in seen:
            continue
        seen.add(ident)
        tag = "g%d" % i
        item = dict(zip(keys, k))
        item.update({"tag": {"S": tag}, "v": {"S": "orig"}})
        ddb.put_item(TableName=table, Item=item)
        items[tag] = item
    cols = ", ".join("%s %s" % (k, t) for k, t in zip(keys, coltypes))
    db.execute("CREATE FOREIGN TABLE %s (%s, tag text, v text) SERVER rp_dynamo" % (table, cols))
    db.execute("SET TimeZone = 'Asia/Kolkata'")
    tags = list(items)
    rng.shuffle(tags)
    updated, deleted = tags[:4], tags[4:8]
    problems = []
    for j, tag in enumerate(updated):
        sql = "UPDATE %s SET v = %%s WHERE tag = %%s" % table
        if j == 0:
            sql += " RETURNING tag"
        cur = db.execute(sql, ("upd-" + tag, tag))
        if cur.rowcount != 1:
            problems.append("UPDATE of %s counted %d rows" % (tag, cur.rowcount))
    for j, tag in enumerate(deleted):
        sql = "DELETE FROM %s WHERE tag = %%s" % table
        if j == 0:
            sql += " RETURNING tag"
        cur = db.execute(sql, (tag,))
        if cur.rowcount != 1:
            problems.append("DELETE of %s counted %d rows" % (tag, cur.rowcount))
    raw = {item["tag"]["S"]: item for item in dyn.scan_all(ddb, table, consistent=True)}
    for tag, item in items.items():
        got = raw.get(tag)
        if tag in deleted:
            if got is not None:
                problems.append("item %s not deleted" % tag)
            continue
        if got is None:
            problems.append("item %s gone" % tag)
            continue
        want = "upd-" + tag if tag in updated else "orig"
        if got.get("v") != {"S": want}:
            problems.append("item %s: v is %r, not %r" % (tag, got.get("v"), want))
        if any(got.get(k) is None or norm_key(got[k]) != norm_key(item[k]) for k in keys):
            problems.append("item %s: key %r became %r" % (tag, [item[k] for k in keys],
                                                         [got.get(k) for k in keys]))
    db.execute("RESET TimeZone")
    return "UPDATE and DELETE by key, %s (%d items)" % (name, len(items)), problems


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dsn", required=True)
    ap.add_argument("--endpoint", default=os.environ.get("AWSTORE_DYNAMODB_ENDPOINT"))
    ap.add_argument("--seed", type=int, default=int(time.time()))
    ap.add_argument("--items", type=int, default=200)
    args = ap.parse_args()
    print("# round-trip property test, seed %d" % args.seed)
    rng = random.Random(args.seed)
    ddb = dyn.client(args.endpoint, "roundtrip", "roundtrip")
    with psycopg.connect(args.dsn, autocommit=True) as db:
        db.execute("DROP SCHEMA IF EXISTS rp_aw CASCADE")
        db.execute("DROP SERVER IF EXISTS rp_dynamo CASCADE")
        db.execute("CREATE SCHEMA rp_aw")
        db.execute("CREATE EXTENSION IF NOT EXISTS awstore SCHEMA rp_aw")
        db.execute("CREATE SERVER rp_dynamo FOREIGN DATA WRAPPER awstore_dynamodb "
                   "OPTIONS (endpoint %s)" % psycopg.sql.Literal(args.endpoint).as_string(db))
        db.execute("CREATE USER MAPPING FOR CURRENT_USER SERVER rp_dynamo "
                   "OPTIONS (access_key_id 'roundtrip', secret_access_key 'roundtrip')")
        try:
            report("INSERT of typed columns, read raw (%d items)" % args.items,
                   typed_columns(db, ddb, rng, args.items), args.seed)
        except Exception as e:  # a crash of one property is its failure
            report("INSERT of typed columns, read raw", ["%s: %s" % (type(e).__name__, e)], args.seed)
        try:
            report("INSERT of whole items through document 'dynamodb', read raw (%d items)"
                   % (args.items // 2), documents(db, ddb, rng, args.items // 2), args.seed)
        except Exception as e:
            report("INSERT of whole items, read raw", ["%s: %s" % (type(e).__name__, e)], args.seed)
        try:
            report("values read three ways agree: jsonb, json and document 'plain' (%d items)"
                   % args.items, read_paths(db, ddb, rng, args.items), args.seed)
        except Exception as e:
            report("values read three ways agree", ["%s: %s" % (type(e).__name__, e)], args.seed)
        for n, kind in enumerate(KEY_KINDS):
            try:
                name, problems = key_kind(db, ddb, rng, n, kind, 20)
                report(name, problems, args.seed)
            except Exception as e:
                report("UPDATE and DELETE by key, %s" % kind[0], ["%s: %s" % (type(e).__name__, e)],
                       args.seed)
        db.execute("DROP SERVER rp_dynamo CASCADE")
    for t in ["rp_typed", "rp_doc", "rp_read"] + ["rp_key%d" % n for n in range(len(KEY_KINDS))]:
        try:
            ddb.delete_table(TableName=t)
        except Exception:
            pass
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
