"""A seeded, deterministic demo corpus of clinical notes in BRAT format: discharge summaries
(here), GP consultations and case reports (:mod:`engine.synth.styles`).

The same seed gives the same bytes. Drug names come from :mod:`engine.synth.lexicon`; the
templates and surface forms from :mod:`engine.synth.grammar`, written by
:mod:`engine.synth.templates`. Drugs are split into pools so that ``test`` (and ``dev``) notes
mention drugs that ``train`` never does. docs/corpus.md describes the grammar and the label
counts it produces.
"""

from __future__ import annotations

import random
from pathlib import Path

from engine.data.corpus import Corpus, write_corpus
from engine.synth.lexicon import load_drugs
from engine.synth.styles import write_note
from engine.synth.writer import DrugPools
from engine.types import Document

GENERATOR_VERSION = 7
DEFAULT_SIZES: dict[str, int] = {"train": 150, "dev": 30, "test": 50}


# --- the corpus ------------------------------------------------------------------------------


def generate_split(
    split: str, count: int, *, seed: int, pools: DrugPools | None = None, styles: dict[str, float] | None = None
) -> list[Document]:
    """``count`` notes of one split; note ``i`` depends only on (seed, split, i). ``styles``
    (style -> share) defaults to :data:`engine.synth.styles.STYLE_SHARES`."""
    pools = pools or DrugPools.split(load_drugs(), seed)
    return [
        write_note(random.Random(f"{seed}:{split}:{i}"), pools, split, f"{split}-{i:04d}", styles=styles)
        for i in range(count)
    ]


def generate_corpus(
    out: Path | str, *, seed: int = 13, sizes: dict[str, int] | None = None, styles: dict[str, float] | None = None
) -> dict[str, int]:
    """Write ``out/train``, ``out/dev``, ``out/test`` and ``out/corpus.json``; return the sizes."""
    out = Path(out)
    sizes = dict(DEFAULT_SIZES if sizes is None else sizes)
    pools = DrugPools.split(load_drugs(), seed)
    splits = {
        split: generate_split(split, count, seed=seed, pools=pools, styles=styles) for split, count in sizes.items()
    }
    manifest = {"generator_version": GENERATOR_VERSION, "seed": seed, "sizes": sizes}
    write_corpus(Corpus(out, splits), out, manifest=manifest)
    return sizes
