"""Strict span-level evaluation (seqeval, IOB2), error taxonomy, confusions, and paper mode.

Two families of figures, never mixed:

* **Entity scores** (the product's headline): an entity counts only when its label and both
  boundaries match (seqeval ``mode="strict"``, ``scheme=IOB2``). Macro, weighted and micro F1
  and per-label precision/recall/F1/support.
* **Paper mode** (under the ``paper`` key): the study's tag-level scoring, scikit-learn's
  ``classification_report`` over every IOB2 tag including ``O``, per word (or per subword when
  a piece counter is given, a word's ``B-`` becoming ``I-`` on its continuation pieces). Its
  micro F1 is tag accuracy and its weighted F1 is dominated by ``O``.

Error matching, per document, after gold and predicted spans have passed through word tags:

1. same boundaries, same label: correct; same boundaries, other label: ``type``;
2. the remaining spans are paired by overlap, largest first, each at most once:
   same label ``boundary``, other label ``boundary+type``;
3. gold spans left unpaired are ``missed``; predicted spans left unpaired are ``spurious``.

The span confusion matrix counts those pairs (gold label x predicted label, ``none`` for missed
and spurious), so a boundary error lands on the diagonal there while the strict scores count it
wrong. Every count is held in :class:`Counts`, which adds up across any subset of documents.

Beside them, :class:`Report` carries the n2c2 2018 strict and lenient concept scores
(:mod:`engine.n2c2`), nervaluate's SemEval schemes, and, from per-document counts, a 95 %
bootstrap interval for every F1 (:mod:`engine.intervals`; ``ci`` in ``as_dict()``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property

from seqeval.scheme import IOB2, Entities

from engine.data.bio import AlignmentReport, spans_to_tags
from engine.data.partial import Coverage, scoreable
from engine.data.tokenize import sentences
from engine.data.tokenize import words as split_words
from engine.labels import LABELS, OUTSIDE, TAGS, split_tag
from engine.n2c2 import CountTable, concept_counts, n2c2_scores, semeval_schemes
from engine.types import ERROR_KINDS, Document, ErrorKind, EvaluationRecord, Span, SpanError

NONE = "none"


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
    found = Entities([tags], IOB2).entities[0]
    return [Span.of(text, words[e.start].start, words[e.end - 1].end, e.tag) for e in found]


def _match(document_id: str, gold: list[Span], predicted: list[Span], counts: Counts) -> None:
    by_bounds = {(span.start, span.end): span for span in predicted}
    unpaired_gold: list[Span] = []
    paired: set[tuple[int, int]] = set()
    for span in gold:
        twin = by_bounds.get((span.start, span.end))
        if twin is None:
            unpaired_gold.append(span)
            continue
        paired.add((twin.start, twin.end))
        counts.span_confusion[span.label, twin.label] += 1
        if twin.label == span.label:
            counts.true_positives[span.label] += 1
        else:
            counts.errors.append(SpanError(document_id, span, twin, "type"))
    unpaired_predicted = [span for span in predicted if (span.start, span.end) not in paired]
    candidates = sorted(
        (
            (-(min(g.end, p.end) - max(g.start, p.start)), gi, pi)
            for gi, g in enumerate(unpaired_gold)
            for pi, p in enumerate(unpaired_predicted)
            if g.overlaps(p)
        )
    )
    used_gold: set[int] = set()
    used_predicted: set[int] = set()
    for _, gi, pi in candidates:
        if gi in used_gold or pi in used_predicted:
            continue
        used_gold.add(gi)
        used_predicted.add(pi)
        g, p = unpaired_gold[gi], unpaired_predicted[pi]
        counts.span_confusion[g.label, p.label] += 1
        counts.errors.append(SpanError(document_id, g, p, "boundary" if g.label == p.label else "boundary+type"))
    for gi, g in enumerate(unpaired_gold):
        if gi not in used_gold:
            counts.span_confusion[g.label, NONE] += 1
            counts.errors.append(SpanError(document_id, g, None, "missed"))
    for pi, p in enumerate(unpaired_predicted):
        if pi not in used_predicted:
            counts.span_confusion[NONE, p.label] += 1
            counts.errors.append(SpanError(document_id, None, p, "spurious"))
    counts.errors.sort(key=lambda e: ((e.gold or e.predicted).start, ERROR_KINDS.index(e.kind)))  # type: ignore[union-attr]


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
    _match(gold.id, gold_spans, predicted_spans, counts)
    counts.tag_confusion.update(zip(gold_tags, predicted_tags, strict=True))
    if pieces_per_word is not None:
        pieces = [max(1, pieces_per_word(word.text)) for word in words]
        gold_tags, predicted_tags = subword_tags(gold_tags, pieces), subword_tags(predicted_tags, pieces)
        counts.tag_unit = "subword"
    counts.gold_tags, counts.predicted_tags = gold_tags, predicted_tags
    return counts


def _prf(tp: int, gold: int, predicted: int) -> dict[str, float | int]:
    precision = tp / predicted if predicted else 0.0
    recall = tp / gold if gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "support": gold}


def paper_scores(gold_tags: list[str], predicted_tags: list[str], *, unit: str = "word") -> dict[str, object]:
    """The study's tag-level figures: scikit-learn's report over all IOB2 tags, O included."""
    from sklearn.metrics import classification_report

    if not gold_tags:
        return {"unit": unit, "tags": 0, "macro_f1": 0.0, "weighted_f1": 0.0, "micro_f1": 0.0, "per_tag": {}}
    present = [tag for tag in TAGS if tag in set(gold_tags) | set(predicted_tags)]
    report = classification_report(gold_tags, predicted_tags, labels=present, output_dict=True, zero_division=0)
    micro = report.get("accuracy", report.get("micro avg", {}).get("f1-score", 0.0))
    merged = _merged_labels(gold_tags, predicted_tags)
    return {
        "scoring": "tag-level (scikit-learn classification_report over IOB2 tags, O included)",
        "unit": unit,
        "tags": len(gold_tags),
        "macro_f1": report["macro avg"]["f1-score"],
        "weighted_f1": report["weighted avg"]["f1-score"],
        "micro_f1": micro,
        "per_tag": {
            tag: {
                "precision": report[tag]["precision"],
                "recall": report[tag]["recall"],
                "f1": report[tag]["f1-score"],
                "support": int(report[tag]["support"]),
            }
            for tag in present
        },
        # the study's per-label figures (its Figures 6 and 7): B- and I- merged into the label, O kept
        "per_label": merged,
        "macro_f1_labels": sum(row["f1"] for row in merged.values()) / len(merged) if merged else 0.0,
    }


def _merged_labels(gold_tags: list[str], predicted_tags: list[str]) -> dict[str, dict[str, float | int]]:
    """Tag-level precision / recall / F1 per label with B- and I- merged (a word tagged I-Drug
    where gold says B-Drug counts as right), and O as a label of its own."""

    def label(tag: str) -> str:
        return split_tag(tag)[1] or OUTSIDE

    gold, predicted = [label(t) for t in gold_tags], [label(t) for t in predicted_tags]
    agreed = Counter(g for g, p in zip(gold, predicted, strict=True) if g == p)
    gold_counts, predicted_counts = Counter(gold), Counter(predicted)
    present = [name for name in (*LABELS, OUTSIDE) if gold_counts[name] or predicted_counts[name]]
    return {name: _prf(agreed[name], gold_counts[name], predicted_counts[name]) for name in present}


@dataclass
class Report:
    """Scores derived from :class:`Counts`; ``as_dict()`` is the CLI's ``--json`` object."""

    counts: Counts
    missing_predictions: list[str] = field(default_factory=list)
    #: per-document counts: ``strict`` (the seqeval spans), ``paper`` (tags), ``n2c2_strict``
    #: and ``n2c2_lenient`` (:mod:`engine.n2c2`); what intervals and paired tests use
    tables: dict[str, CountTable] = field(default_factory=dict)
    #: the (gold, scored prediction) documents, for nervaluate's schemes
    pairs: list[tuple[Document, Document]] = field(default_factory=list, repr=False)
    #: bootstrap resamples (None: :func:`engine.intervals.default_resamples`) and seed
    resamples: int | None = None
    seed: int = 13

    @property
    def labels(self) -> list[str]:
        """Labels seen in gold or prediction, in the n2c2 order (as seqeval scores them)."""
        seen = set(self.counts.gold) | set(self.counts.predicted)
        return [label for label in LABELS if label in seen] + sorted(seen - set(LABELS))

    def per_label(self) -> dict[str, dict[str, float | int]]:
        c = self.counts
        return {label: _prf(c.true_positives[label], c.gold[label], c.predicted[label]) for label in self.labels}

    def micro(self) -> dict[str, float | int]:
        c = self.counts
        return _prf(sum(c.true_positives.values()), sum(c.gold.values()), sum(c.predicted.values()))

    def macro_f1(self) -> float:
        rows = self.per_label()
        return sum(row["f1"] for row in rows.values()) / len(rows) if rows else 0.0

    def weighted_f1(self) -> float:
        rows = self.per_label()
        support = sum(row["support"] for row in rows.values())
        return sum(row["f1"] * row["support"] for row in rows.values()) / support if support else 0.0

    def errors_by_kind(self) -> dict[str, int]:
        found = Counter(error.kind for error in self.counts.errors)
        return {kind: found.get(kind, 0) for kind in ERROR_KINDS}

    def errors_by_label(self) -> dict[str, dict[str, int]]:
        table: dict[str, dict[str, int]] = {}
        for error in self.counts.errors:
            row = table.setdefault(error.label, dict.fromkeys(ERROR_KINDS, 0))
            row[error.kind] += 1
        return table

    def span_confusion(self) -> dict[str, object]:
        axis = [*list(LABELS), NONE]
        matrix = [[self.counts.span_confusion.get((g, p), 0) for p in axis] for g in axis]
        return {"rows": "gold", "columns": "predicted", "labels": axis, "matrix": matrix}

    def tag_confusion(self) -> dict[str, object]:
        matrix = [[self.counts.tag_confusion.get((g, p), 0) for p in TAGS] for g in TAGS]
        return {"rows": "gold", "columns": "predicted", "labels": list(TAGS), "matrix": matrix}

    @cached_property
    def intervals(self) -> dict[str, dict[str, object]]:
        """Bootstrap intervals of each table's F1 figures (:func:`engine.intervals.intervals`)."""
        from engine.intervals import intervals

        return {name: intervals(table, resamples=self.resamples, seed=self.seed) for name, table in self.tables.items()}

    def n2c2(self) -> dict[str, object]:
        """The n2c2 2018 strict and lenient scores, each F1 with its interval."""
        scores = n2c2_scores({mode: self.tables[f"n2c2_{mode}"] for mode in ("strict", "lenient")})
        for mode in ("strict", "lenient"):
            _attach(scores[mode], self.intervals[f"n2c2_{mode}"])
        return scores

    @cached_property
    def schemes(self) -> dict[str, dict[str, float | int]]:
        """nervaluate's SemEval 2013 schemes (:func:`engine.n2c2.semeval_schemes`)."""
        gold = [g for g, _ in self.pairs]
        return semeval_schemes(gold, {p.id: p for _, p in self.pairs})

    def per_document(self) -> dict[str, object]:
        """The per-document span counts (strict and n2c2), compact, for paired tests later."""
        names = ("strict", "n2c2_strict", "n2c2_lenient")
        first = self.tables["strict"]
        return {
            "documents": first.documents,
            "classes": first.classes,
            "order": "tp, gold, predicted",
            **{name: self.tables[name].counts.tolist() for name in names},
        }

    def as_dict(self) -> dict[str, object]:
        c = self.counts
        micro = self.micro()
        per_label = self.per_label()
        strict_ci = self.intervals["strict"]
        for label, row in per_label.items():
            row["f1_ci"] = strict_ci["per_label"].get(label, [0.0, 0.0])
        paper = paper_scores(c.gold_tags, c.predicted_tags, unit=c.tag_unit)
        paper_ci = self.intervals["paper"]
        paper["ci"] = {key: paper_ci[key] for key in ("macro_f1", "weighted_f1", "micro_f1")}
        for tag, row in paper["per_tag"].items():
            row["f1_ci"] = paper_ci["per_label"].get(tag, [0.0, 0.0])
        return {
            "scoring": "strict span level (seqeval mode=strict, scheme=IOB2)",
            "documents": c.documents,
            "macro_f1": self.macro_f1(),
            "weighted_f1": self.weighted_f1(),
            "micro_f1": micro["f1"],
            "micro_precision": micro["precision"],
            "micro_recall": micro["recall"],
            "per_label": per_label,
            "ci": {
                key: strict_ci[key]
                for key in ("method", "level", "resamples", "seed", "macro_f1", "weighted_f1", "micro_f1")
            },
            "n2c2": self.n2c2(),
            "schemes": self.schemes,
            "per_document": self.per_document(),
            "calibration": calibration(self.pairs),
            "errors_by_kind": self.errors_by_kind(),
            "errors_by_label": self.errors_by_label(),
            "span_confusion": self.span_confusion(),
            "tag_confusion": self.tag_confusion(),
            "alignment": {"gold": c.gold_alignment.summary(), "predicted": c.predicted_alignment.summary()},
            "missing_predictions": list(self.missing_predictions),
            "paper": paper,
        }


