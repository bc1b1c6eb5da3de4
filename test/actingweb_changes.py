#!/usr/bin/python3
"""test/actingweb_changes.py — random ActingWeb changes in DynamoDB, written
with boto3 exactly as ActingWeb (PynamoDB 6) writes them.

    actingweb_changes.py [--endpoint URL] [--prefix P] [--seed S] [--workers W]
                         [--sweep] --changes N
    actingweb_changes.py [--endpoint URL] [--prefix P] [--seed S] [--workers W]
                         [--sweep] --rate R --seconds S

Changes the nine tables of prefix P (made and filled by
test/actingweb_dataset.py) as an ActingWeb application does: new actors
with their properties, lookups, attributes, trusts and subscriptions;
properties set, changed and deleted; an indexed property's value moving
from one actor to another; attributes written, updated in place and
deleted; trusts approved; subscriptions advancing with a diff per step;
suspensions; whole actors deleted with everything they own.  Every table
gets new items, overwritten ones (PutItem over an item), updated ones
(UpdateItem) and deleted ones; --sweep starts with a few operations that
make sure of it (some 60 writes: Changer.sweep()).

Writes are PynamoDB's: Model.save() is a PutItem of the whole item (None
attributes left out), Model.update(actions=…) an UpdateItem with
positional names and values ("SET #0 = :0 REMOVE #1", ReturnValues
ALL_NEW), Model.delete() a DeleteItem by key.  The items come from the
builders of test/actingweb_dataset.py (S, N, BOOL, dt, js, item,
lookup_key), so they have PynamoDB's formats.

The invariants ActingWeb keeps hold after every change (a change is the
few writes of one ActingWeb operation, never cut short): a property_lookup
item is written after the property whose value it indexes, and deleted
with it (a changed value deletes the old lookup and writes the new one);
an actor is deleted last, after everything it owns.  So DynamoDB is a
valid ActingWeb dataset whenever no change is under way.

Deterministic: the state is read from DynamoDB at the start (every table),
every choice comes from the seed and is made among keys in sorted order,
so the same dataset and seed give the same writes.  With --workers W the actors are split
between W threads by a digest of their id, each with its own client, its
own random stream (from the seed and its number) and a W-th of the rate;
a worker touches only its actors, so the invariants hold across threads.

--changes N makes at least N writes as fast as it can (the change under
way when the N-th write returns is finished); --rate R --seconds S makes
R writes a second, evenly spaced, for S seconds (a worker that falls
behind writes without pausing until it catches up).  Prints what it wrote
per table and kind.

As a module (bench/replicate imports it):

    import actingweb_changes
    summary = actingweb_changes.run(endpoint, prefix, rate=200, seconds=30,
                                    seed=1, on_write=callback)

on_write(table, key, kind, wall_time) is called after each write returns:
table is the ActingWeb table ("properties"), key a dict of the key
attributes' string values, kind one of "put" (a new item), "overwrite"
(PutItem over an item), "update" (UpdateItem) and "delete", wall_time
time.time() when the write returned.  With several workers it is called
from their threads.  Run with Debian's /usr/bin/python3 (python3-boto3).
"""
import argparse
import collections
import datetime
import hashlib
import json
import os
import random
import sys
import threading
import time

import actingweb_dataset as awd
import dyn
from actingweb_dataset import BOOL, KEYS, N, S, SUFFIXES, dt, item, js, lookup_key

# The properties ActingWeb indexes in property_lookup (as in the dataset).
LOOKUP_PROPERTIES = ("email", "oauthId")
# Operations and how often each is picked.
WEIGHTS = {
    "new_actor": 4, "delete_actor": 1, "update_actor": 3, "property": 18,
    "move_lookup": 3, "attribute": 24, "trust": 9, "peertrustee": 7,
    "subscription": 10, "diff": 6, "suspension": 8,
}
WORDS = ["alpha", "Ünïcode", "日本語", "emoji 🚀", "quote \" and \\ back", "tab\tnew\nline", "",
         "𝄞 clef", "naïve café"]
SUSPENSION_TARGETS = [("properties", None), ("properties", "email"), ("attributes", ""),
                      ("attributes", "mcp_clients"), ("meta", "actingweb/version")]
