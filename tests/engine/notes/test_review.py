"""The review queue's order and the agreement between two annotators, on crafted cases."""

import pytest

from engine.notes.review import agreement, expected_errors, review_queue
from engine.types import Document, Span

NOTE = "aspirin 81 mg daily"


def span(start, end, label, confidence=None):
    return Span.of(NOTE, start, end, label, confidence=confidence)


def test_queue_puts_first_the_note_with_most_expected_corrections_and_skips_reviewed_ones():
    predictions = {
        "a": [span(0, 7, "Drug", 0.9), span(8, 13, "Strength", 0.5)],  # expects 0.6 wrong spans
        "b": [span(0, 7, "Drug", 0.2)],  # 0.8
        "c": [],  # nothing predicted: 0
        "d": [span(0, 7, "Drug", 0.4)],  # 0.6, ties with a: by id
        "e": [span(0, 7, "Drug")],  # no probability: not counted
    }
    assert expected_errors(predictions["a"]) == pytest.approx(0.6)
    order = review_queue(predictions)
    assert [doc for doc, _ in order] == ["b", "a", "d", "c", "e"]
    assert [doc for doc, _ in review_queue(predictions, reviewed={"b", "d"})] == ["a", "c", "e"]


def test_agreement_by_hand():
    first = {
        "n1": Document("n1", NOTE, (span(0, 7, "Drug"), span(8, 13, "Strength"))),
        "only-a": Document("only-a", "x"),
    }
    second = {"n1": Document("n1", NOTE, (span(0, 7, "Drug"), span(8, 10, "Strength")))}
    found = agreement(first, second, names=("ann", "bob"))
    assert found.documents == ["n1"] and (found.first, found.second) == ("ann", "bob")
    assert found.per_label["Drug"] == {"strict_f1": 1.0, "lenient_f1": 1.0, "first": 1, "second": 1}
    assert found.per_label["Strength"]["strict_f1"] == 0.0 and found.per_label["Strength"]["lenient_f1"] == 1.0
    assert found.strict_f1 == pytest.approx(0.5) and found.lenient_f1 == pytest.approx(1.0)
    # word tags: B-Drug B-Strength I-Strength O against B-Drug B-Strength O O:
    # observed 3/4; chance (1/4*1/4 + 1/4*1/4 + 1/4*0 + 1/4*2/4) = 1/4; kappa (3/4 - 1/4) / (3/4)
    assert found.kappa == pytest.approx(2 / 3)
    assert [(e.kind, e.gold.text, e.predicted.text) for e in found.disagreements] == [("boundary", "81 mg", "81")]


def test_agreement_of_identical_revisions_and_of_nothing_shared():
    same = {"n1": Document("n1", NOTE, (span(0, 7, "Drug"),))}
    found = agreement(same, same)
    assert found.kappa == 1.0 and found.strict_f1 == 1.0 and not found.disagreements
    assert agreement(same, {}).documents == []
    with pytest.raises(ValueError, match="different note texts"):
        agreement(same, {"n1": Document("n1", NOTE + " bd")})
