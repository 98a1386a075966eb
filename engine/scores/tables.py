"""Counts and the figures made of them: the one precision / recall / F1 of the scores package.

Every score here comes from counts ``(tp, gold, predicted)``: per label for one set of documents
(:func:`prf_row`), or per document and label in a :class:`CountTable`, from which the n2c2
scores (:mod:`engine.scores.n2c2`) and the bootstrap intervals and paired tests
(:mod:`engine.scores.intervals`) are computed. :func:`prf` is the one formula: precision
``tp / predicted``, recall ``tp / gold``, F1 their harmonic mean, each 0 where undefined.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np


def prf(tp, gold, predicted):
    """Precision, recall and F1 from counts (arrays or numbers); 0 where undefined."""
    tp, gold, predicted = (np.asarray(x, dtype=float) for x in (tp, gold, predicted))
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.where(predicted > 0, tp / np.where(predicted > 0, predicted, 1), 0.0)
        recall = np.where(gold > 0, tp / np.where(gold > 0, gold, 1), 0.0)
        total = precision + recall
        f1 = np.where(total > 0, 2 * precision * recall / np.where(total > 0, total, 1), 0.0)
    return precision, recall, f1


def prf_row(tp: int, gold: int, predicted: int) -> dict[str, float | int]:
    """One label's row: ``precision``, ``recall`` and ``f1`` (:func:`prf`) and ``support`` (gold)."""
    precision, recall, f1 = prf(tp, gold, predicted)
    return {"precision": float(precision), "recall": float(recall), "f1": float(f1), "support": gold}


@dataclass
class CountTable:
    """Per-document counts, ``counts[d, k] = (tp, gold, predicted)`` for document ``d`` and class
    ``k``: what scores and their bootstrap intervals (:mod:`engine.scores.intervals`) are computed from."""

    documents: list[str]
    classes: list[str]
    counts: np.ndarray = field(repr=False)

    @classmethod
    def of(cls, documents: Sequence[str], classes: Sequence[str], rows: Iterable[Mapping[str, Sequence[int]]]):
        """From one ``{class: (tp, gold, predicted)}`` mapping a document."""
        classes = list(classes)
        index = {name: k for k, name in enumerate(classes)}
        rows = list(rows)
        counts = np.zeros((len(rows), len(classes), 3), dtype=np.int64)
        for d, row in enumerate(rows):
            for name, triple in row.items():
                counts[d, index[name]] = triple
        return cls(list(documents), classes, counts)

    def totals(self) -> np.ndarray:
        return self.counts.sum(axis=0)

    def as_dict(self) -> dict[str, object]:
        return {"documents": self.documents, "classes": self.classes, "counts": self.counts.tolist()}

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> CountTable:
        counts = np.asarray(data["counts"], dtype=np.int64).reshape(len(data["documents"]), len(data["classes"]), 3)
        return cls(list(data["documents"]), list(data["classes"]), counts)

    def aligned(self, documents: Sequence[str]) -> CountTable:
        """The same counts in another document order (a subset allowed); unknown ids raise."""
        position = {doc: d for d, doc in enumerate(self.documents)}
        missing = [doc for doc in documents if doc not in position]
        if missing:
            raise KeyError(f"no counts for documents {', '.join(missing[:5])}")
        return CountTable(list(documents), self.classes, self.counts[[position[doc] for doc in documents]])
