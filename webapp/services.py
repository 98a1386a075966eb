"""Everything the pages need from `engine` and `db.repository`, and the only place with Streamlit
caches: the store, loaded models, and the derived tables that are costly to recompute.

Settings come from the environment, so tests and deployments point the app elsewhere:

- ``DATABASE_URL`` / ``MEDNER_DATA``: the store (see ``db.session``);
- ``MEDNER_MODELS``: folders holding model folders, separated by ``os.pathsep`` (default ``models``);
- ``MEDNER_DEMO_DATA``: the demo corpus folder imported on first use (default ``data/demo``).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import streamlit as st

from db.repository import RevisionConflict, Store, StoreError
from engine.types import Document, EvaluationRecord, ModelInfo, Prediction, TrainingJob
from webapp.application import jobs as job_control
from webapp.application import predictions as predictions_app
from webapp.application import review, uploads
from webapp.application import scores as scores_app
from webapp.application.corpora import DEMO_CORPUS, sambd_report
from webapp.application.models import folder_signature, model_roots
from webapp.application.models import model_label as model_label
from webapp.application.models import training_choices as training_choices
from webapp.application.models import under_root as _under_root
from webapp.application.notes import (
    Download as Download,
)
from webapp.application.notes import (
    corpus_zip as corpus_zip,
)
from webapp.application.notes import (
    downloads as downloads,
)
from webapp.application.notes import (
    medications as medications,
)
from webapp.application.notes import (
    phrase_matches as phrase_matches,
)
from webapp.application.notes import (
    safe_name as safe_name,
)
from webapp.application.notes import (
    summarise_times as summarise_times,
)
from webapp.application.notes import (
    take_version as take_version,
)
from webapp.application.predictions import Annotation
from webapp.application.scores import compare_errors as compare_errors
from webapp.application.scores import predicted_spans as predicted_spans
from webapp.application.scores import published_figures as published_figures
from webapp.application.warm import serving_precision

ROOT = Path(__file__).resolve().parent.parent
#: Notes longer than this are refused by the Annotate page (about 100 pages of text).
MAX_NOTE_CHARS = 1_000_000


def demo_data() -> Path:
    return _under_root(os.environ.get("MEDNER_DEMO_DATA", "data/demo"))


def _database_url() -> str:
    """``DATABASE_URL`` as set now: part of every cache key, so a test or deployment that points the
    app at another store never meets the first store's cached results."""
    return os.environ.get("DATABASE_URL", "")


@st.cache_resource(show_spinner=False)
def _store(url: str) -> Store:
    return Store.open(url or None)


def store() -> Store:
    """The store of this process (one engine and connection pool, shared by all sessions)."""
    return _store(_database_url())


def _loading(models: Sequence[ModelInfo], precision: str):
    """A spinner while a model these notes may need is still loading into the pool
    (:mod:`webapp.application.warm`); nothing when all are ready."""
    from webapp.application.warm import POOL

    if all(POOL.ready(m.folder, m.fingerprint, precision) for m in models):
        return nullcontext()
    return st.spinner("Loading the model…")


@st.cache_resource(show_spinner=False)
def component(name: str, *, css: str, js: str):
    """A custom element of the app (components v2), registered once per process: the annotation
    view's (:mod:`webapp.components.annotator`)."""
    return st.components.v2.component(name, html="", css=css, js=js, isolate_styles=False)


@st.cache_resource(show_spinner=False)
def warm_models() -> None:
    """Start loading the model folders in the background, once per process: at once under
    ``python -m webapp.serve``, else at the first page a session opens (``streamlit run``)."""
    from webapp.application.models import model_folders, warm_order
    from webapp.application.warm import POOL

    POOL.warm(warm_order(model_folders(model_roots())))


@st.cache_data(show_spinner="Looking for models…", max_entries=8)
def _register(roots: tuple[str, ...], signature: tuple, url: str) -> tuple[list[ModelInfo], list[str]]:
    from webapp.application.models import register_folders

    return register_folders(store(), [Path(r) for r in roots])


def models() -> tuple[list[ModelInfo], list[str]]:
    """The model folders on disk, registered in the store (re-read when a folder changes), and the
    folders that are not loadable models, as messages."""
    roots = model_roots()
    return _register(tuple(map(str, roots)), folder_signature(roots), _database_url())


@st.cache_resource(show_spinner="Importing the demo corpus…")
def _demo_imported(folder: str, url: str) -> int:
    from webapp.application.corpora import import_folder

    if not Path(folder).is_dir() or DEMO_CORPUS in {c.name for c in store().corpora()}:
        return 0
    return import_folder(store(), DEMO_CORPUS, folder)[0]


def real_text_ranking(models: Sequence[ModelInfo]) -> list[dict[str, object]]:
    """The models scored on real text, best first (Compare's real-text table)."""
    from webapp.components.tables import real_text_rows

    real = open_corpus_names()
    if not real:
        return []
    return real_text_rows(models, evaluations(), demo=DEMO_CORPUS, real=real)


