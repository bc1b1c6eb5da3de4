#!/usr/bin/python3
"""test/actingweb_dataset.py — an ActingWeb dataset in DynamoDB, written
with boto3 exactly as ActingWeb (PynamoDB 6) writes its items.

    actingweb_dataset.py [--endpoint URL] [--prefix P] [--actors N] [--seed S]
                         [--attributes-per-actor N] [--v1] [--bad] load
    actingweb_dataset.py [--endpoint URL] [--prefix P] drop
    actingweb_dataset.py [--endpoint URL] [--prefix P] counts

load creates the nine tables of prefix P the way ActingWeb does (string
keys, creator-index and secret-index, PAY_PER_REQUEST) and fills them.  The
data is deterministic for a seed, and holds the edge cases a migration has
to carry exactly: unicode (outside the BMP too), empty strings, big JSON,
numbers beyond float64 in JSON, absent optional attributes, expired and
live TTLs, subtargets absent and present.  --v1 adds the deprecated
property_lookup table; --bad adds one item per kind of bad data (see BAD).

PynamoDB's formats, which this file reproduces:
  UTCDateTimeAttribute  S, "%Y-%m-%dT%H:%M:%S.%f+0000" in UTC
  JSONAttribute         S, json.dumps(value) with its defaults
  NumberAttribute       N, json.dumps(value)
  None                  the attribute is left out
"""
import argparse
import datetime
import hashlib
import json
import os
import random
import sys
import threading

import dyn

SUFFIXES = {
    "actors": "_actors",
    "properties": "_properties",
    "property_lookup": "_property_lookup_v2",
    "attributes": "_attributes",
    "trusts": "_trusts",
    "peertrustees": "_peertrustees",
    "subscriptions": "_subscriptions",
    "subscription_diffs": "_subscriptiondiffs",
    "subscription_suspensions": "_subscription_suspensions",
}
KEYS = {
    "actors": ("id", None),
    "properties": ("id", "name"),
    "property_lookup": ("lookup_key", None),
    "attributes": ("id", "bucket_name"),
    "trusts": ("id", "peerid"),
    "peertrustees": ("id", "peerid"),
    "subscriptions": ("id", "peer_sub_id"),
    "subscription_diffs": ("id", "subid_seqnr"),
    "subscription_suspensions": ("id", "target_key"),
}
GSIS = {
    "actors": [("creator-index", "creator")],
    "trusts": [("secret-index", "secret")],
}
# The bad items of --bad: table, key, what is wrong.
BAD = [
    ("attributes", "bad-actor / b:timestamp", "timestamp not in PynamoDB's format"),
    ("attributes", "bad-actor / b:json", "data that is not JSON"),
    ("subscriptions", "bad-actor / p:s", "seqnr beyond integer"),
    ("trusts", "bad-actor / peer", "approved stored as a string"),
    ("subscription_suspensions", "bad-actor / t:x", "target_key that is not target:subtarget"),
]
BASE_TIME = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
EXPIRED_TTL = 1_000_000_000     # 2001
LIVE_TTL = 4_000_000_000        # 2096


def client(endpoint):
    return dyn.client(endpoint, "dataset", "dataset")


def S(v):
    return {"S": v}


def N(v):
    return {"N": json.dumps(v)}


def BOOL(v):
    return {"BOOL": bool(v)}


