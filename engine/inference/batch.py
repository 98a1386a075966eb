"""Annotating a corpus with Ray Data: ``python -m engine annotate-corpus``.

The notes come from a folder of ``.txt`` files, a JSON-lines file of ``{"id", "text"}`` objects
or a Parquet file (or folder) with ``id`` and ``text`` columns. Ray Data streams them through a
pool of actors: each actor loads the model once (:func:`engine.inference.pipeline.load_pipeline`)
and runs the one inference pipeline (:meth:`Pipeline.documents`: spans, then the linker), so the
spans are those ``predict`` gives. A note that cannot be read or annotated (not UTF-8, not JSON,
empty, or an error in the model) becomes a row with its ``error`` and no spans; the run goes on.

The driver writes what comes back into ``OUTPUT`` (a folder, Parquet's usual shape for a large
table), one ``part-NNNNNN.parquet`` file at a time, each written whole or not at all (a temporary
name renamed into place). A rerun reads the ids already written and leaves those notes out, so a
run killed part way and started again writes every note exactly once (a folder's notes already
written are not even read: their ids are their file names). Ids must be unique; rows come in the
order the actors finish, not the input's. ``manifest.json`` records the model and precision the
parts were made with; a rerun with another refuses to mix them.

Rows (:func:`schema`): ``id``, ``spans`` (start, end, label, text, probability), ``relations``
(the linker's: attribute and Drug as indices into ``spans``, probability), ``model`` (the
fingerprint), ``inference_version``, ``precision``, ``error`` (null when the note was annotated)
and ``seconds`` (the note's share of its batch's time).

Ray runs locally by default (``ray.init`` with this machine's CPUs, no dashboard); give
``--ray-address`` to use a cluster. Ray is an optional dependency: only this module imports it,
and only when a run starts.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

PART_ROWS = 256
#: The CPU share Ray gives each reading task: the actors hold the rest.
READ_CPUS = 0.1
#: ``anchor`` not given: the pipeline's default window (None means no anchoring at all).
DEFAULT_ANCHOR = object()
ERROR_COLUMN = "error"


class BatchError(ValueError):
    """Input or output a batch run cannot use; the message says what and where."""


def schema():
    """The Parquet schema of the output rows."""
    import pyarrow as pa

    span = pa.struct(
        [
            ("start", pa.int64()),
            ("end", pa.int64()),
            ("label", pa.string()),
            ("text", pa.string()),
            ("probability", pa.float64()),
        ]
    )
    relation = pa.struct(
        [("kind", pa.string()), ("attribute", pa.int64()), ("drug", pa.int64()), ("probability", pa.float64())]
    )
    return pa.schema(
        [
            ("id", pa.string()),
            ("spans", pa.list_(span)),
            ("relations", pa.list_(relation)),
            ("model", pa.string()),
            ("inference_version", pa.int64()),
            ("precision", pa.string()),
            (ERROR_COLUMN, pa.string()),
            ("seconds", pa.float64()),
        ]
    )


# --- reading the notes --------------------------------------------------------------------------


def note_rows(source: Path, done: set[str] = frozenset()) -> Callable[[], object] | None:
    """A function that makes the Ray dataset of ``source``'s rows, ``{"id", "text", "error"}``
    (``text`` empty and ``error`` set for a note that could not be read), or None when ``source``
    is a folder whose every note is in ``done`` (its ids are its file names: nothing to read)."""
    import ray.data

    source = Path(source)
    if not source.exists():
        raise BatchError(f"{source}: no such file or folder")
    if source.is_dir() and not any(source.glob("*.parquet")):
        paths = sorted(source.glob("*.txt"))
        if not paths:
            raise BatchError(f"{source}: no .txt notes and no .parquet files")
        left = [{"path": str(p)} for p in paths if p.stem not in done]
        return (lambda: ray.data.from_items(left).map(_read_txt, num_cpus=READ_CPUS)) if left else None
    if source.suffix == ".jsonl":
        return lambda: ray.data.read_text(str(source), drop_empty_lines=True, num_cpus=READ_CPUS).map(
            _parse_json_line, num_cpus=READ_CPUS
        )
    if source.suffix == ".parquet" or source.is_dir():
        return lambda: ray.data.read_parquet(str(source), columns=["id", "text"], num_cpus=READ_CPUS).map(
            _checked_row, num_cpus=READ_CPUS
        )
    raise BatchError(f"{source}: expected a folder of .txt files, a .jsonl file or Parquet with id and text columns")


def _read_txt(row: dict) -> dict:
    from engine.data.brat import NoteEncodingError, read_text

    path = Path(row["path"])
    try:
        return {"id": path.stem, "text": read_text(path), ERROR_COLUMN: None}
    except (NoteEncodingError, OSError) as error:
        return {"id": path.stem, "text": "", ERROR_COLUMN: str(error)}


def _parse_json_line(row: dict) -> dict:
    from engine.data.notes import NotesError, parse_note_line

    line = row["text"]
    try:
        note_id, text = parse_note_line(line)
    except NotesError as error:
        return {"id": _line_id(line), "text": "", ERROR_COLUMN: f"{error}: {line[:60]!r}"}
    return {"id": note_id or _line_id(line), "text": text, ERROR_COLUMN: None}


def _checked_row(row: dict) -> dict:
    text = row.get("text")
    if not isinstance(text, str):
        return {"id": str(row.get("id")), "text": "", ERROR_COLUMN: "no text in this row"}
    return {"id": str(row["id"]), "text": text, ERROR_COLUMN: None}


def _line_id(line: str) -> str:
    """A stable id for a line that names none (so that a rerun recognises it; the line number is
    not known to a parallel read)."""
    return "line-" + hashlib.sha256(line.encode("utf-8", "replace")).hexdigest()[:16]


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

    def __call__(self, batch: dict) -> dict:
        ids = [str(i) for i in batch["id"]]
        texts = [str(t) for t in batch["text"]]
        errors = [e if isinstance(e, str) and e else None for e in batch[ERROR_COLUMN]]
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
        return {
            "id": ids,
            "spans": [json.dumps(rows[i][0]) for i in range(len(ids))],
            "relations": [json.dumps(rows[i][1]) for i in range(len(ids))],
            "model": [self.fingerprint] * len(ids),
            "inference_version": [self.version] * len(ids),
            "precision": [self.pipeline.precision] * len(ids),
            ERROR_COLUMN: errors,
            "seconds": [seconds if errors[i] is None else 0.0 for i in range(len(ids))],
        }


def _span_rows(document) -> list[dict]:
    return [
        {"start": s.start, "end": s.end, "label": s.label, "text": s.text, "probability": s.confidence}
        for s in document.spans
    ]


# --- the output ---------------------------------------------------------------------------------


def written_ids(output: Path) -> set[str]:
    """The ids of every note the parts in ``output`` hold."""
    import pyarrow.parquet as pq

    done: set[str] = set()
    for part in sorted(Path(output).glob("part-*.parquet")):
        done.update(pq.read_table(part, columns=["id"]).column("id").to_pylist())
    return done


def _check_manifest(output: Path, manifest: dict) -> None:
    path = output / "manifest.json"
    if path.is_file():
        found = json.loads(path.read_text(encoding="utf-8"))
        differing = sorted(k for k in manifest if found.get(k) != manifest[k])
        if differing:
            raise BatchError(
                f"{output} holds notes annotated otherwise (differs in: {', '.join(differing)}); "
                "choose another --output or remove that folder"
            )
    else:
        from engine.atomic import atomic_write_text

        output.mkdir(parents=True, exist_ok=True)
        atomic_write_text(path, json.dumps(manifest, indent=2))


def _write_part(output: Path, number: int, rows: list[dict]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pylist(rows, schema=schema())
    final = output / f"part-{number:06d}.parquet"
    temporary = output / f".part-{number:06d}.parquet.tmp"
    pq.write_table(table, temporary)
    os.replace(temporary, final)


def _decoded(batch: dict) -> Iterator[dict]:
    for i, note_id in enumerate(batch["id"]):
        yield {
            "id": str(note_id),
            "spans": json.loads(batch["spans"][i]),
            "relations": json.loads(batch["relations"][i]),
            "model": str(batch["model"][i]),
            "inference_version": int(batch["inference_version"][i]),
            "precision": str(batch["precision"][i]),
            ERROR_COLUMN: batch[ERROR_COLUMN][i] if isinstance(batch[ERROR_COLUMN][i], str) else None,
            "seconds": float(batch["seconds"][i]),
        }


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
) -> BatchRun:
    """Annotate every note of ``source`` not yet in ``output`` (see the module's docstring)."""
    from engine.inference.pipeline import ANCHOR_SENTENCES
    from engine.models.base import INFERENCE_VERSION, folder_fingerprint

    if workers < 1 or batch_size < 1:
        raise BatchError("--workers and --batch-size must be 1 or more")
    output = Path(output)
    anchor = ANCHOR_SENTENCES if anchor is DEFAULT_ANCHOR else anchor
    manifest = {
        "model": folder_fingerprint(Path(model)),
        "inference_version": INFERENCE_VERSION,
        "precision": precision or "auto",
        "anchor": anchor,
    }
    _check_manifest(output, manifest)
    done = written_ids(output)
    make = note_rows(Path(source), done)
    if make is None:
        return BatchRun(0, 0, len(done), 0.0, 0.0, output)
    start_ray(ray_address)
    began = time.perf_counter()
    dataset = make()
    if done:
        dataset = dataset.filter(lambda row: row["id"] not in done, num_cpus=READ_CPUS)
    actor = {"model": str(model), "device": device, "precision": precision, "anchor": anchor}
    annotated = _through_actors(dataset, actor, workers=workers, batch_size=batch_size, gpus=gpus_per_worker)
    counts, first = _write_parts(annotated, output, batch_size=batch_size, began=began, progress=progress)
    return BatchRun(counts["annotated"], counts["failed"], len(done), time.perf_counter() - began, first, output)


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
    pending: list[dict] = []
    counts = {"annotated": 0, "failed": 0}
    first = None
    for batch in annotated.iter_batches(batch_size=batch_size, batch_format="numpy"):
        first = time.perf_counter() - began if first is None else first
        for row in _decoded(batch):
            counts["failed" if row[ERROR_COLUMN] else "annotated"] += 1
            pending.append(row)
        if progress:
            progress(len(batch["id"]))
        if len(pending) >= PART_ROWS:
            _write_part(output, number, pending)
            number, pending = number + 1, []
    if pending:
        _write_part(output, number, pending)
    return counts, first or 0.0


def read_output(output: Path | str) -> list[dict]:
    """Every row of a batch run's output, in part order (for tests and small corpora)."""
    import pyarrow.parquet as pq

    rows: list[dict] = []
    for part in sorted(Path(output).glob("part-*.parquet")):
        rows.extend(pq.read_table(part).to_pylist())
    return rows


def count_notes(source: Path | str) -> int | None:
    """How many notes ``source`` holds when that is cheap to know (for the progress bar)."""
    source = Path(source)
    if source.is_dir() and not any(source.glob("*.parquet")):
        return sum(1 for _ in source.glob("*.txt"))
    if source.suffix == ".jsonl":
        with source.open("rb") as handle:
            return sum(1 for line in handle if line.strip())
    return None
