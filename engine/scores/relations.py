"""Drug-attribute relation scores, n2c2 2018 Track 2 style.

A predicted relation is right when its attribute span and its Drug span both match a gold
relation's exactly (offsets and labels): its type (``Strength-Drug`` ...) then agrees too. Two
settings, as the shared task reported them:

- **given gold entities**: the linker attaches the gold spans of each note (what the linker alone
  gets right; the shared task's best was F1 0.963);
- **end to end**: the linker attaches the spans the model predicted, so a missed or misplaced
  span costs its relations too (the shared task's best was 0.8905).

Counts are kept per document and relation type in a :class:`engine.scores.tables.CountTable`, so
intervals and paired tests (:mod:`engine.scores.intervals`) work as for spans.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence

from engine.labels import ATTRIBUTES
from engine.scores.tables import CountTable, prf_row
from engine.types import Document

#: The relation types, one per attribute label, in the medication list's order.
KINDS: tuple[str, ...] = tuple(f"{label}-Drug" for label in ATTRIBUTES)
#: A relation as compared: (type, attribute start, end, Drug start, end).
Key = tuple[str, int, int, int, int]
#: How a setting's links are found: a document in, (attribute, drug) span pairs out.
Linker = Callable[[Document], Iterable[tuple[object, object]]]


def relation_keys(pairs: Iterable[tuple[object, object]]) -> set[Key]:
    """(attribute, Drug) span pairs as comparable keys."""
    return {(f"{a.label}-Drug", a.start, a.end, d.start, d.end) for a, d in pairs}  # type: ignore[attr-defined]


def document_counts(gold: set[Key], predicted: set[Key]) -> dict[str, tuple[int, int, int]]:
    """``{type: (tp, gold, predicted)}`` of one document."""
    kinds = {key[0] for key in gold | predicted}
    return {
        kind: (
            sum(1 for key in gold & predicted if key[0] == kind),
            sum(1 for key in gold if key[0] == kind),
            sum(1 for key in predicted if key[0] == kind),
        )
        for kind in kinds
    }


def relation_table(ids: Sequence[str], rows: Sequence[Mapping[str, tuple[int, int, int]]]) -> CountTable:
    extra = sorted({kind for row in rows for kind in row} - set(KINDS))
    return CountTable.of(ids, [*KINDS, *extra], rows)


def scores(table: CountTable) -> dict[str, object]:
    """Micro P/R/F1 over every relation and one row a type (types with no gold and no prediction left out)."""
    totals = table.totals()
    per_type = {
        kind: prf_row(int(tp), int(gold), int(predicted))
        for kind, (tp, gold, predicted) in zip(table.classes, totals.tolist(), strict=True)
        if gold or predicted
    }
    tp, gold, predicted = (int(x) for x in totals.sum(axis=0))
    micro = prf_row(tp, gold, predicted)
    return {
        "micro_f1": micro["f1"],
        "micro_precision": micro["precision"],
        "micro_recall": micro["recall"],
        "relations": gold,
        "per_type": per_type,
    }


def has_relations(documents: Iterable[Document]) -> bool:
    return any(document.relations for document in documents)
