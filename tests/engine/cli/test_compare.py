import pytest

from engine.cli import main
from engine.labels import LABELS
from tests.engine.cli.commands import run_json


def test_compare_two_models_on_the_same_notes(capsys, tiny_model, tiny_corpus):
    data = str(tiny_corpus / "test")
    result = run_json(capsys, "compare", "--a", str(tiny_model), "--b", str(tiny_model), "--data", data, "--json")
    assert {"a", "b", "data", "strict", "n2c2_lenient"} <= set(result)
    for scoring in ("strict", "n2c2_lenient"):
        test = result[scoring]
        assert test["resamples"] == 1000 and test["documents"] == len(list((tiny_corpus / "test").glob("*.txt")))
        assert test["micro_f1"]["difference"] == 0.0 and test["micro_f1"]["p_value"] == 1.0
        assert set(test["per_label"]) <= set(LABELS)
    assert main(["compare", "--a", str(tiny_model), "--b", str(tiny_model), "--data", data, "--resamples", "50"]) == 0
    text = capsys.readouterr().out
    assert "approximate-randomisation p-value (50 permutations)" in text and "micro F1" in text
    with pytest.raises(SystemExit) as exit_info:
        main(["compare", "--a", str(tiny_model), "--b", str(tiny_model), "--data", data, "--resamples", "0"])
    assert exit_info.value.code == 2
