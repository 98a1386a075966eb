"""The Tagger protocol, the model folder contract and the configuration that travels with weights.

A model folder holds:

=====================  ===========================================================
``config.json``        :class:`ModelConfig`: kind, tags, encoder, sizes, training settings
``model.safetensors``  the weights of the whole network
``encoder.json``       the encoder's Hugging Face configuration (no checkpoint needed to load)
``tokenizer/``         the tokenizer, as ``save_pretrained`` writes it
``metrics.json``       written after evaluation
``training_drugs.txt`` the Drug names the model saw in training, one a line (optional:
                       for the unseen-drug scores of :func:`engine.scores.strict.drug_subsets`)
=====================  ===========================================================
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from engine.atomic import recover_folder
from engine.labels import TAGS
from engine.types import ModelInfo, Span

#: Bumped when a saved folder can no longer be read by older code.
FORMAT_VERSION = 1
#: Bumped when inference would give other spans for the same weights (sentence split, windows,
#: merge rule): it is part of every model fingerprint, so no cache serves stale spans.
INFERENCE_VERSION = 5
#: How many sentences an attribute may lie from a Drug span and still be kept (None keeps all);
#: the rule is :func:`engine.inference.rules.anchored`.
ANCHOR_SENTENCES: int | None = 1
REQUIRED_FILES = ("config.json", "model.safetensors", "encoder.json", "tokenizer")


class ModelFolderError(ValueError):
    """A folder that is not a model this engine can load; the message says what is wrong."""


class Tagger(Protocol):
    """What the rest of the product needs from a model: spans for notes
    (:class:`engine.inference.pipeline.Pipeline` is the one implementation)."""

    name: str

    def predict(self, texts: Sequence[str]) -> list[list[Span]]: ...


@dataclass
class TrainingSettings:
    epochs: int = 10
    learning_rate: float = 5e-5
    crf_learning_rate: float = 5e-3
    batch_size: int = 12
    max_length: int = 180
    patience: int = 2
    seed: int = 13
    sambd: bool = False
    sambd_keep: float = 0.08
    train_fraction: float = 1.0
    weight_decay: float = 0.01
    #: open real corpora (engine.data.open) whose training sentences join the training data,
    #: partially labelled, and how many sentences of each at most (a seeded sample)
    open_corpora: tuple[str, ...] = ()
    open_sentences: int = 500
    #: sentences of the weakly labelled clinician-written notes (engine.data.open.notes) that
    #: join the training data (a seeded sample; 0: none)
    note_sentences: int = 0


@dataclass
class ModelConfig:
    """Everything needed to rebuild a model; unknown or missing keys get sensible treatment."""

    kind: str
    encoder: str
    crf: bool
    size: str = ""
    tags: list[str] = field(default_factory=lambda: list(TAGS))
    dropout: float = 0.2
    inference_max_length: int = 512
    stride: int = 128
    #: reads each word's drug-dictionary match tag beside the encoder output (engine.data.gazetteer)
    gazetteer: bool = False
    #: which names that tag comes from (engine.data.gazetteer.LEXICONS): "drugbank" for models
    #: saved before there was a choice
    lexicon: str = "drugbank"
    parameters: int = 0
    training: TrainingSettings = field(default_factory=TrainingSettings)
    data_fingerprint: str = ""
    format_version: int = FORMAT_VERSION

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, source: str = "config.json") -> ModelConfig:
        version = int(data.get("format_version", 1))
        if version > FORMAT_VERSION:
            raise ModelFolderError(
                f"{source}: saved by a newer MedNER Studio (model format {version}, this one reads up to "
                f"{FORMAT_VERSION}); upgrade to load it"
            )
        for key in ("kind", "encoder", "crf"):
            if key not in data:
                raise ModelFolderError(f"{source}: missing '{key}'")
        known = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in data.items() if k in known and k != "training"}
        settings = {f.name for f in dataclasses.fields(TrainingSettings)}
        training = TrainingSettings(**{k: v for k, v in data.get("training", {}).items() if k in settings})
        return cls(**values, training=training)


def check_model_folder(folder: Path | str) -> Path:
    """The folder as a Path if it has every file of the contract; else a clear error."""
    folder = Path(folder)
    recover_folder(folder)
    if not folder.is_dir():
        raise ModelFolderError(f"{folder}: no such model folder")
    missing = [name for name in REQUIRED_FILES if not (folder / name).exists()]
    if missing:
        raise ModelFolderError(
            f"{folder} is not a MedNER Studio model: missing {', '.join(missing)} "
            "(train one with: python -m engine train ...)"
        )
    return folder


def read_config(folder: Path | str) -> ModelConfig:
    folder = check_model_folder(folder)
    try:
        data = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise ModelFolderError(f"{folder / 'config.json'}: not valid JSON ({error})") from None
    if not isinstance(data, dict):
        raise ModelFolderError(f"{folder / 'config.json'}: expected a JSON object")
    return ModelConfig.from_dict(data, source=str(folder / "config.json"))


#: Fingerprints already computed in this process, by folder and the (size, mtime) of its files.
_FINGERPRINTS: dict[tuple, str] = {}


def folder_fingerprint(folder: Path | str) -> str:
    """sha256 over what decides a model's output: config, weights, encoder shape, tokenizer files,
    and :data:`INFERENCE_VERSION`. Retraining (new weights) always gives a new fingerprint.

    Hashing MiniLM's 90 MB of weights takes a few tenths of a second, so a folder whose files
    have the same sizes and modification times as at the last hash in this process is not hashed
    again (an atomic save replaces the files, so new weights always come with new times)."""
    folder = check_model_folder(folder)
    files = [folder / "config.json", folder / "model.safetensors", folder / "encoder.json"]
    files += sorted(path for path in (folder / "tokenizer").rglob("*") if path.is_file())
    stats = tuple((str(path), path.stat().st_size, path.stat().st_mtime_ns) for path in files)
    key = (str(folder.resolve()), stats)
    if key in _FINGERPRINTS:
        return _FINGERPRINTS[key]
    digest = hashlib.sha256(f"inference:{INFERENCE_VERSION}\0".encode())
    for path in files:
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    _FINGERPRINTS[key] = digest.hexdigest()
    return _FINGERPRINTS[key]


def describe_model(folder: Path | str, *, fingerprint: str | None = None) -> ModelInfo:
    """What the store and the app need to know of a saved model, read from its config (weights are
    hashed for the fingerprint, not loaded, so this is cheap and needs no torch)."""
    folder = check_model_folder(folder)
    config = read_config(folder)
    training = dataclasses.asdict(config.training)
    training["data_fingerprint"] = config.data_fingerprint
    return ModelInfo(
        name=folder.name,
        kind=config.kind,
        folder=str(folder.resolve()),
        fingerprint=fingerprint or folder_fingerprint(folder),
        parameters=config.parameters,
        encoder=config.encoder,
        crf=config.crf,
        training=training,
    )
