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
    for folder in (args.a, args.b):
        pipeline = load_pipeline(folder, device=args.device, precision=args.precision, anchor=args.anchor)
        score = evaluate_model(pipeline, documents, model=str(folder), coverage=coverage)
        tables.append(score.report.tables)
    result = compare_tables(*tables, resamples=args.resamples, seed=args.seed)
    if args.json:
        print(json.dumps({"a": str(args.a), "b": str(args.b), "data": str(args.data), **result}, indent=2))
    else:
        print(format_comparison(result, str(args.a), str(args.b)), end="")
    return 0


def register(commands) -> None:
    compare = commands.add_parser(
        "compare", help="two models on the same notes: differences, intervals and p-values (paired)"
    )
    compare.add_argument("--a", type=Path, required=True, help="model folder A")
    compare.add_argument("--b", type=Path, required=True, help="model folder B")
    compare.add_argument("--data", type=Path, required=True, help="a BRAT folder of gold notes (e.g. data/demo/test)")
    compare.add_argument("--json", action="store_true", help="print one JSON object")
    add_anchor_option(compare)
    add_interval_options(compare)
    add_device_option(compare)
    compare.set_defaults(run=run)
