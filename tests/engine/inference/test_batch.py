"""Annotating a corpus on Ray Data (engine/inference/batch.py and batch_io.py). One local Ray of 2 CPUs serves the
module, and the two Ray runs of the mixed folder (one killed part way, then resumed) serve every
test that reads their output: each run starts actors that load the model, seconds each."""

import json

import pytest

from engine.cli import main as engine_main
from engine.inference import batch, batch_io
from engine.inference.batch import annotate_corpus
from engine.inference.batch_io import BatchError, read_output

pytest.importorskip("ray")


@pytest.fixture(scope="module", autouse=True)
def local_ray():
    import ray

    batch.start_ray(cpus=2)
    yield
    ray.shutdown()


@pytest.fixture(scope="module")
def mixed(tiny_corpus, tmp_path_factory):
    """Good notes, an empty note and a file that is not UTF-8."""
    folder = tmp_path_factory.mktemp("mixed")
    for path in sorted((tiny_corpus / "test").glob("*.txt")):
        (folder / path.name).write_bytes(path.read_bytes())
    (folder / "empty.txt").write_text("  \n", encoding="utf-8")
    (folder / "latin.txt").write_bytes("Aspirin 81 mg daily, caf\xe9".encode("latin-1"))
    return folder


class Killed(Exception):
    """The run stopped from outside (as by Ctrl-C or a lost node), after its first part."""


@pytest.fixture(scope="module")
def resumed(tiny_model, mixed, tmp_path_factory):
    """The mixed folder annotated in fp32, two notes a part: the first run killed after its first
    part, then run again. What the first run left, the second run's figures, and the output."""
    output = tmp_path_factory.mktemp("batch") / "out.parquet"
    calls = []

    def killed_after_the_first_part(count):
        calls.append(count)
        if len(calls) == 2:
            raise Killed

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(batch, "PART_ROWS", 2)
        with pytest.raises(Killed):
            annotate_corpus(
                tiny_model, mixed, output, batch_size=2, precision="fp32", progress=killed_after_the_first_part
            )
        left = read_output(output)
        second = annotate_corpus(tiny_model, mixed, output, batch_size=2, precision="fp32")
    return left, second, output


def predict_json(tiny_model, paths, capsys) -> dict[str, list[tuple]]:
    """What ``predict --json`` prints for ``paths``: one process, the one pipeline."""
    capsys.readouterr()
    assert engine_main(["predict", "--model", str(tiny_model), "--precision", "fp32", "--json", *map(str, paths)]) == 0
    printed = json.loads(capsys.readouterr().out)
    return {note["document"]: note for note in printed}


def test_a_local_run_equals_predict_and_reports_the_bad_notes(tiny_model, mixed, resumed, capsys):
    _, _, output = resumed
    rows = {row["id"]: row for row in read_output(output)}
    good = sorted(p for p in mixed.glob("*.txt") if p.stem not in {"empty", "latin"})
    assert set(rows) == {p.stem for p in good} | {"empty", "latin"}
    assert rows["empty"]["error"] == "empty note" and rows["empty"]["spans"] == []
    assert "latin.txt: not UTF-8 text (byte 0xe9 at position 24)" in rows["latin"]["error"]
    assert rows["latin"]["spans"] == []
    expected = predict_json(tiny_model, good, capsys)
    for path in good:
        row, note = rows[path.stem], expected[path.stem]
        assert row["error"] is None and row["precision"] == "fp32"
        assert [(s["start"], s["end"], s["label"], s["text"]) for s in row["spans"]] == [
            (s["start"], s["end"], s["label"], s["text"]) for s in note["spans"]
        ]
        assert all(0.0 <= s["probability"] <= 1.0 for s in row["spans"])
        assert [(r["kind"], r["attribute"], r["drug"]) for r in row["relations"]] == [
            (r["kind"], r["attribute"], r["drug"]) for r in note["relations"]
        ]
    assert len({row["model"] for row in rows.values()}) == 1
    import pyarrow.parquet as pq

    assert pq.read_table(output).num_rows == len(rows), "the folder reads as one Parquet dataset"


