"""n2c2 2018 strict and lenient concept scores: hand-computed cases, the official counting rules,
and agreement with nervaluate where both pair concepts the same way."""

import random

import pytest
from nervaluate import Evaluator

from engine.data.partial import Coverage
from engine.scores.n2c2 import concept_counts, concept_tables, n2c2_scores, semeval_schemes
from engine.scores.report import count_tables, evaluate
from engine.types import Document, Span

NOTE = "aspirin 81 mg daily for pain and metformin 500 mg bd"


def doc(*spans, id="n1", note=NOTE):
    return Document(id, note, tuple(Span.of(note, s, e, label) for s, e, label in spans))


GOLD = doc((0, 7, "Drug"), (8, 13, "Strength"), (14, 19, "Frequency"))
#: Drug exact; Strength cut short ("81"); Frequency missed; "pain" spurious as Reason
GUESS = doc((0, 7, "Drug"), (8, 10, "Strength"), (24, 28, "Reason"))


def scores(gold, guess):
    return n2c2_scores(concept_tables(gold, guess))


def test_strict_and_lenient_by_hand():
    result = scores([GOLD], [GUESS])
    strict, lenient = result["strict"], result["lenient"]
    # strict: only the Drug matches: 1 of 3 predicted, 1 of 3 gold
    assert strict["micro_precision"] == pytest.approx(1 / 3)
    assert strict["micro_recall"] == pytest.approx(1 / 3)
    assert strict["micro_f1"] == pytest.approx(1 / 3)
    # lenient: the short Strength overlaps its gold span
    assert lenient["micro_f1"] == pytest.approx(2 / 3)
    assert {label: row["f1"] for label, row in lenient["per_label"].items()} == {
        "Drug": 1.0,
        "Strength": 1.0,
        "Frequency": 0.0,
        "Reason": 0.0,
    }
    assert lenient["macro_f1"] == pytest.approx(0.5)
    assert strict["per_label"]["Strength"]["f1"] == 0.0


def test_overlap_needs_the_same_label_and_a_shared_character():
    gold = [Span.of(NOTE, 8, 13, "Strength")]
    assert concept_counts(gold, [Span.of(NOTE, 8, 10, "Dosage")], "lenient") == {
        "Strength": (0, 1, 0),
        "Dosage": (0, 0, 1),
    }
    touching = [Span.of(NOTE, 13, 19, "Strength")]  # starts where the gold span ends: no shared character
    assert concept_counts(gold, touching, "lenient")["Strength"] == (0, 1, 1)


def test_official_counting_one_prediction_over_two_gold_concepts():
    gold = doc((0, 7, "Drug"), (8, 13, "Drug"))
    guess = doc((0, 13, "Drug"))
    lenient = scores([gold], [guess])["lenient"]["per_label"]["Drug"]
    # tp counts system concepts: 1; fn = gold - tp = 1
    assert (lenient["true_positives"], lenient["support"], lenient["predicted"]) == (1, 2, 1)
    assert (lenient["precision"], lenient["recall"]) == (1.0, 0.5)


def test_official_counting_two_predictions_inside_one_gold_concept():
    gold = doc((0, 13, "Drug"))
    guess = doc((0, 7, "Drug"), (8, 13, "Drug"))
    lenient = scores([gold], [guess])["lenient"]["per_label"]["Drug"]
    # both system concepts equal the gold one: tp 2 against 1 gold concept (fn = 1 - 2), as the script counts
    assert (lenient["true_positives"], lenient["support"], lenient["predicted"]) == (2, 1, 2)
    assert lenient["precision"] == 1.0 and lenient["recall"] == 2.0


def test_partial_corpus_scores_only_what_it_annotates():
    gold = doc((0, 7, "Drug"))
    tables = concept_tables([gold], [GUESS], coverage=Coverage(frozenset({"Drug"})))
    result = n2c2_scores(tables)
    assert set(result["lenient"]["per_label"]) == {"Drug"}
    assert result["lenient"]["micro_f1"] == 1.0


