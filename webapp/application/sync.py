"""What ``make demo`` runs after training (``python -m webapp.worker sync``): the demo corpus and
the open corpora into the store, the models on disk registered, and every missing evaluation
made, so that the app opens with results."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from db.repository import Store
from webapp.application.corpora import (
    DEMO_CORPUS,
    OPEN_PREFIX,
    SCORED_OPEN_CORPORA,
    import_folder,
    import_open_corpora,
)
from webapp.application.models import evaluate_missing, register_folders


def sync(
    store: Store,
    data: Path,
    models_root: Path,
    log: Callable[[str], None] = print,
    *,
    open_corpora: Sequence[str] = (),
) -> None:
    """Import the demo corpus and the named open corpora if new, register the models on disk,
    evaluate what is not evaluated: the demo corpus's dev and test splits, and the test split of
    each open corpus of :data:`SCORED_OPEN_CORPORA` among them."""
    if data.is_dir() and DEMO_CORPUS not in {c.name for c in store.corpora()}:
        added, problems = import_folder(store, DEMO_CORPUS, data)
        log(f"imported {added} documents of {data} as corpus {DEMO_CORPUS!r}")
        for problem in problems:
            log(f"problem: {problem}")
    models, problems = register_folders(store, [models_root])
    for problem in problems:
        log(f"skipped: {problem}")
    if DEMO_CORPUS in {c.name for c in store.corpora()}:
        evaluate_missing(store, models, DEMO_CORPUS, log)
    if open_corpora:
        import_open_corpora(store, open_corpora, log)
    for name in open_corpora:
        if name in SCORED_OPEN_CORPORA:
            evaluate_missing(store, models, OPEN_PREFIX + name, log, splits=("test",))
