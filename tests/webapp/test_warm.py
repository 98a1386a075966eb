"""The app's model pool: one load per model however many sessions ask at once, loads in the
background at start, failures reported to every waiter and retried, least recently used evicted."""

import threading
import time

from webapp.application.warm import WARM_NOTE, ModelPool


class FakePipeline:
    def __init__(self, folder, precision="fp32"):
        self.folder = folder
        self.precision = precision
        self.notes = []

    def predict(self, texts):
        self.notes.extend(texts)
        return [[] for _ in texts]


def slow_loader(calls, delay=0.2):
    def load(folder, precision):
        calls.append(folder)
        time.sleep(delay)
        return FakePipeline(folder, precision)

    return load


def test_sessions_asking_at_once_share_one_load(tmp_path):
    calls = []
    pool = ModelPool(loader=slow_loader(calls))
    results = []
    threads = [threading.Thread(target=lambda: results.append(pool.get(tmp_path, "abc"))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert calls == [str(tmp_path.resolve())]
    assert len({id(result) for result in results}) == 1
    assert pool.ready(tmp_path, "abc") and not pool.ready(tmp_path, "other fingerprint")


def test_a_failed_load_reaches_every_waiter_and_the_next_call_tries_again(tmp_path):
    attempts = []

    def flaky(folder, precision):
        attempts.append(folder)
        time.sleep(0.1)
        if len(attempts) == 1:
            raise ValueError("not a model folder")
        return FakePipeline(folder, precision)

    pool = ModelPool(loader=flaky)
    errors = []

    def ask():
        try:
            pool.get(tmp_path, "f")
        except ValueError as error:
            errors.append(str(error))

    threads = [threading.Thread(target=ask) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == ["not a model folder"] * 3 and len(attempts) == 1
    assert isinstance(pool.get(tmp_path, "f"), FakePipeline) and len(attempts) == 2


def test_the_least_recently_used_model_goes_first(tmp_path):
    pool = ModelPool(capacity=2, loader=FakePipeline)
    folders = [tmp_path / name for name in "abc"]
    pool.get(folders[0], "1")
    pool.get(folders[1], "1")
    pool.get(folders[0], "1")  # a is used again: b is now the oldest
    pool.get(folders[2], "1")
    assert pool.loaded() == [str(folders[0].resolve()), str(folders[2].resolve())]


def test_warming_loads_and_runs_each_model_once_in_the_background(tiny_model):
    calls = []
    pool = ModelPool(loader=slow_loader(calls, delay=0.05))
    thread = pool.warm([tiny_model])
    assert pool.warm([tiny_model, tiny_model]) is thread, "warming starts once per pool"
    thread.join(timeout=30)
    assert not thread.is_alive() and calls == [str(tiny_model.resolve())]
    from engine.models.base import folder_fingerprint

    loaded = pool.get(tiny_model, folder_fingerprint(tiny_model))
    assert loaded.notes == [WARM_NOTE]


def test_a_broken_folder_does_not_stop_the_others_from_warming(tiny_model, tmp_path):
    pool = ModelPool(loader=FakePipeline)
    broken = tmp_path / "broken"
    broken.mkdir()
    pool.warm([broken, tiny_model]).join(timeout=30)
    assert pool.loaded() == [str(tiny_model.resolve())]


def test_a_model_asked_for_at_another_precision_is_another_pipeline(tmp_path, monkeypatch):
    pool = ModelPool(loader=FakePipeline)
    monkeypatch.delenv("MEDNER_PRECISION", raising=False)
    default = pool.get(tmp_path, "f")
    assert default.precision == "fp32" and pool.get(tmp_path, "f", "fp32") is default
    monkeypatch.setenv("MEDNER_PRECISION", "bf16")
    assert not pool.ready(tmp_path, "f"), "the environment now asks for bf16: not loaded yet"
    other = pool.get(tmp_path, "f")
    assert other.precision == "bf16" and other is not default


def test_the_real_loader_gives_a_pipeline_that_annotates(tiny_model):
    from engine.inference.pipeline import Pipeline
    from engine.models.base import folder_fingerprint

    pool = ModelPool()
    pipeline = pool.get(tiny_model, folder_fingerprint(tiny_model))
    assert isinstance(pipeline, Pipeline) and len(pipeline.predict([WARM_NOTE])) == 1


def test_encoders_with_a_crf_load_first(tmp_path):
    import json

    from webapp.application.models import warm_order

    for name, kind in (("a-scratch", "transformer-crf"), ("b-minilm", "encoder-crf"), ("c-plain", "encoder")):
        (tmp_path / name).mkdir()
        (tmp_path / name / "config.json").write_text(json.dumps({"kind": kind}))
    (tmp_path / "d-broken").mkdir()
    (tmp_path / "d-broken" / "config.json").write_text("{not json")
    order = warm_order(sorted(tmp_path.iterdir()))
    assert [folder.name for folder in order] == ["b-minilm", "a-scratch", "c-plain", "d-broken"]


def test_first_ready_is_set_even_when_no_model_loads(tmp_path):
    pool = ModelPool(loader=FakePipeline)
    (tmp_path / "broken").mkdir()
    pool.warm([tmp_path / "broken"])
    assert pool.first_ready.wait(timeout=30)
