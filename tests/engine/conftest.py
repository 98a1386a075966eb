"""Fixtures the engine's test modules share."""

import pytest
import torch

from engine.data.corpus import load_corpus
from engine.models.base import TrainingSettings
from engine.models.registry import build_tagger


@pytest.fixture
def fresh(shallow_encoder):
    """``fresh(kind, train_texts, gazetteer=False)``: an untrained model of the kind (encoder
    kinds: the two-layer MiniLM), seeded. Its random heads (and random scratch encoders) tag words
    at random, and give scores far from any tie, so a label that moves between two runs is a real
    difference."""

    def build(kind_name, train_texts, *, gazetteer=False):
        torch.manual_seed(17)
        tagger = build_tagger(
            kind_name,
            settings=TrainingSettings(),
            size="tiny",
            encoder=shallow_encoder,
            train_texts=train_texts,
            gazetteer=gazetteer,
        )
        tagger.network.eval()
        return tagger

    return build


@pytest.fixture(scope="module")
def notes(tiny_corpus):
    """The tiny corpus's test and dev notes as text."""
    corpus = load_corpus(tiny_corpus)
    return [d.text for d in corpus.documents("test")] + [d.text for d in corpus.documents("dev")]
