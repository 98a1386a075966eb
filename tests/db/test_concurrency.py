"""Several processes writing to one store at once: every write lands once, no lock error escapes."""

import multiprocessing

from sqlalchemy import func, select

from db.migrate import current_revision, head_revision
from db.repository import Store
from db.schema import GoldRevisionRow, ModelRow, PredictionRow
from engine.types import Document, ModelInfo, Span

WORKERS = 4
NOTES = 20
EDITS = 10
NOTE = "Aspirin 81 mg daily for chest pain."
MODEL = ModelInfo("m", "encoder-crf", "/m", "f" * 64, 1, "minilm", True)


def spans_for(text: str) -> list[Span]:
    return [Span.of(text, 0, len(text.split()[0]), "Drug")]


def write_everything(url: str, worker: int) -> int:
    store = Store.open(url)
    shared = [f"shared note {i}" for i in range(NOTES)]
    own = [f"note {i} of worker {worker}" for i in range(NOTES)]
    for mine, theirs in zip(own, shared, strict=True):
        store.save_prediction(MODEL, theirs, spans_for(theirs), seconds=0.01, precision="fp32")
        store.save_prediction(MODEL, mine, spans_for(mine), seconds=0.01, precision="fp32")
    gold = [Span.of(NOTE, 0, 7, "Drug"), Span.of(NOTE, 8, 13, "Strength")]
    for edit in range(EDITS):
        store.save_gold("demo", "a", gold[: 1 + edit % 2], by=f"worker {worker}", note=f"edit {edit}")
    store.close()
    return worker


def open_store(url: str) -> str | None:
    store = Store.open(url)
    revision = current_revision(store.engine)
    store.close()
    return revision


def pool():
    return multiprocessing.get_context("spawn").Pool(WORKERS)


def test_processes_opening_a_new_database_at_once_migrate_it_once(database_url):
    with pool() as workers:
        revisions = workers.map(open_store, [database_url] * WORKERS)
    assert revisions == [head_revision()] * WORKERS


def test_concurrent_predictions_and_gold_edits_all_land_once(database_url):
    store = Store.open(database_url)
    store.import_corpus("demo", {"train": [Document("a", NOTE, ())]})
    with pool() as workers:
        finished = workers.starmap(write_everything, [(database_url, w) for w in range(WORKERS)])
    assert sorted(finished) == list(range(WORKERS))
    with store.engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(ModelRow)) == 1
        predictions = connection.scalar(select(func.count()).select_from(PredictionRow))
        distinct = connection.scalar(select(func.count(func.distinct(PredictionRow.text_sha256))))
    assert predictions == distinct == NOTES + WORKERS * NOTES
    for worker in range(WORKERS):
        assert store.cached_prediction(MODEL, f"note {NOTES - 1} of worker {worker}", precision="fp32") is not None
    history = store.gold_history("demo", "a")
    assert sorted(r.number for r in history) == list(range(1, 2 + WORKERS * EDITS))
    for worker in range(WORKERS):
        assert sum(r.author == f"worker {worker}" for r in history) == EDITS
    with store.engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(GoldRevisionRow)) == 1 + WORKERS * EDITS
    store.close()
