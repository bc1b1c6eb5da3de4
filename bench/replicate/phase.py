#!/usr/bin/python3
"""
bench/replicate/phase.py — one phase of the replication benchmark: a
stretch of changes at a steady rate (writer.py), replicated into
PostgreSQL by CALL awstore.replicate in a session of its own, then the
wait until every change is visible.

    phase.py --dsn DSN --endpoint URL --prefix P --phase live|backlog
             --rate R --seconds S --first-change N --out DIR
             [--threads 32] [--max-runtime SECONDS] [--engine-pid PID]

live     replicate runs while the writer writes: one CALL
         awstore.replicate(max_runtime) started a second before the first
         change (--max-runtime, default the writer's seconds + 15: the
         whole phase in one call, as pg_cron's every minute with its 55
         seconds would be between two calls), followed by 5-second calls
         if the changes are not all visible by its end.  After the last
         write, awstore.replication_wait('2 minutes') is timed.
backlog  the writer writes with replicate stopped; then 5-second calls
         of replicate, one after the other, until every change is
         visible: how fast a backlog is applied.

Either way the phase ends when every change is visible in PostgreSQL
(bench.applied; see common.py), or when nothing new became visible for
--timeout seconds.  Meanwhile awstore.replication_status is read every
second (out/<phase>_status.csv: time, table, records_applied,
lag_seconds).

Then the writer's log (out/<phase>_changes.csv) goes into bench.changes,
each change is matched with the row that made it visible
(out/<phase>_matched.csv: the change, the operation, when it was applied
and when its transaction committed), and one result line is printed:
  changes, rate              changes written, and per second from the
                             first one's due time to the last answer
  late_p99, late_max         how late requests went (sent - due), s
  on_time                    the share of changes sent at most 0.1 s late
  acked_per_10s              changes acknowledged in each 10 s from the
                             first one's due time, separated by /
  write_p50, write_p99       how long DynamoDB took to answer (ack - sent), s:
                             the margin of each lag figure, since DynamoDB
                             applied the write somewhere in between
  seen, missing, seen_twice, wrong_op
                             changes found in PostgreSQL, not found,
                             found more than once, found as another
                             operation (a put not as an INSERT, ...)
  lag_p50 ... lag_max        visible (commit time) - acknowledged, s
  apply_p50                  the trigger's clock_timestamp() - acknowledged
  records, records_per_s     records_applied (replication_status, nine
                             tables) during the phase, and per second: live
                             from the first change's due time to the last
                             change visible, backlog from the first
                             replicate call's start to the last change
                             visible
  drain_seconds              live: last acknowledged to last visible;
                             backlog: first replicate call to last visible
  wait_seconds, wait_ok      live: replication_wait's time and answer
  transactions, max_per_transaction, peak_visible_1s
                             pages applied (one transaction each), the
                             most changes of one, the most in 1 s
  stream_calls, steps        DynamoDB Streams requests
                             (awstore.dynamodb_stream_call) and
                             replication_step calls (each reads one page)
  status_lag_p50, status_lag_max
                             awstore.replication_status.lag_seconds of
                             attributes and properties, sampled each second
                             while the writer wrote (live)
  replicate_calls            CALL awstore.replicate statements run
  backend_cpu, engine_cpu, client_cpu, machine_cpu, seconds
                             CPU seconds of the replicate session's backend,
                             DynamoDB Local, this process (the writer) and
                             the whole machine, over seconds: live from the
                             writer's start, backlog from the first
                             replicate call, to the last change visible
  ok                         1 when every change was seen once, as its
                             operation
"""

import argparse
import csv
import os
import statistics
import threading
import time

import psycopg

import common
import writer


class Replicator(threading.Thread):
    """CALL awstore.replicate(...) one call after the other in a session of
    its own until stop is set: the first with max_runtime first, the
    others with later (seconds)."""

    def __init__(self, dsn, first, later):
        super().__init__(daemon=True)
        self.conn = psycopg.connect(dsn, autocommit=True)
        self.notices = []
        self.conn.add_notice_handler(lambda d: self.notices.append(d.message_primary))
        self.pid = self.conn.execute('SELECT pg_backend_pid()').fetchone()[0]
        self.first, self.later = first, later
        self.stop = threading.Event()
        self.calls = []			# (start, end) of each call
        self.error = None

    def run(self):
        runtime = self.first
        try:
            while not self.stop.is_set():
                t = time.time()
                self.conn.execute("CALL awstore.replicate(make_interval(secs => %s))", [runtime])
                self.calls.append((t, time.time()))
                runtime = self.later
        except Exception as e:		# noqa: BLE001 — reported by main
            self.error = e

    def close(self):
        self.stop.set()
        self.join()
        self.conn.close()


