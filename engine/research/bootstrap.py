"""First run: the demo corpus and the two default demo models, made only where missing."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from engine.data.corpus import load_corpus
from engine.inference.pipeline import load_pipeline
from engine.models.base import ModelFolderError
from engine.models.tagger import load_tagger
from engine.research.experiments import evaluate_model, write_json_atomically
from engine.research.real_text import RECIPES
from engine.synth.generate import generate_corpus
from engine.training.loop import Progress, train
from engine.training.settings import recipe

#: The demo models: (folder name, kind, training options of engine.training.settings.recipe), the recipes
#: of the real-text experiment that scored best on the real-note dev set and the open corpora's
#: dev splits (engine/research/real_text.py, docs/experiments.md 'Real clinical notes'): the SamBD sample
#: of the demo corpus, 1,000 partially labelled sentences of each open real corpus, 1,000
#: weakly labelled sentences of clinician-written notes, and the drug-dictionary feature.
#: Sized to train within 10 minutes on 2 CPU cores (README, 'First run', has the measured time).
DEMO_MODELS = tuple(
    (kind_name, *RECIPES[f"{kind_name} +real +notes +gazetteer"]) for kind_name in ("transformer-crf", "encoder-crf")
)
#: The longer recipe of ``make models-full`` (at most 45 minutes on 2 CPU cores): MiniLM on
#: 3,000 sentences of each open corpus and every sentence of the clinician-written notes, 3 epochs.
#: The app's default is the model that scores best on real text, so it prefers this one when it
#: is there and scores better.
FULL_MODELS = (("encoder-crf-full", *RECIPES["encoder-crf full"]),)


def bootstrap(
    data: Path | str,
    models: Path | str,
    *,
    seed: int = 13,
    on_progress: Callable[[Progress], None] | None = None,
    device: str | None = None,
    precision: str | None = None,
    full: bool = False,
) -> Iterator[str]:
    """Generate ``data`` if it holds no corpus, train each demo model (with ``full``, each of
    :data:`FULL_MODELS`) whose folder is missing or unloadable (reporting to ``on_progress``), and
    say what was done, one line at a time."""
    data, models = Path(data), Path(models)
    if not (data / "train").is_dir():
        generate_corpus(data, seed=seed)
        yield f"generated the demo corpus in {data}"
    corpus = load_corpus(data)
    for name, kind_name, options in FULL_MODELS if full else DEMO_MODELS:
        folder = models / name
        try:
            load_tagger(folder)
            yield f"{folder}: already trained"
            continue
        except (ModelFolderError, OSError):
            pass
        yield f"{folder}: training {kind_name} on {data}"
        result = train(
            recipe(kind_name, {**options, "seed": seed}),
            corpus,
            folder,
            on_progress=on_progress,
            device=device,
            precision=precision,
        )
        pipeline = load_pipeline(folder, device=device, precision=precision)
        score = evaluate_model(pipeline, corpus.documents("test"), model=name)
        write_json_atomically(folder / "metrics.json", {"split": "test", "data": str(data), **score.as_dict()})
        yield (
            f"{folder}: trained in {result.seconds:.0f} s ({result.epochs_run} epochs), "
            f"test strict macro F1 {score.report.macro_f1():.3f}, micro F1 {score.report.micro()['f1']:.3f}"
        )
