import random

from engine.labels import LABELS
from engine.scores.report import evaluate
from engine.types import Document, Span, SpanError
from tests.engine.scores.documents import GOLD, doc, random_document


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


def test_each_gold_span_is_counted_once_as_correct_or_as_one_error():
    rng = random.Random(3)
    pairs = [random_document(rng, i, mangle=0.7) for i in range(20)]
    counts = evaluate([g for g, _ in pairs], [p for _, p in pairs]).counts
    with_gold = sum(1 for e in counts.errors if e.gold is not None)
    with_prediction = sum(1 for e in counts.errors if e.predicted is not None)
    assert sum(counts.true_positives.values()) + with_gold == sum(counts.gold.values())
    assert sum(counts.true_positives.values()) + with_prediction == sum(counts.predicted.values())


def test_compare_errors_splits_fixed_broken_and_shared():
    from engine.scores.errors import compare_errors

    text = "aspirin 81 mg daily"
    drug, strength = Span.of(text, 0, 7, "Drug"), Span.of(text, 8, 13, "Strength")
    missed_drug = SpanError("d", drug, None, "missed")
    missed_strength = SpanError("d", strength, None, "missed")
    wrong_type = SpanError("d", drug, Span.of(text, 0, 7, "Form"), "type")
    fixed, broken, both = compare_errors([missed_drug, missed_strength], [missed_strength, wrong_type])
    assert fixed == [missed_drug] and broken == [wrong_type] and both == [missed_strength]


def test_predicted_spans_rebuilds_the_prediction_from_gold_and_errors():
    from engine.scores.errors import predicted_spans
    from engine.scores.report import evaluate

    text = "aspirin 81 mg daily for pain"
    gold = Document(
        "d", text, (Span.of(text, 0, 7, "Drug"), Span.of(text, 8, 13, "Strength"), Span.of(text, 24, 28, "Reason"))
    )
    guess = Document(
        "d", text, (Span.of(text, 0, 7, "Drug"), Span.of(text, 8, 10, "Strength"), Span.of(text, 14, 19, "Frequency"))
    )
    report = evaluate([gold], [guess])
    assert predicted_spans(gold, report.counts.errors) == sorted(guess.spans)
