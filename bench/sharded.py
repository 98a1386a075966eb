"""Notes per second of a sharded ``predict`` on 1 process and under torchrun with 2, same notes.

    python bench/sharded.py [--model models/encoder-crf] [--data data/demo] [--shard-size 16]

The notes are every split of the demo corpus (230 notes). One run is ``python -m engine predict
--output`` alone (torch's default threads: one per core); the other ``torchrun --standalone
--nproc_per_node 2`` with one thread per process (torchrun's ``OMP_NUM_THREADS=1``). Each run
starts from an empty output, and the wall time counts everything a user waits for (starting the
processes, loading the model, annotating, merging). The two merged outputs are asserted to hold
the same spans.
Prints one summary line and writes the figures as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def spans_of(path: Path) -> list:
    """Each note's id and spans (probabilities left out: other batches round them differently)."""
    notes = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return [(n["id"], [(s["start"], s["end"], s["label"]) for s in n["spans"]]) for n in notes]


def timed_run(command: list[str], environment: dict[str, str]) -> float:
    began = time.perf_counter()
    result = subprocess.run(command, cwd=ROOT, env=environment, capture_output=True, text=True)
    seconds = time.perf_counter() - began
    if result.returncode != 0:
        raise SystemExit(f"failed: {' '.join(command)}\n{result.stderr[-3000:]}")
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, default=Path("models/encoder-crf"))
    parser.add_argument("--data", type=Path, default=Path("data/demo"))
    parser.add_argument("--shard-size", type=int, default=16)
    parser.add_argument("--out", type=Path, default=Path("bench/results/sharded.json"))
    args = parser.parse_args()
    if not (args.model / "config.json").is_file():
        print(f"error: no model at {args.model}; run `make demo` first", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as scratch:
        notes = Path(scratch) / "notes"
        notes.mkdir()
        for split in ("train", "dev", "test"):
            for path in sorted((args.data / split).glob("*.txt")):
                shutil.copy(path, notes / f"{split}-{path.name}")
        count = len(list(notes.glob("*.txt")))
        predict = [
            "-m",
            "engine",
            "predict",
            "--model",
            str(args.model),
            str(notes),
            "--shard-size",
            str(args.shard_size),
        ]
        environment = {**os.environ, "PYTHONPATH": str(ROOT)}
        environment.pop("OMP_NUM_THREADS", None)
        one = Path(scratch) / "one.jsonl"
        two = Path(scratch) / "two.jsonl"
        one_seconds = timed_run([sys.executable, *predict, "--output", str(one)], environment)
        torchrun = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2"]
        two_seconds = timed_run([*torchrun, *predict, "--output", str(two)], {**environment, "OMP_NUM_THREADS": "1"})
        assert spans_of(one) == spans_of(two), "the two runs merged different spans"
    result = {
        "model": str(args.model),
        "notes": count,
        "shard_size": args.shard_size,
        "one_process_seconds": one_seconds,
        "two_processes_seconds": two_seconds,
        "one_process_notes_per_second": count / one_seconds,
        "two_processes_notes_per_second": count / two_seconds,
        "speedup": one_seconds / two_seconds,
        "outputs_equal": True,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2), encoding="utf-8")
    print(
        f"sharded predict, {count} notes, {args.model}: 1 process {result['one_process_notes_per_second']:.2f} notes/s "
        f"({one_seconds:.1f} s), torchrun 2 processes {result['two_processes_notes_per_second']:.2f} notes/s "
        f"({two_seconds:.1f} s), {result['speedup']:.2f}x; merged outputs equal"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