ALL_KINDS = ("put", "overwrite", "update", "delete")


def part_of(actor_id, parts):
    """The worker an actor belongs to: a digest, the same in every run."""
    if parts == 1:
        return 0
    return int(hashlib.sha1(actor_id.encode()).hexdigest()[:8], 16) % parts


class Changer:
    """One worker: its actors' items, a client, a random stream.

    Builds its picture of DynamoDB by scanning the nine tables (keeping the
    items of its own actors) and updates it with every write it makes; it
    assumes nothing else writes those actors meanwhile."""

    def __init__(self, endpoint, prefix, seed=1, on_write=None, part=0, parts=1):
        self.c = awd.client(endpoint)
        self.prefix = prefix
        self.rnd = random.Random("%s/%d/%d" % (seed, part, parts))
        self.on_write = on_write
        self.part, self.parts = part, parts
        self.items = {t: {} for t in KEYS}
        self.owned = collections.defaultdict(lambda: {t: set() for t in KEYS})
        self.writes = 0
        self.counts = collections.Counter()
        self.interval = None        # seconds between writes, with a rate
        self.next_at = None
        self.clock = awd.BASE_TIME + datetime.timedelta(days=400)
        for table in KEYS:
            for it in dyn.scan_all(self.c, self.name(table), consistent=True):
                if part_of(self.actor_of(table, it), parts) == part:
                    self.remember(table, it)

    # --- the picture ----------------------------------------------------
    def name(self, table):
        return self.prefix + SUFFIXES[table]

    @staticmethod
    def actor_of(table, it):
        return it["actor_id" if table == "property_lookup" else "id"]["S"]

    @staticmethod
    def key_of(table, it):
        hk, rk = KEYS[table]
        return (it[hk]["S"], it[rk]["S"] if rk else None)

    @staticmethod
    def key_item(table, key):
        hk, rk = KEYS[table]
        return {hk: S(key[0]), **({rk: S(key[1])} if rk else {})}

    def remember(self, table, it):
        key = self.key_of(table, it)
        self.items[table][key] = it
        self.owned[self.actor_of(table, it)][table].add(key)

    def forget(self, table, key):
        it = self.items[table].pop(key, None)
        if it is not None:
            owner = self.owned.get(self.actor_of(table, it))
            if owner is not None:
                owner[table].discard(key)

    def actors(self):
        return sorted(k[0] for k in self.items["actors"])

    def mine(self, actor, table):
        return sorted(self.owned[actor][table]) if actor in self.owned else []

    # --- values -----------------------------------------------------------
    def hex(self, bits):
        return "%0*x" % (bits // 4, self.rnd.getrandbits(bits))

    def when(self):
        """A date-time later than the last: microseconds, as PynamoDB keeps them."""
        self.clock += datetime.timedelta(seconds=self.rnd.randrange(1, 600),
                                         microseconds=self.rnd.randrange(1_000_000))
        return self.clock

    def text(self):
        return self.rnd.choice(WORDS) + " " + self.hex(16)

    def json_value(self):
        r = self.rnd.randrange(6)
        if r == 0:
            return {"chain_id": "c%d" % self.rnd.randrange(10), "n": self.rnd.randrange(10 ** 6)}
        if r == 1:
            return {"text": self.rnd.choice(WORDS), "nested": {"list": [1, 2.5, None, True, "ü"]}}
        if r == 2:
            return [2 ** 64 + self.rnd.randrange(100), -(10 ** 30), 0.1, 1e-7, "𝄞"]
        if r == 3:
            return "just a string " + self.hex(32)
        if r == 4:
            return {"keys": {str(i): self.text() for i in range(self.rnd.randrange(1, 30))}}
        return self.rnd.randrange(-10 ** 6, 10 ** 6)

    # --- writes, as PynamoDB sends them -----------------------------------
    def pace(self):
        if self.interval is None:
            return
        now = time.monotonic()
        if self.next_at is None:
            self.next_at = now
        if self.next_at > now:
            time.sleep(self.next_at - now)
        self.next_at += self.interval

    def wrote(self, table, key, kind):
        self.writes += 1
        self.counts[(table, kind)] += 1
        if self.on_write is not None:
            hk, rk = KEYS[table]
            self.on_write(table, {hk: key[0], **({rk: key[1]} if rk else {})}, kind, time.time())

    def put(self, table, it):
        """Model.save(): PutItem of the whole item."""
        key = self.key_of(table, it)
        kind = "overwrite" if key in self.items[table] else "put"
        self.pace()
        self.c.put_item(TableName=self.name(table), Item=it)
        self.remember(table, it)
        self.wrote(table, key, kind)

    def update(self, table, key, sets=None, removes=(), adds=None):
        """Model.update(actions=[…]): one UpdateExpression, SET then REMOVE
        then ADD, names and values by position, ReturnValues ALL_NEW."""
        names, values, sections = {}, {}, []
        for verb, pairs in (("SET", list((sets or {}).items())), ("REMOVE", [(a, None) for a in removes]),
                            ("ADD", list((adds or {}).items()))):
            parts = []
            for attr, value in pairs:
                n = "#%d" % len(names)
                names[n] = attr
                if verb == "REMOVE":
                    parts.append(n)
                    continue
                v = ":%d" % len(values)
                values[v] = value
                parts.append("%s = %s" % (n, v) if verb == "SET" else "%s %s" % (n, v))
            if parts:
                sections.append(verb + " " + ", ".join(parts))
        args = {"TableName": self.name(table), "Key": self.key_item(table, key),
                "UpdateExpression": " ".join(sections), "ExpressionAttributeNames": names,
                "ReturnValues": "ALL_NEW"}
        if values:
            args["ExpressionAttributeValues"] = values
        self.pace()
        answer = self.c.update_item(**args)
        self.remember(table, answer["Attributes"])
        self.wrote(table, key, "update")

    def delete(self, table, key):
        """Model.delete(): DeleteItem by key."""
        self.pace()
        self.c.delete_item(TableName=self.name(table), Key=self.key_item(table, key))
        self.forget(table, key)
        self.wrote(table, key, "delete")

    # --- ActingWeb's operations -------------------------------------------
    def set_property(self, actor, name, value):
        """Property save; an indexed property's lookup follows it: the old
        value's lookup deleted, the new one written (rewritten when the
        value did not change, as ActingWeb does)."""
        old = self.items["properties"].get((actor, name))
        self.put("properties", item(id=S(actor), name=S(name), value=S(value)))
        if name in LOOKUP_PROPERTIES:
            if old is not None and old["value"]["S"] != value:
                self.delete("property_lookup", (lookup_key(name, old["value"]["S"]), None))
            self.put("property_lookup", item(lookup_key=S(lookup_key(name, value)), actor_id=S(actor),
                                             property_name=S(name)))

    def delete_property(self, actor, name):
        old = self.items["properties"].get((actor, name))
        self.delete("properties", (actor, name))
        if name in LOOKUP_PROPERTIES and old is not None:
            self.delete("property_lookup", (lookup_key(name, old["value"]["S"]), None))

    def unique_email(self):
        return "%s+%s@exämple.com" % (self.rnd.choice(["anna", "bjørn", "chen", "dev"]), self.hex(64))

    def op_new_actor(self):
        """An actor with its properties (each lookup after its property),
        perhaps attributes, a trust, a subscription.  Returns its id."""
        actor = self.hex(128)
        email = self.unique_email()
        self.put("actors", item(id=S(actor), creator=S(email), passphrase=S(self.hex(96))))
        self.set_property(actor, "email", email)
        self.set_property(actor, "displayname", self.text())
        if self.rnd.random() < 0.5:
            self.set_property(actor, "oauthId", "oauth-" + self.hex(64))
        for _ in range(self.rnd.randrange(3)):
            self.op_attribute(actor, "new")
        if self.rnd.random() < 0.5:
            self.op_trust(actor, "new")
        if self.rnd.random() < 0.3:
            self.op_subscription(actor, "new")
        return actor

    def op_delete_actor(self, actor=None):
        """ActingWeb's Actor.delete(): everything the actor owns, then the actor."""
        if actor is None:
            actors = self.actors()
            if len(actors) < 5:
                return self.op_new_actor()
            actor = self.rnd.choice(actors)
        for key in self.mine(actor, "properties"):
            self.delete_property(actor, key[1])
        for table in ("property_lookup", "attributes", "trusts", "peertrustees", "subscription_diffs",
                      "subscriptions", "subscription_suspensions"):
            for key in self.mine(actor, table):
                self.delete(table, key)
        self.delete("actors", (actor, None))
        self.owned.pop(actor, None)

    def pick_actor(self):
        actors = self.actors()
        return self.rnd.choice(actors) if actors else None

    def pick(self, hows, weights, how, have):
        """The way to change a table: the one asked for, or a random one;
        a new item when there is none to change."""
        if how is None:
            how = self.rnd.choices(hows, weights=weights)[0]
        return how if have or how == "new" else "new"

    def op_update_actor(self, actor=None, how=None):
        actor = actor or self.pick_actor()
        if actor is None:
            return self.op_new_actor()
        if self.pick(["update", "overwrite"], [1, 1], how, True) == "update":
            self.update("actors", (actor, None), sets={"passphrase": S(self.hex(96))})
        else:
            old = self.items["actors"][(actor, None)]
            self.put("actors", item(id=S(actor), creator=S(self.unique_email()), passphrase=old["passphrase"]))

    def op_property(self, actor=None, how=None):
        actor = actor or self.pick_actor()
        if actor is None:
            return self.op_new_actor()
        names = [k[1] for k in self.mine(actor, "properties")]
        plain = [n for n in names if n not in LOOKUP_PROPERTIES]
        how = self.pick(["new", "delete", "indexed", "same", "update", "overwrite"], [20, 20, 15, 10, 15, 20],
                        how, names)
        if how in ("update", "overwrite") and not plain:
            how = "new"
        if how == "new":
            self.set_property(actor, "p_" + self.hex(32), self.text())
        elif how == "delete":
            self.delete_property(actor, self.rnd.choice(names))
        elif how == "indexed":
            name = self.rnd.choice(LOOKUP_PROPERTIES)
            self.set_property(actor, name, self.unique_email() if name == "email" else "oauth-" + self.hex(64))
        elif how == "same":
            # the same value again: property and lookup written unchanged
            name = self.rnd.choice(sorted(set(names) & set(LOOKUP_PROPERTIES)) or names)
            self.set_property(actor, name, self.items["properties"][(actor, name)]["value"]["S"])
        elif how == "update":
            self.update("properties", (actor, self.rnd.choice(plain)), sets={"value": S(self.text())})
        else:
            value = json.dumps({"v": self.json_value()}) if self.rnd.random() < 0.3 else self.text()
            self.set_property(actor, self.rnd.choice(plain), value)

    def op_move_lookup(self):
        """An indexed value moves: A's email changes, then B takes A's old
        one (its lookup deleted, then written again for B)."""
        with_email = [a for a in self.actors() if (a, "email") in self.items["properties"]]
        if len(with_email) < 2:
            return self.op_property()
        a, b = self.rnd.sample(with_email, 2)
        value = self.items["properties"][(a, "email")]["value"]["S"]
        self.set_property(a, "email", self.unique_email())
        self.set_property(b, "email", value)

    def op_attribute(self, actor=None, how=None):
        actor = actor or self.pick_actor()
        if actor is None:
            return self.op_new_actor()
        keys = self.mine(actor, "attributes")
        how = self.pick(["new", "overwrite", "update", "delete"], [30, 20, 30, 20], how, keys)
        if how == "new":
            bucket = self.rnd.choice(["trust_types", "_internal", "mcp_clients", "oauth_tokens", "ÿ bucket"])
            name = "a_" + self.hex(32)
            ttl = self.rnd.choice([None, None, awd.EXPIRED_TTL + self.rnd.randrange(1000),
                                   awd.LIVE_TTL + self.rnd.randrange(1000)])
            self.put("attributes", item(
                id=S(actor), bucket_name=S(bucket + ":" + name), bucket=S(bucket), name=S(name),
                data=js(self.json_value()) if self.rnd.random() < 0.9 else None,
                timestamp=dt(self.when()) if self.rnd.random() < 0.85 else None,
                ttl_timestamp=None if ttl is None else N(ttl)))
            return
        key = self.rnd.choice(keys)
        old = self.items["attributes"][key]
        if how == "overwrite":
            self.put("attributes", item(
                id=S(actor), bucket_name=S(key[1]), bucket=old["bucket"], name=old["name"],
                data=js(self.json_value()), timestamp=dt(self.when()),
                ttl_timestamp=old.get("ttl_timestamp")))
        elif how == "update":
            sets = {"data": js(self.json_value()), "timestamp": dt(self.when())}
            removes = ()
            if self.rnd.random() < 0.3:
                if "ttl_timestamp" in old:
                    removes = ("ttl_timestamp",)
                else:
                    sets["ttl_timestamp"] = N(awd.LIVE_TTL + self.rnd.randrange(1000))
            self.update("attributes", key, sets=sets, removes=removes)
        else:
            self.delete("attributes", key)

    def op_trust(self, actor=None, how=None):
        actor = actor or self.pick_actor()
        if actor is None:
            return self.op_new_actor()
        keys = self.mine(actor, "trusts")
        how = self.pick(["new", "update", "overwrite", "delete"], [30, 40, 15, 15], how, keys)
        if how == "new":
            peer = self.hex(128)
            oauth = self.rnd.random() < 0.4
            self.put("trusts", item(
                id=S(actor), peerid=S(peer), baseuri=S("https://peer.example/%s" % peer),
                type=S("urn:actingweb:example.com:demo"), relationship=S(self.rnd.choice(["friend", "admin"])),
                secret=S(self.hex(160)), desc=S(self.text()), approved=BOOL(True),
                peer_approved=BOOL(False), verified=BOOL(False), verification_token=S(self.hex(64)),
                peer_identifier=S("peer@" + self.hex(16)) if oauth else None,
                established_via=S("oauth2" if oauth else "trust"), created_at=dt(self.when()),
                client_name=S("Claude ✨") if oauth else None,
                client_version=S("1.0") if oauth else None,
                client_platform=S("linux") if oauth else None,
                oauth_client_id=S("client-" + self.hex(32)) if oauth else None))
            return
        key = self.rnd.choice(keys)
        old = self.items["trusts"][key]
        if how == "update":
            # approved by the peer, verified, used
            sets = {"peer_approved": BOOL(True), "verified": BOOL(True), "last_accessed": dt(self.when()),
                    "last_connected_via": S(self.rnd.choice(["trust", "oauth2", "mcp"]))}
            removes = ("verification_token",) if "verification_token" in old and self.rnd.random() < 0.5 else ()
            if self.rnd.random() < 0.3:
                sets.update(aw_supported=S("trust,subscriptions,www"), aw_version=S("3.14"),
                            capabilities_fetched_at=dt(self.when()))
            self.update("trusts", key, sets=sets, removes=removes)
        elif how == "overwrite":
            self.put("trusts", dict(old, desc=S(self.text()),
                                    relationship=S(self.rnd.choice(["friend", "admin", "associate"]))))
        else:
            self.delete("trusts", key)

    def op_peertrustee(self, actor=None, how=None):
        actor = actor or self.pick_actor()
        if actor is None:
            return self.op_new_actor()
        keys = self.mine(actor, "peertrustees")
        how = self.pick(["new", "overwrite", "update", "delete"], [35, 25, 20, 20], how, keys)
        if how == "new":
            peer = self.hex(128)
            self.put("peertrustees", item(
                id=S(actor), peerid=S(peer), baseuri=S("https://peer.example/%s" % peer),
                type=S("urn:actingweb:example.com:demo"), passphrase=S(self.hex(96))))
            return
        key = self.rnd.choice(keys)
        old = self.items["peertrustees"][key]
        if how == "overwrite":
            self.put("peertrustees", dict(old, passphrase=S(self.hex(96))))
        elif how == "update":
            self.update("peertrustees", key, sets={"baseuri": S("https://moved.example/%s/ü" % key[1])})
        else:
            self.delete("peertrustees", key)

    def op_subscription(self, actor=None, how=None):
        actor = actor or self.pick_actor()
        if actor is None:
            return self.op_new_actor()
        keys = self.mine(actor, "subscriptions")
        how = self.pick(["new", "advance", "overwrite", "delete"], [25, 45, 15, 15], how, keys)
        if how == "new":
            peer, subid = self.hex(128), self.hex(64)
            self.put("subscriptions", item(
                id=S(actor), peer_sub_id=S(peer + ":" + subid), peerid=S(peer), subid=S(subid),
                granularity=S(self.rnd.choice(["high", "low", "none"])) if self.rnd.random() < 0.7 else None,
                target=S("properties"), subtarget=S("email") if self.rnd.random() < 0.5 else None,
                resource=None, seqnr=N(1), callback=BOOL(self.rnd.random() < 0.5)))
            return
        key = self.rnd.choice(keys)
        old = self.items["subscriptions"][key]
        subid = old["subid"]["S"]
        if how == "advance":
            # a change to report: the sequence number advances, then its diff
            self.update("subscriptions", key, adds={"seqnr": N(1)})
            seq = int(self.items["subscriptions"][key]["seqnr"]["N"])
            self.put("subscription_diffs", item(
                id=S(actor), subid_seqnr=S("%s:%d" % (subid, seq)), subid=S(subid), timestamp=dt(self.when()),
                diff=S(json.dumps({"email": self.unique_email(), "ü": [seq]})), seqnr=N(seq)))
        elif how == "overwrite":
            self.put("subscriptions", dict(old, callback=BOOL(not old["callback"]["BOOL"]),
                                           granularity=S(self.rnd.choice(["high", "low"]))))
        else:
            for dkey in self.mine(actor, "subscription_diffs"):
                if self.items["subscription_diffs"][dkey]["subid"]["S"] == subid:
                    self.delete("subscription_diffs", dkey)
            self.delete("subscriptions", key)

    def op_diff(self, actor=None, how=None):
        actor = actor or self.pick_actor()
        if actor is None:
            return self.op_new_actor()
        keys = self.mine(actor, "subscription_diffs")
        if not keys:
            return self.op_subscription(actor, "advance")
        how = self.pick(["delete", "overwrite", "update"], [50, 30, 20], how, keys)
        key = self.rnd.choice(keys)
        old = self.items["subscription_diffs"][key]
        if how == "delete":
            # the peer fetched it: cleared
            self.delete("subscription_diffs", key)
        elif how == "overwrite":
            self.put("subscription_diffs", dict(old, diff=S(json.dumps({"again": self.text()})),
                                                timestamp=dt(self.when())))
        else:
            self.update("subscription_diffs", key, sets={"timestamp": dt(self.when())})

    def op_suspension(self, actor=None, how=None):
        actor = actor or self.pick_actor()
        if actor is None:
            return self.op_new_actor()
        keys = self.mine(actor, "subscription_suspensions")
        how = self.pick(["new", "overwrite", "update", "delete"], [40, 20, 15, 25], how, keys)
        if how == "new":
            target, sub = self.rnd.choice(SUSPENSION_TARGETS)
            self.put("subscription_suspensions", item(
                id=S(actor), target_key=S(target + ":" + sub if sub else target), target=S(target),
                subtarget=S(sub) if sub is not None else None, suspended_at=dt(self.when())))
            return
        key = self.rnd.choice(keys)
        old = self.items["subscription_suspensions"][key]
        if how == "overwrite":
            self.put("subscription_suspensions", dict(old, suspended_at=dt(self.when())))
        elif how == "update":
            self.update("subscription_suspensions", key, sets={"suspended_at": dt(self.when())})
        else:
            self.delete("subscription_suspensions", key)

    def sweep(self):
        """Every kind of write on every table, in a few ActingWeb
        operations: a new actor with one item in each table, each item
        overwritten and updated, one of each deleted, then the actor
        deleted with all it owns."""
        actor = self.op_new_actor()
        for how in ("new", "new", "overwrite", "update", "delete"):
            self.op_attribute(actor, how)
            self.op_trust(actor, how)
            self.op_peertrustee(actor, how)
            self.op_suspension(actor, how)
        for how in ("new", "new", "advance", "advance", "overwrite", "delete"):
            self.op_subscription(actor, how)
        self.op_subscription(actor, "advance")
        for how in ("overwrite", "update", "delete"):
            self.op_diff(actor, how)
        for how in ("update", "overwrite"):
            self.op_update_actor(actor, how)
        for how in ("new", "update", "overwrite", "same", "indexed", "delete"):
            self.op_property(actor, how)
        self.op_delete_actor(actor)

    def change(self):
        """One ActingWeb operation, picked by WEIGHTS."""
        ops = sorted(WEIGHTS)
        op = self.rnd.choices(ops, weights=[WEIGHTS[o] for o in ops])[0]
        if not self.items["actors"]:
            op = "new_actor"
        getattr(self, "op_" + op)()

    def run(self, writes=None, until=None, stop=None, sweep=False):
        """Changes until writes writes are made, time.monotonic() passes
        until, or stop (a threading.Event) is set: whichever comes first,
        checked between changes.  With sweep, sweep() comes first."""
        if sweep:
            self.sweep()
        while True:
            if writes is not None and self.writes >= writes:
                return
            if until is not None and time.monotonic() >= until:
                return
            if stop is not None and stop.is_set():
                return
            self.change()


def run(endpoint, prefix, changes=None, rate=None, seconds=None, seed=1, on_write=None,
        stop=None, workers=1, sweep=False):
    """Make changes on the ActingWeb tables of prefix; see the module's
    text.  changes: at least this many writes (as fast as possible unless
    rate is given); rate: writes a second over all workers; seconds: for
    this long; stop: a threading.Event that ends it early; sweep: each
    worker starts with Changer.sweep() (every kind of write on every
    table, some 60 writes, counted).  At least one of changes, seconds and
    stop must be given.  Returns a dict: writes, seconds, rate (achieved),
    counts {(table, kind): n}.  A worker's exception stops the others (and
    sets stop) and is raised here once all have ended."""
    if changes is None and seconds is None and stop is None:
        raise ValueError("give changes, seconds or stop")
    halt = stop if stop is not None else threading.Event()
    changers = [Changer(endpoint, prefix, seed, on_write, w, workers) for w in range(workers)]
    if rate:
        for ch in changers:
            ch.interval = workers / float(rate)
    started = time.monotonic()
    until = started + seconds if seconds is not None else None
    errors = []

    def work(ch, n):
        try:
            ch.run(n, until, halt, sweep)
        except Exception as e:      # raised in the caller's thread below
            errors.append(e)
            halt.set()

    shares = [None] * workers if changes is None else \
        [changes // workers + (1 if w < changes % workers else 0) for w in range(workers)]
    if workers == 1:
        work(changers[0], shares[0])
    else:
        threads = [threading.Thread(target=work, args=(ch, n)) for ch, n in zip(changers, shares)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    if errors:
        raise errors[0]
    elapsed = time.monotonic() - started
    counts = collections.Counter()
    for ch in changers:
        counts.update(ch.counts)
    total = sum(counts.values())
    return {"writes": total, "seconds": elapsed, "rate": total / elapsed if elapsed > 0 else 0.0,
            "counts": dict(counts)}


def describe(summary):
    """The summary as lines: the total, then per table its writes by kind."""
    lines = ["%d writes in %.1f s (%.0f/s)" % (summary["writes"], summary["seconds"], summary["rate"])]
    for table in KEYS:
        kinds = ", ".join("%s %d" % (k, summary["counts"].get((table, k), 0)) for k in ALL_KINDS)
        lines.append("  %-25s %s" % (table, kinds))
    return lines


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--endpoint", default=os.environ.get("AWSTORE_DYNAMODB_ENDPOINT"))
    p.add_argument("--prefix", default="demo_actingweb")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--changes", type=int, help="at least this many writes, as fast as possible")
    p.add_argument("--rate", type=float, help="writes a second (with --seconds)")
    p.add_argument("--seconds", type=float, help="for this long (with --rate)")
    p.add_argument("--sweep", action="store_true",
                   help="first every kind of write on every table (some 60 writes)")
    a = p.parse_args()
    if not a.endpoint:
        sys.exit("no endpoint: set AWSTORE_DYNAMODB_ENDPOINT or --endpoint")
    if (a.changes is None) == (a.seconds is None) or (a.rate is not None and a.seconds is None):
        sys.exit("give --changes N, or --rate R --seconds S")
    summary = run(a.endpoint, a.prefix, changes=a.changes, rate=a.rate, seconds=a.seconds,
                  seed=a.seed, workers=a.workers, sweep=a.sweep)
    print("\n".join(describe(summary)))


if __name__ == "__main__":
    main()
