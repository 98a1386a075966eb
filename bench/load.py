"""Many people at once: browser sessions annotating notes and saving gold edits against one app.

    python bench/load.py --start [--replicas N] [--database URL] [--users 20] [--seconds 180]   # starts the app
    python bench/load.py --start [--users 20] [--seconds 180]       # one app on a temporary SQLite store
    python bench/load.py --url http://127.0.0.1:8501 [--database URL] [--keep]   # an app already running

Each simulated user has a browser session of its own (pages of one headless chromium, loopback
only). All arrive within a few seconds of each other and each:

1. pastes a note of its own (``examples/note.txt`` with its own patient line), presses Annotate and
   waits for the highlighted entities;
2. saves the note into a corpus of this run (*Save to a corpus*), as document ``user-NN``;
3. opens that document in Gold editing.

Then all of them at once, for ``--seconds``: add one span (a word of the note no span covers yet,
by its text and which occurrence it is), save a revision, wait for "Saved revision N"; again (a
user whose note has no free word left stops early; the report counts them). Afterwards the store
is read back: each document must hold exactly the revisions its user saw confirmed, numbered
without a gap, each adding just the span that user added (no edit lost, none saved twice), and no
page may have shown an exception, an error message or a script error. Prints p50 / p95 / max per
action as the browser saw it, the CPU time the browser took from the machine, and, for apps it
started, the server side apart: each app process's CPU seconds and the time each rerun took on the
server (``MEDNER_RERUN_LOG``); writes JSON (``bench/results/load.json``) and exits 1 if anything
failed.

``--start`` runs ``python -m webapp.serve`` on a free loopback port with this environment and a
fresh temporary store (the demo corpus is imported into it on first use), so the run leaves nothing
in your store; ``--replicas N`` starts N such processes over one store (give a PostgreSQL
``--database``, as replicas are run in production) and the sessions take them in turn, each staying
on its replica as behind a load balancer with sticky sessions. With ``--url``, the documents of the
run are deleted from the app's store afterwards unless ``--keep``. ``tests/e2e/test_load.py`` runs a
short version in the test suite.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import re
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from playwright.async_api import TimeoutError as PlaywrightTimeout
from playwright.async_api import async_playwright

from bench.browser import OFFLINE_BROWSER_ARGS, chromium
from bench.load_report import server_side, summary
from bench.processes import (
    load_generator_cpu_seconds,
    machine_cpu_seconds,
    percentile,
    process_cpu_seconds,
    process_rss_mb,
)
from db.repository import NotFound

ROOT = Path(__file__).resolve().parent.parent
#: Longest wait for one action (the first Annotate of a session may load a model).
ACTION_TIMEOUT_MS = 60_000


@dataclass
class User:
    """One simulated person: what they did, how long each action took, and what went wrong."""

    number: int
    corpus: str
    confirmed: list[tuple[int, NewSpan]] = field(default_factory=list)  # (revision, its span) seen saved
    candidates: list[NewSpan] = field(default_factory=list)  # spans to add, in turn
    timings: dict[str, list[float]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return f"user-{self.number:02d}"

    def note(self, example: str) -> str:
        return f"{example}\nFollow-up for patient {self.name} of load run {self.corpus}.\n"

    def timed(self, action: str, seconds: float) -> None:
        self.timings.setdefault(action, []).append(seconds)


@dataclass(frozen=True)
class NewSpan:
    """A span a user adds: the ``occurrence``-th match of ``phrase`` in the note (as the page counts
    them: every place the text is found), which starts at ``start``."""

    phrase: str
    occurrence: int
    start: int


def free_words(text: str, spans: list[Any]) -> list[NewSpan]:
    """Every word of ``text`` (letters only, four or more) that no span touches, as a span to add."""
    found = []
    for match in re.finditer(r"[A-Za-z]{4,}", text):
        if any(span.start < match.end() and match.start() < span.end for span in spans):
            continue
        occurrence, position = 0, -1
        while position != match.start():  # the page counts every place the text is found, as here
            position = text.find(match.group(), position + 1)
            occurrence += 1
        found.append(NewSpan(match.group(), occurrence, match.start()))
    return found


async def _choose(page, label: str, option: str, *, timeout_s: float = ACTION_TIMEOUT_MS / 1000) -> None:
    """Pick ``option`` in the select box ``label`` (the box may change under the pointer while an
    earlier choice reruns the page: then look again and retry)."""
    box = page.get_by_role("combobox", name=label, exact=True)
    deadline = time.monotonic() + timeout_s
    while await box.input_value() != option:
        try:
            await box.click(timeout=5_000)
            await box.fill(option, timeout=5_000)
            await page.get_by_role("option", name=option, exact=True).click(timeout=5_000)
        except PlaywrightTimeout:
            if time.monotonic() > deadline:
                raise
            await page.keyboard.press("Escape")
        await page.wait_for_timeout(300)


async def _fill(page, label: str, text: str) -> None:
    box = page.get_by_label(label, exact=True)
    await box.fill(text)
    await box.blur()


async def _problems_on(page) -> list[str]:
    """Exceptions and error messages the page shows now."""
    found = []
    for test_id in ("stException", "stAlertContentError"):
        for element in await page.get_by_test_id(test_id).all():
            found.append(f"{test_id}: {(await element.inner_text())[:300]}")
    return found


async def set_up(context, user: User, *, url: str, example: str, read_gold: Callable, shots: Path | None):
    """Annotate the user's note, save it, open it in Gold editing: the page, or None if that failed
    (then recorded on ``user``)."""
    page = await context.new_page()
    page.set_default_timeout(ACTION_TIMEOUT_MS)
    page.on("pageerror", lambda error: user.problems.append(f"script error: {error}"))
    step = "open the app"
    try:
        await page.goto(url)
        step = "annotate"
        await _fill(page, "Clinical note", user.note(example))
        began = time.perf_counter()
        await page.get_by_role("button", name="Annotate", exact=True).click()
        await page.locator("mark.medner-entity").first.wait_for()
        user.timed("annotate", time.perf_counter() - began)

        step = "save the note"
        await page.get_by_text("Save to a corpus (for gold editing and training)").click()
        await _fill(page, "Corpus", user.corpus)
        await _fill(page, "Document name", user.name)
        await _fill(page, "Your name (kept with the revision)", user.name)
        began = time.perf_counter()
        await page.get_by_role("button", name="Save note", exact=True).click()
        await page.get_by_text(f"Saved {user.corpus}/{user.name} (revision 1)").wait_for()
        user.timed("save note", time.perf_counter() - began)
        user.problems += await _problems_on(page)

        step = "open the document in Gold editing"
        began = time.perf_counter()
        await page.goto(f"{url}/gold")
        await page.get_by_role("heading", name="Gold editing").wait_for()
        for label, option in (("Corpus", user.corpus), ("Split", "saved"), ("Document", user.name)):
            step = f"choose {option!r} as {label}"
            await _choose(page, label, option)
        await page.get_by_text(f"Revision 1 by {user.name}").wait_for()
        user.timed("open document", time.perf_counter() - began)
        await _fill(page, "Your name (kept with each revision you save)", user.name)
        user.candidates = free_words(*await asyncio.to_thread(read_gold, user))
        return page
    except Exception as error:  # a timeout or a vanished element is this user's failure, recorded
        await _failed(page, user, step, error, shots)
        await page.close()
        return None


async def edit(page, user: User, *, until: float, shots: Path | None) -> None:
    """Until ``until``: add a span, save a revision, wait for "Saved revision N"; again."""
    revision = 1
    step = ""
    try:
        while time.monotonic() < until and user.candidates:
            new = user.candidates.pop(0)
            step = f"add the span {new.phrase!r} (occurrence {new.occurrence})"
            await page.get_by_role("tab", name="Add a span").click()
            await _fill(page, "Exact text of the new span", new.phrase)
            await _fill(page, "Which occurrence in the note", str(new.occurrence))
            began = time.perf_counter()
            await page.get_by_role("button", name="Add span", exact=True).click()
            await page.get_by_text("1 not in the gold (outlined)").wait_for()
            user.timed("add span", time.perf_counter() - began)
            step = f"save revision {revision + 1}"
            began = time.perf_counter()
            await page.get_by_role("button", name="Save gold revision", exact=True).click()
            await page.get_by_text(f"Saved revision {revision + 1} of {user.name}.").wait_for()
            user.timed("save revision", time.perf_counter() - began)
            revision += 1
            user.confirmed.append((revision, new))
            user.problems += await _problems_on(page)
    except Exception as error:
        await _failed(page, user, step, error, shots)
    finally:
        await page.close()


async def _failed(page, user: User, step: str, error: Exception, shots: Path | None) -> None:
    user.problems.append(f"{step}: {type(error).__name__}: {str(error).splitlines()[0][:300]}")
    user.problems += await _problems_on(page)
    if shots is not None:
        shots.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(shots / f"{user.name}-failed.png"), full_page=True)


def check_store(store, users: list[User]) -> list[str]:
    """Each user's document holds exactly the revisions that user saw saved, each adding its span."""
    problems = []
    for user in users:
        try:
            history = list(reversed(store.gold_history(user.corpus, user.name)))  # oldest first
        except Exception as error:
            problems.append(f"{user.name}: {error}")
            continue
        numbers = [r.number for r in history]
        expected = [1] + [number for number, _ in user.confirmed]
        if numbers != expected:
            problems.append(f"{user.name}: revisions {numbers} in the store, {expected} confirmed on the page")
            continue
        for (before, after), (_, new) in zip(itertools.pairwise(history), user.confirmed, strict=True):
            added = set(after.spans) - set(before.spans)
            if set(before.spans) - set(after.spans) or [(s.text, s.start) for s in added] != [(new.phrase, new.start)]:
                problems.append(f"{user.name}: revision {after.number} does not add just {new.phrase!r} at {new.start}")
            if after.author != user.name:
                problems.append(f"{user.name}: revision {after.number} is by {after.author!r}")
    return problems


