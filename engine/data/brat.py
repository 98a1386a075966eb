"""BRAT standoff files as n2c2-2018 Track 2 ships them: a folder of ``NAME.txt`` + ``NAME.ann``.

``.ann`` lines understood:

=====  ======================================================  ==============================
``T``  ``T3<TAB>Drug 10 14;20 27<TAB>Aspi rin``                 a span, maybe discontinuous
``R``  ``R1<TAB>Strength-Drug Arg1:T4 Arg2:T3``                 a relation, kept as read
``#``  ``#1<TAB>AnnotatorNotes T3<TAB>...``                     ignored
other  ``E``, ``A``, ``N``, ``M``, ``*``                          ignored, reported as a problem
=====  ======================================================  ==============================

A line that cannot be read raises :class:`BratFormatError` naming the file and line number.
Softer problems (a span's text that does not match the note, an unknown label, an unsupported
line type) are returned as :class:`BratProblem` entries, never dropped silently.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from engine.labels import canonical_label
from engine.types import Document, Relation, Span

_OFFSETS = re.compile(r"\d+ \d+(?:;\d+ \d+)*")
_ARG = re.compile(r"Arg([12]):(\S+)")


class BratFormatError(ValueError):
    """A line of a BRAT file that cannot be read; the message names file and line."""

    def __init__(self, path: Path | str, line: int, message: str) -> None:
        super().__init__(f"{path}:{line}: {message}")
        self.path = str(path)
        self.line = line


class NoteEncodingError(ValueError):
    """A note or annotation file that is not UTF-8 text."""


@dataclass(frozen=True)
class BratProblem:
    """Something in a BRAT file that was read but deserves a person's attention."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:  # line 0: about the whole file
        return f"{self.path}:{self.line}: {self.message}" if self.line else f"{self.path}: {self.message}"


@dataclass(frozen=True)
class BratDocument:
    document: Document
    problems: tuple[BratProblem, ...] = ()


