from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from db.repository import NotFound
from engine.scores.report import evaluate, record_of
from engine.types import Document, Span
from tests.db.test_repository import model

SECRET = "Zyrtexolam 45 mg nightly for Quentworth syndrome, patient Ms Abernathy-Voss."


def spans(note: str) -> tuple[Span, ...]:
    return (Span.of(note, 0, 10, "Drug", ref="T1"), Span.of(note, 11, 16, "Strength", ref="T2"))


@pytest.fixture
def world(store):
    """A corpus where the secret note has two gold revisions, a cached prediction and is quoted by
    an evaluation's errors; beside it another test note and a dev note."""
    other = "Lasix 40 mg IV daily."
    store.import_corpus(
        "clinic",
        {
            "test": [Document("secret", SECRET, spans(SECRET)), Document("other", other, ())],
            "dev": [Document("dev-1", other + " Again.", ())],
        },
    )
    store.save_gold("clinic", "secret", spans(SECRET)[:1], by="dr who", based_on=1)
    store.save_prediction(model(), SECRET, spans(SECRET), seconds=0.1, precision="fp32")
    store.save_prediction(model(), other, (), seconds=0.1, precision="fp32")
    predicted = [Document("secret", SECRET, (Span.of(SECRET, 0, 16, "Drug"),)), Document("other", other, ())]
    gold = [Document("secret", SECRET, spans(SECRET)), Document("other", other, ())]
    dev = [Document("dev-1", other + " Again.", ())]
    for split, (gold_docs, predicted_docs) in {"test": (gold, predicted), "dev": (dev, dev)}.items():
        report = evaluate(gold_docs, predicted_docs)
        store.record_evaluation(model(), record_of(report, model=model().fingerprint, split=split, corpus="clinic"))
    return store


def every_stored_value(store) -> str:
    values = []
    with store.engine.connect() as connection:
        for table in inspect(store.engine).get_table_names():
            values.extend(str(v) for row in connection.execute(text(f"SELECT * FROM {table}")) for v in row)
    return "\n".join(values)


def test_deleting_a_document_removes_it_and_everything_derived(world):
    assert "Abernathy" in every_stored_value(world)
    deletion = world.delete_document("clinic", "secret")
    assert (deletion.revisions, deletion.predictions, deletion.evaluations) == (2, 1, 1)
    assert "Abernathy" not in every_stored_value(world) and "Zyrtexolam" not in every_stored_value(world)
    assert [d.id for d in world.documents("clinic")] == ["dev-1", "other"]
    assert world.cached_prediction(model(), SECRET, precision="fp32") is None
    assert (
        world.cached_prediction(model(), "Lasix 40 mg IV daily.", precision="fp32") is not None
    )  # other notes keep theirs
    assert {e.split for e in world.evaluations(corpus="clinic")} == {"dev"}  # the test runs counted it
    assert "Deleted clinic/secret" in deletion.summary()


def test_a_deleted_note_is_not_left_in_the_sqlite_files(world):
    if world.engine.dialect.name != "sqlite":
        pytest.skip("raw files are checked on SQLite; PostgreSQL is vacuumed (see db/repository/deletion.py)")
    database = Path(world.engine.url.database)
    world.delete_document("clinic", "secret")
    for path in (database, database.with_name(database.name + "-wal")):
        if path.exists():
            assert b"Abernathy" not in path.read_bytes(), f"{path.name} still holds the deleted note"


def test_the_cache_of_a_text_another_document_still_holds_is_kept(store):
    store.import_corpus("c", {"saved": [Document("a", SECRET, ()), Document("b", SECRET, ())]})
    store.save_prediction(model(), SECRET, spans(SECRET), seconds=0.1, precision="fp32")
    assert store.delete_document("c", "a").predictions == 0
    assert store.cached_prediction(model(), SECRET, precision="fp32") is not None


def test_deleting_an_unknown_document_says_so(store):
    with pytest.raises(NotFound, match="no document 'nope' in corpus 'clinic'"):
        store.delete_document("clinic", "nope")
