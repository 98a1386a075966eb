"""What several commands share: the options they take, their checks, and progress lines."""

from __future__ import annotations

import argparse
import sys

from engine.models.base import ANCHOR_SENTENCES
from engine.types import RESOLVED_PRECISIONS

#: ``engine.devices.PRECISIONS``, built here too: that module imports torch, which the parser must not wait for.
PRECISION_CHOICES = ("auto", *RESOLVED_PRECISIONS)


def whole_number(value: str, minimum: int, expected: str) -> int:
    """``value`` as a whole number of at least ``minimum``; anything else is a usage error."""
    try:
        number = int(value)
    except ValueError:
        number = minimum - 1
    if number < minimum:
        raise argparse.ArgumentTypeError(f"expected {expected}, not {value!r}")
    return number


def anchor_window(value: str) -> int | None:
    if value.lower() == "none":
        return None
    return whole_number(value, 0, "a number of sentences (0, 1, 2, ...) or 'none'")


def add_anchor_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--anchor",
        type=anchor_window,
        default=ANCHOR_SENTENCES,
        metavar="N|none",
        help=f"keep attributes only within N sentences of a Drug (default {ANCHOR_SENTENCES}; none keeps all)",
    )


def add_device_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--device",
        metavar="auto|cpu|cuda[:N]|mps",
        help="where the model runs (default: $MEDNER_DEVICE, else auto: a GPU when torch sees one; "
        "under torchrun each process takes the GPU of its LOCAL_RANK)",
    )
    parser.add_argument(
        "--precision",
        choices=PRECISION_CHOICES,
        help="arithmetic the model runs in (default: $MEDNER_PRECISION, else auto: fp32 on a CPU, "
        "bf16 autocast on a GPU that has it, fp16 on older GPUs); see the README's 'Precision'",
    )


def positive(value: str) -> int:
    return whole_number(value, 1, "a whole number above 0")


def add_interval_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--resamples",
        type=positive,
        help="bootstrap resamples and permutations (default 1000, or MEDNER_RESAMPLES)",
    )
    parser.add_argument("--seed", type=int, default=13, help="seed of the resampling")


def add_training_options(parser: argparse.ArgumentParser, *, epochs: int | None) -> None:
    parser.add_argument("--epochs", type=int, default=epochs, help="at most this many epochs (early stopping on dev)")
    parser.add_argument(
        "--lr",
        type=float,
        default=None,
        help="learning rate (default: 1e-4 scratch, 5e-5 encoders; experiment: encoders)",
    )
    parser.add_argument("--batch-size", type=int, default=12, help="sentences per batch")
    parser.add_argument("--patience", type=int, default=2, help="epochs without dev improvement before stopping")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--sambd-keep", type=float, default=0.08, help="SamBD: chance of keeping an all-O sentence")
    parser.add_argument("--size", default="small", help="scratch Transformer size: paper, small or tiny")


def training_options(args: argparse.Namespace) -> dict[str, object]:
    """The training options given on the command line (None: not given), for
    :func:`engine.training.settings.recipe`, which resolves them."""
    open_corpora = getattr(args, "open_corpora", None)
    return {
        "epochs": args.epochs,
        "learning_rate": getattr(args, "lr", None),
        "batch_size": args.batch_size,
        "seed": args.seed,
        "sambd": getattr(args, "sambd", None),
        "sambd_keep": args.sambd_keep,
        "train_fraction": getattr(args, "train_fraction", None),
        "patience": args.patience,
        "open_corpora": open_names(open_corpora) if open_corpora is not None else None,
        "open_sentences": getattr(args, "open_sentences", None),
        "note_sentences": getattr(args, "note_sentences", None),
        "size": args.size,
        "encoder": getattr(args, "encoder", None),
        "tokenizer": getattr(args, "tokenizer", None),
        "gazetteer": getattr(args, "gazetteer", None),
        "lexicon": getattr(args, "lexicon", None),
    }


def open_names(value: str) -> tuple[str, ...]:
    from engine.data.open import OPEN_CORPORA

    names = tuple(OPEN_CORPORA) if value == "all" else tuple(n.strip() for n in value.split(",") if n.strip())
    unknown = [n for n in names if n not in OPEN_CORPORA]
    if unknown:
        raise SystemExit(f"unknown open corpus {', '.join(unknown)}; choose from {', '.join(OPEN_CORPORA)} or all")
    return names


class ProgressBar:
    """tqdm on the command line: one bar per epoch, closed with the epoch's dev score."""

    def __init__(self) -> None:
        self.bar = None

    def __call__(self, progress) -> None:
        from tqdm import tqdm

        if progress.event == "step":
            if self.bar is None:
                self.bar = tqdm(total=progress.steps, desc=f"epoch {progress.epoch}/{progress.epochs}", unit="batch")
            self.bar.update(progress.step - self.bar.n)
            self.bar.set_postfix(loss=f"{progress.loss:.3f}")
            return
        if self.bar is None:
            self.bar = tqdm(total=progress.steps, desc=f"epoch {progress.epoch}/{progress.epochs}", unit="batch")
        dev = "-" if progress.dev_macro_f1 is None else f"{progress.dev_macro_f1:.4f}"
        self.bar.set_postfix(loss=f"{progress.loss:.3f}", dev_macro_f1=dev)
        self.bar.close()
        self.bar = None


def log_epoch(name: str, progress) -> None:
    if progress.event == "epoch":
        print(
            f"{name}: epoch {progress.epoch} loss {progress.loss:.3f} dev macro F1 {progress.dev_macro_f1:.4f}",
            file=sys.stderr,
        )
