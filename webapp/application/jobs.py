"""Jobs, each run in its own process (``python -m webapp.worker job ID``).

A page never trains or evaluates inside a Streamlit rerun. It creates a job in the store and starts
the worker, which reports progress, log lines and the outcome back to the store, where the page
reads them on each rerun (so a browser reload loses nothing). Three kinds of job:

- ``train``: train a model on a corpus of the store (its latest gold, so saved corrections count),
  then register it and record its evaluation on the corpus's dev and test splits;
- ``evaluate``: score saved models on a corpus of the store and record the evaluations;
- ``bootstrap``: the first-run demo models (``engine.research.bootstrap``), then their evaluations.

Where a job runs: by default the page starts the worker on its own machine. With
``MEDNER_JOB_RUNNER=queue`` (app replicas on several machines, training kept off them) the page only
queues the job, and ``python -m webapp.worker serve`` (:func:`serve`), on any machine that reaches
the store, claims queued jobs one at a time and runs each in a worker process of its own, watching
it: a cancel recorded in the store stops it, and a process that dies without reporting is marked
failed there.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import traceback
from pathlib import Path
from typing import Any

from db.repository import Store
from engine.atomic import process_alive
from engine.types import TrainingJob
from webapp.application.corpora import store_corpus
from webapp.application.models import evaluate_into_store, under_root
from webapp.application.sync import sync

#: Step reports are stored at most this often (epoch ends always are).
STEP_REPORT_SECONDS = 1.0


class Cancelled(Exception):
    """Raised in the worker when the page asked the job to stop (SIGTERM)."""


def _raise_cancelled(_signum: int, _frame: object) -> None:
    raise Cancelled()


class _Reporter:
    """The training loop's progress callback, writing to the store (step reports throttled)."""

    def __init__(
        self, store: Store, job_id: int, *, share: tuple[float, float] = (0.0, 0.9), trainings: int = 1
    ) -> None:
        self.store, self.job_id = store, job_id
        self.low, self.high = share
        self.last = 0.0
        # several trainings in one job (bootstrap) share the bar: a report that goes back in
        # (epoch, step) means the next training has begun
        self.trainings, self.training, self.position = trainings, 0, (0, 0)

    def __call__(self, progress: Any) -> None:
        if (progress.epoch, progress.step) < self.position:
            self.training = min(self.trainings - 1, self.training + 1)
        self.position = (progress.epoch, progress.step)
        now = time.monotonic()
        if progress.event == "step" and now - self.last < STEP_REPORT_SECONDS and progress.step != progress.steps:
            return
        self.last = now
        within = ((progress.epoch - 1) + progress.step / max(1, progress.steps)) / max(1, progress.epochs)
        done = (self.training + min(1.0, within)) / self.trainings
        self.store.report_progress(
            self.job_id,
            event=progress.event,
            epoch=progress.epoch,
            step=progress.step,
            steps=progress.steps,
            loss=float(progress.loss),
            progress=self.low + (self.high - self.low) * min(1.0, done),
            dev_macro_f1=progress.dev_macro_f1,
        )
        if progress.event == "epoch":
            dev = "-" if progress.dev_macro_f1 is None else f"{progress.dev_macro_f1:.4f}"
            self.store.append_log(
                self.job_id, f"epoch {progress.epoch}/{progress.epochs}: loss {progress.loss:.4f}, dev macro F1 {dev}"
            )


def _train_job(store: Store, job_id: int, settings: dict[str, Any], output: str) -> str:
    from engine.models.base import describe_model
    from engine.training.loop import train
    from engine.training.settings import recipe

    options = dict(settings)
    corpus_name = options.pop("corpus")
    plan = recipe(options.pop("model_kind"), options)
    corpus = store_corpus(store, corpus_name)
    store.append_log(job_id, f"training {plan.describe()} on {corpus_name} into {output}")
    result = train(plan, corpus, output, on_progress=_Reporter(store, job_id))
    store.append_log(job_id, f"trained in {result.seconds:.0f} s ({result.epochs_run} epochs)")
    model = store.register_model(describe_model(output))
    evaluate_into_store(store, model, corpus_name, ["dev", "test"], lambda line: store.append_log(job_id, line))
    return model.fingerprint


def _evaluate_job(store: Store, job_id: int, settings: dict[str, Any]) -> str | None:
    corpus_name = settings["corpus"]
    splits = settings.get("splits", ["dev", "test"])
    last = None
    fingerprints = settings["models"]
    for i, fingerprint in enumerate(fingerprints):
        model = store.model(fingerprint)
        evaluate_into_store(store, model, corpus_name, splits, lambda line: store.append_log(job_id, line))
        store.report_progress(
            job_id,
            event="model",
            epoch=0,
            step=i + 1,
            steps=len(fingerprints),
            loss=0.0,
            progress=(i + 1) / len(fingerprints),
        )
        last = fingerprint
    return last


def _bootstrap_job(store: Store, job_id: int, settings: dict[str, Any]) -> None:
    from engine.research.bootstrap import DEMO_MODELS, bootstrap

    data, models = Path(settings["data"]), Path(settings["models"])
    reporter = _Reporter(store, job_id, share=(0.0, 0.9), trainings=len(DEMO_MODELS))
    for line in bootstrap(data, models, on_progress=reporter):
        store.append_log(job_id, line)
    sync(store, data, models, lambda line: store.append_log(job_id, line))


