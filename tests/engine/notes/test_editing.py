"""Editing spans by hand: snapping to words, overlaps refused, relabel, remove, undo; pages; the
clock that times each draft."""

import itertools

import pytest

from engine.notes.editing import (
    Draft,
    EditingClock,
    EditRefused,
    on_page,
    pages,
    phrase_matches,
    snap,
    summarise_times,
    take_version,
)
from engine.types import EditingTime, Span

NOTE = "Aspirin 81 mg PO daily for chest pain."


def test_a_selection_snaps_to_the_whole_words_it_touches():
    assert snap(NOTE, 2, 5) == (0, 7)  # "pir" -> "Aspirin"
    assert snap(NOTE, 9, 12) == (8, 13)  # "1 m" -> "81 mg"
    assert snap(NOTE, 12, 8) == (8, 13), "a selection made backwards"
    assert snap(NOTE, 7, 9) == (8, 10), "a space and the start of a word: that word"
    with pytest.raises(EditRefused, match="holds no word"):
        snap(NOTE, 7, 8)  # the space alone
    with pytest.raises(EditRefused, match="holds no word"):
        snap("a  ,  b", 2, 3)


def test_a_selection_leaves_edge_punctuation_out_and_never_crosses_a_line_break():
    note = "Plan: amoxicillin (500 mg) TDS,\nSH: smoker. Two (2) tabs p.o."
    assert note[slice(*snap(note, 0, 5))] == "Plan"  # the colon after the header is not taken
    assert note[slice(*snap(note, 6, 31))] == "amoxicillin (500 mg) TDS"  # the comma after TDS is not
    assert note[slice(*snap(note, 18, 27))] == "500 mg"  # enclosing brackets go
    two = note.index("Two")
    assert note[slice(*snap(note, two, two + 7))] == "Two (2)"  # a bracket pairing inside stays
    assert note[slice(*snap(note, note.index("p.o."), len(note)))] == "p.o."
    with pytest.raises(EditRefused, match="line break"):
        snap(note, 20, note.index("smoker") + 3)
    with pytest.raises(EditRefused, match="holds no word"):
        snap(note, 17, 19)  # " (" alone


def test_a_selection_over_one_span_moves_its_edges_and_over_two_is_refused():
    note = "Take two weeks of amoxicillin 500 mg."
    draft = Draft(note, [Span.of(note, 5, 14, "Duration"), Span.of(note, 18, 29, "Drug")])
    moved = draft.add(0, 14, "Duration")  # "Take two weeks": the Duration grows to the selection
    assert [s.text for s in draft.spans] == ["Take two weeks", "amoxicillin"] and moved.text == "Take two weeks"
    draft.add(note.index("500"), note.index("mg"), "Strength")
    with pytest.raises(EditRefused, match="and 1 more span"):
        draft.add(note.index("amoxicillin"), len(note), "Drug")
    assert draft.undo() and draft.undo() and [s.text for s in draft.spans] == ["two weeks", "amoxicillin"]


def test_a_phrase_is_found_as_whole_words_whatever_its_spaces():
    note = "Iron\u202fferritin low; intravenously, then intravenous iron. bite: bit"
    assert [note[a:b] for a, b in phrase_matches(note, "iron ferritin")] == ["Iron\u202fferritin"]
    assert [note[a:b] for a, b in phrase_matches(note, "IRON")] == ["Iron", "iron"]
    assert [note[a:b] for a, b in phrase_matches(note, " intravenous ")] == ["intravenous"]
    assert [note[a:b] for a, b in phrase_matches(note, "bit")] == ["bit"]
    assert phrase_matches(note, "   ") == [] and phrase_matches(note, "absent") == []
    assert [note[a:b] for a, b in phrase_matches(note, "low;")] == ["low;"]


def test_add_relabel_remove_and_undo_each_step():
    draft = Draft(NOTE, [Span.of(NOTE, 0, 7, "Drug")])
    added = draft.add(9, 12, "Strength")
    assert (added.start, added.end, added.text) == (8, 13, "81 mg")
    with pytest.raises(EditRefused, match="overlaps Drug 'Aspirin'"):
        draft.add(3, 9, "Drug")
    with pytest.raises(EditRefused, match="unknown label"):
        draft.add(17, 22, "Dose")
    draft.relabel(1, "Dosage")
    assert [s.label for s in draft.spans] == ["Drug", "Dosage"]
    draft.remove(0)
    assert [s.text for s in draft.spans] == ["81 mg"]
    with pytest.raises(EditRefused, match="no span number 5"):
        draft.remove(5)
    assert draft.undo() and [s.text for s in draft.spans] == ["Aspirin", "81 mg"]
    assert draft.undo() and [s.label for s in draft.spans] == ["Drug", "Strength"]
    assert draft.undo() and [s.text for s in draft.spans] == ["Aspirin"]
    assert not draft.undo() and not draft.can_undo


