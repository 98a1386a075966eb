import pytest

from engine.cli import main
from tests.engine.cli.commands import run_json


def test_the_precision_is_chosen_on_the_command_line_and_reported(capsys, tiny_model, tiny_corpus, monkeypatch):
    data = str(tiny_corpus / "test")
    monkeypatch.setenv("MEDNER_PRECISION", "bf16")
    asked = run_json(capsys, "evaluate", "--model", str(tiny_model), "--data", data, "--json", "--precision", "fp32")
    assert asked["precision"] == "fp32", "the option wins over the environment"
    monkeypatch.delenv("MEDNER_PRECISION")
    assert run_json(capsys, "evaluate", "--model", str(tiny_model), "--data", data, "--json")["precision"] == "fp32"
    assert (
        main(["predict", "--model", str(tiny_model), "--precision", "fp16", *map(str, tiny_corpus.glob("*/*.txt"))])
        == 2
    )
    assert "fp16 autocast is for GPUs; on a CPU use bf16 or fp32" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["predict", "--model", str(tiny_model), "--precision", "half"])
    assert "invalid choice: 'half'" in capsys.readouterr().err


def test_the_parser_offers_every_precision_the_engine_knows():
    from engine import devices
    from engine.cli import options

    assert options.PRECISION_CHOICES == devices.PRECISIONS
