from dataclasses import replace

import pytest

from engine.data.corpus import Corpus, load_corpus, write_corpus
from engine.data.partial import Coverage
from engine.research import real_text


@pytest.fixture
def tiny_recipes(monkeypatch):
    recipes = {
        "tiny plain": ("transformer-crf", {"epochs": 1, "learning_rate": 2e-3, "batch_size": 8, "size": "tiny"}),
        "tiny gazetteer": (
            "transformer-crf",
            {"epochs": 1, "learning_rate": 2e-3, "batch_size": 8, "size": "tiny", "gazetteer": True},
        ),
    }
    monkeypatch.setattr(real_text, "RECIPES", recipes)
    return recipes


def test_each_recipe_is_trained_once_scored_everywhere_and_chosen_on_real_dev(tiny_corpus, tiny_recipes, tmp_path):
    # a "real" corpus that annotates Drug only: the tiny corpus's drugs under a partial coverage
    real = tmp_path / "real" / "chia"
    splits = {
        split: [replace(d, spans=tuple(s for s in d.spans if s.label == "Drug"), relations=()) for d in documents]
        for split, documents in load_corpus(tiny_corpus).splits.items()
    }
    write_corpus(Corpus(real, splits, coverage=Coverage(frozenset({"Drug"}))), real)
    lines: list[str] = []
    results = real_text.run_real_text(
        tiny_corpus, tmp_path / "real", tmp_path / "out", corpora=["chia"], on_line=lines.append
    )
    assert [r.name for r in results] == ["tiny plain", "tiny gazetteer"]
    assert set(results[0].scores) == {"demo/test", "chia/dev", "chia/test"}
    chia = results[0].scores["chia/test"]
    assert set(chia["per_label"]) <= {"Drug"}, "only the labels the corpus annotates are scored"
    assert {"unseen_in_training", "absent_from_dictionary"} <= set(chia["drug_subsets"])
    assert results[0].train_seconds > 0 and results[1].recipe.gazetteer
    table = (tmp_path / "out" / "results.md").read_text()
    assert table.count("| tiny plain |") == 2 and "chia/dev |" not in table, "dev splits choose, tests report"
    best = real_text.best_recipe(results, "transformer-crf")
    assert best.real_dev_micro_f1() == max(r.real_dev_micro_f1() for r in results)
    assert f"transformer-crf: {best.name}" in table
    again = real_text.run_real_text(
        tiny_corpus, tmp_path / "real", tmp_path / "out", corpora=["chia"], names=["tiny plain"], on_line=lines.append
    )
    assert lines[-4].startswith("tiny plain: reusing") and again[0].train_seconds == results[0].train_seconds
    assert sum(line.startswith("tiny plain: training") for line in lines) == 1
    per_label = [{test: score["per_label"] for test, score in r.scores.items()} for r in (again[0], results[0])]
    assert per_label[0] == per_label[1], "the reused model scores what it scored"
    with pytest.raises(ValueError, match="unknown recipes"):
        real_text.run_real_text(tiny_corpus, tmp_path / "real", tmp_path / "out", names=["nope"])
    with pytest.raises(FileNotFoundError, match="corpus open"):
        real_text.run_real_text(tiny_corpus, tmp_path / "nowhere", tmp_path / "out", names=["tiny plain"])
    assert load_corpus(real).coverage.annotates == frozenset({"Drug"})
