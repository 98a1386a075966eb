"""Tables the research pages show, built from models and their stored evaluations (pure functions)."""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping, Sequence

from engine.types import EvaluationRecord, ModelInfo


def encoder_name(encoder: str) -> str:
    """A short name for an encoder checkpoint or folder (the bundled MiniLM lives in ``.../model``)."""
    parts = [part for part in encoder.replace("\\", "/").split("/") if part]
    if not parts:
        return ""
    if "minilm" in encoder.lower():
        return "MiniLM"
    return parts[-2] if parts[-1] == "model" and len(parts) > 1 else parts[-1]


def family(model: ModelInfo) -> str:
    """The network without its CRF: ``transformer`` or ``encoder`` with the encoder it uses."""
    base = model.kind.removesuffix("-crf")
    return f"{base} {encoder_name(model.encoder)}".strip() if base != "transformer" else base


def fraction(model: ModelInfo) -> float:
    return float(model.training.get("train_fraction", 1.0))


def sambd(model: ModelInfo) -> bool:
    return bool(model.training.get("sambd", False))


def interval_text(bounds: Sequence[float] | None) -> str:
    """``[0.78, 0.81]`` as ``0.780-0.810``; empty for evaluations stored before intervals were kept."""
    return f"{bounds[0]:.3f}-{bounds[1]:.3f}" if bounds else ""


def _rounded(value: object, digits: int = 4) -> float | None:
    return round(float(value), digits) if value is not None else None


def relation_rows(models: Iterable[ModelInfo], evaluations: Iterable[EvaluationRecord]) -> list[dict[str, object]]:
    """One row per (model, split) whose gold had relations: relation micro F1 of the learned linker
    and of the nearest-drug rule, given gold entities and end to end, and the paired test of the
    linker against the rule end to end (:mod:`engine.scores.relations`)."""
    by_fingerprint = {m.fingerprint: m for m in models}
    rows = []
    for record in evaluations:
        model = by_fingerprint.get(record.model)
        relations = record.metrics.get("relations")
        if model is None or not relations:
            continue
        linker, rule = relations.get("linker", {}), relations.get("nearest_drug", {})
        test = relations.get("linker_against_rule", {}).get("end_to_end", {}).get("micro_f1", {})
        rows.append(
            {
                "model": model.name,
                "split": record.split,
                "relations": (linker.get("given_gold_entities") or {}).get("relations"),
                "linker F1, gold entities": _rounded((linker.get("given_gold_entities") or {}).get("micro_f1")),
                "rule F1, gold entities": _rounded((rule.get("given_gold_entities") or {}).get("micro_f1")),
                "linker F1, end to end": _rounded((linker.get("end_to_end") or {}).get("micro_f1")),
                "rule F1, end to end": _rounded((rule.get("end_to_end") or {}).get("micro_f1")),
                "linker - rule, end to end": _rounded(test.get("difference")),
                "p": _rounded(test.get("p_value")),
            }
        )
    return rows


def score_rows(models: Iterable[ModelInfo], evaluations: Iterable[EvaluationRecord]) -> list[dict[str, object]]:
    """One row per (model, split): strict macro / weighted / micro F1 with their bootstrap intervals,
    the n2c2 lenient micro F1, paper mode, speed."""
    by_fingerprint = {m.fingerprint: m for m in models}
    rows = []
    for record in evaluations:
        model = by_fingerprint.get(record.model)
        if model is None:
            continue
        paper = record.metrics.get("paper", {})
        ci = record.metrics.get("ci", {})
        lenient = record.metrics.get("n2c2", {}).get("lenient", {})
        rows.append(
            {
                "model": model.name,
                "kind": model.kind,
                "encoder": family(model),
                "CRF": model.crf,
                "SamBD": sambd(model),
                "train share": fraction(model),
                "parameters": model.parameters,
                "split": record.split,
                "macro F1": round(record.macro_f1, 4),
                "macro F1 95% interval": interval_text(ci.get("macro_f1")),
                "weighted F1": round(record.weighted_f1, 4),
                "micro F1": round(record.micro_f1, 4),
                "micro F1 95% interval": interval_text(ci.get("micro_f1")),
                "n2c2 lenient micro F1": _rounded(lenient.get("micro_f1")),
                "paper macro F1": round(float(paper.get("macro_f1", float("nan"))), 4),
                "ms / note": round(1000 * float(record.metrics.get("seconds_per_note", float("nan"))), 1),
            }
        )
    rows.sort(key=lambda r: (r["split"], -r["macro F1"]))
    return rows


