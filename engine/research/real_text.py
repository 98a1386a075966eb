"""The real-text experiment: which training recipe reads real clinical text best.

Each recipe of :data:`RECIPES` (model kind x training data: the generated corpus only, plus
partially labelled sentences of the open real corpora, plus weakly labelled clinician-written
notes, plus the drug-dictionary feature) is trained on the demo corpus and scored on the demo
test split, on each open corpus's dev and test splits (strict, with the corpus's coverage) and
on the hand-annotated real notes (:data:`NOTES_DEV`, complete), including the Drug scores on
names the model cannot have memorised (:func:`engine.scores.strict.drug_subsets`).

Recipes are chosen on the **dev** splits of the real corpora and the real notes
(:func:`best_recipe`); the test splits are reported, never used to choose. ``python -m engine real-text`` runs it
(``make real-text``); docs/experiments.md holds a measured table.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from engine.data.corpus import coverage_of, load_corpus
from engine.inference.pipeline import load_pipeline
from engine.models.base import ModelFolderError
from engine.research.experiments import evaluate_model, write_json_atomically
from engine.training.loop import Progress, train
from engine.training.settings import Recipe, recipe

#: The hand-annotated real notes (vendored, a dev split only: recipes are chosen on it).
NOTES_DEV = "clinical-notes-dev"
#: The open corpora scored (TAC 2017 ADR is left out: its documents are whole drug labels,
#: thousands of words each, and it annotates reactions only), and the real-note dev set.
SCORED_CORPORA = ("chia", "neurotrialner", "bc5cdr", NOTES_DEV)
_OPEN = ("chia", "neurotrialner", "bc5cdr", "tac2017-adr")
_SCRATCH = {"epochs": 3, "learning_rate": 5e-4, "sambd": True}
_ENCODER = {"epochs": 2, "learning_rate": 1e-4, "sambd": True}
_REAL = {"open_corpora": _OPEN, "open_sentences": 150}
#: 1,000 sentences of each open corpus and 1,000 of the weakly labelled clinician-written notes.
_NOTES = {"open_corpora": _OPEN, "open_sentences": 1000, "note_sentences": 1000}

#: name -> (kind, training options of :func:`engine.training.settings.recipe`).
RECIPES: dict[str, tuple[str, dict[str, object]]] = {
    "transformer-crf generated": ("transformer-crf", {**_SCRATCH}),
    "transformer-crf +real": ("transformer-crf", {**_SCRATCH, **_REAL}),
    "transformer-crf +real +gazetteer": ("transformer-crf", {**_SCRATCH, **_REAL, "gazetteer": True}),
    "encoder-crf generated": ("encoder-crf", {**_ENCODER}),
    "encoder-crf +real": ("encoder-crf", {**_ENCODER, **_REAL}),
    "encoder-crf +real +gazetteer": ("encoder-crf", {**_ENCODER, **_REAL, "gazetteer": True}),
    "transformer-crf +real +notes +gazetteer": ("transformer-crf", {**_SCRATCH, **_NOTES, "gazetteer": True}),
    "encoder-crf +real +notes +gazetteer": ("encoder-crf", {**_ENCODER, **_NOTES, "gazetteer": True}),
    # make models-full: more of everything, 3 epochs (about 25 minutes on 2 cores)
    "encoder-crf full": (
        "encoder-crf",
        {
            **_ENCODER,
            "epochs": 3,
            "open_corpora": _OPEN,
            "open_sentences": 3000,
            "note_sentences": 14000,
            "gazetteer": True,
        },
    ),
}


@dataclass
class RecipeResult:
    name: str
    recipe: Recipe
    train_seconds: float
    #: test set name ("demo/test", "chia/dev", ...) -> the evaluation's JSON figures
    scores: dict[str, dict]

    def real_dev_micro_f1(self) -> float:
        """Mean strict micro F1 over the real corpora's dev splits: what recipes are chosen by."""
        values = [score["micro_f1"] for name, score in self.scores.items() if name.endswith("/dev")]
        return sum(values) / len(values) if values else 0.0


def best_recipe(results: Sequence[RecipeResult], kind_name: str) -> RecipeResult | None:
    """The recipe of ``kind_name`` with the best mean micro F1 on the real dev splits."""
    mine = [result for result in results if result.recipe.kind.name == kind_name]
    return max(mine, key=RecipeResult.real_dev_micro_f1, default=None)


