"""Evaluation runs: figures, per-label rows, confusion matrices and every error."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import insert, select
from sqlalchemy.orm import Session, selectinload

from db import records
from db.repository.base import NotFound, StoreBase, utc_now
from db.schema import EvaluationErrorRow, EvaluationRunRow, ModelRow
from engine.types import EvaluationRecord, ModelInfo, SpanError


class EvaluationStore(StoreBase):
    """Evaluation runs, newest first, with their errors on demand."""

    def record_evaluation(self, model: ModelInfo, record: EvaluationRecord) -> int:
        """Store an evaluation run with its per-label rows, confusion matrices and every error."""
        if record.model and record.model != model.fingerprint:
            raise ValueError("the evaluation record belongs to another model (fingerprints differ)")

        def work(session: Session) -> int:
            run = records.evaluation_rows(record, self._model_id(session, model))
            run.created_at = utc_now()
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
