"""A note as HTML with its spans highlighted, one colour per label. Every piece of note text goes
through :func:`html.escape`, so a note holding ``<script>`` shows those characters and runs nothing."""

from __future__ import annotations

import bisect
import html
from collections.abc import Iterable, Mapping, Sequence

from engine.labels import LABELS
from engine.types import Span

#: One colour per label (colour-blind-safe palette, light enough for black text).
COLOURS: dict[str, str] = {
    "Drug": "#8ecae6",
    "Strength": "#ffb703",
    "Form": "#cdb4db",
    "Dosage": "#ffc8dd",
    "Frequency": "#a7c957",
    "Route": "#f4a261",
    "Duration": "#90e0ef",
    "Reason": "#e9c46a",
    "ADE": "#ef476f",
}
UNKNOWN_COLOUR = "#d9d9d9"
#: How a span is drawn when it is marked (model comparison, error context).
MARK_STYLES: dict[str, str] = {
    "only here": "outline: 2px dashed #d00000; outline-offset: 1px;",
    "missed": "outline: 2px dashed #d00000; outline-offset: 1px;",
    "wrong": "outline: 2px solid #d00000; outline-offset: 1px;",
    "focus": "outline: 3px solid #000; outline-offset: 2px;",
}
#: How a span the model is unsure of is drawn: faded, with a dotted underline.
LOW_CONFIDENCE_STYLE = "opacity: 0.55; border-bottom: 2px dotted #333;"

_BOX = (
    "white-space: pre-wrap; font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 0.86rem; "
    "line-height: 1.9; border: 1px solid #ddd; border-radius: 6px; padding: 0.8rem; overflow-wrap: anywhere; "
    "max-height: {height}px; overflow-y: auto;"
)


def colour(label: str) -> str:
    return COLOURS.get(label, UNKNOWN_COLOUR)


def legend_html(labels: Iterable[str] = LABELS, *, counts: Mapping[str, int] | None = None) -> str:
    """The colour key; with ``counts``, each label shows how many spans it has."""
    items = []
    for label in labels:
        count = f" {counts.get(label, 0)}" if counts is not None else ""
        items.append(
            f'<span style="background:{colour(label)}; padding: 0.1rem 0.45rem; border-radius: 4px; '
            f'margin-right: 0.35rem; font-size: 0.8rem;">{html.escape(label)}{count}</span>'
        )
    return f'<div class="medner-legend" style="margin: 0.3rem 0 0.5rem 0;">{"".join(items)}</div>'


def _segments(length: int, spans: Sequence[Span]) -> list[tuple[int, int, list[Span]]]:
    """The note cut at every span boundary, each piece with the spans covering it (outermost first)."""
    cuts = {0, length}
    for span in spans:
        for start, end in span.pieces:
            cuts.update((max(0, min(start, length)), max(0, min(end, length))))
    points = sorted(cuts)
    covering: list[list[Span]] = [[] for _ in points[:-1]]
    for span in spans:
        for start, end in span.pieces:
            first = bisect.bisect_left(points, max(0, min(start, length)))
            last = bisect.bisect_left(points, max(0, min(end, length)))
            for index in range(first, last):
                covering[index].append(span)
    for spans_here in covering:
        spans_here.sort(key=lambda s: (s.start, -s.end))
    return [(a, b, c) for a, b, c in zip(points, points[1:], covering, strict=False)]


def highlight_html(
    text: str,
    spans: Sequence[Span],
    *,
    marks: Mapping[Span, str] | None = None,
    window: tuple[int, int] | None = None,
    height: int = 520,
    unsure_below: float | None = None,
) -> str:
    """``text`` (or the ``window`` of it) with ``spans`` highlighted; a span in ``marks`` is drawn
    with that mark's style (see :data:`MARK_STYLES`) and says so in its tooltip. A span's tooltip
    gives its probability where it has one, and a span below ``unsure_below`` is drawn faded
    (:data:`LOW_CONFIDENCE_STYLE`)."""
    marks = marks or {}
    first, last = window if window is not None else (0, len(text))
    first, last = max(0, first), min(len(text), last)
    inside = [s for s in spans if s.start < last and s.end > first]
    parts: list[str] = []
    if first > 0:
        parts.append("… ")
    for start, end, covering in _segments(len(text), inside):
        if end <= first or start >= last:
            continue
        piece = html.escape(text[max(start, first) : min(end, last)])
        if not covering:
            parts.append(piece)
            continue
        span = covering[0]
        mark = marks.get(span, "")
        unsure = unsure_below is not None and span.confidence is not None and span.confidence < unsure_below
        style = (
            f"background:{colour(span.label)}; border-radius: 3px; padding: 0.05rem 0.1rem; {MARK_STYLES.get(mark, '')}"
            f"{LOW_CONFIDENCE_STYLE if unsure else ''}"
        )
        probability = f" (probability {span.confidence:.2f})" if span.confidence is not None else ""
        title = html.escape(f"{span.label}{' - ' + mark if mark else ''}: {span.text}{probability}", quote=True)
        extra = f' data-confidence="{span.confidence:.4f}"' if span.confidence is not None else ""
        extra += ' data-unsure="true"' if unsure else ""
        label_tag = ""
        if end == span.end or end == min(span.end, last):
            label_tag = (
                f'<sup style="font-size: 0.62rem; font-family: sans-serif; margin-left: 0.1rem;">'
                f"{html.escape(span.label)}{' ' + html.escape(mark) if mark else ''}</sup>"
            )
        parts.append(
            f'<mark class="medner-entity" data-label="{html.escape(span.label, quote=True)}"{extra} title="{title}" '
            f'style="{style}">{piece}{label_tag}</mark>'
        )
    if last < len(text):
        parts.append(" …")
    return f'<div class="medner-note" style="{_BOX.format(height=height)}">{"".join(parts)}</div>'


def difference_marks(spans: Sequence[Span], others: Iterable[Sequence[Span]]) -> dict[Span, str]:
    """Marks for the spans of one model that some other model did not predict exactly."""
    everyone = [set(other) for other in others]
    return {span: "only here" for span in spans if any(span not in other for other in everyone)}
