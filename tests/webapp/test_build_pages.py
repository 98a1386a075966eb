"""Gold editing, Train (a real job in its own process), navigation and the first run."""

import io
import json
import time
import zipfile

import pytest

from db.repository import Store
from tests.webapp.conftest import PAGES, page, shown


@pytest.fixture
def store(app_env):
    opened = Store.open(app_env["DATABASE_URL"])
    yield opened
    opened.close()


def _click(app, label):
    next(b for b in app.button if b.label == label).click().run()
    assert not app.exception, app.exception
    return app


def _gold_page(document_id):
    app = page("gold").run()
    app.selectbox(key="gold-split").set_value("test").run()
    app.selectbox(key="gold-document").set_value(document_id).run()
    return app


def test_gold_editing_remove_relabel_add_reject_and_save_with_history(app_env, store):
    document_id = store.documents("demo", "test")[0].id
    gold = store.document("demo", document_id)
    app = _gold_page(document_id)
    assert not app.exception
    first, second = sorted(gold.spans)[:2]

    target = app.selectbox(key="gold-target")
    target.set_value(next(o for o in target.options if o.startswith("#0 "))).run()
    _click(app, "Remove")
    assert "1 gold spans left out" in app.caption[0].value

    target = app.selectbox(key="gold-target")
    target.set_value(next(o for o in target.options if o.startswith("#0 "))).run()
    new_label = "ADE" if second.label != "ADE" else "Reason"
    app.selectbox(key="gold-new-label").set_value(new_label).run()
    _click(app, "Relabel")

    change = next(o for o in app.multiselect(key="gold-reject").options if o.startswith("drop "))
    app.multiselect(key="gold-reject").set_value([change]).run()
    _click(app, "Reject selected changes")
    assert "0 gold spans left out" in app.caption[0].value or "1 gold spans left out" in app.caption[0].value

    word = next(w for w in gold.text.split() if w.isalpha() and len(w) > 3 and not any(w in s.text for s in gold.spans))
    app.text_input(key="gold-phrase").set_value(word).run()
    app.selectbox(key="gold-add-label").set_value("Drug").run()
    _click(app, "Add span")

    _click(app, "Save gold revision")
    assert "say who is saving" in app.error[0].value
    app.text_input(key="gold-author").set_value("reviewer").run()
    _click(app, "Save gold revision")
    assert shown(app.success[0].value) == f"Saved revision 2 of {document_id}."
    saved = store.document("demo", document_id)
    history = store.gold_history("demo", document_id)
    assert [r.number for r in history][:2] == [2, 1] and history[0].author == "reviewer"
    # the page timed the edits from the first look at the draft to the save (a dozen reruns)
    assert history[0].seconds is not None and 0 < history[0].seconds < 600 and history[1].seconds is None
    times = next(d.value for d in app.dataframe if "median per revision (s)" in d.value.columns)
    mine = times[times["annotator"] == "reviewer"]  # other tests' annotators may be timed in this corpus too
    assert len(mine) == 1 and mine.iloc[0]["documents"] == 1
    assert any(s.text == word and s.label == "Drug" for s in saved.spans)
    assert any(s.start == second.start and s.label == new_label for s in saved.spans)
    assert first in saved.spans, "the rejected removal put the first span back"
    _click(app, "Export demo as BRAT (current gold of every document)")
    labels = [b.label for b in app.get("download_button")]
    assert "Download demo-brat.zip" in labels and "Download the time of each revision (CSV)" in labels
    corpus, data = app.session_state["gold-export"]
    archive = zipfile.ZipFile(io.BytesIO(data))
    documents = sum(next(c for c in store.corpora() if c.name == "demo").documents.values())
    assert corpus == "demo" and len(archive.namelist()) == 2 * documents
    assert f"{word}" in archive.read(f"test/{document_id}.ann").decode()