def test_a_rerun_after_a_killed_run_writes_each_note_once(tiny_model, mixed, resumed):
    left, second, output = resumed
    assert len(left) == 2, "the killed run's first part was written whole, and nothing else"
    notes = sorted(p.stem for p in mixed.glob("*.txt"))
    assert (second.skipped, second.annotated + second.failed) == (2, len(notes) - 2)
    assert sorted(row["id"] for row in read_output(output)) == notes, "every note once"
    again = annotate_corpus(tiny_model, mixed, output, batch_size=2, precision="fp32")
    assert (again.annotated, again.failed, again.skipped) == (0, 0, len(notes))


def test_another_model_or_precision_does_not_mix_with_what_is_written(tiny_model, mixed, resumed, tmp_path):
    _, _, output = resumed
    with pytest.raises(BatchError, match="differs in: precision"):
        annotate_corpus(tiny_model, mixed, output, precision="bf16")
    with pytest.raises(BatchError, match="no such file"):
        annotate_corpus(tiny_model, tmp_path / "missing", tmp_path / "other")
    (tmp_path / "notes.csv").write_text("id,text\n", encoding="utf-8")
    with pytest.raises(BatchError, match=r"expected a folder of \.txt files, a \.jsonl file or Parquet"):
        annotate_corpus(tiny_model, tmp_path / "notes.csv", tmp_path / "other")


def test_json_lines_with_a_bad_line_and_parquet_are_read_as_rows(tiny_model, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    notes = tmp_path / "notes.jsonl"
    lines = [json.dumps({"id": "a", "text": "Aspirin 81 mg daily."}), "{not json", '{"text": "Metformin 500 mg bd."}']
    notes.write_text("\n".join(lines) + "\n", encoding="utf-8")
    run = annotate_corpus(tiny_model, notes, tmp_path / "from-jsonl", batch_size=4)
    assert (run.annotated, run.failed) == (2, 1)
    rows = {row["id"]: row for row in read_output(tmp_path / "from-jsonl")}
    (bad,) = [row for row in rows.values() if row["error"]]
    assert bad["id"].startswith("line-") and bad["error"].startswith("not JSON")
    assert rows["a"]["spans"] and rows["a"]["spans"][0]["text"] == "Aspirin"
    (unnamed,) = [note_id for note_id in rows if note_id not in {"a", bad["id"]}]
    assert unnamed.startswith("line-"), "a line without an id gets one a rerun recognises"
    again = annotate_corpus(tiny_model, notes, tmp_path / "from-jsonl", batch_size=4)
    assert (again.annotated, again.failed, again.skipped) == (0, 0, 3), "a rerun recognises every line"
    # Parquet: the same reading rows (the actors are those above)
    pq.write_table(pa.table({"id": ["a", "b"], "text": ["Aspirin 81 mg daily.", None]}), tmp_path / "notes.parquet")
    read = batch_io.note_rows(tmp_path / "notes.parquet")().take_all()
    assert sorted((r["id"], r["text"], r["error"]) for r in read) == [
        ("a", "Aspirin 81 mg daily.", None),
        ("b", "", "no text in this row"),
    ]


def test_the_command_reports_what_it_did_and_refuses_bad_input_clearly(tiny_model, mixed, resumed, tmp_path, capsys):
    _, _, output = resumed
    arguments = ["annotate-corpus", "--model", str(tiny_model), "--precision", "fp32", "--batch-size", "2"]
    assert engine_main([*arguments, "--input", str(mixed), "--output", str(output)]) == 0
    assert "nothing left to annotate (5 notes already there)" in capsys.readouterr().err
    with pytest.raises(SystemExit, match=r"error: .*missing: no such file or folder"):
        engine_main([*arguments, "--input", str(tmp_path / "missing"), "--output", str(tmp_path / "out")])
