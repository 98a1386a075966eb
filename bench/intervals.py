"""Bootstrap intervals and the paired test on a real evaluation: ours (one matrix product over
per-document counts) against the plain loop over resamples, on the same draws.

    python bench/intervals.py [--model models/encoder-crf] [--other models/transformer-crf]
                              [--data data/demo/test] [--resamples 1000] [--out FILE]

Both sides compute every F1 (per label, micro, macro, weighted) of every resample from the
same drawn weights, so their intervals must be identical (asserted). Prints one summary line and
writes the figures as JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.timing import median_seconds
from engine.data.brat import read_folder
from engine.inference.pipeline import load_pipeline
from engine.research.experiments import evaluate_model
from engine.scores.intervals import SEED, _bounds, draw_weights, figures, intervals, paired_test
from engine.scores.tables import CountTable, prf


def looped(table: CountTable, weights: np.ndarray, present: np.ndarray) -> dict[str, np.ndarray]:
    """The same figures, one resample and one document at a time, in plain Python."""
    kept = [k for k in range(len(table.classes)) if present[k]]
    rows = table.counts.tolist()
    micro, macro, weighted, per_class = [], [], [], []
    for draw in weights.tolist():
        sums = [[0, 0, 0] for _ in table.classes]
        for document, times in enumerate(draw):
            if times:
                for k, (tp, gold, predicted) in enumerate(rows[document]):
                    sums[k][0] += times * tp
                    sums[k][1] += times * gold
                    sums[k][2] += times * predicted
        f1 = [float(prf(*triple)[2]) for triple in sums]
        per_class.append(f1)
        micro.append(float(prf(*(sum(sums[k][i] for k in kept) for i in range(3)))[2]))
        macro.append(sum(f1[k] for k in kept) / len(kept))
        support = sum(sums[k][1] for k in kept)
        weighted.append(sum(f1[k] * sums[k][1] for k in kept) / support if support else 0.0)
    return {
        "per_class": np.array(per_class),
        "micro": np.array(micro),
        "macro": np.array(macro),
        "weighted": np.array(weighted),
    }


def median_ms(function, repeats: int) -> float:
    return 1000 * median_seconds(function, repeats)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, default=Path("models/encoder-crf"))
    parser.add_argument("--other", type=Path, default=Path("models/transformer-crf"))
    parser.add_argument("--data", type=Path, default=Path("data/demo/test"))
    parser.add_argument("--resamples", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--out", type=Path, default=Path("bench/results/intervals.json"))
    args = parser.parse_args()
    for folder in (args.model, args.other):
        if not folder.is_dir():
            print(f"error: no model at {folder}; run `make demo` first", file=sys.stderr)
            return 2
    documents, _ = read_folder(args.data)
    tables = [
        evaluate_model(load_pipeline(folder), documents, model=str(folder)).report.tables["strict"]
        for folder in (args.model, args.other)
    ]
    table = tables[0]
    present = (table.totals()[:, 1] + table.totals()[:, 2]) > 0
    weights = draw_weights(len(table.documents), args.resamples, np.random.default_rng(SEED))

    def ours() -> dict[str, np.ndarray]:
        flat = table.counts.reshape(len(table.documents), -1)
        return figures((weights @ flat).reshape(args.resamples, len(table.classes), 3), present)

    fast, slow = ours(), looped(table, weights, present)
    for name in ("micro", "macro", "weighted", "per_class"):
        assert np.allclose(_bounds(fast[name], 0.95), _bounds(slow[name], 0.95)), name
    ours_ms = median_ms(ours, args.repeats)
    loop_ms = median_ms(lambda: looped(table, weights, present), max(1, args.repeats // 2))
    whole_ms = median_ms(lambda: intervals(table, resamples=args.resamples), args.repeats)
    paired_ms = median_ms(lambda: paired_test(tables[0], tables[1], resamples=args.resamples), args.repeats)
    result = {
        "documents": len(table.documents),
        "labels": int(present.sum()),
        "resamples": args.resamples,
        "vectorised_ms": ours_ms,
        "loop_ms": loop_ms,
        "ratio": loop_ms / ours_ms,
        "intervals_ms": whole_ms,
        "paired_test_ms": paired_ms,
        "identical": True,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2), encoding="utf-8")
    print(
        f"{args.resamples} resamples of {result['documents']} documents x {result['labels']} labels: "
        f"{ours_ms:.1f} ms vectorised against {loop_ms:.0f} ms looped ({result['ratio']:.0f}x, same intervals); "
        f"intervals() {whole_ms:.1f} ms; paired test (permutations and bootstrap) {paired_ms:.1f} ms"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