def count_tables(metrics: Mapping[str, object]) -> dict[str, CountTable]:
    """The per-document tables kept in an evaluation's JSON (``per_document``), as
    :class:`engine.n2c2.CountTable`; empty for evaluations saved before they were kept."""
    stored = metrics.get("per_document")
    if not isinstance(stored, Mapping):
        return {}
    documents, classes = stored["documents"], stored["classes"]
    return {
        name: CountTable.from_dict({"documents": documents, "classes": classes, "counts": stored[name]})
        for name in ("strict", "n2c2_strict", "n2c2_lenient")
        if name in stored
    }


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


def _attach(scores: dict, ci: Mapping[str, object]) -> None:
    """Put each F1's interval beside it: ``micro_f1_ci``, ``macro_f1_ci``, per-label ``f1_ci``."""
    for key in ("micro_f1", "macro_f1"):
        scores[f"{key}_ci"] = ci[key]
    for label, row in scores["per_label"].items():
        row["f1_ci"] = ci["per_label"].get(label, [0.0, 0.0])


def record_of(
    report: Report, *, model: str, split: str, corpus: str = "", metrics: Mapping[str, object] | None = None
) -> EvaluationRecord:
    """The report as the store keeps it: its JSON figures (``report.as_dict()`` unless the caller
    already has them, with extras) and every error, under a model fingerprint."""
    figures = report.as_dict() if metrics is None else metrics
    return EvaluationRecord(model, split, figures, tuple(report.counts.errors), corpus)


