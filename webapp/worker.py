"""Background work of the app, each job in its own process: ``python -m webapp.worker JOB_ID``.

A page never trains or evaluates inside a Streamlit rerun. It creates a job in the store and starts
this module, which reports progress, log lines and the outcome back to the store, where the page
reads them on each rerun (so a browser reload loses nothing). Three kinds of job:

- ``train``: train a model on a corpus of the store (its latest gold, so saved corrections count),
  then register it and record its evaluation on the corpus's dev and test splits;
- ``evaluate``: score saved models on a corpus of the store and record the evaluations;
- ``bootstrap``: the first-run demo models (``engine.bootstrap``), then their evaluations.

``python -m webapp.worker sync --data data/demo --models models`` does the same registration and
evaluation in the foreground (``make demo`` runs it, so the app opens with results).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
import traceback
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from db.repository import Store
from engine.types import ModelInfo

DEMO_CORPUS = "demo"
#: Store name of an open real corpus: real-chia, real-bc5cdr, ...
OPEN_PREFIX = "real-"
#: The open corpora whose test split every model is scored on when it is synced (TAC 2017 ADR's
#: documents are whole drug labels, minutes per model on a CPU: it is scored on request, by an
#: evaluation job).
SCORED_OPEN_CORPORA = ("chia", "neurotrialner", "bc5cdr")
#: Step reports are stored at most this often (epoch ends always are).
STEP_REPORT_SECONDS = 1.0


class Cancelled(Exception):
    """Raised in the worker when the page asked the job to stop (SIGTERM)."""


def _raise_cancelled(_signum: int, _frame: object) -> None:
    raise Cancelled()


# --- corpora and models ----------------------------------------------------------------------------


def import_folder(store: Store, name: str, folder: Path | str) -> tuple[int, list[str]]:
    """Import a BRAT corpus folder (``train/ dev/ test/`` or one folder of notes) into the store:
    how many documents were added, and what the reader reported (file and line) and left out,
    such as unknown labels or ``.ann`` files without their ``.txt``. A line it cannot read at all
    raises, naming file and line, and nothing is imported."""
    from engine.data.corpus import load_corpus

    corpus = load_corpus(folder)
    added = store.import_corpus(
        name, corpus.splits, source=str(Path(folder).resolve()), coverage=_coverage_record(corpus.coverage)
    )
    return added, [str(problem) for problem in corpus.problems]


def _coverage_record(coverage) -> dict | None:
    return None if coverage.complete else coverage.as_dict()


def corpus_coverage(store: Store, name: str):
    """The store corpus's coverage (:class:`engine.data.partial.Coverage`; complete when it has none)."""
    from engine.data.partial import Coverage

    record = next((c.coverage for c in store.corpora() if c.name == name), None)
    return Coverage.from_dict(record) if record else Coverage()


def import_open_corpora(store: Store, names: Sequence[str], log: Callable[[str], None] = print) -> None:
    """Import each named open corpus (engine.data.open, vendored) not yet in the store as the
    corpus ``real-NAME``, with its coverage."""
    from engine.data.open import open_corpus

    present = {c.name for c in store.corpora()}
    for name in names:
        if OPEN_PREFIX + name in present:
            continue
        source = open_corpus(name)
        corpus = source.load()
        added = store.import_corpus(
            OPEN_PREFIX + name,
            corpus.splits,
            source=f"{name}: {source.text} ({source.licence}), vendored in {corpus.root}",
            coverage=_coverage_record(corpus.coverage),
        )
        log(f"imported {added} documents of the open corpus {name} as {OPEN_PREFIX + name!r}")


def store_corpus(store: Store, name: str):
    """The corpus ``name`` of the store as an ``engine`` corpus: its latest gold, split by split."""
    from engine.data.corpus import Corpus

    splits: dict[str, list] = {}
    for split in ("train", "dev", "test", "saved"):
        documents = store.documents(name, split)
        if documents:
            splits[split] = documents
    # documents saved from the Annotate page (and then corrected) are training data too
    splits["train"] = splits.get("train", []) + splits.pop("saved", [])
    if not splits["train"]:
        raise ValueError(f"corpus {name!r} has no train split in the store")
    return Corpus(Path(f"store:{name}"), splits, coverage=corpus_coverage(store, name))


def model_folders(roots: Iterable[Path | str]) -> list[Path]:
    """Every model folder directly inside ``roots`` (a folder with ``config.json``)."""
    found: list[Path] = []
    for root in roots:
        root = Path(root)
        if root.is_dir():
            found.extend(
                sorted(p for p in root.iterdir() if (p / "config.json").is_file() and not p.name.startswith("."))
            )
    return found


