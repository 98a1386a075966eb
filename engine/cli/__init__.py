"""``python -m engine ...``: one module per command, each with ``register`` (its parser) and
``run`` (what it does); :func:`build_parser` assembles them in the order of ``--help``.

===================  ===========================================================================
``corpus``           generate the demo corpus, describe a corpus, write the open corpora as BRAT
``evaluate``         score predictions against gold, or a model over one or several folders
``train``            train a model
``linker``           ``train-linker``: fit the drug-attribute linker to a corpus's relations
``compare``          two models on the same notes, paired
``predict``          annotate a few notes in this process
``annotate_corpus``  ``annotate-corpus``: a corpus on Ray Data, resumable, errors per note
``experiment``       the study's grid and learning curve
``real_text``        the real-text recipes
``bootstrap``        the demo models of a fresh install
``options``          what several commands share
===================  ===========================================================================

Heavy modules (torch, transformers) are imported inside ``run``, so ``--help`` and a usage
error answer at once.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from engine.cli import (
    annotate_corpus,
    bootstrap,
    compare,
    corpus,
    evaluate,
    experiment,
    linker,
    predict,
    real_text,
    train,
)
from engine.data.brat import BratFormatError, NoteEncodingError

#: The commands in the order ``--help`` lists them.
COMMANDS = (corpus, evaluate, train, linker, compare, predict, annotate_corpus, experiment, real_text, bootstrap)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m engine", description="MedNER Studio engine")
    commands = parser.add_subparsers(dest="command", required=True)
    for command in COMMANDS:
        command.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except (BratFormatError, NoteEncodingError, FileNotFoundError, ValueError, KeyError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
