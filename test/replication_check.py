#!/usr/bin/python3
"""test/replication_check.py — replication from DynamoDB Streams, end to end.

Against DynamoDB Local (dynalite has no Streams: the check says so and
skips), on a PostgreSQL server where the role of DSN can CREATE EXTENSION
awstore:

  a. a snapshot while writes continue: start_replication (paced to 10
     read units a second, so that its tables are read over a few seconds)
     while a writer changes an ActingWeb dataset, more changes of every
     kind on all nine tables, replicate; PostgreSQL then equals DynamoDB
     (verify_migration all zeros) and equals a fresh migrate_from_dynamodb
     of DynamoDB's final state into another schema, row by row (EXCEPT ALL
     both ways);
  b. kill -9 of the backend running replicate, three times at different
     moments (at once, and twice while pages are being applied) with
     thousands of changes waiting, every kind on every table among them; after the restart replicate catches up
     and the result is exact as in (a), and each table has applied exactly
     as many records as its stream holds;
  c. on_error: with 'stop', an item that does not convert stops its shard
     with an error naming the item, replication_status.last_error shows
     it, and what follows in the shard is not applied until the item is
     corrected in DynamoDB (the other tables go on); with 'skip' it lands
     in awstore.migration_rejects and the rest is applied;
  d. lost history: a stream turned off and on again makes replicate fail
     with an error asking for a new snapshot (and last_error shows it);
     a new replication then starts from a new snapshot;
  e. the one-table form: a foreign table over a non-ActingWeb table
     (numeric sort key, a jsonb column, unicode) into a local table,
     compared with the foreign table row by row;
  f. replication_wait: true once caught up while replicate runs in
     another session (and the changes made before it are then applied);
     false after a short timeout when replicate is not running;
  g. the one-table form again: one key whose number is spelled two ways
     (447.4 and 447.40) in one page of records is one key;
  h. replicate running in another session while the application writes:
     no error, and exact as in (a) once caught up.

    replication_check.py --dsn DSN --endpoint URL [--seed N] [--keep] [case…]

The cases are named by their letters (default: all).  Changes are made
with test/actingweb_changes.py, deterministic for the seed (default 1);
the kill delays too, though where they land depends on timing.  About 1 to 2 minutes
on 2 cores, most of it DynamoDB Local writing.

Every case uses DynamoDB tables of its own under a prefix unique to the
run (rc_<hex>_<case>), a server "rc_dynamo" and schemas rc_*; --keep
leaves them.  Prints "ok - replication: …" / "not ok - replication: … #
detail" lines, "# " lines with figures; exits 1 when anything failed.
Case (b) kills a backend of the server of DSN: every session of that
server is cut off while it restarts, so give it a server of its own.
"""
import argparse
import decimal
import os
import random
import signal
import sys
import threading
import time

# boto3 and the engine meet on the loopback, never through a proxy
os.environ["NO_PROXY"] = os.environ["no_proxy"] = ",".join(
    filter(None, [os.environ.get("NO_PROXY"), "127.0.0.1,localhost"]))

import psycopg                                      # noqa: E402
import psycopg.errors                               # noqa: E402
import psycopg.sql                                  # noqa: E402

import actingweb_changes                            # noqa: E402
import actingweb_dataset                            # noqa: E402
import dyn                                          # noqa: E402

Q = psycopg.sql
failures = 0
SERVER = "rc_dynamo"


def report(name, problems):
    global failures
    if problems:
        failures += 1
        print("not ok - replication: %s # %s" % (name, "; ".join(str(p) for p in problems[:4])))
    else:
        print("ok - replication: %s" % name)
    sys.stdout.flush()


def note(text):
    print("# " + text)
    sys.stdout.flush()


def check(name, fn):
    try:
        report(name, fn())
    except Exception as e:  # a crash of one case is its failure
        report(name, ["%s: %s" % (type(e).__name__, str(e).replace("\n", " / "))])


class Env:
    """What the cases share: the DSN, the engine, the run's prefix."""

    def __init__(self, dsn, endpoint, seed, keep):
        self.dsn, self.endpoint, self.seed, self.keep = dsn, endpoint, seed, keep
        self.tag = "rc_%s" % os.urandom(3).hex()
        self.ddb = dyn.client(endpoint, "replication", "replication")
        self.streams = dyn.session("replication", "replication").client("dynamodbstreams",
                                                                       endpoint_url=endpoint)

    def connect(self):
        db = psycopg.connect(self.dsn, autocommit=True)
        db.add_notice_handler(lambda d: None)
        return db

    def prefix(self, case):
        return "%s_%s" % (self.tag, case)


# --- PostgreSQL helpers ---------------------------------------------------
def actingweb_tables(db):
    return [r[0] for r in db.execute("SELECT table_name FROM awstore.actingweb_tables() ORDER BY ordinal")]


