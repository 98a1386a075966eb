"""Folders replaced whole, so that neither a reader nor a process killed at any instant meets half of one.

A folder is written into a staging folder beside it (``.NAME.saving-PID-XXXX``) and then put in
its place. On Linux that is one ``renameat2(RENAME_EXCHANGE)``: the two folders trade places in a
single step, and the staging name, now holding the old content, is removed. Elsewhere it takes two
renames (the old folder to ``.NAME.retired-PID``, the new one into place); a process killed between
them leaves no folder under the name, and :func:`recover_folder` puts the retired one back once that
process is gone. What a killed save leaves beside the folder is removed by the next save.
"""

from __future__ import annotations

import ctypes
import errno
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2
#: errno values of a kernel or file system that cannot exchange: fall back to two renames.
_CANNOT_EXCHANGE = {errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP}


def process_alive(pid: int | None) -> bool:
    """Whether ``pid`` is a running process (a zombie, dead but not yet reaped, is not)."""
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True  # no /proc here: trust the signal check
    return state not in ("Z", "X")


def _leftovers(folder: Path, what: str) -> Iterator[tuple[Path, int]]:
    """``(path, pid)`` of the ``saving`` or ``retired`` folders that saves into ``folder`` left."""
    prefix = f".{folder.name}.{what}-"
    if not folder.parent.is_dir():
        return
    for path in folder.parent.glob(f"{prefix}*"):
        pid = path.name.removeprefix(prefix).split("-", 1)[0]
        if pid.isdigit():
            yield path, int(pid)


@contextmanager
def staging_folder(folder: Path) -> Iterator[Path]:
    """A new empty folder beside ``folder`` to write the next version into; pass it to
    :func:`replace_folder`. Removed on exit, whatever happened; what saves killed earlier left
    beside ``folder`` is removed on entry."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    recover_folder(folder)
    for what in ("saving", "retired"):
        for path, pid in _leftovers(folder, what):
            if pid != os.getpid() and not process_alive(pid):
                shutil.rmtree(path, ignore_errors=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.saving-{os.getpid()}-", dir=folder.parent))
    try:
        yield staging
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def replace_folder(staging: Path, folder: Path) -> None:
    """Put ``staging`` where ``folder`` is, so that ``folder`` is at every instant the old or the new one."""
    if not folder.exists():
        os.replace(staging, folder)
        return
    if _exchange(staging, folder):
        shutil.rmtree(staging, ignore_errors=True)  # it holds the old content now
        return
    retired = folder.with_name(f".{folder.name}.retired-{os.getpid()}")
    os.replace(folder, retired)
    try:
        os.replace(staging, folder)
    except OSError:
        os.replace(retired, folder)
        raise
    shutil.rmtree(retired, ignore_errors=True)


def recover_folder(folder: Path) -> None:
    """If a save died between its two renames (no folder, a retired one beside it, its process
    gone), put the retired folder back. A save still running is left to finish."""
    if folder.exists():
        return
    abandoned = [path for path, pid in _leftovers(folder, "retired") if not process_alive(pid)]
    retired = sorted(abandoned, key=os.path.getmtime)
    if retired:
        os.replace(retired[-1], folder)


def _exchange(first: Path, second: Path) -> bool:
    """Swap two paths in one step (Linux ``renameat2``); False where the system cannot."""
    if not sys.platform.startswith("linux"):
        return False
    renameat2 = getattr(ctypes.CDLL(None, use_errno=True), "renameat2", None)
    if renameat2 is None:  # C library older than glibc 2.28
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    renameat2.restype = ctypes.c_int
    if renameat2(_AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in _CANNOT_EXCHANGE:
        return False
    raise OSError(code, os.strerror(code), str(second))


def atomic_write_text(path: Path, text: str) -> None:
    """Write a file whole or not at all: into a temporary file beside it, then renamed over it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=path.parent, delete=False, suffix=".tmp") as handle:
        handle.write(text)
        temporary = handle.name
    os.replace(temporary, path)
