import random

import pytest
from seqeval.metrics import classification_report as seqeval_report
from seqeval.scheme import IOB2

from engine.data.bio import spans_to_tags
from engine.data.tokenize import words
from engine.scores.report import evaluate
from engine.scores.strict import Counts, score_document, subword_tags
from tests.engine.scores.documents import doc, random_document


def test_scores_agree_with_seqeval_strict_iob2():
    rng = random.Random(7)
    pairs = [random_document(rng, i, mangle=0.5) for i in range(30)]
    report = evaluate([g for g, _ in pairs], [p for _, p in pairs])
    y_true, y_pred = [], []
    for gold, predicted in pairs:
        tokens = words(gold.text)
        y_true.append(spans_to_tags(tokens, gold.spans)[0])
        y_pred.append(spans_to_tags(tokens, predicted.spans)[0])
    expected = seqeval_report(y_true, y_pred, mode="strict", scheme=IOB2, output_dict=True, zero_division=0)
    for label, row in report.per_label().items():
        assert row["precision"] == pytest.approx(expected[label]["precision"])
        assert row["recall"] == pytest.approx(expected[label]["recall"])
        assert row["f1"] == pytest.approx(expected[label]["f1-score"])
        assert row["support"] == expected[label]["support"]
    assert report.macro_f1() == pytest.approx(expected["macro avg"]["f1-score"])
    assert report.weighted_f1() == pytest.approx(expected["weighted avg"]["f1-score"])
    assert report.micro()["f1"] == pytest.approx(expected["micro avg"]["f1-score"])


def test_counts_add_up_across_any_subset_of_documents():
    rng = random.Random(11)
    pairs = [random_document(rng, i, mangle=0.6) for i in range(12)]
    parts = [score_document(g, p) for g, p in pairs]
    whole = evaluate([g for g, _ in pairs], [p for _, p in pairs]).counts
    first, second = Counts(), Counts()
    for i, part in enumerate(parts):
        if i % 3 == 0:
            first += part
        else:
            second += part
    combined = first + second
    assert combined.true_positives == whole.true_positives
    assert combined.gold == whole.gold and combined.predicted == whole.predicted
    assert combined.span_confusion == whole.span_confusion
    assert combined.tag_confusion == whole.tag_confusion
    assert sorted(map(repr, combined.errors)) == sorted(map(repr, whole.errors))
    assert combined.documents == 12


def test_subword_tags_continue_b_as_i():
    assert subword_tags(["B-Drug", "O", "I-Drug"], [3, 2, 1]) == ["B-Drug", "I-Drug", "I-Drug", "O", "O", "I-Drug"]


def test_drug_subsets_keep_only_names_unseen_in_training_or_absent_from_the_dictionary():
    from engine.scores.strict import drug_subsets

    note = "Aspirin and zorbamycin, then Co-codamol and aspirin."
    gold = doc((0, 7, "Drug"), (12, 22, "Drug"), (29, 39, "Drug"), (44, 51, "Drug"), note=note, id="n")
    # found: aspirin (both), zorbamycin; missed co-codamol; a spurious "then" (not in the dictionary)
    guess = doc((0, 7, "Drug"), (12, 22, "Drug"), (24, 28, "Drug"), (44, 51, "Drug"), note=note, id="n")
    subsets = drug_subsets(
        [gold], [guess], seen={"Aspirin"}, in_dictionary=lambda t: t.lower() in {"aspirin", "co-codamol"}
    )
    absent = subsets["absent_from_dictionary"]  # gold: zorbamycin; predicted: zorbamycin, then
    assert (absent["support"], absent["precision"], absent["recall"]) == (1, 0.5, 1.0)
    unseen = subsets["unseen_in_training"]  # gold: zorbamycin, co-codamol; predicted: zorbamycin, then
    assert (unseen["support"], unseen["precision"], unseen["recall"]) == (2, 0.5, 0.5)
    assert set(drug_subsets([gold], [guess], in_dictionary=lambda t: False)) == {"absent_from_dictionary"}
