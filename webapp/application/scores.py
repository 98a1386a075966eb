"""Stored evaluations read further, without a page: which errors n2c2 lenient matching forgives,
what a model predicted, two models' errors side by side (:mod:`engine.scores.errors` does the
matching), paired tests of two runs, and the study's published figures."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from engine.scores import study
from engine.scores.errors import compare_errors, forgiven_by_lenient, predicted_spans
from engine.scores.intervals import compare_tables
from engine.scores.report import count_tables
from engine.types import Document, EvaluationRecord, SpanError

__all__ = ["compare_errors", "lenient_verdicts", "paired", "predicted_spans", "published_figures"]


def lenient_verdicts(documents: Iterable[Document], errors: Sequence[SpanError]) -> dict[SpanError, bool]:
    """For each error, whether n2c2 lenient matching forgives it, against the gold of ``documents``
    (an error of a document no longer among them is counted: there is nothing to compare with)."""
    gold = {document.id: document for document in documents}
    by_document: dict[str, list[SpanError]] = {}
    for error in errors:
        by_document.setdefault(error.document_id, []).append(error)
    verdicts: dict[SpanError, bool] = {}
    for document_id, mine in by_document.items():
        document = gold.get(document_id)
        if document is None:
            verdicts.update(dict.fromkeys(mine, False))
            continue
        predicted = predicted_spans(document, mine)
        verdicts.update({e: forgiven_by_lenient(e, document.spans, predicted) for e in mine})
    return verdicts


def paired(a: EvaluationRecord, b: EvaluationRecord) -> dict[str, dict[str, object]]:
    """Paired tests of run B against run A on the documents both scored
    (:func:`engine.scores.intervals.compare_tables`)."""
    return compare_tables(count_tables(a.metrics), count_tables(b.metrics))


def published_figures() -> tuple[dict[str, dict[str, float]], str]:
    """The study's per-label paper-mode figures on n2c2 2018 and where they were read from."""
    return study.per_label_rows(), study.SOURCE