def dt(d):
    """PynamoDB's UTCDateTimeAttribute serialization."""
    return S(d.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f%z").zfill(31))


def js(v):
    """PynamoDB's JSONAttribute serialization."""
    return S(json.dumps(v))


def item(**attrs):
    """An item without its None attributes, as PynamoDB leaves them out."""
    return {k: v for k, v in attrs.items() if v is not None}


def lookup_key(name, value):
    return hashlib.sha256(f"{name}\x00{value}".encode()).hexdigest()


def create_tables(c, prefix, v1):
    names = set(dyn.table_names(c))
    specs = dict(KEYS)
    if v1:
        specs["property_lookup_v1"] = ("property_name", "value")
    for table, (hk, rk) in specs.items():
        name = prefix + ("_property_lookup" if table == "property_lookup_v1" else SUFFIXES[table])
        if name in names:
            continue
        attrs = {hk} | ({rk} if rk else set()) | {a for _, a in GSIS.get(table, [])}
        gsis = [{"IndexName": n, "KeySchema": [{"AttributeName": a, "KeyType": "HASH"}],
                 "Projection": {"ProjectionType": "ALL"}} for n, a in GSIS.get(table, [])]
        dyn.create_table(c, name, [hk] + ([rk] if rk else []), [(a, "S") for a in sorted(attrs)],
                         gsis=gsis)


def write_all(endpoint, table, items, workers=4):
    """BatchWriteItem in 25s, unprocessed items resent, in a few threads."""
    chunks = [items[i:i + 25] for i in range(0, len(items), 25)]

    def work(part):
        c = client(endpoint)
        for chunk in part:
            dyn.write_batch(c, table, [{"PutRequest": {"Item": it}} for it in chunk])

    parts = [chunks[i::workers] for i in range(workers)]
    threads = [threading.Thread(target=work, args=(p,)) for p in parts if p]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def generate(n_actors, per_actor, seed, v1):
    rnd = random.Random(seed)
    data = {t: [] for t in KEYS}
    data["property_lookup_v1"] = []
    words = ["alpha", "Ünïcode", "日本語", "emoji 🚀", "quote \" and \\ back", "tab\tnew\nline", ""]
    for a in range(n_actors):
        actor = "%032x" % rnd.getrandbits(128)
        created = BASE_TIME + datetime.timedelta(seconds=a * 37, microseconds=rnd.randrange(1_000_000))
        creator = "user%d@example.com" % a if a % 5 else "üser%d@exämple.com" % a
        data["actors"].append(item(id=S(actor), creator=S(creator),
                                   passphrase=S("" if a % 11 == 0 else "%024x" % rnd.getrandbits(96))))
        props = {
            "email": creator,
            "displayname": words[a % len(words)] + " %d" % a,
            "empty": "",
            "config": json.dumps({"n": a, "tags": ["x", "ÿ"], "big": 2 ** 70}),
        }
        if a % 3 == 0:
            props["oauthId"] = "oauth-%d" % a
        if a % 17 == 0:
            props["long"] = "λ" * 5000
        for name, value in props.items():
            data["properties"].append(item(id=S(actor), name=S(name), value=S(value)))
            if name in ("email", "oauthId"):
                if v1 and a % 4 == 0:
                    data["property_lookup_v1"].append(item(property_name=S(name), value=S(value),
                                                           actor_id=S(actor)))
                else:
                    data["property_lookup"].append(item(lookup_key=S(lookup_key(name, value)),
                                                        actor_id=S(actor), property_name=S(name)))
        for b in range(per_actor):
            bucket = ["trust_types", "_internal", "mcp_clients", "oauth_tokens"][b % 4]
            name = "attr%d" % b
            value = {
                0: {"chain_id": "c%d" % (a % 10), "n": rnd.randrange(10 ** 6)},
                1: {"text": words[b % len(words)], "nested": {"list": [1, 2.5, None, True, "ü"]}},
                2: [2 ** 64 + b, -(10 ** 30), 0.1, 1e-7, "𝄞"],
                3: "just a string",
            }[b % 4]
            if b == 7 and a % 25 == 0:
                value = {"blob": "x" * 100_000, "keys": {str(i): i for i in range(500)}}
            ts = created + datetime.timedelta(minutes=b, microseconds=b)
            ttl = None
            if b % 5 == 1:
                ttl = EXPIRED_TTL + a
            elif b % 5 == 2:
                ttl = LIVE_TTL + a
            data["attributes"].append(item(
                id=S(actor), bucket_name=S(bucket + ":" + name), bucket=S(bucket), name=S(name),
                data=None if b % 9 == 8 else js(value),
                timestamp=None if b % 6 == 5 else dt(ts),
                ttl_timestamp=None if ttl is None else N(ttl)))
        for p in range(a % 3):
            peer = "%032x" % rnd.getrandbits(128)
            when = created + datetime.timedelta(hours=p)
            data["trusts"].append(item(
                id=S(actor), peerid=S(peer), baseuri=S("https://peer.example/%s" % peer),
                type=S("urn:actingweb:example.com:demo"), relationship=S(["friend", "admin"][p % 2]),
                secret=S("%040x" % rnd.getrandbits(160)), desc=S("" if p else "Trust ü %d" % p),
                approved=BOOL(True), peer_approved=BOOL(p % 2 == 0), verified=BOOL(a % 2 == 0),
                verification_token=S("%016x" % rnd.getrandbits(64)),
                peer_identifier=S("peer@%d" % p) if p else None,
                established_via=S(["trust", "oauth2", "mcp"][a % 3]),
                created_at=dt(when), last_accessed=dt(when + datetime.timedelta(days=1)) if a % 2 else None,
                last_connected_via=S("trust") if a % 2 else None,
                client_name=S("Claude ✨") if a % 3 == 1 else None,
                client_version=S("1.0") if a % 3 == 1 else None,
                client_platform=S("linux") if a % 3 == 1 else None,
                oauth_client_id=S("client-%d" % a) if a % 3 == 1 else None,
                aw_supported=S("trust,subscriptions,www") if a % 2 else None,
                aw_version=S("3.14") if a % 2 else None,
                capabilities_fetched_at=dt(when + datetime.timedelta(seconds=5)) if a % 2 else None))
            data["peertrustees"].append(item(
                id=S(actor), peerid=S(peer), baseuri=S("https://peer.example/%s" % peer),
                type=S("urn:actingweb:example.com:demo"), passphrase=S("" if p else "pp%d" % a)))
            subid = "%016x" % rnd.getrandbits(64)
            data["subscriptions"].append(item(
                id=S(actor), peer_sub_id=S(peer + ":" + subid), peerid=S(peer), subid=S(subid),
                granularity=S("high") if p else None, target=S("properties"),
                subtarget=S("email") if a % 2 else None, resource=None,
                seqnr=N(a % 7), callback=BOOL(p % 2 == 1)))
            for seq in range(1, 1 + a % 4):
                data["subscription_diffs"].append(item(
                    id=S(actor), subid_seqnr=S(subid + ":" + str(seq)), subid=S(subid),
                    timestamp=dt(when + datetime.timedelta(seconds=seq)),
                    diff=S(json.dumps({"email": "new%d@example.com" % seq, "ü": [seq]})), seqnr=N(seq)))
        if a % 6 == 0:
            for target, sub in (("properties", None), ("properties", "email"), ("attributes", "")):
                key = target + ":" + sub if sub else target
                data["subscription_suspensions"].append(item(
                    id=S(actor), target_key=S(key), target=S(target),
                    subtarget=S(sub) if sub is not None else None,
                    suspended_at=dt(created + datetime.timedelta(days=2))))
    return data


def bad_items():
    actor = "bad-actor"
    return {
        "actors": [item(id=S(actor), creator=S("bad@example.com"), passphrase=S("x"))],
        "attributes": [
            item(id=S(actor), bucket_name=S("b:timestamp"), bucket=S("b"), name=S("timestamp"),
                 timestamp=S("2025/03/14 10:00:00")),
            item(id=S(actor), bucket_name=S("b:json"), bucket=S("b"), name=S("json"),
                 data=S("{not json")),
        ],
        "subscriptions": [item(id=S(actor), peer_sub_id=S("p:s"), peerid=S("p"), subid=S("s"),
                               seqnr=N(10 ** 12), callback=BOOL(False))],
        "trusts": [item(id=S(actor), peerid=S("peer"), baseuri=S("b"), type=S("t"), relationship=S("r"),
                        secret=S("s"), desc=S("d"), approved=S("yes"), peer_approved=BOOL(False),
                        verified=BOOL(False), verification_token=S("v"))],
        "subscription_suspensions": [item(id=S(actor), target_key=S("t:x"), target=S("t"), subtarget=S("y"),
                                          suspended_at=dt(BASE_TIME))],
    }


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--endpoint", default=os.environ.get("AWSTORE_DYNAMODB_ENDPOINT"))
    p.add_argument("--prefix", default="demo_actingweb")
    p.add_argument("--actors", type=int, default=200)
    p.add_argument("--attributes-per-actor", type=int, default=10)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--v1", action="store_true", help="also the deprecated property_lookup table")
    p.add_argument("--bad", action="store_true", help="add one item per kind of bad data")
    p.add_argument("command", choices=["load", "drop", "counts"])
    a = p.parse_args()
    if not a.endpoint:
        sys.exit("no endpoint: set AWSTORE_DYNAMODB_ENDPOINT or --endpoint")
    c = client(a.endpoint)
    if a.command == "drop":
        dyn.delete_tables(c, a.prefix + "_")
        return
    if a.command == "counts":
        for name in sorted(dyn.table_names(c, a.prefix + "_")):
            print("%s %d" % (name, dyn.count(c, name)))
        return
    create_tables(c, a.prefix, a.v1)
    data = generate(a.actors, a.attributes_per_actor, a.seed, a.v1)
    if a.bad:
        for table, items in bad_items().items():
            data[table].extend(items)
    for table, items in data.items():
        if not items:
            continue
        name = a.prefix + ("_property_lookup" if table == "property_lookup_v1" else SUFFIXES[table])
        write_all(a.endpoint, name, items)
    print("loaded %s: %s" % (a.prefix, ", ".join(
        "%s %d" % (t, len(v)) for t, v in data.items() if v)))


if __name__ == "__main__":
    main()
