"""A note's spans grouped into a medication list: each Drug with its attributes.

Two ways of deciding which Drug an attribute belongs to:

- **relations** (gold data from n2c2 or the demo corpus): an ``R`` line ``Strength-Drug Arg1:T4 Arg2:T3``
  attaches T4 to T3, exactly as annotated;
- **nearest-drug rule** (model output has no relations): an attribute belongs to the nearest Drug in
  its own sentence, by characters between the two spans (a tie goes to the Drug before it, since
  notes write "metoprolol 25 mg PO daily" far more often than the reverse). An attribute in a sentence
  without a Drug belongs to the last Drug before it when no more than :data:`CARRY_OVER_CHARS`
  characters and no blank line separate them (wrapped list lines), and otherwise to no drug: it is
  listed as unattached rather than guessed.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

from engine.data.tokenize import sentences
from engine.labels import LABELS
from engine.types import Document, Span

DRUG = "Drug"
#: The attribute labels, in the order a medication list shows them.
ATTRIBUTES: tuple[str, ...] = ("Strength", "Dosage", "Form", "Route", "Frequency", "Duration", "Reason", "ADE")
#: How far back an attribute outside any drug's sentence may reach for a preceding Drug.
CARRY_OVER_CHARS = 80

assert set(ATTRIBUTES) | {DRUG} == set(LABELS)


@dataclass(frozen=True)
class Medication:
    """One Drug mention and the attribute spans attached to it, each label in note order."""

    drug: Span
    attributes: dict[str, tuple[Span, ...]] = field(default_factory=dict)

    def values(self, label: str) -> list[str]:
        return [span.text for span in self.attributes.get(label, ())]

    def as_row(self) -> dict[str, object]:
        """A flat row (for tables and CSV): attribute texts joined with ``; ``; for a model's
        prediction also ``confidence`` (the drug span's probability) and ``lowest confidence``
        (the lowest of the drug's and its attributes'). Gold spans have none, so gold rows do not
        have those keys."""
        row: dict[str, object] = {"drug": self.drug.text, "start": self.drug.start, "end": self.drug.end}
        for label in ATTRIBUTES:
            row[label.lower()] = "; ".join(self.values(label))
        spans = (self.drug, *(span for spans in self.attributes.values() for span in spans))
        known = [span.confidence for span in spans if span.confidence is not None]
        if known:
            row["confidence"] = round(self.drug.confidence, 4) if self.drug.confidence is not None else ""
            row["lowest confidence"] = round(min(known), 4)
        return row


@dataclass(frozen=True)
class MedicationList:
    """The medications of one note and the attributes no drug could be found for."""

    medications: tuple[Medication, ...]
    unattached: tuple[Span, ...]
    grouped_by: str  # "relations" or "nearest drug"

    def rows(self) -> list[dict[str, object]]:
        return [medication.as_row() for medication in self.medications]


def _by_relations(document: Document) -> tuple[dict[int, list[Span]], list[Span]]:
    drugs = [span for span in document.spans if span.label == DRUG]
    index_of_ref = {span.ref: i for i, span in enumerate(drugs) if span.ref}
    by_ref = document.span_by_ref()
    attached: dict[int, list[Span]] = {}
    placed: set[str] = set()
    for relation in document.relations:
        attribute, drug = by_ref.get(relation.arg1), by_ref.get(relation.arg2)
        if attribute is None or drug is None or drug.ref not in index_of_ref or attribute.label == DRUG:
            continue
        attached.setdefault(index_of_ref[drug.ref], []).append(attribute)
        placed.add(attribute.ref)
    loose = [span for span in document.spans if span.label != DRUG and span.ref not in placed]
    return attached, loose


def _gap(a: Span, b: Span) -> int:
    return max(0, b.start - a.end) if a.start <= b.start else max(0, a.start - b.end)


def _by_nearest_drug(document: Document) -> tuple[dict[int, list[Span]], list[Span]]:
    drugs = sorted((span for span in document.spans if span.label == DRUG), key=lambda s: s.start)
    attributes = [span for span in document.spans if span.label != DRUG]
    protect = list(document.spans)
    bounds = [(s.start, s.end) for s in sentences(document.text, protect=protect)] if document.spans else []
    starts = [start for start, _ in bounds]

    def sentence_of(position: int) -> int:
        return max(0, bisect.bisect_right(starts, position) - 1)

    drug_sentence = [sentence_of(drug.start) for drug in drugs]
    drug_starts = [drug.start for drug in drugs]
    attached: dict[int, list[Span]] = {}
    loose: list[Span] = []
    for attribute in attributes:
        here = sentence_of(attribute.start)
        candidates = [i for i, s in enumerate(drug_sentence) if s == here]
        if candidates:
            # nearest by gap; on a tie the drug before the attribute (smaller start) wins
            best = min(candidates, key=lambda i: (_gap(drugs[i], attribute), drugs[i].start > attribute.start))
            attached.setdefault(best, []).append(attribute)
            continue
        before = bisect.bisect_right(drug_starts, attribute.start) - 1
        if before >= 0:
            between = document.text[drugs[before].end : attribute.start]
            if len(between) <= CARRY_OVER_CHARS and "\n\n" not in between.replace("\r", ""):
                attached.setdefault(before, []).append(attribute)
                continue
        loose.append(attribute)
    return attached, loose


def medication_list(document: Document, *, use_relations: bool | None = None) -> MedicationList:
    """Group ``document``'s spans into medications: by its relations when it has any (or when
    ``use_relations`` says so), otherwise by the nearest-drug rule of this module."""
    if use_relations is None:
        use_relations = bool(document.relations)
    drugs = [span for span in document.spans if span.label == DRUG]
    if use_relations:
        attached, loose = _by_relations(document)
        order = list(range(len(drugs)))
    else:
        attached, loose = _by_nearest_drug(document)
        order = sorted(range(len(drugs)), key=lambda i: drugs[i].start)
        drugs = sorted(drugs, key=lambda s: s.start)
    medications = []
    for i in order:
        groups: dict[str, list[Span]] = {}
        for span in sorted(attached.get(i, []), key=lambda s: s.start):
            groups.setdefault(span.label, []).append(span)
        medications.append(
            Medication(drugs[i], {label: tuple(groups[label]) for label in ATTRIBUTES if label in groups})
        )
    medications.sort(key=lambda m: m.drug.start)
    return MedicationList(
        tuple(medications),
        tuple(sorted(loose, key=lambda s: s.start)),
        "relations" if use_relations else "nearest drug",
    )
