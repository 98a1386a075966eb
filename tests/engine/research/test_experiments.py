import json

import pytest

from engine.cli import main
from engine.research.experiments import Run, grid, seed_summary, summarise_seeds


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


def test_summary_over_seeds_is_mean_and_sample_standard_deviation():
    rows = [
        {
            "run": f"a-seed{s}",
            "configuration": "a",
            "seed": s,
            "macro_f1": m,
            "micro_f1": m,
            "weighted_f1": m,
            "paper_macro_f1": m,
            "per_label_f1": {"Drug": m},
        }
        for s, m in ((13, 0.6), (14, 0.8))
    ]
    (summary,) = summarise_seeds(rows)
    assert summary["seeds"] == [13, 14]
    assert summary["macro_f1"]["mean"] == pytest.approx(0.7)
    assert summary["macro_f1"]["sd"] == pytest.approx(0.1414, abs=1e-4)
    assert "| a | 2 | 0.700 +- 0.141 |" in seed_summary(rows)


def test_experiment_command_runs_each_configuration_with_several_seeds(tiny_corpus, tmp_path):
    out = tmp_path / "seeds"
    argv = ["experiment", "--data", str(tiny_corpus), "--out", str(out), "--kinds", "transformer-crf"]
    argv += ["--fractions", "1.0", "--epochs", "1", "--size", "tiny", "--scratch-lr", "2e-3", "--seeds", "2"]
    assert main([*argv, "--seed", "5"]) == 0
    rows = json.loads((out / "results.json").read_text())
    assert [(row["configuration"], row["seed"]) for row in rows] == [
        ("transformer-crf-full-100pct", 5),
        ("transformer-crf-full-100pct", 6),
        ("transformer-crf-sambd-100pct", 5),
        ("transformer-crf-sambd-100pct", 6),
    ]
    table = (out / "results.md").read_text()
    assert "Mean +- standard deviation over seeds" in table and "| transformer-crf-full-100pct | 2 |" in table
    config = json.loads((out / "models" / "transformer-crf-full-100pct-seed6" / "config.json").read_text())
    assert config["training"]["seed"] == 6
