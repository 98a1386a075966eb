"""TAC 2017 ADR (SPL-ADR-200db): FDA drug-label sections in XML, one document per section
(``LABEL-S1``). ``AdverseReaction`` becomes ADE (its pieces, when discontinuous, become one
span with fragments); ``DrugClass`` is left unlabelled, since the corpus does not annotate
drugs. ``train_xml`` is split 90/10 into train and dev by label; ``gold_xml`` is the test split."""

from __future__ import annotations

import tarfile
import xml.etree.ElementTree as ElementTree
from collections import Counter
from pathlib import Path

from engine.data.brat import BratProblem
from engine.data.corpus import Corpus
from engine.data.open.common import Reading, make_span, split_ids, without_overlaps
from engine.types import Document

LABEL_MAP = {"AdverseReaction": "ADE"}
UNLABELLED = frozenset({"DrugClass"})
ARCHIVES = {"train": "train_xml.tar.xz", "test": "gold_xml.tar.xz"}


def parse(xml: bytes, *, where: str, problems: list[BratProblem], ignored: Counter) -> list[tuple[Document, tuple]]:
    """The sections of one label as documents, each with its unlabelled regions."""
    root = ElementTree.fromstring(xml)
    label = Path(where).stem
    sections = {s.get("id"): s.text or "" for s in root.iter("Section")}
    spans: dict[str, list] = {sid: [] for sid in sections}
    regions: dict[str, list] = {sid: [] for sid in sections}
    for mention in root.iter("Mention"):
        section, kind, ref = mention.get("section"), mention.get("type", ""), mention.get("id", "")
        if section not in sections:
            problems.append(BratProblem(where, 0, f"{ref}: section {section!r} is not in the label; left out"))
            continue
        try:
            starts = [int(n) for n in mention.get("start", "").split(",")]
            lengths = [int(n) for n in mention.get("len", "").split(",")]
        except ValueError:
            problems.append(BratProblem(where, 0, f"{ref}: offsets cannot be read; left out"))
            continue
        pieces = [(s, s + n) for s, n in zip(starts, lengths, strict=False)]
        if kind in UNLABELLED:
            regions[section].extend(pieces)
        elif kind in LABEL_MAP:
            span = make_span(
                sections[section], pieces, LABEL_MAP[kind], where=where, line=0, problems=problems, ref=ref
            )
            if span is not None:
                spans[section].append(span)
        else:
            ignored[kind] += 1
    return [
        (
            Document(
                f"{label}-{sid}",
                sections[sid],
                without_overlaps(spans[sid], where=where, problems=problems, regions=regions[sid]),
            ),
            tuple(sorted(regions[sid])),
        )
        for sid in sections
    ]


def xml_members(archive_path: Path) -> dict[str, bytes]:
    """The ``.xml`` files of a tar archive by name, read in one pass in archive order (an xz stream
    cannot seek back: reading members out of order decompresses it again from the start each time)."""
    members: dict[str, bytes] = {}
    with tarfile.open(archive_path, mode="r|*") as archive:
        for member in archive:
            if member.isfile() and member.name.endswith(".xml"):
                members[member.name] = archive.extractfile(member).read()  # type: ignore[union-attr]
    return members


def read(root: Path) -> Corpus:
    reading = Reading(root)
    by_archive: dict[str, list[tuple[str, Document, tuple]]] = {}
    for split, archive_name in ARCHIVES.items():
        found = []
        for name, xml in sorted(xml_members(root / archive_name).items()):
            where = f"{archive_name}:{name}"
            try:
                parsed = parse(xml, where=where, problems=reading.problems, ignored=reading.ignored)
            except ElementTree.ParseError as error:
                reading.problems.append(BratProblem(where, 0, f"not XML ({error}); left out"))
                continue
            found.extend((Path(name).stem, document, regions) for document, regions in parsed)
        by_archive[split] = found
    assignment = split_ids((label for label, _, _ in by_archive["train"]), seed="tac2017-adr", dev=0.1, test=0.0)
    for split, found in by_archive.items():
        for label, document, regions in found:
            reading.add(assignment[label] if split == "train" else "test", document, regions)
    return reading.corpus(frozenset({"ADE"}), where=str(root))
