"""Processes to kill, without paying for their imports each time.

A test that kills a process at many points (SIGKILL mid-save) would start one Python process per
point, each importing torch or SQLAlchemy again: seconds apiece. :class:`Forker` starts one
process that runs ``setup`` (imports, and whatever else every child shares) once, then forks a
child per :meth:`Forker.run` call; the child calls ``run(argument)``, and the test gets how it
ended. ``setup`` must define ``run`` and must start no threads (a fork copies none of them): on
one torch thread, loading a model is fine.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_LOOP = """
import os, sys, traceback

for line in sys.stdin:
    argument = line.rstrip("\\n")
    child = os.fork()
    if child == 0:
        try:
            run(argument)
        except BaseException:
            traceback.print_exc()
            sys.stderr.flush()
            os._exit(1)
        os._exit(0)
    _, status = os.waitpid(child, 0)
    print(-os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status), flush=True)
"""


class Forker:
    """``with Forker(setup) as forker: forker.run("argument")`` -> the child's exit code, or minus
    the signal that ended it (``-signal.SIGKILL`` for a child that killed itself)."""

    def __init__(self, setup: str, *arguments: str):
        """``arguments``: the setup's ``sys.argv[1:]``."""
        self._errors = tempfile.TemporaryFile()  # noqa: SIM115 (closed by close())
        self._process = subprocess.Popen(
            [sys.executable, "-c", setup + "\n" + _LOOP, *arguments],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._errors,
            text=True,
        )

    def run(self, argument: str) -> int:
        assert "\n" not in argument
        self._process.stdin.write(argument + "\n")
        self._process.stdin.flush()
        line = self._process.stdout.readline()
        if not line:
            raise RuntimeError(f"the forking process ended: {self.errors()}")
        return int(line)

    def errors(self) -> str:
        """What the process and its children wrote to stderr so far (the end of it)."""
        self._errors.seek(0)
        return self._errors.read().decode(errors="replace")[-3000:]

    def close(self) -> None:
        if self._process.poll() is None:
            self._process.stdin.close()
            try:
                self._process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self._process.kill()
        self._errors.close()

    def __enter__(self) -> Forker:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
