import os
import subprocess
import sys
import time

import pytest

from engine import atomic
from engine.atomic import process_alive, recover_folder, replace_folder, staging_folder


def folder_with(path, content):
    path.mkdir()
    (path / "content.txt").write_text(content)
    return path


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


@pytest.mark.parametrize("exchange", [True, False], ids=["one-exchange", "two-renames"])
def test_replace_folder_puts_the_new_content_in_place_and_leaves_nothing_beside(tmp_path, monkeypatch, exchange):
    if not exchange:
        monkeypatch.setattr(atomic, "_exchange", lambda first, second: False)
    target = folder_with(tmp_path / "model", "old")
    with staging_folder(target) as staging:
        (staging / "content.txt").write_text("new")
        replace_folder(staging, target)
    assert (target / "content.txt").read_text() == "new"
    assert os.listdir(tmp_path) == ["model"]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="renameat2 is Linux's")
def test_exchange_swaps_two_folders_in_one_step(tmp_path):
    first, second = folder_with(tmp_path / "a", "first"), folder_with(tmp_path / "b", "second")
    assert atomic._exchange(first, second)
    assert (first / "content.txt").read_text() == "second" and (second / "content.txt").read_text() == "first"


def test_a_retired_folder_comes_back_only_when_its_save_is_dead(tmp_path):
    target = tmp_path / "model"
    running = folder_with(tmp_path / f".model.retired-{os.getpid()}", "saving now")
    recover_folder(target)
    assert not target.exists(), "a save still running is left to finish its second rename"
    running.rename(tmp_path / f".model.retired-{dead_pid()}")
    recover_folder(target)
    assert (target / "content.txt").read_text() == "saving now"
    assert os.listdir(tmp_path) == ["model"]


def test_a_new_save_removes_what_dead_saves_left_and_keeps_what_live_ones_write(tmp_path):
    target = folder_with(tmp_path / "model", "current")
    gone = dead_pid()
    folder_with(tmp_path / f".model.saving-{gone}-x1", "half")
    folder_with(tmp_path / f".model.retired-{gone}", "old")
    live = folder_with(tmp_path / f".model.saving-{os.getppid()}-x2", "another process writing")
    with staging_folder(target) as staging:
        assert sorted(os.listdir(tmp_path)) == sorted(["model", live.name, staging.name])
    assert sorted(os.listdir(tmp_path)) == sorted(["model", live.name])


def test_process_alive_tells_running_from_gone_and_zombie():
    assert process_alive(os.getpid())
    assert not process_alive(None) and not process_alive(0)
    assert not process_alive(dead_pid())
    zombie = subprocess.Popen([sys.executable, "-c", "pass"])
    deadline = time.monotonic() + 30
    while process_alive(zombie.pid) and time.monotonic() < deadline:  # exited, not yet reaped
        time.sleep(0.05)
    os.kill(zombie.pid, 0)  # still in the process table: the signal check alone would call it alive
    assert not process_alive(zombie.pid)
    zombie.wait()
