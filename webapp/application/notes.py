"""What a page does with one note's spans, without a page: its medication list, its downloads, the
gold editor's helpers, and a corpus as one BRAT zip (``corpus_zip``) (:mod:`engine.notes` does the work)."""

from __future__ import annotations

from dataclasses import dataclass

from engine.notes.editing import phrase_matches, summarise_times, take_version
from engine.notes.export import corpus_zip, safe_name, to_brat_zip, to_csv, to_json
from engine.notes.fhir import to_fhir_json
from engine.notes.linking import load_linker
from engine.notes.medications import MedicationList, medication_list
from engine.types import Document, ModelInfo

__all__ = [
    "Download",
    "corpus_zip",
    "downloads",
    "medications",
    "phrase_matches",
    "safe_name",
    "summarise_times",
    "take_version",
]


@dataclass(frozen=True)
class Download:
    """One file a page offers: the button's label, the bytes or text, the file's name and type."""

    label: str
    data: bytes | str
    file_name: str
    mime: str


def medications(document: Document, model: ModelInfo | None = None) -> MedicationList:
    """The note's medication list (:func:`engine.notes.medications.medication_list`), its
    attributes linked by ``model``'s own linker where its folder has one, else the product's."""
    return medication_list(document, linker=load_linker(model.folder if model else None))


def downloads(
    document: Document, *, name: str, model: ModelInfo | str, listed: MedicationList | None = None
) -> list[Download]:
    """The note's spans as JSON (with its medication list), CSV (one row a medication), a BRAT zip
    and a FHIR R4 Bundle, named ``NAME-MODEL`` with both parts made safe for a file name. All four
    are made from one medication list: ``listed`` (the one the page shows), else the list
    :func:`medications` makes."""
    label = model.name if isinstance(model, ModelInfo) else model
    if listed is None:
        listed = medications(document, model if isinstance(model, ModelInfo) else None)
    stem = f"{safe_name(name)}-{safe_name(label)}"
    return [
        Download("JSON", to_json(document, model=label, medications=listed), f"{stem}.json", "application/json"),
        Download("CSV", to_csv(document, medications=listed), f"{stem}.csv", "text/csv"),
        Download("BRAT (.zip)", to_brat_zip(document, medications=listed), f"{stem}.zip", "application/zip"),
        Download(
            "FHIR R4 (.json)", to_fhir_json(document, medications=listed), f"{stem}.fhir.json", "application/fhir+json"
        ),
    ]
