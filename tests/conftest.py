"""Fixtures shared across test modules: a tiny generated corpus and a tiny trained model."""

from pathlib import Path

import pytest

from engine.data.generate import generate_corpus
from engine.models.base import TrainingSettings


@pytest.fixture(scope="session")
def tiny_corpus(tmp_path_factory) -> Path:
    """A small corpus of the demo generator: 8 train, 2 dev, 3 test notes."""
    folder = tmp_path_factory.mktemp("tiny-corpus")
    generate_corpus(folder, seed=21, sizes={"train": 8, "dev": 2, "test": 3})
    return folder


@pytest.fixture(scope="session")
def tiny_model(tiny_corpus, tmp_path_factory) -> Path:
    """A tiny scratch transformer-crf trained for a few epochs (seconds on a CPU)."""
    from engine.training import train

    folder = tmp_path_factory.mktemp("models") / "tiny-tcrf"
    settings = TrainingSettings(epochs=4, learning_rate=2e-3, batch_size=8, seed=3)
    train("transformer-crf", tiny_corpus, folder, settings=settings, size="tiny")
    return folder
