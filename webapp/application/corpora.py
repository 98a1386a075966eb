"""Corpora in and out of the store: BRAT folders, the vendored open corpora, and a store corpus
as an ``engine`` corpus (its latest gold) for training."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from db.repository import Store
from engine.types import Document

DEMO_CORPUS = "demo"
#: Store name of an open real corpus: real-chia, real-bc5cdr, ...
OPEN_PREFIX = "real-"
#: The open corpora whose test split every model is scored on when it is synced (TAC 2017 ADR's
#: documents are whole drug labels, minutes per model on a CPU: it is scored on request, by an
#: evaluation job).
SCORED_OPEN_CORPORA = ("chia", "neurotrialner", "bc5cdr", "clinical-notes-dev")


def import_folder(store: Store, name: str, folder: Path | str) -> tuple[int, list[str]]:
    """Import a BRAT corpus folder (``train/ dev/ test/`` or one folder of notes) into the store:
    how many documents were added, and what the reader reported (file and line) and left out,
    such as unknown labels or ``.ann`` files without their ``.txt``. A line it cannot read at all
    raises, naming file and line, and nothing is imported."""
    from engine.data.corpus import load_corpus

    corpus = load_corpus(folder)
    added = store.import_corpus(
        name, corpus.splits, source=str(Path(folder).resolve()), coverage=_coverage_record(corpus.coverage)
    )
    return added, [str(problem) for problem in corpus.problems]


def _coverage_record(coverage) -> dict | None:
    return None if coverage.complete else coverage.as_dict()


def corpus_coverage(store: Store, name: str):
    """The store corpus's coverage (:class:`engine.data.partial.Coverage`; complete when it has none)."""
    from engine.data.partial import Coverage

    record = next((c.coverage for c in store.corpora() if c.name == name), None)
    return Coverage.from_dict(record) if record else Coverage()


def import_open_corpora(store: Store, names: Sequence[str], log: Callable[[str], None] = print) -> None:
    """Import each named open corpus (engine.data.open, vendored) not yet in the store as the
    corpus ``real-NAME``, with its coverage."""
    from engine.data.open import open_corpus

    present = {c.name for c in store.corpora()}
    for name in names:
        if OPEN_PREFIX + name in present:
            continue
        source = open_corpus(name)
        corpus = source.load()
        added = store.import_corpus(
            OPEN_PREFIX + name,
            corpus.splits,
            source=f"{name}: {source.text} ({source.licence}), vendored in {corpus.root}",
            coverage=_coverage_record(corpus.coverage),
        )
        log(f"imported {added} documents of the open corpus {name} as {OPEN_PREFIX + name!r}")


def store_corpus(store: Store, name: str):
    """The corpus ``name`` of the store as an ``engine`` corpus: its latest gold, split by split."""
    from engine.data.corpus import Corpus

    splits: dict[str, list] = {}
    for split in ("train", "dev", "test", "saved"):
        documents = store.documents(name, split)
        if documents:
            splits[split] = documents
    # documents saved from the Annotate page (and then corrected) are training data too
    splits["train"] = splits.get("train", []) + splits.pop("saved", [])
    if not splits["train"]:
        raise ValueError(f"corpus {name!r} has no train split in the store")
    return Corpus(Path(f"store:{name}"), splits, coverage=corpus_coverage(store, name))


def sambd_report(train: Sequence[Document]) -> dict[str, Any]:
    """What SamBD (seed 13, as training uses) does to these training notes: its report, and the
    words of each label before and after (empty when the notes have no sentence)."""
    from engine.data.corpus import tagged_sentences
    from engine.data.sambd import sambd

    sentences = [s for d in train for s in tagged_sentences(d)[0]]
    if not sentences:
        return {}
    kept, report = sambd(sentences, seed=13)

    def word_labels(chosen) -> dict[str, int]:
        return dict(Counter(tag.split("-", 1)[-1] for sentence in chosen for tag in sentence.tags))

    return {**report.as_dict(), "words": {"before": word_labels(sentences), "after": word_labels(kept)}}
