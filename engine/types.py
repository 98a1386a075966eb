"""The value types every part of the product exchanges: spans, relations, documents, and the
records the store keeps about models, gold revisions, evaluations and training jobs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

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
    #: A predicted span's probability under its model (:mod:`engine.inference.pipeline`); None for gold
    #: spans and for predictions made without one. Not part of equality.
    confidence: float | None = field(default=None, compare=False)

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
    def of(cls, text: str, start: int, end: int, label: str, *, ref: str = "", confidence: float | None = None) -> Span:
        """A contiguous span whose text is read from the note itself."""
        return cls(start, end, label, text[start:end], ref=ref, confidence=confidence)


@dataclass(frozen=True)
class Relation:
    """A BRAT ``R`` line: ``Strength-Drug Arg1:T4 Arg2:T3`` (attribute first, drug second);
    ``confidence``: the linker's probability for a predicted relation (None for gold)."""

    ref: str
    kind: str
    arg1: str
    arg2: str
    confidence: float | None = field(default=None, compare=False)


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
    """A model's spans for one note; ``cached`` when they came from the store, not the model;
    ``precision``: the arithmetic the model ran in (``fp32``, ``bf16``, ``fp16``)."""

    document_id: str
    spans: tuple[Span, ...]
    model: str = ""
    seconds: float = 0.0
    cached: bool = False
    precision: str = ""


#: The arithmetic a model runs in once ``auto`` is resolved (``engine.devices``): what a cached
#: prediction and a score record, and what the store accepts.
RESOLVED_PRECISIONS: tuple[str, ...] = ("fp32", "bf16", "fp16")

ErrorKind = Literal["missed", "spurious", "boundary", "type", "boundary+type"]
ERROR_KINDS: tuple[ErrorKind, ...] = ("missed", "spurious", "boundary", "type", "boundary+type")


@dataclass(frozen=True)
class SpanError:
    """One disagreement between gold and prediction in one document."""

    document_id: str
    gold: Span | None
    predicted: Span | None
    kind: ErrorKind

    def __post_init__(self) -> None:
        if self.gold is None and self.predicted is None:
            raise ValueError("an error needs a gold span, a predicted span, or both")
        if self.kind not in ERROR_KINDS:
            raise ValueError(f"unknown error kind {self.kind!r}; expected one of {', '.join(ERROR_KINDS)}")

    @property
    def label(self) -> str:
        """The gold label where there is one, else the predicted label."""
        return (self.gold or self.predicted).label  # type: ignore[union-attr]

    @property
    def start(self) -> int:
        """Where the error begins in the note (gold span first)."""
        return (self.gold or self.predicted).start  # type: ignore[union-attr]


@dataclass(frozen=True)
class ModelInfo:
    """A trained model as the rest of the product knows it.

    ``fingerprint`` changes whenever the weights, configuration or tokenizer change, so
    anything cached under it belongs to exactly this model.
    """

    name: str
    kind: str
    folder: str
    fingerprint: str
    parameters: int
    encoder: str
    crf: bool
    training: Mapping[str, Any] = field(default_factory=dict)
    created_at: datetime | None = None


@dataclass(frozen=True)
class CorpusInfo:
    """A corpus in the store: its name, where it came from, and how many documents each split holds."""

    name: str
    source: str
    documents: Mapping[str, int]
    created_at: datetime | None = None
    #: what a partially annotated corpus labels and where it is silent
    #: (``engine.data.partial.Coverage.as_dict()``); None for a complete corpus
    coverage: Mapping[str, object] | None = None


@dataclass(frozen=True)
class GoldRevision:
    """One saved state of a document's gold annotations: who saved it, when, and why."""

    corpus: str
    document_id: str
    number: int
    author: str
    created_at: datetime
    spans: tuple[Span, ...]
    relations: tuple[Relation, ...] = ()
    note: str = ""
    #: Active editing time of the revision in the app (None: imported, or saved by code).
    seconds: float | None = None


@dataclass(frozen=True)
class GoldRevisionSummary:
    """A line of a document's gold history: a revision without its spans, which it only counts."""

    number: int
    author: str
    created_at: datetime
    note: str
    span_count: int
    seconds: float | None = None


@dataclass(frozen=True)
class EditingTime:
    """One revision's measured editing time: who saved which document, in how many seconds, with
    how many spans."""

    author: str
    document_id: str
    number: int
    seconds: float
    span_count: int


@dataclass(frozen=True)
class EvaluationRecord:
    """An evaluation of one model on one split, as stored: the report's figures and its errors.

    ``metrics`` is the evaluation report's JSON object (``engine.scores.report.Report.as_dict``).
    """

    model: str
    split: str
    metrics: Mapping[str, Any]
    errors: tuple[SpanError, ...] = ()
    corpus: str = ""
    id: int | None = None
    created_at: datetime | None = None

    @property
    def macro_f1(self) -> float:
        return float(self.metrics["macro_f1"])

    @property
    def weighted_f1(self) -> float:
        return float(self.metrics["weighted_f1"])

    @property
    def micro_f1(self) -> float:
        return float(self.metrics["micro_f1"])


JobStatus = Literal["queued", "running", "succeeded", "failed", "cancelled"]
JOB_STATUSES: tuple[JobStatus, ...] = ("queued", "running", "succeeded", "failed", "cancelled")


@dataclass(frozen=True)
class JobEvent:
    """One progress report of a training job (a step or the end of an epoch)."""

    at: datetime
    event: str
    epoch: int
    step: int
    steps: int
    loss: float
    dev_macro_f1: float | None = None


@dataclass(frozen=True)
class TrainingJob:
    """A training run started from the app or the CLI, as the store tracks it."""

    id: int
    kind: str
    status: JobStatus
    settings: Mapping[str, Any]
    output: str
    created_at: datetime
    progress: float = 0.0
    log: str = ""
    error: str = ""
    pid: int | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    model: str | None = None
    events: tuple[JobEvent, ...] = ()

    @property
    def finished(self) -> bool:
        return self.status in ("succeeded", "failed", "cancelled")