def evaluate(
    gold: Iterable[Document],
    predicted: Mapping[str, Document] | Iterable[Document],
    *,
    pieces_per_word: Callable[[str], int] | None = None,
    coverage: Coverage | None = None,
    resamples: int | None = None,
    seed: int = 13,
) -> Report:
    """Score predictions against gold documents, matched by document id.

    A gold document with no prediction is scored as an empty prediction (all its spans
    missed) and listed in ``missing_predictions``; a prediction with no gold raises. Against a
    partially annotated corpus (``coverage``), only the predictions it can judge are scored
    (:func:`engine.data.partial.scoreable`).
    """
    by_id = dict(predicted) if isinstance(predicted, Mapping) else {doc.id: doc for doc in predicted}
    if coverage is not None and not coverage.complete:
        by_id = {doc_id: scoreable(doc, coverage) for doc_id, doc in by_id.items()}
    gold = list(gold)
    extra = sorted(set(by_id) - {doc.id for doc in gold})
    if extra:
        raise ValueError(f"predictions for documents that have no gold: {', '.join(extra[:5])}")
    total = Counts()
    missing: list[str] = []
    pairs: list[tuple[Document, Document]] = []
    strict_rows: list[dict[str, tuple[int, int, int]]] = []
    tag_rows: list[dict[str, tuple[int, int, int]]] = []
    concept_rows: dict[str, list[dict[str, tuple[int, int, int]]]] = {"strict": [], "lenient": []}
    for document in gold:
        guess = by_id.get(document.id)
        if guess is None:
            missing.append(document.id)
            guess = Document(document.id, document.text)
        counts = score_document(document, guess, pieces_per_word=pieces_per_word)
        total += counts
        pairs.append((document, guess))
        strict_rows.append(
            {
                label: (counts.true_positives[label], counts.gold[label], counts.predicted[label])
                for label in counts.gold.keys() | counts.predicted.keys()
            }
        )
        tag_rows.append(_tag_counts(counts.gold_tags, counts.predicted_tags))
        for mode, rows in concept_rows.items():
            rows.append(concept_counts(document.spans, guess.spans, mode))
    ids = [document.id for document, _ in pairs]
    extra = sorted({label for row in (*strict_rows, *concept_rows["lenient"]) for label in row} - set(LABELS))
    labels = [*LABELS, *extra]
    tables = {
        "strict": CountTable.of(ids, labels, strict_rows),
        "paper": CountTable.of(ids, TAGS, tag_rows),
        **{f"n2c2_{mode}": CountTable.of(ids, labels, rows) for mode, rows in concept_rows.items()},
    }
    return Report(total, missing, tables, pairs, resamples=resamples, seed=seed)


