"""Conversions between ORM rows and ``engine.types`` values (no sessions are opened here)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from db.schema import (
    EvaluationErrorRow,
    EvaluationLabelRow,
    EvaluationRunRow,
    GoldRelationRow,
    GoldRevisionRow,
    GoldSpanRow,
    ModelRow,
    TrainingEventRow,
    TrainingJobRow,
)
from engine.types import (
    EvaluationRecord,
    GoldRevision,
    JobEvent,
    ModelInfo,
    Relation,
    Span,
    SpanError,
    TrainingJob,
)

#: Parts of an evaluation report that live in columns or tables of their own.
SEPARATE_METRICS = ("span_confusion", "tag_confusion")


def aware(moment: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; everything stored is UTC, so say so."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def model_info(row: ModelRow) -> ModelInfo:
    return ModelInfo(
        name=row.name,
        kind=row.kind,
        folder=row.folder,
        fingerprint=row.fingerprint,
        parameters=row.parameters,
        encoder=row.encoder,
        crf=row.crf,
        training=dict(row.training),
        created_at=aware(row.created_at),
    )


def model_row(info: ModelInfo) -> dict[str, Any]:
    return {
        "fingerprint": info.fingerprint,
        "name": info.name,
        "kind": info.kind,
        "folder": info.folder,
        "encoder": info.encoder,
        "crf": info.crf,
        "parameters": info.parameters,
        "training": dict(info.training),
    }


# --- cached predictions: offsets and labels only --------------------------------------------


def span_offsets(spans: Iterable[Span]) -> list[list[Any]]:
    """What the prediction cache keeps of spans: no text of the note, only where and what."""
    return [[span.start, span.end, span.label, [list(piece) for piece in span.fragments]] for span in spans]


def span_confidences(spans: Sequence[Span]) -> list[float | None] | None:
    """Each span's probability, in order; None when no span has one."""
    values = [span.confidence for span in spans]
    return None if all(value is None for value in values) else values


def prediction_checksum(
    fingerprint: str,
    text_digest: str,
    stored: Sequence[Sequence[Any]],
    confidences: Sequence[float | None] | None = None,
    *,
    precision: str,
) -> str:
    """What a cached prediction row must hash to: its model and the precision it ran at, its note,
    its spans and (when it has them) their probabilities together."""
    parts: list[Any] = [fingerprint, precision, text_digest, stored]
    if confidences is not None:
        parts.append(list(confidences))
    payload = json.dumps(parts, separators=(",", ":"), sort_keys=True)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def spans_from_offsets(
    text: str, stored: Sequence[Sequence[Any]], confidences: Sequence[float | None] | None = None
) -> tuple[Span, ...]:
    """Spans rebuilt from cached offsets (and probabilities) against the note they were computed
    on; ``ValueError`` when they cannot be (offsets outside the note, probabilities that do not
    match the spans, or not the shape this module writes)."""
    spans = []
    try:
        if confidences is not None and len(confidences) != len(stored):
            raise ValueError(f"{len(confidences)} probabilities for {len(stored)} spans")
        for index, (start, end, label, fragments) in enumerate(stored):
            pieces = tuple((int(a), int(b)) for a, b in fragments)
            start, end = int(start), int(end)
            if not 0 <= start < end <= len(text) or any(not start <= a < b <= end for a, b in pieces):
                raise ValueError(f"offsets {start} {end} {pieces} do not fit a note of {len(text)} characters")
            surface = " ".join(text[a:b] for a, b in pieces) if pieces else text[start:end]
            confidence = None if confidences is None or confidences[index] is None else float(confidences[index])
            if confidence is not None and not 0.0 <= confidence <= 1.0:
                raise ValueError(f"probability {confidence} is not between 0 and 1")
            spans.append(Span(start, end, str(label), surface, pieces, confidence=confidence))
    except (TypeError, ValueError) as error:
        raise ValueError(f"cached spans cannot be read: {error}") from None
    return tuple(spans)


# --- gold ---------------------------------------------------------------------------------------


def gold_rows(spans: Sequence[Span], relations: Sequence[Relation]) -> tuple[list[GoldSpanRow], list[GoldRelationRow]]:
    span_rows = [
        GoldSpanRow(
            position=position,
            start=span.start,
            end=span.end,
            label=span.label,
            text=span.text,
            ref=span.ref,
            fragments=[list(piece) for piece in span.fragments],
        )
        for position, span in enumerate(spans)
    ]
    relation_rows = [
        GoldRelationRow(position=position, ref=r.ref, kind=r.kind, arg1=r.arg1, arg2=r.arg2)
        for position, r in enumerate(relations)
    ]
    return span_rows, relation_rows


