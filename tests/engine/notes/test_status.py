"""Medication status on crafted sentences (tests/engine/notes/status/, README there)."""

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from engine.notes.status import STATUSES, status_of, statuses
from engine.types import Span

SETS = Path(__file__).with_name("status")


def items(path: Path):
    for line in path.read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        text = item["text"]
        spans = []
        for drug in item["drugs"]:
            match = re.search(r"(?<!\w)" + re.escape(drug["text"]) + r"(?!\w)", text)
            spans.append(Span.of(text, match.start(), match.end(), "Drug"))
        yield text, spans, [drug["status"] for drug in item["drugs"]]


def accuracy(path: Path) -> dict[str, tuple[int, int]]:
    right, total = Counter(), Counter()
    for text, spans, expected in items(path):
        order = sorted(range(len(spans)), key=lambda i: spans[i].start)
        found = statuses(text, [spans[i] for i in order])
        got = {i: found[k].status for k, i in enumerate(order)}
        for i, status in enumerate(expected):
            total[status] += 1
            right[status] += got[i] == status
    return {status: (right[status], total[status]) for status in total}


@pytest.mark.parametrize("name", sorted(p.name for p in SETS.glob("*.jsonl")))
def test_each_status_that_occurs_ten_times_is_read_right_nine_times_in_ten(name):
    scores = accuracy(SETS / name)
    assert set(scores) == set(STATUSES)
    low = {s: f"{r}/{t}" for s, (r, t) in scores.items() if t >= 10 and r / t < 0.90}
    assert low == {}


def status(text: str, drug: str, others: tuple[str, ...] = ()) -> str:
    spans = [Span.of(text, text.index(name), text.index(name) + len(name), "Drug") for name in (drug, *others)]
    return status_of(text, spans[0], spans).status


@pytest.mark.parametrize(
    ("text", "drug", "expected"),
    [
        ("Continue metformin 500 mg bd, stop gliclazide.", "metformin", "taking"),
        ("Continue metformin 500 mg bd, stop gliclazide.", "gliclazide", "stopped"),
        ("Switched from amlodipine to lercanidipine today.", "amlodipine", "stopped"),
        ("Switched from amlodipine to lercanidipine today.", "lercanidipine", "started"),
        ("If BP remains high, add ramipril; continue amlodipine.", "ramipril", "planned"),
        ("If BP remains high, add ramipril; continue amlodipine.", "amlodipine", "taking"),
        ("Allergies:\npenicillin (rash)\n\nMeds: aspirin 75 mg od", "penicillin", "allergy"),
        ("Allergies:\npenicillin (rash)\n\nMeds: aspirin 75 mg od", "aspirin", "taking"),
        ("Allergies: penicillin (anaphylaxis). Rx clarithromycin 500 mg bd 5/7.", "clarithromycin", "started"),
        ("No aspirin but takes clopidogrel daily.", "aspirin", "negated"),
        ("No aspirin but takes clopidogrel daily.", "clopidogrel", "taking"),
        ("Previously on sertraline, now citalopram 20 mg.", "sertraline", "historical"),
        ("Mother takes warfarin; he is on apixaban.", "warfarin", "family"),
        ("Mother takes warfarin; he is on apixaban.", "apixaban", "taking"),
        ("TSH 2.1 - no change to levothyroxine 100 mcg od.", "levothyroxine", "taking"),
        ("Atorvastatin - stopped (myalgia).", "Atorvastatin", "stopped"),
        ("Sodium valproate was stopped in 2016.", "Sodium valproate", "historical"),
        ("On ramipril since 2010.", "ramipril", "taking"),
        ("Start atorvastatin 20 mg if LDL still raised.", "atorvastatin", "planned"),
        ("I have started him on bisoprolol 1.25 mg once daily.", "bisoprolol", "started"),
        ("Furosemide remains on hold; GP to restart if ankle swelling returns.", "Furosemide", "stopped"),
    ],
)
def test_crafted_sentences(text, drug, expected):
    others = tuple(
        name
        for name in ("metformin", "gliclazide", "amlodipine", "lercanidipine", "ramipril", "aspirin", "clopidogrel")
        if name in text and name != drug
    )
    assert status(text, drug, others) == expected


def test_the_reason_is_the_cue_or_the_section_that_decided():
    text = "Stop gliclazide."
    span = Span.of(text, 5, 15, "Drug")
    assert status_of(text, span).cue == "Stop"
    listed = "Allergies:\npenicillin"
    assert status_of(listed, Span.of(listed, 11, 21, "Drug")).cue == "Allergies"
    plain = "aspirin 75 mg od"
    assert status_of(plain, Span.of(plain, 0, 7, "Drug")).cue == ""
