"""The load bench's report read back: the server side (the replicas' CPU and their time per
rerun, from ``MEDNER_RERUN_LOG``) and the summary it prints (``bench/load.py``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bench.processes import percentile


def server_side(cpu: list[float], rss: list[float], rerun_log: Path | None) -> dict[str, Any]:
    """The replicas' CPU seconds and memory and, from their rerun log, each rerun's time on the server."""
    from webapp.application.timings import read_rerun_log

    found: dict[str, Any] = {
        "cpu_seconds_per_replica": [round(c, 1) for c in cpu],
        "rss_mb_per_replica": [round(m) for m in rss],
    }
    if rerun_log is not None and rerun_log.is_file():
        reruns = read_rerun_log(rerun_log)
        times = [seconds for _, _, seconds in reruns]
        per_replica: dict[int, int] = {}
        for pid, _, _ in reruns:
            per_replica[pid] = per_replica.get(pid, 0) + 1
        found["reruns"] = len(times)
        found["reruns_per_replica"] = sorted(per_replica.values())
        if times:
            found["rerun_s"] = {
                "p50": round(percentile(times, 0.50), 3),
                "p95": round(percentile(times, 0.95), 3),
                "max": round(max(times), 3),
                "mean": round(sum(times) / len(times), 3),
            }
    return found


def summary(report: dict[str, Any]) -> str:
    cpu = report["cpu_seconds"]
    lines = [
        f"{report['users']} sessions, {report['wall_seconds']} s in all, {report['editing_seconds']} s editing at "
        f"once: {report['revisions_saved']} gold revisions saved ({report['users_out_of_words']} sessions ran out "
        f"of words to annotate), {len(report['problems'])} problems",
        f"  CPU seconds on this machine: {cpu['machine']} in all, {cpu['browser_and_this_script']} the browser "
        f"and this script ({cpu['cores']} cores)",
    ]
    server = report["server"]
    if server["cpu_seconds_per_replica"]:
        lines.append(
            f"  the {report['replicas']} app process(es): CPU seconds {server['cpu_seconds_per_replica']}, "
            f"memory {server['rss_mb_per_replica']} MiB"
        )
    if server.get("rerun_s"):
        times = server["rerun_s"]
        lines.append(
            f"  server time per rerun ({server['reruns']} reruns, per replica {server['reruns_per_replica']}): "
            f"p50 {times['p50']:.3f} s  p95 {times['p95']:.3f} s  max {times['max']:.3f} s"
        )
    for action, figures in report["actions"].items():
        lines.append(
            f"  {action:<14} n={figures['count']:<4} p50 {figures['p50_s']:.2f} s  p95 {figures['p95_s']:.2f} s  "
            f"max {figures['max_s']:.2f} s"
        )
    lines += [f"  problem: {problem}" for problem in report["problems"][:20]]
    return "\n".join(lines)
