"""Strict span-level scores (seqeval, IOB2): the product's headline figures.

An entity counts only when its label and both boundaries match (seqeval ``mode="strict"``,
``scheme=IOB2``). Gold and predicted spans of a note pass through word tags
(:func:`engine.data.bio.spans_to_tags`) and are read back as seqeval's strict mode reads them
(:func:`engine.data.bio.entity_ranges` with ``strict=True``), so the figures are seqeval's to the
digit. Every count a report is built from is held in :class:`Counts`, which adds up across any
subset of documents; the errors are matched by :func:`engine.scores.errors.match`. Beside them,
the strict Drug scores on names a model cannot have memorised (:func:`drug_subsets`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field

from engine.data.bio import AlignmentReport, entity_ranges, spans_to_tags
from engine.data.partial import Coverage, scoreable
from engine.data.tokenize import sentences
from engine.data.tokenize import words as split_words
from engine.labels import split_tag
from engine.scores.errors import match
from engine.scores.tables import prf_row
from engine.types import Document, Span, SpanError


@dataclass
class Counts:
    """Every count the report is built from; ``a + b`` is the count over both sets of documents."""

    true_positives: Counter[str] = field(default_factory=Counter)
    gold: Counter[str] = field(default_factory=Counter)
    predicted: Counter[str] = field(default_factory=Counter)
    span_confusion: Counter[tuple[str, str]] = field(default_factory=Counter)
    tag_confusion: Counter[tuple[str, str]] = field(default_factory=Counter)
    errors: list[SpanError] = field(default_factory=list)
    gold_tags: list[str] = field(default_factory=list)
    predicted_tags: list[str] = field(default_factory=list)
    tag_unit: str = "word"
    documents: int = 0
    gold_alignment: AlignmentReport = field(default_factory=AlignmentReport)
    predicted_alignment: AlignmentReport = field(default_factory=AlignmentReport)

    def __iadd__(self, other: Counts) -> Counts:
        if self.documents and other.documents and self.tag_unit != other.tag_unit:
            raise ValueError(f"cannot add {self.tag_unit}-level and {other.tag_unit}-level tag counts")
        if not self.documents:
            self.tag_unit = other.tag_unit
        for mine, theirs in (
            (self.true_positives, other.true_positives),
            (self.gold, other.gold),
            (self.predicted, other.predicted),
            (self.span_confusion, other.span_confusion),
            (self.tag_confusion, other.tag_confusion),
        ):
            mine.update(theirs)
        self.errors.extend(other.errors)
        self.gold_tags.extend(other.gold_tags)
        self.predicted_tags.extend(other.predicted_tags)
        self.documents += other.documents
        self.gold_alignment = self.gold_alignment + other.gold_alignment
        self.predicted_alignment = self.predicted_alignment + other.predicted_alignment
        return self

    def __add__(self, other: Counts) -> Counts:
        total = Counts()
        total += self
        total += other
        return total


def _entities(text: str, words: list, tags: list[str]) -> list[Span]:
    """Entities exactly as seqeval's strict IOB2 mode sees them, as character spans."""
    return [
        Span.of(text, words[first].start, words[last].end, label)
        for first, last, label in entity_ranges(tags, strict=True)
    ]


def subword_tags(tags: list[str], pieces: list[int]) -> list[str]:
    """Repeat each word's tag over its subword pieces, ``B-X`` becoming ``I-X`` after the first."""
    expanded: list[str] = []
    for tag, count in zip(tags, pieces, strict=True):
        prefix, label = split_tag(tag)
        expanded.append(tag)
        expanded.extend([tag if prefix == "O" else f"I-{label}"] * (count - 1))
    return expanded


