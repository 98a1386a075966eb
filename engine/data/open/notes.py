"""Clinician-written notes, not annotated, labelled weakly (:mod:`engine.data.weak`): the 167
visit notes of ACI-Bench and the 1,503 note sections of MTS-Dialog (both CC BY 4.0), JSON lines
``{"id", "text"}`` in ``clinical-notes/``.

Every note is a ``train`` document: weak labels are for training, never for scoring. The notes
hand-annotated as the real-note development set (``clinical-notes-dev/``, read by
:func:`read_dev`) are left out of training, so that the set scores a model on notes it never saw.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from engine.data.brat import read_folder
from engine.data.corpus import Corpus
from engine.data.open.common import Reading
from engine.data.weak import ANNOTATES, weak_document

FILES = ("aci_bench_notes.jsonl.gz", "mts_dialog_section_texts.jsonl.gz")
#: The hand-annotated development notes, beside the unannotated ones.
DEV_FOLDER = "clinical-notes-dev"


def file_stem(note_id: str) -> str:
    """A note's document id and BRAT file name: "aci-bench/valid/D2N068/virtassist" ->
    "valid_D2N068_virtassist", "mts-dialog/train/3/MEDICATIONS" -> "mts-dialog_train_3_MEDICATIONS"."""
    return note_id.removeprefix("aci-bench/").replace("/", "_")


def read(root: Path) -> Corpus:
    """All notes of ``root`` but the development ones, weakly labelled, as the train split."""
    dev_folder = root.parent / DEV_FOLDER
    held_out = {path.stem for path in dev_folder.glob("*.txt")} if dev_folder.is_dir() else set()
    reading = Reading(root)
    for name in FILES:
        with gzip.open(root / name, "rt", encoding="utf-8") as handle:
            for line in handle:
                record = json.loads(line)
                stem = file_stem(record["id"])
                if stem in held_out or not record["text"].strip():
                    continue
                document, regions = weak_document(stem, record["text"])
                reading.add("train", document, regions)
    return reading.corpus(ANNOTATES, where=", ".join(FILES))


def read_dev(root: Path) -> Corpus:
    """The hand-annotated development notes (BRAT, every label annotated), as one split named
    ``test`` as :func:`engine.data.corpus.load_corpus` names a flat folder: the split that scores.
    Recipes and the app's default model are chosen on it; nothing trains on it."""
    documents, problems = read_folder(root)
    return Corpus(root, {"test": documents}, problems)
