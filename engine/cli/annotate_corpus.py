"""``annotate-corpus``: a corpus through the pipeline on Ray Data, resumable, errors per note."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from engine.cli.options import add_anchor_option, add_device_option, positive


def run(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from engine.inference.batch import annotate_corpus
    from engine.inference.batch_io import BatchError, count_notes

    try:
        total = count_notes(args.input)
    except (BatchError, OSError) as error:
        raise SystemExit(f"error: {error}") from None
    bars = []

    def started(written: int) -> None:  # the bar counts what is left once the run knows what is written
        left = None if total is None else max(0, total - written)
        bars.append(tqdm(total=left, desc="notes", unit="note", file=sys.stderr, disable=left == 0))

    try:
        result = annotate_corpus(
            args.model,
            args.input,
            args.output,
            workers=args.workers,
            batch_size=args.batch_size,
            device=args.device,
            precision=args.precision,
            anchor=args.anchor,
            ray_address=args.ray_address,
            gpus_per_worker=args.gpus_per_worker,
            progress=lambda count: bars[0].update(count),
            on_start=started,
        )
    except BatchError as error:
        raise SystemExit(f"error: {error}") from None
    finally:
        for bar in bars:
            bar.close()
    if result.annotated + result.failed == 0:
        print(f"{result.output}: nothing left to annotate ({result.skipped} notes already there)", file=sys.stderr)
        return 0
    rate = result.annotated / result.seconds if result.seconds else 0.0
    print(
        f"{result.output}: {result.annotated} notes annotated, {result.failed} reported as errors, "
        f"{result.skipped} already there; {result.seconds:.1f} s ({rate:.2f} notes/s; first batch after "
        f"{result.startup_seconds:.1f} s)",
        file=sys.stderr,
    )
    return 0


def register(commands) -> None:
    command = commands.add_parser(
        "annotate-corpus",
        help="annotate a corpus on Ray Data (local or a cluster): resumable, errors reported per note",
    )
    command.add_argument("--model", type=Path, required=True, help="a model folder")
    command.add_argument(
        "--input",
        type=Path,
        required=True,
        help="a folder of .txt notes, a .jsonl of {id, text}, or Parquet",
    )
    command.add_argument(
        "--output", type=Path, required=True, help="the output folder (Parquet parts); a rerun resumes"
    )
    command.add_argument("--workers", type=positive, default=1, help="Ray actors, each holding the model (default 1)")
    command.add_argument("--batch-size", type=positive, default=16, help="notes a batch (default 16)")
    command.add_argument("--ray-address", default=None, help="a Ray cluster to join (default: a local Ray)")
    command.add_argument("--gpus-per-worker", type=float, default=0.0, help="GPUs each actor asks Ray for (default 0)")
    add_anchor_option(command)
    add_device_option(command)
    command.set_defaults(run=run)