def make_schema(db, schema):
    """A schema with the nine ActingWeb tables, shaped like the extension's."""
    app = db.execute("SELECT awstore.application_schema()").fetchone()[0]
    db.execute(Q.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(Q.Identifier(schema)))
    db.execute(Q.SQL("CREATE SCHEMA {}").format(Q.Identifier(schema)))
    for t in actingweb_tables(db):
        db.execute(Q.SQL("CREATE TABLE {}.{} (LIKE {}.{} INCLUDING ALL)").format(
            Q.Identifier(schema), Q.Identifier(t), Q.Identifier(app), Q.Identifier(t)))


def drop_schemas(env, db, *schemas):
    if env.keep:
        return
    for s in schemas:
        db.execute(Q.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(Q.Identifier(s)))


def table_diff(db, a, b, what):
    """Rows of a not in b and of b not in a (EXCEPT ALL), as problems."""
    problems = []
    for x, y in ((a, b), (b, a)):
        rows = db.execute(Q.SQL("SELECT * FROM {} EXCEPT ALL SELECT * FROM {}").format(x, y)).fetchall()
        if rows:
            problems.append("%s: %d rows of %s not in %s, first %r" % (
                what, len(rows), x.as_string(db), y.as_string(db), tuple(str(v)[:40] for v in rows[0][:3])))
    return problems


def schema_diff(db, a, b):
    problems = []
    for t in actingweb_tables(db):
        problems += table_diff(db, Q.Identifier(a, t), Q.Identifier(b, t), t)
    return problems


def verify(db, prefix, schema, expect=None):
    """verify_migration: zero missing and different rows, but for expect
    {table: (missing_in_postgres, missing_in_dynamodb, different)}."""
    problems = []
    for r in db.execute("SELECT * FROM awstore.verify_migration(%s, %s, %s)", (SERVER, prefix, schema)):
        want = (expect or {}).get(r[0], (0, 0, 0))
        if tuple(r[3:6]) != want:
            problems.append("verify_migration %s: %d/%d rows, missing in PostgreSQL %d, in DynamoDB %d, "
                            "different %d (expected %r)" % (r[0], r[1], r[2], r[3], r[4], r[5], want))
    return problems


def replication_id(db, prefix=None, local_table=None):
    if prefix is not None:
        return db.execute("SELECT id FROM awstore.replications WHERE server = %s AND prefix = %s",
                          (SERVER, prefix)).fetchone()[0]
    return db.execute("SELECT id FROM awstore.replications WHERE local_table = %s::regclass",
                      (local_table,)).fetchone()[0]


def now(db):
    return db.execute("SELECT clock_timestamp()").fetchone()[0]


def caught_up(db, rid, since):
    """Has every table of replication rid read its streams to a moment a
    second after since (replication_wait's test)?"""
    return db.execute("SELECT coalesce(bool_and(caught_up_to >= %s + interval '1 second'), false)"
                      " FROM awstore.replication_status WHERE replication = %s", (since, rid)).fetchone()[0]


def catch_up(db, rid, since=None, limit=60):
    """CALL replicate (2 seconds at a time) until replication rid has
    applied every change made before since (default: now)."""
    since = since or now(db)
    deadline = time.monotonic() + limit
    while True:
        db.execute("CALL awstore.replicate('2 seconds')")
        if caught_up(db, rid, since):
            return
        if time.monotonic() > deadline:
            raise AssertionError("replication %d not caught up after %d s: %r" % (rid, limit, db.execute(
                "SELECT table_name, caught_up_to, pending_items, last_error FROM awstore.replication_status"
                " WHERE replication = %s AND (caught_up_to IS NULL OR caught_up_to < %s + interval '1 second')",
                (rid, since)).fetchall()[:2]))


def leftovers(db, rid, prefix):
    """Held lookups and rejects of a replication that should have none."""
    problems = []
    held = db.execute("SELECT count(*) FROM awstore.replication_pending WHERE replication = %s",
                      (rid,)).fetchone()[0]
    if held:
        problems.append("%d property_lookup items still held in replication_pending" % held)
    rejects = db.execute("SELECT dynamodb_table, item_key, problem FROM awstore.migration_rejects"
                         " WHERE starts_with(dynamodb_table, %s)", (prefix + "_",)).fetchall()
    if rejects:
        problems.append("%d items rejected, first %r" % (len(rejects), rejects[0]))
    return problems


def stop(db, prefix=None, local_table=None):
    if prefix is not None:
        db.execute("SELECT awstore.stop_replication(%s::name, %s::text)", (SERVER, prefix))
    else:
        db.execute("SELECT awstore.stop_replication(%s::regclass)", (local_table,))


def stop_all(db):
    """Stop every replication of the check's server (a case that failed
    half-way leaves its own)."""
    for prefix, local_table in db.execute("SELECT prefix, local_table::text FROM awstore.replications"
                                          " WHERE server = %s", (SERVER,)).fetchall():
        if prefix is not None:
            stop(db, prefix=prefix)
        else:
            stop(db, local_table=local_table)


def start_actingweb(db, prefix, schema, on_error="stop", max_read_capacity=None):
    db.execute("SELECT * FROM awstore.start_replication(server => %s, prefix => %s, target_schema => %s,"
               " on_error => %s, max_read_capacity => %s)",
               (SERVER, prefix, schema, on_error, max_read_capacity)).fetchall()
    return replication_id(db, prefix=prefix)


