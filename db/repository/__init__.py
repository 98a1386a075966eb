"""The store's only door: every read and write goes through :class:`Store`, which takes and returns
``engine.types`` values, never ORM rows.

Privacy: a note annotated for a quick look is cached as (model fingerprint, sha256 of the text)
-> offsets and labels. Its text is stored only by :meth:`Store.save_document` or
:meth:`Store.import_corpus`, i.e. when a person saves it into a corpus, and
:meth:`Store.delete_document` removes it again with everything derived from it.

Concurrency: writes run in short transactions that take the write lock up front on SQLite and
lock the rows they extend on PostgreSQL; a writer that still meets a lock or a serialisation
failure waits a little and tries again, so "database is locked" never reaches the caller.
"""

from __future__ import annotations

from db.repository.base import NotFound, RevisionConflict, StoreError, text_sha256
from db.repository.deletion import DeletionStore, DocumentDeletion
from db.repository.evaluations import EvaluationStore
from db.repository.gold import CorpusStore
from db.repository.jobs import JobStore
from db.repository.predictions import PredictionCache


class Store(PredictionCache, DeletionStore, CorpusStore, EvaluationStore, JobStore):
    """The database behind the app: models, cached predictions, corpora and gold, evaluations, jobs,
    and the deletion of a document with everything derived from it.

    Open it with :meth:`Store.open`; each method is one short transaction.
    """


__all__ = ["DocumentDeletion", "NotFound", "RevisionConflict", "Store", "StoreError", "text_sha256"]
