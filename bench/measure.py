"""
bench/measure.py — what every benchmark's Python scripts share for
measuring: the CPU seconds of a process and of the whole machine from
/proc (and over an interval: CpuMeter), a process's memory, the clock, and the key=value result line that
each bench/<name>/run reads.

Imported by bench/scan/dynclient.py, bench/write/common.py and
bench/migrate/common.py (which put bench/ on sys.path).  Run with
Debian's /usr/bin/python3.
"""

import os
import threading
import time


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
    """CPU seconds a process used since before (a process_cpu() reading)."""
    after = process_cpu(pid)
    if before is None or after is None:
        return None
    return after - before


def machine_busy():
    """CPU seconds the whole machine (all cores, every process) has been
    busy so far, from /proc/stat."""
    with open('/proc/stat') as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return (sum(v) - v[3] - v[4]) / os.sysconf('SC_CLK_TCK')


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
    """A figure for a key=value result line: None is nan."""
    if v is None:
        return 'nan'
    if isinstance(v, float):
        return '%.4f' % v
    return str(v)


def result_line(**kw):
    """One line of key=value pairs, what the benchmark's run script reads."""
    return ' '.join('%s=%s' % (k, fmt(v)) for k, v in kw.items())


class CpuMeter:
    """CPU seconds of a few processes and of the machine over an interval."""

    def __init__(self, **pids):
        self.pids = pids

    def start(self):
        self.before = {k: process_cpu(p) for k, p in self.pids.items()}
        self.machine = machine_busy()
        self.t0 = now()

    def stop(self):
        self.seconds = now() - self.t0
        out = {'seconds': self.seconds}
        for k, p in self.pids.items():
            after = process_cpu(p)
            b = self.before[k]
            out[k + '_cpu'] = None if after is None or b is None else after - b
        out['machine_cpu'] = machine_busy() - self.machine
        return out


class PerfRecord:
    """perf record (DWARF call graphs) of one process between start() and
    stop(); does nothing when path is None."""

    def __init__(self, pid, path):
        self.pid, self.path, self.proc = pid, path, None

    def start(self):
        import subprocess
        if self.path:
            self.proc = subprocess.Popen(['perf', 'record', '-q', '-F', '499', '--call-graph', 'dwarf,16384',
                                          '-p', str(self.pid), '-o', self.path],
                                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(1)		# perf attached

    def stop(self):
        import signal
        if self.proc:
            self.proc.send_signal(signal.SIGINT)
            self.proc.wait()


def reset_hwm(pid):
    """Resets a process's VmHWM (peak RSS); False when the kernel refuses."""
    try:
        with open('/proc/%d/clear_refs' % pid, 'w') as f:
            f.write('5')
        return True
    except OSError:
        return False


class Sampler(threading.Thread):
    """Samples a process's VmRSS and RssAnon every interval seconds, from
    start() until stop.set(), keeping the peaks (kB)."""

    def __init__(self, pid, interval):
        super().__init__(daemon=True)
        self.pid = pid
        self.interval = interval
        self.stop = threading.Event()
        self.peak_rss = 0
        self.peak_anon = 0
        self.samples = 0

    def run(self):
        while not self.stop.is_set():
            try:
                s = status(self.pid)
            except OSError:
                break
            self.peak_rss = max(self.peak_rss, s.get('VmRSS', 0))
            self.peak_anon = max(self.peak_anon, s.get('RssAnon', 0))
            self.samples += 1
            self.stop.wait(self.interval)