async def run_load(
    url: str | list[str],
    *,
    users: int,
    seconds: float,
    store,
    ramp_seconds: float = 5.0,
    shots: Path | None = None,
    servers: list[int] = (),
    rerun_log: Path | None = None,
) -> dict[str, Any]:
    """Run ``users`` sessions against the app at ``url`` for about ``seconds``; the report as a dict.
    With several URLs (replicas over one store) the sessions take them in turn, as a load balancer
    that keeps each session on one replica would. ``servers`` (the replicas' process ids) and
    ``rerun_log`` (their ``MEDNER_RERUN_LOG``) add the server side: CPU time and time per rerun."""
    urls = [url] if isinstance(url, str) else list(url)
    browser_path = chromium()
    if browser_path is None:
        raise RuntimeError("no chromium installed (apt-get install chromium)")
    example = (ROOT / "examples" / "note.txt").read_text(encoding="utf-8")
    corpus = f"load-{uuid.uuid4().hex[:8]}"
    people = [User(number, corpus) for number in range(1, users + 1)]

    def read_gold(user: User) -> tuple[str, list[Any]]:
        document = store.document(user.corpus, user.name)
        return document.text, list(document.spans)

    began, machine_before, ours_before = time.perf_counter(), machine_cpu_seconds(), load_generator_cpu_seconds()
    servers_before = [process_cpu_seconds(pid) for pid in servers]
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=browser_path, args=list(OFFLINE_BROWSER_ARGS))
        # One context: every page is a session of its own (Streamlit keeps state per connection), and
        # the pages share the browser's cache of the app's scripts, so the browser does not compile
        # the same bundle once per user.
        context = await browser.new_context(viewport={"width": 1400, "height": 1000}, reduced_motion="reduce")

        async def arrive(user: User):
            await asyncio.sleep(ramp_seconds * (user.number - 1) / max(1, users))
            where = urls[(user.number - 1) % len(urls)]
            return await set_up(context, user, url=where, example=example, read_gold=read_gold, shots=shots)

        pages = await asyncio.gather(*(arrive(user) for user in people))
        # everyone edits at the same time, for the same stretch
        edit_began = time.perf_counter()
        until = time.monotonic() + seconds
        await asyncio.gather(
            *(edit(page, user, until=until, shots=shots) for user, page in zip(people, pages, strict=True) if page)
        )
        editing = time.perf_counter() - edit_began
        machine, ours = machine_cpu_seconds() - machine_before, load_generator_cpu_seconds() - ours_before
        server_cpu = [process_cpu_seconds(pid) - before for pid, before in zip(servers, servers_before, strict=True)]
        server_rss = [process_rss_mb(pid) for pid in servers]
        await browser.close()
    wall = time.perf_counter() - began
    store_problems = check_store(store, people)
    actions: dict[str, list[float]] = {}
    for user in people:
        for action, values in user.timings.items():
            actions.setdefault(action, []).extend(values)
    return {
        "url": urls[0] if len(urls) == 1 else urls,
        "replicas": len(urls),
        "users": users,
        "seconds_asked": seconds,
        "wall_seconds": round(wall, 1),
        "editing_seconds": round(editing, 1),
        "cpu_seconds": {
            "machine": round(machine, 1),
            "browser_and_this_script": round(ours, 1),
            "the_rest_(the_app_if_alone_here)": round(machine - ours, 1),
            "cores": os.cpu_count(),
        },
        "server": server_side(server_cpu, server_rss, rerun_log),
        "corpus": corpus,
        "revisions_saved": sum(len(u.confirmed) for u in people),
        "saves_per_user": [len(u.confirmed) for u in people],
        "users_out_of_words": sum(not u.candidates for u in people),
        "actions": {
            action: {
                "count": len(values),
                "p50_s": round(percentile(values, 0.50), 3),
                "p95_s": round(percentile(values, 0.95), 3),
                "max_s": round(max(values), 3),
            }
            for action, values in sorted(actions.items())
        },
        "problems": [f"{u.name}: {p}" for u in people for p in u.problems] + store_problems,
    }


