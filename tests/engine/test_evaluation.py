import random

import pytest
from seqeval.metrics import classification_report as seqeval_report
from seqeval.scheme import IOB2
from sklearn.metrics import classification_report as sklearn_report

from engine.data.bio import spans_to_tags
from engine.data.tokenize import words
from engine.evaluation import Counts, evaluate, score_document, subword_tags
from engine.labels import LABELS
from engine.types import Document, Span, SpanError

NOTE = "Aspirin 81 mg PO daily for chest pain and lisinopril 10 mg."


def doc(*spans, note=NOTE, id="n1"):
    return Document(id, note, tuple(Span.of(note, s, e, label) for s, e, label in spans))


GOLD = doc(
    (0, 7, "Drug"),
    (8, 13, "Strength"),
    (14, 16, "Route"),
    (17, 22, "Frequency"),
    (27, 37, "Reason"),
    (42, 52, "Drug"),
    (53, 58, "Strength"),
)


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


def test_error_taxonomy_on_crafted_cases():
    predicted = doc(
        (0, 7, "Drug"), (8, 10, "Strength"), (14, 16, "Form"), (27, 32, "ADE"), (38, 41, "Drug"), (53, 58, "Strength")
    )
    report = evaluate([GOLD], [predicted])
    found = [(e.kind, e.gold and e.gold.text, e.predicted and e.predicted.text) for e in report.counts.errors]
    assert found == [
        ("boundary", "81 mg", "81"),
        ("type", "PO", "PO"),
        ("missed", "daily", None),
        ("boundary+type", "chest pain", "chest"),
        ("spurious", None, "and"),
        ("missed", "lisinopril", None),
    ]
    assert report.errors_by_kind() == {"missed": 2, "spurious": 1, "boundary": 1, "type": 1, "boundary+type": 1}


def test_span_confusion_rows_and_columns_add_up_to_gold_and_predicted_counts():
    predicted = doc((0, 7, "Drug"), (8, 10, "Strength"), (14, 16, "Form"), (27, 32, "ADE"), (38, 41, "Drug"))
    report = evaluate([GOLD], [predicted])
    confusion = report.span_confusion()
    axis, matrix = confusion["labels"], confusion["matrix"]
    for i, label in enumerate(LABELS):
        assert sum(matrix[i]) == report.counts.gold[label]
        assert sum(row[i] for row in matrix) == report.counts.predicted[label]
    assert matrix[axis.index("Route")][axis.index("Form")] == 1
    assert matrix[axis.index("none")][axis.index("Drug")] == 1
    assert matrix[axis.index("Frequency")][axis.index("none")] == 1


def test_tag_confusion_counts_every_word_once():
    report = evaluate([GOLD], [doc((0, 7, "Drug"))])
    total = sum(sum(row) for row in report.tag_confusion()["matrix"])
    assert total == len(words(NOTE))


def random_document(rng: random.Random, index: int, *, mangle: float) -> tuple[Document, Document]:
    tokens = [rng.choice(["aspirin", "10", "mg", "po", "daily", "for", "pain", "and", "."]) for _ in range(40)]
    note = " ".join(tokens)
    found = words(note)
    gold, predicted, i = [], [], 0
    while i < len(found) - 3:
        if rng.random() < 0.4:
            j = i + rng.randint(0, 2)
            label = rng.choice(LABELS[:5])
            span = Span.of(note, found[i].start, found[j].end, label)
            gold.append(span)
            roll = rng.random()
            if roll < mangle / 3:
                predicted.append(Span.of(note, found[i].start, found[j].end, rng.choice(LABELS)))
            elif roll < 2 * mangle / 3:
                predicted.append(Span.of(note, found[i].start, found[j + 1].end, label))
            elif roll >= mangle:
                predicted.append(span)
            i = j + 3
        else:
            if rng.random() < mangle / 4:
                predicted.append(Span.of(note, found[i].start, found[i].end, rng.choice(LABELS)))
                i += 2
            else:
                i += 1
    return (Document(f"d{index}", note, tuple(gold)), Document(f"d{index}", note, tuple(predicted)))


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


def test_each_gold_span_is_counted_once_as_correct_or_as_one_error():
    rng = random.Random(3)
    pairs = [random_document(rng, i, mangle=0.7) for i in range(20)]
    counts = evaluate([g for g, _ in pairs], [p for _, p in pairs]).counts
    with_gold = sum(1 for e in counts.errors if e.gold is not None)
    with_prediction = sum(1 for e in counts.errors if e.predicted is not None)
    assert sum(counts.true_positives.values()) + with_gold == sum(counts.gold.values())
    assert sum(counts.true_positives.values()) + with_prediction == sum(counts.predicted.values())


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


