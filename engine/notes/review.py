"""Which document to review next, and how far two annotators agree.

**Review order** (:func:`review_queue`): the unreviewed documents by the model's *expected number
of wrong spans*, ``sum(1 - p)`` over the spans it predicts (``p``: each span's probability, see
:mod:`engine.inference.pipeline`). By linearity of expectation that is how many of its spans a reviewer
should expect to correct, so the queue puts first the document where a review changes most. A
mean would put a short note with one unsure span first; a maximum would ignore how many unsure
spans a note holds. What it does not see: entities the model missed altogether (its probability
for them is not in any predicted span). Ties go by document id.

**Agreement** (:func:`agreement`): two annotators' latest revisions of the same documents scored
against each other with the product's evaluation, the first as reference: F1 is symmetric, so
which is first changes only precision and recall, not F1. Strict (seqeval spans) and lenient
(n2c2: overlap and same label) F1 per label and overall, and Cohen's kappa over the word tags
(IOB2, ``O`` included), which corrects the words' raw agreement for what chance would give.
Every disagreement is an error of the evaluation's taxonomy, so it opens in context like one.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from engine.scores.n2c2 import n2c2_scores
from engine.scores.report import evaluate
from engine.types import Document, Span, SpanError


def expected_errors(spans: Iterable[Span]) -> float:
    """``sum(1 - p)`` over the spans that carry a probability."""
    return sum(1.0 - span.confidence for span in spans if span.confidence is not None)


def review_queue(predictions: Mapping[str, Sequence[Span]], reviewed: Collection[str] = ()) -> list[tuple[str, float]]:
    """``(document id, expected wrong spans)`` of each document not yet ``reviewed``, most first."""
    waiting = [
        (document, expected_errors(spans)) for document, spans in predictions.items() if document not in reviewed
    ]
    return sorted(waiting, key=lambda item: (-item[1], item[0]))


@dataclass
class Agreement:
    """Two annotators on the documents both saved."""

    first: str
    second: str
    documents: list[str]
    #: label -> {"strict_f1", "lenient_f1", "first", "second"} (span counts of each annotator)
    per_label: dict[str, dict[str, float | int]] = field(default_factory=dict)
    strict_f1: float = 0.0
    lenient_f1: float = 0.0
    kappa: float = 0.0
    #: where they differ, as the evaluation's errors (gold = the first annotator's span)
    disagreements: list[SpanError] = field(default_factory=list)
    #: each shared document as each of them saved it, by document id (to show a disagreement)
    first_documents: dict[str, Document] = field(default_factory=dict)
    second_documents: dict[str, Document] = field(default_factory=dict)


def agreement(first: Mapping[str, Document], second: Mapping[str, Document], *, names=("A", "B")) -> Agreement:
    """Agreement on the documents both annotators saved (:class:`Agreement`); documents only one
    of them saved are left out, and the two must hold the same note text."""
    from sklearn.metrics import cohen_kappa_score

    shared = sorted(set(first) & set(second))
    result = Agreement(names[0], names[1], shared)
    if not shared:
        return result
    for document in shared:
        if first[document].text != second[document].text:
            raise ValueError(f"{document}: the two revisions are of different note texts")
    result.first_documents = {d: first[d] for d in shared}
    result.second_documents = {d: second[d] for d in shared}
    report = evaluate(list(result.first_documents.values()), list(result.second_documents.values()))
    lenient = n2c2_scores({"lenient": report.tables["n2c2_lenient"]})["lenient"]
    strict = report.per_label()
    for label, row in strict.items():
        result.per_label[label] = {
            "strict_f1": float(row["f1"]),
            "lenient_f1": float(lenient["per_label"].get(label, {}).get("f1", 0.0)),
            "first": int(report.counts.gold[label]),
            "second": int(report.counts.predicted[label]),
        }
    result.strict_f1 = float(report.micro()["f1"])
    result.lenient_f1 = float(lenient["micro_f1"])
    tags_a, tags_b = report.counts.gold_tags, report.counts.predicted_tags
    if tags_a and len(set(tags_a) | set(tags_b)) > 1:
        result.kappa = float(cohen_kappa_score(tags_a, tags_b))
    else:
        result.kappa = 1.0 if tags_a == tags_b else 0.0
    result.disagreements = list(report.counts.errors)
    return result
