"""Time of one training step (forward, backward, optimizer) with per-tensor vs fused AdamW.

    python bench/train_step.py [--kind encoder-crf] [--steps 25] [--data data/demo] [--out FILE]

Both optimizers run in one process on the same batches of demo training sentences (SamBD
sample, batches of 12 as in training), alternating twice so that warm-up and noise hit both.
Prints one summary line and writes the figures as JSON.
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

from engine.data.corpus import load_corpus, tagged_sentences
from engine.data.sambd import sambd
from engine.models.base import TrainingSettings
from engine.models.registry import build_tagger
from engine.training.data import batches, examples, to_tensors


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kind", default="encoder-crf")
    parser.add_argument("--steps", type=int, default=25)
    parser.add_argument("--data", type=Path, default=Path("data/demo"))
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    corpus = load_corpus(args.data)
    train = corpus.documents("train")
    sentences, _ = sambd([s for d in train[:40] for s in tagged_sentences(d)[0]], seed=1)
    tagger = build_tagger(args.kind, settings=TrainingSettings(), train_texts=[d.text for d in train])
    network = tagger.network.train()
    items = examples(tagger, sentences, 180)
    chosen = batches(items, 12, random.Random(0))[: args.steps]
    tensors = [to_tensors(batch, tagger.tokenizer.pad_token_id) for batch in chosen]
    timings: dict[str, dict[str, list[float]]] = {}
    for fused in (False, True, False, True):
        optimizer = torch.optim.AdamW(network.parameters(), lr=1e-6, fused=fused, foreach=None if fused else True)
        parts = timings.setdefault("fused" if fused else "per-tensor", {"forward": [], "backward": [], "optimizer": []})
        for batch in tensors:
            t0 = time.perf_counter()
            loss = network(**batch)
            t1 = time.perf_counter()
            optimizer.zero_grad()
            loss.backward()
            t2 = time.perf_counter()
            optimizer.step()
            t3 = time.perf_counter()
            parts["forward"].append(t1 - t0)
            parts["backward"].append(t2 - t1)
            parts["optimizer"].append(t3 - t2)
    result = {"kind": args.kind, "steps": len(tensors), "threads": torch.get_num_threads()}
    for name, parts in timings.items():
        for part, values in parts.items():
            result[f"{name}_{part}_ms"] = statistics.median(values) * 1000
        result[f"{name}_step_ms"] = sum(result[f"{name}_{part}_ms"] for part in parts)
    result["step_ratio"] = result["per-tensor_step_ms"] / result["fused_step_ms"]
    out = args.out or Path(f"bench/results/train_step-{args.kind}.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(
        f"train step ({args.kind}, {result['threads']} threads): "
        f"per-tensor AdamW {result['per-tensor_step_ms']:.0f} ms "
        f"(optimizer {result['per-tensor_optimizer_ms']:.0f} ms), fused {result['fused_step_ms']:.0f} ms "
        f"(optimizer {result['fused_optimizer_ms']:.0f} ms): {result['step_ratio']:.2f}x -> {out}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
