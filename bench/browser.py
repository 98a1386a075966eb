"""What the browser-driven benches and tests share: finding chromium, launching it offline, and
annotating a note the way a person does (paste, press Annotate, wait for highlighted text)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: Chromium resolves no host name but loopback: the app under test is all it may reach.
OFFLINE_BROWSER_ARGS = ("--no-sandbox", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1")


def chromium() -> str | None:
    """Debian's chromium (``apt-get install chromium``) or another Chrome on the PATH."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def annotate_once(page, url: str, note: str, *, timeout_ms: int = 300_000) -> tuple[float, str]:
    """Open the app, paste ``note``, press Annotate: seconds until highlighted entities show, and
    whether they came from a model run or the cache."""
    page.goto(url)
    box = page.get_by_label("Clinical note")
    box.fill(note)
    box.blur()
    page.wait_for_timeout(300)
    began = time.perf_counter()
    page.get_by_role("button", name="Annotate", exact=True).click()
    page.locator("mark.medner-entity").first.wait_for(timeout=timeout_ms)
    seconds = time.perf_counter() - began
    source = "cache hit" if page.get_by_text("(cache hit)").count() else "model run"
    return seconds, source


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass(frozen=True)
class App:
    """One app process started here: its address and process id."""

    url: str
    pid: int


@contextmanager
def running_app(environment: Mapping[str, str] | None = None, *, start_timeout_s: float = 90) -> Iterator[str]:
    """``python -m webapp.serve`` (``streamlit run webapp/app.py``, models loading from the start)
    on a free loopback port with ``environment`` added; yields its URL once it answers, stops it
    afterwards."""
    with running_apps(1, environment, start_timeout_s=start_timeout_s) as apps:
        yield apps[0].url


@contextmanager
def running_apps(
    count: int, environment: Mapping[str, str] | None = None, *, start_timeout_s: float = 90
) -> Iterator[list[App]]:
    """``count`` app processes (replicas: the same environment, so the same store), each on a free
    loopback port; yields them once all answer, stops them afterwards. Their output goes to
    temporary files (a pipe nobody reads would fill up and stall a server during a long run) and is
    shown if one fails to start."""
    with ExitStack() as stack:
        started = []
        for _ in range(count):
            port = free_port()
            command = [
                sys.executable, "-m", "webapp.serve",
                "--server.headless", "true", "--server.port", str(port), "--server.address", "127.0.0.1",
                "--browser.gatherUsageStats", "false",
            ]  # fmt: skip
            output = stack.enter_context(tempfile.TemporaryFile())
            process = subprocess.Popen(
                command, cwd=ROOT, env={**os.environ, **(environment or {})}, stdout=output, stderr=subprocess.STDOUT
            )
            stack.callback(_stop, process)
            started.append((App(f"http://127.0.0.1:{port}", process.pid), process, output))
        deadline = time.monotonic() + start_timeout_s
        for app, process, output in started:
            while not _answers(f"{app.url}/_stcore/health"):
                if time.monotonic() > deadline or process.poll() is not None:
                    process.kill()
                    output.seek(0)
                    raise RuntimeError("streamlit did not start: " + output.read().decode(errors="replace")[-2000:])
                time.sleep(0.5)
        yield [app for app, _, _ in started]


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as answer:
            return answer.status == 200
    except OSError:
        return False
