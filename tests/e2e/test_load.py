"""Twenty people at once, each in a browser session of their own, against one app on loopback:
annotating notes, saving them, then all editing gold at the same time (``bench/load.py``). No page
may show an error, and the store must hold exactly the edits each person saw saved.

``make test`` runs four people for 8 s of editing on two app processes over the one store (replicas:
concurrency bugs, within a process and between processes, show with a few sessions);
``make slow`` runs the twenty (``MEDNER_LOAD_USERS``, default 20) for ``MEDNER_LOAD_SECONDS``
(default 30 s; over three minutes in all on 2 cores); ``python bench/load.py --start --seconds 180``
is the long one.
"""

import asyncio
import os
import sqlite3

import pytest

from bench.browser import running_apps
from bench.load import run_load, summary
from db.repository import Store

USERS = int(os.environ.get("MEDNER_LOAD_USERS", "20"))
SECONDS = float(os.environ.get("MEDNER_LOAD_SECONDS", "30"))


@pytest.mark.parametrize(
    ("users", "seconds", "replicas"),
    [
        pytest.param(4, 8.0, 2, id="four-on-two-replicas"),
        pytest.param(USERS, SECONDS, 1, id="twenty", marks=pytest.mark.slow),
    ],
)
def test_sessions_annotate_and_edit_gold_at_once_without_errors_or_lost_edits(
    app_env, browser_path, tmp_path, users, seconds, replicas
):
    # a copy of the app world's store, so the other tests never meet this run's documents
    source = sqlite3.connect(app_env["DATABASE_URL"].removeprefix("sqlite:///"))
    copy = sqlite3.connect(tmp_path / "store.db")
    source.backup(copy)
    source.close()
    copy.close()
    url = f"sqlite:///{tmp_path / 'store.db'}"
    environment = {"DATABASE_URL": url, "MEDNER_MODELS": app_env["MEDNER_MODELS"]}
    environment["MEDNER_DEMO_DATA"] = app_env["MEDNER_DEMO_DATA"]
    environment["MEDNER_RERUN_LOG"] = str(tmp_path / "reruns.tsv")
    store = Store.open(url)
    try:
        with running_apps(replicas, environment) as apps:
            report = asyncio.run(
                run_load(
                    [app.url for app in apps],
                    users=users,
                    seconds=seconds,
                    store=store,
                    shots=tmp_path / "shots",
                    servers=[app.pid for app in apps],
                    rerun_log=tmp_path / "reruns.tsv",
                )
            )
    finally:
        store.close()
    print(summary(report))
    assert report["problems"] == [], f"screenshots of failed sessions in {tmp_path / 'shots'}"
    assert len(report["saves_per_user"]) == users and min(report["saves_per_user"]) >= 1, report["saves_per_user"]
    assert report["actions"]["annotate"]["count"] == users
    server = report["server"]
    assert len(server["reruns_per_replica"]) == replicas, "every replica served its sessions"
    assert server["reruns"] >= users * 4 and 0 < server["rerun_s"]["p50"] <= server["rerun_s"]["max"]
    assert all(seconds > 0 for seconds in server["cpu_seconds_per_replica"])