def test_gold_editing_from_a_model_and_a_conflicting_save(app_env, store):
    document_id = store.documents("demo", "test")[1].id
    app = _gold_page(document_id)
    source = app.selectbox(key="gold-source")
    source.set_value(next(o for o in source.options if o.startswith("tiny-tcrf"))).run()
    _click(app, "Load")
    assert "draft from tiny-tcrf" in shown(app.caption[0].value)
    current = store.gold_history("demo", document_id)[0]
    store.save_gold("demo", document_id, current.spans, current.relations, by="someone else")
    app.text_input(key="gold-author").set_value("reviewer").run()
    _click(app, "Save gold revision")
    assert "was saved after revision" in app.error[0].value
    assert store.gold_history("demo", document_id)[0].author == "someone else", "nothing overwritten"


def test_gold_editing_moves_to_the_next_unsaved_note_and_adds_a_phrase_as_whole_words(app_env, store):
    first, second, third = [d.id for d in store.documents("demo", "test")[-3:]]
    app = _gold_page(first)
    app.text_input(key="gold-author").set_value("next-tester").run()
    assert any("not saved by you yet" in c.value and "you have saved 0 of" in c.value for c in app.caption)
    _click(app, "Next note not saved by you")
    assert app.selectbox(key="gold-document").value == second
    gold = store.document("demo", second)
    word = next(w for w in gold.text.split() if w.isalpha() and len(w) > 4 and not any(w in s.text for s in gold.spans))
    app.text_input(key="gold-phrase").set_value(f"  {word.upper()} ").run()  # any case, stray spaces
    app.selectbox(key="gold-add-label").set_value("Drug").run()
    _click(app, "Add span")
    _click(app, "Save gold revision")
    saved = store.gold_history("demo", second)[0]
    assert saved.author == "next-tester" and any(s.text == word and s.label == "Drug" for s in saved.spans)
    assert any("✓ you have saved a revision of this note" in c.value for c in app.caption)
    _click(app, "Next note not saved by you")
    assert app.selectbox(key="gold-document").value == third


def test_a_disagreement_is_decided_from_the_agreement_view_into_the_note_s_draft(app_env, store):
    document = store.documents("demo", "train")[0]
    dropped = sorted(document.spans)[0]
    store.save_gold("demo", document.id, [s for s in document.spans if s != dropped], by="ann-one")
    store.save_gold("demo", document.id, document.spans, by="ann-two")  # the current gold has the span
    app = page("gold").run()
    app.selectbox(key="gold-split").set_value("train").run()
    app.selectbox(key="agree-a").set_value("ann-one").run()
    app.selectbox(key="agree-b").set_value("ann-two").run()
    rows = next(d.value for d in app.dataframe if "ann-one" in d.value.columns)
    row = next(i for i, r in enumerate(rows.itertuples()) if r.document == document.id)
    app.number_input(key="agree-row").set_value(row).run()
    app.button(key="agree-take-first").click().run()
    assert not app.exception, app.exception
    assert app.selectbox(key="gold-document").value == document.id, "the note opens above"
    assert any(f"Taken into the draft of {document.id}" in shown(m.value) for m in app.success)
    app.text_input(key="gold-author").set_value("judge").run()
    _click(app, "Save gold revision")
    saved = store.gold_history("demo", document.id)[0]
    assert saved.author == "judge" and dropped not in saved.spans and len(saved.spans) == len(document.spans) - 1


