"""Model folders registered in the store, models scored into it, and the kinds a new one can be."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from db.repository import Store
from engine.data.gazetteer import LEXICONS
from engine.data.open import OPEN_CORPORA
from engine.models.kinds import KINDS, Kind
from engine.types import ModelInfo
from webapp.application.corpora import corpus_coverage

ROOT = Path(__file__).resolve().parents[2]


def under_root(path: str | Path) -> Path:
    """A path from a setting: as given when absolute, else relative to the repository root."""
    path = Path(path)
    return path if path.is_absolute() else ROOT / path


def model_roots() -> list[Path]:
    """``MEDNER_MODELS``: folders holding model folders, separated by ``os.pathsep`` (default ``models``)."""
    value = os.environ.get("MEDNER_MODELS", "models")
    return [under_root(part) for part in value.split(os.pathsep) if part]


@dataclass(frozen=True)
class TrainingChoices:
    """What the Train page offers: the model kinds (name to kind), the gazetteer's dictionaries and
    the open corpora a run can add."""

    kinds: dict[str, Kind]
    lexicons: tuple[str, ...]
    open_corpora: tuple[str, ...]


def training_choices() -> TrainingChoices:
    return TrainingChoices(dict(KINDS), tuple(LEXICONS), tuple(OPEN_CORPORA))


def folder_signature(roots: Iterable[Path | str]) -> tuple:
    """What changes when a model folder under ``roots`` is added, removed or saved again: each
    folder's config and weights with their modification time and size."""
    signature = []
    for folder in model_folders(roots):
        for name in ("config.json", "model.safetensors"):
            path = folder / name
            if path.exists():
                stat = path.stat()
                signature.append((str(path), stat.st_mtime_ns, stat.st_size))
    return tuple(signature)


def model_label(model: ModelInfo) -> str:
    """A model as the pages name it: its name, kind, and SamBD or a share of the notes if used."""
    training = model.training
    extras = []
    if training.get("sambd"):
        extras.append("SamBD")
    if float(training.get("train_fraction", 1.0)) < 1.0:
        extras.append(f"{float(training['train_fraction']):.0%} of notes")
    return f"{model.name} ({model.kind}{', ' + ', '.join(extras) if extras else ''})"


def warm_order(folders: Iterable[Path]) -> list[Path]:
    """The order the app loads models in at start: fine-tuned encoders with a CRF first (what
    Annotate offers first when no real-text scores rank the models), then the rest by name."""

    def kind_of(folder: Path) -> str:
        try:
            return str(json.loads((folder / "config.json").read_text(encoding="utf-8")).get("kind", ""))
        except (OSError, ValueError, AttributeError):
            return ""

    return sorted(folders, key=lambda folder: (kind_of(folder) != "encoder-crf", folder.name))


def model_folders(roots: Iterable[Path | str]) -> list[Path]:
    """Every model folder directly inside ``roots`` (a folder with ``config.json``)."""
    found: list[Path] = []
    for root in roots:
        root = Path(root)
        if root.is_dir():
            found.extend(
                sorted(p for p in root.iterdir() if (p / "config.json").is_file() and not p.name.startswith("."))
            )
    return found


def register_folders(store: Store, roots: Iterable[Path | str]) -> tuple[list[ModelInfo], list[str]]:
    """Register the models found under ``roots``; folders that are not models are reported, not fatal."""
    from engine.models.base import ModelFolderError, describe_model

    models, problems = [], []
    for folder in model_folders(roots):
        try:
            models.append(store.register_model(describe_model(folder)))
        except ModelFolderError as error:
            problems.append(str(error))
    return models, problems


def evaluate_into_store(
    store: Store, model: ModelInfo, corpus_name: str, splits: Sequence[str], log: Callable[[str], None] = print
) -> None:
    """Score ``model`` on each split of the store corpus and record the evaluation with its errors."""
    from engine.inference.pipeline import load_pipeline
    from engine.research.experiments import evaluate_model
    from engine.scores.report import record_of

    pipeline = load_pipeline(model.folder)
    coverage = corpus_coverage(store, corpus_name)
    for split in splits:
        documents = store.documents(corpus_name, split)
        if not documents:
            continue
        score = evaluate_model(pipeline, documents, model=model.name, coverage=coverage)
        # score.as_dict() is the report's figures plus parameters and seconds per note, computed once
        record = record_of(
            score.report, model=model.fingerprint, split=split, corpus=corpus_name, metrics=score.as_dict()
        )
        store.record_evaluation(model, record)
        log(f"{model.name}: {corpus_name}/{split} strict macro F1 {score.report.macro_f1():.4f}")


def evaluate_missing(
    store: Store,
    models: Iterable[ModelInfo],
    corpus_name: str,
    log: Callable[[str], None] = print,
    *,
    splits: Sequence[str] = ("dev", "test"),
) -> int:
    """Evaluate each model on the corpus's splits (dev and test) where the store has no evaluation yet."""
    done = {(e.model, e.split) for e in store.evaluations(corpus=corpus_name)}
    count = 0
    for model in models:
        missing = [split for split in splits if (model.fingerprint, split) not in done]
        if missing:
            evaluate_into_store(store, model, corpus_name, missing, log)
            count += 1
    return count
