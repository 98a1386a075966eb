"""A short note and its gold spans, and random gold / predicted pairs, shared by the scores tests."""

import random

from engine.data.tokenize import words
from engine.labels import LABELS
from engine.types import Document, Span

NOTE = "Aspirin 81 mg PO daily for chest pain and lisinopril 10 mg."


def doc(*spans, note=NOTE, id="n1"):
    return Document(id, note, tuple(Span.of(note, s, e, label) for s, e, label in spans))


GOLD = doc(
    (0, 7, "Drug"),
    (8, 13, "Strength"),
    (14, 16, "Route"),
    (17, 22, "Frequency"),
    (27, 37, "Reason"),
    (42, 52, "Drug"),
    (53, 58, "Strength"),
)


def random_document(rng: random.Random, index: int, *, mangle: float) -> tuple[Document, Document]:
    tokens = [rng.choice(["aspirin", "10", "mg", "po", "daily", "for", "pain", "and", "."]) for _ in range(40)]
    note = " ".join(tokens)
    found = words(note)
    gold, predicted, i = [], [], 0
    while i < len(found) - 3:
        if rng.random() < 0.4:
            j = i + rng.randint(0, 2)
            label = rng.choice(LABELS[:5])
            span = Span.of(note, found[i].start, found[j].end, label)
            gold.append(span)
            roll = rng.random()
            if roll < mangle / 3:
                predicted.append(Span.of(note, found[i].start, found[j].end, rng.choice(LABELS)))
            elif roll < 2 * mangle / 3:
                predicted.append(Span.of(note, found[i].start, found[j + 1].end, label))
            elif roll >= mangle:
                predicted.append(span)
            i = j + 3
        else:
            if rng.random() < mangle / 4:
                predicted.append(Span.of(note, found[i].start, found[i].end, rng.choice(LABELS)))
                i += 2
            else:
                i += 1
    return (Document(f"d{index}", note, tuple(gold)), Document(f"d{index}", note, tuple(predicted)))
