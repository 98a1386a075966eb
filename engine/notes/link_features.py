"""What the learned linker (:mod:`engine.notes.linking`) knows of an (attribute, candidate Drug)
pair: the candidates of an attribute, and one row of :data:`FEATURES` a candidate, read from
what lies between the two spans (distance, Drugs and attributes of the same label in between,
sentence, line, list-item and header breaks, joining words and punctuation)."""

from __future__ import annotations

import bisect
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from engine.data.tokenize import sentences
from engine.labels import ATTRIBUTES
from engine.types import Document, Span

DRUG = "Drug"
#: The attribute labels, in the order a medication list shows them.
#: How far (characters between the spans) the linker looks for a candidate Drug.
WINDOW_CHARS = 600
#: How many Drugs on each side of an attribute the linker considers, nearest first.
SIDE_CANDIDATES = 4
#: Longer than any Drug span: how far back the candidate search must look past the window.
_LONGEST_SPAN = 2000


def span_gap(a: Span, b: Span) -> int:
    return max(0, b.start - a.end) if a.start <= b.start else max(0, a.start - b.end)


def sentence_index(document: Document):
    bounds = [s.start for s in sentences(document.text, protect=list(document.spans))] if document.spans else []

    def index(position: int) -> int:
        return max(0, bisect.bisect_right(bounds, position) - 1)

    return index


def drugs_and_attributes(document: Document) -> tuple[list[Span], list[Span]]:
    drugs = sorted((s for s in document.spans if s.label == DRUG), key=lambda s: (s.start, s.end))
    attributes = sorted((s for s in document.spans if s.label != DRUG), key=lambda s: (s.start, s.end))
    return drugs, attributes


_JOINERS = {
    "comma": re.compile(r","),
    "semicolon": re.compile(r";"),
    "colon": re.compile(r":"),
    "bracket": re.compile(r"[()\[\]]"),
    "slash": re.compile(r"/"),
    "dash": re.compile(r"\s[-–]\s"),
    "and": re.compile(r"\b(?:and|&|plus)\b", re.IGNORECASE),
    "or": re.compile(r"\bor\b", re.IGNORECASE),
    "then": re.compile(r"\b(?:then|followed by|after|before)\b", re.IGNORECASE),
    "for": re.compile(r"\b(?:for|due to|because|secondary to)\b", re.IGNORECASE),
    "from": re.compile(r"\b(?:from|on|with|of|caused|causing|induced)\b", re.IGNORECASE),
    "verb": re.compile(r"\b(?:start|started|continue|increase|decrease|stop|take|takes|give|given)\b", re.IGNORECASE),
}
_LIST_ITEM = re.compile(r"\n[ \t]*(?:\d+[.)]|[-*•·]|[A-Za-z][.)])\s")
_HEADER = re.compile(r"\n[ \t]*[A-Z][A-Za-z /&]{2,40}:")


def _names() -> tuple[str, ...]:
    names = [f"label={label}" for label in ATTRIBUTES]
    names += [f"before&label={label}" for label in ATTRIBUTES]
    names += [f"same_line&label={label}" for label in ATTRIBUTES]
    names += [f"drug_between&label={label}" for label in ATTRIBUTES]
    names += ["before", "log_gap", "log_words", "nearest", "nearest_on_side"]
    names += [f"side_rank={k}" for k in range(1, SIDE_CANDIDATES)]
    names += [f"drugs_between={k}" for k in (1, 2, 3)]
    names += ["same_sentence", "sentences_between", "same_line", "lines_between=1", "lines_between=2+"]
    names += ["blank_line", "list_item", "header", "same_label_between", "attributes_between"]
    names += ["drug_starts_line", "attribute_starts_line", "attribute_alone_on_line"]
    names += [f"joiner={name}" for name in _JOINERS]
    return tuple(names)


FEATURES: tuple[str, ...] = _names()
_INDEX = {name: i for i, name in enumerate(FEATURES)}


def _starts_line(text: str, position: int) -> bool:
    line_start = text.rfind("\n", 0, position) + 1
    return not text[line_start:position].strip(" \t-*•·0123456789.)")


def _alone_on_line(text: str, span: Span) -> bool:
    line_start = text.rfind("\n", 0, span.start) + 1
    line_end = text.find("\n", span.end)
    rest = text[line_start : span.start] + text[span.end : len(text) if line_end < 0 else line_end]
    return not rest.strip(" \t.:;,-*•·")


