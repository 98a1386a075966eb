"""Sharded, resumable predict: the same spans in the same order as one process, under torchrun
with two CPU processes too, and a rerun fills in only the shards that are missing."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from engine.data.corpus import load_corpus
from engine.inference.sharding import Distributed, ShardError, predict_sharded, read_notes, span_record
from engine.types import Span

ROOT = Path(__file__).resolve().parents[3]


class CountingPredict:
    """One span per note at its first character, counting the notes it was asked about."""

    def __init__(self):
        self.notes = 0

    def __call__(self, texts):
        self.notes += len(texts)
        return [[Span(0, 1, "Drug", text[:1])] if text else [] for text in texts]


NOTES = [(f"n{i:02d}", f"{chr(65 + i)} note {i}") for i in range(7)]


def run(output, predict, *, size=2, model="m1", anchor=1, precision="fp32"):
    return predict_sharded(
        predict, NOTES, output, model_fingerprint=model, precision=precision, anchor=anchor, shard_size=size
    )


def test_shards_merge_in_input_order_and_a_rerun_fills_in_only_what_is_missing(tmp_path):
    output = tmp_path / "out.jsonl"
    first = CountingPredict()
    result = run(output, first)
    assert (result.shards, result.written, result.skipped, first.notes) == (4, 4, 0, 7)
    lines = [json.loads(line) for line in output.read_text().splitlines()]
    assert [line["id"] for line in lines] == [note_id for note_id, _ in NOTES]
    assert lines[3]["spans"] == [span_record(Span(0, 1, "Drug", "D"))]
    before = output.read_text()
    (tmp_path / "out.jsonl.shards" / "shard-00002.jsonl").unlink()
    again = CountingPredict()
    result = run(output, again)
    assert (result.written, result.skipped, again.notes) == (1, 3, 2), "only the two notes of shard 2"
    assert output.read_text() == before


def test_shards_of_another_run_are_not_mixed_in(tmp_path):
    output = tmp_path / "out.jsonl"
    run(output, CountingPredict())
    with pytest.raises(ShardError, match="holds shards of another run \\(differs in: model_fingerprint\\)"):
        run(output, CountingPredict(), model="retrained")
    with pytest.raises(ShardError, match="differs in: shard_size"):
        run(output, CountingPredict(), size=3)
    with pytest.raises(ShardError, match="differs in: precision"):
        run(output, CountingPredict(), precision="bf16")
    with pytest.raises(ShardError, match="shard size must be 1 or more"):
        run(output, CountingPredict(), size=0)


def test_each_rank_takes_every_world_th_shard(tmp_path):
    output = tmp_path / "out.jsonl"
    second = CountingPredict()
    result = predict_sharded(
        second,
        NOTES,
        output,
        model_fingerprint="m",
        precision="fp32",
        anchor=1,
        shard_size=2,
        place=Distributed(rank=1, world=2, meet=lambda: None),
    )
    # rank 1 of 2 (no process group needed once rank 0's manifest is there): shards 1 and 3
    assert result.merged is None and second.notes == 3
    assert sorted(p.name for p in (tmp_path / "out.jsonl.shards").glob("shard-*")) == [
        "shard-00001.jsonl",
        "shard-00003.jsonl",
    ]


@pytest.fixture(autouse=True)
def _manifest_for_rank_one(request, tmp_path):
    """Rank 1 alone meets no manifest: write what rank 0 would have written."""
    if request.function.__name__ == "test_each_rank_takes_every_world_th_shard":
        from engine.inference.sharding import notes_fingerprint

        folder = tmp_path / "out.jsonl.shards"
        folder.mkdir()
        manifest = {
            "notes": len(NOTES),
            "notes_fingerprint": notes_fingerprint(NOTES),
            "model_fingerprint": "m",
            "precision": "fp32",
            "anchor": 1,
            "shard_size": 2,
        }
        (folder / "manifest.json").write_text(json.dumps(manifest))
    yield


def test_json_lines_input_names_the_bad_line(tmp_path):
    good = tmp_path / "notes.jsonl"
    good.write_text('{"id": "a", "text": "Aspirin 81 mg."}\n\n{"text": "no id"}\n')
    assert read_notes([good]) == [("a", "Aspirin 81 mg."), ("notes-3", "no id")]
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a", "text": "x"}\n{"id": "b", "txt": "y"}\n')
    with pytest.raises(ShardError, match=r"bad\.jsonl:2: expected an object with a \"text\" string"):
        read_notes([bad])
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"id": "a", "text": "x"\n')
    with pytest.raises(ShardError, match=r"broken\.jsonl:1: not JSON"):
        read_notes([broken])
    with pytest.raises(ShardError, match="two notes have the id 'a'"):
        read_notes([good, good])


def same_predictions(first: Path, second: Path) -> bool:
    """The same notes in the same order with the same spans; probabilities equal to 1e-5 (batches
    of other sizes and other thread counts add the same numbers in other orders)."""
    a = [json.loads(line) for line in first.read_text().splitlines()]
    b = [json.loads(line) for line in second.read_text().splitlines()]

    def spans(note):
        return [(s["start"], s["end"], s["label"], s["text"]) for s in note["spans"]]

    return (
        [n["id"] for n in a] == [n["id"] for n in b]
        and [spans(n) for n in a] == [spans(n) for n in b]
        and all(
            abs(x["confidence"] - y["confidence"]) < 1e-5
            for m, n in zip(a, b, strict=True)
            for x, y in zip(m["spans"], n["spans"], strict=True)
        )
    )


def torchrun(*arguments, processes=2):
    environment = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={processes}"]
    return subprocess.run(
        [*command, "-m", "engine", *arguments], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=300
    )


def test_predict_under_torchrun_with_two_processes_equals_one_process_and_resumes(tiny_model, tiny_corpus, tmp_path):
    """Both runs at fp32, asked for on the command line (it wins over $MEDNER_PRECISION): two
    processes batch other notes together than one does, and under bf16 a note's rounding depends
    on its batch (tests/engine/inference/test_packing.py bounds that); this test is about the shards."""
    from engine.cli import main

    notes = tmp_path / "notes"
    notes.mkdir()
    corpus = load_corpus(tiny_corpus)
    for document in [*corpus.documents("test"), *corpus.documents("dev"), *corpus.documents("train")]:
        (notes / f"{document.id}.txt").write_text(document.text, encoding="utf-8")
    # one process: this one (a process of its own would spend seconds importing torch again)
    alone = tmp_path / "alone.jsonl"
    assert main(["predict", "--model", str(tiny_model), str(notes), "--output", str(alone), "--precision", "fp32"]) == 0
    shared = tmp_path / "shared.jsonl"
    arguments = ("predict", "--model", str(tiny_model), str(notes), "--output", str(shared), "--shard-size", "2")
    arguments += ("--precision", "fp32")
    first = torchrun(*arguments)
    assert first.returncode == 0, first.stderr[-3000:]
    assert "over 2 process(es)" in first.stderr and "merged in input order" in first.stderr
    assert same_predictions(shared, alone)
    assert len(shared.read_text().splitlines()) == 13
    shards = tmp_path / "shared.jsonl.shards"
    kept = {path.name: path.stat().st_mtime_ns for path in shards.glob("shard-*.jsonl")}
    assert len(kept) == 7
    (shards / "shard-00003.jsonl").unlink()
    del kept["shard-00003.jsonl"]
    shared.unlink()
    second = torchrun(*arguments)
    assert second.returncode == 0, second.stderr[-3000:]
    assert {path.name: path.stat().st_mtime_ns for path in shards.glob("shard-*.jsonl") if path.name in kept} == kept
    assert (shards / "shard-00003.jsonl").is_file()
    assert same_predictions(shared, alone)


def test_torchrun_without_an_output_file_is_refused(tiny_model):
    result = subprocess.run(
        [sys.executable, "-m", "engine", "predict", "--model", str(tiny_model), "--shard-size", "2"],
        cwd=ROOT,
        env={**os.environ, "WORLD_SIZE": "2", "RANK": "1"},
        capture_output=True,
        text=True,
        input="",
        timeout=120,
    )
    assert result.returncode != 0 and "under torchrun, give --output FILE.jsonl" in result.stderr
