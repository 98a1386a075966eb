"""The store's only door: every read and write goes through :class:`Store`, which takes and returns
``engine.types`` values, never ORM rows.

Privacy: a note annotated for a quick look is cached as (model fingerprint, sha256 of the text)
-> offsets and labels. Its text is stored only by :meth:`Store.save_document` or
:meth:`Store.import_corpus`, i.e. when a person saves it into a corpus.

Concurrency: writes run in short transactions that take the write lock up front on SQLite and
lock the rows they extend on PostgreSQL; a writer that still meets a lock or a serialisation
failure waits a little and tries again, so "database is locked" never reaches the caller.
"""

from __future__ import annotations

import hashlib
import random
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import Engine, delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, selectinload, sessionmaker

from db import records
from db.migrate import upgrade
from db.schema import (
    CorpusRow,
    DocumentRow,
    EvaluationErrorRow,
    EvaluationRunRow,
    GoldRevisionRow,
    ModelRow,
    PredictionRow,
    TrainingEventRow,
    TrainingJobRow,
)
from db.session import make_engine, writer
from engine.labels import LABELS
from engine.types import (
    CorpusInfo,
    Document,
    EvaluationRecord,
    GoldRevision,
    JobStatus,
    ModelInfo,
    Prediction,
    Relation,
    Span,
    SpanError,
    TrainingJob,
)

T = TypeVar("T")
#: How often a write is tried when it meets a lock, a serialisation failure or a racing insert.
WRITE_ATTEMPTS = 10
_RETRYABLE_SQLSTATES = {"40001", "40P01", "55P03"}  # serialization failure, deadlock, lock not available


class StoreError(RuntimeError):
    """Something the store cannot do; the message says what and why."""


class NotFound(StoreError, LookupError):
    """A corpus, document, model, evaluation or job that is not in the store."""


class RevisionConflict(StoreError):
    """A gold edit based on a revision that someone else has replaced meanwhile."""


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _retryable(error: Exception) -> bool:
    original = getattr(error, "orig", None)
    if getattr(original, "sqlstate", None) in _RETRYABLE_SQLSTATES:
        return True
    return "database is locked" in str(original) or "database table is locked" in str(original)


def _now() -> datetime:
    return datetime.now(UTC)


