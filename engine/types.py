"""The value types every part of the product exchanges: spans, relations, documents."""

from __future__ import annotations

from dataclasses import dataclass, field

Fragment = tuple[int, int]


@dataclass(frozen=True, order=True)
class Span:
    """A labelled stretch of a note, in character offsets (end exclusive).

    A discontinuous BRAT annotation (``T3 Drug 10 14;20 27``) keeps its pieces in
    ``fragments``; ``start``/``end`` then cover the first to the last piece.
    ``ref`` is the annotation's BRAT id (``T3``); it does not take part in equality,
    so a predicted span equals a gold span when offsets, label and text agree.
    """

    start: int
    end: int
    label: str
    text: str
    fragments: tuple[Fragment, ...] = ()
    ref: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        if self.start < 0 or self.end <= self.start:
            raise ValueError(f"span offsets must satisfy 0 <= start < end, got {self.start}..{self.end}")
        if self.fragments:
            if len(self.fragments) < 2:
                raise ValueError("a span with fragments must have at least two of them")
            if self.fragments[0][0] != self.start or self.fragments[-1][1] != self.end:
                raise ValueError("fragments must begin at start and finish at end")
            for (s1, e1), (s2, e2) in zip(self.fragments, self.fragments[1:], strict=False):
                if not (s1 < e1 <= s2 < e2):
                    raise ValueError(f"fragments must be ordered and disjoint, got {self.fragments}")

    @property
    def pieces(self) -> tuple[Fragment, ...]:
        """The contiguous character ranges of this span (one unless discontinuous)."""
        return self.fragments or ((self.start, self.end),)

    @property
    def is_discontinuous(self) -> bool:
        return bool(self.fragments)

    def overlaps(self, other: Span) -> bool:
        return self.start < other.end and other.start < self.end

    @classmethod
    def of(cls, text: str, start: int, end: int, label: str, *, ref: str = "") -> Span:
        """A contiguous span whose text is read from the note itself."""
        return cls(start, end, label, text[start:end], ref=ref)


@dataclass(frozen=True)
class Relation:
    """A BRAT ``R`` line: ``Strength-Drug Arg1:T4 Arg2:T3`` (attribute first, drug second)."""

    ref: str
    kind: str
    arg1: str
    arg2: str


@dataclass(frozen=True)
class Document:
    """One clinical note with its annotations."""

    id: str
    text: str
    spans: tuple[Span, ...] = ()
    relations: tuple[Relation, ...] = ()

    def span_by_ref(self) -> dict[str, Span]:
        return {span.ref: span for span in self.spans if span.ref}


@dataclass(frozen=True)
class Prediction:
    """What a tagger returns for one note."""

    document_id: str
    spans: tuple[Span, ...]
    model: str = ""
    seconds: float = 0.0
