import json

from engine.cli import main
from engine.experiments import Run, grid


def test_grid_covers_kinds_sampling_and_the_learning_curve():
    runs = grid([None], ["transformer-crf", "encoder"], [0.25, 1.0], ["transformer-crf"])
    names = [run.name for run in runs]
    assert names == [
        "transformer-crf-full-100pct",
        "transformer-crf-sambd-100pct",
        "encoder-minilm-full-100pct",
        "encoder-minilm-sambd-100pct",
        "transformer-crf-full-25pct",
    ]
    assert Run("encoder-crf", "/models/Bio_ClinicalBERT", True).name == "encoder-crf-bio_clinicalbert-sambd-100pct"


def test_experiment_command_writes_the_results_table(tiny_corpus, tmp_path, capsys):
    out = tmp_path / "exp"
    argv = [
        "experiment",
        "--data",
        str(tiny_corpus),
        "--out",
        str(out),
        "--kinds",
        "transformer-crf",
        "--fractions",
        "0.5",
        "1.0",
        "--epochs",
        "1",
        "--size",
        "tiny",
        "--scratch-lr",
        "2e-3",
    ]
    assert main(argv) == 0
    rows = json.loads((out / "results.json").read_text())
    assert [row["run"] for row in rows] == [
        "transformer-crf-full-100pct",
        "transformer-crf-sambd-100pct",
        "transformer-crf-full-50pct",
    ]
    for row in rows:
        assert 0.0 <= row["macro_f1"] <= 1.0 and 0.0 < row["paper_micro_f1"] <= 1.0
        assert row["params"] > 0 and row["train_seconds"] >= 0
        assert (out / "models" / row["run"] / "metrics.json").exists()
    table = (out / "results.md").read_text()
    assert "| transformer-crf-sambd-100pct |" in table and "paper macro" in table
    assert "transformer-crf-full-50pct" in capsys.readouterr().out
