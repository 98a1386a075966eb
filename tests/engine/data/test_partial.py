import pytest

from engine.data.corpus import tagged_sentences
from engine.data.partial import Coverage, allowed_tags, scoreable
from engine.labels import TAG_TO_ID, TAGS
from engine.types import Document, Span


def test_a_word_outside_spans_may_be_o_or_any_unannotated_label_but_never_an_annotated_one():
    allowed = allowed_tags(["B-Drug", "O", "O"], [False, False, True], frozenset({"Drug"}))
    assert allowed[0] == (TAG_TO_ID["B-Drug"],)
    assert TAG_TO_ID["O"] in allowed[1] and TAG_TO_ID["B-Frequency"] in allowed[1]
    assert TAG_TO_ID["B-Drug"] not in allowed[1] and TAG_TO_ID["I-Drug"] not in allowed[1]
    assert allowed[2] == tuple(range(len(TAGS)))  # inside an unlabelled region


def test_a_complete_corpus_gives_every_word_exactly_its_tag():
    text = "aspirin 81 mg daily"
    document = Document("d", text, (Span.of(text, 0, 7, "Drug"), Span.of(text, 8, 13, "Strength")))
    (sentence,), _ = tagged_sentences(document)
    assert not sentence.partial
    assert [a for a in sentence.allowed()] == [(TAG_TO_ID[t],) for t in sentence.tags]


def test_sentences_carry_their_corpus_coverage():
    text = "aspirin or sodium daily"
    document = Document("d", text, (Span.of(text, 0, 7, "Drug"),))
    (sentence,), _ = tagged_sentences(document, annotates=frozenset({"Drug"}), unlabelled=[(11, 17)])
    assert sentence.partial and sentence.free == (False, False, True, False)
    assert len(sentence.allowed()[2]) == len(TAGS)
    assert TAG_TO_ID["B-Drug"] not in sentence.allowed()[3]


def test_scoring_sets_aside_unannotated_labels_and_unlabelled_regions():
    text = "aspirin or sodium daily"
    predicted = Document(
        "d", text, (Span.of(text, 0, 7, "Drug"), Span.of(text, 11, 17, "Drug"), Span.of(text, 18, 23, "Frequency"))
    )
    coverage = Coverage(frozenset({"Drug"}), {"d": ((11, 17),)})
    assert [s.text for s in scoreable(predicted, coverage).spans] == ["aspirin"]


def test_coverage_refuses_unknown_labels_and_round_trips():
    with pytest.raises(ValueError, match="unknown labels Chemical"):
        Coverage(frozenset({"Chemical"}))
    coverage = Coverage(frozenset({"Drug", "ADE"}), {"a": ((1, 2), (5, 9))})
    assert Coverage.from_dict(coverage.as_dict()) == coverage
    assert Coverage().complete and not coverage.complete
