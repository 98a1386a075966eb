"""Editing a note's spans by hand: add a selection (snapped to whole words), relabel, remove, undo;
and the pages a long note is shown in. What the annotation view does, without any of the UI."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence

from engine.data.tokenize import words
from engine.labels import LABELS
from engine.types import Span

#: Characters a page of the annotation view holds at most (cut at a line end where one is near).
PAGE_CHARS = 6000


class EditRefused(ValueError):
    """An edit that would break the draft (an overlap, no word selected, an unknown label)."""


def snap(text: str, start: int, end: int) -> tuple[int, int]:
    """The whole words a character selection touches: its first word from its start, its last
    word to its end. A selection of white space or punctuation alone touches no word."""
    start, end = max(0, min(start, end)), min(len(text), max(start, end))
    touched = [
        w for w in words(text, max(0, start - 200), min(len(text), end + 200)) if w.end > start and w.start < end
    ]
    if not touched:
        raise EditRefused("the selection holds no word")
    return touched[0].start, touched[-1].end


class Draft:
    """A note's spans being edited, with every earlier state kept for undo."""

    def __init__(self, text: str, spans: Iterable[Span] = ()) -> None:
        self.text = text
        self.spans: list[Span] = sorted(spans)
        self._history: list[list[Span]] = []

    def _change(self, spans: list[Span]) -> None:
        self._history.append(self.spans)
        self.spans = sorted(spans)

    def add(self, start: int, end: int, label: str) -> Span:
        """Add a span over the words of a selection; refused if it overlaps a span already there."""
        if label not in LABELS:
            raise EditRefused(f"unknown label {label!r} (labels: {', '.join(LABELS)})")
        start, end = snap(self.text, start, end)
        new = Span.of(self.text, start, end, label)
        clash = [span for span in self.spans if span.overlaps(new)]
        if clash:
            raise EditRefused(
                f"'{new.text}' overlaps {clash[0].label} '{clash[0].text}': remove or relabel that span instead"
            )
        self._change([*self.spans, new])
        return new

    def relabel(self, index: int, label: str) -> None:
        if label not in LABELS:
            raise EditRefused(f"unknown label {label!r} (labels: {', '.join(LABELS)})")
        target = self._at(index)
        if target.label != label:
            self._change(
                [
                    dataclasses.replace(s, label=label, confidence=None) if i == index else s
                    for i, s in enumerate(self.spans)
                ]
            )

    def remove(self, index: int) -> None:
        self._at(index)
        self._change([s for i, s in enumerate(self.spans) if i != index])

    def replace(self, spans: Iterable[Span]) -> None:
        """Set every span at once (an edit made elsewhere), undoable like the others."""
        spans = sorted(spans)
        if spans != self.spans:
            self._change(spans)

    def undo(self) -> bool:
        """Back to the state before the last edit; False when there is nothing to undo."""
        if not self._history:
            return False
        self.spans = self._history.pop()
        return True

    @property
    def can_undo(self) -> bool:
        return bool(self._history)

    def _at(self, index: int) -> Span:
        if not 0 <= index < len(self.spans):
            raise EditRefused(f"there is no span number {index} (the draft has {len(self.spans)})")
        return self.spans[index]


def pages(text: str, size: int = PAGE_CHARS) -> list[tuple[int, int]]:
    """``(start, end)`` of each page of a note: at most ``size`` characters, cut after a line end
    in the last quarter of the page where there is one, else after a space, so that no word is
    split; a short note is one page."""
    if len(text) <= size:
        return [(0, len(text))]
    result, start = [], 0
    while start < len(text):
        end = min(len(text), start + size)
        if end < len(text):
            floor = start + size * 3 // 4
            cut = text.rfind("\n", floor, end)
            if cut < 0:
                cut = text.rfind(" ", floor, end)
            end = cut + 1 if cut >= 0 else end
        result.append((start, end))
        start = end
    return result


def on_page(spans: Sequence[Span], page: tuple[int, int]) -> list[tuple[int, Span]]:
    """The spans (with their index in ``spans``) that lie on a page, wholly or in part."""
    start, end = page
    return [(index, span) for index, span in enumerate(spans) if span.start < end and span.end > start]
