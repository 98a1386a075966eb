"""A note's spans grouped into a medication list: each Drug with its attributes, its status
and its normalised name.

Which Drug an attribute belongs to (:mod:`engine.notes.linking`):

- **relations** (gold data from n2c2 or the demo corpus, or a prediction the pipeline linked): an
  ``R`` line ``Strength-Drug Arg1:T4 Arg2:T3`` attaches T4 to T3, exactly as written;
- otherwise the **learned linker** (the model folder's ``linker.json`` or the product's), with
  each link's probability; the **nearest-drug rule** where no linker can be read, or when asked.

An attribute no Drug could be found for is listed as unattached rather than guessed. Each Drug
also gets its status (:mod:`engine.notes.status`: taking, started, stopped, planned, allergy,
negated, historical, family) and its normalised name and identifiers (:mod:`engine.notes.names`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from engine.labels import LABELS
from engine.notes.linking import (
    ATTRIBUTES,
    CARRY_OVER_CHARS,
    DRUG,
    LEARNED,
    LearnedLinker,
    Link,
    NearestDrug,
    gold_links,
    load_linker,
)
from engine.notes.names import DrugName, normalise
from engine.notes.status import Status, statuses
from engine.types import Document, Span

__all__ = ["ATTRIBUTES", "CARRY_OVER_CHARS", "DRUG", "Medication", "MedicationList", "medication_list"]

assert set(ATTRIBUTES) | {DRUG} == set(LABELS)


@dataclass(frozen=True)
class Medication:
    """One Drug mention, the attribute spans attached to it (each label in note order) with how
    each was attached (``links``), its status and its normalised name (None: no dictionary knows it)."""

    drug: Span
    attributes: dict[str, tuple[Span, ...]] = field(default_factory=dict)
    links: tuple[Link, ...] = ()
    status: Status = field(default_factory=lambda: Status("taking"))
    name: DrugName | None = None

    def values(self, label: str) -> list[str]:
        return [span.text for span in self.attributes.get(label, ())]

    def as_row(self) -> dict[str, object]:
        """A flat row (for tables and CSV): the drug, its generic name and identifiers, its status
        and the cue that decided it, attribute texts joined with ``; ``, how they were linked and
        the lowest link probability; for a model's prediction also ``confidence`` (the drug span's
        probability) and ``lowest confidence`` (the lowest of the drug's and its attributes').
        Gold spans have no probabilities, so gold rows do not have those two keys."""
        name = self.name
        row: dict[str, object] = {
            "drug": self.drug.text,
            "start": self.drug.start,
            "end": self.drug.end,
            "generic": name.generic if name else "",
            "identifiers": name.identifier_text() if name else "",
            "status": self.status.status,
            "status cue": self.status.cue,
        }
        for label in ATTRIBUTES:
            row[label.lower()] = "; ".join(self.values(label))
        methods = sorted({link.method for link in self.links})
        row["linked by"] = ", ".join(methods)
        learned = [link.probability for link in self.links if link.probability is not None]
        row["link probability"] = round(min(learned), 4) if learned else ""
        spans = (self.drug, *(span for spans in self.attributes.values() for span in spans))
        known = [span.confidence for span in spans if span.confidence is not None]
        if known:
            row["confidence"] = round(self.drug.confidence, 4) if self.drug.confidence is not None else ""
            row["lowest confidence"] = round(min(known), 4)
        return row


@dataclass(frozen=True)
class MedicationList:
    """The medications of one note and the attributes no drug could be found for; ``grouped_by``
    says how attributes were attached (``relations``, ``linker`` or ``nearest drug``)."""

    medications: tuple[Medication, ...]
    unattached: tuple[Span, ...]
    grouped_by: str

    def rows(self) -> list[dict[str, object]]:
        return [medication.as_row() for medication in self.medications]

    @property
    def allergies(self) -> tuple[Medication, ...]:
        return tuple(m for m in self.medications if m.status.status == "allergy")


def _links(document: Document, use_relations: bool, linker) -> tuple[list[Link], str]:
    if use_relations:
        links = gold_links(document)
        return links, LEARNED if any(link.method == LEARNED for link in links) else "relations"
    linker = load_linker() if linker is None else linker
    return linker.links(document), linker.name


def medication_list(
    document: Document,
    *,
    use_relations: bool | None = None,
    linker: LearnedLinker | NearestDrug | None = None,
) -> MedicationList:
    """Group ``document``'s spans into medications: by its relations when it has any (or when
    ``use_relations`` says so), otherwise by ``linker`` (default: :func:`engine.notes.linking.load_linker`,
    the product's learned linker)."""
    if use_relations is None:
        use_relations = bool(document.relations)
    links, grouped_by = _links(document, use_relations, linker)
    drugs = sorted((span for span in document.spans if span.label == DRUG), key=lambda s: (s.start, s.end))
    by_drug: dict[Span, list[Link]] = {}
    for link in links:
        by_drug.setdefault(link.drug, []).append(link)
    placed = {link.attribute for link in links}
    found = statuses(document.text, drugs, document.spans)
    medications = []
    for drug, status in zip(drugs, found, strict=True):
        mine = sorted(by_drug.get(drug, []), key=lambda k: (k.attribute.start, k.attribute.end))
        groups: dict[str, list[Span]] = {}
        for link in mine:
            groups.setdefault(link.attribute.label, []).append(link.attribute)
        attributes = {label: tuple(groups[label]) for label in ATTRIBUTES if label in groups}
        medications.append(Medication(drug, attributes, tuple(mine), status, normalise(drug.text)))
    loose = sorted((s for s in document.spans if s.label != DRUG and s not in placed), key=lambda s: s.start)
    return MedicationList(tuple(medications), tuple(loose), grouped_by)
