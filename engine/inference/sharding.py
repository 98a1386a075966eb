"""Annotating a large corpus on many processes and machines: ``predict --output FILE.jsonl``,
unchanged under ``torchrun --nnodes N --nproc_per_node M``.

The notes (a folder of ``.txt`` files, ``.txt`` files, or a JSON-lines file of
``{"id": ..., "text": ...}``) are cut into shards of ``shard_size`` notes in input order; shard
``i`` belongs to the process of global rank ``i mod world``. Each shard's spans are written to
``FILE.jsonl.shards/shard-NNNNN.jsonl`` atomically (a temporary file renamed into place), so a
crash leaves whole shards or none; a rerun skips the shards already written (resume). When every
process is done, rank 0 merges the shards in order into ``FILE.jsonl``: one line a note,
``{"id", "spans": [{"start", "end", "label", "text", "confidence"}]}``, in input order.

``manifest.json`` in the shard folder records what the shards were made from (the notes' and
the model's fingerprints, the precision the model ran at, the shard size and the anchoring
window); a rerun over other notes, with another model or at another precision, refuses to mix its
shards with those. Processes meet at two barriers (gloo,
which needs no GPU): after rank 0 has written the manifest, and before it merges. On several
machines the output must be on a file system all of them see.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from engine.atomic import atomic_write_text
from engine.data.brat import read_text
from engine.types import Span

SHARD_SIZE = 32


class ShardError(ValueError):
    """Input or output that a sharded run cannot use; the message says what and where."""


def read_notes(paths: Sequence[Path]) -> list[tuple[str, str]]:
    """``(id, text)`` of every note: ``.txt`` files as given, folders' ``.txt`` files sorted by
    name, and JSON-lines files of ``{"id", "text"}`` objects (a bad line is named: file and line)."""
    notes: list[tuple[str, str]] = []
    for path in paths:
        if path.is_dir():
            notes.extend((p.stem, read_text(p)) for p in sorted(path.glob("*.txt")))
        elif path.suffix == ".jsonl":
            notes.extend(_read_jsonl(path))
        else:
            notes.append((path.stem, read_text(path)))
    seen: set[str] = set()
    for note_id, _ in notes:
        if note_id in seen:
            raise ShardError(f"two notes have the id {note_id!r}: ids must be unique to merge the shards")
        seen.add(note_id)
    return notes


def _read_jsonl(path: Path) -> list[tuple[str, str]]:
    notes = []
    for number, line in enumerate(read_text(path).splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise ShardError(f"{path}:{number}: not JSON ({error.msg})") from None
        if not isinstance(record, dict) or not isinstance(record.get("text"), str):
            raise ShardError(f'{path}:{number}: expected an object with a "text" string (and an "id")')
        notes.append((str(record.get("id", f"{path.stem}-{number}")), record["text"]))
    return notes


def span_record(span: Span) -> dict:
    return {"start": span.start, "end": span.end, "label": span.label, "text": span.text, "confidence": span.confidence}


def notes_fingerprint(notes: Sequence[tuple[str, str]]) -> str:
    digest = hashlib.sha256()
    for note_id, text in notes:
        digest.update(note_id.encode() + b"\0" + text.encode() + b"\0")
    return digest.hexdigest()


@dataclass(frozen=True)
class Distributed:
    """This process's place among all of them (torchrun's ``RANK`` and ``WORLD_SIZE``)."""

    rank: int = 0
    world: int = 1
    #: How the processes meet (default: a gloo barrier, the process group made on first use).
    meet: Callable[[], None] | None = None

    @classmethod
    def from_environment(cls) -> Distributed:
        return cls(int(os.environ.get("RANK", "0")), int(os.environ.get("WORLD_SIZE", "1")))

    def barrier(self) -> None:
        if self.world == 1:
            return
        if self.meet is not None:
            self.meet()
            return
        import torch.distributed as dist

        if not dist.is_initialized():
            dist.init_process_group("gloo")
        dist.barrier()


@dataclass
class ShardedRun:
    """What :func:`predict_sharded` did in this process."""

    shards: int
    written: int
    skipped: int
    notes_annotated: int
    merged: Path | None


def predict_sharded(
    predict: Callable[[list[str]], list[list[Span]]],
    notes: Sequence[tuple[str, str]],
    output: Path,
    *,
    model_fingerprint: str,
    precision: str,
    anchor: int | None,
    shard_size: int = SHARD_SIZE,
    place: Distributed | None = None,
    on_shard: Callable[[int, int], None] | None = None,
) -> ShardedRun:
    """Annotate this process's shards of ``notes`` with ``predict`` and, on rank 0, merge all
    shards into ``output`` (see the module's docstring). ``on_shard(done, total)`` is called on
    rank 0 after each shard with the number of shard files present."""
    if shard_size < 1:
        raise ShardError(f"shard size must be 1 or more, not {shard_size}")
    place = place or Distributed.from_environment()
    folder = output.with_name(output.name + ".shards")
    manifest = {
        "notes": len(notes),
        "notes_fingerprint": notes_fingerprint(notes),
        "model_fingerprint": model_fingerprint,
        "precision": precision,
        "anchor": anchor,
        "shard_size": shard_size,
    }
    if place.rank == 0:
        folder.mkdir(parents=True, exist_ok=True)
        _check_or_write_manifest(folder / "manifest.json", manifest)
    place.barrier()
    if place.rank != 0:
        _check_or_write_manifest(folder / "manifest.json", manifest, write=False)
    total = (len(notes) + shard_size - 1) // shard_size
    written = skipped = annotated = 0
    for shard in range(place.rank, total, place.world):
        path = _shard_path(folder, shard)
        if path.is_file():
            skipped += 1
        else:
            chunk = list(notes[shard * shard_size : (shard + 1) * shard_size])
            spans = predict([text for _, text in chunk])
            lines = [
                json.dumps({"id": note_id, "spans": [span_record(s) for s in found]}, ensure_ascii=False)
                for (note_id, _), found in zip(chunk, spans, strict=True)
            ]
            atomic_write_text(path, "".join(f"{line}\n" for line in lines))
            written += 1
            annotated += len(chunk)
        if on_shard and place.rank == 0:
            on_shard(len(list(folder.glob("shard-*.jsonl"))), total)
    place.barrier()
    merged = None
    if place.rank == 0:
        merged = _merge(folder, total, output)
    return ShardedRun(total, written, skipped, annotated, merged)


def _check_or_write_manifest(path: Path, manifest: dict, *, write: bool = True) -> None:
    if path.is_file():
        try:
            found = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError:
            found = None
        if found != manifest:
            differing = sorted(k for k in manifest if not isinstance(found, dict) or found.get(k) != manifest[k])
            raise ShardError(
                f"{path.parent} holds shards of another run (differs in: {', '.join(differing)}); "
                "remove that folder or choose another --output"
            )
    elif write:
        atomic_write_text(path, json.dumps(manifest, indent=2))
    else:
        raise ShardError(f"{path}: missing (rank 0 writes it first)")


def _shard_path(folder: Path, shard: int) -> Path:
    return folder / f"shard-{shard:05d}.jsonl"


def _merge(folder: Path, total: int, output: Path) -> Path:
    paths = [_shard_path(folder, shard) for shard in range(total)]
    missing = [shard for shard, path in enumerate(paths) if not path.is_file()]
    if missing:
        raise ShardError(f"{folder}: shards {missing[:5]} are missing; rerun to fill them in")
    parts = [path.read_text(encoding="utf-8") for path in paths]
    atomic_write_text(output, "".join(parts))
    return output
