"""CPU time of processes on this machine, read from Linux ``/proc`` (0 elsewhere), and percentiles:
what the load bench reports beside its latencies, so that the browser's share of the machine and the
app's share are told apart."""

from __future__ import annotations

import math
import os
from pathlib import Path


def machine_cpu_seconds() -> float:
    """CPU time all processes of this machine have used so far (Linux ``/proc/stat``; 0 elsewhere)."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    except OSError:
        return 0.0
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(f) for f in fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def load_generator_cpu_seconds() -> float:
    """CPU time used so far by this process and by the browser it drives: its descendants that are
    chromium or Playwright's driver, reaped children included. An app started by this process (as
    the test does) is not counted. Linux ``/proc``; 0 elsewhere."""
    me = os.getpid()
    parents: dict[int, int] = {}
    counted: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            head, tail = stat.read_text().rsplit(")", 1)
        except (OSError, ValueError):
            continue  # gone meanwhile
        pid, fields = int(stat.parent.name), tail.split()
        parents[pid] = int(fields[1])
        name = head.split("(", 1)[1].lower()
        if pid == me or name.startswith(("chrom", "node", "playwright", "headless")):
            counted[pid] = sum(int(value) for value in fields[11:15])  # utime, stime, cutime, cstime

    def descends_from_me(pid: int) -> bool:
        while pid and pid != me:
            pid = parents.get(pid, 0)
        return pid == me

    return sum(ticks for pid, ticks in counted.items() if descends_from_me(pid)) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile (``share`` in 0..1) of ``values``."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def process_cpu_seconds(pid: int) -> float:
    """CPU time process ``pid`` and its reaped children have used so far (0 if it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return sum(int(value) for value in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def process_rss_mb(pid: int) -> float:
    """Resident memory of process ``pid`` in MiB (0 if it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0.0