def run_job(store: Store, job_id: int) -> None:
    """Run one queued job to its end and record how it ended; never raises for the job's own errors."""
    job = store.job(job_id)
    store.start_job(job_id, pid=os.getpid())
    signal.signal(signal.SIGTERM, _raise_cancelled)
    try:
        fingerprint = None
        if job.kind == "train":
            fingerprint = _train_job(store, job_id, dict(job.settings), job.output)
        elif job.kind == "evaluate":
            fingerprint = _evaluate_job(store, job_id, dict(job.settings))
        elif job.kind == "bootstrap":
            _bootstrap_job(store, job_id, dict(job.settings))
        else:
            raise ValueError(f"unknown job kind {job.kind!r}")
    except Cancelled:
        store.append_log(job_id, "cancelled")
        store.finish_job(job_id, "cancelled")
    except Exception as error:  # the job's failure is its result: recorded, shown on the page
        store.append_log(job_id, traceback.format_exc())
        store.finish_job(job_id, "failed", error=f"{type(error).__name__}: {error}")
    else:
        store.finish_job(job_id, "succeeded", model_fingerprint=fingerprint)


# --- starting, following and stopping a job's process (the page side) --------------------------------

#: The repository root: the worker runs from it.
ROOT = Path(__file__).resolve().parents[2]


def job_log_path(job: TrainingJob) -> Path:
    """Where the job's process writes its output: ``MEDNER_JOB_LOGS`` (default ``runs/jobs``), one
    file a job, named by id and creation time so that two stores never share one."""
    folder = under_root(os.environ.get("MEDNER_JOB_LOGS", "runs/jobs"))
    return folder / f"job-{job.id}-{job.created_at:%Y%m%dT%H%M%S%f}.log"


def queued_runner() -> bool:
    """Whether jobs wait in the store for ``python -m webapp.worker serve`` (``MEDNER_JOB_RUNNER=queue``)."""
    return os.environ.get("MEDNER_JOB_RUNNER", "process") == "queue"


def start_job(store: Store, kind: str, settings: dict[str, Any], output: str) -> TrainingJob:
    """Record a job and start ``python -m webapp.worker job ID`` as its own process (or leave it
    queued for a separate worker, :func:`queued_runner`)."""
    job = store.create_job(kind, settings, output)
    if not queued_runner():
        _spawn_worker(store, job)
    return job


def _spawn_worker(store: Store, job: TrainingJob) -> subprocess.Popen:
    environment = dict(os.environ)
    environment["DATABASE_URL"] = store.engine.url.render_as_string(hide_password=False)
    log_path = job_log_path(job)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "webapp.worker", "job", str(job.id)],
            cwd=ROOT,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def restart_job(store: Store, job: TrainingJob) -> TrainingJob:
    """Run a finished (failed or cancelled) job again as a new job with the same settings; a training
    job writes the same model folder, which holds the previous model until the new one is saved."""
    if not job.finished:
        raise ValueError(f"job #{job.id} is still {job.status}")
    return start_job(store, job.kind, dict(job.settings), job.output)


#: Characters of a dead job's own output copied into its log in the store.
LOG_TAIL_CHARS = 4000


def refresh_job(store: Store, job_id: int) -> TrainingJob:
    """The job as stored; a job whose process is gone without saying how it ended is marked failed,
    with the end of that process's own output added to its log."""
    job = store.job(job_id)
    # a queued runner's job may run on another machine: its worker (serve) watches its process
    if job.status == "running" and not queued_runner() and not process_alive(job.pid):
        _mark_dead(store, job)
        job = store.job(job.id)
    return job


def _mark_dead(store: Store, job: TrainingJob) -> None:
    try:
        tail = job_log_path(job).read_text(encoding="utf-8", errors="replace")[-LOG_TAIL_CHARS:]
    except OSError:
        tail = ""
    store.append_log(job.id, "the worker process ended without reporting (killed?); its last output:")
    store.append_log(job.id, tail.strip() or "(none)")
    store.finish_job(job.id, "failed", error="the worker process ended without reporting (killed?)")


def cancel_job(store: Store, job: TrainingJob) -> None:
    """Stop a job: a queued one never starts; a running one's process is asked to stop (SIGTERM:
    the worker records it as cancelled), through the store when a separate worker runs it."""
    if job.status == "queued" or (job.status == "running" and queued_runner()):
        store.finish_job(job.id, "cancelled")  # serve sees it and stops the process
    elif job.status == "running" and process_alive(job.pid):
        os.kill(job.pid, signal.SIGTERM)  # type: ignore[arg-type]


#: How often ``serve`` looks for queued jobs and for a cancel of the one it runs.
SERVE_POLL_SECONDS = 2.0


def serve(store: Store, *, poll_seconds: float = SERVE_POLL_SECONDS, until_idle: bool = False) -> int:
    """Run queued jobs one at a time, each in its own worker process, until stopped (or, with
    ``until_idle``, until none is queued); the number of jobs run."""
    done = 0
    while True:
        job = store.claim_job()
        if job is None:
            if until_idle:
                return done
            time.sleep(poll_seconds)
            continue
        process = _spawn_worker(store, job)
        while process.poll() is None:
            time.sleep(min(poll_seconds, 1.0))
            if store.job(job.id).status == "cancelled":
                process.terminate()
                process.wait()
        ended = store.job(job.id)
        if ended.status == "running":
            _mark_dead(store, ended)
        done += 1
