"""The error taxonomy: each strict mismatch as one error, and what two models' errors share.

Per document, after gold and predicted spans have passed through word tags (:func:`match`):

1. same boundaries, same label: correct; same boundaries, other label: ``type``;
2. the remaining spans are paired by overlap, largest first, each at most once:
   same label ``boundary``, other label ``boundary+type``;
3. gold spans left unpaired are ``missed``; predicted spans left unpaired are ``spurious``.

The span confusion matrix counts those pairs (gold label x predicted label, ``none`` for missed
and spurious), so a boundary error lands on the diagonal there while the strict scores count it
wrong.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from engine.types import ERROR_KINDS, Document, Span, SpanError

if TYPE_CHECKING:
    from engine.scores.strict import Counts

#: The span confusion matrix's row and column for "no span".
NONE = "none"


def match(document_id: str, gold: list[Span], predicted: list[Span], counts: Counts) -> None:
    """Count one document's matched spans into ``counts`` (true positives, span confusion) and
    list its errors there, by the rules of the module."""
    by_bounds = {(span.start, span.end): span for span in predicted}
    unpaired_gold: list[Span] = []
    paired: set[tuple[int, int]] = set()
    for span in gold:
        twin = by_bounds.get((span.start, span.end))
        if twin is None:
            unpaired_gold.append(span)
            continue
        paired.add((twin.start, twin.end))
        counts.span_confusion[span.label, twin.label] += 1
        if twin.label == span.label:
            counts.true_positives[span.label] += 1
        else:
            counts.errors.append(SpanError(document_id, span, twin, "type"))
    unpaired_predicted = [span for span in predicted if (span.start, span.end) not in paired]
    candidates = sorted(
        (
            (-(min(g.end, p.end) - max(g.start, p.start)), gi, pi)
            for gi, g in enumerate(unpaired_gold)
            for pi, p in enumerate(unpaired_predicted)
            if g.overlaps(p)
        )
    )
    used_gold: set[int] = set()
    used_predicted: set[int] = set()
    for _, gi, pi in candidates:
        if gi in used_gold or pi in used_predicted:
            continue
        used_gold.add(gi)
        used_predicted.add(pi)
        g, p = unpaired_gold[gi], unpaired_predicted[pi]
        counts.span_confusion[g.label, p.label] += 1
        counts.errors.append(SpanError(document_id, g, p, "boundary" if g.label == p.label else "boundary+type"))
    for gi, g in enumerate(unpaired_gold):
        if gi not in used_gold:
            counts.span_confusion[g.label, NONE] += 1
            counts.errors.append(SpanError(document_id, g, None, "missed"))
    for pi, p in enumerate(unpaired_predicted):
        if pi not in used_predicted:
            counts.span_confusion[NONE, p.label] += 1
            counts.errors.append(SpanError(document_id, None, p, "spurious"))
    counts.errors.sort(key=lambda e: ((e.gold or e.predicted).start, ERROR_KINDS.index(e.kind)))  # type: ignore[union-attr]


def error_rows(errors: Iterable[SpanError]) -> list[dict[str, object]]:
    """Errors as plain rows (for tables, JSON and the store)."""

    def describe(span: Span | None) -> dict[str, object] | None:
        return None if span is None else {"start": span.start, "end": span.end, "label": span.label, "text": span.text}

    return [
        {"document": e.document_id, "kind": e.kind, "gold": describe(e.gold), "predicted": describe(e.predicted)}
        for e in errors
    ]


def _error_key(error: SpanError) -> tuple:
    return (error.document_id, error.gold, error.predicted, error.kind)


def compare_errors(
    first: Iterable[SpanError], second: Iterable[SpanError]
) -> tuple[list[SpanError], list[SpanError], list[SpanError]]:
    """Two models' errors on the same documents: (only the first makes, only the second makes, both
    make). An error is the same when document, gold span, predicted span and kind all agree, so the
    first list is what the second model fixed and the second what it broke."""
    first, second = list(first), list(second)
    in_first, in_second = {_error_key(e) for e in first}, {_error_key(e) for e in second}
    only_first = [e for e in first if _error_key(e) not in in_second]
    only_second = [e for e in second if _error_key(e) not in in_first]
    both = [e for e in first if _error_key(e) in in_second]
    return only_first, only_second, both


def forgiven_by_lenient(error: SpanError, gold: Iterable[Span], predicted: Iterable[Span]) -> bool:
    """Whether n2c2 lenient matching (:mod:`engine.scores.n2c2`) does not count this error: its predicted
    span, if any, overlaps a gold span of the same label, and its gold span, if any, is overlapped
    by a predicted span of the same label. That is how the n2c2 script lists false positives and
    false negatives one by one: a boundary error is forgiven; a wrong label never is."""

    def met(span: Span, others: Iterable[Span]) -> bool:
        return any(other.label == span.label and other.overlaps(span) for other in others)

    return (error.predicted is None or met(error.predicted, gold)) and (
        error.gold is None or met(error.gold, predicted)
    )


def predicted_spans(gold: Document, errors: Iterable[SpanError]) -> list[Span]:
    """The prediction an error list was made from: under strict matching every gold span that no
    error names was predicted exactly, and every error's predicted span was predicted."""
    errors = [e for e in errors if e.document_id == gold.id]
    wrong_gold = {e.gold for e in errors if e.gold is not None}
    found = {span for span in gold.spans if span not in wrong_gold}
    found |= {e.predicted for e in errors if e.predicted is not None}
    return sorted(found)
