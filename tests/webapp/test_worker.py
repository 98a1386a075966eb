"""The worker: store corpora as training data, model discovery, and how jobs end."""

from pathlib import Path

import pytest

from db.repository import Store
from engine.types import Document, Span
from webapp.application import jobs
from webapp.application.corpora import store_corpus
from webapp.application.jobs import cancel_job, refresh_job, run_job, serve, start_job
from webapp.application.models import register_folders


@pytest.fixture
def store(tmp_path):
    opened = Store.open(f"sqlite:///{tmp_path / 'worker.db'}")
    yield opened
    opened.close()


def test_training_data_from_the_store_is_the_latest_gold_plus_saved_notes(store):
    text = "aspirin 81 mg"
    store.import_corpus(
        "c", {"train": [Document("a", text, (Span.of(text, 0, 7, "Drug"),))], "dev": [Document("b", text)]}
    )
    store.save_gold("c", "a", [Span.of(text, 0, 7, "Drug"), Span.of(text, 8, 13, "Strength")], by="editor")
    store.save_document("c", Document("mine", text, (Span.of(text, 0, 7, "Drug"),)), by="clinician")
    corpus = store_corpus(store, "c")
    assert sorted(d.id for d in corpus.documents("train")) == ["a", "mine"]
    edited = next(d for d in corpus.documents("train") if d.id == "a")
    assert [s.label for s in edited.spans] == ["Drug", "Strength"]
    store.import_corpus("empty", {"test": [Document("t", text)]})
    with pytest.raises(ValueError, match="no train split"):
        store_corpus(store, "empty")


def test_model_discovery_registers_models_and_names_what_is_not_one(store, tiny_model, tmp_path):
    root = tmp_path / "models"
    root.mkdir()
    (root / "broken").mkdir()
    (root / "broken" / "config.json").write_text("{}", encoding="utf-8")
    (root / "tiny").symlink_to(Path(tiny_model), target_is_directory=True)
    models, problems = register_folders(store, [root])
    assert [m.name for m in models] == ["tiny"] and store.model(models[0].fingerprint).kind == "transformer-crf"
    assert len(problems) == 1 and "broken" in problems[0] and "missing" in problems[0]


def test_a_job_that_fails_is_marked_failed_with_its_traceback(store):
    job = store.create_job(
        "train", {"corpus": "nowhere", "model_kind": "transformer-crf", "epochs": 1, "learning_rate": 1e-3}, "x"
    )
    run_job(store, job.id)
    finished = store.job(job.id)
    assert finished.status == "failed" and "nowhere" in finished.error and "Traceback" in finished.log
    unknown = store.create_job("dance", {}, "")
    run_job(store, unknown.id)
    assert "unknown job kind" in store.job(unknown.id).error


def test_a_separate_worker_runs_queued_jobs_in_processes_of_their_own(store, monkeypatch, tmp_path):
    monkeypatch.setenv("MEDNER_JOB_RUNNER", "queue")  # the app on replicas: pages only queue jobs
    monkeypatch.setenv("MEDNER_JOB_LOGS", str(tmp_path / "logs"))
    unknown = start_job(store, "dance", {}, "")
    never = start_job(store, "dance", {}, "")
    assert refresh_job(store, unknown.id).status == "queued", "no process was started for it"
    cancel_job(store, store.job(never.id))
    assert store.job(never.id).status == "cancelled"
    assert serve(store, until_idle=True, poll_seconds=0.1) == 1, "the cancelled job never runs"
    finished = store.job(unknown.id)
    assert finished.status == "failed" and "unknown job kind" in finished.error, "run by python -m webapp.worker job"


def test_serve_refuses_to_run_where_pages_start_jobs_themselves(monkeypatch, capsys, tmp_path):
    from webapp.worker import main

    monkeypatch.delenv("MEDNER_JOB_RUNNER", raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'store.db'}")
    with pytest.raises(SystemExit):
        main(["serve", "--until-idle"])
    assert "MEDNER_JOB_RUNNER=queue" in capsys.readouterr().err


def test_the_separate_worker_stops_a_cancelled_job_and_fails_a_silent_death(store, monkeypatch, tmp_path):
    import subprocess
    import threading

    monkeypatch.setenv("MEDNER_JOB_RUNNER", "queue")
    commands = iter([["sleep", "60"], ["true"]])  # a job that runs on, one that dies without a word
    monkeypatch.setattr(jobs, "_spawn_worker", lambda store, job: subprocess.Popen(next(commands)))
    long, silent = start_job(store, "train", {}, ""), start_job(store, "train", {}, "")

    def cancel_once_running() -> None:
        while store.job(long.id).status != "running":
            threading.Event().wait(0.05)
        cancel_job(store, store.job(long.id))  # from a page, maybe on another machine: through the store

    canceller = threading.Thread(target=cancel_once_running)
    canceller.start()
    assert serve(store, until_idle=True, poll_seconds=0.1) == 2
    canceller.join()
    assert store.job(long.id).status == "cancelled"
    dead = store.job(silent.id)
    assert dead.status == "failed" and "ended without reporting" in dead.error


def test_progress_of_two_trainings_in_one_job_moves_forward_only(store):
    from engine.training.loop import Progress
    from webapp.application.jobs import _Reporter

    job = store.create_job("bootstrap", {}, "")
    reporter = _Reporter(store, job.id, share=(0.0, 0.9), trainings=2)
    seen = []
    for _ in range(2):  # two trainings of 2 epochs x 2 steps
        for epoch in (1, 2):
            for step in (1, 2):
                reporter(Progress("step", epoch, 2, step, 2, loss=1.0))
                seen.append(store.job(job.id).progress)
            reporter(Progress("epoch", epoch, 2, 2, 2, loss=1.0, dev_macro_f1=0.5))
    assert seen == sorted(seen), "the bar never goes back"
    assert seen[-1] == pytest.approx(0.9) and seen[len(seen) // 2 - 1] == pytest.approx(0.45)
    assert store.job(job.id).log.count("dev macro F1 0.5000") == 4


def test_an_open_corpus_is_imported_with_its_coverage_and_scored_where_it_annotates(store, tiny_model):
    from engine.data.open import open_corpus
    from webapp.application.corpora import corpus_coverage, import_open_corpora
    from webapp.application.sync import sync

    sync(store, Path("absent"), tiny_model.parent, log=lambda line: None, open_corpora=("neurotrialner",))
    coverage = corpus_coverage(store, "real-neurotrialner")
    assert coverage == open_corpus("neurotrialner").load().coverage and not coverage.complete
    assert store_corpus(store, "real-neurotrialner").coverage == coverage
    evaluations = store.evaluations(corpus="real-neurotrialner")
    assert {e.split for e in evaluations} == {"test"}
    assert set(evaluations[0].metrics["per_label"]) <= {"Drug"}
    assert "absent_from_dictionary" in evaluations[0].metrics["drug_subsets"]
    lines: list[str] = []
    import_open_corpora(store, ["neurotrialner"], lines.append)
    assert lines == [], "an imported corpus is not imported again"
    assert corpus_coverage(store, "nowhere").complete