class StatusSampler(threading.Thread):
    """awstore.replication_status of the writer's tables every second."""

    def __init__(self, dsn, path):
        super().__init__(daemon=True)
        self.conn = psycopg.connect(dsn, autocommit=True)
        self.path = path
        self.stop = threading.Event()
        self.rows = []

    def run(self):
        while not self.stop.is_set():
            t = time.time()
            for r in self.conn.execute("SELECT table_name, records_applied, lag_seconds FROM awstore.replication_status"
                                       " WHERE table_name = ANY (%s)", [list(common.TABLES)]):
                self.rows.append((t,) + tuple(r))
            self.stop.wait(max(0.0, t + 1.0 - time.time()))

    def close(self):
        self.stop.set()
        self.join()
        self.conn.close()
        with open(self.path, 'w', newline='') as f:
            csv.writer(f).writerows(self.rows)


def counters(conn):
    conn.execute('SELECT pg_stat_clear_snapshot()')
    return conn.execute(common.COUNTERS_SQL).fetchone()


def visible_count(conn, first, last, since):
    """Changes of the phase visible so far: puts and updates by their
    numbers, deletes by the DELETE rows logged since the phase began."""
    return conn.execute("SELECT (SELECT count(DISTINCT (tbl, change)) FROM bench.applied"
                        "         WHERE change BETWEEN %s AND %s)"
                        "     + (SELECT count(*) FROM bench.applied WHERE op = 'DELETE' AND at >= to_timestamp(%s))",
                        [first, last, since]).fetchone()[0]


