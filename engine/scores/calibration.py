"""Calibration of span probabilities: a reliability diagram's bins and the expected
calibration error."""

from __future__ import annotations

from collections.abc import Iterable

from engine.types import Document

#: Equal-width probability bins of the reliability diagram.
CALIBRATION_BINS = 10


def calibration(pairs: Iterable[tuple[Document, Document]], *, bins: int = CALIBRATION_BINS) -> dict[str, object]:
    """How well a model's span probabilities match how often its spans are right.

    Every predicted span with a probability is a point: right when a gold span has the same
    offsets and label (n2c2 strict). Points fall into ``bins`` equal-width probability bins; a
    bin's ``confidence`` is its mean probability and ``accuracy`` its share right. The expected
    calibration error is ``sum(count / total * |accuracy - confidence|)`` over the bins: 0 when
    probabilities say exactly how often spans are right. Empty (``spans`` 0) for predictions
    without probabilities."""
    points: list[tuple[float, bool]] = []
    for gold, predicted in pairs:
        truth = {(span.start, span.end, span.label) for span in gold.spans}
        points += [
            (span.confidence, (span.start, span.end, span.label) in truth)
            for span in predicted.spans
            if span.confidence is not None
        ]
    rows = []
    for index in range(bins):
        low, high = index / bins, (index + 1) / bins
        inside = [(p, right) for p, right in points if low <= p < high or (index == bins - 1 and p == 1.0)]
        rows.append(
            {
                "low": low,
                "high": high,
                "count": len(inside),
                "confidence": sum(p for p, _ in inside) / len(inside) if inside else None,
                "accuracy": sum(right for _, right in inside) / len(inside) if inside else None,
            }
        )
    total = len(points)
    ece = sum(r["count"] / total * abs(r["accuracy"] - r["confidence"]) for r in rows if r["count"]) if total else None
    return {
        "scoring": "span probability against n2c2 strict correctness, equal-width bins",
        "spans": total,
        "ece": ece,
        "bins": rows,
    }
