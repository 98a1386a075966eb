import json
import os
import shutil

import pytest
import torch

from engine.data.corpus import load_corpus
from engine.inference.pipeline import Pipeline
from engine.models.base import FORMAT_VERSION, ModelFolderError
from engine.models.tagger import load_tagger
from tests.forking import Forker


@pytest.fixture(scope="module")
def notes(tiny_corpus):
    return [d.text for d in load_corpus(tiny_corpus).documents("test")]


def test_save_then_load_gives_the_same_predictions(tiny_model, notes, tmp_path):
    tagger = load_tagger(tiny_model)
    before = Pipeline(tagger).predict(notes)
    tagger.save(tmp_path / "copy")
    assert Pipeline(load_tagger(tmp_path / "copy")).predict(notes) == before
    assert any(before)


def test_config_travels_with_the_weights(tiny_model):
    config = json.loads((tiny_model / "config.json").read_text())
    assert config["kind"] == "transformer-crf" and config["crf"] is True and len(config["tags"]) == 19
    assert config["parameters"] == load_tagger(tiny_model).parameter_count()
    assert len(config["data_fingerprint"]) == 64


def test_a_folder_that_is_not_a_model_says_what_is_missing(tmp_path):
    (tmp_path / "config.json").write_text("{}")
    with pytest.raises(ModelFolderError, match=r"not a MedNER Studio model: missing model.safetensors, encoder.json"):
        load_tagger(tmp_path)
    with pytest.raises(ModelFolderError, match="no such model folder"):
        load_tagger(tmp_path / "absent")


def test_a_model_from_a_newer_version_is_refused(tiny_model, tmp_path):
    copy = shutil.copytree(tiny_model, tmp_path / "newer")
    config = json.loads((copy / "config.json").read_text())
    config["format_version"] = FORMAT_VERSION + 1
    (copy / "config.json").write_text(json.dumps(config))
    with pytest.raises(ModelFolderError, match="saved by a newer MedNER Studio"):
        load_tagger(copy)


def test_old_configs_get_defaults_for_new_keys(tiny_model, tmp_path):
    copy = shutil.copytree(tiny_model, tmp_path / "older")
    config = json.loads((copy / "config.json").read_text())
    for key in ("stride", "dropout", "size"):
        config.pop(key)
    config["training"].pop("patience")
    (copy / "config.json").write_text(json.dumps(config))
    assert load_tagger(copy).config.stride == 128


def test_corrupt_weights_are_reported(tiny_model, tmp_path):
    copy = shutil.copytree(tiny_model, tmp_path / "corrupt")
    (copy / "model.safetensors").write_bytes(b"not weights")
    with pytest.raises(ModelFolderError, match=r"model\.safetensors"):
        load_tagger(copy)


def test_a_crash_during_save_leaves_the_old_model(tiny_model, tmp_path, monkeypatch):
    target = shutil.copytree(tiny_model, tmp_path / "target")
    tagger = load_tagger(target)
    with torch.no_grad():
        tagger.network.classifier.bias.add_(1.0)

    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("engine.models.tagger.save_file", crash)
    with pytest.raises(OSError, match="disk full"):
        tagger.save(target)
    monkeypatch.undo()
    reloaded = load_tagger(target)
    assert torch.equal(reloaded.network.classifier.bias, load_tagger(tiny_model).network.classifier.bias)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".target")]