def real_text_rows(
    models: Iterable[ModelInfo], evaluations: Iterable[EvaluationRecord], *, demo: str, real: Sequence[str]
) -> list[dict[str, object]]:
    """One row per model: strict micro F1 and Drug F1 on the demo test split and on each real
    corpus's test split (scored where that corpus annotates), and the Drug F1 on names absent
    from the drug dictionary over the real test splits together; best real-text model first."""
    by_fingerprint = {m.fingerprint: m for m in models}
    tests = {(r.model, r.corpus): r for r in evaluations if r.split == "test"}
    rows = []
    for fingerprint, model in by_fingerprint.items():
        found = {corpus: tests.get((fingerprint, corpus)) for corpus in (demo, *real)}
        if not any(found[corpus] for corpus in real):
            continue
        row: dict[str, object] = {"model": model.name, "kind": model.kind}
        absent = [0, 0, 0]  # true positives, gold, predicted: Drug names not in the dictionary
        for corpus, record in found.items():
            short = corpus.removeprefix("real-")
            drug = record.metrics.get("per_label", {}).get("Drug") if record else None
            row[f"{short} micro F1"] = round(record.micro_f1, 3) if record else None
            row[f"{short} Drug F1"] = round(float(drug["f1"]), 3) if drug else None
            subset = record.metrics.get("drug_subsets", {}).get("absent_from_dictionary") if record else None
            if subset and corpus != demo:
                absent[0] += int(subset.get("true_positives", 0))
                absent[1] += int(subset["support"])
                absent[2] += int(subset.get("predicted", 0))
        scored = [row[f"{c.removeprefix('real-')} micro F1"] for c in real if found[c]]
        row["real micro F1 (mean)"] = round(sum(scored) / len(scored), 3)
        tp, gold, predicted = absent
        row["Drug F1, names not in dictionary"] = round(2 * tp / (gold + predicted), 3) if gold + predicted else None
        rows.append(row)
    rows.sort(key=lambda r: -float(r["real micro F1 (mean)"]))
    return rows


def pairs(
    models: Sequence[ModelInfo], evaluations: Iterable[EvaluationRecord], *, differ_by: str
) -> list[dict[str, object]]:
    """Models that differ only in ``differ_by`` ("crf" or "sambd"), side by side with the F1 change."""
    scores = {record.model: record for record in evaluations}

    def key(model: ModelInfo) -> tuple:
        if differ_by == "crf":
            return (family(model), sambd(model), fraction(model))
        if differ_by == "sambd":
            return (model.kind, family(model), fraction(model))
        raise ValueError(f"differ_by is 'crf' or 'sambd', not {differ_by!r}")

    def flag(model: ModelInfo) -> bool:
        return model.crf if differ_by == "crf" else sambd(model)

    groups: dict[tuple, dict[bool, ModelInfo]] = {}
    for model in models:
        if model.fingerprint in scores:
            groups.setdefault(key(model), {}).setdefault(flag(model), model)
    rows = []
    name = "CRF" if differ_by == "crf" else "SamBD"
    for group in groups.values():
        if True not in group or False not in group:
            continue
        with_, without = scores[group[True].fingerprint], scores[group[False].fingerprint]
        rows.append(
            {
                f"without {name}": group[False].name,
                f"with {name}": group[True].name,
                "macro F1 without": round(without.macro_f1, 4),
                "macro F1 with": round(with_.macro_f1, 4),
                "change": round(with_.macro_f1 - without.macro_f1, 4),
                "micro change": round(with_.micro_f1 - without.micro_f1, 4),
            }
        )
    return rows


def curve_points(
    models: Sequence[ModelInfo], evaluations: Iterable[EvaluationRecord]
) -> dict[str, list[tuple[float, float, float, int]]]:
    """For each (kind, encoder, SamBD) trained on at least two shares of the notes: per share, the
    mean strict macro F1 over the models trained on it (one per seed), its standard deviation
    (0 for a single model) and how many models there were."""
    scores = {record.model: record.macro_f1 for record in evaluations}
    curves: dict[str, dict[float, list[float]]] = {}
    for model in models:
        if model.fingerprint not in scores:
            continue
        name = f"{model.kind} {family(model).split(' ', 1)[-1] if ' ' in family(model) else ''}".strip()
        name += " SamBD" if sambd(model) else ""
        curves.setdefault(name, {}).setdefault(fraction(model), []).append(scores[model.fingerprint])
    result = {}
    for name, points in curves.items():
        if len(points) < 2:
            continue
        result[name] = [
            (share, statistics.fmean(values), statistics.stdev(values) if len(values) > 1 else 0.0, len(values))
            for share, values in sorted(points.items())
        ]
    return result


def learning_curves(
    models: Sequence[ModelInfo], evaluations: Iterable[EvaluationRecord]
) -> dict[str, list[tuple[float, float]]]:
    """For each (kind, encoder, SamBD) trained on at least two shares of the notes: (share, macro F1),
    the mean over seeds where several models were trained on one share (:func:`curve_points`)."""
    return {
        name: [(share, mean) for share, mean, _, _ in points]
        for name, points in curve_points(models, evaluations).items()
    }


#: The per-label chart's scorings: name -> what each label's F1 (and interval) is read from.
SCORINGS = {
    "strict spans (seqeval)": "strict",
    "n2c2 lenient (overlap, same label)": "lenient",
    "paper mode (tag level, B and I merged)": "paper",
}


