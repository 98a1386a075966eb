"""``train-linker``: fit the drug-attribute linker to a corpus's relations and score it against
the nearest-drug rule, given the gold entities."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def run(args: argparse.Namespace) -> int:
    from engine.data.corpus import load_corpus
    from engine.notes.linking import train_linker
    from engine.research.experiments import relation_linkers
    from engine.scores.report import evaluate

    corpus = load_corpus(args.data)
    for problem in corpus.problems:
        print(f"warning: {problem}", file=sys.stderr)
    train = corpus.splits.get("train") or []
    linker = train_linker(train, regularisation=args.regularisation, source=f"{args.data}/train")
    linker.save(args.output)
    print(f"wrote {args.output}: {json.dumps(linker.trained_on)}", file=sys.stderr)
    results = {"linker": str(args.output), "trained_on": linker.trained_on}
    for split in ("dev", "test"):
        documents = corpus.splits.get(split) or []
        if not any(d.relations for d in documents):
            continue
        report = evaluate(documents, documents, linkers=relation_linkers(linker), resamples=args.resamples)
        relations = report.relations() or {}
        results[split] = relations
        for name in ("linker", "nearest_drug"):
            figures = relations[name]["given_gold_entities"]
            print(
                f"{split}: {name:<13} P {figures['micro_precision']:.4f}  R {figures['micro_recall']:.4f}  "
                f"F1 {figures['micro_f1']:.4f}  ({figures['relations']} gold relations, given gold entities)",
                file=sys.stderr,
            )
        test = relations["linker_against_rule"]["given_gold_entities"]["micro_f1"]
        print(f"{split}: linker - rule {test['difference']:+.4f}, p = {test['p_value']:.4f}", file=sys.stderr)
    if args.json:
        print(json.dumps(results, indent=2))
    return 0


def register(commands) -> None:
    linker = commands.add_parser(
        "train-linker",
        help="fit the drug-attribute linker to a corpus's relations (BRAT R lines) and score it against the rule",
    )
    linker.add_argument("--data", type=Path, required=True, help="a BRAT corpus with train/ (and dev/, test/) folders")
    linker.add_argument(
        "--output",
        type=Path,
        required=True,
        help="where to write it: a model folder's linker.json (used with that model), or engine/notes/linker.json",
    )
    linker.add_argument("--regularisation", type=float, default=1.0, help="inverse L2 strength (default 1.0)")
    linker.add_argument("--resamples", type=int, default=None, help="bootstrap resamples of the scores")
    linker.add_argument("--json", action="store_true", help="print the scores as one JSON object")
    linker.set_defaults(run=run)
