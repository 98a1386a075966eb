"""What the open-corpus readers share: what a reading gathers, seeded document splits and span helpers."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from engine.data.brat import BratProblem
from engine.data.corpus import SPLITS, Corpus
from engine.data.partial import Coverage
from engine.types import Document, Fragment, Span


@dataclass
class Reading:
    """What a reader gathers as it goes: documents by split with their unlabelled regions, the
    problems found, and how many mentions of each source type it kept as plain text."""

    root: Path
    splits: dict[str, list[Document]] = field(default_factory=lambda: {split: [] for split in SPLITS})
    unlabelled: dict[str, tuple[Fragment, ...]] = field(default_factory=dict)
    problems: list[BratProblem] = field(default_factory=list)
    ignored: Counter = field(default_factory=Counter)

    def add(self, split: str, document: Document, regions: tuple[Fragment, ...]) -> None:
        self.splits[split].append(document)
        if regions:
            self.unlabelled[document.id] = regions

    def corpus(
        self,
        annotates: frozenset[str],
        *,
        where: str,
        ignored_as: str = "not mapped to an n2c2 label (kept as plain text)",
    ) -> Corpus:
        """The corpus read, with one closing problem that counts what was not mapped."""
        if self.ignored:
            summary = ", ".join(f"{kind} {count}" for kind, count in sorted(self.ignored.items()))
            self.problems.append(BratProblem(where, 0, f"{ignored_as}: {summary}"))
        return Corpus(self.root, self.splits, self.problems, Coverage(annotates, self.unlabelled))


def split_ids(ids: Iterable[str], *, seed: str, dev: float = 0.1, test: float = 0.1) -> dict[str, str]:
    """A seeded train/dev/test assignment of ids (the same ids always land in the same split)."""
    order = sorted(set(ids))
    random.Random(seed).shuffle(order)
    n_dev, n_test = round(len(order) * dev), round(len(order) * test)
    result = {i: "test" for i in order[:n_test]}
    result.update({i: "dev" for i in order[n_test : n_test + n_dev]})
    result.update({i: "train" for i in order[n_test + n_dev :]})
    return result


def make_span(
    text: str,
    pieces: Sequence[Fragment],
    label: str,
    *,
    where: str,
    line: int,
    problems: list[BratProblem],
    ref: str = "",
) -> Span | None:
    """A span over ``pieces`` of ``text``, or None (with a problem) when the offsets do not fit."""
    pieces = sorted(pieces)
    if any(not 0 <= s < e <= len(text) for s, e in pieces) or any(
        pieces[i][1] > pieces[i + 1][0] for i in range(len(pieces) - 1)
    ):
        problems.append(BratProblem(where, line, f"{ref or label}: offsets {pieces} do not fit the text; left out"))
        return None
    fragments = tuple(pieces) if len(pieces) > 1 else ()
    return Span(pieces[0][0], pieces[-1][1], label, " ".join(text[s:e] for s, e in pieces), fragments, ref=ref)


def without_overlaps(
    spans: Iterable[Span], *, where: str, problems: list[BratProblem], regions: list[Fragment]
) -> tuple[Span, ...]:
    """Spans sorted by position; of two overlapping spans the longer stays, the other is reported
    and its pieces join ``regions`` (unlabelled: BIO cannot hold both, and the text is not O)."""
    kept: list[Span] = []
    for span in sorted(spans, key=lambda s: (-(s.end - s.start), s.start)):
        clash = next((k for k in kept if k.overlaps(span)), None)
        if clash is None:
            kept.append(span)
        elif not (clash.start == span.start and clash.end == span.end and clash.label == span.label):
            regions.extend(span.pieces)
            problems.append(
                BratProblem(
                    where,
                    0,
                    f"{span.label} {span.text!r} at {span.start} overlaps {clash.label} {clash.text!r}; "
                    "left unlabelled",
                )
            )
    return tuple(sorted(kept, key=lambda s: (s.start, s.end)))
