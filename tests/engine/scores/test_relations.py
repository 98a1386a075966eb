from engine.scores.intervals import compare_tables
from engine.scores.relations import document_counts, relation_keys, relation_table, scores
from engine.scores.report import count_tables, evaluate
from engine.types import Document, Relation, Span

TEXT = "aspirin 81 mg daily and heparin 5000 units"


def gold() -> Document:
    spans = (
        Span.of(TEXT, 0, 7, "Drug", ref="T1"),
        Span.of(TEXT, 8, 13, "Strength", ref="T2"),
        Span.of(TEXT, 14, 19, "Frequency", ref="T3"),
        Span.of(TEXT, 24, 31, "Drug", ref="T4"),
        Span.of(TEXT, 32, 42, "Strength", ref="T5"),
    )
    relations = (
        Relation("R1", "Strength-Drug", "T2", "T1"),
        Relation("R2", "Frequency-Drug", "T3", "T1"),
        Relation("R3", "Strength-Drug", "T5", "T4"),
    )
    return Document("n1", TEXT, spans, relations)


def to_nearest_before(document: Document):
    """A toy linker: each attribute to the last Drug before it."""
    drugs = sorted((s for s in document.spans if s.label == "Drug"), key=lambda s: s.start)
    pairs = []
    for span in document.spans:
        before = [d for d in drugs if d.start < span.start]
        if span.label != "Drug" and before:
            pairs.append((span, before[-1]))
    return pairs


def to_first_drug(document: Document):
    drugs = sorted((s for s in document.spans if s.label == "Drug"), key=lambda s: s.start)
    return [(s, drugs[0]) for s in document.spans if s.label != "Drug"] if drugs else []


def test_counts_per_type_match_both_spans_exactly():
    truth = relation_keys([(gold().spans[1], gold().spans[0]), (gold().spans[4], gold().spans[3])])
    guess = relation_keys([(gold().spans[1], gold().spans[0]), (gold().spans[4], gold().spans[0])])
    assert document_counts(truth, guess) == {"Strength-Drug": (1, 2, 2)}
    table = relation_table(["n1"], [document_counts(truth, guess)])
    figures = scores(table)
    assert figures["micro_f1"] == 0.5 and list(figures["per_type"]) == ["Strength-Drug"]


def test_evaluate_scores_each_linker_given_gold_entities_and_end_to_end_and_tests_one_against_the_other():
    predicted = Document("n1", TEXT, tuple(s for s in gold().spans if s.label != "Frequency"))  # "daily" missed
    report = evaluate([gold()], [predicted], linkers={"linker": to_nearest_before, "nearest_drug": to_first_drug})
    relations = report.as_dict()["relations"]
    assert relations["linker"]["given_gold_entities"]["micro_f1"] == 1.0
    end_to_end = relations["linker"]["end_to_end"]
    assert (end_to_end["micro_precision"], end_to_end["micro_recall"]) == (1.0, 2 / 3)
    assert relations["nearest_drug"]["given_gold_entities"]["micro_recall"] == 2 / 3
    paired = relations["linker_against_rule"]["given_gold_entities"]
    assert paired["micro_f1"]["a"] == relations["nearest_drug"]["given_gold_entities"]["micro_f1"]
    assert paired["micro_f1"]["b"] == 1.0


def test_relation_counts_are_stored_per_document_and_compared_as_spans_are():
    report = evaluate([gold()], [gold()], linkers={"linker": to_nearest_before})
    stored = count_tables(report.as_dict())
    assert "relations/linker:end_to_end" in stored
    other = evaluate([gold()], [gold()], linkers={"linker": to_first_drug})
    result = compare_tables(stored, count_tables(other.as_dict()), resamples=50)
    assert result["relations/linker:given_gold_entities"]["micro_f1"]["difference"] < 0


def test_no_relations_in_gold_no_relation_scores():
    bare = Document("n1", TEXT, gold().spans)
    assert "relations" not in evaluate([bare], [bare], linkers={"linker": to_nearest_before}).as_dict()
