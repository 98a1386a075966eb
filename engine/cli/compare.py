"""``compare``: two models on the same notes, with intervals and paired tests."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from engine.cli.options import add_anchor_option, add_device_option, add_interval_options
from engine.data.brat import read_folder


def run(args: argparse.Namespace) -> int:
    """Two models on the same notes: is B better than A, beyond chance?"""
    from engine.data.corpus import coverage_of
    from engine.inference.pipeline import load_pipeline
    from engine.research.experiments import evaluate_model
    from engine.scores.intervals import compare_tables, format_comparison

    documents, problems = read_folder(args.data)
    for problem in problems:
        print(f"warning: {problem}", file=sys.stderr)
    if not documents:
        raise SystemExit(f"error: {args.data} holds no .txt notes")
    coverage = coverage_of(args.data)
    tables = []
    for folder, linker in ((args.a, args.a_linker), (args.b, args.b_linker)):
        pipeline = load_pipeline(folder, device=args.device, precision=args.precision, anchor=args.anchor)
        pipeline.linker = chosen_linker(linker, folder)
        score = evaluate_model(pipeline, documents, model=str(folder), coverage=coverage)
        tables.append(score.report.tables)
    result = compare_tables(*tables, resamples=args.resamples, seed=args.seed)
    if args.json:
        print(json.dumps({"a": str(args.a), "b": str(args.b), "data": str(args.data), **result}, indent=2))
    else:
        print(format_comparison(result, str(args.a), str(args.b)), end="")
    return 0


def chosen_linker(choice: str, folder: Path):
    """``--a-linker`` / ``--b-linker``: ``model`` (the folder's own linker, else the product's),
    ``nearest`` (the nearest-drug rule) or the path of a ``linker.json``."""
    from engine.notes.linking import LearnedLinker, NearestDrug, load_linker

    if choice == "model":
        return load_linker(folder)
    if choice == "nearest":
        return NearestDrug()
    try:
        return LearnedLinker.load(choice)
    except ValueError as error:
        raise SystemExit(f"error: {error}") from error


def register(commands) -> None:
    compare = commands.add_parser(
        "compare", help="two models on the same notes: differences, intervals and p-values (paired)"
    )
    compare.add_argument("--a", type=Path, required=True, help="model folder A")
    compare.add_argument("--b", type=Path, required=True, help="model folder B")
    compare.add_argument("--data", type=Path, required=True, help="a BRAT folder of gold notes (e.g. data/demo/test)")
    compare.add_argument("--json", action="store_true", help="print one JSON object")
    for side in ("a", "b"):
        compare.add_argument(
            f"--{side}-linker",
            default="model",
            metavar="LINKER",
            help=f"what attaches attributes to Drugs for {side.upper()}: 'model' (the folder's linker.json, else the "
            "product's learned linker; default), 'nearest' (the nearest-drug rule) or a linker.json path",
        )
    add_anchor_option(compare)
    add_interval_options(compare)
    add_device_option(compare)
    compare.set_defaults(run=run)
