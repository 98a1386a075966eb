"""``train``: one model on DATA/train with early stopping on DATA/dev."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from engine.cli.options import ProgressBar, add_device_option, add_training_options, training_options
from engine.data.gazetteer import LEXICONS
from engine.models.kinds import KINDS


def run(args: argparse.Namespace) -> int:
    from engine.training.loop import train
    from engine.training.settings import recipe

    result = train(
        recipe(args.kind, training_options(args)),
        args.data,
        args.out,
        on_progress=ProgressBar(),
        device=args.device,
        precision=args.precision,
        on_line=lambda line: print(line, file=sys.stderr, flush=True),
    )
    if int(os.environ.get("RANK", "0")) == 0:
        summary = {
            "model": str(result.folder),
            "kind": args.kind,
            "params": result.parameters,
            "best_epoch": result.best_epoch,
            "best_dev_macro_f1": result.best_dev_macro_f1,
            "epochs_run": result.epochs_run,
            "seconds": round(result.seconds, 1),
            "sambd": result.sampling,
        }
        print(json.dumps(summary, indent=2))
    return 0


def register(commands) -> None:
    training = commands.add_parser("train", help="train a model on DATA/train with early stopping on DATA/dev")
    training.add_argument("--kind", required=True, choices=list(KINDS))
    training.add_argument("--encoder", help="Hugging Face checkpoint name or folder (default: the bundled MiniLM)")
    training.add_argument("--tokenizer", help="scratch kinds: a Hugging Face tokenizer instead of a trained WordPiece")
    training.add_argument("--data", type=Path, required=True, help="corpus folder with train/ (and dev/)")
    training.add_argument("--out", type=Path, required=True, help="model folder to write")
    training.add_argument("--sambd", action="store_true", help="train on the SamBD down-sampled sentences")
    training.add_argument("--train-fraction", type=float, default=1.0, help="share of training notes to use")
    training.add_argument(
        "--open-corpora",
        metavar="NAMES",
        help="also train on real sentences of these open corpora, partially labelled: comma-separated "
        "(chia, neurotrialner, bc5cdr, tac2017-adr) or 'all'",
    )
    training.add_argument("--open-sentences", type=int, help="at most this many sentences of each (default 500)")
    training.add_argument(
        "--note-sentences",
        type=int,
        help="also train on this many sentences of clinician-written notes, weakly labelled (default 0)",
    )
    training.add_argument(
        "--gazetteer", action="store_true", help="feed each word's drug-dictionary match tag to the tagger"
    )
    training.add_argument(
        "--lexicon",
        choices=tuple(LEXICONS),
        help="the names the gazetteer feature reads: the drug dictionary (default), or 'medicines': it, UK "
        "names (BNF, dm+d) and drug classes (MeSH, BNF), classes marked apart",
    )
    add_training_options(training, epochs=None)
    add_device_option(training)
    training.set_defaults(run=run)
