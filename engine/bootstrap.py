"""First run: the demo corpus and the two default demo models, made only where missing."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from engine.data.corpus import load_corpus
from engine.experiments import evaluate_model, write_json_atomically
from engine.models.base import ModelFolderError
from engine.models.tagger import load_tagger
from engine.synth.generate import generate_corpus
from engine.training import Progress, recipe, train

#: The demo models: (folder name, kind, training options of engine.training.recipe). Sized to
#: finish in a few minutes on 2 CPU cores (README, 'First run', has the measured time).
#: Both also learn from 150 sentences of each open real corpus (partially labelled, engine.data.open):
#: 600 in all beside the SamBD sample of the demo corpus, to keep `make demo` within minutes.
OPEN = ("chia", "neurotrialner", "bc5cdr", "tac2017-adr")
DEMO_MODELS = (
    (
        "transformer-crf",
        "transformer-crf",
        {"epochs": 3, "learning_rate": 5e-4, "sambd": True, "open_corpora": OPEN, "open_sentences": 150},
    ),
    (
        "encoder-crf",
        "encoder-crf",
        {"epochs": 2, "learning_rate": 1e-4, "sambd": True, "open_corpora": OPEN, "open_sentences": 150},
    ),
)


def bootstrap(
    data: Path | str,
    models: Path | str,
    *,
    seed: int = 13,
    on_progress: Callable[[Progress], None] | None = None,
) -> Iterator[str]:
    """Generate ``data`` if it holds no corpus, train each demo model whose folder is missing or
    unloadable (reporting to ``on_progress``), and say what was done, one line at a time."""
    data, models = Path(data), Path(models)
    if not (data / "train").is_dir():
        generate_corpus(data, seed=seed)
        yield f"generated the demo corpus in {data}"
    corpus = load_corpus(data)
    for name, kind_name, options in DEMO_MODELS:
        folder = models / name
        try:
            load_tagger(folder)
            yield f"{folder}: already trained"
            continue
        except (ModelFolderError, OSError):
            pass
        yield f"{folder}: training {kind_name} on {data}"
        result = train(recipe(kind_name, {**options, "seed": seed}), corpus, folder, on_progress=on_progress)
        score = evaluate_model(load_tagger(folder), corpus.documents("test"), model=name)
        write_json_atomically(folder / "metrics.json", {"split": "test", "data": str(data), **score.as_dict()})
        yield (
            f"{folder}: trained in {result.seconds:.0f} s ({result.epochs_run} epochs), "
            f"test strict macro F1 {score.report.macro_f1():.3f}, micro F1 {score.report.micro()['f1']:.3f}"
        )