def _tag_counts(gold_tags: list[str], predicted_tags: list[str]) -> dict[str, tuple[int, int, int]]:
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
            **_prf(found, len(gold_spans), len(guessed)),
            "true_positives": found,
            "predicted": len(guessed),
        }
    return result


def error_rows(errors: Iterable[SpanError]) -> list[dict[str, object]]:
    """Errors as plain rows (for tables, JSON and the store)."""

    def describe(span: Span | None) -> dict[str, object] | None:
        return None if span is None else {"start": span.start, "end": span.end, "label": span.label, "text": span.text}

    return [
        {"document": e.document_id, "kind": e.kind, "gold": describe(e.gold), "predicted": describe(e.predicted)}
        for e in errors
    ]


def _error_key(error: SpanError) -> tuple:
    return (error.document_id, error.gold, error.predicted, error.kind)


def compare_errors(
    first: Iterable[SpanError], second: Iterable[SpanError]
) -> tuple[list[SpanError], list[SpanError], list[SpanError]]:
    """Two models' errors on the same documents: (only the first makes, only the second makes, both
    make). An error is the same when document, gold span, predicted span and kind all agree, so the
    first list is what the second model fixed and the second what it broke."""
    first, second = list(first), list(second)
    in_first, in_second = {_error_key(e) for e in first}, {_error_key(e) for e in second}
    only_first = [e for e in first if _error_key(e) not in in_second]
    only_second = [e for e in second if _error_key(e) not in in_first]
    both = [e for e in first if _error_key(e) in in_second]
    return only_first, only_second, both