def test_subword_tags_continue_b_as_i():
    assert subword_tags(["B-Drug", "O", "I-Drug"], [3, 2, 1]) == ["B-Drug", "I-Drug", "I-Drug", "O", "O", "I-Drug"]


def test_paper_mode_per_subword_when_pieces_are_given():
    counts = score_document(GOLD, GOLD, pieces_per_word=lambda word: 2 if word == "lisinopril" else 1)
    assert counts.tag_unit == "subword"
    assert len(counts.gold_tags) == len(words(NOTE)) + 1


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


def test_compare_errors_splits_fixed_broken_and_shared():
    from engine.evaluation import compare_errors

    text = "aspirin 81 mg daily"
    drug, strength = Span.of(text, 0, 7, "Drug"), Span.of(text, 8, 13, "Strength")
    missed_drug = SpanError("d", drug, None, "missed")
    missed_strength = SpanError("d", strength, None, "missed")
    wrong_type = SpanError("d", drug, Span.of(text, 0, 7, "Form"), "type")
    fixed, broken, both = compare_errors([missed_drug, missed_strength], [missed_strength, wrong_type])
    assert fixed == [missed_drug] and broken == [wrong_type] and both == [missed_strength]


def test_predicted_spans_rebuilds_the_prediction_from_gold_and_errors():
    from engine.evaluation import evaluate, predicted_spans

    text = "aspirin 81 mg daily for pain"
    gold = Document(
        "d", text, (Span.of(text, 0, 7, "Drug"), Span.of(text, 8, 13, "Strength"), Span.of(text, 24, 28, "Reason"))
    )
    guess = Document(
        "d", text, (Span.of(text, 0, 7, "Drug"), Span.of(text, 8, 10, "Strength"), Span.of(text, 14, 19, "Frequency"))
    )
    report = evaluate([gold], [guess])
    assert predicted_spans(gold, report.counts.errors) == sorted(guess.spans)


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


def test_drug_subsets_keep_only_names_unseen_in_training_or_absent_from_the_dictionary():
    from engine.evaluation import drug_subsets

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


def test_paper_mode_per_label_merges_b_and_i_as_the_studys_figures_do():
    from engine.evaluation import paper_scores

    gold = ["B-Drug", "I-Drug", "O", "B-Route", "O"]
    guess = ["B-Drug", "B-Drug", "O", "O", "B-Route"]
    paper = paper_scores(gold, guess)
    assert paper["per_tag"]["I-Drug"]["f1"] == 0.0
    assert paper["per_label"]["Drug"]["f1"] == 1.0, "a right label with the wrong B/I prefix counts"
    assert paper["per_label"]["Route"]["f1"] == 0.0
    assert paper["per_label"]["O"]["precision"] == 0.5 and paper["per_label"]["O"]["recall"] == 0.5
    assert paper["macro_f1_labels"] == pytest.approx((1.0 + 0.0 + 0.5) / 3)


def test_the_studys_published_figures_are_kept_as_published():
    from engine import study

    assert study.OVERALL["BERT-CRF"] == (0.842, 0.834, 0.837, 0.974)
    assert study.PER_LABEL["SamBD"]["TransformerCRF"]["ADE"] == 0.307
    rows = study.per_label_rows()
    assert len(rows) == 6 and all(name.endswith(f"({study.MARK})") for name in rows)
    assert all(row["model"].endswith(f"({study.MARK})") for row in study.overall_rows())


def test_calibration_bins_and_expected_calibration_error_by_hand():
    from dataclasses import replace

    from engine.evaluation import calibration

    gold = GOLD
    right = [replace(s, confidence=c) for s, c in zip(gold.spans[:4], (0.95, 0.92, 0.55, 0.15), strict=True)]
    wrong = Span.of(NOTE, 23, 26, "Drug", confidence=0.9)  # "for": no such gold span
    predicted = Document(gold.id, gold.text, (*right, wrong))
    result = calibration([(gold, predicted)])
    assert result["spans"] == 5
    bins = {round(b["low"], 1): b for b in result["bins"] if b["count"]}
    assert set(bins) == {0.1, 0.5, 0.9}
    assert bins[0.9]["count"] == 3 and bins[0.9]["accuracy"] == pytest.approx(2 / 3)
    assert bins[0.9]["confidence"] == pytest.approx((0.95 + 0.92 + 0.9) / 3)
    expected = 3 / 5 * abs(2 / 3 - (0.95 + 0.92 + 0.9) / 3) + 1 / 5 * abs(1 - 0.55) + 1 / 5 * abs(1 - 0.15)
    assert result["ece"] == pytest.approx(expected)
    assert calibration([(gold, gold)])["spans"] == 0 and calibration([(gold, gold)])["ece"] is None
    assert evaluate([gold], [predicted]).as_dict()["calibration"]["spans"] == 5
