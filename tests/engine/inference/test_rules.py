from engine.data.gazetteer import Gazetteer
from engine.data.tokenize import sentences
from engine.inference.rules import anchored, backstop, dictionary_proposals, named_like_condition
from engine.types import Span


def span(label, start=0):
    return Span(start, start + 1, label, "x")


def test_attributes_need_a_drug_within_the_window_of_sentences():
    per_sentence = [
        [span("Frequency")],  # 0: a drug two sentences on
        [],
        [span("Drug"), span("Strength")],  # 2
        [span("Route")],  # 3: next to the drug
        [],
        [span("ADE"), span("Reason")],  # 5: three sentences away
        [span("Drug")],  # 6: a drug is kept anywhere
    ]

    def labels(window):
        return [s.label for s in anchored(per_sentence, window)]

    assert labels(None) == ["Frequency", "Drug", "Strength", "Route", "ADE", "Reason", "Drug"]
    assert labels(0) == ["Drug", "Strength", "Drug"]
    assert labels(1) == ["Drug", "Strength", "Route", "ADE", "Reason", "Drug"]
    assert labels(2) == labels(None)
    assert anchored([[span("ADE")], [span("Frequency")]], 5) == [], "no medication in the note: no attributes"


def test_the_dictionary_proposes_drug_names_on_one_line_not_classes_nor_short_names():
    gazetteer = Gazetteer(["lantus", "insulin glargine", "ox", "aspirin"], classes=["antibiotics"])
    note = "Increase Lantus to 20 units, insulin\nglargine at night, antibiotics, ox bile and ASPIRIN."
    found = [
        note[sentence.words[a].start : sentence.words[b].end]
        for sentence in sentences(note)
        for a, b in dictionary_proposals(gazetteer, note, sentence)
    ]
    assert found == ["Lantus", "ASPIRIN"], "no name over a line break, no class name, nothing under 3 characters"
    one_line = note.replace("\n", " ")
    assert "insulin glargine" in [
        one_line[sentence.words[a].start : sentence.words[b].end]
        for sentence in sentences(one_line)
        for a, b in dictionary_proposals(gazetteer, one_line, sentence)
    ]


def test_a_proposed_name_is_a_drug_span_where_the_model_gives_it_enough_probability():
    note = "Increase Lantus to 20 units at night with aspirin."
    (sentence,) = sentences(note)
    index = {w.text: i for i, w in enumerate(sentence.words)}
    strength = Span.of(note, note.index("20"), note.index("20") + 8, "Strength")
    proposed = {(index["Lantus"], index["Lantus"]): 0.3, (index["aspirin"], index["aspirin"]): 0.01}
    spans = backstop(note, sentence, [strength], proposed, 0.05)
    assert [(s.text, s.label, s.confidence) for s in spans] == [("Lantus", "Drug", 0.3), ("20 units", "Strength", None)]
    assert backstop(note, sentence, [strength], proposed, 0.5) == [strength]
    overlapping = Span.of(note, note.index("Lantus"), note.index("Lantus") + 9, "Drug")  # "Lantus to"
    assert backstop(note, sentence, [overlapping], proposed, 0.05) == [overlapping], "a span is there already"
    (plain,) = [s for s in backstop(note, sentence, [], proposed, 0.05, probabilities=False) if s.text == "Lantus"]
    assert plain.confidence is None


def test_a_drug_span_named_like_a_condition_no_list_knows_is_not_a_medication():
    def drug(text, label="Drug"):
        return named_like_condition(Span(0, len(text), label, text))

    assert drug("macromastia") and drug("Akinesia") and drug("barbiturate narcosis") and drug("gastritis")
    assert not drug("Januvia"), "a listed brand keeps its reading"
    assert not drug("metformin") and not drug("Persa-Gel") and not drug("pain medication")
    assert not drug("macromastia", "Reason"), "only Drug spans"
