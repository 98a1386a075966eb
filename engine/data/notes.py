"""Notes to annotate as ``(id, text)`` pairs, read from what a user names on the command line:
``.txt`` files, folders of them (sorted by name) and JSON-lines files of ``{"id", "text"}``
objects. A bad line is named by file and line; two notes with one id are refused, because the id
names each note's output (a BRAT file, a row)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from engine.data.brat import read_text


class NotesError(ValueError):
    """Notes that cannot be read as given; the message names the file (and the line)."""


def read_notes(paths: Sequence[Path]) -> list[tuple[str, str]]:
    """``(id, text)`` of every note in ``paths`` (a ``.jsonl`` line without an id is ``STEM-LINE``)."""
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
            raise NotesError(f"two notes have the id {note_id!r}: ids must be unique (each names the note's output)")
        seen.add(note_id)
    return notes


def parse_note_line(line: str) -> tuple[str | None, str]:
    """One JSON-lines record as ``(id or None, text)``; :class:`NotesError` says what is wrong."""
    try:
        record = json.loads(line)
    except json.JSONDecodeError as error:
        raise NotesError(f"not JSON ({error.msg})") from None
    if not isinstance(record, dict) or not isinstance(record.get("text"), str):
        raise NotesError('expected an object with a "text" string (and an "id")')
    return (None if record.get("id") is None else str(record["id"])), record["text"]


def _read_jsonl(path: Path) -> list[tuple[str, str]]:
    notes = []
    for number, line in enumerate(read_text(path).splitlines(), start=1):
        if not line.strip():
            continue
        try:
            note_id, text = parse_note_line(line)
        except NotesError as error:
            raise NotesError(f"{path}:{number}: {error}") from None
        notes.append((note_id or f"{path.stem}-{number}", text))
    return notes
