import json

import pytest
import torch

from engine.data.corpus import load_corpus
from engine.inference.pipeline import Pipeline
from engine.models.base import TrainingSettings
from engine.models.kinds import KINDS
from engine.models.tagger import load_tagger
from engine.research.experiments import evaluate_model
from engine.training.loop import Progress, train
from engine.training.settings import Recipe


@pytest.mark.parametrize(
    ("kind", "settings", "size"),
    [
        ("transformer-crf", TrainingSettings(epochs=4, learning_rate=2e-3, batch_size=8, sambd=True), "tiny"),
        ("transformer", TrainingSettings(epochs=4, learning_rate=2e-3, batch_size=8, sambd=True), "tiny"),
        ("encoder-crf", TrainingSettings(epochs=2, learning_rate=2e-4, batch_size=8, sambd=True), "small"),
        ("encoder", TrainingSettings(epochs=2, learning_rate=2e-4, batch_size=8, sambd=True), "small"),
    ],
)
def test_each_kind_learns(kind, settings, size, tiny_corpus, shallow_encoder, tmp_path):
    events: list[Progress] = []
    encoder = None if KINDS[kind].scratch else shallow_encoder  # pretrained, two layers deep
    recipe = Recipe(KINDS[kind], settings, encoder=encoder, size=size)
    result = train(recipe, tiny_corpus, tmp_path / kind, on_progress=events.append)
    steps = [e for e in events if e.event == "step"]
    epochs = [e for e in events if e.event == "epoch"]
    assert len(epochs) == result.epochs_run >= 2
    first, last = steps[: len(steps) // 4], steps[-len(steps) // 4 :]
    assert sum(e.loss for e in last) / len(last) < 0.7 * sum(e.loss for e in first) / len(first)
    score = evaluate_model(Pipeline(load_tagger(tmp_path / kind)), load_corpus(tiny_corpus).documents("test"))
    assert score.report.micro()["f1"] > 0.3  # predicting nothing (all O) scores 0
    assert result.sampling["sentences"]["after"] < result.sampling["sentences"]["before"]


def test_same_seed_same_model(tiny_corpus, tmp_path):
    settings = TrainingSettings(epochs=1, learning_rate=2e-3, batch_size=8, seed=5, sambd=True)
    train(Recipe(KINDS["transformer-crf"], settings, size="tiny"), tiny_corpus, tmp_path / "a")
    train(Recipe(KINDS["transformer-crf"], settings, size="tiny"), tiny_corpus, tmp_path / "b")
    assert (tmp_path / "a" / "model.safetensors").read_bytes() == (tmp_path / "b" / "model.safetensors").read_bytes()


def test_early_stopping_stops_when_dev_stops_improving(tiny_corpus, tmp_path):
    # A learning rate of zero never improves on the first epoch's dev score.
    settings = TrainingSettings(epochs=6, learning_rate=0.0, crf_learning_rate=0.0, patience=2, batch_size=16)
    result = train(Recipe(KINDS["transformer-crf"], settings, size="tiny"), tiny_corpus, tmp_path / "m")
    assert result.epochs_run == 3 and result.best_epoch == 1


def test_a_gazetteer_model_trains_saves_and_loads_with_its_feature(tiny_corpus, tmp_path):
    from engine.training.data import training_drugs

    settings = TrainingSettings(epochs=1, learning_rate=2e-3, batch_size=8, seed=2)
    result = train(Recipe(KINDS["transformer-crf"], settings, size="tiny", gazetteer=True), tiny_corpus, tmp_path / "g")
    tagger = load_tagger(result.folder)
    assert tagger.config.gazetteer is True and tagger.network.gazetteer is not None
    # the drug names of the training split are saved beside the weights
    corpus = load_corpus(tiny_corpus)
    assert tagger.training_drugs == training_drugs(corpus.sentences(corpus.documents("train")))
    assert len(tagger.training_drugs) > 10
    notes = [d.text for d in corpus.documents("test")]
    predicted = Pipeline(tagger).predict(notes)
    assert Pipeline(load_tagger(result.folder)).predict(notes) == predicted
    # the feature is read: hiding every dictionary match changes the emission scores
    from engine.data.tokenize import sentences
    from engine.inference.prepare import prepare

    split = [s for d in corpus.documents("test") for s in sentences(d.text)]
    batches = prepare(tagger, split, pack=False).batches
    tensors = max(batches, key=lambda batch: int(batch.tensors["gazetteer"].gt(0).sum())).tensors
    inputs = (tensors["input_ids"], tensors["attention_mask"], tensors["word_index"])
    with torch.inference_mode():
        scores = tagger.network.emissions(*inputs, tensors["gazetteer"])
        blind = tagger.network.emissions(*inputs, torch.zeros_like(tensors["gazetteer"]))
        assert tensors["gazetteer"].gt(0).any() and not torch.equal(scores, blind)
        with pytest.raises(ValueError, match="reads gazetteer tags"):
            tagger.network.emissions(*inputs)


def test_a_model_reading_the_medicines_lexicon_saves_it_and_old_configs_read_the_drug_dictionary(tiny_corpus, tmp_path):

    from engine.models.base import ModelConfig, ModelFolderError

    settings = TrainingSettings(epochs=1, learning_rate=2e-3, batch_size=8, seed=2)
    plan = Recipe(KINDS["transformer-crf"], settings, size="tiny", gazetteer=True, lexicon="medicines")
    result = train(plan, tiny_corpus, tmp_path / "m")
    tagger = load_tagger(result.folder)
    assert tagger.config.lexicon == "medicines" and tagger.network.gazetteer.num_embeddings == 5
    assert "gazetteer (medicines)" in plan.describe()
    notes = [d.text for d in load_corpus(tiny_corpus).documents("test")]
    assert Pipeline(load_tagger(result.folder)).predict(notes) == Pipeline(tagger).predict(notes)
    old = {k: v for k, v in tagger.config.to_dict().items() if k != "lexicon"}
    assert ModelConfig.from_dict(old).lexicon == "drugbank"  # saved before there was a choice
    config = json.loads((result.folder / "config.json").read_text())
    (result.folder / "config.json").write_text(json.dumps({**config, "lexicon": "snomed"}))
    with pytest.raises(ModelFolderError, match="unknown lexicon 'snomed'"):
        load_tagger(result.folder)
    with pytest.raises(ValueError, match="unknown lexicon 'snomed'"):
        train(
            Recipe(KINDS["transformer-crf"], settings, size="tiny", gazetteer=True, lexicon="snomed"),
            tiny_corpus,
            tmp_path / "x",
        )
