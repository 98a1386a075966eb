import pytest

from engine.data.tokenize import words
from engine.scores.report import evaluate
from engine.types import Document, Span
from tests.engine.scores.documents import GOLD, NOTE, doc


def test_identical_prediction_scores_one_everywhere():
    data = evaluate([GOLD], [GOLD]).as_dict()
    assert data["macro_f1"] == data["weighted_f1"] == data["micro_f1"] == 1.0
    assert all(row["f1"] == 1.0 for row in data["per_label"].values())
    assert sum(data["errors_by_kind"].values()) == 0
    assert data["paper"]["micro_f1"] == 1.0


def test_hand_computed_scores():
    predicted = doc(
        (0, 7, "Drug"), (8, 10, "Strength"), (14, 16, "Form"), (27, 32, "ADE"), (38, 41, "Drug"), (53, 58, "Strength")
    )
    report = evaluate([GOLD], [predicted])
    rows = report.per_label()
    # Drug: 1 of 2 gold found, 1 of 2 predictions right.
    assert rows["Drug"] == {"precision": 0.5, "recall": 0.5, "f1": 0.5, "support": 2}
    # Strength: "10 mg" right, "81" wrong boundary.
    assert rows["Strength"] == {"precision": 0.5, "recall": 0.5, "f1": 0.5, "support": 2}
    assert rows["Route"]["f1"] == rows["Frequency"]["f1"] == rows["Reason"]["f1"] == 0.0
    assert rows["Form"]["support"] == 0 and rows["ADE"]["support"] == 0
    micro = report.micro()
    assert micro["precision"] == pytest.approx(2 / 6) and micro["recall"] == pytest.approx(2 / 7)
    assert report.macro_f1() == pytest.approx((0.5 + 0.5) / 7)
    assert report.weighted_f1() == pytest.approx((0.5 * 2 + 0.5 * 2) / 7)


def test_tag_confusion_counts_every_word_once():
    report = evaluate([GOLD], [doc((0, 7, "Drug"))])
    total = sum(sum(row) for row in report.tag_confusion()["matrix"])
    assert total == len(words(NOTE))


def test_missing_prediction_counts_as_predicting_nothing():
    other = doc((0, 7, "Drug"), id="n2")
    report = evaluate([GOLD, other], [GOLD])
    assert report.missing_predictions == ["n2"]
    assert report.per_label()["Drug"]["recall"] == pytest.approx(2 / 3)


def test_prediction_without_gold_is_refused():
    with pytest.raises(ValueError, match="no gold: stray"):
        evaluate([GOLD], [GOLD, doc(id="stray")])


def test_prediction_on_other_text_is_refused():
    with pytest.raises(ValueError, match="predicted text differs"):
        evaluate([GOLD], [Document("n1", NOTE + " extra")])


def test_a_partial_corpus_scores_only_the_predictions_it_can_judge():
    from engine.data.partial import Coverage

    text = "aspirin or sodium daily"
    gold = [Document("d", text, (Span.of(text, 0, 7, "Drug"),))]
    predicted = [
        Document(
            "d", text, (Span.of(text, 0, 7, "Drug"), Span.of(text, 11, 17, "Drug"), Span.of(text, 18, 23, "Frequency"))
        )
    ]
    coverage = Coverage(frozenset({"Drug"}), {"d": ((11, 17),)})
    assert evaluate(gold, predicted, coverage=coverage).micro()["f1"] == 1.0
    assert evaluate(gold, predicted).micro()["f1"] < 1.0
