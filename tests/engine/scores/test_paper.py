import pytest
from sklearn.metrics import classification_report as sklearn_report

from engine.data.bio import spans_to_tags
from engine.data.tokenize import words
from engine.scores.report import evaluate
from engine.scores.strict import score_document
from tests.engine.scores.documents import GOLD, NOTE, doc


def test_paper_mode_is_sklearn_over_word_tags_with_o():
    predicted = doc((0, 7, "Drug"), (8, 10, "Strength"), (27, 32, "ADE"))
    paper = evaluate([GOLD], [predicted]).as_dict()["paper"]
    tokens = words(NOTE)
    y_true, y_pred = spans_to_tags(tokens, GOLD.spans)[0], spans_to_tags(tokens, predicted.spans)[0]
    expected = sklearn_report(y_true, y_pred, output_dict=True, zero_division=0)
    assert paper["unit"] == "word" and "O" in paper["per_tag"]
    assert paper["macro_f1"] == pytest.approx(expected["macro avg"]["f1-score"])
    assert paper["weighted_f1"] == pytest.approx(expected["weighted avg"]["f1-score"])
    assert paper["micro_f1"] == pytest.approx(sum(t == p for t, p in zip(y_true, y_pred, strict=False)) / len(y_true))


def test_paper_mode_per_subword_when_pieces_are_given():
    counts = score_document(GOLD, GOLD, pieces_per_word=lambda word: 2 if word == "lisinopril" else 1)
    assert counts.tag_unit == "subword"
    assert len(counts.gold_tags) == len(words(NOTE)) + 1


def test_paper_mode_per_label_merges_b_and_i_as_the_studys_figures_do():
    from engine.scores.paper import paper_scores

    gold = ["B-Drug", "I-Drug", "O", "B-Route", "O"]
    guess = ["B-Drug", "B-Drug", "O", "O", "B-Route"]
    paper = paper_scores(gold, guess)
    assert paper["per_tag"]["I-Drug"]["f1"] == 0.0
    assert paper["per_label"]["Drug"]["f1"] == 1.0, "a right label with the wrong B/I prefix counts"
    assert paper["per_label"]["Route"]["f1"] == 0.0
    assert paper["per_label"]["O"]["precision"] == 0.5 and paper["per_label"]["O"]["recall"] == 0.5
    assert paper["macro_f1_labels"] == pytest.approx((1.0 + 0.0 + 0.5) / 3)
