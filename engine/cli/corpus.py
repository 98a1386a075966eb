"""``corpus generate | stats | open``: the demo corpus, a corpus's statistics, the open corpora as BRAT."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def run_generate(args: argparse.Namespace) -> int:
    from engine.synth.generate import generate_corpus

    sizes = generate_corpus(args.out, seed=args.seed, sizes={"train": args.train, "dev": args.dev, "test": args.test})
    print(f"wrote {sum(sizes.values())} notes to {args.out} ({', '.join(f'{k} {v}' for k, v in sizes.items())})")
    return 0


def run_stats(args: argparse.Namespace) -> int:
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


def run_open(args: argparse.Namespace) -> int:
    from engine.data.corpus import write_corpus
    from engine.data.open import OPEN_CORPORA, open_corpus

    for name in args.names or OPEN_CORPORA:
        source = open_corpus(name)
        corpus = source.load()
        annotates = corpus.coverage.as_dict()["annotates"]
        manifest = {"name": name, "text": source.text, "licence": source.licence, "annotates": annotates}
        write_corpus(corpus, args.out / name, manifest=manifest)
        counts = ", ".join(f"{split} {len(docs)}" for split, docs in corpus.splits.items())
        print(f"{name}: wrote {counts} documents to {args.out / name} ({len(corpus.problems)} problems)")
        for problem in corpus.problems if args.verbose else corpus.problems[-1:]:
            print(f"  {problem}", file=sys.stderr)
    return 0


def register(commands) -> None:
    corpus = commands.add_parser("corpus", help="generate the demo corpus or describe a corpus")
    corpus_commands = corpus.add_subparsers(dest="corpus_command", required=True)
    generate = corpus_commands.add_parser("generate", help="write the seeded demo corpus as BRAT")
    generate.add_argument("--out", type=Path, required=True, help="folder to write train/, dev/, test/ into")
    generate.add_argument("--seed", type=int, default=13)
    generate.add_argument("--train", type=int, default=150, help="number of training notes")
    generate.add_argument("--dev", type=int, default=30, help="number of development notes")
    generate.add_argument("--test", type=int, default=50, help="number of test notes")
    generate.set_defaults(run=run_generate)
    stats = corpus_commands.add_parser("stats", help="label counts, sentences and alignment problems per split")
    stats.add_argument("data", type=Path, help="corpus folder (train/ dev/ test/) or one BRAT folder")
    stats.add_argument("--json", action="store_true")
    stats.set_defaults(run=run_stats)

    open_corpora = corpus_commands.add_parser(
        "open", help="write the vendored open corpora (Chia, NeuroTrialNER, BC5CDR, TAC 2017 ADR) as BRAT"
    )
    open_corpora.add_argument("names", nargs="*", help="which corpora (default: all)")
    open_corpora.add_argument("--out", type=Path, required=True, help="folder to write one corpus folder per name into")
    open_corpora.add_argument("--verbose", action="store_true", help="print every problem the readers found")
    open_corpora.set_defaults(run=run_open)
