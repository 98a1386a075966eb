"""``bootstrap``: the default demo models, trained where they are missing."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from engine.cli.options import ProgressBar, add_device_option


def run(args: argparse.Namespace) -> int:
    from engine.research.bootstrap import bootstrap

    lines = bootstrap(
        args.data,
        args.models,
        seed=args.seed,
        on_progress=ProgressBar(),
        device=args.device,
        precision=args.precision,
        full=args.full,
    )
    for line in lines:
        print(line, file=sys.stderr)
    return 0


def register(commands) -> None:
    boot = commands.add_parser("bootstrap", help="train the default demo models if they are missing")
    boot.add_argument("--data", type=Path, default=Path("data/demo"))
    boot.add_argument("--models", type=Path, default=Path("models"))
    boot.add_argument("--seed", type=int, default=13)
    boot.add_argument(
        "--full", action="store_true", help="train the longer recipe of make models-full instead (up to 45 minutes)"
    )
    add_device_option(boot)
    boot.set_defaults(run=run)