def register_folders(store: Store, roots: Iterable[Path | str]) -> tuple[list[ModelInfo], list[str]]:
    """Register the models found under ``roots``; folders that are not models are reported, not fatal."""
    from engine.models.base import ModelFolderError, describe_model

    models, problems = [], []
    for folder in model_folders(roots):
        try:
            models.append(store.register_model(describe_model(folder)))
        except ModelFolderError as error:
            problems.append(str(error))
    return models, problems


def evaluate_into_store(
    store: Store, model: ModelInfo, corpus_name: str, splits: Sequence[str], log: Callable[[str], None] = print
) -> None:
    """Score ``model`` on each split of the store corpus and record the evaluation with its errors."""
    from engine.evaluation import record_of
    from engine.experiments import evaluate_model
    from engine.models.tagger import load_tagger

    tagger = load_tagger(model.folder)
    coverage = corpus_coverage(store, corpus_name)
    for split in splits:
        documents = store.documents(corpus_name, split)
        if not documents:
            continue
        score = evaluate_model(tagger, documents, model=model.name, coverage=coverage)
        # score.as_dict() is the report's figures plus parameters and seconds per note, computed once
        record = record_of(
            score.report, model=model.fingerprint, split=split, corpus=corpus_name, metrics=score.as_dict()
        )
        store.record_evaluation(model, record)
        log(f"{model.name}: {corpus_name}/{split} strict macro F1 {score.report.macro_f1():.4f}")


def evaluate_missing(
    store: Store,
    models: Iterable[ModelInfo],
    corpus_name: str,
    log: Callable[[str], None] = print,
    *,
    splits: Sequence[str] = ("dev", "test"),
) -> int:
    """Evaluate each model on the corpus's splits (dev and test) where the store has no evaluation yet."""
    done = {(e.model, e.split) for e in store.evaluations(corpus=corpus_name)}
    count = 0
    for model in models:
        missing = [split for split in splits if (model.fingerprint, split) not in done]
        if missing:
            evaluate_into_store(store, model, corpus_name, missing, log)
            count += 1
    return count


def sync(
    store: Store,
    data: Path,
    models_root: Path,
    log: Callable[[str], None] = print,
    *,
    open_corpora: Sequence[str] = (),
) -> None:
    """Import the demo corpus and the named open corpora if new, register the models on disk,
    evaluate what is not evaluated: the demo corpus's dev and test splits, and the test split of
    each open corpus of :data:`SCORED_OPEN_CORPORA` among them."""
    if data.is_dir() and DEMO_CORPUS not in {c.name for c in store.corpora()}:
        added, problems = import_folder(store, DEMO_CORPUS, data)
        log(f"imported {added} documents of {data} as corpus {DEMO_CORPUS!r}")
        for problem in problems:
            log(f"problem: {problem}")
    models, problems = register_folders(store, [models_root])
    for problem in problems:
        log(f"skipped: {problem}")
    if DEMO_CORPUS in {c.name for c in store.corpora()}:
        evaluate_missing(store, models, DEMO_CORPUS, log)
    if open_corpora:
        import_open_corpora(store, open_corpora, log)
    for name in open_corpora:
        if name in SCORED_OPEN_CORPORA:
            evaluate_missing(store, models, OPEN_PREFIX + name, log, splits=("test",))


# --- jobs -----------------------------------------------------------------------------------------


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
    from engine.training import recipe, train

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
    from engine.bootstrap import DEMO_MODELS, bootstrap

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


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m webapp.worker", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    job = commands.add_parser("job", help="run one job of the store")
    job.add_argument("job_id", type=int)
    sync_command = commands.add_parser("sync", help="import the demo corpus, register and evaluate saved models")
    sync_command.add_argument("--data", type=Path, default=Path("data/demo"))
    sync_command.add_argument("--models", type=Path, default=Path("models"))
    sync_command.add_argument(
        "--open-corpora",
        default="all",
        help="open real corpora to import as real-NAME (comma-separated, 'all' or 'none'; default all)",
    )
    args = parser.parse_args(argv)
    store = Store.open()
    try:
        if args.command == "job":
            run_job(store, args.job_id)
        else:
            from engine.data.open import OPEN_CORPORA

            chosen = args.open_corpora.strip()
            names = () if chosen == "none" else OPEN_CORPORA if chosen == "all" else tuple(chosen.split(","))
            unknown = sorted(set(names) - set(OPEN_CORPORA))
            if unknown:
                parser.error(f"unknown open corpora {', '.join(unknown)}; choose from {', '.join(OPEN_CORPORA)}")
            sync(store, args.data, args.models, lambda line: print(line, file=sys.stderr), open_corpora=names)
    finally:
        store.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
