"""A training job killed mid-epoch: the old model stays, the job is marked failed with its log, and
running it again from the page works."""

import os
import shutil
import signal
import time

import pytest

from db.repository import Store
from engine.atomic import process_alive
from engine.models.base import folder_fingerprint
from engine.models.tagger import load_tagger
from tests.webapp.conftest import page


@pytest.fixture
def store(app_env):
    opened = Store.open(app_env["DATABASE_URL"])
    yield opened
    opened.close()


def wait_for(condition, *, timeout_s: float = 240, what: str):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}")


def test_a_job_killed_mid_epoch_keeps_the_old_model_fails_with_its_log_and_runs_again(
    app_env, store, tiny_model, tmp_path, monkeypatch
):
    monkeypatch.setenv("MEDNER_MODELS", str(tmp_path / "models"))
    monkeypatch.setenv("MEDNER_JOB_LOGS", str(tmp_path / "logs"))
    folder = shutil.copytree(tiny_model, tmp_path / "models" / "retrain-me")
    old = folder_fingerprint(folder)

    app = page("train").run()
    app.selectbox(key="train-kind").set_value("transformer-crf").run()
    app.text_input[0].set_value("retrain-me")
    app.selectbox[2].set_value("tiny")
    app.number_input[0].set_value(1)
    app.number_input[1].set_value(0.002)
    app.checkbox[0].uncheck()  # no SamBD: more steps in the epoch
    app.checkbox(key="train-real").uncheck()  # the tiny corpus only, as before real text was offered
    app.checkbox(key="train-replace").check()  # replace the folder of the same name
    next(b for b in app.button if b.label == "Start training").click().run()
    assert not app.exception, app.exception
    job_id = app.session_state["train-job"]

    def mid_epoch():
        job = store.job(job_id)
        steps = [e for e in job.events if e.event == "step" and e.step < e.steps]
        return job if steps and job.status == "running" else None

    job = wait_for(mid_epoch, what="the first training step")
    os.kill(job.pid, signal.SIGKILL)
    wait_for(lambda: not process_alive(job.pid), timeout_s=30, what="the worker to die")

    assert load_tagger(folder).fingerprint == old, "the model folder still holds the previous model"
    app.run()  # the page's next poll notices the dead worker
    assert not app.exception, app.exception
    failed = store.job(job_id)
    assert failed.status == "failed" and "ended without reporting" in failed.error
    assert "training transformer-crf" in failed.log and "its last output" in failed.log
    assert any("The job failed" in e.value for e in app.error)

    next(b for b in app.button if b.label == "Run it again").click().run()
    assert not app.exception, app.exception
    again = app.session_state["train-job"]
    assert again != job_id and store.job(again).settings == failed.settings
    finished = wait_for(lambda: store.job(again) if store.job(again).finished else None, what="the second run")
    assert finished.status == "succeeded", finished.log + finished.error
    assert folder_fingerprint(folder) == store.model(finished.model).fingerprint != old
    assert {e.split for e in store.evaluations(models=[finished.model])} == {"dev", "test"}
    assert sorted(os.listdir(folder.parent)) == ["retrain-me"]
