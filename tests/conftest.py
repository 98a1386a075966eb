"""Fixtures shared across test modules: a tiny generated corpus, a tiny trained model, and an app
world (two tiny models, the tiny corpus imported and evaluated in a SQLite store of its own, and the
environment variables that point the app at them)."""

import importlib.util
import os
import shutil
import tempfile
from pathlib import Path

import pytest

from engine.models.base import TrainingSettings
from engine.synth.generate import generate_corpus

# No test may reach the network: this process and every Python process it starts refuse any
# outbound connection and record it (tests/netguard/sitecustomize.py); `no_outbound_network` fails
# the test during which one was attempted.
NETGUARD = Path(__file__).resolve().parent / "netguard"
NETGUARD_LOG = Path(tempfile.mkdtemp(prefix="medner-netguard-")) / "attempts.log"
NETGUARD_LOG.touch()
os.environ["MEDNER_NETGUARD_LOG"] = str(NETGUARD_LOG)
os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(NETGUARD), os.environ.get("PYTHONPATH", "")]))
# The suite runs at the precision `auto` resolves to (fp32 on every CPU), whatever the shell that
# started it asks for: tests that compare two runs must compare them at one precision, and the
# tests of bf16 ask for it by name. The processes the tests start inherit this.
os.environ.pop("MEDNER_PRECISION", None)
_spec = importlib.util.spec_from_file_location("medner_netguard", NETGUARD / "sitecustomize.py")
netguard = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(netguard)


@pytest.fixture(autouse=True)
def no_outbound_network():
    """Fail the test if it, or a process it started, tried to reach anything but loopback."""
    before = NETGUARD_LOG.stat().st_size
    yield
    with NETGUARD_LOG.open(encoding="utf-8") as log:
        log.seek(before)
        attempts = log.read()
    if attempts:
        pytest.fail("outbound network access was attempted:\n" + attempts[:4000])


@pytest.fixture(scope="session")
def tiny_corpus(tmp_path_factory) -> Path:
    """A small corpus of the demo generator: 8 train, 2 dev, 3 test notes, discharge summaries only
    (the longest style: the tiny models the app tests share learn enough from 8 of them)."""
    folder = tmp_path_factory.mktemp("tiny-corpus")
    generate_corpus(folder, seed=21, sizes={"train": 8, "dev": 2, "test": 3}, styles={"discharge": 1.0})
    return folder


@pytest.fixture(scope="session")
def tiny_model(tiny_corpus, tmp_path_factory) -> Path:
    """A tiny scratch transformer-crf trained for a few epochs (seconds on a CPU)."""
    from engine.models.kinds import KINDS
    from engine.training.loop import train
    from engine.training.settings import Recipe

    folder = tmp_path_factory.mktemp("models") / "tiny-tcrf"
    settings = TrainingSettings(epochs=4, learning_rate=2e-3, batch_size=8, seed=3)
    train(Recipe(KINDS["transformer-crf"], settings, size="tiny"), tiny_corpus, folder)
    return folder


@pytest.fixture(scope="session")
def shallow_encoder(tmp_path_factory) -> str:
    """The default MiniLM cut to its first two of six layers, saved as a checkpoint folder: the same
    pretrained embeddings, tokenizer and BERT code path as the encoder kinds' default at a third of
    the work, for tests of that path that need no more depth (the demo models use all six)."""
    from transformers import AutoModel, AutoTokenizer

    from engine.models.hf import default_encoder

    folder = tmp_path_factory.mktemp("minilm-two-layers")
    encoder = AutoModel.from_pretrained(default_encoder(), local_files_only=True)
    encoder.encoder.layer = encoder.encoder.layer[:2]
    encoder.config.num_hidden_layers = 2
    encoder.save_pretrained(folder)
    AutoTokenizer.from_pretrained(default_encoder(), local_files_only=True).save_pretrained(folder)
    return str(folder)


@pytest.fixture(scope="session")
def app_world(tiny_corpus, tiny_model, tmp_path_factory) -> dict[str, str]:
    from db.repository import Store
    from engine.models.kinds import KINDS
    from engine.training.loop import train
    from engine.training.settings import Recipe
    from webapp.application.sync import sync

    root = tmp_path_factory.mktemp("app")
    models = root / "models"
    shutil.copytree(tiny_model, models / "tiny-tcrf")
    settings = TrainingSettings(epochs=4, learning_rate=2e-3, batch_size=8, seed=3)
    train(Recipe(KINDS["transformer"], settings, size="tiny"), tiny_corpus, models / "tiny-t")
    url = f"sqlite:///{root / 'store.db'}"
    store = Store.open(url)
    # one open real corpus (the smallest to score), as make demo imports them all
    sync(store, Path(tiny_corpus), models, log=lambda line: None, open_corpora=("neurotrialner",))
    store.close()
    return {"DATABASE_URL": url, "MEDNER_MODELS": str(models), "MEDNER_DEMO_DATA": str(tiny_corpus), "root": str(root)}


@pytest.fixture
def app_env(app_world, monkeypatch) -> dict[str, str]:
    for name in ("DATABASE_URL", "MEDNER_MODELS", "MEDNER_DEMO_DATA"):
        monkeypatch.setenv(name, app_world[name])
    return app_world