def run_real_text(
    demo: Path | str,
    real: Path | str,
    out: Path | str,
    *,
    names: Sequence[str] | None = None,
    corpora: Sequence[str] = SCORED_CORPORA,
    seed: int = 13,
    on_line: Callable[[str], None] = print,
    on_progress: Callable[[Progress], None] | None = None,
    device: str | None = None,
    precision: str | None = None,
) -> list[RecipeResult]:
    """Train (or reuse, where ``out/models/NAME`` already holds a model) and score each named
    recipe; write ``out/results.json`` and ``out/results.md`` after each one."""
    demo, real, out = Path(demo), Path(real), Path(out)
    names = tuple(RECIPES) if names is None else tuple(names)
    unknown = [name for name in names if name not in RECIPES]
    if unknown:
        raise ValueError(f"unknown recipes {', '.join(unknown)}; choose from {', '.join(RECIPES)}")
    corpus = load_corpus(demo)
    test_sets = {"demo/test": (corpus.documents("test"), None)}
    for name in corpora:
        if name == NOTES_DEV:
            from engine.data.open import VENDOR

            test_sets[f"{name}/dev"] = (load_corpus(VENDOR / NOTES_DEV).documents("test"), None)
            continue
        folder = real / name
        if not (folder / "test").is_dir():
            raise FileNotFoundError(
                f"{folder}: no open corpus there; write it with: python -m engine corpus open --out {real}"
            )
        loaded = load_corpus(folder)
        for split in ("dev", "test"):
            test_sets[f"{name}/{split}"] = (loaded.documents(split), coverage_of(folder / split))
    results: list[RecipeResult] = []
    timings_file = out / "train_seconds.json"
    for name in names:
        kind_name, options = RECIPES[name]
        plan = recipe(kind_name, {**options, "seed": seed})
        folder = out / "models" / name.replace(" ", "_").replace("+", "")
        try:
            pipeline = load_pipeline(folder, device=device, precision=precision)
            seconds = _read_seconds(timings_file).get(name, 0.0)
            on_line(f"{name}: reusing {folder}")
        except (ModelFolderError, OSError):
            on_line(f"{name}: training {plan.describe()}")
            began = time.perf_counter()
            train(plan, corpus, folder, on_progress=on_progress, device=device, precision=precision)
            seconds = round(time.perf_counter() - began, 1)
            write_json_atomically(timings_file, {**_read_seconds(timings_file), name: seconds})
            pipeline = load_pipeline(folder, device=device, precision=precision)
        scores = {}
        for test_name, (documents, coverage) in test_sets.items():
            scores[test_name] = evaluate_model(pipeline, documents, model=name, coverage=coverage).as_dict()
            on_line(f"  {test_name}: strict micro F1 {scores[test_name]['micro_f1']:.3f}")
        results.append(RecipeResult(name, plan, seconds, scores))
        write_real_text_results(out, results)
    return results


def _read_seconds(path: Path) -> dict[str, float]:
    import json

    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _cells(score: Mapping[str, object]) -> list[str]:
    per_label = score["per_label"]
    drug = per_label.get("Drug", {})
    subsets = score.get("drug_subsets", {})

    def f1(row: Mapping | None) -> str:
        return f"{row['f1']:.2f} ({row['support']})" if row and row.get("support") else "-"

    return [
        f"{score['micro_f1']:.3f}",
        f"{score['macro_f1']:.3f}",
        f"{drug.get('precision', 0.0):.2f} / {drug.get('recall', 0.0):.2f} / {drug.get('f1', 0.0):.2f}"
        if drug
        else "-",
        f"{per_label['ADE']['f1']:.2f}" if "ADE" in per_label and per_label["ADE"]["support"] else "-",
        f1(subsets.get("unseen_in_training")),
        f1(subsets.get("absent_from_dictionary")),
    ]


def write_real_text_results(out: Path, results: Sequence[RecipeResult]) -> None:
    """``results.json`` (every figure) and ``results.md``: one row per recipe and test set."""
    data = [
        {
            "recipe": r.name,
            "kind": r.recipe.kind.name,
            "options": r.recipe.describe(),
            "train_seconds": round(r.train_seconds, 1),
            "real_dev_micro_f1": r.real_dev_micro_f1(),
            "scores": r.scores,
        }
        for r in results
    ]
    write_json_atomically(out / "results.json", data)
    header = (
        "| recipe | train s | test set | micro F1 | macro F1 | Drug P / R / F1 | ADE F1 "
        "| Drug F1 unseen in training (n) | Drug F1 not in dictionary (n) |\n"
        "|---|---|---|---|---|---|---|---|---|\n"
    )
    lines = [
        f"| {r.name} | {r.train_seconds:.0f} | {test_name} | " + " | ".join(_cells(score)) + " |\n"
        for r in results
        for test_name, score in r.scores.items()
        if not test_name.endswith("/dev") or test_name.startswith(NOTES_DEV)
    ]
    choice = [
        f"- {kind_name}: {best.name} (mean real dev micro F1 {best.real_dev_micro_f1():.3f})\n"
        for kind_name in dict.fromkeys(r.recipe.kind.name for r in results)
        if (best := best_recipe(results, kind_name)) is not None
    ]
    note = (
        "Strict span scores (seqeval strict, IOB2). Open corpora are scored only where they annotate "
        "(their coverage); the demo split and the real notes are complete. Test splits and the real "
        "notes; the recipes are chosen on the real dev splits and the real notes:\n\n" + "".join(choice) + "\n"
    )
    (out / "results.md").write_text(note + header + "".join(lines), encoding="utf-8")