def await_visible(conn, expected, first, last, since, timeout):
    """Wait until expected changes are visible, or nothing new became
    visible for timeout seconds; returns how many are."""
    seen, progress = -1, time.time()
    while True:
        n = visible_count(conn, first, last, since)
        if n >= expected:
            return n
        if n != seen:
            seen, progress = n, time.time()
        elif time.time() - progress > timeout:
            return n
        time.sleep(0.2)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--dsn', required=True)
    ap.add_argument('--endpoint', required=True)
    ap.add_argument('--prefix', required=True)
    ap.add_argument('--phase', choices=['live', 'backlog'], required=True)
    ap.add_argument('--rate', type=float, required=True)
    ap.add_argument('--seconds', type=float, required=True)
    ap.add_argument('--first-change', type=int, required=True)
    ap.add_argument('--threads', type=int, default=32)
    ap.add_argument('--max-runtime', type=float)
    ap.add_argument('--timeout', type=float, default=60)
    ap.add_argument('--engine-pid', type=int)
    ap.add_argument('--out', required=True)
    a = ap.parse_args()
    out = os.path.join(a.out, a.phase)
    first = a.first_change
    last = first + int(round(a.rate * a.seconds)) - 1

    conn = psycopg.connect(a.dsn, autocommit=True)
    plan = writer.Plan(writer.client(a.endpoint, a.threads), a.prefix, 1, first, writer.gap_of(a.rate))
    before = counters(conn)
    rep = None
    if a.phase == 'live':
        rep = Replicator(a.dsn, a.max_runtime or a.seconds + 15, 5)
        rep.start()
        time.sleep(1.0)			# replicate has begun, its shards are polled
    sampler = StatusSampler(a.dsn, out + '_status.csv')
    meter = common.CpuMeter(backend=rep.pid if rep else None, engine=a.engine_pid, client=os.getpid())
    sampler.start()
    meter.start()
    t_start = time.time()
    changes = writer.run(a.endpoint, a.prefix, rate=a.rate, seconds=a.seconds, first_change=first,
                         threads=a.threads, plan=plan)
    t_written = time.time()
    writer.write_log(out + '_changes.csv', changes)
    if rep and rep.error:
        raise SystemExit('phase.py: replicate failed: %s' % rep.error)

    wait_seconds = wait_ok = None
    if a.phase == 'live':
        t = time.time()
        wait_ok = conn.execute("SELECT awstore.replication_wait('2 minutes')").fetchone()[0]
        wait_seconds = time.time() - t
    else:
        # the backlog's figures are the replicate session's alone
        rep = Replicator(a.dsn, 5, 5)
        meter = common.CpuMeter(backend=rep.pid, engine=a.engine_pid, client=os.getpid())
        meter.start()
        rep.start()
    seen = await_visible(conn, len(changes), first, last, t_start - 1, a.timeout)
    cpu = meter.stop()
    sampler.close()
    rep.close()
    if rep.error:
        raise SystemExit('phase.py: replicate failed: %s' % rep.error)
    time.sleep(1.0)			# the replicate backend's function counts reach the statistics
    after = counters(conn)

    # The writer's log against what PostgreSQL shows.
    with conn.cursor() as cur:
        with cur.copy('COPY bench.changes (phase, n, tbl, kind, id, k2, due, sent, ack) FROM STDIN') as cp:
            for ch in changes:
                cp.write_row((a.phase,) + ch.row())
    cur = conn.cursor()
    cur.execute(common.MATCH_PREPARE_SQL)
    cur.execute(common.MATCH_SQL, {'phase': a.phase})
    cur.execute(common.STATS_SQL)
    st = dict(zip([d.name for d in cur.description], cur.fetchone()))
    with open(out + '_matched.csv', 'w', newline='') as f:
        w = csv.writer(f)
        for r in cur.execute("SELECT n, tbl, kind, id, k2, due, sent, ack, op, extract(epoch FROM at),"
                             " extract(epoch FROM visible), xid FROM matched ORDER BY n"):
            w.writerow(r)

    late = sorted(ch.sent - ch.due for ch in changes)
    write = sorted(ch.ack - ch.sent for ch in changes)
    # changes acknowledged in each 10 s from the first one's due time
    windows = [0] * (int((max(ch.ack for ch in changes) - changes[0].due) // 10) + 1)
    for ch in changes:
        windows[int((ch.ack - changes[0].due) // 10)] += 1
    span = changes[-1].ack - changes[0].due
    last_visible = float(st['last_visible']) if st['last_visible'] is not None else None
    if a.phase == 'live':
        base = changes[0].due
        drain = last_visible - max(ch.ack for ch in changes) if last_visible else None
    else:
        base = rep.calls[0][0] if rep.calls else None
        drain = last_visible - base if last_visible and base else None
    records = int(after[0] - before[0])
    status_lags = [float(r[3]) for r in sampler.rows
                   if r[3] is not None and t_start + 2 <= r[0] <= t_written]
    ok = (st['missing'] == 0 and st['seen_twice'] == 0 and st['wrong_op'] == 0 and seen >= len(changes))
    f = lambda v: None if v is None else float(v)		# noqa: E731
    print(common.result_line(
        phase=a.phase, changes=len(changes), rate_wanted=a.rate, rate=len(changes) / span,
        late_p99=late[int(0.99 * (len(late) - 1))], late_max=late[-1],
        on_time=sum(1 for x in late if x <= 0.1) / len(late), acked_per_10s='/'.join(map(str, windows)),
        write_p50=statistics.median(write), write_p99=write[int(0.99 * (len(write) - 1))],
        seen=st['seen'], missing=st['missing'], seen_twice=st['seen_twice'], wrong_op=st['wrong_op'],
        lag_p50=f(st['lag_p50']), lag_p90=f(st['lag_p90']), lag_p99=f(st['lag_p99']),
        lag_max=f(st['lag_max']), lag_min=f(st['lag_min']), lag_avg=f(st['lag_avg']),
        apply_p50=f(st['apply_p50']),
        records=records, records_per_s=records / (last_visible - base) if last_visible and base else None,
        drain_seconds=drain, wait_seconds=wait_seconds,
        wait_ok=None if wait_ok is None else int(wait_ok),
        transactions=st['transactions'], max_per_transaction=st['max_per_transaction'],
        peak_visible_1s=st['peak_visible_1s'],
        stream_calls=int(after[1] - before[1]), steps=int(after[2] - before[2]),
        replicate_calls=len(rep.calls),
        status_lag_p50=statistics.median(status_lags) if status_lags else None,
        status_lag_max=max(status_lags) if status_lags else None,
        backend_cpu=cpu['backend_cpu'], engine_cpu=cpu['engine_cpu'], client_cpu=cpu['client_cpu'],
        machine_cpu=cpu['machine_cpu'], seconds=cpu['seconds'],
        ok=int(ok)))
    if rep.notices:
        with open(out + '_notices.txt', 'w') as fh:
            fh.write('\n'.join(rep.notices) + '\n')


if __name__ == '__main__':
    main()
