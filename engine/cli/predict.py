"""``predict``: annotate a few notes in this process (a corpus goes through ``annotate-corpus``)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from engine.cli.options import add_anchor_option, add_device_option


def _read_notes(paths: Sequence[Path]) -> list[tuple[str, str]]:
    from engine.data.brat import NoteEncodingError
    from engine.data.notes import NotesError, read_notes

    if not paths:
        return [("stdin", sys.stdin.read())]
    try:
        return read_notes(paths)
    except (NotesError, NoteEncodingError, OSError) as error:
        raise SystemExit(f"error: {error}") from None


def run(args: argparse.Namespace) -> int:
    from engine.data.brat import write_document

    if int(os.environ.get("WORLD_SIZE", "1")) > 1:
        raise SystemExit(
            "error: predict runs in one process; to share a corpus out between processes or machines use "
            "python -m engine annotate-corpus (Ray), not torchrun"
        )
    from engine.inference.pipeline import load_pipeline  # torch: seconds to import, so after the checks that need none

    pipeline = load_pipeline(args.model, device=args.device, precision=args.precision, anchor=args.anchor)
    notes = _read_notes(args.files)
    documents = pipeline.documents(notes)
    if args.out is not None:
        for document in documents:
            write_document(document, args.out)
        print(f"wrote {len(documents)} annotated notes to {args.out}", file=sys.stderr)
    if args.json:
        print(
            json.dumps(
                [
                    {
                        "document": d.id,
                        "spans": [{"start": s.start, "end": s.end, "label": s.label, "text": s.text} for s in d.spans],
                        **_linked(d),
                    }
                    for d in documents
                ],
                indent=2,
            )
        )
    elif args.medications:
        for document in documents:
            print(format_medications(document), end="")
    elif args.out is None:
        for document in documents:
            for span in document.spans:
                print(f"{document.id}\t{span.start}\t{span.end}\t{span.label}\t{span.text}")
    return 0


def _linked(document) -> dict[str, object]:
    """``relations`` (attribute and Drug by span index, with the linker's probability) and
    ``medications`` (each Drug's status and normalised name) of one annotated note."""
    from engine.notes.linking import relation_records
    from engine.notes.medications import medication_list

    medications = [
        {
            "drug": document.spans.index(m.drug) if m.drug in document.spans else None,
            "text": m.drug.text,
            "status": m.status.status,
            "status_cue": m.status.cue,
            "normalised": m.name.as_dict() if m.name else None,
        }
        for m in medication_list(document).medications
    ]
    return {"relations": relation_records(document), "medications": medications}


def format_medications(document) -> str:
    """A note's medication list as plain text: allergies first, then one line a medication with
    its status (and the words that decided it), generic name and attributes."""
    from engine.notes.linking import ATTRIBUTES
    from engine.notes.medications import medication_list

    found = medication_list(document)
    lines = [f"== {document.id}"]
    if found.allergies:
        lines.append("allergies: " + "; ".join(_named(m) for m in found.allergies))
    for medication in found.medications:
        if medication.status.status == "allergy":
            continue
        cue = f" ({' '.join(medication.status.cue.split())})" if medication.status.cue else ""
        attributes = ", ".join(
            f"{label.lower()} {' / '.join(medication.values(label))}"
            for label in ATTRIBUTES
            if medication.values(label)
        )
        lines.append(
            f"{medication.status.status:<10}{cue:<22} {_named(medication)}" + (f": {attributes}" if attributes else "")
        )
    if found.unattached:
        lines.append("not attached: " + ", ".join(f"{s.label} '{s.text}'" for s in found.unattached))
    return "\n".join(lines) + "\n"


def _named(medication) -> str:
    name = medication.name
    ids = f" [{name.identifier_text(', ')}]" if name and name.identifiers() else ""
    if name is None or name.generic.lower() == medication.drug.text.lower():
        return f"{medication.drug.text}{ids}"
    return f"{medication.drug.text} = {name.generic}{ids}"


def register(commands) -> None:
    predict = commands.add_parser(
        "predict",
        help="annotate notes (files, folders, a .jsonl file, or stdin) with a model, in this process "
        "(a corpus: annotate-corpus)",
    )
    predict.add_argument("--model", type=Path, required=True)
    predict.add_argument(
        "files",
        type=Path,
        nargs="*",
        help='.txt files, folders of them, or .jsonl files of {"id", "text"} lines; stdin when none',
    )
    predict.add_argument("--json", action="store_true", help="print the spans as JSON")
    predict.add_argument(
        "--medications",
        action="store_true",
        help="print each note's medication list (status, generic name, attributes) instead of its spans",
    )
    predict.add_argument("--out", type=Path, help="write the annotated notes as BRAT into this folder")
    add_anchor_option(predict)
    add_device_option(predict)
    predict.set_defaults(run=run)
