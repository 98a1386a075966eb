from hypothesis import given
from hypothesis import strategies as st

from engine.data.bio import spans_to_tags, tags_to_spans
from engine.data.tokenize import words
from engine.types import Span

NOTE = "Aspirin 81 mg PO daily for chest pain"


def test_spans_become_iob2_tags():
    spans = [Span.of(NOTE, 0, 7, "Drug"), Span.of(NOTE, 8, 13, "Strength"), Span.of(NOTE, 27, 37, "Reason")]
    tags, report = spans_to_tags(words(NOTE), spans)
    assert tags == ["B-Drug", "B-Strength", "I-Strength", "O", "O", "O", "B-Reason", "I-Reason"]
    assert report.clean and report.spans == 3


def test_tags_become_spans_again():
    tags = ["B-Drug", "B-Strength", "I-Strength", "O", "O", "O", "B-Reason", "I-Reason"]
    assert [(s.start, s.end, s.label, s.text) for s in tags_to_spans(NOTE, words(NOTE), tags)] == [
        (0, 7, "Drug", "Aspirin"),
        (8, 13, "Strength", "81 mg"),
        (27, 37, "Reason", "chest pain"),
    ]


def test_stray_inside_tag_starts_an_entity():
    spans = tags_to_spans(NOTE, words(NOTE), ["I-Drug", "O", "O", "O", "O", "O", "O", "O"])
    assert [(s.text, s.label) for s in spans] == [("Aspirin", "Drug")]


def test_span_ending_inside_a_word_is_widened_and_reported():
    span = Span.of(NOTE, 0, 5, "Drug")  # "Aspir"
    tags, report = spans_to_tags(words(NOTE), [span])
    assert tags[0] == "B-Drug"
    assert report.unaligned == [span] and not report.clean


def test_overlapping_span_is_left_out_and_reported():
    outer, inner = Span.of(NOTE, 0, 13, "Drug"), Span.of(NOTE, 8, 13, "Strength")
    tags, report = spans_to_tags(words(NOTE), [inner, outer])
    assert tags[:3] == ["B-Drug", "I-Drug", "I-Drug"]
    assert report.overlapping == [inner]


def test_whitespace_only_span_is_reported_empty():
    note = "aspirin   daily"
    span = Span(8, 9, "Drug", " ")
    _, report = spans_to_tags(words(note), [span])
    assert report.empty == [span]


def test_discontinuous_span_becomes_one_entity_per_piece():
    note = "Tylenol 325 mg tablets"
    span = Span(0, 22, "Drug", "Tylenol tablets", fragments=((0, 7), (15, 22)))
    tags, report = spans_to_tags(words(note), [span])
    assert tags == ["B-Drug", "O", "O", "B-Drug"]
    assert report.clean


@st.composite
def note_and_spans(draw):
    pieces = draw(st.lists(st.from_regex(r"[A-Za-z0-9]{1,8}|[.,;:()/-]", fullmatch=True), min_size=1, max_size=25))
    note = " ".join(pieces)
    found = words(note)
    labels = ["Drug", "Strength", "Reason"]
    spans, i = [], 0
    while i < len(found):
        if draw(st.booleans()):
            j = draw(st.integers(i, min(len(found) - 1, i + 3)))
            spans.append(Span.of(note, found[i].start, found[j].end, draw(st.sampled_from(labels))))
            i = j + 2  # leave a word between spans so they never touch
        else:
            i += 1
    return note, spans


@given(note_and_spans())
def test_aligned_spans_survive_tags_unchanged(case):
    note, spans = case
    tags, report = spans_to_tags(words(note), spans)
    assert report.clean
    assert tags_to_spans(note, words(note), tags) == spans
