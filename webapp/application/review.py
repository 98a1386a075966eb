"""Review and agreement over a corpus of the store: which notes to correct first, and how two
annotators' latest revisions agree (:mod:`engine.notes.review` does the counting)."""

from __future__ import annotations

from collections.abc import Sequence

from db.repository import Store
from engine.notes.review import agreement as between
from engine.notes.review import review_queue as order
from engine.types import Document, Prediction


def review_queue(notes: Sequence[Document], found: Sequence[Prediction], reviewed: set[str]) -> list[tuple[str, float]]:
    """The ``notes`` not among ``reviewed``, the one whose prediction ``found`` expects most wrong
    spans first (:func:`engine.notes.review.review_queue`)."""
    return order({d.id: p.spans for d, p in zip(notes, found, strict=True)}, reviewed)


def agreement(store: Store, corpus: str, first: str, second: str):
    """Agreement of two annotators' latest revisions on the documents both saved."""
    return between(store.latest_by_author(corpus, first), store.latest_by_author(corpus, second), names=(first, second))