def read_text(path: Path) -> str:
    """A file's text exactly as stored: line endings kept, and a byte order mark kept as the
    character U+FEFF, which brat counts too, so offsets stay right and writing back is byte for byte."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise NoteEncodingError(
            f"{path}: not UTF-8 text (byte 0x{data[error.start]:02x} at position {error.start}); "
            "save the file as UTF-8 and try again"
        ) from None


def _normalise(text: str) -> str:
    # BRAT writes a span that crosses a line break with a space in its text field.
    return re.sub(r"\s", " ", text)


def _parse_span(path: Path, number: int, fields: list[str], note: str) -> tuple[Span, list[BratProblem]]:
    ref = fields[0]
    if len(fields) < 3:
        raise BratFormatError(path, number, f"{ref}: expected 'ID<TAB>LABEL START END<TAB>TEXT'")
    label_name, _, offsets = fields[1].partition(" ")
    if not _OFFSETS.fullmatch(offsets):
        raise BratFormatError(path, number, f"{ref}: offsets {offsets!r} are not 'START END' pairs separated by ';'")
    pieces = [tuple(int(n) for n in pair.split()) for pair in offsets.split(";")]
    for start, end in pieces:
        if not 0 <= start < end <= len(note):
            raise BratFormatError(
                path, number, f"{ref}: offsets {start} {end} are outside the note (length {len(note)}) or empty"
            )
    pieces.sort()
    if any(pieces[i][1] > pieces[i + 1][0] for i in range(len(pieces) - 1)):
        raise BratFormatError(path, number, f"{ref}: fragments {offsets} overlap")
    problems: list[BratProblem] = []
    label = canonical_label(label_name)
    if label is None:
        problems.append(BratProblem(str(path), number, f"{ref}: unknown label {label_name!r}; span left out"))
        label = label_name
    expected = " ".join(note[start:end] for start, end in pieces)
    written = "\t".join(fields[2:])
    if _normalise(written) != _normalise(expected):
        problems.append(
            BratProblem(
                str(path),
                number,
                f"{ref}: text {written!r} does not match the note at {offsets} ({expected!r}); note text kept",
            )
        )
    fragments = tuple(pieces) if len(pieces) > 1 else ()
    span = Span(pieces[0][0], pieces[-1][1], label, expected, fragments, ref=ref)
    return span, problems


def _parse_relation(path: Path, number: int, fields: list[str]) -> Relation:
    ref = fields[0]
    parts = fields[1].split() if len(fields) > 1 else []
    args = dict(_ARG.fullmatch(part).groups() for part in parts[1:] if _ARG.fullmatch(part))
    if len(parts) != 3 or set(args) != {"1", "2"}:
        raise BratFormatError(path, number, f"{ref}: expected 'ID<TAB>TYPE Arg1:Tn Arg2:Tm'")
    return Relation(ref, parts[0], args["1"], args["2"])


def parse_ann(ann: str, note: str, *, path: Path | str = "<ann>") -> BratDocument:
    """Read the text of an ``.ann`` file against its note; the document id is the file stem."""
    path = Path(path)
    spans: list[Span] = []
    relations: list[Relation] = []
    problems: list[BratProblem] = []
    seen: set[str] = set()
    for number, line in enumerate(ann.splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.rstrip("\r").split("\t")
        ref = fields[0]
        if ref in seen:
            raise BratFormatError(path, number, f"id {ref} is used twice")
        seen.add(ref)
        if re.fullmatch(r"T\d+", ref):
            span, span_problems = _parse_span(path, number, fields, note)
            problems.extend(span_problems)
            if canonical_label(span.label) is not None:
                spans.append(span)
        elif re.fullmatch(r"R\d+", ref):
            relations.append(_parse_relation(path, number, fields))
        elif re.fullmatch(r"[EAMN*]\d*", ref):
            problems.append(BratProblem(str(path), number, f"{ref}: {ref[0]} lines are not used here; ignored"))
        else:
            raise BratFormatError(path, number, f"cannot read line starting {line[:40]!r}")
    known = {span.ref for span in spans}
    kept: list[Relation] = []
    for relation in relations:
        missing = [arg for arg in (relation.arg1, relation.arg2) if arg not in known]
        if missing:
            problems.append(
                BratProblem(str(path), 0, f"{relation.ref}: refers to {', '.join(missing)}, which is not a kept span")
            )
        else:
            kept.append(relation)
    document = Document(path.stem, note, tuple(spans), tuple(kept))
    return BratDocument(document, tuple(problems))


def read_document(txt_path: Path | str) -> BratDocument:
    """Read ``NAME.txt`` and its ``NAME.ann`` (a missing ``.ann`` means no annotations)."""
    txt_path = Path(txt_path)
    note = read_text(txt_path)
    ann_path = txt_path.with_suffix(".ann")
    if not ann_path.exists():
        return BratDocument(Document(txt_path.stem, note))
    return parse_ann(read_text(ann_path), note, path=ann_path)


def read_folder(folder: Path | str) -> tuple[list[Document], list[BratProblem]]:
    """Every ``.txt`` in ``folder`` with its annotations, sorted by name.

    An ``.ann`` without its ``.txt`` is reported as a problem (its annotations cannot be placed).
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder}: not a folder")
    documents: list[Document] = []
    problems: list[BratProblem] = []
    for txt_path in sorted(folder.glob("*.txt")):
        read = read_document(txt_path)
        documents.append(read.document)
        problems.extend(read.problems)
    for ann_path in sorted(folder.glob("*.ann")):
        if not ann_path.with_suffix(".txt").exists():
            problems.append(BratProblem(str(ann_path), 0, "no matching .txt file; its annotations were not read"))
    return documents, problems


def format_ann(document: Document) -> str:
    """The ``.ann`` text of a document; spans without a BRAT id get fresh ``T`` ids."""
    used = {span.ref for span in document.spans if span.ref}
    next_id = 1
    lines: list[str] = []
    for span in document.spans:
        ref = span.ref
        if not ref:
            while f"T{next_id}" in used:
                next_id += 1
            ref = f"T{next_id}"
            used.add(ref)
        offsets = ";".join(f"{start} {end}" for start, end in span.pieces)
        text = _normalise(" ".join(document.text[start:end] for start, end in span.pieces))
        lines.append(f"{ref}\t{span.label} {offsets}\t{text}\n")
    for relation in document.relations:
        lines.append(f"{relation.ref}\t{relation.kind} Arg1:{relation.arg1} Arg2:{relation.arg2}\n")
    return "".join(lines)


def _write_atomically(path: Path, text: str) -> None:
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", newline="", dir=path.parent, delete=False) as handle:
        handle.write(text)
        temporary = Path(handle.name)
    os.replace(temporary, path)


def write_document(document: Document, folder: Path | str) -> None:
    """Write ``ID.txt`` (the note, byte for byte) and ``ID.ann`` into ``folder``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    if not document.id or Path(document.id).name != document.id:
        raise ValueError(f"document id {document.id!r} cannot be used as a file name")
    _write_atomically(folder / f"{document.id}.txt", document.text)
    _write_atomically(folder / f"{document.id}.ann", format_ann(document))


def write_folder(documents: Iterable[Document], folder: Path | str) -> None:
    for document in documents:
        write_document(document, folder)
