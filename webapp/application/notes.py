"""What a page does with one note's spans, without a page: its medication list, its downloads, the
gold editor's helpers, and a corpus as one BRAT zip (``corpus_zip``) (:mod:`engine.notes` does the work)."""

from __future__ import annotations

from dataclasses import dataclass

from engine.notes.editing import phrase_matches, summarise_times, take_version
from engine.notes.export import corpus_zip, safe_name, to_brat_zip, to_csv, to_json
from engine.notes.medications import MedicationList, medication_list
from engine.types import Document

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


def medications(document: Document) -> MedicationList:
    """The note's medication list (:func:`engine.notes.medications.medication_list`)."""
    return medication_list(document)


def downloads(document: Document, *, name: str, model: str) -> list[Download]:
    """The note's spans as JSON (with its medication list), CSV (one row a medication) and a BRAT
    zip, named ``NAME-MODEL`` with both parts made safe for a file name."""
    stem = f"{safe_name(name)}-{safe_name(model)}"
    return [
        Download("JSON", to_json(document, model=model), f"{stem}.json", "application/json"),
        Download("CSV", to_csv(document), f"{stem}.csv", "text/csv"),
        Download("BRAT (.zip)", to_brat_zip(document), f"{stem}.zip", "application/zip"),
    ]
