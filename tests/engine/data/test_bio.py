import itertools

from hypothesis import given
from hypothesis import strategies as st

from engine.data.bio import entity_ranges, predicted_spans, spans_to_tags, tags_to_spans, tidy_ranges
from engine.data.tokenize import words
from engine.labels import LABELS
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


ANY_TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=200)


@st.composite
def note_and_word_spans(draw):
    """Any text (line breaks of every kind, tabs, any script) and spans on its word boundaries that
    share no word: adjacent spans, even of one label, are allowed."""
    note = draw(ANY_TEXT)
    found = words(note)
    spans, i = [], 0
    while i < len(found):
        if draw(st.booleans()):
            j = draw(st.integers(i, min(len(found) - 1, i + 4)))
            spans.append(Span.of(note, found[i].start, found[j].end, draw(st.sampled_from(LABELS))))
            i = j + 1
        else:
            i += 1
    return note, spans


@given(note_and_word_spans())
def test_aligned_spans_survive_tags_unchanged(case):
    note, spans = case
    tags, report = spans_to_tags(words(note), spans)
    assert report.clean
    assert tags_to_spans(note, words(note), tags) == spans


@st.composite
def note_and_any_spans(draw):
    """Any text and any valid spans: any offsets (inside words, on white space), overlapping,
    nested, duplicated, in pieces."""
    note = draw(ANY_TEXT.filter(bool))
    spans = []
    for _ in range(draw(st.integers(0, 8))):
        cuts = sorted(draw(st.sets(st.integers(0, len(note)), min_size=2, max_size=6)))
        pieces = tuple(zip(cuts[::2], cuts[1::2], strict=False))
        if any(a == b for (_, a), (b, _) in itertools.pairwise(pieces)):
            pieces = ((pieces[0][0], pieces[-1][1]),)
        label = draw(st.sampled_from(LABELS))
        text = " ".join(note[a:b] for a, b in pieces)
        spans.append(Span(pieces[0][0], pieces[-1][1], label, text, fragments=pieces if len(pieces) > 1 else ()))
    return note, spans


@given(note_and_any_spans())
def test_every_span_is_placed_or_reported_never_dropped_silently(case):
    note, spans = case
    found = words(note)
    tags, report = spans_to_tags(found, spans)
    assert report.spans == len(spans) and len(tags) == len(found)
    placed = list(spans)
    for span in report.overlapping + report.empty:  # each one reported is one of those given
        placed.remove(span)
    read_back = tags_to_spans(note, found, tags)

    def covers_a_word(start, end):
        return any(w.start < end and start < w.end for w in found)

    pieces = [(span, a, b) for span in placed for a, b in span.pieces if covers_a_word(a, b)]
    assert len(read_back) <= len(pieces)
    for span, a, b in pieces:
        if span not in report.unaligned:  # placed exactly: each piece comes back as it was
            assert Span.of(note, a, b, span.label) in read_back
    for entity in read_back:  # and nothing comes back that no placed span put there
        assert any(span.label == entity.label and a < entity.end and entity.start < b for span, a, b in pieces)


def tidied(note: str, *tagged: tuple[str, str]) -> list[tuple[str, str]]:
    """(text, label) of the predicted spans when the words ``tagged`` name carry those tags."""
    found = words(note)
    wanted = dict(tagged)
    tags = [wanted.get(str(i), "O") for i in range(len(found))]
    return [(s.text, s.label) for s in predicted_spans(note, found, tags)]


def test_a_predicted_span_stops_at_a_line_break():
    note = "Took amoxicillin\nSH lives alone"  # words: Took amoxicillin SH lives alone
    assert tidied(note, ("1", "B-Drug"), ("2", "I-Drug")) == [("amoxicillin", "Drug")]
    crlf = "eczema\r\nPlan: emollients"
    assert tidied(crlf, ("0", "B-Reason"), ("1", "I-Reason")) == [("eczema", "Reason")]
    wrapped = "aspirin 75 mg once\ndaily"  # the rule's price: a phrase wrapped onto two lines keeps its first line
    assert tidied(wrapped, ("3", "B-Frequency"), ("4", "I-Frequency")) == [("once", "Frequency")]


def test_a_predicted_span_is_trimmed_of_edge_punctuation_and_dropped_when_nothing_is_left():
    note = "Paracetamol (500 mg) - p.o. , qds"  # Paracetamol ( 500 mg ) - p.o. , qds
    assert tidied(note, ("1", "B-Strength"), ("2", "I-Strength"), ("3", "I-Strength"), ("4", "I-Strength")) == [
        ("500 mg", "Strength")
    ]
    assert tidied(note, ("4", "B-Frequency")) == [], "a lone bracket never reaches a user"
    assert tidied(note, ("5", "B-Drug")) == [], "nor a lone dash"
    assert tidied(note, ("6", "B-Route"), ("7", "I-Route")) == [("p.o.", "Route")], "the points of p.o. stay"
    assert tidied(note, ("7", "B-Frequency"), ("8", "I-Frequency")) == [("qds", "Frequency")]


def test_brackets_that_pair_inside_a_span_stay_as_n2c2_annotates_them():
    note = "Two (2) Tablet, Delayed Release (E.C.) PO QID (4 times a day) ) ("
    found = words(note)
    tags = ["O"] * len(found)
    tags[0:4] = ["B-Dosage", "I-Dosage", "I-Dosage", "I-Dosage"]  # Two ( 2 )
    tags[4:11] = ["B-Form"] + ["I-Form"] * 6  # Tablet , Delayed Release ( E.C. )
    tags[12:19] = ["B-Frequency"] + ["I-Frequency"] * 6  # QID ( 4 times a day )
    tags[19] = "I-Frequency"  # a second ")" pairs with nothing
    tags[20] = "B-Frequency"  # a lone "("
    assert [(s.text, s.label) for s in predicted_spans(note, found, tags)] == [
        ("Two (2)", "Dosage"),
        ("Tablet, Delayed Release (E.C.)", "Form"),
        ("QID (4 times a day)", "Frequency"),
    ]


