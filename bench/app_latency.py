"""Time from pressing Annotate to highlighted text, in a real browser, against a running app.

    make app &     # or make demo
    python bench/app_latency.py [--url http://127.0.0.1:8501] [--repeats 5] [--shots DIR]
    python bench/app_latency.py --fresh     # starts its own server: the first answer after a start

Opens the app in Debian's chromium (Playwright), pastes ``examples/note.txt`` and presses
Annotate: once with a note nobody annotated before (a model run) and then ``--repeats`` times with
the same note (cache hits). Prints the medians, writes JSON, and with ``--shots`` saves a
screenshot of every page.

With ``--fresh`` the bench starts ``python -m webapp.serve`` itself (``make app``'s command, on a
free port, over the usual store and models) and opens the page the moment the server answers its
health check, so the first press is the first Annotate after a fresh start: what a user meets
when the models are still loading, or, since they load in the background from the start, not.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import uuid
from contextlib import ExitStack
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.browser import OFFLINE_BROWSER_ARGS, annotate_once, chromium, running_app

ROOT = Path(__file__).resolve().parent.parent
PAGES = ["compare", "confusion", "errors", "corpus", "train", "gold"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8501")
    parser.add_argument("--fresh", action="store_true", help="start a server of our own and time its first answer")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--shots", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "app_latency.json")
    args = parser.parse_args()
    browser_path = chromium()
    if browser_path is None:
        print("error: no chromium (apt-get install chromium)", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    # a fresh note each run, so the first press really runs the model
    note = (ROOT / "examples" / "note.txt").read_text(encoding="utf-8") + f"\nRef {uuid.uuid4().hex[:8]}.\n"
    with ExitStack() as stack:
        started = None
        if args.fresh:
            began = time.perf_counter()
            args.url = stack.enter_context(running_app())
            started = time.perf_counter() - began
        return measure(args, browser_path, note, started, sync_playwright)


def measure(args, browser_path: str, note: str, started: float | None, sync_playwright) -> int:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=browser_path, args=list(OFFLINE_BROWSER_ARGS))
        page = browser.new_page(viewport={"width": 1500, "height": 1100})
        first, first_source = annotate_once(page, args.url, note)
        hits = []
        for _ in range(args.repeats):
            seconds, source = annotate_once(page, args.url, note)
            assert source == "cache hit", "the second annotation of a note should come from the cache"
            hits.append(seconds)
        entities = page.locator("mark.medner-entity").count()
        if args.shots:
            args.shots.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(args.shots / "annotate.png"), full_page=True)
            for name in PAGES:
                page.goto(f"{args.url}/{name}")
                page.locator("h1").first.wait_for(timeout=60_000)
                page.wait_for_timeout(2000)
                page.screenshot(path=str(args.shots / f"{name}.png"), full_page=True)
        browser.close()
    result = {
        "url": args.url,
        "fresh_server": args.fresh,
        "server_answered_after_seconds": started,
        "entities": entities,
        "first_press_seconds": first,
        "first_press_source": first_source,
        "cache_hit_seconds_median": statistics.median(hits),
        "cache_hit_seconds": hits,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2), encoding="utf-8")
    fresh = f"fresh server (answered {started:.1f} s after start), " if args.fresh else ""
    print(
        f"Annotate -> highlighted text: {fresh}first press {first:.2f} s ({first_source}), "
        f"cache hit median {result['cache_hit_seconds_median']:.2f} s over {len(hits)}; {entities} entities"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
