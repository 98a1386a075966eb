"""Annotating a corpus with Ray Data: ``python -m engine annotate-corpus``.

The notes come from a folder of ``.txt`` files, a JSON-lines file of ``{"id", "text"}`` objects
or a Parquet file (or folder) with ``id`` and ``text`` columns. Ray Data streams them through a
pool of actors: each actor loads the model once (:func:`engine.inference.pipeline.load_pipeline`)
and runs the one inference pipeline (:meth:`Pipeline.documents`: spans, then the linker), so the
spans are those ``predict`` gives. A note that cannot be read or annotated (not UTF-8, not JSON,
empty, or an error in the model) becomes a row with its ``error`` and no spans; the run goes on.

The driver writes what comes back into ``OUTPUT`` (a folder, Parquet's usual shape for a large
table, which readers such as ``pyarrow.parquet.read_table`` take as one dataset), one
``part-NNNNNN.parquet`` file at a time, each written whole or not at all (a temporary name renamed
into place). A rerun reads the ids already written and leaves those notes out, so a run killed part
way and started again writes every note exactly once (a folder's notes already written are not even
read: their ids are their file names). Ids must be unique; rows come in the order the actors
finish, not the input's. ``_manifest.json`` (a name Parquet readers skip) records the model and
precision the parts were made with; a rerun with another refuses to mix them.

Rows (:func:`engine.inference.batch_io.schema`): ``id``, ``spans`` (start, end, label, text,
probability), ``relations`` (the linker's: attribute and Drug as indices into ``spans``,
probability), ``model`` (the fingerprint), ``inference_version``, ``precision``, ``error`` (null
when the note was annotated) and ``seconds`` (the note's share of its batch's time).

Ray runs locally by default (``ray.init`` with this machine's CPUs, no dashboard); give
``--ray-address`` to use a cluster. Ray is an optional dependency: only this module imports it,
and only when a run starts.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from engine.inference.batch_io import (
    ERROR_COLUMN,
    READ_CPUS,
    BatchError,
    check_manifest,
    note_rows,
    read_note_file,
    schema,
    write_part,
    written_ids,
)

#: Rows a part file holds (the last part of a run may hold fewer).
PART_ROWS = 256
#: ``anchor`` not given: the pipeline's default window (None means no anchoring at all).
DEFAULT_ANCHOR = object()

# --- the actor ----------------------------------------------------------------------------------


class Annotator:
    """One Ray actor: the model loaded once, then batch after batch of notes through the pipeline."""

    def __init__(self, model: str, device: str | None, precision: str | None, anchor, threads: int) -> None:
        import torch

        from engine.inference.pipeline import load_pipeline
        from engine.models.base import INFERENCE_VERSION
        from engine.notes.linking import relation_records

        torch.set_num_threads(max(1, threads))
        self.pipeline = load_pipeline(model, device=device, precision=precision, anchor=anchor)
        self.fingerprint = self.pipeline.tagger.fingerprint
        self.version = INFERENCE_VERSION
        self.relations = relation_records

    def __call__(self, batch: dict):
        import pyarrow as pa

        ids = [str(i) for i in batch["id"]]
        texts = [str(t) for t in batch["text"]]
        errors = [e if isinstance(e, str) and e else None for e in batch[ERROR_COLUMN]]
        for i, path in enumerate(batch.get("path", ())):  # a folder's notes: read here
            texts[i], errors[i] = read_note_file(str(path))
        for i, text in enumerate(texts):
            if errors[i] is None and not text.strip():
                errors[i] = "empty note"
        good = [i for i, error in enumerate(errors) if error is None]
        rows = {i: ([], []) for i in range(len(ids))}
        began = time.perf_counter()
        try:
            documents = self.pipeline.documents([(ids[i], texts[i]) for i in good])
        except Exception:  # one bad note must not take its batch with it: annotate them one by one
            documents = []
            for i in good:
                try:
                    documents.extend(self.pipeline.documents([(ids[i], texts[i])]))
                except Exception as error:
                    errors[i] = f"{type(error).__name__}: {error}"
                    documents.append(None)
        for i, document in zip(good, documents, strict=True):
            if document is not None:
                rows[i] = (_span_rows(document), self.relations(document))
        seconds = (time.perf_counter() - began) / max(1, len(good))
        # the output rows as Arrow, in the schema the parts are written in: the driver writes them as they come
        return pa.table(
            {
                "id": ids,
                "spans": [rows[i][0] for i in range(len(ids))],
                "relations": [rows[i][1] for i in range(len(ids))],
                "model": [self.fingerprint] * len(ids),
                "inference_version": [self.version] * len(ids),
                "precision": [self.pipeline.precision] * len(ids),
                ERROR_COLUMN: errors,
                "seconds": [seconds if errors[i] is None else 0.0 for i in range(len(ids))],
            },
            schema=schema(),
        )


def _span_rows(document) -> list[dict]:
    return [
        {"start": s.start, "end": s.end, "label": s.label, "text": s.text, "probability": s.confidence}
        for s in document.spans
    ]


# --- the run ------------------------------------------------------------------------------------


@dataclass
class BatchRun:
    """What :func:`annotate_corpus` did."""

    annotated: int
    failed: int
    skipped: int
    seconds: float
    startup_seconds: float
    output: Path


def start_ray(address: str | None = None, *, cpus: int | None = None) -> None:
    """Join the cluster at ``address``, or start (or reuse) a local Ray sized for this machine."""
    import ray

    if ray.is_initialized():
        return
    if address:
        ray.init(address=address, log_to_driver=False)
        return
    root = str(Path(__file__).resolve().parents[2])  # so that the actors import this engine
    path = os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH", "")) if p)
    ray.init(
        num_cpus=cpus or os.cpu_count() or 1,
        include_dashboard=False,
        log_to_driver=False,
        object_store_memory=256 * 1024 * 1024,
        configure_logging=False,
        runtime_env={"env_vars": {"PYTHONPATH": path, "TOKENIZERS_PARALLELISM": "false"}},
    )


def annotate_corpus(
    model: Path | str,
    source: Path | str,
    output: Path | str,
    *,
    workers: int = 1,
    batch_size: int = 16,
    device: str | None = None,
    precision: str | None = None,
    anchor: object = DEFAULT_ANCHOR,
    ray_address: str | None = None,
    gpus_per_worker: float = 0.0,
    progress: Callable[[int], None] | None = None,
    on_start: Callable[[int], None] | None = None,
) -> BatchRun:
    """Annotate every note of ``source`` not yet in ``output`` (see the module's docstring).
    ``on_start(written)`` hears how many notes the output already holds, before any is annotated;
    ``progress(n)`` hears each batch of ``n`` notes written."""
    from engine.inference.pipeline import ANCHOR_SENTENCES
    from engine.models.base import INFERENCE_VERSION, folder_fingerprint

    if workers < 1 or batch_size < 1:
        raise BatchError("--workers and --batch-size must be 1 or more")
    try:
        import ray.data  # noqa: F401
    except ImportError:
        raise BatchError("Ray is not installed: pip install -r requirements-batch.txt (ray[data])") from None
    output = Path(output)
    anchor = ANCHOR_SENTENCES if anchor is DEFAULT_ANCHOR else anchor
    manifest = {
        "model": folder_fingerprint(Path(model)),
        "inference_version": INFERENCE_VERSION,
        "precision": precision or "auto",
        "anchor": anchor,
    }
    check_manifest(output, manifest)
    done = written_ids(output)
    if on_start:
        on_start(len(done))
    make = note_rows(Path(source), done)
    if make is None:
        return BatchRun(0, 0, len(done), 0.0, 0.0, output)
    start_ray(ray_address)
    _quiet_ray_data()
    began = time.perf_counter()
    dataset = make()
    if done:
        from ray.data.expressions import col

        dataset = dataset.filter(expr=col("id").not_in(sorted(done)), num_cpus=READ_CPUS)
    actor = {"model": str(model), "device": device, "precision": precision, "anchor": anchor}
    annotated = _through_actors(dataset, actor, workers=workers, batch_size=batch_size, gpus=gpus_per_worker)
    counts, first = _write_parts(annotated, output, batch_size=batch_size, began=began, progress=progress)
    return BatchRun(counts["annotated"], counts["failed"], len(done), time.perf_counter() - began, first, output)


def _quiet_ray_data() -> None:
    """Ray Data's own progress bars and per-stage log lines off: the caller shows progress (the
    command's bar), and warnings still come through."""
    import logging

    import ray.data

    ray.data.DataContext.get_current().enable_progress_bars = False
    logging.getLogger("ray.data").setLevel(logging.WARNING)
    logging.getLogger("ray.data._internal.progress").setLevel(logging.ERROR)  # "progress bars disabled"


def _through_actors(dataset, actor: dict, *, workers: int, batch_size: int, gpus: float):
    """``dataset`` mapped through a pool of ``workers`` :class:`Annotator` actors, the CPUs of the
    cluster (less what reading takes) shared between them."""
    import ray

    nodes = [node["Resources"].get("CPU", 0.0) for node in ray.nodes() if node.get("Alive")]
    total, largest = sum(nodes) or 1.0, max(nodes, default=1.0)
    # Ray Data holds back a share of the CPUs for reading: the actors ask for one CPU less than
    # there are (at least half a CPU each, and no more than the largest node has), and torch
    # still uses the actor's share of the machine
    cpus = max(0.5, min((total - 1) / workers, largest - 1))
    threads = max(1, int(min(total / workers, largest)))
    return dataset.map_batches(
        Annotator,
        fn_constructor_kwargs={**actor, "threads": threads},
        batch_size=batch_size,
        compute=ray.data.ActorPoolStrategy(size=workers),
        num_cpus=cpus,
        num_gpus=gpus,
    )


def _write_parts(annotated, output: Path, *, batch_size: int, began: float, progress) -> tuple[dict, float]:
    """Stream the annotated rows into part files of :data:`PART_ROWS` rows; the counts of notes
    annotated and failed, and the seconds until the first batch came back (the actors' start-up)."""
    number = max((int(p.stem.split("-")[1]) for p in output.glob("part-*.parquet")), default=-1) + 1
    pending: list = []  # Arrow tables, as the actors made them
    counts = {"annotated": 0, "failed": 0}
    first = None
    for batch in annotated.iter_batches(batch_size=batch_size, batch_format="pyarrow"):
        first = time.perf_counter() - began if first is None else first
        annotated_here = batch.column(ERROR_COLUMN).null_count
        counts["annotated"] += annotated_here
        counts["failed"] += batch.num_rows - annotated_here
        pending.append(batch)
        if progress:
            progress(batch.num_rows)
        if sum(table.num_rows for table in pending) >= PART_ROWS:
            write_part(output, number, pending)
            number, pending = number + 1, []
    if pending:
        write_part(output, number, pending)
    return counts, first or 0.0