def per_label_scores(record: EvaluationRecord, scoring: str) -> tuple[dict[str, float], dict[str, tuple[float, float]]]:
    """One evaluation's per-label F1 under ``scoring`` (a value of :data:`SCORINGS`) and the 95 %
    intervals where the evaluation kept them (none in paper mode, whose "macro" includes O)."""
    metrics = record.metrics
    if scoring == "strict":
        rows = metrics.get("per_label", {})
    elif scoring == "lenient":
        rows = metrics.get("n2c2", {}).get("lenient", {}).get("per_label", {})
    elif scoring == "paper":
        paper = metrics.get("paper", {})
        scores = {label: float(row["f1"]) for label, row in paper.get("per_label", {}).items() if label != "O"}
        if "macro_f1_labels" in paper:
            scores["macro"] = float(paper["macro_f1_labels"])
        return scores, {}
    else:
        raise ValueError(f"unknown scoring {scoring!r}; expected one of {', '.join(SCORINGS.values())}")
    scores = {label: float(row["f1"]) for label, row in rows.items()}
    bounds = {label: (float(row["f1_ci"][0]), float(row["f1_ci"][1])) for label, row in rows.items() if "f1_ci" in row}
    return scores, bounds


def paper_rows(
    models: Iterable[ModelInfo], evaluations: Iterable[EvaluationRecord], *, published: bool
) -> list[dict[str, object]]:
    """Paper mode (the study's tag-level scoring) per model and split, with the study's own
    published rows (Tables II and III, n2c2, never run here) below them when ``published``."""
    by_fingerprint = {m.fingerprint: m for m in models}
    rows: list[dict[str, object]] = []
    for record in evaluations:
        model = by_fingerprint.get(record.model)
        paper = record.metrics.get("paper")
        if model is None or not paper:
            continue
        tags = paper.get("per_tag", {}).values()
        rows.append(
            {
                "model": model.name,
                "split": record.split,
                "macro precision": _rounded(sum(r["precision"] for r in tags) / len(tags)) if tags else None,
                "macro recall": _rounded(sum(r["recall"] for r in tags) / len(tags)) if tags else None,
                "paper macro F1": _rounded(paper.get("macro_f1")),
                "paper macro F1 95% interval": interval_text(paper.get("ci", {}).get("macro_f1")),
                "paper weighted F1": _rounded(paper.get("weighted_f1")),
                "source": "run here",
            }
        )
    rows.sort(key=lambda r: (r["split"], -(r["paper macro F1"] or 0.0)))
    if published:
        from engine.scores.study import overall_rows

        rows += [{**row, "split": "n2c2 test", "paper macro F1 95% interval": ""} for row in overall_rows()]
    return rows


def comparison_rows(test: Mapping[str, object]) -> list[dict[str, object]]:
    """A paired test (:func:`engine.scores.intervals.paired_test`) as table rows: micro, macro, then labels."""
    rows = [("micro F1", test["micro_f1"]), ("macro F1", test["macro_f1"])]
    rows += list(test["per_label"].items())
    return [
        {
            "figure": name,
            "A": round(row["a"], 4),
            "B": round(row["b"], 4),
            "B - A": round(row["difference"], 4),
            "95% interval of B - A": f"{row['ci'][0]:+.3f} to {row['ci'][1]:+.3f}",
            "p-value": round(row["p_value"], 4),
        }
        for name, row in rows
    ]


def calibration_rows(models: Iterable[ModelInfo], evaluations: Iterable[EvaluationRecord]) -> list[dict[str, object]]:
    """One row per evaluated model and split that has span probabilities: the expected calibration
    error and how many spans it rests on, best calibrated first."""
    by_fingerprint = {m.fingerprint: m for m in models}
    rows = []
    for record in evaluations:
        model = by_fingerprint.get(record.model)
        found = record.metrics.get("calibration") or {}
        if model is None or not found.get("spans"):
            continue
        rows.append(
            {
                "model": model.name,
                "split": record.split,
                "ECE": round(float(found["ece"]), 4),
                "spans": int(found["spans"]),
            }
        )
    rows.sort(key=lambda r: (r["split"], r["ECE"]))
    return rows


def editing_time_rows(summaries) -> list[dict[str, object]]:
    """Gold editing time per annotator (:func:`engine.notes.editing.summarise_times`), one row each."""
    return [
        {
            "annotator": row.author,
            "documents": row.documents,
            "revisions": row.revisions,
            "median per revision (s)": round(row.median_seconds, 1),
            "total (min)": round(row.total_seconds / 60, 1),
            "seconds per span": round(row.seconds_per_span, 1),
        }
        for row in summaries
    ]


def revision_time_rows(timed) -> list[dict[str, object]]:
    """The editing time of each timed gold revision, one row each (the page's CSV download)."""
    return [
        {
            "annotator": t.author,
            "document": t.document_id,
            "revision": t.number,
            "seconds": t.seconds,
            "spans": t.span_count,
        }
        for t in timed
    ]