def score_document(
    gold: Document,
    predicted: Document,
    *,
    pieces_per_word: Callable[[str], int] | None = None,
) -> Counts:
    """All counts for one document; ``predicted`` must hold the same note text as ``gold``."""
    if gold.text != predicted.text:
        raise ValueError(f"document {gold.id}: predicted text differs from the gold note")
    words = [word for sentence in sentences(gold.text, protect=gold.spans) for word in sentence.words]
    gold_tags, gold_report = spans_to_tags(words, gold.spans)
    predicted_tags, predicted_report = spans_to_tags(words, predicted.spans)
    counts = Counts(documents=1, gold_alignment=gold_report, predicted_alignment=predicted_report)
    gold_spans = _entities(gold.text, words, gold_tags)
    predicted_spans = _entities(gold.text, words, predicted_tags)
    counts.gold.update(span.label for span in gold_spans)
    counts.predicted.update(span.label for span in predicted_spans)
    match(gold.id, gold_spans, predicted_spans, counts)
    counts.tag_confusion.update(zip(gold_tags, predicted_tags, strict=True))
    if pieces_per_word is not None:
        pieces = [max(1, pieces_per_word(word.text)) for word in words]
        gold_tags, predicted_tags = subword_tags(gold_tags, pieces), subword_tags(predicted_tags, pieces)
        counts.tag_unit = "subword"
    counts.gold_tags, counts.predicted_tags = gold_tags, predicted_tags
    return counts


def tag_counts(gold_tags: list[str], predicted_tags: list[str]) -> dict[str, tuple[int, int, int]]:
    """Per IOB2 tag: (agreements, gold count, predicted count) over one document's tags."""
    gold, predicted = Counter(gold_tags), Counter(predicted_tags)
    agreed = Counter(g for g, p in zip(gold_tags, predicted_tags, strict=True) if g == p)
    return {tag: (agreed[tag], gold[tag], predicted[tag]) for tag in gold.keys() | predicted.keys()}


def drug_name(text: str) -> str:
    """A drug mention's text as names are compared: its words, lower case, one space apart."""
    return " ".join(word.text.lower() for word in split_words(text))


def drug_subsets(
    gold: Iterable[Document],
    predicted: Iterable[Document],
    *,
    seen: Collection[str] | None = None,
    in_dictionary: Callable[[str], bool] | None = None,
    coverage: Coverage | None = None,
) -> dict[str, dict[str, float | int]]:
    """Strict Drug precision, recall and F1 restricted to the drug names a model cannot have
    memorised: ``unseen_in_training`` (names not in ``seen``, as :func:`drug_name` writes them)
    and ``absent_from_dictionary`` (names the drug dictionary lacks; ``in_dictionary`` defaults
    to :func:`engine.data.gazetteer.drug_gazetteer`'s lookup).

    A subset holds the gold and the predicted Drug spans whose text is in it, so its precision
    asks how many predicted drugs of that kind are right. Spans match by exact offsets.
    """
    if in_dictionary is None:
        from engine.data.gazetteer import drug_gazetteer

        gazetteer = drug_gazetteer()

        def in_dictionary(text: str) -> bool:
            return text in gazetteer

    gold = list(gold)
    by_id = {doc.id: doc for doc in predicted}
    if coverage is not None and not coverage.complete:
        by_id = {doc_id: scoreable(doc, coverage) for doc_id, doc in by_id.items()}
    subsets: dict[str, Callable[[str], bool]] = {"absent_from_dictionary": lambda text: not in_dictionary(text)}
    if seen is not None:
        known = {drug_name(name) for name in seen}
        subsets["unseen_in_training"] = lambda text: drug_name(text) not in known
    result: dict[str, dict[str, float | int]] = {}
    for name, keep in subsets.items():
        gold_spans: set[tuple[str, int, int]] = set()
        guessed: set[tuple[str, int, int]] = set()
        for document in gold:
            gold_spans |= {(document.id, s.start, s.end) for s in document.spans if s.label == "Drug" and keep(s.text)}
            guess = by_id.get(document.id)
            if guess is not None:
                guessed |= {(document.id, s.start, s.end) for s in guess.spans if s.label == "Drug" and keep(s.text)}
        found = len(gold_spans & guessed)
        result[name] = {
            **prf_row(found, len(gold_spans), len(guessed)),
            "true_positives": found,
            "predicted": len(guessed),
        }
    return result