def forgiven_by_lenient(error: SpanError, gold: Iterable[Span], predicted: Iterable[Span]) -> bool:
    """Whether n2c2 lenient matching (:mod:`engine.n2c2`) does not count this error: its predicted
    span, if any, overlaps a gold span of the same label, and its gold span, if any, is overlapped
    by a predicted span of the same label. That is how the n2c2 script lists false positives and
    false negatives one by one: a boundary error is forgiven; a wrong label never is."""

    def met(span: Span, others: Iterable[Span]) -> bool:
        return any(other.label == span.label and other.overlaps(span) for other in others)

    return (error.predicted is None or met(error.predicted, gold)) and (
        error.gold is None or met(error.gold, predicted)
    )


def predicted_spans(gold: Document, errors: Iterable[SpanError]) -> list[Span]:
    """The prediction an error list was made from: under strict matching every gold span that no
    error names was predicted exactly, and every error's predicted span was predicted."""
    errors = [e for e in errors if e.document_id == gold.id]
    wrong_gold = {e.gold for e in errors if e.gold is not None}
    found = {span for span in gold.spans if span not in wrong_gold}
    found |= {e.predicted for e in errors if e.predicted is not None}
    return sorted(found)


__all__ = [
    "ERROR_KINDS",
    "NONE",
    "OUTSIDE",
    "Counts",
    "ErrorKind",
    "Report",
    "SpanError",
    "calibration",
    "compare_errors",
    "error_rows",
    "evaluate",
    "forgiven_by_lenient",
    "paper_scores",
    "predicted_spans",
    "record_of",
    "score_document",
    "subword_tags",
]