@dataclass
class PairContext:
    """What the features of one document's pairs are read from, computed once a document."""

    document: Document
    drugs: list[Span]
    attributes: list[Span]
    sentence_of: object = field(repr=False)
    drug_starts: list[int] = field(default_factory=list)
    attribute_starts: list[int] = field(default_factory=list)

    @classmethod
    def of(cls, document: Document) -> PairContext:
        drugs, attributes = drugs_and_attributes(document)
        return cls(
            document,
            drugs,
            attributes,
            sentence_index(document),
            [d.start for d in drugs],
            [a.start for a in attributes],
        )

    def candidates(self, attribute: Span) -> list[int]:
        """Indices of the Drugs the linker weighs for ``attribute``, nearest first on each side."""
        cut = bisect.bisect_left(self.drug_starts, attribute.start)
        chosen: list[int] = []
        for side in (range(cut - 1, -1, -1), range(cut, len(self.drugs))):
            taken = 0
            for i in side:
                drug = self.drugs[i]
                if i >= cut and drug.start - attribute.end > WINDOW_CHARS:
                    break  # starts only grow from here
                if i < cut and attribute.start - drug.start > WINDOW_CHARS + _LONGEST_SPAN:
                    break  # no Drug this far back can end within the window
                if span_gap(drug, attribute) <= WINDOW_CHARS:
                    chosen.append(i)
                    taken += 1
                    if taken == SIDE_CANDIDATES:
                        break
        return chosen

    @staticmethod
    def _within(spans: list[Span], starts: list[int], left: int, right: int) -> list[Span]:
        """The spans (sorted by start, ``starts`` their starts) lying wholly in ``[left, right)``."""
        return [
            s for s in spans[bisect.bisect_left(starts, left) : bisect.bisect_left(starts, right)] if s.end <= right
        ]

    def features(self, attribute: Span, candidates: Sequence[int]) -> np.ndarray:
        rows = np.zeros((len(candidates), len(FEATURES)), dtype=np.float64)
        text = self.document.text
        gaps = [span_gap(self.drugs[i], attribute) for i in candidates]
        nearest = min(gaps) if gaps else 0
        for row, (i, gap) in enumerate(zip(candidates, gaps, strict=True)):
            drug = self.drugs[i]
            before = drug.start < attribute.start
            left, right = (drug.end, attribute.start) if before else (attribute.end, drug.start)
            between = text[left:right] if right > left else ""
            side = [j for j in candidates if (self.drugs[j].start < attribute.start) == before]
            side_rank = sorted(side, key=lambda j: span_gap(self.drugs[j], attribute)).index(i)
            drugs_between = sum(1 for d in self._within(self.drugs, self.drug_starts, left, right))
            others = [a for a in self._within(self.attributes, self.attribute_starts, left, right) if a != attribute]
            sentences_between = abs(self.sentence_of(attribute.start) - self.sentence_of(drug.start))
            newlines = between.count("\n")
            values = {
                f"label={attribute.label}": 1.0,
                "before": float(before),
                "log_gap": math.log1p(gap) / 6,
                "log_words": math.log1p(len(between.split())) / 4,
                "nearest": float(gap == nearest),
                "nearest_on_side": float(side_rank == 0),
                "same_sentence": float(sentences_between == 0),
                "sentences_between": min(sentences_between, 3) / 3,
                "same_line": float(newlines == 0),
                "lines_between=1": float(newlines == 1),
                "lines_between=2+": float(newlines >= 2),
                "blank_line": float(bool(re.search(r"\n[ \t]*\n", between))),
                "list_item": float(bool(_LIST_ITEM.search("\n" + between if not before else between))),
                "header": float(bool(_HEADER.search(between))),
                "same_label_between": min(sum(1 for a in others if a.label == attribute.label), 2) / 2,
                "attributes_between": min(len(others), 6) / 6,
                "drug_starts_line": float(_starts_line(text, drug.start)),
                "attribute_starts_line": float(_starts_line(text, attribute.start)),
                "attribute_alone_on_line": float(_alone_on_line(text, attribute)),
            }
            if 1 <= side_rank < SIDE_CANDIDATES:
                values[f"side_rank={side_rank}"] = 1.0
            if drugs_between:
                values[f"drugs_between={min(drugs_between, 3)}"] = 1.0
                values[f"drug_between&label={attribute.label}"] = 1.0
            if before:
                values[f"before&label={attribute.label}"] = 1.0
            if newlines == 0:
                values[f"same_line&label={attribute.label}"] = 1.0
            for name, pattern in _JOINERS.items():
                if pattern.search(between):
                    values[f"joiner={name}"] = 1.0
            for name, value in values.items():
                rows[row, _INDEX[name]] = value
        return rows
