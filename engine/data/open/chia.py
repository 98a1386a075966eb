"""Chia (Kury et al. 2020): eligibility criteria of 1,000 Phase IV trials in BRAT, read from the
published ``chia_without_scope.zip``. Only ``Drug`` maps to an n2c2 label; trials are split
80/10/10 into train/dev/test by a seeded shuffle of their NCT ids (a trial's inclusion and
exclusion criteria stay together)."""

from __future__ import annotations

import re
import zipfile
from collections import Counter
from pathlib import Path

from engine.data.brat import BratProblem
from engine.data.corpus import Corpus
from engine.data.open.common import Reading, make_span, split_ids, without_overlaps
from engine.types import Document

ARCHIVE = "chia_without_scope.zip"
LABEL_MAP = {"Drug": "Drug"}
_TEXT_BOUND = re.compile(r"T\d+")


def parse(
    doc_id: str, text: str, ann: str, *, where: str, problems: list[BratProblem], ignored: Counter
) -> tuple[Document, tuple]:
    """One Chia document with its unlabelled regions: its ``Drug`` spans; other types are counted
    in ``ignored``."""
    spans, regions = [], []
    for number, line in enumerate(ann.splitlines(), start=1):
        fields = line.rstrip("\r").split("\t")
        if not _TEXT_BOUND.fullmatch(fields[0]):
            ignored[f"{fields[0][:1] or 'blank'} lines"] += 1  # R relations, * OR groups: not used
            continue
        if len(fields) < 3:
            problems.append(BratProblem(where, number, f"{fields[0]}: expected 'ID<TAB>TYPE START END<TAB>TEXT'"))
            continue
        source, _, offsets = fields[1].partition(" ")
        if source not in LABEL_MAP:
            ignored[source] += 1
            continue
        try:
            pieces = [tuple(int(n) for n in pair.split()) for pair in offsets.split(";")]
        except ValueError:
            problems.append(BratProblem(where, number, f"{fields[0]}: offsets {offsets!r} cannot be read; left out"))
            continue
        span = make_span(text, pieces, LABEL_MAP[source], where=where, line=number, problems=problems, ref=fields[0])
        if span is None:
            continue
        if re.sub(r"\s+", " ", span.text).strip() != re.sub(r"\s+", " ", fields[2]).strip():
            problems.append(
                BratProblem(
                    where,
                    number,
                    f"{fields[0]}: text {fields[2]!r} does not match the note ({span.text!r}); note text kept",
                )
            )
        spans.append(span)
    kept = without_overlaps(spans, where=where, problems=problems, regions=regions)
    return Document(doc_id, text, kept), tuple(sorted(regions))


def read(root: Path) -> Corpus:
    """The Chia corpus from ``root/chia_without_scope.zip``."""
    reading = Reading(root)
    read_documents: list[tuple[Document, tuple]] = []
    with zipfile.ZipFile(root / ARCHIVE) as archive:
        names = sorted(n for n in archive.namelist() if n.endswith(".txt"))
        for name in names:
            ann_name = name[: -len(".txt")] + ".ann"
            try:
                text = archive.read(name).decode("utf-8")
                ann = archive.read(ann_name).decode("utf-8")
            except KeyError:
                reading.problems.append(BratProblem(name, 0, "no .ann file; the document was left out"))
                continue
            except UnicodeDecodeError as error:
                reading.problems.append(BratProblem(name, 0, f"not UTF-8 ({error.reason}); the document was left out"))
                continue
            where = f"{ARCHIVE}:{ann_name}"
            read_documents.append(
                parse(Path(name).stem, text, ann, where=where, problems=reading.problems, ignored=reading.ignored)
            )
    trial = {d.id: d.id.split("_")[0] for d, _ in read_documents}
    assignment = split_ids(trial.values(), seed="chia")
    for document, regions in read_documents:
        reading.add(assignment[trial[document.id]], document, regions)
    return reading.corpus(frozenset({"Drug"}), where=ARCHIVE)