def test_the_notes_where_two_annotators_agree_are_confirmed_in_one_press(app_env, store):
    same, also_same, different = store.documents("demo", "train")[1:4]
    for document in (same, also_same, different):
        store.save_gold("demo", document.id, document.spans, by="pass-x")
        spans = document.spans if document is not different else sorted(document.spans)[1:]
        store.save_gold("demo", document.id, spans, by="pass-y")
    app = page("gold").run()
    # the two who saved last are offered first, whoever imported the corpus
    assert {app.selectbox(key="agree-a").value, app.selectbox(key="agree-b").value} == {"pass-x", "pass-y"}
    app.selectbox(key="agree-a").set_value("pass-x").run()
    app.selectbox(key="agree-b").set_value("pass-y").run()
    assert app.button(key="agree-confirm").disabled, "a name is needed first"
    app.text_input(key="gold-author").set_value("confirmer").run()
    assert app.button(key="agree-confirm").label == "Confirm the 2 notes where the two agree as your revision"
    app.button(key="agree-confirm").click().run()
    assert not app.exception, app.exception
    assert any("Saved 2 agreed notes as revisions by confirmer" in shown(m.value) for m in app.success)
    for document in (same, also_same):
        latest = store.gold_history("demo", document.id)[0]
        assert latest.author == "confirmer" and set(latest.spans) == set(document.spans)
    assert store.gold_history("demo", different.id)[0].author == "pass-y", "a note they disagree on is left"
    assert not any(b.key == "agree-confirm" for b in app.button), "nothing left to confirm"


def test_train_page_runs_a_job_in_its_own_process_and_the_model_appears(app_env, store, tmp_path, monkeypatch):
    monkeypatch.setenv("MEDNER_MODELS", str(tmp_path / "models"))  # the other tests keep their two models
    app = page("train").run()
    assert not app.exception
    app.selectbox(key="train-kind").set_value("transformer-crf").run()
    app.text_input[0].set_value("trained-in-app")
    app.selectbox[2].set_value("tiny")
    app.number_input[0].set_value(1)
    app.number_input[1].set_value(0.002)
    app.checkbox[0].uncheck()
    app.checkbox(key="train-real").uncheck()
    app.checkbox(key="train-gazetteer").check()
    app.selectbox(key="train-lexicon").set_value("medicines")
    next(b for b in app.button if b.label == "Start training").click().run()
    assert not app.exception, app.exception
    assert "Started job" in app.success[0].value
    job_id = int(app.success[0].value.split("#")[1].rstrip("."))
    deadline = time.monotonic() + 240
    while not store.job(job_id).finished and time.monotonic() < deadline:
        time.sleep(1)
    job = store.job(job_id)
    assert job.status == "succeeded", job.log + job.error
    assert any(e.event == "epoch" for e in job.events) and "dev macro F1" in job.log
    folder = tmp_path / "models" / "trained-in-app"
    assert (folder / "model.safetensors").exists()
    config = json.loads((folder / "config.json").read_text())
    assert config["gazetteer"] is True and config["lexicon"] == "medicines"
    assert job.settings["open_corpora"] == [] and job.settings["note_sentences"] == 0
    model = store.model(job.model)
    assert {e.split for e in store.evaluations(models=[model.fingerprint])} == {"dev", "test"}

    again = page("train").run()  # a fresh session: what a browser reload sees
    jobs = again.dataframe[0].value
    assert jobs.iloc[0]["job"] == job_id and jobs.iloc[0]["status"] == "succeeded"
    assert again.selectbox[-1].value == job_id
    assert "Done." in again.success[0].value
    again.text_input[0].set_value("trained-in-app")
    next(b for b in again.button if b.label == "Start training").click().run()
    assert "already exists" in again.error[0].value


def test_app_navigates_between_pages(app_env):
    from streamlit.testing.v1 import AppTest

    app = AppTest.from_file(str(PAGES.parent / "app.py"), default_timeout=120).run()
    assert not app.exception
    assert app.title[0].value == "Annotate a note"
    app.switch_page("views/compare.py").run()
    assert app.title[0].value == "Compare models"


def test_first_run_without_models_offers_the_demo_training(app_env, tmp_path, monkeypatch):
    from webapp import services

    monkeypatch.setenv("MEDNER_MODELS", str(tmp_path / "no-models"))
    started = []

    def fake_start(kind, settings, output):
        started.append((kind, settings))
        return services.store().create_job(kind, settings, output)

    monkeypatch.setattr(services, "start_job", fake_start)
    app = page("annotate").run()
    assert "No trained models yet" in app.info[0].value
    _click(app, "Train the demo models")
    assert started and started[0][0] == "bootstrap"
    assert started[0][1]["models"] == str(tmp_path / "no-models")
    assert "bootstrap" in app.get("progress")[0].proto.text