def open_corpus_names() -> list[str]:
    """The open real corpora in the store (imported by ``make demo``'s sync as real-NAME)."""
    from webapp.application.corpora import OPEN_PREFIX

    return [c.name for c in store().corpora() if c.name.startswith(OPEN_PREFIX)]


def ensure_demo_corpus() -> None:
    """Import the demo corpus into the store the first time any page needs corpora."""
    _demo_imported(str(demo_data()), _database_url())


# --- annotation -----------------------------------------------------------------------------------


def annotate(models_chosen: Sequence[ModelInfo], text: str, *, use_cache: bool = True) -> list[Annotation]:
    """Each chosen model's spans for ``text``: from the store's cache when this exact model saw this
    exact note before, else from the model (then cached as offsets and labels, never the text):
    :func:`webapp.application.predictions.annotate_note`."""
    precision = serving_precision()
    with _loading(models_chosen, precision):
        return predictions_app.annotate_note(store(), models_chosen, text, precision=precision, use_cache=use_cache)


def predictions(model: ModelInfo, texts: Sequence[str]) -> list[Prediction]:
    """``model``'s spans for many notes at once, from the cache where it has them."""
    precision = serving_precision()
    with _loading([model], precision):
        return predictions_app.annotate(
            store(), model, list(texts), predictions_app.pooled(model, precision), precision=precision
        )


def review_queue(corpus: str, split: str, model: ModelInfo, reviewed: set[str]) -> list[tuple[str, float]]:
    """The documents of one split not among ``reviewed``, the one where ``model`` expects most
    wrong spans first (:func:`webapp.application.review.review_queue`)."""
    notes = documents(corpus, split)
    return review.review_queue(notes, predictions(model, [d.text for d in notes]), reviewed)


def author_versions(corpus: str) -> dict[str, int]:
    """Who saved gold in the corpus, each with their newest revision's id."""
    return store().author_versions(corpus)


@st.cache_data(show_spinner=False, max_entries=32)
def _agreement(corpus: str, first: str, second: str, versions: tuple[int | None, int | None], url: str):
    return review.agreement(store(), corpus, first, second)


def agreement(corpus: str, first: str, second: str, versions: dict[str, int] | None = None):
    """Agreement of two annotators' latest revisions on the documents both saved; recomputed only
    when one of the two saves again (``versions``: :func:`author_versions`, read now if not given)."""
    versions = author_versions(corpus) if versions is None else versions
    return _agreement(corpus, first, second, (versions.get(first), versions.get(second)), _database_url())


decode_upload = uploads.decode_upload


# --- evaluations and corpora ------------------------------------------------------------------------


def evaluations(corpus: str | None = None) -> list[EvaluationRecord]:
    return store().evaluations(corpus=corpus)


@st.cache_data(show_spinner=False, max_entries=64)
def evaluation_errors(run_id: int, url: str = ""):
    return store().evaluation_errors(run_id)


def errors_of(run_id: int):
    """The error list of one evaluation run (runs never change once stored, so they are cached)."""
    return evaluation_errors(run_id, _database_url())


@st.cache_data(show_spinner=False, max_entries=64)
def _paired(run_a: int, run_b: int, url: str) -> dict[str, dict[str, object]]:
    return scores_app.paired(store().evaluation(run_a, with_errors=False), store().evaluation(run_b, with_errors=False))


@st.cache_data(show_spinner=False, max_entries=16)
def _lenient(run_id: int, corpus: str, split: str, version: tuple[int, int], url: str) -> dict:
    return scores_app.lenient_verdicts(documents(corpus, split), errors_of(run_id))


def lenient_verdicts(corpus: str, record: EvaluationRecord) -> dict:
    """For each error of a stored run on ``corpus``, whether n2c2 lenient matching forgives it,
    against the corpus's current gold (:func:`webapp.application.scores.lenient_verdicts`)."""
    if record.id is None:
        raise ValueError("the evaluation must be a stored one")
    return _lenient(record.id, corpus, record.split, store().corpus_version(corpus), _database_url())


def paired_comparison(a: EvaluationRecord, b: EvaluationRecord) -> dict[str, dict[str, object]]:
    """Paired tests of B against A on the documents both evaluations scored
    (:func:`engine.scores.intervals.compare_tables`): empty when either evaluation was stored before
    per-document counts were kept; a ValueError names documents only one of them scored."""
    if a.id is None or b.id is None:
        raise ValueError("both evaluations must be stored ones")
    return _paired(a.id, b.id, _database_url())


def corpora():
    ensure_demo_corpus()
    return store().corpora()


@st.cache_data(show_spinner=False, max_entries=32)
def _documents(corpus: str, split: str | None, version: tuple[int, int], url: str) -> list[Document]:
    return store().documents(corpus, split)


