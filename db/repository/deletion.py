"""Deleting a document and everything derived from it, for real.

"Everything derived" is what the store computed from the document's text: its gold revisions
(spans carry their text), cached predictions of that text by any model (offsets only, but keyed by
the text's hash), and the evaluation runs of its corpus that scored its split or whose error lists
quote it. The runs are gone, not edited: their figures counted the document. Model weights trained
on it are files, not rows; :class:`DocumentDeletion` names the models registered since it was added, so the
person deleting can retrain or delete them too.

On SQLite the file is written with ``secure_delete`` on (freed pages are zeroed) and the WAL is
checkpointed and truncated afterwards, so the text is no longer in ``medner.db`` or its WAL. On
PostgreSQL the rows are deleted and the tables vacuumed; dead row versions may persist on disk
until the server reuses the space (``VACUUM FULL`` by an administrator rewrites the tables).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session

from db.repository.gold import CorpusStore
from db.schema import (
    DocumentRow,
    EvaluationErrorRow,
    EvaluationLabelRow,
    EvaluationRunRow,
    GoldRelationRow,
    GoldRevisionRow,
    GoldSpanRow,
    ModelRow,
    PredictionRow,
)


@dataclass(frozen=True)
class DocumentDeletion:
    """What deleting one document removed, and which models were trained while it was there."""

    corpus: str
    document: str
    revisions: int
    predictions: int
    evaluations: int
    models_trained_since: tuple[str, ...]

    def summary(self) -> str:
        return (
            f"Deleted {self.corpus}/{self.document}: its text, {self.revisions} gold revision(s), "
            f"{self.predictions} cached prediction(s) and {self.evaluations} evaluation run(s) of its split."
        )


_VACUUMED = [
    table.__tablename__
    for table in (
        DocumentRow,
        GoldRevisionRow,
        GoldSpanRow,
        GoldRelationRow,
        PredictionRow,
        EvaluationRunRow,
        EvaluationLabelRow,
        EvaluationErrorRow,
    )
]


class DeletionStore(CorpusStore):
    """Removal of a document with everything the store derived from it."""

    def delete_document(self, corpus: str, document_id: str) -> DocumentDeletion:
        """Delete ``document_id`` of ``corpus`` and everything derived from it (see the module)."""

        def work(session: Session) -> DocumentDeletion:
            row = self._document_row(session, corpus, document_id, lock=True)
            digest, split, added = row.text_sha256, row.split, row.created_at
            revisions = session.scalar(select(func.count()).where(GoldRevisionRow.document_id == row.id)) or 0
            still_used = session.scalar(
                select(func.count()).where(DocumentRow.text_sha256 == digest, DocumentRow.id != row.id)
            )
            predictions = 0
            if not still_used:  # the same text in another document keeps its cache
                predictions = session.execute(delete(PredictionRow).where(PredictionRow.text_sha256 == digest)).rowcount
            quoting = select(EvaluationErrorRow.run_id).where(EvaluationErrorRow.document == document_id)
            evaluations = session.execute(
                delete(EvaluationRunRow).where(
                    EvaluationRunRow.corpus == corpus,
                    (EvaluationRunRow.split == split) | EvaluationRunRow.id.in_(quoting),
                )
            ).rowcount
            models = session.scalars(select(ModelRow.name).where(ModelRow.created_at >= added).order_by(ModelRow.name))
            # its gold revisions, spans and relations go with it (ON DELETE CASCADE)
            session.execute(delete(DocumentRow).where(DocumentRow.id == row.id))
            return DocumentDeletion(
                corpus, document_id, int(revisions), int(predictions or 0), int(evaluations or 0), tuple(models)
            )

        deletion = self._write(work)
        self._purge()
        return deletion

    def _purge(self) -> None:
        """Make deleted rows unrecoverable from the database files, as far as the backend allows."""
        if self.engine.dialect.name == "sqlite":
            with self.engine.connect() as connection:
                connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        elif self.engine.dialect.name == "postgresql":
            with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.execute(text(f"VACUUM {', '.join(_VACUUMED)}"))
