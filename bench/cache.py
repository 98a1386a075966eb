"""A cached prediction from the store against running the model on the same note.

    python bench/cache.py [--model models/encoder-crf] [--note FILE] [--database URL] [--out FILE]

Both figures come from one run on one machine: the median of repeated model runs
(``tagger.predict``) and the median of repeated cache look-ups (``Store.cached_prediction``) on
the same note, plus the full cache-first path (``webapp.application.predictions.annotate``) on a
miss and on a hit. Prints one summary line and writes every figure as JSON.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.timing import timed
from db.repository import Store
from engine.data.brat import read_text
from engine.inference.pipeline import Pipeline
from engine.models.tagger import load_tagger
from webapp.application.predictions import annotate


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, default=Path("models/encoder-crf"))
    parser.add_argument("--note", type=Path, default=None, help="a .txt note (default: the first demo test note)")
    parser.add_argument("--database", default=None, help="store URL (default: a fresh SQLite file)")
    parser.add_argument("--model-runs", type=int, default=5)
    parser.add_argument("--lookups", type=int, default=200)
    parser.add_argument("--out", type=Path, default=Path("bench/results/cache.json"))
    args = parser.parse_args()

    if not args.model.is_dir():
        print(
            f"error: no model at {args.model}; run `make demo` (or python -m engine bootstrap) first", file=sys.stderr
        )
        return 2
    note_path = args.note or sorted(Path("data/demo/test").glob("*.txt"))[0]
    note = read_text(note_path)
    tagger = load_tagger(args.model)
    info = tagger.info()
    pipeline = Pipeline(tagger)
    with tempfile.TemporaryDirectory() as scratch:
        store = Store.open(args.database or f"sqlite:///{Path(scratch) / 'bench.db'}")
        store.clear_predictions(info)
        pipeline.predict([note])  # warm-up: first-call allocations are not what a user waits for
        model_runs = timed(lambda: pipeline.predict([note]), args.model_runs)
        began = time.perf_counter()
        miss = annotate(store, info, [note], pipeline.predict, precision=pipeline.precision)[0]
        annotate_miss = time.perf_counter() - began
        lookups = timed(lambda: store.cached_prediction(info, note, precision=pipeline.precision), args.lookups)
        annotate_hits = timed(
            lambda: annotate(store, info, [note], pipeline.predict, precision=pipeline.precision), args.lookups
        )
        hit = store.cached_prediction(info, note, precision=pipeline.precision)
        backend = store.engine.dialect.name
        store.close()
    assert not miss.cached and hit is not None and hit.cached and hit.spans == miss.spans
    model_ms = statistics.median(model_runs) * 1000
    lookup_ms = statistics.median(lookups) * 1000
    result = {
        "model": str(args.model),
        "kind": info.kind,
        "note": str(note_path),
        "note_words": len(note.split()),
        "spans": len(hit.spans),
        "store": backend,
        "model_run_ms_median": model_ms,
        "cache_lookup_ms_median": lookup_ms,
        "cache_lookup_ms_p95": statistics.quantiles(lookups, n=20)[-1] * 1000,
        "annotate_miss_ms": annotate_miss * 1000,
        "annotate_hit_ms_median": statistics.median(annotate_hits) * 1000,
        "speedup": model_ms / lookup_ms,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(
        f"cache: {info.kind} on a {result['note_words']}-word note ({backend}): model {model_ms:.1f} ms, "
        f"cache hit {lookup_ms:.2f} ms (p95 {result['cache_lookup_ms_p95']:.2f} ms), "
        f"{result['speedup']:.0f}x faster; annotate() miss {result['annotate_miss_ms']:.0f} ms, "
        f"hit {result['annotate_hit_ms_median']:.2f} ms -> {args.out}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
