"""Concept scores as the n2c2 2018 Track 2 shared task computed them: strict and lenient.

These sit beside the product's seqeval scores (:mod:`engine.scores.strict`) so that a model
trained here can be set beside the published n2c2 results. They work on the character spans
of the ``.ann`` files, not on word tags, as the official script did.

The official script (``track2_eval.py`` of the 2018 n2c2 evaluation scripts, whose counting
lives in the ``SingleEvaluator`` it shares with ``track1_eval.py``) scores each document and,
within it, each label (``key``):

* a system concept **equals** a gold concept when their labels agree and, in ``strict`` mode,
  both offsets agree, or, in ``lenient`` mode, their character ranges overlap (share at least
  one character);
* ``tp`` is the number of *system* concepts that equal at least one gold concept,
  ``fp = system - tp`` and ``fn = gold - tp``. Counts are summed over documents.

Nothing pairs the concepts one to one. Two consequences, reproduced here on purpose so the
figures stay comparable with the published ones:

* a system concept overlapping two gold concepts (lenient) counts one true positive, and one of
  the two gold concepts is counted as missed;
* two system concepts overlapping one gold concept (lenient) count two true positives, and
  ``fn`` falls by two, so a label's lenient recall (``tp / (tp + fn)``) can exceed what a one
  to one pairing gives. The predictions of a BIO tagger never overlap each other, but two of
  them can fall inside one long gold concept ("aspirin" and "81 mg" inside one Drug span).

Micro scores sum ``tp``, ``fp`` and ``fn`` over labels; macro F1 is the mean of the per-label F1
over the labels present in gold or prediction (the same rule as the seqeval macro F1). A
discontinuous concept is scored from its first to its last character, as its BIO tags are.

:func:`semeval_schemes` adds the four SemEval 2013 schemes of the ``nervaluate`` package
(strict, exact, partial, type), which pair concepts one to one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np

from engine.data.partial import Coverage, scoreable
from engine.labels import LABELS
from engine.scores.tables import CountTable, prf
from engine.types import Document, Span

MODES: tuple[str, ...] = ("strict", "lenient")


def _equals(system: Span, gold: Span, mode: str) -> bool:
    if system.label != gold.label:
        return False
    if mode == "strict":
        return system.start == gold.start and system.end == gold.end
    return system.overlaps(gold)


def concept_counts(gold: Sequence[Span], system: Sequence[Span], mode: str) -> dict[str, tuple[int, int, int]]:
    """Per label, ``(tp, gold, system)`` for one document under the official rules."""
    if mode not in MODES:
        raise ValueError(f"unknown n2c2 mode {mode!r}; expected one of {', '.join(MODES)}")
    labels = {span.label for span in gold} | {span.label for span in system}
    result: dict[str, tuple[int, int, int]] = {}
    for label in labels:
        gold_here = [span for span in gold if span.label == label]
        system_here = [span for span in system if span.label == label]
        tp = sum(1 for s in system_here if any(_equals(s, g, mode) for g in gold_here))
        result[label] = (tp, len(gold_here), len(system_here))
    return result


def scores_of(table: CountTable) -> dict[str, object]:
    """Micro and macro precision / recall / F1 and per-class rows of a count table."""
    totals = table.totals()
    present = [k for k in range(len(table.classes)) if totals[k, 1] or totals[k, 2]]
    p, r, f = prf(totals[:, 0], totals[:, 1], totals[:, 2])
    mp, mr, mf = prf(totals[present, 0].sum(), totals[present, 1].sum(), totals[present, 2].sum())
    per_label = {
        table.classes[k]: {
            "precision": float(p[k]),
            "recall": float(r[k]),
            "f1": float(f[k]),
            "support": int(totals[k, 1]),
            "true_positives": int(totals[k, 0]),
            "predicted": int(totals[k, 2]),
        }
        for k in present
    }
    return {
        "micro_precision": float(mp),
        "micro_recall": float(mr),
        "micro_f1": float(mf),
        "macro_precision": float(np.mean(p[present])) if present else 0.0,
        "macro_recall": float(np.mean(r[present])) if present else 0.0,
        "macro_f1": float(np.mean(f[present])) if present else 0.0,
        "per_label": per_label,
    }


def _pairs(
    gold: Iterable[Document], predicted: Mapping[str, Document], coverage: Coverage | None
) -> list[tuple[Document, Document]]:
    pairs = []
    for document in gold:
        guess = predicted.get(document.id) or Document(document.id, document.text)
        if coverage is not None and not coverage.complete:
            guess = scoreable(guess, coverage)
        pairs.append((document, guess))
    return pairs


def concept_tables(
    gold: Iterable[Document],
    predicted: Mapping[str, Document] | Iterable[Document],
    *,
    coverage: Coverage | None = None,
) -> dict[str, CountTable]:
    """``{"strict": table, "lenient": table}`` of per-document, per-label official counts."""
    by_id = dict(predicted) if isinstance(predicted, Mapping) else {doc.id: doc for doc in predicted}
    pairs = _pairs(gold, by_id, coverage)
    labels = list(LABELS) + sorted({s.label for g, p in pairs for s in (*g.spans, *p.spans)} - set(LABELS))
    ids = [g.id for g, _ in pairs]
    return {
        mode: CountTable.of(ids, labels, (concept_counts(g.spans, p.spans, mode) for g, p in pairs)) for mode in MODES
    }


def n2c2_scores(tables: Mapping[str, CountTable]) -> dict[str, object]:
    """The ``n2c2`` block of ``evaluate --json``: strict and lenient scores and the rules used."""
    return {
        "scoring": "n2c2 2018 Track 2 concept matching on character offsets (official counting rules)",
        **{mode: scores_of(table) for mode, table in tables.items()},
    }


def semeval_schemes(
    gold: Iterable[Document],
    predicted: Mapping[str, Document] | Iterable[Document],
    *,
    coverage: Coverage | None = None,
) -> dict[str, dict[str, float | int]]:
    """nervaluate's four SemEval 2013 schemes over all labels: ``strict`` (offsets and label),
    ``exact`` (offsets only), ``partial`` (overlap, half credit, any label) and ``ent_type``
    (overlap and label). Spans are paired one to one, unlike the n2c2 counting."""
    from nervaluate import Evaluator

    by_id = dict(predicted) if isinstance(predicted, Mapping) else {doc.id: doc for doc in predicted}
    pairs = _pairs(gold, by_id, coverage)

    def entities(spans: Iterable[Span]) -> list[dict[str, object]]:  # nervaluate's ends are inclusive
        return [{"label": s.label, "start": s.start, "end": s.end - 1} for s in sorted(spans)]

    labels = sorted({s.label for g, p in pairs for s in (*g.spans, *p.spans)})
    if not labels:
        return {}
    true = [entities(g.spans) for g, _ in pairs]
    guess = [entities(p.spans) for _, p in pairs]
    overall = Evaluator(true, guess, tags=labels, loader="dict").evaluate()["overall"]
    return {
        scheme: {
            "precision": result.precision,
            "recall": result.recall,
            "f1": result.f1,
            "correct": result.correct,
            "incorrect": result.incorrect,
            "partial": result.partial,
            "missed": result.missed,
            "spurious": result.spurious,
        }
        for scheme, result in overall.items()
    }
