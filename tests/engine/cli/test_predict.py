import pytest

from engine.cli import main
from engine.inference.rules import named_like_condition
from engine.types import Span
from tests.engine.cli.commands import run_json


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


def test_predict_links_attributes_to_drugs_and_reads_each_drugs_status(capsys, tiny_model, tmp_path):
    note = tmp_path / "visit.txt"
    note.write_text("Stop metformin 500 mg bd. Start aspirin 75 mg od.\n", encoding="utf-8")
    (found,) = run_json(capsys, "predict", "--model", str(tiny_model), "--json", str(note))
    spans = found["spans"]
    for relation in found["relations"]:
        attribute, drug = spans[relation["attribute"]], spans[relation["drug"]]
        assert drug["label"] == "Drug" and relation["kind"] == f"{attribute['label']}-Drug"
        assert 0.5 <= relation["probability"] <= 1.0
    assert {m["status"] for m in found["medications"]} <= {"stopped", "started"}
    for medication in found["medications"]:
        assert spans[medication["drug"]]["text"] == medication["text"]


def test_predict_names_a_bad_line_and_sends_a_corpus_to_annotate_corpus(tiny_model, tmp_path, monkeypatch):
    notes = tmp_path / "notes.jsonl"
    notes.write_text('{"id": "a", "text": "Aspirin 81 mg."}\n{"id": "b"}\n', encoding="utf-8")
    with pytest.raises(SystemExit, match=r"error: .*notes\.jsonl:2: expected an object with a \"text\" string"):
        main(["predict", "--model", str(tiny_model), str(notes)])
    monkeypatch.setenv("WORLD_SIZE", "2")  # as under torchrun
    with pytest.raises(SystemExit, match=r"predict runs in one process; .* use python -m engine annotate-corpus"):
        main(["predict", "--model", str(tiny_model), str(notes)])
