"""The tables (SQLAlchemy 2 typed ORM). Alembic migrations in ``db/migrations`` create them.

=====================  ==============================================================================
``corpora``            named collections of documents (the demo corpus, an n2c2 folder, saved notes)
``documents``          one note of a corpus and split; ``text`` is kept only for notes saved on purpose
``gold_revisions``     every saved state of a document's gold annotations: author, time, note
``gold_spans``         the spans of one revision; ``gold_relations`` its relations
``models``             registered trained models, keyed by their fingerprint
``predictions``        cached model output: (model, sha256 of the note) -> offsets and labels, no text
``evaluation_runs``    a model scored on a split: averages, the report JSON, confusion matrices
``evaluation_labels``  per-label precision/recall/F1/support of a run
``evaluation_errors``  every error of a run (missed, spurious, boundary, type, boundary+type)
``training_jobs``      training started from the app or CLI: status, progress, log, timing
``training_events``    a job's progress reports (loss, dev F1) for live charts
=====================  ==============================================================================
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, DateTime, ForeignKey, Index, MetaData, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    # Named constraints, so later migrations can alter them on SQLite and PostgreSQL alike.
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dict[str, Any]: JSON,
        list[Any]: JSON,
        datetime: DateTime(timezone=True),
    }


class CorpusRow(Base):
    __tablename__ = "corpora"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    source: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: a partial corpus's coverage (engine.data.partial.Coverage.as_dict()); NULL when complete
    coverage: Mapped[dict | None] = mapped_column(JSON, nullable=True)


class DocumentRow(Base):
    __tablename__ = "documents"
    __table_args__ = (UniqueConstraint("corpus_id", "name"), Index("ix_documents_corpus_split", "corpus_id", "split"))

    id: Mapped[int] = mapped_column(primary_key=True)
    corpus_id: Mapped[int] = mapped_column(ForeignKey("corpora.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    split: Mapped[str] = mapped_column(String(20))
    text: Mapped[str | None] = mapped_column(Text)
    text_sha256: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    corpus: Mapped[CorpusRow] = relationship()


class GoldRevisionRow(Base):
    __tablename__ = "gold_revisions"
    __table_args__ = (UniqueConstraint("document_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    number: Mapped[int]
    author: Mapped[str] = mapped_column(String(200))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Active editing time in the app's Gold editing view; NULL where nobody timed it (imports).
    seconds: Mapped[float | None]

    spans: Mapped[list[GoldSpanRow]] = relationship(order_by="GoldSpanRow.position")
    relations: Mapped[list[GoldRelationRow]] = relationship(order_by="GoldRelationRow.position")


class GoldSpanRow(Base):
    __tablename__ = "gold_spans"

    id: Mapped[int] = mapped_column(primary_key=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("gold_revisions.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    start: Mapped[int]
    end: Mapped[int]
    label: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(Text)
    ref: Mapped[str] = mapped_column(String(40), default="")
    fragments: Mapped[list[Any]] = mapped_column(default=list)


class GoldRelationRow(Base):
    __tablename__ = "gold_relations"

    id: Mapped[int] = mapped_column(primary_key=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("gold_revisions.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    ref: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(80))
    arg1: Mapped[str] = mapped_column(String(40))
    arg2: Mapped[str] = mapped_column(String(40))


class ModelRow(Base):
    __tablename__ = "models"

    id: Mapped[int] = mapped_column(primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(40))
    folder: Mapped[str] = mapped_column(Text)
    encoder: Mapped[str] = mapped_column(Text)
    crf: Mapped[bool]
    parameters: Mapped[int]
    training: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PredictionRow(Base):
    __tablename__ = "predictions"
    __table_args__ = (UniqueConstraint("model_id", "precision", "text_sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("models.id", ondelete="CASCADE"))
    #: the arithmetic the model ran in (``fp32``, ``bf16``, ``fp16``: engine.devices): a bf16 answer
    #: is never served for an fp32 request, nor the other way round
    precision: Mapped[str] = mapped_column(String(8))
    text_sha256: Mapped[str] = mapped_column(String(64))
    #: ``[[start, end, label, fragments], ...]``: offsets and labels only, never the note's text.
    spans: Mapped[list[Any]]
    #: each span's probability under the model, in the order of ``spans`` (NULL: cached before
    #: confidences were kept, or a model that gives none)
    confidences: Mapped[list[Any] | None]
    seconds: Mapped[float]
    #: sha256 over (model fingerprint, precision, note hash, spans, confidences): a row altered on
    #: disk is detected on read.
    checksum: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class EvaluationRunRow(Base):
    __tablename__ = "evaluation_runs"
    __table_args__ = (Index("ix_evaluation_runs_model_split", "model_id", "split"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("models.id", ondelete="CASCADE"))
    corpus: Mapped[str] = mapped_column(String(200), default="")
    split: Mapped[str] = mapped_column(String(40))
    macro_f1: Mapped[float]
    weighted_f1: Mapped[float]
    micro_f1: Mapped[float]
    #: The report's JSON object without the two confusion matrices (kept in their own columns).
    metrics: Mapped[dict[str, Any]]
    span_confusion: Mapped[dict[str, Any]]
    tag_confusion: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    model: Mapped[ModelRow] = relationship()
    labels: Mapped[list[EvaluationLabelRow]] = relationship(order_by="EvaluationLabelRow.position")


class EvaluationLabelRow(Base):
    __tablename__ = "evaluation_labels"

    run_id: Mapped[int] = mapped_column(ForeignKey("evaluation_runs.id", ondelete="CASCADE"), primary_key=True)
    label: Mapped[str] = mapped_column(String(40), primary_key=True)
    position: Mapped[int]
    precision: Mapped[float]
    recall: Mapped[float]
    f1: Mapped[float]
    support: Mapped[int]


class EvaluationErrorRow(Base):
    __tablename__ = "evaluation_errors"
    __table_args__ = (Index("ix_evaluation_errors_run_label_kind", "run_id", "label", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("evaluation_runs.id", ondelete="CASCADE"))
    document: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    label: Mapped[str] = mapped_column(String(40))
    gold_start: Mapped[int | None]
    gold_end: Mapped[int | None]
    gold_label: Mapped[str | None] = mapped_column(String(40))
    gold_text: Mapped[str | None] = mapped_column(Text)
    predicted_start: Mapped[int | None]
    predicted_end: Mapped[int | None]
    predicted_label: Mapped[str | None] = mapped_column(String(40))
    predicted_text: Mapped[str | None] = mapped_column(Text)


class TrainingJobRow(Base):
    __tablename__ = "training_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    settings: Mapped[dict[str, Any]]
    output: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), index=True)
    progress: Mapped[float] = mapped_column(default=0.0)
    log: Mapped[str] = mapped_column(Text, default="")
    error: Mapped[str] = mapped_column(Text, default="")
    pid: Mapped[int | None]
    model_fingerprint: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]

    events: Mapped[list[TrainingEventRow]] = relationship(order_by="TrainingEventRow.id")


class TrainingEventRow(Base):
    __tablename__ = "training_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("training_jobs.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    event: Mapped[str] = mapped_column(String(10))
    epoch: Mapped[int]
    step: Mapped[int]
    steps: Mapped[int]
    loss: Mapped[float]
    dev_macro_f1: Mapped[float | None]
