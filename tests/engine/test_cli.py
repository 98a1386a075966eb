import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from engine.cli import main
from engine.data.brat import read_folder, write_document
from engine.inference import named_like_condition
from engine.labels import LABELS
from engine.types import Document, Span


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("cli") / "demo"
    assert (
        main(["corpus", "generate", "--out", str(out), "--seed", "3", "--train", "4", "--dev", "2", "--test", "6"]) == 0
    )
    return out


def run_json(capsys, *argv: str) -> dict:
    assert main(list(argv)) == 0
    return json.loads(capsys.readouterr().out)


def test_module_entry_point_runs(demo):
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "engine",
            "evaluate",
            "--gold",
            str(demo / "test"),
            "--pred",
            str(demo / "test"),
            "--json",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    data = json.loads(done.stdout)
    assert set(data) >= {"macro_f1", "weighted_f1", "micro_f1", "per_label", "errors_by_kind", "paper"}


def test_gold_against_itself_is_perfect(demo, capsys):
    data = run_json(capsys, "evaluate", "--gold", str(demo / "test"), "--pred", str(demo / "test"), "--json")
    assert data["macro_f1"] == data["weighted_f1"] == data["micro_f1"] == 1.0
    assert all(row["f1"] == 1.0 for row in data["per_label"].values())
    assert set(data["errors_by_kind"].values()) == {0}
    assert data["paper"]["macro_f1"] == 1.0 and data["paper"]["unit"] == "word"


def perturb(documents: list[Document]) -> tuple[list[Document], int, int]:
    """Drop every third Drug and relabel every Route as Form; return the copies and the counts."""
    changed, dropped, relabelled = [], 0, 0
    for document in documents:
        spans = []
        drugs = 0
        for span in document.spans:
            if span.label == "Drug":
                drugs += 1
                if drugs % 3 == 0:
                    dropped += 1
                    continue
            if span.label == "Route":
                relabelled += 1
                span = Span(span.start, span.end, "Form", span.text, span.fragments, ref=span.ref)
            spans.append(span)
        changed.append(Document(document.id, document.text, tuple(spans)))
    return changed, dropped, relabelled


def test_perturbed_copy_scores_what_was_changed(demo, tmp_path, capsys):
    gold, _ = read_folder(demo / "test")
    changed, dropped, relabelled = perturb(gold)
    for document in changed:
        write_document(document, tmp_path / "pred")
    data = run_json(capsys, "evaluate", "--gold", str(demo / "test"), "--pred", str(tmp_path / "pred"), "--json")
    drug = data["per_label"]["Drug"]
    assert drug["precision"] == 1.0
    assert drug["recall"] == pytest.approx(1 - dropped / drug["support"])
    assert data["per_label"]["Route"]["recall"] == 0.0
    assert data["errors_by_kind"] == {
        "missed": dropped,
        "spurious": 0,
        "boundary": 0,
        "type": relabelled,
        "boundary+type": 0,
    }
    total = sum(len(document.spans) for document in gold)
    correct = total - dropped - relabelled
    precision, recall = correct / (total - dropped), correct / total
    assert data["micro_f1"] == pytest.approx(2 * precision * recall / (precision + recall))
    assert data["macro_f1"] < 1.0 and data["weighted_f1"] < 1.0
    assert data["paper"]["micro_f1"] < 1.0


def test_missing_prediction_file_is_warned_and_scored_as_empty(demo, tmp_path, capsys):
    shutil.copytree(demo / "test", tmp_path / "pred")
    victim = sorted((tmp_path / "pred").glob("*.txt"))[0]
    victim.unlink()
    victim.with_suffix(".ann").unlink()
    data = run_json(capsys, "evaluate", "--gold", str(demo / "test"), "--pred", str(tmp_path / "pred"), "--json")
    assert data["missing_predictions"] == [victim.stem]
    assert data["micro_recall"] < 1.0


def test_text_report_labels_paper_mode(demo, capsys):
    assert main(["evaluate", "--gold", str(demo / "test"), "--pred", str(demo / "test")]) == 0
    out = capsys.readouterr().out
    assert "strict span level" in out and "paper mode (tag level" in out


def test_stats_prints_a_table_and_json(demo, capsys):
    assert main(["corpus", "stats", str(demo)]) == 0
    table = capsys.readouterr().out
    assert table.startswith("| | train | dev | test |")
    data = run_json(capsys, "corpus", "stats", str(demo), "--json")
    assert data["test"]["documents"] == 6 and data["train"]["alignment"]["unaligned"] == 0


