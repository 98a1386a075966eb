"""``evaluate``: predictions against gold (``--gold --pred``), or a model over folders (``--model --data``)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from engine.cli.options import add_anchor_option, add_device_option, add_interval_options
from engine.data.brat import read_folder
from engine.models.base import ANCHOR_SENTENCES


def run(args: argparse.Namespace) -> int:
    from engine.data.corpus import coverage_of
    from engine.scores.report import evaluate, format_report

    if args.model is not None:
        return _evaluate_model(args)
    if args.gold is None or args.pred is None:
        raise SystemExit("error: give --gold DIR --pred DIR, or --model DIR --data DIR")
    gold, gold_problems = read_folder(args.gold)
    predicted, predicted_problems = read_folder(args.pred)
    for problem in gold_problems + predicted_problems:
        print(f"warning: {problem}", file=sys.stderr)
    if not gold:
        raise SystemExit(f"error: {args.gold} holds no .txt notes")
    report = evaluate(gold, predicted, coverage=coverage_of(args.gold), resamples=args.resamples, seed=args.seed)
    for document_id in report.missing_predictions:
        print(f"warning: no prediction for {document_id}; scored as predicting nothing", file=sys.stderr)
    if args.json:
        print(json.dumps(report.as_dict(), indent=2))
    else:
        print(format_report(report), end="")
    return 0


def _evaluate_model(args: argparse.Namespace) -> int:
    from engine.data.corpus import coverage_of
    from engine.inference.pipeline import load_pipeline
    from engine.research.experiments import evaluate_model, write_json_atomically
    from engine.scores.report import format_report

    if args.data is None:
        raise SystemExit("error: --model needs --data DIR (a BRAT folder, e.g. data/demo/test)")
    if len(args.data) > 1:
        return _evaluate_model_on_folders(args)
    args.data = args.data[0]
    documents, problems = read_folder(args.data)
    for problem in problems:
        print(f"warning: {problem}", file=sys.stderr)
    if not documents:
        raise SystemExit(f"error: {args.data} holds no .txt notes")
    pipeline = load_pipeline(args.model, device=args.device, precision=args.precision, anchor=args.anchor)
    coverage = coverage_of(args.data)
    score = evaluate_model(
        pipeline, documents, model=str(args.model), coverage=coverage, resamples=args.resamples, seed=args.seed
    )
    if args.anchor == ANCHOR_SENTENCES:  # metrics.json holds what the model scores as the app runs it
        write_json_atomically(Path(args.model) / "metrics.json", {"data": str(args.data), **score.as_dict()})
    if args.json:
        print(json.dumps(score.as_dict(), indent=2))
    else:
        print(f"model {args.model}: {score.parameters:,} parameters, {score.seconds_per_note * 1000:.0f} ms per note")
        print(format_report(score.report), end="")
        for subset, row in score.drug_subsets.items():
            print(
                f"Drug, {subset.replace('_', ' ')}: precision {row['precision']:.3f} recall {row['recall']:.3f} "
                f"F1 {row['f1']:.3f} support {row['support']}"
            )
    return 0


def _evaluate_model_on_folders(args: argparse.Namespace) -> int:
    """One model on several test sets (the demo split beside the real corpora): one row each,
    or with --json one object keyed by folder, each the single-folder --json object."""
    from engine.data.corpus import coverage_of
    from engine.inference.pipeline import load_pipeline
    from engine.research.experiments import evaluate_model

    pipeline = load_pipeline(args.model, device=args.device, precision=args.precision, anchor=args.anchor)
    results: dict[str, dict] = {}
    for folder in args.data:
        documents, problems = read_folder(folder)
        for problem in problems:
            print(f"warning: {problem}", file=sys.stderr)
        if not documents:
            raise SystemExit(f"error: {folder} holds no .txt notes")
        score = evaluate_model(
            pipeline,
            documents,
            model=str(args.model),
            coverage=coverage_of(folder),
            resamples=args.resamples,
            seed=args.seed,
        )
        results[str(folder)] = {"data": str(folder), **score.as_dict()}
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    print(f"model {args.model}: strict span scores, on the labels each folder's corpus annotates")
    print(f"{'data':<40} {'docs':>5} {'micro F1':>9} {'macro F1':>9} {'Drug P/R/F1':>17} {'Drug F1 not in dict':>20}")
    for folder, data in results.items():
        drug = data["per_label"].get("Drug")
        drug_text = f"{drug['precision']:.2f}/{drug['recall']:.2f}/{drug['f1']:.2f}" if drug else "-"
        absent = data["drug_subsets"].get("absent_from_dictionary", {})
        absent_text = f"{absent['f1']:.2f} ({absent['support']})" if absent.get("support") else "-"
        print(
            f"{folder:<40} {data['documents']:>5} {data['micro_f1']:>9.3f} {data['macro_f1']:>9.3f} "
            f"{drug_text:>17} {absent_text:>20}"
        )
    return 0


def register(commands) -> None:
    evaluate = commands.add_parser(
        "evaluate", help="score predictions against gold: --gold DIR --pred DIR, or --model DIR --data DIR"
    )
    evaluate.add_argument("--gold", type=Path, help="BRAT folder of gold annotations")
    evaluate.add_argument("--pred", type=Path, help="BRAT folder of predictions for the same notes")
    evaluate.add_argument("--model", type=Path, help="a trained model folder to run over --data")
    evaluate.add_argument(
        "--data",
        type=Path,
        nargs="+",
        help="BRAT folder(s) to annotate and score (with --model); several give one row each, e.g. "
        "data/demo/test data/real/chia/test data/real/neurotrialner/test data/real/bc5cdr/test",
    )
    evaluate.add_argument("--json", action="store_true", help="print one JSON object")
    add_anchor_option(evaluate)
    add_interval_options(evaluate)
    add_device_option(evaluate)
    evaluate.set_defaults(run=run)
