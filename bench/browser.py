"""What the browser-driven benches and tests share: finding chromium, launching it offline, and
annotating a note the way a person does (paste, press Annotate, wait for highlighted text)."""

from __future__ import annotations

import shutil
import time

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