def test_review_queue_orders_by_expected_corrections_and_counts_what_each_person_reviewed(app_env, store):
    app = page("gold").run()
    app.selectbox(key="gold-split").set_value("test").run()
    app.text_input(key="gold-author").set_value("queue-tester").run()
    app.toggle(key="gold-queue").set_value(True).run()
    assert not app.exception, app.exception
    total = len(store.documents("demo", "test"))
    assert f"Reviewed by queue-tester: **0 of {total}**" in shown(" ".join(m.value for m in app.markdown))
    queue = next(d.value for d in app.dataframe if "expected wrong spans" in d.value.columns)
    values = list(queue["expected wrong spans"])
    assert values == sorted(values, reverse=True) and len(queue) == min(10, total)
    first = queue.iloc[0]["document"]
    _click(app, "Open the next document to review")
    assert app.selectbox(key="gold-document").value == first
    _click(app, "Save gold revision")
    assert shown(app.success[0].value).startswith("Saved revision")
    assert store.reviewers("demo", "test")["queue-tester"] == {first}
    assert f"Reviewed by queue-tester: **1 of {total}**" in shown(" ".join(m.value for m in app.markdown))
    queue = next(d.value for d in app.dataframe if "expected wrong spans" in d.value.columns)
    assert first not in set(queue["document"])


def test_agreement_between_two_annotators_with_their_disagreements_in_context(app_env, store):
    from engine.notes.review import agreement

    document = store.documents("demo", "dev")[0]
    spans = sorted(document.spans)
    store.save_gold("demo", document.id, spans, by="agree-ann")
    store.save_gold("demo", document.id, spans[1:], by="agree-bob")  # bob left the first span out
    app = page("gold").run()
    app.selectbox(key="agree-a").set_value("agree-ann").run()
    app.selectbox(key="agree-b").set_value("agree-bob").run()
    assert not app.exception, app.exception
    expected = agreement(
        store.latest_by_author("demo", "agree-ann"), store.latest_by_author("demo", "agree-bob"), names=("a", "b")
    )
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Documents both saved"] == str(len(expected.documents))
    assert (
        metrics["Strict F1"] == f"{expected.strict_f1:.3f}"
        and metrics["Cohen's kappa (word tags)"] == f"{expected.kappa:.3f}"
    )
    table = next(d.value for d in app.dataframe if "kind" in d.value.columns and "agree-ann" in d.value.columns)
    assert list(table["kind"]) == ["missed"] and spans[0].text in table.iloc[0]["agree-ann"]
    assert "outline: 3px solid" in "".join(h.proto.body for h in app.html), "the disagreement is outlined"


def test_with_a_separate_job_worker_the_page_queues_the_job_and_cancels_it_through_the_store(
    app_env, store, tmp_path, monkeypatch
):
    monkeypatch.setenv("MEDNER_JOB_RUNNER", "queue")  # replicas: a `webapp.worker serve` elsewhere runs jobs
    monkeypatch.setenv("MEDNER_MODELS", str(tmp_path / "models"))
    app = page("train").run()
    app.selectbox(key="train-kind").set_value("transformer-crf").run()
    app.text_input[0].set_value("queued-in-app")
    next(b for b in app.button if b.label == "Start training").click().run()
    assert not app.exception, app.exception
    job_id = int(app.success[0].value.split("#")[1].rstrip("."))
    from webapp.application.jobs import job_log_path

    assert store.job(job_id).status == "queued"
    assert not job_log_path(store.job(job_id)).exists(), "the page started no worker process"
    _click(app, "Cancel this job")
    assert store.job(job_id).status == "cancelled"
    again = page("train").run()  # what the next look at the page shows (other tests' jobs share the store)
    again.selectbox[-1].set_value(job_id).run()
    assert any("The job was cancelled." in w.value for w in again.warning)
