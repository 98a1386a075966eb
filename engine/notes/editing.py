"""Editing a note's spans by hand: add a selection (snapped to whole words), relabel, remove, undo;
and the pages a long note is shown in. What the annotation view does, without any of the UI."""

from __future__ import annotations

import dataclasses
import re
import statistics
from collections.abc import Iterable, Sequence

from engine.data.bio import breaks_line, trimmed
from engine.data.tokenize import words
from engine.labels import LABELS
from engine.types import EditingTime, Span

#: Characters a page of the annotation view holds at most (cut at a line end where one is near).
PAGE_CHARS = 6000

#: A pause longer than this between two actions on a draft counts as this long: the annotator has
#: stepped away, and the time spent away is not annotation time.
IDLE_SECONDS = 300.0


class EditRefused(ValueError):
    """An edit that would break the draft (an overlap, no word selected, an unknown label)."""


def snap(text: str, start: int, end: int) -> tuple[int, int]:
    """The whole words a character selection touches: its first word from its start, its last
    word to its end, less brackets, dashes, commas and colons at its edges (a bracket that pairs
    with one inside stays), by the rule predicted spans follow (:func:`engine.data.bio.trimmed`).
    A selection of white space or punctuation alone touches no word; one that runs over a line
    break is refused, since no span crosses one."""
    start, end = max(0, min(start, end)), min(len(text), max(start, end))
    touched = [
        w for w in words(text, max(0, start - 200), min(len(text), end + 200)) if w.end > start and w.start < end
    ]
    first, last = trimmed(touched, 0, len(touched) - 1)
    if first > last or not any(c.isalnum() for w in touched[first : last + 1] for c in w.text):
        raise EditRefused("the selection holds no word")
    start, end = touched[first].start, touched[last].end
    if breaks_line(text[start:end]):
        raise EditRefused("a span cannot run over a line break: select the part on one line")
    return start, end


def phrase_matches(text: str, phrase: str) -> list[tuple[int, int]]:
    """Where ``phrase`` occurs in ``text`` as whole words (not inside a longer word), in any case,
    any run of white space matching any other (a no-break or narrow space looks like a space),
    ignoring the phrase's own leading and trailing space."""
    parts = phrase.split()
    if not parts:
        return []
    pattern = r"\s+".join(re.escape(part) for part in parts)
    if parts[0][0].isalnum():
        pattern = r"(?<!\w)" + pattern
    if parts[-1][-1].isalnum():
        pattern += r"(?!\w)"
    return [(match.start(), match.end()) for match in re.finditer(pattern, text, flags=re.IGNORECASE)]


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
        """Add a span over the words of a selection. A selection that overlaps one span replaces
        it (how a span's edges are moved: select the words it should cover); one that overlaps
        two or more is refused."""
        if label not in LABELS:
            raise EditRefused(f"unknown label {label!r} (labels: {', '.join(LABELS)})")
        start, end = snap(self.text, start, end)
        new = Span.of(self.text, start, end, label)
        clash = [span for span in self.spans if span.overlaps(new)]
        if len(clash) > 1:
            raise EditRefused(
                f"'{new.text}' overlaps {clash[0].label} '{clash[0].text}' and {len(clash) - 1} more span(s): "
                "remove them first, or select words that overlap one span to move its edges"
            )
        self._change([*(span for span in self.spans if span not in clash), new])
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


def take_version(spans: Sequence[Span], chosen: Span | None, other: Span | None) -> list[Span]:
    """A disagreement decided for one annotator: ``spans`` (a draft) with the other annotator's
    span and everything overlapping the chosen span taken out, and the chosen span put in
    (``chosen`` None: that annotator has no span there, so the other's span just goes)."""
    out = [
        span
        for span in spans
        if not (other is not None and (span.start, span.end, span.label) == (other.start, other.end, other.label))
        and not (chosen is not None and span.overlaps(chosen))
    ]
    if chosen is not None:
        out.append(dataclasses.replace(chosen, ref="", confidence=None))
    return sorted(out)


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


class EditingClock:
    """The time a person spends on each draft, counted from action to action.

    Every action (a rerun of the editing page) is a :meth:`tick` with the draft it was made on.
    Two actions in a row on the same draft add the time between them, at most ``idle``; an action
    on another draft adds nothing to either, so moving to a second note and back does not charge
    the first with the time spent on the second. :meth:`skip` leaves out time the person did not
    spend (a model pre-annotating the note); :meth:`restart` starts a draft again from zero (a
    revision saved)."""

    def __init__(self, idle: float = IDLE_SECONDS) -> None:
        self.idle = idle
        self.totals: dict[str, float] = {}
        self._last: tuple[str, float] | None = None

    def tick(self, key: str, now: float) -> float:
        """Record an action on draft ``key`` at ``now`` (seconds); returns the draft's time so far."""
        if self._last is not None and self._last[0] == key:
            self.totals[key] = self.totals.get(key, 0.0) + min(max(now - self._last[1], 0.0), self.idle)
        else:
            self.totals.setdefault(key, 0.0)
        self._last = (key, now)
        return self.totals[key]

    def skip(self, key: str, now: float) -> None:
        """The time since the last action on ``key`` was not the person's: do not count it."""
        self.totals.setdefault(key, 0.0)
        self._last = (key, now)

    def restart(self, key: str, now: float) -> None:
        self.totals[key] = 0.0
        self._last = (key, now)


@dataclasses.dataclass(frozen=True)
class TimeSummary:
    """One annotator's measured editing time over the revisions they saved in the app."""

    author: str
    documents: int
    revisions: int
    median_seconds: float
    total_seconds: float
    spans: int

    @property
    def seconds_per_span(self) -> float:
        return self.total_seconds / self.spans if self.spans else float("nan")


def summarise_times(times: Sequence[EditingTime]) -> list[TimeSummary]:
    """Per annotator: how many documents and revisions were timed, the median time of a revision,
    the total, and the spans of those revisions (sorted by annotator)."""
    by_author: dict[str, list[EditingTime]] = {}
    for time in times:
        by_author.setdefault(time.author, []).append(time)
    return [
        TimeSummary(
            author=author,
            documents=len({t.document_id for t in rows}),
            revisions=len(rows),
            median_seconds=statistics.median(t.seconds for t in rows),
            total_seconds=sum(t.seconds for t in rows),
            spans=sum(t.span_count for t in rows),
        )
        for author, rows in sorted(by_author.items())
    ]