def load(env, prefix, actors, per_actor, seed):
    """An ActingWeb dataset (test/actingweb_dataset.py) under prefix."""
    c = actingweb_dataset.client(env.endpoint)
    actingweb_dataset.create_tables(c, prefix, False)
    data = actingweb_dataset.generate(actors, per_actor, seed, False)
    for table, items in data.items():
        if items:
            actingweb_dataset.write_all(env.endpoint, prefix + actingweb_dataset.SUFFIXES[table], items)


def exact(env, db, prefix, schema, fresh, on_error="stop", expect=None):
    """The replicated schema against DynamoDB (verify_migration) and
    against a fresh migration of DynamoDB's state into schema fresh."""
    problems = verify(db, prefix, schema, expect)
    make_schema(db, fresh)
    db.execute("SELECT * FROM awstore.migrate_from_dynamodb(%s, %s, %s, on_error => %s)",
               (SERVER, prefix, fresh, on_error)).fetchall()
    problems += schema_diff(db, schema, fresh)
    return problems


def stream_records(env, table):
    """The number of records in the stream of a DynamoDB table, every shard
    read from its trim horizon."""
    arn = env.ddb.describe_table(TableName=table)["Table"]["LatestStreamArn"]
    shards, after = [], None
    while True:
        kw = {"StreamArn": arn}
        if after:
            kw["ExclusiveStartShardId"] = after
        d = env.streams.describe_stream(**kw)["StreamDescription"]
        shards += d["Shards"]
        after = d.get("LastEvaluatedShardId")
        if not after:
            break
    n = 0
    for sh in shards:
        it = env.streams.get_shard_iterator(StreamArn=arn, ShardId=sh["ShardId"],
                                            ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        while it:
            r = env.streams.get_records(ShardIterator=it, Limit=1000)
            n += len(r["Records"])
            if not r["Records"]:
                break
            it = r.get("NextShardIterator")
    return n


def wait_for_server(env, seconds=60):
    """After a backend's kill -9 the server restarts: wait until it accepts
    connections and answers again."""
    deadline = time.monotonic() + seconds
    time.sleep(0.2)
    while True:
        try:
            with psycopg.connect(env.dsn, autocommit=True, connect_timeout=5) as db:
                db.execute("SELECT 1")
            return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def attribute_key(it):
    return (it["id"]["S"], it["bucket_name"]["S"])


# --- the cases -------------------------------------------------------------
def case_snapshot(env):
    """(a) start_replication while a writer changes the tables."""
    prefix, problems = env.prefix("a"), []
    load(env, prefix, 40, 6, env.seed)
    stop_writer = threading.Event()
    times = []
    writer_error = []

    def writer():
        try:
            actingweb_changes.run(env.endpoint, prefix, rate=150, stop=stop_writer, seed=env.seed + 1,
                                  on_write=lambda t, k, kind, w: times.append(w))
        except Exception as e:
            writer_error.append(e)

    with env.connect() as db:
        make_schema(db, "rc_a")
        w = threading.Thread(target=writer)
        w.start()
        deadline = time.monotonic() + 20
        while len(times) < 40 and time.monotonic() < deadline and not writer_error:
            time.sleep(0.02)
        try:
            started = time.time()
            # paced, as the snapshot of a live application is: its tables
            # are read over some seconds while the writer goes on
            rid = start_actingweb(db, prefix, "rc_a", max_read_capacity=10)
            ended = time.time()
            time.sleep(0.5)
        finally:
            stop_writer.set()
            w.join()
        if writer_error:
            raise writer_error[0]
        during = sum(1 for t in times if started <= t <= ended)
        note("(a) %d writes before start_replication, %d during its %.2f s, %d after" % (
            sum(1 for t in times if t < started), during, ended - started, sum(1 for t in times if t > ended)))
        if during == 0:
            problems.append("no write landed while start_replication ran")
        summary = actingweb_changes.run(env.endpoint, prefix, changes=600, seed=env.seed + 2, sweep=True)
        missing = ["%s %s" % (t, k) for t in actingweb_tables(db) for k in ("put", "delete")
                   if not summary["counts"].get((t, k))]
        missing += ["%s overwrite/update" % t for t in actingweb_tables(db)
                    if not summary["counts"].get((t, "overwrite")) and not summary["counts"].get((t, "update"))]
        if missing:
            problems.append("the changes missed: " + ", ".join(missing))
        note("(a) then %d writes in %.1f s" % (summary["writes"], summary["seconds"]))
        catch_up(db, rid)
        problems += exact(env, db, prefix, "rc_a", "rc_a_fresh")
        problems += leftovers(db, rid, prefix)
        applied = db.execute("SELECT sum(records_applied) FROM awstore.replication_tables WHERE replication = %s",
                             (rid,)).fetchone()[0]
        note("(a) %s records applied" % applied)
        stop(db, prefix=prefix)
        drop_schemas(env, db, "rc_a", "rc_a_fresh")
    return problems


def case_kill(env):
    """(b) kill -9 of the backend in the middle of replicate."""
    prefix, problems = env.prefix("b"), []
    rnd = random.Random(env.seed)
    load(env, prefix, 20, 4, env.seed + 10)
    with env.connect() as db:
        make_schema(db, "rc_b")
        rid = start_actingweb(db, prefix, "rc_b")
    applied_sql = ("SELECT coalesce(sum(records_applied), 0) FROM awstore.replication_tables"
                   " WHERE replication = %s")
    total = 0
    for round_, early in enumerate((True, False, False)):
        summary = actingweb_changes.run(env.endpoint, prefix, changes=1000, seed=env.seed + 20 + round_,
                                        workers=4, sweep=round_ == 0)
        total += summary["writes"]
        with env.connect() as watch, env.connect() as victim:
            pid = victim.execute("SELECT pg_backend_pid()").fetchone()[0]
            before = watch.execute(applied_sql, (rid,)).fetchone()[0]
            outcome = []

            def call():
                try:
                    victim.execute("CALL awstore.replicate('60 seconds')")
                    outcome.append("completed")
                except psycopg.OperationalError:
                    outcome.append("cut off")
                except Exception as e:
                    outcome.append("%s: %s" % (type(e).__name__, e))

            th = threading.Thread(target=call)
            started = time.monotonic()
            th.start()
            if early:
                # while it starts: replication_begin, the first reads
                time.sleep(rnd.uniform(0.0, 0.1))
            else:
                # once a page or more is committed, a little later
                while (watch.execute(applied_sql, (rid,)).fetchone()[0] == before
                       and time.monotonic() - started < 30):
                    time.sleep(0.005)
                time.sleep(rnd.uniform(0.0, 0.08))
            at = time.monotonic() - started
            os.kill(pid, signal.SIGKILL)
            th.join(60)
        if outcome != ["cut off"]:
            problems.append("kill %d: the CALL was not cut off (%r)" % (round_ + 1, outcome))
        wait_for_server(env)
        with env.connect() as db:
            after = db.execute(applied_sql, (rid,)).fetchone()[0]
        note("(b) kill %d after %.3f s of replicate: %d writes waiting (made in %.1f s), %d records applied"
             " before, %d after" % (round_ + 1, at, summary["writes"], summary["seconds"], before, after))
    with env.connect() as db:
        catch_up(db, rid)
        problems += exact(env, db, prefix, "rc_b", "rc_b_fresh")
        problems += leftovers(db, rid, prefix)
        # exactly once: each table applied as many records as its stream
        # holds (its stream was turned on by start_replication)
        for dyn_table, applied in db.execute("SELECT dynamodb_table, records_applied FROM awstore.replication_tables"
                                             " WHERE replication = %s ORDER BY 1", (rid,)).fetchall():
            in_stream = stream_records(env, dyn_table)
            if applied != in_stream:
                problems.append("%s: %d records applied, the stream holds %d" % (dyn_table, applied, in_stream))
        note("(b) %d writes in all" % total)
        stop(db, prefix=prefix)
        drop_schemas(env, db, "rc_b", "rc_b_fresh")
    return problems


def case_on_error(env):
    """(c) an item that does not convert: 'stop' (then the item corrected)
    and 'skip'."""
    prefix, problems = env.prefix("c"), []
    load(env, prefix, 6, 2, env.seed + 30)
    c = actingweb_dataset.client(env.endpoint)
    table = prefix + "_attributes"
    bad_time, bad_json = actingweb_dataset.bad_items()["attributes"]
    S = actingweb_dataset.S

    def good(n, tag):
        items = [actingweb_dataset.item(id=S("good-actor"), bucket_name=S("g:%s%d" % (tag, i)), bucket=S("g"),
                                        name=S("%s%d" % (tag, i)), data=S('{"n": %d}' % i))
                 for i in range(n)]
        for it in items:
            c.put_item(TableName=table, Item=it)
        return items

    with env.connect() as db:
        make_schema(db, "rc_c")
        rid = start_actingweb(db, prefix, "rc_c", on_error="stop")
        try:
            actingweb_changes.run(env.endpoint, prefix, changes=50, seed=env.seed + 31)
            catch_up(db, rid)
            applied = db.execute("SELECT records_applied FROM awstore.replication_tables"
                                 " WHERE replication = %s AND table_name = 'attributes'", (rid,)).fetchone()[0]
            c.put_item(TableName=table, Item=bad_time)
            stopped = good(3, "after")
            # and, after it, a change of another table
            other = actingweb_dataset.item(id=S("good-actor"), peerid=S("peer"), baseuri=S("https://peer.example/"),
                                           type=S("urn:actingweb:example.com:demo"), passphrase=S("pp"))
            c.put_item(TableName=prefix + "_peertrustees", Item=other)
            try:
                db.execute("CALL awstore.replicate('3 seconds')")
                problems.append("replicate did not fail on the item that does not convert")
            except psycopg.Error as e:
                text = "%s %s" % (e.diag.message_primary, e.diag.message_detail)
                for want in ("bad-actor", "b:timestamp", table, "timestamp"):
                    if want not in text:
                        problems.append("the error does not name %r: %s" % (want, text))
                note("(c) on_error 'stop': %s [%s]" % (e.diag.message_primary, e.sqlstate))
            # a second run: the shard stays at the item (the run may or may
            # not come back to it within its time)
            try:
                db.execute("CALL awstore.replicate('2 seconds')")
            except psycopg.Error:
                pass
            last = db.execute("SELECT last_error FROM awstore.replication_status"
                              " WHERE replication = %s AND table_name = 'attributes'", (rid,)).fetchone()[0]
            if not last or "b:timestamp" not in last:
                problems.append("replication_status.last_error is %r" % last)
            present = db.execute("SELECT count(*) FROM rc_c.attributes WHERE id IN ('bad-actor', 'good-actor')"
                                 ).fetchone()[0]
            if present:
                problems.append("%d rows of the item or of those after it were applied" % present)
            now_applied = db.execute("SELECT records_applied FROM awstore.replication_tables"
                                     " WHERE replication = %s AND table_name = 'attributes'", (rid,)).fetchone()[0]
            if now_applied != applied:
                problems.append("records_applied of attributes moved from %d to %d" % (applied, now_applied))
            if not db.execute("SELECT count(*) FROM rc_c.peertrustees WHERE id = 'good-actor'").fetchone()[0]:
                problems.append("the other tables did not go on: a peertrustees item written after it is missing")
            # as the hint says: the item corrected, its shard goes on
            corrected = dict(bad_time, timestamp=actingweb_dataset.dt(actingweb_dataset.BASE_TIME))
            c.put_item(TableName=table, Item=corrected)
            catch_up(db, rid)
            problems += [p + " (after the item was corrected)" for p in verify(db, prefix, "rc_c")]
        finally:
            stop(db, prefix=prefix)

        # skip: a new replication, a new bad item
        make_schema(db, "rc_c2")
        rid = start_actingweb(db, prefix, "rc_c2", on_error="skip")
        try:
            c.put_item(TableName=table, Item=bad_json)
            after = good(3, "skip")
            actingweb_changes.run(env.endpoint, prefix, changes=100, seed=env.seed + 32)
            catch_up(db, rid)
            rejects = db.execute("SELECT table_name, item_key, problem FROM awstore.migration_rejects"
                                 " WHERE dynamodb_table = %s", (table,)).fetchall()
            if len(rejects) != 1 or "b:json" not in rejects[0][1] or rejects[0][0] != "attributes":
                problems.append("migration_rejects holds %r" % (rejects,))
            else:
                note("(c) on_error 'skip': rejected %s: %s" % (rejects[0][1], rejects[0][2]))
            got = {tuple(r) for r in db.execute("SELECT id, bucket_name FROM rc_c2.attributes"
                                                " WHERE id = 'good-actor'")}
            if got != {attribute_key(it) for it in stopped + after}:
                problems.append("the items after the rejected one: %r applied" % sorted(got))
            problems += exact(env, db, prefix, "rc_c2", "rc_c_fresh", on_error="skip",
                              expect={"attributes": (1, 0, 0)})
        finally:
            stop(db, prefix=prefix)
        drop_schemas(env, db, "rc_c", "rc_c2", "rc_c_fresh")
    return problems


def case_lost_history(env):
    """(d) a stream turned off and on again."""
    prefix, problems = env.prefix("d"), []
    load(env, prefix, 3, 1, env.seed + 40)
    c = actingweb_dataset.client(env.endpoint)
    table = prefix + "_trusts"
    with env.connect() as db:
        make_schema(db, "rc_d")
        rid = start_actingweb(db, prefix, "rc_d")
        try:
            actingweb_changes.run(env.endpoint, prefix, changes=30, seed=env.seed + 41)
            catch_up(db, rid)
            c.update_table(TableName=table, StreamSpecification={"StreamEnabled": False})
            # a change the replication never sees
            actingweb_changes.run(env.endpoint, prefix, changes=20, seed=env.seed + 42)
            c.update_table(TableName=table, StreamSpecification={"StreamEnabled": True,
                                                                 "StreamViewType": "NEW_AND_OLD_IMAGES"})
            try:
                db.execute("CALL awstore.replicate('2 seconds')")
                problems.append("replicate did not fail after the stream was turned off and on")
            except psycopg.Error as e:
                text = " ".join(filter(None, (e.diag.message_primary, e.diag.message_detail, e.diag.message_hint)))
                note("(d) %s [%s] HINT: %s" % (e.diag.message_primary, e.sqlstate, e.diag.message_hint))
                if "snapshot" not in text or table not in text:
                    problems.append("the error does not ask for a new snapshot of %s: %s" % (table, text))
            last = db.execute("SELECT last_error FROM awstore.replication_status"
                              " WHERE replication = %s AND dynamodb_table = %s", (rid, table)).fetchone()[0]
            if not last or table not in last:
                problems.append("replication_status.last_error is %r" % last)
            try:
                db.execute("SELECT awstore.replication_wait('1 second')")
                problems.append("replication_wait did not report the failed replication")
            except psycopg.Error:
                pass
        finally:
            stop(db, prefix=prefix)
        # a new snapshot, and it goes on from there
        rid = start_actingweb(db, prefix, "rc_d")
        try:
            actingweb_changes.run(env.endpoint, prefix, changes=30, seed=env.seed + 43)
            catch_up(db, rid)
            problems += verify(db, prefix, "rc_d")
        finally:
            stop(db, prefix=prefix)
        drop_schemas(env, db, "rc_d")
    return problems


class Generic:
    """A non-ActingWeb table: partition key pk (S), sort key sk (N), a
    string with unicode, a map or list into jsonb, a number, a boolean;
    its foreign table and a local table of the same columns.

    Numbers are written as Python's Decimal spells them; case (g) spells
    keys otherwise."""

    COLUMNS = "pk text, sk numeric, name text, doc jsonb, n bigint, flag boolean"
    PKS = ["alpha", "Ünïcode", "日本語", "𝄞 clef", "emoji 🚀", "tab\there"]

    def __init__(self, env, db, prefix, schema, seed):
        self.env, self.table, self.schema = env, prefix + "_items", schema
        self.rnd = random.Random(seed)
        self.items = set()          # the keys, (pk, Decimal(sk))
        dyn.delete_table(env.ddb, self.table)
        dyn.create_table(env.ddb, self.table, ["pk", "sk"], [("pk", "S"), ("sk", "N")])
        db.execute(Q.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(Q.Identifier(schema)))
        db.execute(Q.SQL("CREATE SCHEMA {}").format(Q.Identifier(schema)))
        db.execute(Q.SQL("CREATE FOREIGN TABLE {}.items_f (" + self.COLUMNS + ") SERVER {}"
                         " OPTIONS (table_name {}, partition_key 'pk', sort_key 'sk')").format(
            Q.Identifier(schema), Q.Identifier(SERVER), Q.Literal(self.table)))
        db.execute(Q.SQL("CREATE TABLE {}.items_l (" + self.COLUMNS + ", PRIMARY KEY (pk, sk))").format(
            Q.Identifier(schema)))
        self.foreign = "%s.items_f" % schema
        self.local = "%s.items_l" % schema

    def number(self):
        return decimal.Decimal(self.rnd.choice([
            "0", "1", "-1", "2.5", "-12.125", "12345678901234567890.123456789", "0.000001",
            str(self.rnd.randrange(-10 ** 9, 10 ** 9)),
            "%d.%d" % (self.rnd.randrange(1000), self.rnd.randrange(1, 10))]))

    def value(self, depth=0):
        r = self.rnd.randrange(7 if depth < 2 else 4)
        if r == 0:
            return {"S": self.rnd.choice(self.PKS) + " " + "%x" % self.rnd.getrandbits(32)}
        if r == 1:
            return {"N": str(self.number())}
        if r == 2:
            return {"BOOL": self.rnd.random() < 0.5}
        if r == 3:
            return {"NULL": True}
        if r in (4, 5):
            return {"M": {k: self.value(depth + 1) for k in self.rnd.sample(["a", "b", "ü", "日", "key 1"], 3)}}
        return {"L": [self.value(depth + 1) for _ in range(self.rnd.randrange(4))]}

    @staticmethod
    def key(key, spelled=None):
        return {"pk": {"S": key[0]}, "sk": {"N": spelled or str(key[1])}}

    def new_item(self, key):
        it = dict(self.key(key), name={"S": self.rnd.choice(self.PKS) + " %d" % self.rnd.randrange(1000)})
        if self.rnd.random() < 0.8:
            it["doc"] = self.rnd.choice([{"M": {"x": self.value(1), "y": self.value(1)}},
                                         {"L": [self.value(1), self.value(1)]}])
        if self.rnd.random() < 0.7:
            it["n"] = {"N": str(self.rnd.randrange(-2 ** 62, 2 ** 62))}
        if self.rnd.random() < 0.5:
            it["flag"] = {"BOOL": self.rnd.random() < 0.5}
        return it

    def change(self):
        """A new item, an item written again, updated, or deleted."""
        c, r = self.env.ddb, self.rnd.random()
        keys = sorted(self.items)
        if r < 0.35 or not keys:
            key = (self.rnd.choice(self.PKS), self.number())
            c.put_item(TableName=self.table, Item=self.new_item(key))
            self.items.add(key)
            return
        key = self.rnd.choice(keys)
        if r < 0.55:
            c.put_item(TableName=self.table, Item=self.new_item(key))
        elif r < 0.8:
            c.update_item(TableName=self.table, Key=self.key(key),
                          UpdateExpression="SET #n = :n, #d = :d REMOVE #f",
                          ExpressionAttributeNames={"#n": "name", "#d": "doc", "#f": "flag"},
                          ExpressionAttributeValues={":n": {"S": "updated ✓ %d" % self.rnd.randrange(100)},
                                                     ":d": {"M": {"u": self.value(1)}}})
        else:
            c.delete_item(TableName=self.table, Key=self.key(key))
            self.items.discard(key)

    def changes(self, n):
        for _ in range(n):
            self.change()

    def start(self, db):
        db.execute("SELECT * FROM awstore.start_replication(foreign_table => %s, local_table => %s)",
                   (self.foreign, self.local)).fetchall()
        return replication_id(db, local_table=self.local)

    def diff(self, db):
        return table_diff(db, Q.SQL(self.foreign), Q.SQL(self.local), "items")

    def drop(self, db):
        if not self.env.keep:
            db.execute(Q.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(Q.Identifier(self.schema)))


def case_generic(env):
    """(e) a foreign table into a local table."""
    problems = []
    with env.connect() as db:
        g = Generic(env, db, env.prefix("e"), "rc_e", env.seed + 50)
        g.changes(60)
        rid = g.start(db)
        try:
            n = db.execute(Q.SQL("SELECT count(*) FROM {}").format(Q.SQL(g.local))).fetchone()[0]
            if n != len(g.items):
                problems.append("the snapshot holds %d rows, DynamoDB %d items" % (n, len(g.items)))
            g.changes(400)
            catch_up(db, rid)
            n = db.execute(Q.SQL("SELECT count(*) FROM {}").format(Q.SQL(g.local))).fetchone()[0]
            note("(e) %d rows after 460 writes" % n)
            problems += g.diff(db)
        finally:
            stop(db, local_table=g.local)
        g.drop(db)
    return problems


def case_wait(env):
    """(f) replication_wait, with and without replicate running."""
    problems = []
    with env.connect() as db, env.connect() as other:
        g = Generic(env, db, env.prefix("f"), "rc_f", env.seed + 60)
        g.changes(20)
        g.start(db)
        try:
            # nothing replicates: fresh changes are not applied in time
            g.changes(20)
            t = time.monotonic()
            got = db.execute("SELECT awstore.replication_wait('1 second')").fetchone()[0]
            took = time.monotonic() - t
            if got is not False or not 0.9 <= took < 5:
                problems.append("without replicate: replication_wait('1 second') gave %r after %.2f s" % (got, took))
            # replicate in another session: true once caught up, and what
            # was written before the call is there
            g.changes(100)
            pid = other.execute("SELECT pg_backend_pid()").fetchone()[0]
            outcome = []

            def call():
                try:
                    other.execute("CALL awstore.replicate('30 seconds')")
                    outcome.append("completed")
                except psycopg.errors.QueryCanceled:
                    outcome.append("canceled")
                except Exception as e:
                    outcome.append("%s: %s" % (type(e).__name__, e))

            th = threading.Thread(target=call)
            th.start()
            try:
                t = time.monotonic()
                got = db.execute("SELECT awstore.replication_wait('25 seconds')").fetchone()[0]
                took = time.monotonic() - t
                problems += g.diff(db)
            finally:
                db.execute("SELECT pg_cancel_backend(%s)", (pid,))
                th.join(60)
            note("(f) replication_wait with replicate running: %r after %.2f s" % (got, took))
            if got is not True:
                problems.append("with replicate running: replication_wait('25 seconds') gave %r" % got)
            if outcome != ["canceled"]:
                problems.append("the replicate session: %r" % outcome)
        finally:
            stop(db, local_table=g.local)
        g.drop(db)
    return problems


def case_key_spellings(env):
    """(g) one key, its number spelled two ways in one page of records.

    DynamoDB takes 447.4, 447.40 and 4474E-1 for the same key and stores
    447.4; DynamoDB Local's UpdateItem records carry the request's
    spelling in Keys.  Two writes of one key must still be one key to the
    replication: the last record decides.  Two scenarios, each in a table
    and a replication of its own: an item updated as 447.40 then deleted
    as 447.4 (no row), and one updated as 1.50 then as 15E-1 (the second
    update)."""
    problems = []
    one = ("alpha", decimal.Decimal("447.4"), ["447.40"], True)
    two = ("beta", decimal.Decimal("1.5"), ["1.50", "15E-1"], False)
    with env.connect() as db:
        for n, (pk, sk, spellings, delete) in enumerate((one, two), 1):
            g = Generic(env, db, env.prefix("g%d" % n), "rc_g%d" % n, env.seed + 70)
            c, key = env.ddb, (pk, sk)
            rid = g.start(db)
            try:
                c.put_item(TableName=g.table, Item=dict(g.key(key), name={"S": "put"}))
                for spelled in spellings:
                    c.update_item(TableName=g.table, Key=g.key(key, spelled), UpdateExpression="SET #n = :n",
                                  ExpressionAttributeNames={"#n": "name"},
                                  ExpressionAttributeValues={":n": {"S": "updated as " + spelled}})
                want = [(pk, str(sk), "updated as " + spellings[-1])]
                if delete:
                    c.delete_item(TableName=g.table, Key=g.key(key))
                    want = []
                what = "%s %s, updated as %s%s" % (pk, sk, " then ".join(spellings), ", deleted" if delete else "")
                try:
                    catch_up(db, rid, limit=10)
                except psycopg.Error as e:
                    problems.append("%s: replicate failed: %s" % (what, e.diag.message_primary))
                got = [(r[0], str(r[1]), r[2]) for r in
                       db.execute(Q.SQL("SELECT pk, sk, name FROM {}").format(Q.SQL(g.local)))]
                if got != want:
                    problems.append("%s: the local table holds %r, DynamoDB %r" % (what, got, want))
            finally:
                stop(db, local_table=g.local)
            g.drop(db)
    return problems


def case_live(env):
    """(h) replicate running while the application writes."""
    prefix, problems = env.prefix("h"), []
    load(env, prefix, 20, 4, env.seed + 80)
    with env.connect() as db, env.connect() as other:
        make_schema(db, "rc_h")
        rid = start_actingweb(db, prefix, "rc_h")
        outcome = []

        def call():
            try:
                other.execute("CALL awstore.replicate('10 seconds')")
                outcome.append("completed")
            except Exception as e:
                outcome.append("%s: %s" % (type(e).__name__, str(e).replace("\n", " / ")))

        th = threading.Thread(target=call)
        th.start()
        try:
            summary = actingweb_changes.run(env.endpoint, prefix, rate=150, seconds=8, workers=2,
                                            seed=env.seed + 81)
        finally:
            th.join(60)
        note("(h) %d writes in %.1f s while replicate ran" % (summary["writes"], summary["seconds"]))
        if outcome != ["completed"]:
            problems.append("the replicate running with the writes: %r" % outcome)
        catch_up(db, rid)
        problems += exact(env, db, prefix, "rc_h", "rc_h_fresh")
        problems += leftovers(db, rid, prefix)
        stop(db, prefix=prefix)
        drop_schemas(env, db, "rc_h", "rc_h_fresh")
    return problems


def has_streams(env):
    try:
        env.streams.list_streams(Limit=1)
        return True
    except Exception as e:  # dynalite: UnknownOperationException
        note("the engine has no DynamoDB Streams: %s" % e)
        return False


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dsn", required=True)
    ap.add_argument("--endpoint", default=os.environ.get("AWSTORE_DYNAMODB_ENDPOINT"))
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--keep", action="store_true", help="leave the DynamoDB tables and schemas")
    ap.add_argument("cases", nargs="*", help="a b c d e f g h (default: all)")
    args = ap.parse_args()
    env = Env(args.dsn, args.endpoint, args.seed, args.keep)
    if not has_streams(env):
        print("# skip - replication: DynamoDB Streams are needed (DynamoDB Local has them, dynalite does not)")
        return 0
    note("replication check: tables %s_*, seed %d" % (env.tag, args.seed))
    with env.connect() as db:
        db.execute("CREATE EXTENSION IF NOT EXISTS awstore")
        stop_all(db)
        db.execute(Q.SQL("DROP SERVER IF EXISTS {} CASCADE").format(Q.Identifier(SERVER)))
        db.execute(Q.SQL("CREATE SERVER {} FOREIGN DATA WRAPPER awstore_dynamodb OPTIONS (endpoint {})").format(
            Q.Identifier(SERVER), Q.Literal(env.endpoint)))
        db.execute(Q.SQL("CREATE USER MAPPING FOR CURRENT_USER SERVER {}"
                         " OPTIONS (access_key_id 'replication', secret_access_key 'replication')").format(
            Q.Identifier(SERVER)))
    cases = [
        ("a", "a snapshot while writes continue, then changes of every kind on all nine tables: "
              "PostgreSQL equals DynamoDB and a fresh migration", case_snapshot),
        ("b", "kill -9 of the backend during replicate, three times: exact after catching up, "
              "every stream record applied once", case_kill),
        ("c", "on_error: 'stop' stops the shard at an item that does not convert (until it is corrected), "
              "'skip' rejects it and applies the rest", case_on_error),
        ("d", "lost history: a stream turned off and on again fails replicate, asking for a new snapshot",
         case_lost_history),
        ("e", "one table: a foreign table (numeric sort key, jsonb, unicode) into a local table", case_generic),
        ("f", "replication_wait: true once caught up with replicate running, false after its timeout "
              "without", case_wait),
        ("g", "one table: a key whose number is spelled two ways (447.4, 447.40) in one page is one key",
         case_key_spellings),
        ("h", "replicate running while the application writes: exact once caught up", case_live),
    ]
    started = time.monotonic()
    for letter, name, fn in cases:
        if args.cases and letter not in args.cases:
            continue
        t = time.monotonic()
        check("(%s) %s" % (letter, name), lambda: fn(env))
        with env.connect() as db:
            stop_all(db)
        note("(%s) took %.1f s" % (letter, time.monotonic() - t))
    note("replication check took %.1f s" % (time.monotonic() - started))
    if not args.keep:
        dyn.delete_tables(env.ddb, env.tag + "_")
        with env.connect() as db:
            db.execute(Q.SQL("DROP SERVER IF EXISTS {} CASCADE").format(Q.Identifier(SERVER)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