def _interval(bounds: Sequence[float]) -> str:
    return f"[{bounds[0]:.3f}, {bounds[1]:.3f}]"


def format_report(report: Report) -> str:
    """A short plain-text summary: averages, per-label rows, error kinds, paper mode."""
    data = report.as_dict()
    ci = data["ci"]
    lines = [
        f"strict span level (seqeval, IOB2) over {data['documents']} documents; "
        f"[{ci['level']:.0%} bootstrap interval over documents, {ci['resamples']} resamples]",
        f"  macro F1 {data['macro_f1']:.4f} {_interval(ci['macro_f1'])}   "
        f"weighted F1 {data['weighted_f1']:.4f} {_interval(ci['weighted_f1'])}   "
        f"micro F1 {data['micro_f1']:.4f} {_interval(ci['micro_f1'])}",
        "",
        f"  {'label':<10} {'precision':>9} {'recall':>9} {'f1':>9} {'interval':>17} {'support':>8}",
    ]
    for label, row in data["per_label"].items():
        lines.append(
            f"  {label:<10} {row['precision']:>9.4f} {row['recall']:>9.4f} {row['f1']:>9.4f} "
            f"{_interval(row['f1_ci']):>17} {row['support']:>8}"
        )
    lines.append("")
    lines.append("  errors: " + ", ".join(f"{kind} {count}" for kind, count in report.errors_by_kind().items()))
    n2c2 = data["n2c2"]
    lines.append("n2c2 2018 concept scores (character offsets, official counting):")
    for mode in ("strict", "lenient"):
        row = n2c2[mode]
        lines.append(
            f"  {mode:<8} micro P {row['micro_precision']:.4f} R {row['micro_recall']:.4f} "
            f"F1 {row['micro_f1']:.4f} {_interval(row['micro_f1_ci'])}   "
            f"macro F1 {row['macro_f1']:.4f} {_interval(row['macro_f1_ci'])}"
        )
    paper = data["paper"]
    lines.append(
        f"paper mode (tag level, per {paper['unit']}, O included; not comparable with the above): "
        f"macro F1 {paper['macro_f1']:.4f}   weighted F1 {paper['weighted_f1']:.4f}   micro F1 {paper['micro_f1']:.4f}"
    )
    return "\n".join(lines) + "\n"
