import json

from engine.models.tagger import load_tagger
from engine.research import bootstrap as bootstrap_module
from engine.training.loop import Progress

TINY_OPTIONS = {"epochs": 1, "learning_rate": 2e-3, "batch_size": 8, "sambd": True}
TINY = (("tiny-tcrf", "transformer-crf", dict(TINY_OPTIONS)),)


def test_bootstrap_generates_trains_evaluates_and_then_leaves_things_alone(tmp_path, monkeypatch):
    monkeypatch.setattr(bootstrap_module, "DEMO_MODELS", TINY)
    events: list[Progress] = []
    data, models = tmp_path / "demo", tmp_path / "models"
    real_generate = bootstrap_module.generate_corpus
    monkeypatch.setattr(
        bootstrap_module,
        "generate_corpus",
        lambda out, seed: real_generate(out, seed=seed, sizes={"train": 4, "dev": 1, "test": 2}),
    )
    lines = list(bootstrap_module.bootstrap(data, models, seed=4, on_progress=events.append))
    assert lines[0] == f"generated the demo corpus in {data}"
    assert "test strict macro F1" in lines[-1]
    assert load_tagger(models / "tiny-tcrf").config.training.seed == 4
    metrics = json.loads((models / "tiny-tcrf" / "metrics.json").read_text())
    assert metrics["split"] == "test" and metrics["documents"] == 2 and "macro_f1" in metrics
    assert [e.event for e in events].count("epoch") == 1
    assert TINY[0][2] == TINY_OPTIONS  # the shared settings were not changed
    again = list(bootstrap_module.bootstrap(data, models, seed=4))
    assert again == [f"{models / 'tiny-tcrf'}: already trained"]


def test_bootstrap_retrains_a_folder_that_is_not_a_model(tmp_path, monkeypatch, tiny_corpus):
    monkeypatch.setattr(bootstrap_module, "DEMO_MODELS", TINY)
    broken = tmp_path / "models" / "tiny-tcrf"
    broken.mkdir(parents=True)
    (broken / "config.json").write_text("{}")
    lines = list(bootstrap_module.bootstrap(tiny_corpus, tmp_path / "models"))
    assert lines[0].endswith("training transformer-crf on " + str(tiny_corpus))
    assert load_tagger(broken).config.kind == "transformer-crf"


def test_bootstrap_full_trains_the_longer_recipe_beside_the_demo_models(tmp_path, monkeypatch, tiny_corpus):
    monkeypatch.setattr(bootstrap_module, "DEMO_MODELS", TINY)
    monkeypatch.setattr(bootstrap_module, "FULL_MODELS", (("tiny-full", "transformer-crf", dict(TINY_OPTIONS)),))
    lines = list(bootstrap_module.bootstrap(tiny_corpus, tmp_path / "models", full=True))
    assert lines[0].endswith("training transformer-crf on " + str(tiny_corpus)) and "tiny-full" in lines[0]
    assert load_tagger(tmp_path / "models" / "tiny-full").config.kind == "transformer-crf"
    assert not (tmp_path / "models" / "tiny-tcrf").exists()  # the demo models are another command's


def test_the_full_recipe_reads_more_real_text_than_the_demo_recipe():
    ((_, _, full),) = bootstrap_module.FULL_MODELS
    demo = bootstrap_module.DEMO_MODELS[1][2]
    assert full["note_sentences"] > demo["note_sentences"] and full["open_sentences"] > demo["open_sentences"]
    assert full["epochs"] > demo["epochs"] and full["gazetteer"] and bootstrap_module.DEMO_MODELS[1][0] == "encoder-crf"
