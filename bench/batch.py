"""Notes per second of ``annotate-corpus`` on Ray with 1 and 2 workers against the single-process
``predict`` path, on the same notes, and what starting the actors costs.

    python bench/batch.py [--model models/encoder-crf] [--data data/demo] [--batch-size 16] [--copies 1]
    python bench/batch.py --device cuda --gpus-per-worker 0.5 [--copies 20]   # where a GPU is lent

The notes are every split of the demo corpus (230 notes; ``--copies K`` takes each K times under
other ids, so that the start-up weighs less), in fp32. In one process, one after the
other:

1. single process: the pipeline loaded (``load_pipeline``, timed: the start-up ``predict`` pays),
   then every note tagged and linked (``Pipeline.predict``, then ``Pipeline.link``: what
   ``Pipeline.documents`` does) with torch's default threads (one per core), the encoder's forward
   passes timed apart;
2. a local Ray started with this machine's CPUs (timed: ``ray.init``);
3. ``annotate_corpus`` with 1 worker, then 2, each into an empty output folder. The wall time counts
   what a user waits for after Ray is up (reading, actors loading the model, annotating, writing the
   Parquet parts). The first batch's return marks the end of the start-up; the steady rate is the
   notes after it over the time after it; each row's ``seconds`` (its share of its batch's time in
   the pipeline) gives the per-note cost inside an actor.

Every Ray run's spans are asserted equal to the single process's. Prints a table and writes JSON
(``bench/results/batch.json``), with the CPU and the precision beside the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def gather_notes(data: Path, folder: Path, copies: int = 1) -> list[tuple[str, str]]:
    """Every split's notes copied into ``folder`` (as ``SPLIT-NAME.txt``, then ``SPLIT-NAME-K.txt``
    for each further copy); their ids and texts."""
    folder.mkdir()
    for split in ("train", "dev", "test"):
        for path in sorted((data / split).glob("*.txt")):
            for copy in range(copies):
                suffix = f"-{copy}" if copy else ""
                shutil.copy(path, folder / f"{split}-{path.stem}{suffix}.txt")
    return [(p.stem, p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.txt"))]


def single_process(model: Path, notes: list[tuple[str, str]], device: str | None) -> tuple[dict, dict]:
    """The pipeline in this process, and where its time goes: the encoder's forward passes (what
    a GPU takes over), the rest of tagging (sentences, subwords, windows, Viterbi, span
    probabilities, rules) and the linker."""
    import torch

    from engine.inference import decode
    from engine.inference.pipeline import load_pipeline
    from engine.types import Document

    began = time.perf_counter()
    pipeline = load_pipeline(model, device=device, precision="fp32")
    loaded = time.perf_counter()
    in_forward = [0.0]
    original = decode.forward

    def timed_forward(*arguments, **options):
        start = time.perf_counter()
        scores = original(*arguments, **options)
        if scores.is_cuda:
            torch.cuda.synchronize()
        in_forward[0] += time.perf_counter() - start
        return scores

    decode.forward = timed_forward
    try:
        predicted = pipeline.predict([text for _, text in notes])
    finally:
        decode.forward = original
    tagged = time.perf_counter()
    documents = [pipeline.link(Document(i, t, tuple(found))) for (i, t), found in zip(notes, predicted, strict=True)]
    seconds = time.perf_counter() - loaded
    spans = {d.id: [(s.start, s.end, s.label) for s in d.spans] for d in documents}
    figures = {
        "load_seconds": round(loaded - began, 2),
        "annotate_seconds": round(seconds, 2),
        "notes_per_second": round(len(notes) / seconds, 2),
        "wall_seconds_with_load": round(time.perf_counter() - began, 2),
        "seconds_per_note": {
            "encoder_forward": round(in_forward[0] / len(notes), 4),
            "rest_of_tagging": round((tagged - loaded - in_forward[0]) / len(notes), 4),
            "linker": round((time.perf_counter() - tagged) / len(notes), 4),
        },
    }
    return figures, spans


def ray_run(model: Path, folder: Path, output: Path, *, workers: int, spans: dict, **options) -> dict:
    """``annotate_corpus`` with ``workers`` actors (``options``: batch_size, device, gpus_per_worker)."""
    from engine.inference.batch import annotate_corpus
    from engine.inference.batch_io import read_output

    run = annotate_corpus(model, folder, output, workers=workers, precision="fp32", **options)
    batch_size = options["batch_size"]
    rows = read_output(output)
    found = {row["id"]: [(s["start"], s["end"], s["label"]) for s in row["spans"]] for row in rows}
    if found != spans:
        differing = sorted(k for k in spans if found.get(k) != spans[k])
        raise SystemExit(f"{workers} worker(s): spans differ from the single process in {differing[:5]}")
    steady = (run.annotated - batch_size) / max(1e-9, run.seconds - run.startup_seconds)
    in_actor = [row["seconds"] for row in rows if row["error"] is None]
    return {
        "workers": workers,
        "notes": run.annotated,
        "failed": run.failed,
        "wall_seconds": round(run.seconds, 2),
        "notes_per_second": round(run.annotated / run.seconds, 2),
        "first_batch_seconds": round(run.startup_seconds, 2),
        "steady_notes_per_second": round(steady, 2),
        "actor_start_seconds": round(run.startup_seconds - batch_size / steady, 2),
        "cpu_seconds_per_note_steady": round((os.cpu_count() or 1) / steady, 3),
        "actor_seconds_per_note": round(sum(in_actor) / len(in_actor), 4),
        "output_bytes_per_note": round(sum(p.stat().st_size for p in output.glob("part-*.parquet")) / len(rows)),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, default=ROOT / "models" / "encoder-crf")
    parser.add_argument("--data", type=Path, default=ROOT / "data" / "demo")
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--copies", type=int, default=1, help="take each note this many times (default 1)")
    parser.add_argument("--device", default=None, help="cpu (default here), cuda, cuda:N")
    parser.add_argument("--gpus-per-worker", type=float, default=0.0, help="GPUs each Ray actor asks for (with cuda)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "batch.json")
    args = parser.parse_args()
    if not (args.model / "config.json").is_file():
        print(f"error: no model at {args.model}; run `make demo` first", file=sys.stderr)
        return 2
    from engine.devices import cpu_report
    from engine.inference.batch import start_ray

    report: dict = {
        "cpu": cpu_report(),
        "precision": "fp32",
        "device": args.device or "auto",
        "model": str(args.model),
        "cores": os.cpu_count(),
    }
    with tempfile.TemporaryDirectory(prefix="medner-batch-") as scratch:
        folder = Path(scratch) / "notes"
        notes = gather_notes(args.data, folder, args.copies)
        report["notes"] = len(notes)
        report["single_process"], spans = single_process(args.model, notes, args.device)
        began = time.perf_counter()
        start_ray(cpus=os.cpu_count())
        report["ray_init_seconds"] = round(time.perf_counter() - began, 2)
        report["ray"] = [
            ray_run(
                args.model,
                folder,
                Path(scratch) / f"out-{k}",
                workers=k,
                batch_size=args.batch_size,
                spans=spans,
                device=args.device,
                gpus_per_worker=args.gpus_per_worker,
            )
            for k in (1, 2)
        ]
    single = report["single_process"]["notes_per_second"]
    print(f"{report['notes']} notes, {report['cpu']['cpu']}, fp32, {report['cores']} cores")
    shares = report["single_process"]["seconds_per_note"]
    print(
        f"  single process: {single} notes/s (model loaded in {report['single_process']['load_seconds']} s); "
        f"a note: encoder {shares['encoder_forward']} s, rest of tagging {shares['rest_of_tagging']} s, "
        f"linker {shares['linker']} s"
    )
    print(f"  ray.init: {report['ray_init_seconds']} s")
    for run in report["ray"]:
        print(
            f"  Ray, {run['workers']} worker(s): {run['notes_per_second']} notes/s over {run['wall_seconds']} s "
            f"({run['notes_per_second'] / single:.2f}x the single process); steady {run['steady_notes_per_second']} "
            f"notes/s; first batch after {run['first_batch_seconds']} s (actors' start about "
            f"{run['actor_start_seconds']} s); {run['actor_seconds_per_note']} s a note inside an actor"
        )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