def test_a_relabelled_prediction_loses_its_model_probability():
    draft = Draft(NOTE, [Span.of(NOTE, 0, 7, "Drug", confidence=0.4)])
    draft.relabel(0, "Reason")
    assert draft.spans[0].confidence is None


def test_pages_cut_long_notes_at_line_ends_and_never_inside_a_word():
    line = "Metoprolol 25 mg twice daily for hypertension.\n"
    note = line * 5000  # about 235,000 characters
    cut = pages(note, 6000)
    assert cut[0][0] == 0 and cut[-1][1] == len(note)
    assert all(a[1] == b[0] for a, b in itertools.pairwise(cut)), "pages tile the note"
    assert all(end - start <= 6000 for start, end in cut)
    assert all(note[end - 1] == "\n" for _, end in cut[:-1])
    assert pages("short note") == [(0, 10)]
    one_line = "word " * 3000
    assert all(one_line[end - 1] == " " for _, end in pages(one_line, 1000)[:-1])
    spans = [Span.of(note, 0, 10, "Drug"), Span.of(note, cut[1][0] + 1, cut[1][0] + 3, "Strength")]
    assert [i for i, _ in on_page(spans, cut[1])] == [1]


def test_the_clock_counts_actions_on_one_draft_caps_pauses_and_never_charges_time_spent_elsewhere():
    clock = EditingClock(idle=300)
    clock.restart("a", 1000.0)  # note a loaded
    assert clock.tick("a", 1030.0) == 30  # an edit 30 s later
    assert clock.tick("a", 1630.0) == 330  # 10 minutes away from the keyboard count as 5
    assert clock.tick("b", 1640.0) == 0  # note b opened: a is not charged with these 10 s
    assert clock.tick("b", 1700.0) == 60
    assert clock.tick("a", 2000.0) == 330  # back on a after 300 s on b: still nothing added to a
    assert clock.tick("a", 2012.5) == 342.5
    assert clock.tick("a", 2000.0) == 342.5  # a clock that steps back adds nothing
    clock.skip("a", 2060.0)  # a model pre-annotated the note for 60 s: not the person's time
    assert clock.tick("a", 2061.0) == 343.5
    clock.restart("a", 2100.0)  # saved: the next revision starts from zero
    assert clock.tick("a", 2110.0) == 10 and clock.totals["b"] == 60


def test_time_summaries_per_annotator():
    times = [
        EditingTime("ann", "n1", 2, 60.0, 10),
        EditingTime("ann", "n2", 2, 180.0, 20),
        EditingTime("ann", "n1", 3, 30.0, 10),
        EditingTime("bob", "n1", 4, 90.0, 0),
    ]
    ann, bob = summarise_times(times)
    assert (ann.author, ann.documents, ann.revisions, ann.median_seconds, ann.total_seconds, ann.spans) == (
        "ann",
        2,
        3,
        60.0,
        270.0,
        40,
    )
    assert ann.seconds_per_span == 270 / 40
    assert (bob.documents, bob.median_seconds) == (1, 90.0) and bob.seconds_per_span != bob.seconds_per_span  # nan
    assert summarise_times([]) == []


def test_a_disagreement_decided_for_one_annotator_changes_only_that_place():
    note = "Take aspirin 81 mg daily for chest pain."
    aspirin, strength = Span.of(note, 5, 12, "Drug"), Span.of(note, 13, 18, "Strength")
    daily, reason = Span.of(note, 19, 24, "Frequency"), Span.of(note, 29, 39, "Reason")
    wider = Span.of(note, 25, 39, "Reason")  # "for chest pain"
    draft = [aspirin, strength, daily, reason]
    assert take_version(draft, wider, reason) == [aspirin, strength, daily, wider]
    assert take_version(draft, None, daily) == [aspirin, strength, reason], "the other's span just goes"
    assert take_version(draft, reason, None) == draft, "already there: nothing changes"
    relabelled = Span.of(note, 19, 24, "Duration", confidence=0.4)
    taken = take_version(draft, relabelled, daily)
    assert [(s.text, s.label, s.confidence) for s in taken if s.start == 19] == [("daily", "Duration", None)]
