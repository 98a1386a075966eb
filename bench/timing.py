"""The timing loop the benches share: wall-clock seconds of repeated calls, and their median."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def timed(function: Callable[[], object], repeats: int) -> list[float]:
    """Seconds of each of ``repeats`` calls of ``function``."""
    seconds = []
    for _ in range(repeats):
        began = time.perf_counter()
        function()
        seconds.append(time.perf_counter() - began)
    return seconds


def median_seconds(function: Callable[[], object], repeats: int) -> float:
    return statistics.median(timed(function, repeats))
