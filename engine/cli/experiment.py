"""``experiment``: the study's grid and a learning curve on one corpus."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from engine.cli.options import add_device_option, add_training_options, log_epoch, positive, training_options
from engine.models.kinds import KINDS
from engine.research import GRID_FRACTIONS, GRID_KINDS


def run(args: argparse.Namespace) -> int:
    from engine.research.experiments import run_experiments

    options = training_options(args)
    options.pop("learning_rate")
    rates = {name: (args.scratch_lr if spec.scratch else args.lr) or spec.learning_rate for name, spec in KINDS.items()}
    rows = run_experiments(
        args.data,
        args.out,
        encoders=args.encoder or [None],
        kinds=args.kinds,
        fractions=args.fractions,
        options=options,
        learning_rates=rates,
        on_progress=lambda name, p: log_epoch(name, p),
        seeds=args.seeds,
        device=args.device,
        precision=args.precision,
    )
    print((Path(args.out) / "results.md").read_text(encoding="utf-8"))
    print(f"{len(rows)} runs; results in {args.out}/results.md and results.json", file=sys.stderr)
    return 0


def register(commands) -> None:
    experiment = commands.add_parser("experiment", help="the study's grid and a learning curve on one corpus")
    experiment.add_argument("--data", type=Path, required=True)
    experiment.add_argument("--out", type=Path, required=True)
    experiment.add_argument("--encoder", action="append", help="encoder checkpoint or folder; repeat for several")
    experiment.add_argument("--kinds", nargs="+", default=list(GRID_KINDS), choices=list(KINDS))
    experiment.add_argument("--fractions", nargs="+", type=float, default=list(GRID_FRACTIONS))
    experiment.add_argument("--scratch-lr", type=float, help="learning rate of the scratch kinds (default 1e-4)")
    experiment.add_argument(
        "--seeds",
        type=positive,
        default=1,
        help="run each configuration with this many seeds (--seed, --seed + 1, ...)",
    )
    add_training_options(experiment, epochs=None)
    add_device_option(experiment)
    experiment.set_defaults(run=run)
