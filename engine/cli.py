"""``python -m engine ...``: corpus generation and statistics, evaluation."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from engine.data.brat import BratFormatError, NoteEncodingError, read_folder


def _corpus_generate(args: argparse.Namespace) -> int:
    from engine.data.generate import generate_corpus

    sizes = generate_corpus(args.out, seed=args.seed, sizes={"train": args.train, "dev": args.dev, "test": args.test})
    print(f"wrote {sum(sizes.values())} notes to {args.out} ({', '.join(f'{k} {v}' for k, v in sizes.items())})")
    return 0


def _corpus_stats(args: argparse.Namespace) -> int:
    from engine.data.corpus import corpus_stats, load_corpus, stats_table

    corpus = load_corpus(args.data)
    stats = corpus_stats(corpus)
    for problem in corpus.problems:
        print(f"warning: {problem}", file=sys.stderr)
    if args.json:
        print(json.dumps({split: s.as_dict() for split, s in stats.items()}, indent=2))
    else:
        print(stats_table(stats), end="")
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    from engine.evaluation import evaluate, format_report

    gold, gold_problems = read_folder(args.gold)
    predicted, predicted_problems = read_folder(args.pred)
    for problem in gold_problems + predicted_problems:
        print(f"warning: {problem}", file=sys.stderr)
    if not gold:
        raise SystemExit(f"error: {args.gold} holds no .txt notes")
    report = evaluate(gold, predicted)
    for document_id in report.missing_predictions:
        print(f"warning: no prediction for {document_id}; scored as predicting nothing", file=sys.stderr)
    if args.json:
        print(json.dumps(report.as_dict(), indent=2))
    else:
        print(format_report(report), end="")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m engine", description="MedNER Studio engine")
    commands = parser.add_subparsers(dest="command", required=True)

    corpus = commands.add_parser("corpus", help="generate the demo corpus or describe a corpus")
    corpus_commands = corpus.add_subparsers(dest="corpus_command", required=True)
    generate = corpus_commands.add_parser("generate", help="write the seeded demo corpus as BRAT")
    generate.add_argument("--out", type=Path, required=True, help="folder to write train/, dev/, test/ into")
    generate.add_argument("--seed", type=int, default=13)
    generate.add_argument("--train", type=int, default=150, help="number of training notes")
    generate.add_argument("--dev", type=int, default=30, help="number of development notes")
    generate.add_argument("--test", type=int, default=50, help="number of test notes")
    generate.set_defaults(run=_corpus_generate)
    stats = corpus_commands.add_parser("stats", help="label counts, sentences and alignment problems per split")
    stats.add_argument("data", type=Path, help="corpus folder (train/ dev/ test/) or one BRAT folder")
    stats.add_argument("--json", action="store_true")
    stats.set_defaults(run=_corpus_stats)

    evaluate = commands.add_parser("evaluate", help="score a BRAT folder of predictions against gold")
    evaluate.add_argument("--gold", type=Path, required=True)
    evaluate.add_argument("--pred", type=Path, required=True)
    evaluate.add_argument("--json", action="store_true", help="print one JSON object")
    evaluate.set_defaults(run=_evaluate)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except (BratFormatError, NoteEncodingError, FileNotFoundError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