class Store:
    """The database behind the app: models, cached predictions, corpora and gold, evaluations, jobs."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._reader = sessionmaker(engine, expire_on_commit=False)
        self._writer = sessionmaker(writer(engine), expire_on_commit=False)

    @classmethod
    def open(cls, url: str | None = None, *, migrate: bool = True) -> Store:
        """The store at ``url`` (default: ``DATABASE_URL`` or the SQLite file), migrated to head."""
        engine = make_engine(url)
        if migrate:
            upgrade(engine)
        return cls(engine)

    def close(self) -> None:
        self.engine.dispose()

    # --- sessions -------------------------------------------------------------------------------

    @contextmanager
    def _read(self):
        with self._reader() as session:
            yield session

    def _write(self, work: Callable[[Session], T], *, races: bool = False) -> T:
        """Run ``work`` in one write transaction; retry on locks (and on unique-key races if ``races``)."""
        for attempt in range(1, WRITE_ATTEMPTS + 1):
            try:
                with self._writer.begin() as session:
                    return work(session)
            except OperationalError as error:
                if attempt == WRITE_ATTEMPTS or not _retryable(error):
                    raise
            except IntegrityError:
                if attempt == WRITE_ATTEMPTS or not races:
                    raise
            time.sleep(min(2.0, 0.02 * 2**attempt) * random.uniform(0.5, 1.0))
        raise AssertionError("unreachable")

    def _insert(self, table):
        """``INSERT ... ON CONFLICT DO NOTHING`` in the dialect of this database."""
        dialect = postgresql if self.engine.dialect.name == "postgresql" else sqlite
        return dialect.insert(table)

    # --- models ---------------------------------------------------------------------------------

    def register_model(self, info: ModelInfo) -> ModelInfo:
        """Record a model (once per fingerprint) and return it as stored."""

        def work(session: Session) -> ModelInfo:
            session.execute(self._insert(ModelRow).values(**records.model_row(info)).on_conflict_do_nothing())
            row = session.scalars(select(ModelRow).where(ModelRow.fingerprint == info.fingerprint)).one()
            return records.model_info(row)

        return self._write(work, races=True)

    def models(self) -> list[ModelInfo]:
        """Every registered model, oldest first."""
        with self._read() as session:
            rows = session.scalars(select(ModelRow).order_by(ModelRow.created_at, ModelRow.id))
            return [records.model_info(row) for row in rows]

    def model(self, fingerprint: str) -> ModelInfo:
        with self._read() as session:
            row = session.scalars(select(ModelRow).where(ModelRow.fingerprint == fingerprint)).one_or_none()
            if row is None:
                raise NotFound(f"no model with fingerprint {fingerprint[:12]}... is registered")
            return records.model_info(row)

    def _model_id(self, session: Session, model: ModelInfo) -> int:
        found = session.scalar(select(ModelRow.id).where(ModelRow.fingerprint == model.fingerprint))
        if found is not None:
            return found
        session.execute(self._insert(ModelRow).values(**records.model_row(model)).on_conflict_do_nothing())
        return session.scalars(select(ModelRow.id).where(ModelRow.fingerprint == model.fingerprint)).one()

    # --- cached predictions ---------------------------------------------------------------------

    def cached_predictions(self, model: ModelInfo | str, texts: Sequence[str]) -> list[Prediction | None]:
        """For each note, the cached spans of exactly this model (by fingerprint), or None."""
        fingerprint = model if isinstance(model, str) else model.fingerprint
        digests = [text_sha256(text) for text in texts]
        with self._read() as session:
            rows = session.execute(
                select(PredictionRow.text_sha256, PredictionRow.spans, PredictionRow.seconds)
                .join(ModelRow, ModelRow.id == PredictionRow.model_id)
                .where(ModelRow.fingerprint == fingerprint, PredictionRow.text_sha256.in_(set(digests)))
            ).all()
        found = {digest: (spans, seconds) for digest, spans, seconds in rows}
        result: list[Prediction | None] = []
        for text, digest in zip(texts, digests, strict=True):
            if digest not in found:
                result.append(None)
                continue
            spans, seconds = found[digest]
            result.append(Prediction(digest, records.spans_from_offsets(text, spans), fingerprint, seconds, True))
        return result

    def cached_prediction(self, model: ModelInfo | str, text: str) -> Prediction | None:
        return self.cached_predictions(model, [text])[0]

    def save_predictions(self, model: ModelInfo, items: Sequence[tuple[str, Sequence[Span], float]]) -> None:
        """Cache (note, spans, seconds) for ``model``; the note itself is not stored, only its hash."""
        if not items:
            return

        def work(session: Session) -> None:
            model_id = self._model_id(session, model)
            values = [
                {
                    "model_id": model_id,
                    "text_sha256": text_sha256(text),
                    "spans": records.span_offsets(spans),
                    "seconds": seconds,
                    "created_at": _now(),
                }
                for text, spans, seconds in items
            ]
            session.execute(self._insert(PredictionRow).values(values).on_conflict_do_nothing())

        self._write(work, races=True)

    def save_prediction(self, model: ModelInfo, text: str, spans: Sequence[Span], *, seconds: float) -> None:
        self.save_predictions(model, [(text, spans, seconds)])

    def annotate(
        self,
        model: ModelInfo,
        texts: Sequence[str],
        predict: Callable[[list[str]], list[list[Span]]],
        *,
        use_cache: bool = True,
    ) -> list[Prediction]:
        """Spans for each note: from the cache where this model has seen the note, else from
        ``predict`` (called once, on the misses only), whose results are then cached."""
        found = self.cached_predictions(model, texts) if use_cache else [None] * len(texts)
        missing = [i for i, hit in enumerate(found) if hit is None]
        if missing:
            began = time.perf_counter()
            predicted = predict([texts[i] for i in missing])
            seconds = (time.perf_counter() - began) / len(missing)
            if len(predicted) != len(missing):
                raise ValueError(f"predict returned {len(predicted)} results for {len(missing)} notes")
            if use_cache:
                self.save_predictions(
                    model, [(texts[i], spans, seconds) for i, spans in zip(missing, predicted, strict=True)]
                )
            for i, spans in zip(missing, predicted, strict=True):
                found[i] = Prediction(text_sha256(texts[i]), tuple(spans), model.fingerprint, seconds, False)
        return found  # type: ignore[return-value]

    def clear_predictions(self, model: ModelInfo | None = None) -> int:
        """Forget cached predictions (of one model, or all); returns how many were removed."""

        def work(session: Session) -> int:
            statement = delete(PredictionRow)
            if model is not None:
                statement = statement.where(
                    PredictionRow.model_id.in_(select(ModelRow.id).where(ModelRow.fingerprint == model.fingerprint))
                )
            return session.execute(statement).rowcount or 0

        return self._write(work)

    # --- corpora and documents ------------------------------------------------------------------

    def _corpus_id(self, session: Session, name: str, source: str) -> int:
        session.execute(
            self._insert(CorpusRow).values(name=name, source=source, created_at=_now()).on_conflict_do_nothing()
        )
        return session.scalars(select(CorpusRow.id).where(CorpusRow.name == name)).one()

    def import_corpus(
        self, name: str, splits: Mapping[str, Sequence[Document]], *, source: str = "", by: str = "import"
    ) -> int:
        """Store the documents (with their text) and their gold as revision 1; documents already in
        the corpus are left as they are. Returns how many documents were added."""
        for documents in splits.values():
            for document in documents:
                _check_gold(document.text, document.spans, document.relations, where=f"{name}/{document.id}")

        def work(session: Session) -> int:
            corpus_id = self._corpus_id(session, name, source)
            present = set(session.scalars(select(DocumentRow.name).where(DocumentRow.corpus_id == corpus_id)))
            added = 0
            for split, documents in splits.items():
                for document in documents:
                    if document.id in present:
                        continue
                    row = DocumentRow(
                        corpus_id=corpus_id,
                        name=document.id,
                        split=split,
                        text=document.text,
                        text_sha256=text_sha256(document.text),
                    )
                    session.add(row)
                    session.flush()
                    self._add_revision(session, row.id, 1, document.spans, document.relations, by=by, note="imported")
                    present.add(document.id)
                    added += 1
            return added

        return self._write(work, races=True)

    def save_document(self, corpus: str, document: Document, *, split: str = "saved", by: str) -> GoldRevision:
        """Save one note with its text into ``corpus`` (made if new), its spans as gold revision 1."""
        added = self.import_corpus(corpus, {split: [document]}, source="saved from the app", by=by)
        if not added:
            raise StoreError(f"{corpus} already holds a document called {document.id!r}; choose another name")
        return self.gold_history(corpus, document.id)[0]

    def corpora(self) -> list[CorpusInfo]:
        with self._read() as session:
            counts: dict[int, dict[str, int]] = {}
            for corpus_id, split, count in session.execute(
                select(DocumentRow.corpus_id, DocumentRow.split, func.count()).group_by(
                    DocumentRow.corpus_id, DocumentRow.split
                )
            ):
                counts.setdefault(corpus_id, {})[split] = count
            rows = session.scalars(select(CorpusRow).order_by(CorpusRow.name))
            return [
                CorpusInfo(row.name, row.source, counts.get(row.id, {}), records.aware(row.created_at)) for row in rows
            ]

    def documents(self, corpus: str, split: str | None = None) -> list[Document]:
        """The corpus's documents (of one split, or all) with their current gold, sorted by name."""
        with self._read() as session:
            latest = (
                select(GoldRevisionRow.document_id, func.max(GoldRevisionRow.number).label("number"))
                .group_by(GoldRevisionRow.document_id)
                .subquery()
            )
            statement = (
                select(DocumentRow, GoldRevisionRow)
                .join(CorpusRow, CorpusRow.id == DocumentRow.corpus_id)
                .outerjoin(latest, latest.c.document_id == DocumentRow.id)
                .outerjoin(
                    GoldRevisionRow,
                    (GoldRevisionRow.document_id == DocumentRow.id) & (GoldRevisionRow.number == latest.c.number),
                )
                .where(CorpusRow.name == corpus)
                .options(selectinload(GoldRevisionRow.spans), selectinload(GoldRevisionRow.relations))
                .order_by(DocumentRow.name)
            )
            if split is not None:
                statement = statement.where(DocumentRow.split == split)
            result = []
            for document, revision in session.execute(statement):
                spans = records.gold_spans(revision.spans) if revision else ()
                relations = records.gold_relations(revision.relations) if revision else ()
                result.append(Document(document.name, document.text or "", spans, relations))
            return result

    def document(self, corpus: str, document_id: str) -> Document:
        history = self.gold_history(corpus, document_id, limit=1)
        with self._read() as session:
            row = self._document_row(session, corpus, document_id)
            spans = history[0].spans if history else ()
            relations = history[0].relations if history else ()
            return Document(row.name, row.text or "", spans, relations)

    def _document_row(self, session: Session, corpus: str, document_id: str, *, lock: bool = False) -> DocumentRow:
        statement = (
            select(DocumentRow)
            .join(CorpusRow, CorpusRow.id == DocumentRow.corpus_id)
            .where(CorpusRow.name == corpus, DocumentRow.name == document_id)
        )
        if lock:
            statement = statement.with_for_update(of=DocumentRow)
        row = session.scalars(statement).one_or_none()
        if row is None:
            raise NotFound(f"no document {document_id!r} in corpus {corpus!r}")
        return row

    # --- gold -----------------------------------------------------------------------------------

    @staticmethod
    def _add_revision(
        session: Session,
        document_row_id: int,
        number: int,
        spans: Sequence[Span],
        relations: Sequence[Relation],
        *,
        by: str,
        note: str,
    ) -> GoldRevisionRow:
        revision = GoldRevisionRow(document_id=document_row_id, number=number, author=by, note=note, created_at=_now())
        revision.spans, revision.relations = records.gold_rows(spans, relations)
        session.add(revision)
        session.flush()
        return revision

    def save_gold(
        self,
        corpus: str,
        document_id: str,
        spans: Sequence[Span],
        relations: Sequence[Relation] = (),
        *,
        by: str,
        note: str = "",
        based_on: int | None = None,
    ) -> GoldRevision:
        """Save a new gold revision; earlier revisions stay. With ``based_on`` (the revision the
        editor started from), an edit made meanwhile by someone else raises RevisionConflict
        instead of being silently replaced."""
        if not by.strip():
            raise ValueError("say who is saving the gold annotations (by=...)")

        def work(session: Session) -> GoldRevision:
            row = self._document_row(session, corpus, document_id, lock=True)
            if row.text is not None:
                _check_gold(row.text, spans, relations, where=f"{corpus}/{document_id}")
            current = session.scalar(
                select(func.coalesce(func.max(GoldRevisionRow.number), 0)).where(GoldRevisionRow.document_id == row.id)
            )
            if based_on is not None and current != based_on:
                raise RevisionConflict(
                    f"{corpus}/{document_id}: revision {current} was saved after revision {based_on}, "
                    "which this edit started from; reload the document and apply the edit again"
                )
            revision = self._add_revision(session, row.id, current + 1, spans, relations, by=by, note=note)
            return records.gold_revision(corpus, document_id, revision)

        return self._write(work, races=True)

    def gold_history(self, corpus: str, document_id: str, *, limit: int | None = None) -> list[GoldRevision]:
        """A document's gold revisions, newest first."""
        with self._read() as session:
            row = self._document_row(session, corpus, document_id)
            statement = (
                select(GoldRevisionRow)
                .where(GoldRevisionRow.document_id == row.id)
                .options(selectinload(GoldRevisionRow.spans), selectinload(GoldRevisionRow.relations))
                .order_by(GoldRevisionRow.number.desc())
                .limit(limit)
            )
            return [records.gold_revision(corpus, document_id, revision) for revision in session.scalars(statement)]

    # --- evaluations ----------------------------------------------------------------------------

    def record_evaluation(self, model: ModelInfo, record: EvaluationRecord) -> int:
        """Store an evaluation run with its per-label rows, confusion matrices and every error."""
        if record.model and record.model != model.fingerprint:
            raise ValueError("the evaluation record belongs to another model (fingerprints differ)")

        def work(session: Session) -> int:
            run = records.evaluation_rows(record, self._model_id(session, model))
            run.created_at = _now()
            session.add(run)
            session.flush()
            rows = [records.error_row(run.id, error) for error in record.errors]
            for first in range(0, len(rows), 1000):
                session.execute(insert(EvaluationErrorRow), rows[first : first + 1000])
            return run.id

        return self._write(work, races=True)

    def evaluations(
        self,
        *,
        models: Iterable[str] | None = None,
        split: str | None = None,
        corpus: str | None = None,
        latest: bool = True,
    ) -> list[EvaluationRecord]:
        """Evaluation runs (without their error lists), newest first; with ``latest`` only the newest
        run of each (model, corpus, split). ``models`` filters by fingerprint."""
        with self._read() as session:
            statement = (
                select(EvaluationRunRow)
                .join(ModelRow, ModelRow.id == EvaluationRunRow.model_id)
                .options(selectinload(EvaluationRunRow.model))
                .order_by(EvaluationRunRow.created_at.desc(), EvaluationRunRow.id.desc())
            )
            if models is not None:
                statement = statement.where(ModelRow.fingerprint.in_(list(models)))
            if split is not None:
                statement = statement.where(EvaluationRunRow.split == split)
            if corpus is not None:
                statement = statement.where(EvaluationRunRow.corpus == corpus)
            result: list[EvaluationRecord] = []
            seen: set[tuple[int, str, str]] = set()
            for run in session.scalars(statement):
                key = (run.model_id, run.corpus, run.split)
                if latest and key in seen:
                    continue
                seen.add(key)
                result.append(records.evaluation_record(run))
            return result

    def evaluation(self, run_id: int, *, with_errors: bool = True) -> EvaluationRecord:
        with self._read() as session:
            run = session.get(EvaluationRunRow, run_id, options=[selectinload(EvaluationRunRow.model)])
            if run is None:
                raise NotFound(f"no evaluation run {run_id}")
            errors = self._errors(session, run_id) if with_errors else []
            return records.evaluation_record(run, errors)

    def evaluation_errors(
        self,
        run_id: int,
        *,
        labels: Iterable[str] | None = None,
        kinds: Iterable[str] | None = None,
        document: str | None = None,
    ) -> list[SpanError]:
        """The errors of one run, filtered by label, kind and document, in document order."""
        with self._read() as session:
            return self._errors(session, run_id, labels=labels, kinds=kinds, document=document)

    @staticmethod
    def _errors(session: Session, run_id: int, *, labels=None, kinds=None, document=None) -> list[SpanError]:
        statement = select(EvaluationErrorRow).where(EvaluationErrorRow.run_id == run_id)
        if labels is not None:
            statement = statement.where(EvaluationErrorRow.label.in_(list(labels)))
        if kinds is not None:
            statement = statement.where(EvaluationErrorRow.kind.in_(list(kinds)))
        if document is not None:
            statement = statement.where(EvaluationErrorRow.document == document)
        rows = session.scalars(statement.order_by(EvaluationErrorRow.id))
        return [records.span_error(row) for row in rows]

    # --- training jobs --------------------------------------------------------------------------

    def create_job(self, kind: str, settings: Mapping[str, Any], output: str) -> TrainingJob:
        def work(session: Session) -> TrainingJob:
            row = TrainingJobRow(kind=kind, settings=dict(settings), output=output, status="queued", created_at=_now())
            session.add(row)
            session.flush()
            return records.training_job(row, events=False)

        return self._write(work)

    def start_job(self, job_id: int, *, pid: int) -> None:
        self._update_job(job_id, status="running", pid=pid, started_at=_now())

    def report_progress(
        self,
        job_id: int,
        *,
        event: str,
        epoch: int,
        step: int,
        steps: int,
        loss: float,
        progress: float,
        dev_macro_f1: float | None = None,
    ) -> None:
        """One progress report: stored as an event (for the charts) and as the job's progress."""

        def work(session: Session) -> None:
            session.add(
                TrainingEventRow(
                    job_id=job_id,
                    at=_now(),
                    event=event,
                    epoch=epoch,
                    step=step,
                    steps=steps,
                    loss=loss,
                    dev_macro_f1=dev_macro_f1,
                )
            )
            session.execute(update(TrainingJobRow).where(TrainingJobRow.id == job_id).values(progress=progress))

        self._write(work)

    def append_log(self, job_id: int, line: str) -> None:
        def work(session: Session) -> None:
            row = session.get(TrainingJobRow, job_id)
            if row is None:
                raise NotFound(f"no training job {job_id}")
            row.log = row.log + line.rstrip("\n") + "\n"

        self._write(work)

    def finish_job(
        self, job_id: int, status: JobStatus, *, error: str = "", model_fingerprint: str | None = None
    ) -> None:
        if status not in ("succeeded", "failed", "cancelled"):
            raise ValueError(f"a job finishes as succeeded, failed or cancelled, not {status!r}")
        values: dict[str, Any] = {"status": status, "error": error, "finished_at": _now()}
        if status == "succeeded":
            values["progress"] = 1.0
        if model_fingerprint is not None:
            values["model_fingerprint"] = model_fingerprint
        self._update_job(job_id, **values)

    def _update_job(self, job_id: int, **values: Any) -> None:
        def work(session: Session) -> None:
            if not session.execute(update(TrainingJobRow).where(TrainingJobRow.id == job_id).values(**values)).rowcount:
                raise NotFound(f"no training job {job_id}")

        self._write(work)

    def job(self, job_id: int) -> TrainingJob:
        """One job with all its progress events."""
        with self._read() as session:
            row = session.get(TrainingJobRow, job_id, options=[selectinload(TrainingJobRow.events)])
            if row is None:
                raise NotFound(f"no training job {job_id}")
            return records.training_job(row, events=True)

    def jobs(self, *, status: Iterable[str] | None = None) -> list[TrainingJob]:
        """Jobs without their events, newest first."""
        with self._read() as session:
            statement = select(TrainingJobRow).order_by(TrainingJobRow.id.desc())
            if status is not None:
                statement = statement.where(TrainingJobRow.status.in_(list(status)))
            return [records.training_job(row, events=False) for row in session.scalars(statement)]


def _check_gold(text: str, spans: Sequence[Span], relations: Sequence[Relation], *, where: str) -> None:
    """Refuse gold that does not fit its note: every problem is named, nothing is dropped."""
    problems = []
    for span in spans:
        if span.label not in LABELS:
            problems.append(f"{span.ref or span.start}: unknown label {span.label!r} (labels: {', '.join(LABELS)})")
        if span.end > len(text):
            problems.append(f"{span.ref or span.start}: ends at {span.end}, after the note's end ({len(text)})")
            continue
        expected = " ".join(text[a:b] for a, b in span.pieces)
        if span.text != expected:
            problems.append(f"{span.ref or span.start}: text {span.text!r} is not the note's {expected!r}")
    refs = {span.ref for span in spans if span.ref}
    for relation in relations:
        missing = [arg for arg in (relation.arg1, relation.arg2) if arg not in refs]
        if missing:
            problems.append(f"{relation.ref}: refers to {', '.join(missing)}, which no span has")
    if problems:
        raise ValueError(f"{where}: gold annotations do not fit the note: " + "; ".join(problems[:10]))