def random_case(rng: random.Random, documents: int = 30):
    """Gold concepts in separate slots of a note; each prediction stays in its gold concept's slot
    (exact, shifted boundary, relabelled or dropped) or fills an empty slot, so concepts pair one
    to one and the n2c2 and nervaluate counts must agree."""
    labels = ["Drug", "Strength", "Frequency", "ADE"]
    gold_docs, guess_docs = [], []
    for index in range(documents):
        note = " ".join(["word"] * 200)
        gold, guess = [], []
        for slot in range(20):
            start = slot * 50
            if rng.random() < 0.6:
                label = rng.choice(labels)
                gold.append((start + 5, start + 20, label))
                fate = rng.random()
                if fate < 0.5:
                    guess.append((start + 5, start + 20, label))
                elif fate < 0.7:
                    guess.append((start + 5 + rng.randint(1, 5), start + 20 + rng.randint(-5, 5), label))
                elif fate < 0.85:
                    guess.append((start + 5, start + 20, rng.choice([x for x in labels if x != label])))
            elif rng.random() < 0.3:
                guess.append((start + 10, start + 15, rng.choice(labels)))
        gold_docs.append(doc(*gold, id=f"d{index}", note=note))
        guess_docs.append(doc(*guess, id=f"d{index}", note=note))
    return gold_docs, guess_docs


@pytest.mark.parametrize("seed", range(5))
def test_strict_and_lenient_agree_with_nervaluate_when_concepts_pair_one_to_one(seed):
    gold, guess = random_case(random.Random(seed))
    ours = scores(gold, guess)
    theirs = semeval_schemes(gold, guess)
    assert ours["strict"]["micro_f1"] == pytest.approx(theirs["strict"]["f1"])
    assert ours["strict"]["micro_precision"] == pytest.approx(theirs["strict"]["precision"])
    assert ours["lenient"]["micro_f1"] == pytest.approx(theirs["ent_type"]["f1"])
    assert ours["lenient"]["micro_recall"] == pytest.approx(theirs["ent_type"]["recall"])
    # per label as well
    true = [[{"label": s.label, "start": s.start, "end": s.end - 1} for s in d.spans] for d in gold]
    pred = [[{"label": s.label, "start": s.start, "end": s.end - 1} for s in d.spans] for d in guess]
    entities = Evaluator(true, pred, tags=["Drug", "Strength", "Frequency", "ADE"], loader="dict").evaluate()[
        "entities"
    ]
    for label, row in ours["lenient"]["per_label"].items():
        assert row["f1"] == pytest.approx(entities[label]["ent_type"].f1), label
        assert ours["strict"]["per_label"][label]["f1"] == pytest.approx(entities[label]["strict"].f1), label


def test_nervaluate_schemes_by_hand():
    schemes = semeval_schemes([GOLD], [GUESS])
    assert (schemes["strict"]["correct"], schemes["strict"]["incorrect"]) == (1, 1)
    assert (schemes["strict"]["missed"], schemes["strict"]["spurious"]) == (1, 1)
    assert schemes["exact"]["f1"] == pytest.approx(1 / 3)
    # partial: the short Strength is half right: (1 + 0.5) / 3
    assert schemes["partial"]["precision"] == pytest.approx(0.5)
    assert semeval_schemes([Document("x", "")], [Document("x", "")]) == {}


def test_the_evaluation_json_carries_n2c2_schemes_and_per_document_counts():
    data = evaluate([GOLD], [GUESS], resamples=50).as_dict()
    assert data["n2c2"]["lenient"]["micro_f1"] == pytest.approx(2 / 3)
    assert set(data["schemes"]) == {"strict", "exact", "partial", "ent_type"}
    tables = count_tables(data)
    assert set(tables) == {"strict", "n2c2_strict", "n2c2_lenient"}
    assert tables["n2c2_lenient"].totals().sum(axis=0).tolist() == [2, 3, 3]
    assert count_tables({"micro_f1": 0.5}) == {}, "evaluations saved before have no tables"


def test_errors_lenient_matching_forgives():
    from engine.scores.errors import forgiven_by_lenient
    from engine.scores.report import evaluate

    gold = doc((0, 7, "Drug"), (8, 13, "Strength"), (14, 19, "Frequency"), (43, 49, "Dosage"))
    guess = doc((0, 7, "Drug"), (8, 10, "Strength"), (24, 28, "Reason"), (14, 19, "Route"), (43, 46, "Dosage"))
    errors = evaluate([gold], [guess]).counts.errors
    verdicts = {(e.kind, e.label): forgiven_by_lenient(e, gold.spans, guess.spans) for e in errors}
    assert verdicts == {
        ("boundary", "Strength"): True,  # "81" for "81 mg"
        ("boundary", "Dosage"): True,  # "500" for "500 mg"
        ("type", "Frequency"): False,  # a Route where gold has a Frequency
        ("spurious", "Reason"): False,
    }