def test_a_trimmed_span_keeps_the_probability_of_the_span_the_model_found():
    note = "Aspirin ) daily"
    found = words(note)
    tags = ["B-Drug", "I-Drug", "B-Frequency"]
    assert tidy_ranges(note, found, tags) == [(0, 0, "Drug", (0, 1)), (2, 2, "Frequency", (2, 2))]
    spans = predicted_spans(note, found, tags, {(0, 1): 0.7, (2, 2): 0.9})
    assert [(s.text, s.confidence) for s in spans] == [("Aspirin", 0.7), ("daily", 0.9)]


def test_a_predicted_drug_gives_up_the_form_and_route_words_at_its_end():
    def drug(note):
        return [
            (s.text, s.label)
            for s in predicted_spans(note, words(note), ["B-Drug"] + ["I-Drug"] * (len(words(note)) - 1))
        ]

    assert drug("albuterol inhaler") == [("albuterol", "Drug"), ("inhaler", "Form")]
    assert drug("saline nasal spray") == [("saline", "Drug"), ("nasal", "Route"), ("spray", "Form")]
    assert drug("nicotine patches") == [("nicotine", "Drug"), ("patches", "Form")]
    # not split: a form word joined to the name, a route before it, a span that is only a form
    assert drug("Persa-Gel") == [("Persa-Gel", "Drug")]
    assert drug("IV antibiotics") == [("IV antibiotics", "Drug")]
    assert drug("nasal spray") == [("nasal spray", "Drug")]
    # other labels keep their words, and the pieces keep the probability of what the model found
    note = "albuterol inhaler"
    assert tidy_ranges(note, words(note), ["B-Form", "I-Form"]) == [(0, 1, "Form", (0, 1))]
    spans = predicted_spans(note, words(note), ["B-Drug", "I-Drug"], {(0, 1): 0.8})
    assert [(s.text, s.confidence) for s in spans] == [("albuterol", 0.8), ("inhaler", 0.8)]


def test_a_predicted_drug_that_stopped_inside_a_name_written_as_one_word_reaches_its_end():
    def first_word_drug(note, *more):
        tags = ["B-Drug"] + ["O"] * (len(words(note)) - 1)
        for index, tag in more:
            tags[index] = tag
        return [(s.text, s.label) for s in predicted_spans(note, words(note), tags)]

    assert first_word_drug("Retin-A nightly") == [("Retin-A", "Drug")]
    assert first_word_drug("Tylenol-3 prn") == [("Tylenol-3", "Drug")]
    assert first_word_drug("Vick's rub") == [("Vick's", "Drug")]
    assert first_word_drug("Zarbee\u2019s syrup") == [("Zarbee\u2019s", "Drug")]
    # "Gel" read as a Form is taken into the name, not kept as a span of its own
    assert first_word_drug("Persa-Gel twice daily", (2, "B-Form")) == [("Persa-Gel", "Drug")]
    # modifiers, acronyms of other things, slashes, spaces and lower-case possessives end the name
    assert first_word_drug("metformin-induced acidosis") == [("metformin", "Drug")]
    assert first_word_drug("Cisplatin-Induced neuropathy") == [("Cisplatin", "Drug")]
    assert first_word_drug("gentamicin-ARF") == [("gentamicin", "Drug")]
    assert first_word_drug("aspirin/clopidogrel") == [("aspirin", "Drug")]
    assert first_word_drug("aspirin - daily") == [("aspirin", "Drug")]
    assert first_word_drug("aspirin's effect") == [("aspirin", "Drug")]


@given(st.lists(st.sampled_from(["B-Drug", "I-Drug", "B-Strength", "I-Strength", "O"]), min_size=9, max_size=9))
def test_no_predicted_span_crosses_a_line_or_is_punctuation_alone(tags):
    note = "( Aspirin -\n81 mg ) ,\r\nPlan :"
    found = words(note)
    assert len(found) == len(tags)
    for span in predicted_spans(note, found, tags):
        assert "\n" not in span.text and "\r" not in span.text
        assert span.text[0].isalnum() and span.text[-1].isalnum()


@given(st.lists(st.sampled_from(["O", "B-Drug", "I-Drug", "B-Strength", "I-Strength"]), max_size=12))
def test_strict_entity_reading_is_seqevals_and_the_lenient_one_repairs_stray_inside_tags(tags):
    from seqeval.scheme import IOB2, Entities

    (expected,) = Entities([list(tags)], IOB2).entities
    assert entity_ranges(tags, strict=True) == [(e.start, e.end - 1, e.tag) for e in expected]
    lenient = entity_ranges(tags)
    assert set(entity_ranges(tags, strict=True)) <= set(lenient), "a repair only adds entities"
    covered = {i for first, last, _ in lenient for i in range(first, last + 1)}
    assert covered == {i for i, tag in enumerate(tags) if tag != "O"}, "every tagged word is in an entity"


def test_a_stray_inside_tag_starts_an_entity_unless_read_strictly():
    tags = ["I-Drug", "I-Drug", "O", "B-Drug", "I-Strength"]
    assert entity_ranges(tags) == [(0, 1, "Drug"), (3, 3, "Drug"), (4, 4, "Strength")]
    assert entity_ranges(tags, strict=True) == [(3, 3, "Drug")]
