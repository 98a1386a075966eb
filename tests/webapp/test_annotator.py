"""The annotation view's Python half: what the browser is sent for a page, and how its events
change the draft (the browser half is driven by tests/e2e/test_annotation.py)."""

import pytest

from engine.labels import LABELS
from engine.notes.editing import Draft, EditRefused, pages
from engine.types import Span
from webapp.components.annotator import apply_event, view_data

NOTE = 'Aspirin 81 mg daily. <script>alert("x")</script> Metoprolol 25 mg bd.'


def test_the_browser_gets_the_page_text_as_data_and_spans_relative_to_the_page():
    spans = [Span.of(NOTE, 0, 7, "Drug", confidence=0.8), Span.of(NOTE, 50, 60, "Drug")]
    data = view_data(Draft(NOTE, spans), (21, len(NOTE)), reference=[spans[0]])
    assert data["text"] == NOTE[21:] and data["offset"] == 21, "the note is data (shown with textContent), as written"
    assert data["spans"] == [{"i": 1, "s": 29, "e": 39, "l": "Drug", "p": None, "n": True}]
    assert [label["name"] for label in data["labels"]] == list(LABELS) and data["can_undo"] is False


def test_browser_events_edit_the_draft_and_refusals_say_why():
    draft = Draft(NOTE)
    apply_event(draft, "add", {"start": 1, "end": 5, "label": "Drug", "nonce": 1})
    apply_event(draft, "add", {"start": 8, "end": 13, "label": "Strength", "nonce": 2})
    assert [(s.text, s.label) for s in draft.spans] == [("Aspirin", "Drug"), ("81 mg", "Strength")]
    apply_event(draft, "relabel", {"index": 1, "label": "Dosage", "nonce": 3})
    apply_event(draft, "remove", {"index": 0, "nonce": 4})
    assert [(s.text, s.label) for s in draft.spans] == [("81 mg", "Dosage")]
    apply_event(draft, "undo", {"nonce": 5})
    assert len(draft.spans) == 2
    with pytest.raises(EditRefused, match="overlaps"):  # two spans: a selection may move one span's edges only
        apply_event(draft, "add", {"start": 5, "end": 12, "label": "Form", "nonce": 6})
    with pytest.raises(EditRefused, match="unknown edit"):
        apply_event(draft, "paint", {})


def test_a_200000_character_note_is_sent_one_page_at_a_time():
    note = "Metoprolol 25 mg twice daily for hypertension.\n" * 4300
    parts = pages(note)
    assert len(note) > 200_000 and len(parts) > 30
    data = view_data(Draft(note, [Span.of(note, 0, 10, "Drug")]), parts[1])
    assert len(data["text"]) <= 6000 and data["spans"] == []
