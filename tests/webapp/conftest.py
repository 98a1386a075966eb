"""An app world for the page tests: two tiny trained models, the tiny corpus imported and evaluated
in a SQLite store of its own, and the environment variables that point the app at them."""

import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from engine.models.base import TrainingSettings

PAGES = Path(__file__).resolve().parents[2] / "webapp" / "pages"


@pytest.fixture(scope="session")
def app_world(tiny_corpus, tiny_model, tmp_path_factory) -> dict[str, str]:
    from db.repository import Store
    from engine.training import train
    from webapp.worker import sync

    root = tmp_path_factory.mktemp("app")
    models = root / "models"
    shutil.copytree(tiny_model, models / "tiny-tcrf")
    settings = TrainingSettings(epochs=2, learning_rate=2e-3, batch_size=8, seed=3)
    train("transformer", tiny_corpus, models / "tiny-t", settings=settings, size="tiny")
    url = f"sqlite:///{root / 'store.db'}"
    store = Store.open(url)
    sync(store, Path(tiny_corpus), models, log=lambda line: None)
    store.close()
    return {"DATABASE_URL": url, "MEDNER_MODELS": str(models), "MEDNER_DEMO_DATA": str(tiny_corpus), "root": str(root)}


@pytest.fixture
def app_env(app_world, monkeypatch) -> dict[str, str]:
    for name in ("DATABASE_URL", "MEDNER_MODELS", "MEDNER_DEMO_DATA"):
        monkeypatch.setenv(name, app_world[name])
    return app_world


def page(name: str) -> AppTest:
    """A page of the app, ready to run (generous timeout: the first run loads a model)."""
    return AppTest.from_file(str(PAGES / f"{name}.py"), default_timeout=120)
