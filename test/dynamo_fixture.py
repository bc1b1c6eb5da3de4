#!/usr/bin/python3
"""test/dynamo_fixture.py — DynamoDB test data, written with boto3.

The pg_regress suites read these tables through awstore and compare what
they see with what was written here by an independent client.  Run with
Debian's /usr/bin/python3 (python3-boto3):

    dynamo_fixture.py [--endpoint URL] reset            delete every table
    dynamo_fixture.py [--endpoint URL] load NAME...     create and fill tables
    dynamo_fixture.py [--endpoint URL] dump TABLE       items as typed JSON, sorted
    dynamo_fixture.py [--endpoint URL] count TABLE      number of items (Scan)
    dynamo_fixture.py [--endpoint URL] compare A B [ATTR...]
                                   A and B hold the same items (ATTRs aside)

The endpoint defaults to $AWSTORE_DYNAMODB_ENDPOINT.  Output is
deterministic so that pg_regress can compare it.
"""
import argparse
import base64
import decimal
import json
import os
import sys

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer  # noqa: F401

import dyn


def S(v):
    return {"S": v}


def N(v):
    return {"N": str(v)}


def load_things(c):
    """1000 items under 50 partition keys, a GSI on owner, an LSI on rank."""
    dyn.create_table(
        c,
        "things",
        ["id", "sk"],
        [("id", "S"), ("sk", "N"), ("owner", "S"), ("rank", "N")],
        gsis=[
            {
                "IndexName": "owner-index",
                "KeySchema": [{"AttributeName": "owner", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
            },
            {
                "IndexName": "owner-keys",
                "KeySchema": [{"AttributeName": "owner", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            },
        ],
        lsis=[
            {
                "IndexName": "rank-index",
                "KeySchema": [
                    {"AttributeName": "id", "KeyType": "HASH"},
                    {"AttributeName": "rank", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    )
    items = []
    for i in range(1000):
        item = {
            "id": S("a%d" % (i % 50)),
            "sk": N(i),
            "owner": S("o%d" % (i % 7)),
            "rank": N(1000 - i),
            "name": S("thing %d ü" % i),
            "n": N(decimal.Decimal("12.5") * i),
            "flag": {"BOOL": i % 2 == 0},
            "tags": {"SS": sorted({"x", "y%d" % (i % 3)})},
        }
        if i % 10 == 0:
            item["note"] = {"NULL": True}
        elif i % 10 == 1:
            item["note"] = S("note %d" % i)
        items.append(item)
    dyn.put_all(c, "things", items)


def load_types(c):
    """One item per kind of value, edge cases included."""
    dyn.create_table(c, "types", ["id"], [("id", "S")])
    big = "12345678901234567890123456789012345678"
    items = [
        {
            "id": S("all"),
            "s": S("héllo 🚀 \"quoted\" \\ back"),
            "empty": S(""),
            "n_int": N(42),
            "n_neg": N("-7"),
            "n_dec": N("3.14159"),
            "n_big": N(big),
            "n_small": N("0.000000000000000000000000000000000001"),
            "n_exp": N("1E+100"),
            "b": {"B": bytes([0, 1, 2, 253, 254, 255])},
            "bool_t": {"BOOL": True},
            "bool_f": {"BOOL": False},
            "nul": {"NULL": True},
            "m": {
                "M": {
                    "a": S("x"),
                    "n": N(big),
                    "nested": {"M": {"deep": {"L": [N(1), S("two"), {"BOOL": True}]}}},
                    "set": {"SS": ["p", "q"]},
                    "bin": {"B": b"\x00\xff"},
                    "nothing": {"NULL": True},
                }
            },
            "l": {"L": [S("a"), N(1), {"L": []}, {"M": {}}, {"NULL": True}]},
            "ss": {"SS": ["b", "a", "ü"]},
            "ns": {"NS": ["1", "2.5", big]},
            "bs": {"BS": [b"\x01", b"\x02\x03"]},
            "ts": S("2025-03-14T15:09:26.535897+0000"),
            "uuid": S("6f1c2a3b-4d5e-4f60-8a71-92b3c4d5e6f7"),
            "json_text": S('{"chain_id": "c1", "n": 123456789012345678901234567890}'),
        },
        {"id": S("sparse")},
        {"id": S("wrong"), "n_int": S("not a number"), "ts": S("yesterday-ish")},
        {"id": S("frac"), "n_int": N("1.5")},
        {"id": S("huge"), "n_int": N("99999999999999999999")},
    ]
    dyn.put_all(c, "types", items)


def load_big(c, count=4000, size=900):
    """Items large enough to need many 1 MB pages."""
    dyn.create_table(c, "big", ["id"], [("id", "S")])
    pad = "x" * size
    dyn.put_all(
        c,
        "big",
        [{"id": S("k%05d" % i), "n": N(i), "pad": S(pad)} for i in range(count)],
    )


def load_reserved(c):
    """A table whose name and attributes need quoting everywhere."""
    dyn.create_table(
        c,
        "my.Table-1",
        ["name", "timestamp"],
        [("name", "S"), ("timestamp", "N")],
    )
    dyn.put_all(
        c,
        "my.Table-1",
        [
            {
                "name": S("n%d" % i),
                "timestamp": N(i),
                "data": S("d%d" % i),
                "status": S("ok" if i % 2 else "bad"),
                "count": N(i * 10),
                "with space": S("sp%d" % i),
                "dotted.attr": S("dot%d" % i),
                "#hash": S("h%d" % i),
            }
            for i in range(10)
        ],
    )


def load_strings(c):
    """Strings whose order differs between byte order and a language."""
    dyn.create_table(c, "strings", ["id"], [("id", "S")])
    words = ["apple", "Banana", "banana", "Äpfel", "zebra", "Zebra", "éclair", "123", ""]
    dyn.put_all(
        c,
        "strings",
        [
            dict({"id": S("w%d" % i), "n": N(i)}, **({"w": S(w)} if w else {"w": S("")}))
            for i, w in enumerate(words)
        ]
        + [{"id": S("none"), "n": N(99)}, {"id": S("null"), "w": {"NULL": True}, "n": N(98)}],
    )


def load_encoding(c):
    """Strings for a database that is not UTF8: LATIN1 holds the first
    table's, not the second's euro sign."""
    dyn.create_table(c, "encoding", ["id"], [("id", "S")])
    dyn.put_all(c, "encoding", [
        {"id": S("caf\u00e9"), "s": S("d\u00e9j\u00e0 vu"),
         "m": {"M": {"cl\u00e9": S("\u00e9t\u00e9"), "n": N(1)}}, "l": {"L": [S("\u00fc")]}},
        {"id": S("ascii"), "s": S("plain")},
    ])
    dyn.create_table(c, "encoding_euro", ["id"], [("id", "S")])
    dyn.put_all(c, "encoding_euro", [{"id": S("euro"), "s": S("5 \u20ac")}])
    dyn.create_table(c, "encoding_key", ["id"], [("id", "S")])
    dyn.put_all(c, "encoding_key", [{"id": S("caf\u00e9"), "s": S("not base64")}])


def load_numbers(c):
    """Numbers where float64 and decimal comparisons differ."""
    dyn.create_table(c, "numbers", ["id"], [("id", "S")])
    values = [
        "0.1",
        "0.10000000000000000000000000000000000001",
        "1",
        "-1",
        "12345678901234567890123456789012345678",
        "12345678901234567890123456789012345677",
        "1E+125",
        "1E-130",
    ]
    dyn.put_all(c, "numbers", [{"id": S("v%d" % i), "v": N(v)} for i, v in enumerate(values)])


def load_empty(c):
    dyn.create_table(c, "empty", ["id"], [("id", "S")])


LOADERS = {
    "things": load_things,
    "types": load_types,
    "big": load_big,
    "reserved": load_reserved,
    "strings": load_strings,
    "numbers": load_numbers,
    "empty": load_empty,
    "encoding": load_encoding,
}


def to_json(value):
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(bytes(value)).decode()
    if isinstance(value, dict):
        return {k: to_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_json(v) for v in value]
    return value


def same_value(a, b):
    """AttributeValues equal as DynamoDB defines them: numbers by value,
    sets whatever their order."""
    (ta, va), = a.items()
    (tb, vb), = b.items()
    if ta != tb:
        return False
    if ta == "N":
        return decimal.Decimal(va) == decimal.Decimal(vb)
    if ta == "NS":
        return sorted(map(decimal.Decimal, va)) == sorted(map(decimal.Decimal, vb))
    if ta in ("SS", "BS"):
        return sorted(va) == sorted(vb)
    if ta == "M":
        return va.keys() == vb.keys() and all(same_value(va[k], vb[k]) for k in va)
    if ta == "L":
        return len(va) == len(vb) and all(same_value(x, y) for x, y in zip(va, vb))
    return va == vb


def compare(c, a, b, ignored=()):
    """Prints whether tables a and b hold the same items, and the
    differences if not, leaving out the attributes named in ignored.  Keys
    come from table a's key schema."""
    schema = c.describe_table(TableName=a)["Table"]["KeySchema"]
    names = [k["AttributeName"] for k in schema]

    def by_key(table):
        return {json.dumps([to_json(i.get(n)) for n in names]): i
                for i in dyn.scan_all(c, table)}

    ia, ib = by_key(a), by_key(b)
    problems = []
    for k in sorted(ia.keys() - ib.keys()):
        problems.append("only in %s: %s" % (a, k))
    for k in sorted(ib.keys() - ia.keys()):
        problems.append("only in %s: %s" % (b, k))
    for k in sorted(ia.keys() & ib.keys()):
        x, y = ia[k], ib[k]
        for attr in sorted((x.keys() | y.keys()) - set(ignored)):
            if attr not in x or attr not in y or not same_value(x[attr], y[attr]):
                problems.append("%s attribute %s: %s has %s, %s has %s" % (
                    k, attr, a, json.dumps(to_json(x.get(attr)), ensure_ascii=False),
                    b, json.dumps(to_json(y.get(attr)), ensure_ascii=False)))
    if problems:
        print("%s and %s differ:" % (a, b))
        for line in problems[:20]:
            print("  " + line)
        if len(problems) > 20:
            print("  ... and %d more" % (len(problems) - 20))
    else:
        print("%s and %s: %d items, identical%s" % (
            a, b, len(ia), " but for " + ", ".join(ignored) if ignored else ""))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--endpoint", default=os.environ.get("AWSTORE_DYNAMODB_ENDPOINT"))
    p.add_argument("command")
    p.add_argument("args", nargs="*")
    a = p.parse_args()
    if not a.endpoint:
        sys.exit("no endpoint: set AWSTORE_DYNAMODB_ENDPOINT or --endpoint")
    c = dyn.client(a.endpoint, "fixture", "fixture")
    if a.command == "reset":
        dyn.delete_tables(c)
    elif a.command == "load":
        for name in a.args:
            LOADERS[name](c)
    elif a.command == "dump":
        items = [to_json(i) for i in dyn.scan_all(c, a.args[0])]
        for line in sorted(json.dumps(i, sort_keys=True, ensure_ascii=False) for i in items):
            print(line)
    elif a.command == "count":
        print(len(dyn.scan_all(c, a.args[0])))
    elif a.command == "compare":
        compare(c, a.args[0], a.args[1], a.args[2:])
    else:
        sys.exit("unknown command %s" % a.command)


if __name__ == "__main__":
    main()