def gold_spans(rows: Iterable[GoldSpanRow]) -> tuple[Span, ...]:
    return tuple(
        Span(row.start, row.end, row.label, row.text, tuple((a, b) for a, b in row.fragments), ref=row.ref)
        for row in rows
    )


def gold_relations(rows: Iterable[GoldRelationRow]) -> tuple[Relation, ...]:
    return tuple(Relation(row.ref, row.kind, row.arg1, row.arg2) for row in rows)


def gold_revision(corpus: str, document_id: str, row: GoldRevisionRow) -> GoldRevision:
    return GoldRevision(
        corpus=corpus,
        document_id=document_id,
        number=row.number,
        author=row.author,
        created_at=aware(row.created_at),  # type: ignore[arg-type]
        spans=gold_spans(row.spans),
        relations=gold_relations(row.relations),
        note=row.note,
        seconds=row.seconds,
    )


# --- evaluations --------------------------------------------------------------------------------


def evaluation_rows(record: EvaluationRecord, model_id: int) -> EvaluationRunRow:
    metrics = {key: value for key, value in record.metrics.items() if key not in SEPARATE_METRICS}
    run = EvaluationRunRow(
        model_id=model_id,
        corpus=record.corpus,
        split=record.split,
        macro_f1=record.macro_f1,
        weighted_f1=record.weighted_f1,
        micro_f1=record.micro_f1,
        metrics=metrics,
        span_confusion=dict(record.metrics.get("span_confusion", {})),
        tag_confusion=dict(record.metrics.get("tag_confusion", {})),
    )
    run.labels = [
        EvaluationLabelRow(
            label=label,
            position=position,
            precision=row["precision"],
            recall=row["recall"],
            f1=row["f1"],
            support=row["support"],
        )
        for position, (label, row) in enumerate(record.metrics.get("per_label", {}).items())
    ]
    return run


def error_row(run_id: int, error: SpanError) -> dict[str, Any]:
    gold, predicted = error.gold, error.predicted
    return {
        "run_id": run_id,
        "document": error.document_id,
        "kind": error.kind,
        "label": error.label,
        "gold_start": gold.start if gold else None,
        "gold_end": gold.end if gold else None,
        "gold_label": gold.label if gold else None,
        "gold_text": gold.text if gold else None,
        "predicted_start": predicted.start if predicted else None,
        "predicted_end": predicted.end if predicted else None,
        "predicted_label": predicted.label if predicted else None,
        "predicted_text": predicted.text if predicted else None,
    }


def span_error(row: EvaluationErrorRow) -> SpanError:
    gold = (
        Span(row.gold_start, row.gold_end, row.gold_label, row.gold_text or "")  # type: ignore[arg-type]
        if row.gold_start is not None
        else None
    )
    predicted = (
        Span(row.predicted_start, row.predicted_end, row.predicted_label, row.predicted_text or "")  # type: ignore[arg-type]
        if row.predicted_start is not None
        else None
    )
    return SpanError(row.document, gold, predicted, row.kind)  # type: ignore[arg-type]


def evaluation_record(run: EvaluationRunRow, errors: Sequence[SpanError] = ()) -> EvaluationRecord:
    metrics = dict(run.metrics)
    metrics["span_confusion"] = run.span_confusion
    metrics["tag_confusion"] = run.tag_confusion
    return EvaluationRecord(
        model=run.model.fingerprint,
        split=run.split,
        metrics=metrics,
        errors=tuple(errors),
        corpus=run.corpus,
        id=run.id,
        created_at=aware(run.created_at),
    )


# --- training jobs ------------------------------------------------------------------------------


def job_event(row: TrainingEventRow) -> JobEvent:
    return JobEvent(
        at=aware(row.at),  # type: ignore[arg-type]
        event=row.event,
        epoch=row.epoch,
        step=row.step,
        steps=row.steps,
        loss=row.loss,
        dev_macro_f1=row.dev_macro_f1,
    )


def training_job(row: TrainingJobRow, *, events: bool) -> TrainingJob:
    return TrainingJob(
        id=row.id,
        kind=row.kind,
        status=row.status,  # type: ignore[arg-type]
        settings=dict(row.settings),
        output=row.output,
        created_at=aware(row.created_at),  # type: ignore[arg-type]
        progress=row.progress,
        log=row.log,
        error=row.error,
        pid=row.pid,
        started_at=aware(row.started_at),
        finished_at=aware(row.finished_at),
        model=row.model_fingerprint,
        events=tuple(job_event(event) for event in row.events) if events else (),
    )
