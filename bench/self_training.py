"""Self-training on the clinician-written notes: an experiment of issue 22 (docs/experiments.md,
"Self-training on the notes"), not a speed bench.

    python bench/self_training.py --teacher models/encoder-crf --out runs/self-trained [--keep 0.9]

The demo recipe of MiniLM (``encoder-crf +real +notes +gazetteer``: 1,000 sentences of each open
corpus and 1,000 of the notes, 2 epochs, seed 13) is trained again with one change: the notes'
labels. The weak labels (:mod:`engine.data.weak`) stay, and a teacher model adds what they
leave open:

- a teacher span of a label the functions annotate, with probability ``--keep`` or more and
  overlapping no weak span, becomes a label (an unknown drug name, an attribute no pattern knows);
- a teacher span below ``--keep`` (from 0.5) that overlaps no weak span is left unlabelled, so
  the student is not taught that it is plain text.

The same 1,000 note sentences are drawn as in the demo recipe (the sample depends on the seed
and the sentences, not on their labels), so the student differs from the demo model only in
those labels. Then score both with ``python -m engine evaluate --model M --data
vendor/realdata/clinical-notes-dev data/real/{bc5cdr,chia,neurotrialner}/dev --json``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def pseudo_labeller(teacher: Path, keep: float):
    """A drop-in for :func:`engine.data.weak.weak_document` that adds the teacher's spans."""
    from engine.data.open import notes
    from engine.data.weak import ANNOTATES, weak_labels
    from engine.inference.pipeline import load_pipeline
    from engine.types import Document

    texts = []
    for name in notes.FILES:
        with gzip.open(ROOT / "vendor" / "realdata" / "clinical-notes" / name, "rt", encoding="utf-8") as handle:
            texts.extend(json.loads(line)["text"] for line in handle)
    texts = [text for text in texts if text.strip()]
    started = time.perf_counter()
    predicted = load_pipeline(teacher, precision="fp32").predict(texts)
    print(f"teacher labelled {len(texts)} notes in {time.perf_counter() - started:.0f} s", flush=True)
    by_text = dict(zip(texts, predicted, strict=True))
    counts = {"added": 0, "unlabelled": 0}

    def label(document_id: str, text: str):
        weak = weak_labels(document_id, text)
        spans, regions = list(weak.spans), list(weak.unlabelled)
        for span in by_text.get(text, ()):
            if span.label not in ANNOTATES or any(span.start < s.end and s.start < span.end for s in weak.spans):
                continue
            if span.confidence is not None and span.confidence >= keep:
                spans.append(span)
                regions = [(a, b) for a, b in regions if not (a < span.end and span.start < b)]
                counts["added"] += 1
            elif span.confidence is not None and span.confidence >= 0.5:
                regions.append((span.start, span.end))
                counts["unlabelled"] += 1
        return Document(document_id, text, tuple(sorted(spans, key=lambda s: s.start))), tuple(sorted(regions))

    return label, counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--teacher", type=Path, default=ROOT / "models" / "encoder-crf")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--data", type=Path, default=ROOT / "data" / "demo")
    parser.add_argument("--keep", type=float, default=0.9, help="teacher probability that makes a label")
    args = parser.parse_args(argv)

    from engine import cli
    from engine.data.open import notes

    label, counts = pseudo_labeller(args.teacher, args.keep)
    notes.weak_document = label
    code = cli.main(
        [
            "train",
            "--kind",
            "encoder-crf",
            "--data",
            str(args.data),
            "--out",
            str(args.out),
            "--epochs",
            "2",
            "--lr",
            "1e-4",
            "--sambd",
            "--gazetteer",
            "--open-corpora",
            "chia,neurotrialner,bc5cdr,tac2017-adr",
            "--open-sentences",
            "1000",
            "--note-sentences",
            "1000",
            "--precision",
            "fp32",
        ]
    )
    print(f"teacher spans added as labels: {counts['added']}, left unlabelled: {counts['unlabelled']}")
    return code


if __name__ == "__main__":
    sys.exit(main())
