"""Annotating a corpus on a local Ray (engine/inference/batch.py): one local Ray for the module."""

import json

import pytest

from engine.inference import batch
from engine.inference.batch import BatchError, annotate_corpus, read_output

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


def single_process(model, folder, ids) -> dict[str, list[tuple]]:
    """What ``predict`` gives: one process, the one pipeline."""
    from engine.inference.pipeline import load_pipeline

    notes = [(p.stem, p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.txt")) if p.stem in ids]
    pipeline = load_pipeline(model, precision="fp32")
    return {d.id: [(s.start, s.end, s.label) for s in d.spans] for d in pipeline.documents(notes)}


def test_a_local_run_equals_predict_and_reports_the_bad_notes(tiny_model, tiny_corpus, mixed, tmp_path):
    good = {p.stem for p in (tiny_corpus / "test").glob("*.txt")}
    run = annotate_corpus(tiny_model, mixed, tmp_path / "out", batch_size=2, precision="fp32")
    assert (run.annotated, run.failed, run.skipped) == (len(good), 2, 0)
    rows = {row["id"]: row for row in read_output(tmp_path / "out")}
    assert set(rows) == good | {"empty", "latin"}
    assert rows["empty"]["error"] == "empty note" and rows["empty"]["spans"] == []
    assert rows["latin"]["error"].startswith("latin.txt: not UTF-8 text (byte 0xe9")
    expected = single_process(tiny_model, mixed, good)
    for note_id in good:
        row = rows[note_id]
        assert row["error"] is None and row["precision"] == "fp32"
        assert [(s["start"], s["end"], s["label"]) for s in row["spans"]] == expected[note_id]
        assert all(0.0 <= s["probability"] <= 1.0 for s in row["spans"])
        for relation in row["relations"]:
            assert row["spans"][relation["drug"]]["label"] == "Drug"
    assert len({row["model"] for row in rows.values()}) == 1


def test_a_rerun_after_a_killed_run_writes_each_note_once(tiny_model, mixed, tmp_path, monkeypatch):
    monkeypatch.setattr(batch, "PART_ROWS", 2)
    calls = []

    def killed_after_the_first_part(count):
        calls.append(count)
        if len(calls) == 2:
            raise KeyboardInterrupt  # as if the run were stopped here

    with pytest.raises(KeyboardInterrupt):
        annotate_corpus(tiny_model, mixed, tmp_path / "out", batch_size=2, progress=killed_after_the_first_part)
    first = read_output(tmp_path / "out")
    assert len(first) == 2, "the first batch's part was written whole"
    run = annotate_corpus(tiny_model, mixed, tmp_path / "out", batch_size=2)
    assert run.skipped == 2
    ids = [row["id"] for row in read_output(tmp_path / "out")]
    assert sorted(ids) == sorted(p.stem for p in mixed.glob("*.txt")), "every note once"
    again = annotate_corpus(tiny_model, mixed, tmp_path / "out", batch_size=2)
    assert (again.annotated, again.failed, again.skipped) == (0, 0, len(ids))


def test_jsonl_and_parquet_inputs_and_a_bad_line(tiny_model, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    notes = tmp_path / "notes.jsonl"
    notes.write_text(
        json.dumps({"id": "a", "text": "Aspirin 81 mg daily."})
        + "\n{not json\n"
        + json.dumps({"id": "b", "text": "Metformin 500 mg bd."})
        + "\n",
        encoding="utf-8",
    )
    annotate_corpus(tiny_model, notes, tmp_path / "from-jsonl", batch_size=4)
    rows = {row["id"]: row for row in read_output(tmp_path / "from-jsonl")}
    assert {"a", "b"} <= set(rows) and len(rows) == 3
    (bad,) = [row for row in rows.values() if row["error"]]
    assert bad["id"].startswith("line-") and "not JSON" in bad["error"]
    table = pa.table({"id": ["a", "b"], "text": ["Aspirin 81 mg daily.", "Metformin 500 mg bd."]})
    pq.write_table(table, tmp_path / "notes.parquet")
    annotate_corpus(tiny_model, tmp_path / "notes.parquet", tmp_path / "from-parquet", batch_size=4)
    again = {row["id"]: row["spans"] for row in read_output(tmp_path / "from-parquet")}
    assert again == {note_id: rows[note_id]["spans"] for note_id in ("a", "b")}


def test_another_model_or_precision_does_not_mix_with_what_is_written(tiny_model, mixed, tmp_path):
    annotate_corpus(tiny_model, mixed, tmp_path / "out", batch_size=4, precision="fp32")
    with pytest.raises(BatchError, match="differs in: precision"):
        annotate_corpus(tiny_model, mixed, tmp_path / "out", batch_size=4, precision="bf16")
    with pytest.raises(BatchError, match="no such file"):
        annotate_corpus(tiny_model, tmp_path / "missing", tmp_path / "other")
