"""On a CUDA GPU: a BERT-base-size encoder-crf training step, and a 500-word note, ours against
the Hugging Face pipeline on the same GPU.

    python bench/gpu.py [--device cuda:0] [--data data/demo] [--steps 20] [--repeats 20]

Training: batches of 12 demo training sentences (as in training) through a BERT-base-size
encoder-crf (random ``BertConfig()`` weights, MiniLM's WordPiece), forward + backward + fused
AdamW, in fp32 and under the GPU's autocast (bf16 where the GPU has it, else fp16 with loss
scaling): median ms per step and sentences/s. Annotation: the 500-word note of
``bench/latency.py`` through ``engine.inference.pipeline.Pipeline`` (packing, autocast, scan Viterbi on
the GPU) and through ``pipeline("token-classification")`` in fp32 on the same GPU, alternating,
each call ending with ``torch.cuda.synchronize()``; and the spans of our autocast path against
our fp32 path on the demo test notes (the agreement check of ``bench/latency.py``).

Without a CUDA GPU it says so and measures nothing (exit status 0): nothing here runs on a CPU.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import torch

from bench.timing import median_seconds


def synchronized(function, device):
    def run():
        result = function()
        torch.cuda.synchronize(device)
        return result

    return run


def median_ms(function, repeats: int) -> float:
    """Median milliseconds of ``repeats`` calls after one warm-up call."""
    function()
    return median_seconds(function, repeats) * 1000


def training_step_ms(device, precision: str, data: Path, steps: int) -> dict[str, float]:
    from bench.latency import bert_base_tagger
    from engine.data.corpus import load_corpus, tagged_sentences
    from engine.devices import autocast
    from engine.training.data import batches, examples, to_tensors
    from engine.training.loop import adamw

    corpus = load_corpus(data)
    sentences = [s for d in corpus.documents("train")[:60] for s in tagged_sentences(d)[0]]
    tagger = bert_base_tagger()
    network = tagger.network.to(device).train()
    items = examples(tagger, sentences, 180)
    chosen = batches(items, 12, random.Random(0))[:steps]
    tensors = [
        {k: v.to(device) for k, v in to_tensors(batch, tagger.tokenizer.pad_token_id).items()} for batch in chosen
    ]
    optimizer = adamw([{"params": list(network.parameters()), "lr": 1e-6}], weight_decay=0.01)
    scaler = torch.amp.GradScaler("cuda", enabled=precision == "fp16")
    samples = []
    for index, batch in enumerate(tensors * 2):
        torch.cuda.synchronize(device)
        began = time.perf_counter()
        with autocast(device, precision):
            loss = network(**batch)
        optimizer.zero_grad()
        scaler.scale(loss).backward()
        scaler.step(optimizer)
        scaler.update()
        torch.cuda.synchronize(device)
        if index >= len(tensors):  # the first pass over the batches warms up
            samples.append(time.perf_counter() - began)
    step = statistics.median(samples)
    return {"step_ms": step * 1000, "sentences_per_second": 12 / step}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--data", type=Path, default=Path("data/demo"))
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--out", type=Path, default=Path("bench/results/gpu.json"))
    args = parser.parse_args()
    if not torch.cuda.is_available():
        print(
            f"bench/gpu.py: no CUDA GPU here (torch {torch.__version__}, "
            f"built {'with CUDA ' + torch.version.cuda if torch.version.cuda else 'without CUDA'}): nothing measured"
        )
        return 0
    from bench.latency import baseline_pipeline, bert_base_tagger, note_of
    from engine.data.corpus import load_corpus
    from engine.devices import describe, resolve_device, resolve_precision
    from engine.inference.pipeline import Pipeline

    device = resolve_device(args.device)
    precision = resolve_precision("auto", device)
    result: dict[str, object] = {"device": describe(device), "autocast": precision, "torch": torch.__version__}
    result["training_fp32"] = training_step_ms(device, "fp32", args.data, args.steps)
    result[f"training_{precision}"] = training_step_ms(device, precision, args.data, args.steps)

    texts = [d.text for d in load_corpus(args.data).documents("test")]
    note = note_of(500, texts)
    tagger = bert_base_tagger()
    ours = Pipeline(tagger, device)
    classifier = baseline_pipeline(tagger, device)
    ours_runs, theirs_runs = [], []
    run_ours = synchronized(lambda: ours.predict([note]), device)
    run_theirs = synchronized(lambda: classifier(note), device)
    run_ours(), run_theirs()
    for _ in range(args.repeats):
        ours_runs.append(median_ms(run_ours, 1))
        theirs_runs.append(median_ms(run_theirs, 1))
    result["note_500_words"] = {
        "ours_ms": statistics.median(ours_runs),
        "pipeline_fp32_ms": statistics.median(theirs_runs),
        "speedup": statistics.median(theirs_runs) / statistics.median(ours_runs),
    }
    reference = Pipeline(tagger, device, precision="fp32").predict(texts)
    chosen = ours.predict(texts)
    differing = sum(a != b for a, b in zip(chosen, reference, strict=True))
    result["autocast_vs_fp32_notes_differing"] = {"notes": len(texts), "differing": differing}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2), encoding="utf-8")
    fp32, fast = result["training_fp32"], result[f"training_{precision}"]
    note_row = result["note_500_words"]
    print(
        f"{result['device']}: BERT-base-size encoder-crf training step {fp32['step_ms']:.1f} ms fp32, "
        f"{fast['step_ms']:.1f} ms {precision} ({fast['sentences_per_second']:.0f} sentences/s); 500-word note "
        f"{note_row['ours_ms']:.1f} ms vs pipeline {note_row['pipeline_fp32_ms']:.1f} ms ({note_row['speedup']:.2f}x); "
        f"{precision} vs fp32 spans differ on {differing} of {len(texts)} notes"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
