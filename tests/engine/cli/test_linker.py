import json

import pytest

from engine.cli import main
from engine.notes.linking import LearnedLinker
from tests.engine.cli.commands import run_json


def test_train_linker_writes_a_linker_and_scores_it_against_the_rule(capsys, demo, tmp_path):
    output = tmp_path / "linker.json"
    result = run_json(
        capsys, "train-linker", "--data", str(demo), "--output", str(output), "--resamples", "50", "--json"
    )
    linker = LearnedLinker.load(output)
    assert linker.trained_on["relations"] == result["trained_on"]["relations"] > 0
    for split in ("dev", "test"):
        relations = result[split]
        for name in ("linker", "nearest_drug"):
            assert 0.0 <= relations[name]["given_gold_entities"]["micro_f1"] <= 1.0
        assert "p_value" in relations["linker_against_rule"]["given_gold_entities"]["micro_f1"]


def test_compare_the_linker_against_the_rule_with_the_same_model(capsys, tiny_model, tiny_corpus, tmp_path):
    data = str(tiny_corpus / "test")
    argv = ["compare", "--a", str(tiny_model), "--a-linker", "nearest", "--b", str(tiny_model), "--data", data]
    result = run_json(capsys, *argv, "--resamples", "50", "--json")
    assert result["strict"]["micro_f1"]["difference"] == 0.0, "the same spans on both sides"
    for setting in ("given_gold_entities", "end_to_end"):
        test = result[f"relations/linker:{setting}"]
        assert set(test["per_label"]) <= {
            "Strength-Drug",
            "Dosage-Drug",
            "Form-Drug",
            "Route-Drug",
            "Frequency-Drug",
            "Duration-Drug",
            "Reason-Drug",
            "ADE-Drug",
        }
    broken = tmp_path / "linker.json"
    broken.write_text(json.dumps({"format": 99}), encoding="utf-8")
    with pytest.raises(SystemExit, match="not a linker file of format"):
        main([*argv, "--b-linker", str(broken)])
