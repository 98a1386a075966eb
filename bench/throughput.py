"""Batch annotation: notes per second over the demo test split, against the encoder's bare forward
passes over exactly the same padded batches, and the process's peak memory.

    python bench/throughput.py [--model models/encoder-crf] [--data data/demo/test] [--repeats 3]

"Bare forward" runs only ``network.encoder`` on the batches our planner builds (same subwords,
same padding): no sentence splitting, tokenization, first-subword gathering, linear layer, CRF or
span building. The ratio full / bare is what the rest of the pipeline costs. Correctness,
asserted: annotating the notes in one batch call gives the same spans as one note at a time.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.timing import median_seconds
from engine.data.brat import read_folder
from engine.data.tokenize import sentences
from engine.devices import resolve_precision
from engine.inference.batches import BATCH_SIZE
from engine.inference.pipeline import annotate
from engine.inference.prepare import prepare
from engine.models import unpadded
from engine.models.tagger import load_tagger


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, default=Path("models/encoder-crf"))
    parser.add_argument("--data", type=Path, default=Path("data/demo/test"))
    parser.add_argument("--batch-size", type=int, default=BATCH_SIZE)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--out", type=Path, default=Path("bench/results/throughput.json"))
    args = parser.parse_args()
    if not args.model.is_dir():
        print(f"error: no model at {args.model}; run `make demo` first", file=sys.stderr)
        return 2

    documents, _ = read_folder(args.data)
    texts = [d.text for d in documents]
    tagger = load_tagger(args.model)
    annotate(tagger, texts[:2], batch_size=args.batch_size)  # warm-up

    batched = annotate(tagger, texts, batch_size=args.batch_size)
    one_by_one = [annotate(tagger, [text], batch_size=args.batch_size)[0] for text in texts]
    assert batched == one_by_one, "batching changed the spans of some note"

    flat = [sentence for text in texts for sentence in sentences(text)]
    prepared = prepare(tagger, flat, batch_size=args.batch_size)
    encoder = tagger.network.encoder

    def bare() -> None:
        with torch.inference_mode():
            for batch in prepared.batches:
                if batch.flat:
                    lengths = [len(segment.encoded.input_ids) for segment in batch.segments]
                    words = [segment.encoded.word_starts for segment in batch.segments]
                    tensors = batch.tensors
                    unpadded.word_states(encoder, tensors["input_ids"], tensors["position_ids"], lengths, words)
                    continue
                extra = {"position_ids": batch.tensors["position_ids"]} if batch.packed else {}
                encoder(input_ids=batch.tensors["input_ids"], attention_mask=batch.tensors["attention_mask"], **extra)

    # alternate the two, repeat after repeat, so that both meet the same machine
    full_runs, bare_runs = [], []
    for _ in range(args.repeats):
        full_runs.append(median_seconds(lambda: annotate(tagger, texts, batch_size=args.batch_size), 1))
        bare_runs.append(median_seconds(bare, 1))
    full, bare_seconds = statistics.median(full_runs), statistics.median(bare_runs)
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    words = sum(len(text.split()) for text in texts)
    result = {
        "model": str(args.model),
        "precision": resolve_precision(),
        "threads": torch.get_num_threads(),
        "notes": len(texts),
        "words": words,
        "sentences": len(flat),
        "subwords": prepared.subwords,
        "padded_subwords": prepared.padded_subwords,
        "padding_overhead": prepared.padded_subwords / prepared.subwords - 1,
        "annotate_seconds": full,
        "notes_per_second": len(texts) / full,
        "words_per_second": words / full,
        "bare_encoder_seconds": bare_seconds,
        "annotate_over_bare_encoder": full / bare_seconds,
        "peak_rss_mib": peak_mib,
        "batched_equals_one_by_one": True,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2), encoding="utf-8")
    print(
        f"throughput {args.model}: {result['notes_per_second']:.2f} notes/s "
        f"({result['words_per_second']:.0f} words/s), "
        f"annotate {full:.2f} s vs bare encoder {bare_seconds:.2f} s ({result['annotate_over_bare_encoder']:.2f}x), "
        f"padding +{result['padding_overhead']:.1%}, peak RSS {peak_mib:.0f} MiB"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
