"""``real-text``: each real-text recipe trained on the demo corpus and scored on the open corpora."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from engine.cli.options import add_device_option, log_epoch


def run(args: argparse.Namespace) -> int:
    from engine.research.real_text import run_real_text

    run_real_text(
        args.data,
        args.real,
        args.out,
        names=args.recipes,
        seed=args.seed,
        on_line=lambda line: print(line, file=sys.stderr, flush=True),
        on_progress=lambda p: log_epoch("", p),
        device=args.device,
        precision=args.precision,
    )
    print((Path(args.out) / "results.md").read_text(encoding="utf-8"))
    return 0


def register(commands) -> None:
    real_text = commands.add_parser(
        "real-text", help="train each real-text recipe on the demo corpus and score it on the open real corpora"
    )
    real_text.add_argument("--data", type=Path, default=Path("data/demo"), help="the generated demo corpus")
    real_text.add_argument(
        "--real", type=Path, default=Path("data/real"), help="the open corpora (python -m engine corpus open)"
    )
    real_text.add_argument("--out", type=Path, default=Path("runs/real-text"))
    real_text.add_argument(
        "--recipes", nargs="+", help="which recipes (default: all; see engine/research/real_text.py)"
    )
    real_text.add_argument("--seed", type=int, default=13)
    add_device_option(real_text)
    real_text.set_defaults(run=run)
