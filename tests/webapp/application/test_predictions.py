import pytest

from db.repository import Store
from engine.types import ModelInfo, Span
from webapp.application import predictions
from webapp.application.predictions import annotate, annotate_note

NOTE = "Aspirin 81 mg daily for chest pain."


def model(name: str, fingerprint: str) -> ModelInfo:
    return ModelInfo(name, "transformer-crf", f"/models/{name}", fingerprint, 1234, "scratch", True, {})


@pytest.fixture
def store(tmp_path):
    opened = Store.open(f"sqlite:///{tmp_path / 'store.db'}")
    yield opened
    opened.close()


@pytest.fixture
def hashes(monkeypatch):
    """Every sha256 of a note taken on the annotate path, in the application and in the store."""
    import db.repository.predictions as stored

    taken: list[str] = []
    real = predictions.text_sha256

    def counting(text: str) -> str:
        taken.append(text)
        return real(text)

    monkeypatch.setattr(predictions, "text_sha256", counting)
    monkeypatch.setattr(stored, "text_sha256", counting)
    return taken


def drug(text: str) -> list[Span]:
    return [Span.of(text, 0, 7, "Drug")]


def test_a_note_is_hashed_once_for_every_model_miss_or_hit(store, hashes, monkeypatch):
    runs: list[str] = []

    def pooled(chosen, precision):
        def predict(texts):
            runs.append(chosen.name)
            return [drug(text) for text in texts]

        return predict

    monkeypatch.setattr(predictions, "pooled", pooled)
    models = [model("a", "a" * 64), model("b", "b" * 64)]
    first = annotate_note(store, models, NOTE, precision="fp32")
    assert hashes == [NOTE], "one hash for two models, both missing the cache"
    assert runs == ["a", "b"] and [r.prediction.cached for r in first] == [False, False]
    again = annotate_note(store, models, NOTE, precision="fp32")
    assert hashes == [NOTE, NOTE] and runs == ["a", "b"], "both hits: no model ran"
    assert [r.prediction.cached for r in again] == [True, True]
    assert [r.prediction.spans for r in again] == [tuple(drug(NOTE))] * 2
    digest = predictions.text_sha256(NOTE)
    assert all(r.prediction.document_id == digest for r in first + again), "a pasted note is known by its hash"


def test_the_cache_first_path_runs_the_model_once_on_the_distinct_misses(store, hashes):
    asked: list[list[str]] = []

    def predict(texts):
        asked.append(list(texts))
        return [drug(text) for text in texts]

    other = "Metformin 500 mg twice daily."
    found = annotate(store, model("a", "a" * 64), [NOTE, other, NOTE], predict, precision="fp32")
    assert asked == [[NOTE, other]]
    assert len(hashes) == 3, "each note of the request hashed once"
    assert [p.cached for p in found] == [False, False, False]
    with pytest.raises(ValueError, match="predict returned 1 results for 2 notes"):
        annotate(store, model("b", "b" * 64), [NOTE, other], lambda texts: [[]], precision="fp32")


def test_the_store_refuses_digests_that_do_not_match_the_notes_in_number(store):
    with pytest.raises(ValueError, match="got 1 digests for 2 notes"):
        store.cached_predictions(model("a", "a" * 64), [NOTE, NOTE], precision="fp32", digests=["x"])
