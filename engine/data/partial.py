"""Partially annotated corpora: which labels a corpus annotates, where it says nothing at all,
and so which tags each word may take.

Rules (the masked likelihood in :mod:`engine.models.crf` trains on them):

==========================================  ===============================================
a word inside a gold span                   exactly its IOB2 tag
a word inside an *unlabelled* region         any tag (the source annotation is ambiguous there)
any other word                              ``O``, or ``B-``/``I-`` of a label the corpus does
                                            not annotate (no evidence either way)
==========================================  ===============================================

A fully annotated corpus (the n2c2 data, the demo corpus) gives every word exactly one tag.
Scoring follows the same rules: predictions of labels the corpus does not annotate, and
predictions that overlap an unlabelled region, are neither right nor wrong, so they are set
aside before the strict scores are computed (:func:`scoreable`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from engine.data.tokenize import Word
from engine.labels import LABELS, OUTSIDE, TAG_TO_ID, TAGS, split_tag
from engine.types import Document, Fragment, Span

ALL_LABELS: frozenset[str] = frozenset(LABELS)


@dataclass(frozen=True)
class Coverage:
    """What a corpus annotates: its labels, and per document the regions it leaves unlabelled."""

    annotates: frozenset[str] = ALL_LABELS
    unlabelled: Mapping[str, tuple[Fragment, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        unknown = sorted(set(self.annotates) - ALL_LABELS)
        if unknown:
            raise ValueError(f"unknown labels {', '.join(unknown)}; a corpus annotates some of {', '.join(LABELS)}")

    @property
    def complete(self) -> bool:
        """Every label annotated everywhere: each word has exactly one tag."""
        return self.annotates == ALL_LABELS and not any(self.unlabelled.values())

    def regions(self, document_id: str) -> tuple[Fragment, ...]:
        return tuple(self.unlabelled.get(document_id, ()))

    def as_dict(self) -> dict[str, object]:
        return {
            "annotates": [label for label in LABELS if label in self.annotates],
            "unlabelled": {
                doc: [list(r) for r in regions] for doc, regions in sorted(self.unlabelled.items()) if regions
            },
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> Coverage:
        annotates = data.get("annotates")
        regions = data.get("unlabelled") or {}
        return cls(
            frozenset(annotates) if annotates is not None else ALL_LABELS,  # type: ignore[arg-type]
            {str(doc): tuple((int(s), int(e)) for s, e in pieces) for doc, pieces in regions.items()},  # type: ignore[union-attr]
        )


def in_regions(words: Sequence[Word], regions: Iterable[Fragment]) -> tuple[bool, ...]:
    """For each word, whether it overlaps one of the regions."""
    regions = sorted(regions)
    return tuple(any(word.start < end and start < word.end for start, end in regions) for word in words)


def allowed_tags(tags: Sequence[str], free: Sequence[bool], annotates: frozenset[str]) -> list[tuple[int, ...]]:
    """The tag ids each word may take, by the rules of this module's table."""
    open_tags = tuple(TAG_TO_ID[tag] for tag in TAGS if tag == OUTSIDE or split_tag(tag)[1] not in annotates)
    everything = tuple(range(len(TAGS)))
    result: list[tuple[int, ...]] = []
    for tag, is_free in zip(tags, free, strict=True):
        if tag != OUTSIDE:
            result.append((TAG_TO_ID[tag],))
        elif is_free:
            result.append(everything)
        else:
            result.append(open_tags)
    return result


def scoreable(predicted: Document, coverage: Coverage) -> Document:
    """The predicted spans that can be scored against a corpus with this coverage: those of an
    annotated label that overlap no unlabelled region of the document."""
    regions = coverage.regions(predicted.id)

    def counts(span: Span) -> bool:
        if span.label not in coverage.annotates:
            return False
        return not any(span.start < end and start < span.end for start, end in regions)

    return Document(predicted.id, predicted.text, tuple(s for s in predicted.spans if counts(s)), predicted.relations)
