"""NeuroTrialNER (Doneva et al. 2024): neurology and psychiatry trial titles and summaries, a
JSON list per split (``train``, ``dev``, ``test``) with character-offset entities."""

from __future__ import annotations

import gzip
import json
from collections import Counter
from pathlib import Path

from engine.data.brat import BratProblem
from engine.data.corpus import Corpus
from engine.data.open.common import Reading, make_span, without_overlaps
from engine.types import Document

LABEL_MAP = {"DRUG": "Drug"}
UNLABELLED = frozenset({"CONTROL"})


def parse(
    record: dict, *, where: str, index: int, problems: list[BratProblem], ignored: Counter
) -> tuple[Document, tuple]:
    """One record: the document and its unlabelled regions."""
    text = record["text"]
    doc_id = str(record.get("nctid") or f"record-{index}")
    spans, regions = [], []
    for entity in record.get("entities", []):
        kind = entity.get("type", "")
        start, end = int(entity["start"]), int(entity["end"])
        if kind in UNLABELLED:
            regions.append((start, end))
        elif kind in LABEL_MAP:
            span = make_span(text, [(start, end)], LABEL_MAP[kind], where=where, line=index + 1, problems=problems)
            if span is None:
                continue
            if span.text != entity.get("text", span.text):
                problems.append(
                    BratProblem(
                        where, index + 1, f"{doc_id}: {entity.get('text')!r} does not match the text ({span.text!r})"
                    )
                )
            spans.append(span)
        else:
            ignored[kind] += 1
    kept = without_overlaps(spans, where=where, problems=problems, regions=regions)  # may add regions
    return Document(doc_id, text, kept), tuple(sorted(regions))


def read(root: Path) -> Corpus:
    """The three splits from ``root/{train,dev,test}.json.gz``; a record index is its 'line'."""
    reading = Reading(root)
    for split in ("train", "dev", "test"):
        where = f"{split}.json.gz"
        with gzip.open(root / where, "rt", encoding="utf-8") as handle:
            records = json.load(handle)
        seen: set[str] = set()
        for index, record in enumerate(records):
            document, regions = parse(
                record, where=where, index=index, problems=reading.problems, ignored=reading.ignored
            )
            if document.id in seen:
                document = Document(f"{document.id}-{index}", document.text, document.spans)
            seen.add(document.id)
            reading.add(split, document, regions)
    return reading.corpus(frozenset({"Drug"}), where=str(root))
