"""How sure a score is: bootstrap intervals over documents, and paired tests between two models.

Both work on per-document counts (:class:`engine.scores.tables.CountTable`: ``(tp, gold, predicted)`` per
document and label), never on the notes again, so they are cheap: a resample is a vector of how
often each document is drawn, and every resample's counts are one matrix product of those
vectors with the table (1,000 resamples of 50 documents x 9 labels: about a millisecond).

**Intervals** (:func:`intervals`): the percentile bootstrap over documents. Documents are drawn
with replacement as many times as there are; every F1 (per label, micro, macro, weighted) is
computed on each resample; the interval holds the middle 95 %. Documents, not spans, are the
unit, since errors cluster within a note. Macro F1 averages over the labels present in the whole
set (gold or predicted), in every resample, so the average is always over the same labels.

**Paired test** (:func:`paired_test`): approximate randomisation (Noreen 1989; Yeh 2000), the
usual test for F1 in NLP. Under the null hypothesis the two models are exchangeable on each
document, so each document's pair of count rows is swapped at random in every permutation; the
p-value is the share of permutations whose absolute difference in a figure reaches the observed
one (with one added above and below, so it is never 0). A paired bootstrap interval of the
difference (B minus A) is given beside it.

Both are seeded: the same inputs and seed give the same figures.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

import numpy as np

from engine.scores.tables import CountTable, prf

#: Resamples (and permutations) unless told otherwise; ``MEDNER_RESAMPLES`` overrides it.
RESAMPLES_VARIABLE = "MEDNER_RESAMPLES"
DEFAULT_RESAMPLES = 1000
LEVEL = 0.95
SEED = 13


def default_resamples() -> int:
    value = os.environ.get(RESAMPLES_VARIABLE, "")
    try:
        return max(1, int(value)) if value else DEFAULT_RESAMPLES
    except ValueError:
        raise ValueError(f"{RESAMPLES_VARIABLE} must be a whole number of resamples, not {value!r}") from None


def draw_weights(documents: int, resamples: int, rng: np.random.Generator) -> np.ndarray:
    """``(resamples, documents)``: how often each document is drawn in each bootstrap resample."""
    drawn = rng.integers(0, documents, size=(resamples, documents))
    offsets = (np.arange(resamples) * documents)[:, None]
    return np.bincount((drawn + offsets).ravel(), minlength=resamples * documents).reshape(resamples, documents)


def figures(sums: np.ndarray, present: np.ndarray) -> dict[str, np.ndarray]:
    """F1 figures of summed counts ``(..., classes, 3)``: ``per_class`` ``(..., classes)``, and
    ``micro``, ``macro`` and ``weighted`` ``(...)``, averaging over the ``present`` classes."""
    tp, gold, predicted = sums[..., 0], sums[..., 1], sums[..., 2]
    _, _, f1 = prf(tp, gold, predicted)
    kept = present.astype(bool)
    _, _, micro = prf(tp[..., kept].sum(-1), gold[..., kept].sum(-1), predicted[..., kept].sum(-1))
    macro = f1[..., kept].mean(-1) if kept.any() else np.zeros(f1.shape[:-1])
    support = gold[..., kept].sum(-1)
    weighted = np.where(support > 0, (f1[..., kept] * gold[..., kept]).sum(-1) / np.where(support > 0, support, 1), 0.0)
    return {"per_class": f1, "micro": micro, "macro": macro, "weighted": weighted}


def _present(*tables: CountTable) -> np.ndarray:
    totals = sum(table.totals() for table in tables)
    return (totals[:, 1] + totals[:, 2]) > 0


def _bounds(values: np.ndarray, level: float) -> np.ndarray:
    tail = (1 - level) / 2 * 100
    return np.percentile(values, [tail, 100 - tail], axis=0)


def intervals(
    table: CountTable, *, resamples: int | None = None, level: float = LEVEL, seed: int = SEED
) -> dict[str, object]:
    """Percentile bootstrap intervals of every F1 of ``table``:
    ``{"micro_f1": [lo, hi], "macro_f1": ..., "weighted_f1": ..., "per_label": {label: [lo, hi]}}``
    plus how they were made. With no documents every interval is ``[0, 0]``."""
    resamples = default_resamples() if resamples is None else resamples
    present = _present(table)
    about = {"method": "percentile bootstrap over documents", "level": level, "resamples": resamples, "seed": seed}
    documents = len(table.documents)
    if documents == 0:
        zero = [0.0, 0.0]
        per_label = {table.classes[k]: zero for k in np.flatnonzero(present)}
        return {**about, "micro_f1": zero, "macro_f1": zero, "weighted_f1": zero, "per_label": per_label}
    weights = draw_weights(documents, resamples, np.random.default_rng(seed))
    flat = table.counts.reshape(documents, -1)
    sums = (weights @ flat).reshape(resamples, len(table.classes), 3)
    drawn = figures(sums, present)
    low_high = {name: _bounds(drawn[name], level) for name in ("micro", "macro", "weighted")}
    per_class = _bounds(drawn["per_class"], level)
    return {
        **about,
        "micro_f1": low_high["micro"].tolist(),
        "macro_f1": low_high["macro"].tolist(),
        "weighted_f1": low_high["weighted"].tolist(),
        "per_label": {table.classes[k]: per_class[:, k].tolist() for k in np.flatnonzero(present)},
    }


def _aligned(a: CountTable, b: CountTable) -> tuple[CountTable, CountTable]:
    if set(a.documents) != set(b.documents):
        only_a = sorted(set(a.documents) - set(b.documents))
        only_b = sorted(set(b.documents) - set(a.documents))
        raise ValueError(
            "the two models were scored on different documents "
            f"(only A: {', '.join(only_a[:3]) or 'none'}; only B: {', '.join(only_b[:3]) or 'none'})"
        )
    classes = list(a.classes) + [name for name in b.classes if name not in a.classes]

    def widen(table: CountTable) -> CountTable:
        counts = np.zeros((len(table.documents), len(classes), 3), dtype=np.int64)
        for k, name in enumerate(table.classes):
            counts[:, classes.index(name)] = table.counts[:, k]
        return CountTable(table.documents, classes, counts)

    return widen(a), widen(b).aligned(a.documents)


def paired_test(
    a: CountTable,
    b: CountTable,
    *,
    resamples: int | None = None,
    level: float = LEVEL,
    seed: int = SEED,
) -> dict[str, object]:
    """Is B's F1 different from A's on the same documents? For micro F1, macro F1 and each
    label: A, B, the difference B - A, its paired bootstrap interval, and the two-sided
    approximate-randomisation p-value."""
    resamples = default_resamples() if resamples is None else resamples
    a, b = _aligned(a, b)
    present = _present(a, b)
    rng = np.random.default_rng(seed)
    documents = len(a.documents)
    flat_a, flat_b = a.counts.reshape(documents, -1), b.counts.reshape(documents, -1)
    shape = (len(a.classes), 3)
    observed_a, observed_b = figures(a.totals(), present), figures(b.totals(), present)

    swaps = rng.integers(0, 2, size=(resamples, documents))
    moved = (swaps @ (flat_b - flat_a)).reshape(resamples, *shape)
    permuted_a = figures(a.totals() + moved, present)
    permuted_b = figures(b.totals() - moved, present)

    weights = draw_weights(documents, resamples, rng) if documents else np.zeros((resamples, 0), dtype=np.int64)
    boot_a = figures((weights @ flat_a).reshape(resamples, *shape), present)
    boot_b = figures((weights @ flat_b).reshape(resamples, *shape), present)

    def row(name: str, k: int | None = None) -> dict[str, object]:
        def pick(values: dict[str, np.ndarray]) -> np.ndarray:
            return values[name] if k is None else values[name][..., k]

        difference = float(pick(observed_b) - pick(observed_a))
        permuted = np.abs(pick(permuted_b) - pick(permuted_a))
        reached = int(np.sum(permuted >= abs(difference) - 1e-12))
        low, high = _bounds(pick(boot_b) - pick(boot_a), level)
        return {
            "a": float(pick(observed_a)),
            "b": float(pick(observed_b)),
            "difference": difference,
            "ci": [float(low), float(high)],
            "p_value": (reached + 1) / (resamples + 1),
        }

    return {
        "method": "approximate randomisation over documents (p-value); paired percentile bootstrap (interval)",
        "documents": documents,
        "resamples": resamples,
        "level": level,
        "seed": seed,
        "micro_f1": row("micro"),
        "macro_f1": row("macro"),
        "per_label": {a.classes[k]: row("per_class", int(k)) for k in np.flatnonzero(present)},
    }


#: The per-document tables two models are compared on: seqeval strict spans, n2c2 lenient concepts, and
#: the relations of each side's linker where the gold has relations (:mod:`engine.scores.relations`).
COMPARED = {
    "strict": "strict spans (seqeval)",
    "n2c2_lenient": "n2c2 lenient concepts",
    "relations/linker:given_gold_entities": "drug-attribute relations, given gold entities",
    "relations/linker:end_to_end": "drug-attribute relations, end to end",
}


def compare_tables(
    a: Mapping[str, CountTable],
    b: Mapping[str, CountTable],
    *,
    resamples: int | None = None,
    seed: int = SEED,
) -> dict[str, dict[str, object]]:
    """:func:`paired_test` on each scoring of :data:`COMPARED` that both sides have."""
    return {
        name: paired_test(a[name], b[name], resamples=resamples, seed=seed)
        for name in COMPARED
        if name in a and name in b
    }


def format_comparison(result: Mapping[str, Mapping[str, object]], a: str, b: str) -> str:
    """The paired tests as plain text: one block per scoring, one row per figure."""
    lines = [f"A = {a}", f"B = {b}"]
    for name, test in result.items():
        lines += [
            "",
            f"{COMPARED.get(name, name)} on {test['documents']} documents: "
            f"difference B - A, {test['level']:.0%} paired bootstrap interval, "
            f"approximate-randomisation p-value ({test['resamples']} permutations)",
            f"  {'figure':<15} {'A':>7} {'B':>7} {'B - A':>8} {'interval':>18} {'p':>7}",
        ]
        rows = [("micro F1", test["micro_f1"]), ("macro F1", test["macro_f1"])]
        rows += [(label, row) for label, row in test["per_label"].items()]
        for label, row in rows:
            low, high = row["ci"]
            lines.append(
                f"  {label:<15} {row['a']:>7.4f} {row['b']:>7.4f} {row['difference']:>+8.4f} "
                f"{f'[{low:+.3f}, {high:+.3f}]':>18} {row['p_value']:>7.4f}"
            )
    return "\n".join(lines) + "\n"