# Each child loads the tiny model, moves its weights and saves it over the target, killing itself
# with SIGKILL (no cleanup, no exception handlers) at the point named; the argument is "POINT\tTARGET".
# The forking process loads the model once first (on one thread), so the children's loads are quick.
KILLED_SAVE = """
import os, signal, sys
import torch
from engine import atomic
from engine.models import tagger as tagger_module

source = sys.argv[1]
torch.set_num_threads(1)
tagger_module.load_tagger(source)

def die():
    os.kill(os.getpid(), signal.SIGKILL)

def then_die(function, when=lambda *args: True):
    def wrapped(*args, **kwargs):
        result = function(*args, **kwargs)
        if when(*args):
            die()
        return result
    return wrapped

def run(argument):
    point, target = argument.split("\t")
    tagger = tagger_module.load_tagger(source)
    with torch.no_grad():
        tagger.network.classifier.bias.add_(1.0)
    if point == "weights written":
        tagger_module.save_file = then_die(tagger_module.save_file)
    elif point == "tokenizer written":
        tagger.tokenizer.save_pretrained = then_die(tagger.tokenizer.save_pretrained)
    elif point == "before the swap":
        atomic._exchange = lambda first, second: die()
    elif point == "between two renames":
        atomic._exchange = lambda first, second: False
        os.replace = then_die(os.replace, when=lambda source, destination: ".retired-" in str(destination))
    elif point == "after the swap":
        atomic.shutil.rmtree = lambda *args, **kwargs: die()
    tagger.save(target)
"""


@pytest.fixture(scope="module")
def killed_saver(tiny_model):
    with Forker(KILLED_SAVE, str(tiny_model)) as forker:
        yield forker


@pytest.mark.parametrize(
    ("point", "expected"),
    [
        ("weights written", "old"),
        ("tokenizer written", "old"),
        ("before the swap", "old"),
        ("between two renames", "old"),
        ("after the swap", "new"),
    ],
)
def test_a_save_killed_at_any_point_leaves_a_loadable_model_and_the_next_save_works(
    tiny_model, tmp_path, killed_saver, point, expected
):
    import signal

    old = load_tagger(tiny_model)
    new = load_tagger(tiny_model)
    with torch.no_grad():
        new.network.classifier.bias.add_(1.0)
    new.save(tmp_path / "expected" / "model")
    fingerprints = {"old": old.fingerprint, "new": new.fingerprint}
    models = tmp_path / "models"
    target = shutil.copytree(tiny_model, models / "model")

    ended = killed_saver.run(f"{point}\t{target}")
    assert ended == -signal.SIGKILL, f"the save was not killed at {point!r}: {killed_saver.errors()}"
    assert load_tagger(target).fingerprint == fingerprints[expected]
    new.save(target)
    assert load_tagger(target).fingerprint == fingerprints["new"]
    assert os.listdir(models) == ["model"], "the next save removed what the killed one left"


def test_saving_over_an_existing_model_replaces_it(tiny_model, tmp_path):
    target = shutil.copytree(tiny_model, tmp_path / "m")
    (target / "stale.txt").write_text("old")
    load_tagger(tiny_model).save(target)
    assert not (target / "stale.txt").exists() and load_tagger(target)
    assert os.listdir(tmp_path) == ["m"]


def test_the_fingerprint_names_exactly_these_weights(tiny_model, tmp_path):
    first, second = load_tagger(tiny_model), load_tagger(tiny_model)
    assert len(first.fingerprint) == 64 and first.fingerprint == second.fingerprint
    with torch.no_grad():
        first.network.classifier.bias.add_(0.5)
    first.save(tmp_path / "retrained")
    assert first.fingerprint != second.fingerprint
    assert load_tagger(tmp_path / "retrained").fingerprint == first.fingerprint


def test_info_describes_the_saved_model(tiny_model):
    info = load_tagger(tiny_model).info()
    assert (info.name, info.kind, info.crf) == (tiny_model.name, "transformer-crf", True)
    assert info.folder == str(tiny_model.resolve()) and info.parameters > 0
    assert info.training["epochs"] == 4 and len(info.training["data_fingerprint"]) == 64


def test_a_tagger_never_saved_has_no_info(tiny_model):
    from engine.models.tagger import NeuralTagger

    loaded = load_tagger(tiny_model)
    fresh = NeuralTagger(loaded.config, loaded.network, loaded.tokenizer)
    with pytest.raises(ValueError, match="has not been saved or loaded"):
        fresh.info()
