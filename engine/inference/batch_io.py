"""Reading and writing for a batch run (:mod:`engine.inference.batch`): the notes as rows of a Ray
dataset, and the output folder of Parquet parts with its manifest.

Input rows are ``{"id", "text", "error"}``: a note that cannot be read (not UTF-8, a line that is not
JSON, a Parquet row without text) is a row with its ``error`` and no text, so that it is reported,
never dropped. Output parts are written whole or not at all (a temporary name renamed into place).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path

#: The CPU share Ray gives each reading task: the actors hold the rest.
READ_CPUS = 0.1
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
    kind = input_kind(source)
    if kind == "folder":
        paths = sorted(source.glob("*.txt"))
        if not paths:
            raise BatchError(f"{source}: no .txt notes and no .parquet files")
        # the actors read the files themselves (read_note_file): no reading tasks, each a process
        # competing with the model for the CPUs, for what is a file read
        left = [{"id": p.stem, "text": "", ERROR_COLUMN: None, "path": str(p)} for p in paths if p.stem not in done]
        return (lambda: ray.data.from_items(left)) if left else None
    if kind == "jsonl":
        return lambda: ray.data.read_text(str(source), drop_empty_lines=True, num_cpus=READ_CPUS).map(
            _parse_json_line, num_cpus=READ_CPUS
        )
    return lambda: (
        ray.data.read_parquet(str(source), num_cpus=READ_CPUS)
        .select_columns(["id", "text"])
        .map(_checked_row, num_cpus=READ_CPUS)
    )


def input_kind(source: Path) -> str:
    """What ``source`` is: ``folder`` (of ``.txt`` notes), ``jsonl`` or ``parquet`` (a file, or a
    folder of them); :class:`BatchError` for anything else."""
    if not source.exists():
        raise BatchError(f"{source}: no such file or folder")
    if source.is_dir() and not any(source.glob("*.parquet")):
        return "folder"
    if source.suffix == ".jsonl":
        return "jsonl"
    if source.suffix == ".parquet" or source.is_dir():
        return "parquet"
    raise BatchError(f"{source}: expected a folder of .txt files, a .jsonl file or Parquet with id and text columns")


def read_note_file(path: str) -> tuple[str, str | None]:
    """A ``.txt`` note's text and None, or no text and what is wrong with the file."""
    from engine.data.brat import NoteEncodingError, read_text

    try:
        return read_text(Path(path)), None
    except (NoteEncodingError, OSError) as error:
        return "", str(error)


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


# --- the output -----------------------------------------------------------------------------------


def written_ids(output: Path) -> set[str]:
    """The ids of every note the parts in ``output`` hold."""
    import pyarrow.parquet as pq

    done: set[str] = set()
    for part in sorted(Path(output).glob("part-*.parquet")):
        done.update(pq.read_table(part, columns=["id"]).column("id").to_pylist())
    return done


def check_manifest(output: Path, manifest: dict) -> None:
    path = output / "_manifest.json"  # "_": readers of the folder as one Parquet dataset skip it
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


def write_part(output: Path, number: int, tables: list) -> None:
    """``tables`` (Arrow, the actors' output) as part ``number``, in :func:`schema`."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.concat_tables([t.select(schema().names).cast(schema()) for t in tables])
    final = output / f"part-{number:06d}.parquet"
    temporary = output / f".part-{number:06d}.parquet.tmp"
    pq.write_table(table, temporary)
    os.replace(temporary, final)


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
    kind = input_kind(source)
    if kind == "folder":
        return sum(1 for _ in source.glob("*.txt"))
    if kind == "jsonl":
        with source.open("rb") as handle:
            return sum(1 for line in handle if line.strip())
    return None