def main() -> int:
    import tempfile
    from contextlib import ExitStack, suppress

    from bench.browser import running_apps
    from db.repository import Store

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--url", default="http://127.0.0.1:8501", help="an app already running")
    where.add_argument("--start", action="store_true", help="start the app here, on a temporary store")
    parser.add_argument(
        "--replicas", type=int, default=1, help="with --start: app processes over the one store (default 1)"
    )
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=180, help="how long everyone edits at once")
    parser.add_argument("--database", default=None, help="the app's store (default: its DATABASE_URL)")
    parser.add_argument("--keep", action="store_true", help="keep the run's documents in the app's store")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "load.json")
    args = parser.parse_args()
    with ExitStack() as stack:
        url, database = args.url, args.database or os.environ.get("DATABASE_URL")
        servers, rerun_log = [], None
        if args.start:
            folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="medner-load-")))
            if args.database is None:
                database = f"sqlite:///{folder}/store.db"
            rerun_log = folder / "reruns.tsv"
            environment = {"MEDNER_RERUN_LOG": str(rerun_log), **({"DATABASE_URL": database} if database else {})}
            apps = stack.enter_context(running_apps(args.replicas, environment))
            url, servers = [app.url for app in apps], [app.pid for app in apps]
        store = Store.open(database)
        stack.callback(store.close)
        report = asyncio.run(
            run_load(url, users=args.users, seconds=args.seconds, store=store, servers=servers, rerun_log=rerun_log)
        )
        if not (args.start or args.keep):
            for number in range(1, args.users + 1):
                with suppress(NotFound):  # a user that never saved its note
                    store.delete_document(report["corpus"], User(number, report["corpus"]).name)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(summary(report))
    return 1 if report["problems"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