def documents(corpus: str, split: str | None = None) -> list[Document]:
    """A corpus's documents with their current gold, re-read only when the corpus changes."""
    return _documents(corpus, split, store().corpus_version(corpus), _database_url())


@st.cache_data(show_spinner="Counting labels before and after SamBD…", max_entries=8)
def _sambd_counts(corpus: str, version: tuple[int, int], url: str) -> dict[str, Any]:
    return sambd_report(documents(corpus, "train"))


def sambd_counts(corpus: str) -> dict[str, Any]:
    """SamBD's before/after counts on the corpus's train split (recomputed when the corpus changes)."""
    return _sambd_counts(corpus, store().corpus_version(corpus), _database_url())


class ActionFailed(Exception):
    """An action a person asked for that could not be done, with what to tell them: the store's
    and the readers' errors turned into one message (views catch this and nothing else)."""


def document_ids(corpus: str, split: str | None = None) -> list[str]:
    """The names of a corpus's documents (of one split), sorted; nothing else read."""
    return store().document_ids(corpus, split)


@st.cache_data(show_spinner=False, max_entries=256)
def _document(corpus: str, document_id: str, revision: tuple[int, str], url: str) -> Document:
    return store().document(corpus, document_id)


def document(corpus: str, document_id: str, revision=None) -> Document:
    """One document with its current gold. Given ``revision`` (the newest line of
    :func:`gold_log`), the document is read once per revision (its number and time) instead of on
    every rerun; should someone save in between, the document read is newer than ``revision``,
    and a save based on ``revision`` is then refused as a conflict, never lost."""
    if revision is None:
        return store().document(corpus, document_id)
    key = (revision.number, revision.created_at.isoformat())
    return _document(corpus, document_id, key, _database_url())


def gold_log(corpus: str, document_id: str):
    """A document's revisions, newest first, without their spans."""
    return store().gold_log(corpus, document_id)


def editing_times(corpus: str):
    """Every timed revision of the corpus (who, which document, seconds, spans), oldest first."""
    return store().editing_times(corpus)


def reviewers(corpus: str, split: str | None = None) -> dict[str, set[str]]:
    """Who saved gold in the corpus (or one split): author -> documents."""
    return store().reviewers(corpus, split)


def save_gold(
    corpus: str, document_id: str, spans, relations, *, by: str, note: str, based_on: int, seconds: float | None = None
):
    """Save a new gold revision (with the editing time the page measured); a conflict with someone
    else's newer save or gold that does not fit the note is an :class:`ActionFailed` that says what
    to do."""
    try:
        return store().save_gold(
            corpus, document_id, spans, relations, by=by, note=note, based_on=based_on, seconds=seconds
        )
    except RevisionConflict as error:
        raise ActionFailed(f"{error}. Your draft is kept; press Load to start again from the newer gold.") from None
    except (StoreError, ValueError) as error:
        raise ActionFailed(str(error)) from None


def save_note(corpus: str, note: Document, *, by: str):
    """Keep a pasted note (its text and spans as gold revision 1) in a corpus."""
    try:
        return store().save_document(corpus, note, by=by)
    except (StoreError, ValueError) as error:
        raise ActionFailed(str(error)) from None


def import_folder(name: str, folder: str) -> tuple[int, list[str]]:
    """Import a BRAT folder into the store as corpus ``name``: documents added and the problems
    the reader named; a folder it cannot read is an :class:`ActionFailed` and imports nothing."""
    from webapp.application.corpora import import_folder as import_into

    try:
        added, problems = import_into(store(), name, folder)
    except (OSError, ValueError, StoreError) as error:
        raise ActionFailed(f"Could not import {folder}; nothing was imported. {error}") from None
    return added, problems


def jobs() -> list[TrainingJob]:
    return store().jobs()


def delete_document(corpus: str, document_id: str):
    """Delete a document and everything derived from it (``Store.delete_document``), and forget
    every cached table of this process, some of which held its text."""
    deletion = store().delete_document(corpus, document_id)
    st.cache_data.clear()
    return deletion


# --- jobs -----------------------------------------------------------------------------------------


def start_job(kind: str, settings: dict[str, Any], output: str) -> TrainingJob:
    """Record a job and start its worker process (:func:`webapp.application.jobs.start_job`)."""
    return job_control.start_job(store(), kind, settings, output)


def restart_job(job: TrainingJob) -> TrainingJob:
    """A finished job run again as a new one (:func:`webapp.application.jobs.restart_job`)."""
    return job_control.restart_job(store(), job)


def refresh_job(job_id: int) -> TrainingJob:
    """The job as stored, marked failed if its process died silently
    (:func:`webapp.application.jobs.refresh_job`)."""
    return job_control.refresh_job(store(), job_id)


def cancel_job(job: TrainingJob) -> None:
    """Stop a job (:func:`webapp.application.jobs.cancel_job`)."""
    job_control.cancel_job(store(), job)


job_log_path = job_control.job_log_path
