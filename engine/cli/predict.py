"""``predict``: annotate notes with a model; with ``--output``, sharded and resumable."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from engine.cli.options import add_anchor_option, add_device_option, positive


def _read_notes(paths: Sequence[Path]) -> list[tuple[str, str]]:
    from engine.inference.sharding import read_notes

    if not paths:
        return [("stdin", sys.stdin.read())]
    return read_notes(paths)


def run(args: argparse.Namespace) -> int:
    from engine.data.brat import write_document
    from engine.inference.sharding import Distributed

    place = Distributed.from_environment()
    if args.output is None and place.world > 1:
        raise SystemExit("error: under torchrun, give --output FILE.jsonl (the processes write shards and merge them)")
    if args.output is not None and not args.files:
        raise SystemExit("error: --output needs notes: .txt files, folders or a .jsonl file")
    from engine.inference.pipeline import load_pipeline  # torch: seconds to import, so after the checks that need none

    pipeline = load_pipeline(args.model, device=args.device, precision=args.precision, anchor=args.anchor)
    notes = _read_notes(args.files)
    if args.output is not None:
        return _predict_sharded(args, pipeline, notes, place)
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
    from engine.notes.medications import medication_list

    index = {span.ref: i for i, span in enumerate(document.spans)}
    relations = [
        {"kind": r.kind, "attribute": index[r.arg1], "drug": index[r.arg2], "probability": r.confidence}
        for r in document.relations
        if r.arg1 in index and r.arg2 in index
    ]
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
    return {"relations": relations, "medications": medications}


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


def _predict_sharded(args: argparse.Namespace, pipeline, notes: list[tuple[str, str]], place) -> int:
    """``predict --output FILE.jsonl``: shards across the torchrun processes, resumable
    (engine/inference/sharding.py)."""
    from tqdm import tqdm

    from engine.inference.sharding import predict_sharded

    bar = None
    if place.rank == 0:
        bar = tqdm(total=(len(notes) + args.shard_size - 1) // args.shard_size, desc="shards", unit="shard")

    def progress(done: int, total: int) -> None:
        bar.update(done - bar.n)

    began = time.perf_counter()
    run = predict_sharded(
        pipeline.predict,
        notes,
        args.output,
        model_fingerprint=pipeline.tagger.fingerprint,
        precision=pipeline.precision,
        anchor=args.anchor,
        shard_size=args.shard_size,
        place=place,
        on_shard=progress,
    )
    seconds = time.perf_counter() - began
    if bar is not None:
        bar.update(run.shards - bar.n)
        bar.close()
        print(
            f"{len(notes)} notes in {run.shards} shards over {place.world} process(es): this process wrote "
            f"{run.written} and skipped {run.skipped} already written; {run.notes_annotated / seconds:.1f} notes/s "
            f"here; merged in input order into {run.merged}",
            file=sys.stderr,
        )
    return 0


def register(commands) -> None:
    predict = commands.add_parser(
        "predict",
        help="annotate notes (files, folders, a .jsonl file, or stdin) with a model; with --output, sharded and "
        "resumable, also under torchrun --nnodes N --nproc_per_node M",
    )
    predict.add_argument("--model", type=Path, required=True)
    predict.add_argument(
        "files",
        type=Path,
        nargs="*",
        help='.txt files, folders of them, or .jsonl files of {"id", "text"} lines; stdin when none',
    )
    predict.add_argument(
        "--output",
        type=Path,
        help="write the spans as JSON lines in input order to this file, through resumable shards beside it "
        "(FILE.shards/); the processes of a torchrun share the work",
    )
    predict.add_argument("--shard-size", type=positive, default=32, help="notes per shard (default 32)")
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
