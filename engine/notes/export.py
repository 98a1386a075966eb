"""An annotated note as a download: JSON (spans and medication list), CSV (one row a medication),
BRAT (a zip holding ``NAME.txt`` and ``NAME.ann``) and FHIR R4 (:mod:`engine.notes.fhir`).

Each medication carries its status and its normalised name and identifiers in every format
(BRAT as annotator notes, ``#`` lines, so that BRAT readers keep them apart from the spans).
Each function takes the note's medication list when the caller already has it (``medications``),
else makes it (:func:`engine.notes.medications.medication_list`)."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile

from engine.data.brat import format_ann
from engine.notes.linking import with_relations
from engine.notes.medications import ATTRIBUTES, MedicationList, medication_list
from engine.types import Document, Span

_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def safe_name(name: str, *, default: str = "note") -> str:
    """A file name made from ``name`` (an upload's name, a title) that cannot leave its folder."""
    cleaned = _UNSAFE_NAME.sub("_", name).strip("._")
    return cleaned[:80] or default


def _span(span: Span) -> dict[str, object]:
    data: dict[str, object] = {"start": span.start, "end": span.end, "label": span.label, "text": span.text}
    if span.confidence is not None:
        data["confidence"] = span.confidence
    return data


def to_json(document: Document, *, model: str = "", medications: MedicationList | None = None) -> str:
    """The note's spans and its medication list, as one JSON object (the note text included)."""
    medications = medication_list(document) if medications is None else medications
    data = {
        "document": document.id,
        "model": model,
        "text": document.text,
        "spans": [_span(span) for span in sorted(document.spans)],
        "medications": [
            {
                "drug": _span(m.drug),
                "status": m.status.status,
                "status_cue": m.status.cue,
                "normalised": m.name.as_dict() if m.name else None,
                **{label.lower(): [_span(s) for s in m.attributes.get(label, ())] for label in ATTRIBUTES},
                "links": [
                    {"attribute": _span(k.attribute), "method": k.method, "probability": k.probability} for k in m.links
                ],
            }
            for m in medications.medications
        ],
        "unattached": [_span(span) for span in medications.unattached],
        "grouped_by": medications.grouped_by,
    }
    return json.dumps(data, indent=2, ensure_ascii=False)


def to_csv(document: Document, *, medications: MedicationList | None = None) -> str:
    """One row a medication: drug, its offsets, generic name and identifiers, status and the cue
    that decided it, each attribute's texts joined with ``; ``, how they were linked (with the
    lowest link probability), and the model's probability of the drug and the lowest of its
    spans' (empty for gold)."""
    buffer = io.StringIO()
    columns = [
        "drug",
        "start",
        "end",
        "generic",
        "identifiers",
        "status",
        "status cue",
        *(label.lower() for label in ATTRIBUTES),
        "linked by",
        "link probability",
        "confidence",
        "lowest confidence",
    ]
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n", restval="")
    writer.writeheader()
    for row in (medication_list(document) if medications is None else medications).rows():
        writer.writerow({key: _defuse(value) for key, value in row.items()})
    return buffer.getvalue()


def _defuse(value: object) -> object:
    """Spreadsheet programs run cells that start with = + - @ as formulas; note text must stay text."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def to_brat_zip(document: Document, *, medications: MedicationList | None = None) -> bytes:
    """A zip with ``NAME.txt`` (the note, unchanged) and ``NAME.ann``: its spans, its relations
    (the linker's, when the note has none of its own) and, for each Drug, an annotator note with
    its status and normalised name (``#1<TAB>AnnotatorNotes T1<TAB>status=stopped; generic=...``)."""
    medications = medication_list(document) if medications is None else medications
    linked = (
        document
        if document.relations
        else with_relations(document, [k for m in medications.medications for k in m.links])
    )
    ref_of = {(s.start, s.end, s.label): s.ref for s in linked.spans}
    notes = []
    for number, medication in enumerate(medications.medications, start=1):
        drug = medication.drug
        facts = [f"status={medication.status.status}"]
        if medication.name is not None:
            facts.append(f"generic={medication.name.generic}")
            facts += [f"{system}={code}" for system, code in medication.name.identifiers().items()]
        ref = ref_of[(drug.start, drug.end, drug.label)]
        notes.append(f"#{number}\tAnnotatorNotes {ref}\t{'; '.join(facts)}\n")
    name = safe_name(document.id)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{name}.txt", document.text.encode("utf-8"))
        archive.writestr(f"{name}.ann", (format_ann(linked) + "".join(notes)).encode("utf-8"))
    return buffer.getvalue()


def corpus_zip(documents: list[Document], *, split_of: dict[str, str] | None = None) -> bytes:
    """Many documents as one BRAT zip, each under its split's folder when ``split_of`` names one."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for document in documents:
            name = safe_name(document.id)
            folder = f"{split_of[document.id]}/" if split_of and document.id in split_of else ""
            archive.writestr(f"{folder}{name}.txt", document.text.encode("utf-8"))
            archive.writestr(f"{folder}{name}.ann", format_ann(document).encode("utf-8"))
    return buffer.getvalue()
