"""A process killed (SIGKILL) in the middle of saving gold leaves the old revision or the new one,
never part of one, and the next save works."""

import signal

from sqlalchemy import event, func, select, text

from db.repository import Store
from db.schema import GoldSpanRow
from engine.types import Document, Span
from tests.forking import Forker

NOTE = "aspirin 81 mg daily; " * 5
OLD = (Span.of(NOTE, 0, 7, "Drug"),)
NEW = (*(Span.of(NOTE, 21 * i, 21 * i + 7, "Drug") for i in range(5)), Span.of(NOTE, 8, 13, "Strength"))

# Saves NEW over the document, killing itself before its KILL_AT-th SQL statement, just before the
# commit ("commit"), or just after it ("committed"). One process imports once and forks a child a
# point (tests/forking.py); each child opens the store afresh.
KILLED_SAVE = """
import os, signal, sys
from sqlalchemy import event
from db.repository import Store
from engine.types import Span

url, note = sys.argv[1], sys.argv[2]

def run(kill_at):
    store = Store.open(url)
    executed = 0

    def before_statement(*args):
        nonlocal executed
        executed += 1
        if kill_at == str(executed):
            os.kill(os.getpid(), signal.SIGKILL)

    def kill_if(point):
        def listener(*args):
            if kill_at == point:
                os.kill(os.getpid(), signal.SIGKILL)
        return listener

    event.listen(store.engine, "before_cursor_execute", before_statement)
    event.listen(store.engine, "commit", kill_if("commit"))
    spans = [Span.of(note, 21 * i, 21 * i + 7, "Drug") for i in range(5)] + [Span.of(note, 8, 13, "Strength")]
    store.save_gold("c", "d", spans, by="killed", note="new")
    kill_if("committed")()
"""


def statements_of_a_save(store: Store) -> int:
    """How many SQL statements one save of NEW runs on this backend (done on a scratch document)."""
    store.import_corpus("c", {"train": [Document("scratch", NOTE, OLD)]})
    seen = []

    def count(*args):
        seen.append(1)

    event.listen(store.engine, "before_cursor_execute", count)
    store.save_gold("c", "scratch", NEW, by="counting")
    event.remove(store.engine, "before_cursor_execute", count)
    return len(seen)


def test_a_gold_save_killed_at_any_statement_leaves_old_or_new_never_half(database_url):
    store = Store.open(database_url)
    statements = statements_of_a_save(store)
    assert statements >= 4  # lock the document, current revision, the revision, its spans
    store.import_corpus("c", {"train": [Document("d", NOTE, OLD)]})
    points = [*map(str, range(1, statements + 1)), "commit", "committed"]
    with Forker(KILLED_SAVE, database_url, NOTE) as forker:
        for point in points:
            ended = forker.run(point)
            assert ended == -signal.SIGKILL, f"not killed at {point}: {forker.errors()}"
            history = store.gold_history("c", "d")
            if point == "committed":
                assert [r.number for r in history] == [2, 1] and history[0].spans == NEW
            else:
                assert [r.number for r in history] == [1] and history[0].spans == OLD, f"killed at {point}"
            with store.engine.connect() as connection:
                rows = connection.scalar(select(func.count()).select_from(GoldSpanRow))
                if store.engine.dialect.name == "sqlite":
                    assert connection.execute(text("PRAGMA integrity_check")).scalar() == "ok"
            spans = sum(len(r.spans) for r in history) + len(OLD) + len(NEW)
            assert rows == spans, "no spans of a revision that failed"
    saved = store.save_gold("c", "d", OLD, by="after the crashes", based_on=2)
    assert saved.number == 3
    store.close()
