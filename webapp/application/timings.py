"""How long each script run (rerun) takes on the server, for operators and ``bench/load.py``.

With ``MEDNER_RERUN_LOG=FILE`` set, every run of the app's script appends one line to FILE: the
server's process id, the page's title and the seconds the run took on the server (from the start of
the script to the end of the page, or to the point where it stopped or asked for another run). Only
these three fields: no note text, no user. Unset (the default), nothing is written.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

_LOCK = threading.Lock()


class Rerun:
    """The script run being timed; the app names its page once navigation has chosen it."""

    page: str = ""


@contextmanager
def timed_rerun() -> Iterator[Rerun]:
    """Time the script run around the ``with`` block; write its line if ``MEDNER_RERUN_LOG`` is set."""
    began, rerun = time.perf_counter(), Rerun()
    try:
        yield rerun
    finally:
        target = os.environ.get("MEDNER_RERUN_LOG")
        if target:
            page = " ".join(rerun.page.split()) or "-"
            line = f"{os.getpid()}\t{page}\t{time.perf_counter() - began:.4f}\n"
            with _LOCK, Path(target).open("a", encoding="utf-8") as log:
                log.write(line)


def read_rerun_log(path: Path | str) -> list[tuple[int, str, float]]:
    """The lines of a rerun log as ``(pid, page, seconds)``."""
    rows = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        pid, page, seconds = line.split("\t")
        rows.append((int(pid), page, float(seconds)))
    return rows
