import shutil

import pytest

from engine.cli import main
from engine.data.brat import read_folder, write_document
from engine.types import Document, Span
from tests.engine.cli.commands import run_json


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


def test_evaluate_prints_intervals_and_n2c2_scores(demo, tmp_path, capsys):
    assert main(["evaluate", "--gold", str(demo / "test"), "--pred", str(demo / "test"), "--resamples", "100"]) == 0
    text = capsys.readouterr().out
    assert "95% bootstrap interval over documents, 100 resamples" in text
    assert "lenient  micro P 1.0000 R 1.0000 F1 1.0000 [1.000, 1.000]" in text
    data = run_json(capsys, "evaluate", "--gold", str(demo / "test"), "--pred", str(demo / "test"), "--json")
    assert data["ci"]["micro_f1"] == [1.0, 1.0] and data["n2c2"]["strict"]["micro_f1"] == 1.0