def test_malformed_ann_exits_2_naming_file_and_line(tmp_path, capsys):
    (tmp_path / "bad.txt").write_text("aspirin daily", encoding="utf-8")
    (tmp_path / "bad.ann").write_text("T1\tDrug 0 7\taspirin\nT2\tDrug zero\n", encoding="utf-8")
    assert main(["evaluate", "--gold", str(tmp_path), "--pred", str(tmp_path)]) == 2
    assert "bad.ann:2:" in capsys.readouterr().err


def test_missing_folder_exits_2(tmp_path, capsys):
    assert main(["corpus", "stats", str(tmp_path / "nope")]) == 2
    assert "not a folder" in capsys.readouterr().err


def test_evaluate_a_model_on_the_demo_split_beside_a_partial_real_one(capsys, tiny_model, tiny_corpus, tmp_path):
    from dataclasses import replace

    from engine.data.corpus import Corpus, load_corpus, write_corpus
    from engine.data.partial import Coverage

    # a corpus that annotates drugs only, as Chia does here
    real = tmp_path / "real" / "chia"
    splits = {
        split: [replace(d, spans=tuple(s for s in d.spans if s.label == "Drug"), relations=()) for d in documents]
        for split, documents in load_corpus(tiny_corpus).splits.items()
    }
    write_corpus(Corpus(real, splits, coverage=Coverage(frozenset({"Drug"}))), real)
    single = run_json(capsys, "evaluate", "--model", str(tiny_model), "--data", str(tiny_corpus / "test"), "--json")
    assert {"micro_f1", "per_label", "drug_subsets", "params"} <= set(single)
    both = run_json(
        capsys,
        "evaluate",
        "--model",
        str(tiny_model),
        "--data",
        str(tiny_corpus / "test"),
        str(real / "test"),
        "--json",
    )
    assert list(both) == [str(tiny_corpus / "test"), str(real / "test")]
    assert both[str(tiny_corpus / "test")]["micro_f1"] == single["micro_f1"]
    assert set(both[str(real / "test")]["per_label"]) <= {"Drug"}, "the real folder is scored on what it annotates"
    assert main(["evaluate", "--model", str(tiny_model), "--data", str(tiny_corpus / "test"), str(real / "test")]) == 0
    table = capsys.readouterr().out
    assert str(real / "test") in table and "Drug P/R/F1" in table


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
    from engine import cli, devices

    assert cli.PRECISION_CHOICES == devices.PRECISIONS


def test_predict_keeps_far_attributes_only_when_asked(capsys, tiny_model, tiny_corpus):
    notes = [str(path) for path in sorted((tiny_corpus / "test").glob("*.txt"))]

    def spans(*anchor: str) -> set[tuple]:
        found = run_json(capsys, "predict", "--model", str(tiny_model), *anchor, "--json", *notes)
        return {(d["document"], s["start"], s["end"], s["label"], s["text"]) for d in found for s in d["spans"]}

    default, everything = spans(), spans("--anchor", "none")
    assert default == spans("--anchor", "1")
    assert {s for s in default if s[3] != "Drug"} <= everything, "attributes are only ever dropped"
    # every Drug stays but those named like a condition; the dictionary backstop may add Drugs
    drugs = {s for s in everything if s[3] == "Drug" and not named_like_condition(Span(s[1], s[2], s[3], s[4]))}
    assert drugs <= default
    assert spans("--anchor", "0") <= default
    with pytest.raises(SystemExit) as exit_info:
        main(["predict", "--model", str(tiny_model), "--anchor", "near"])
    assert exit_info.value.code == 2
    assert "'none', not 'near'" in capsys.readouterr().err


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


def test_evaluate_prints_intervals_and_n2c2_scores(demo, tmp_path, capsys):
    assert main(["evaluate", "--gold", str(demo / "test"), "--pred", str(demo / "test"), "--resamples", "100"]) == 0
    text = capsys.readouterr().out
    assert "95% bootstrap interval over documents, 100 resamples" in text
    assert "lenient  micro P 1.0000 R 1.0000 F1 1.0000 [1.000, 1.000]" in text
    data = run_json(capsys, "evaluate", "--gold", str(demo / "test"), "--pred", str(demo / "test"), "--json")
    assert data["ci"]["micro_f1"] == [1.0, 1.0] and data["n2c2"]["strict"]["micro_f1"] == 1.0
