"""Bootstrap intervals and the paired test, on simulated per-document counts with known truth."""

import numpy as np
import pytest

from engine.scores.intervals import RESAMPLES_VARIABLE, default_resamples, draw_weights, intervals, paired_test
from engine.scores.report import evaluate
from engine.scores.tables import CountTable, prf
from engine.types import Document, Span

CLASSES = ["Drug", "Strength", "ADE"]
#: per class: mean gold concepts per document, chance a model finds one, mean spurious per document
GOLD_RATE = np.array([6.0, 4.0, 1.0])
FOUND = np.array([0.85, 0.9, 0.5])
SPURIOUS = np.array([0.8, 0.4, 0.5])


def simulate(rng, documents=50, found=FOUND, gold=None):
    """A count table drawn from the process above (optionally on given gold counts)."""
    if gold is None:
        gold = rng.poisson(GOLD_RATE, size=(documents, len(CLASSES)))
    tp = rng.binomial(gold, found)
    predicted = tp + rng.poisson(SPURIOUS, size=gold.shape)
    counts = np.stack([tp, gold, predicted], axis=-1)
    return CountTable([f"d{i}" for i in range(len(gold))], CLASSES, counts), gold


def true_micro_f1():
    tp, predicted = (GOLD_RATE * FOUND).sum(), (GOLD_RATE * FOUND + SPURIOUS).sum()
    _, _, f1 = prf(tp, GOLD_RATE.sum(), predicted)
    return float(f1)


def test_draw_weights_draws_each_resample_as_many_documents_as_there_are():
    weights = draw_weights(7, 100, np.random.default_rng(0))
    assert weights.shape == (100, 7) and (weights.sum(axis=1) == 7).all()
    assert weights.min() >= 0 and len({tuple(row) for row in weights}) > 50


def test_interval_holds_the_estimate_and_is_reproducible():
    table, _ = simulate(np.random.default_rng(1))
    first, again = intervals(table, resamples=300, seed=5), intervals(table, resamples=300, seed=5)
    assert first == again
    totals = table.totals()
    _, _, micro = prf(totals[:, 0].sum(), totals[:, 1].sum(), totals[:, 2].sum())
    low, high = first["micro_f1"]
    assert low < micro < high
    assert set(first["per_label"]) == set(CLASSES)
    assert intervals(table, resamples=300, seed=6) != first


def test_95_percent_intervals_cover_the_true_f1_about_95_percent_of_the_time():
    rng = np.random.default_rng(2026)
    truth = true_micro_f1()
    draws = 300
    covered = sum(
        low <= truth <= high
        for low, high in (intervals(simulate(rng)[0], resamples=400, seed=i)["micro_f1"] for i in range(draws))
    )
    assert 0.90 <= covered / draws <= 0.985, covered / draws


def test_same_model_gives_roughly_uniform_p_values():
    rng = np.random.default_rng(7)
    p_values = []
    for i in range(200):
        a, gold = simulate(rng)
        b, _ = simulate(rng, gold=gold)  # the same process on the same notes
        p_values.append(paired_test(a, b, resamples=300, seed=i)["micro_f1"]["p_value"])
    p_values = np.array(p_values)
    assert 0.01 <= (p_values < 0.05).mean() <= 0.10
    assert 0.4 <= p_values.mean() <= 0.6
    assert 0.15 <= (p_values < 0.25).mean() <= 0.35


def test_a_strictly_better_model_gets_small_p_values():
    rng = np.random.default_rng(8)
    p_values = []
    for i in range(30):
        a, gold = simulate(rng)
        b, _ = simulate(rng, found=np.minimum(FOUND + 0.08, 1.0), gold=gold)
        result = paired_test(a, b, resamples=300, seed=i)
        assert result["micro_f1"]["difference"] > 0
        p_values.append(result["micro_f1"]["p_value"])
    assert np.median(p_values) < 0.01


def test_identical_models_differ_by_nothing():
    table, _ = simulate(np.random.default_rng(3))
    result = paired_test(table, table, resamples=200)
    assert result["micro_f1"]["difference"] == 0 and result["micro_f1"]["p_value"] == 1.0
    assert result["micro_f1"]["ci"] == [0.0, 0.0]


def test_paired_test_refuses_different_documents_and_aligns_their_order():
    table, _ = simulate(np.random.default_rng(4), documents=10)
    shuffled = table.aligned(list(reversed(table.documents)))
    assert paired_test(table, shuffled, resamples=100)["macro_f1"]["difference"] == 0
    with pytest.raises(ValueError, match="different documents"):
        paired_test(table, table.aligned(table.documents[:5]), resamples=100)


def test_no_documents_and_the_resamples_setting(monkeypatch):
    empty = CountTable([], CLASSES, np.zeros((0, 3, 3), dtype=np.int64))
    assert intervals(empty, resamples=10)["micro_f1"] == [0.0, 0.0]
    monkeypatch.setenv(RESAMPLES_VARIABLE, "250")
    assert default_resamples() == 250
    monkeypatch.setenv(RESAMPLES_VARIABLE, "many")
    with pytest.raises(ValueError, match=RESAMPLES_VARIABLE):
        default_resamples()


def test_every_f1_of_the_evaluation_json_has_its_interval():
    note = "aspirin 81 mg daily"
    documents = [
        Document(f"n{i}", note, (Span.of(note, 0, 7, "Drug"), Span.of(note, 8, 13, "Strength"))) for i in range(8)
    ]
    guesses = [
        Document(d.id, d.text, d.spans if i % 2 else (Span.of(note, 0, 7, "Drug"),)) for i, d in enumerate(documents)
    ]
    data = evaluate(documents, guesses, resamples=200).as_dict()
    assert {"macro_f1", "weighted_f1", "micro_f1", "per_label", "paper"} <= set(data), "no key of before is lost"
    for key in ("macro_f1", "weighted_f1", "micro_f1"):
        low, high = data["ci"][key]
        assert low <= data[key] <= high
    for row in data["per_label"].values():
        assert row["f1_ci"][0] <= row["f1"] <= row["f1_ci"][1]
    assert data["per_label"]["Drug"]["f1_ci"] == [1.0, 1.0]
    for mode in ("strict", "lenient"):
        assert data["n2c2"][mode]["micro_f1_ci"][0] <= data["n2c2"][mode]["micro_f1"]
    assert set(data["paper"]["ci"]) == {"macro_f1", "weighted_f1", "micro_f1"}
    assert all("f1_ci" in row for row in data["paper"]["per_tag"].values())
