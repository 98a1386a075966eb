"""The app in a real browser: start `streamlit run`, paste a note, see highlighted entities.

Uses Debian's chromium through Playwright. Screenshots of every page go to ``MEDNER_SCREENSHOTS``
(default ``runs/screenshots``), with ``timings.json``: the time from pressing Annotate to
highlighted text, for a model run and for a cache hit. Skipped when no chromium is installed,
unless ``MEDNER_REQUIRE_BROWSER=1`` (CI sets it, so there a missing browser fails).
"""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from bench.browser import OFFLINE_BROWSER_ARGS, annotate_once, chromium

ROOT = Path(__file__).resolve().parents[2]
NOTE = (ROOT / "examples" / "note.txt").read_text(encoding="utf-8")
PAGES = ["compare", "confusion", "errors", "corpus", "train", "gold"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def server(app_env):
    port = _free_port()
    environment = {**os.environ, **{k: v for k, v in app_env.items() if k != "root"}}
    command = [
        sys.executable, "-m", "streamlit", "run", str(ROOT / "webapp" / "app.py"),
        "--server.headless", "true", "--server.port", str(port), "--server.address", "127.0.0.1",
        "--browser.gatherUsageStats", "false",
    ]  # fmt: skip
    process = subprocess.Popen(command, cwd=ROOT, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                if answer.status == 200:
                    break
        except OSError:
            time.sleep(0.5)
    else:
        process.kill()
        pytest.fail("streamlit did not start: " + process.stdout.read().decode(errors="replace")[-2000:])
    yield url
    process.terminate()
    process.wait(timeout=20)


def test_paste_a_note_and_see_highlighted_entities(server):
    browser_path = chromium()
    if browser_path is None:
        if os.environ.get("MEDNER_REQUIRE_BROWSER") == "1":
            pytest.fail("MEDNER_REQUIRE_BROWSER=1 but no chromium is installed (apt-get install chromium)")
        pytest.skip("no chromium installed")
    from playwright.sync_api import sync_playwright

    shots = Path(os.environ.get("MEDNER_SCREENSHOTS", ROOT / "runs" / "screenshots"))
    shots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=browser_path, args=list(OFFLINE_BROWSER_ARGS))
        browser_page = browser.new_page(viewport={"width": 1500, "height": 1100})
        first, _ = annotate_once(browser_page, server, NOTE)
        entities = browser_page.locator("mark.medner-entity")
        assert entities.count() > 5
        labels = set(entities.evaluate_all("marks => marks.map(m => m.dataset.label)"))
        assert "Drug" in labels
        assert browser_page.get_by_text("model run").count() >= 1
        browser_page.screenshot(path=str(shots / "annotate.png"), full_page=True)

        cached, _ = annotate_once(browser_page, server, NOTE)  # same note, same model: served from the store's cache
        assert browser_page.get_by_text("cache hit").count() >= 1
        for name in PAGES:
            browser_page.goto(f"{server}/{name}")
            browser_page.locator("h1").first.wait_for(timeout=60_000)
            browser_page.wait_for_timeout(1500)
            browser_page.screenshot(path=str(shots / f"{name}.png"), full_page=True)
        browser.close()
    timings = {"annotate_to_highlight_seconds": {"model_run": round(first, 3), "cache_hit": round(cached, 3)}}
    (shots / "timings.json").write_text(json.dumps(timings, indent=2), encoding="utf-8")
    print(f"annotate -> highlighted text: model run {first:.2f} s, cache hit {cached:.2f} s; screenshots in {shots}")
