"""BC5CDR (BioCreative V chemical-disease relations): PubMed titles and abstracts in PubTator
format. The text of a document is its title, a space, and its abstract (the offsets count so).

A Chemical mention becomes Drug when its text is a name of the drug dictionary
(:func:`engine.data.drug_dictionary.dictionary_names`), else an unlabelled region; a Disease mention
becomes ADE when its MeSH id is the disease of one of the abstract's chemical-induced-disease
(CID) pairs, else it stays plain text."""

from __future__ import annotations

import gzip
from collections import Counter
from pathlib import Path

from engine.data.brat import BratProblem
from engine.data.corpus import Corpus
from engine.data.drug_dictionary import dictionary_names
from engine.data.open.common import Reading, make_span, without_overlaps
from engine.types import Document

FILES = {
    "train": "CDR_TrainingSet.PubTator.txt.gz",
    "dev": "CDR_DevelopmentSet.PubTator.txt.gz",
    "test": "CDR_TestSet.PubTator.txt.gz",
}


def parse(
    block: list[tuple[int, str]], *, where: str, problems: list[BratProblem], ignored: Counter, names: frozenset[str]
):
    """One PubTator block (``(line number, line)`` pairs): the document and its unlabelled regions."""
    title = abstract = None
    mentions: list[tuple[int, list[str]]] = []
    induced: set[str] = set()
    for number, line in block:
        if "|t|" in line[:20]:
            pmid, _, title = line.split("|", 2)
        elif "|a|" in line[:20]:
            pmid, _, abstract = line.split("|", 2)
        else:
            fields = line.split("\t")
            if len(fields) >= 4 and fields[1] == "CID":
                induced.add(fields[3])
            elif len(fields) >= 5:
                mentions.append((number, fields))
            else:
                problems.append(BratProblem(where, number, f"cannot read {line[:40]!r}; left out"))
    if title is None or abstract is None:
        problems.append(BratProblem(where, block[0][0], "a document without its title or abstract line; left out"))
        return None, ()
    text = f"{title} {abstract}"
    spans, regions = [], []
    for number, fields in mentions:
        try:
            start, end = int(fields[1]), int(fields[2])
        except ValueError:
            problems.append(BratProblem(where, number, f"offsets {fields[1]!r} {fields[2]!r} cannot be read; left out"))
            continue
        kind, mesh = fields[4], (fields[5] if len(fields) > 5 else "")
        if kind == "Chemical":
            label = "Drug" if text[start:end].lower() in names else None
        elif kind == "Disease":
            label = "ADE" if mesh and any(part in induced for part in mesh.split("|")) else ""
        else:
            ignored[kind] += 1
            continue
        if label == "":
            ignored["Disease (no CID pair)"] += 1
            continue
        if label is None:
            regions.append((start, end))
            ignored["Chemical (not in the drug dictionary; unlabelled)"] += 1
            continue
        span = make_span(text, [(start, end)], label, where=where, line=number, problems=problems)
        if span is not None:
            if span.text != fields[3]:
                problems.append(
                    BratProblem(where, number, f"{fields[3]!r} does not match the text ({span.text!r}); text kept")
                )
            spans.append(span)
    kept = without_overlaps(spans, where=where, problems=problems, regions=regions)  # may add regions
    return Document(pmid, text, kept), tuple(sorted(regions))


def read(root: Path) -> Corpus:
    """The training, development and test sets as train, dev and test.

    The training file as distributed holds 1,000 abstracts: the 500 of the training set and the
    500 of the development set again. An abstract is kept in one split only, dev or test before
    train, so that no dev abstract is trained on (the repeats are counted, not silent)."""
    names = dictionary_names()
    reading = Reading(root)
    read_documents: list[tuple[str, Document, tuple]] = []
    for split, file in FILES.items():
        with gzip.open(root / file, "rt", encoding="utf-8") as handle:
            lines = handle.read().split("\n")
        block: list[tuple[int, str]] = []
        for number, line in enumerate([*lines, ""], start=1):
            if line.strip():
                block.append((number, line.rstrip("\r")))
                continue
            if block:
                document, regions = parse(
                    block, where=file, problems=reading.problems, ignored=reading.ignored, names=names
                )
                block = []
                if document is not None:
                    read_documents.append((split, document, regions))
    held_out = {document.id for split, document, _ in read_documents if split != "train"}
    for split, document, regions in read_documents:
        if split == "train" and document.id in held_out:
            reading.ignored["training-set abstract repeated in the dev or test set (kept there only)"] += 1
            continue
        reading.add(split, document, regions)
    return reading.corpus(frozenset({"Drug", "ADE"}), where=str(root), ignored_as="not mapped to an n2c2 label")
