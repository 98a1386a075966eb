"""Compare, Confusion, Error analysis and Corpus pages, on the two evaluated tiny models."""

import json

import pytest

from db.repository import NotFound, Store
from engine.types import Document, Span
from tests.webapp.conftest import page, shown


@pytest.fixture
def store(app_env):
    opened = Store.open(app_env["DATABASE_URL"])
    yield opened
    opened.close()


def _figure(app, index=0) -> dict:
    return json.loads(app.get("plotly_chart")[index].proto.spec)


def _texts(app) -> str:
    return " ".join(m.value for m in app.markdown)


def test_compare_shows_scores_per_model_and_split_and_the_crf_pair(app_env, store):
    app = page("compare").run()
    assert not app.exception
    table = app.dataframe[1].value
    assert set(table["model"]) == {"tiny-t", "tiny-tcrf"} and set(table["split"]) == {"dev", "test"}
    stored = {(e.model, e.split): e for e in store.evaluations(corpus="demo")}
    models = {m.name: m for m in store.models()}
    row = table[(table["model"] == "tiny-tcrf") & (table["split"] == "test")].iloc[0]
    assert row["macro F1"] == round(stored[(models["tiny-tcrf"].fingerprint, "test")].macro_f1, 4)
    bars = _figure(app)
    assert sorted(trace["name"] for trace in bars["data"]) == ["tiny-t", "tiny-tcrf"]
    crf = app.dataframe[2].value
    assert list(crf["with CRF"]) == ["tiny-tcrf"] and list(crf["without CRF"]) == ["tiny-t"]
    assert "No two models here differ only in SamBD." in _texts(app)
    assert not [b for b in app.button if b.label.startswith("Evaluate")], "everything is evaluated already"


def test_compare_shows_each_model_on_real_text_beside_the_demo_split(app_env, store):
    app = page("compare").run()
    assert not app.exception
    real = app.dataframe[0].value
    assert set(real["model"]) == {"tiny-t", "tiny-tcrf"}
    models = {m.name: m for m in store.models()}
    scored = {e.model: e for e in store.evaluations(corpus="real-neurotrialner", split="test")}
    demo = {e.model: e for e in store.evaluations(corpus="demo", split="test")}
    row = real[real["model"] == "tiny-tcrf"].iloc[0]
    fingerprint = models["tiny-tcrf"].fingerprint
    assert row["neurotrialner micro F1"] == round(scored[fingerprint].micro_f1, 3)
    assert row["demo micro F1"] == round(demo[fingerprint].micro_f1, 3)
    # NeuroTrialNER annotates drugs only: nothing else was scored there
    assert set(scored[fingerprint].metrics["per_label"]) <= {"Drug"}
    assert "Real text" in [h.value for h in app.subheader]


def test_confusion_heatmaps_match_the_stored_matrices(app_env, store):
    app = page("confusion").run()
    assert not app.exception
    choice = app.selectbox(key="confusion-model")
    assert choice.value.endswith("test")
    name = choice.value.split(" · ")[0]
    model = next(m for m in store.models() if m.name == name)
    record = next(e for e in store.evaluations(corpus="demo", split="test") if e.model == model.fingerprint)
    spans = _figure(app, 0)["data"][0]
    assert spans["z"] == record.metrics["span_confusion"]["matrix"]
    assert spans["x"][-1] == "none"
    tags = _figure(app, 1)["data"][0]
    assert "O" not in tags["x"]
    app.checkbox[0].uncheck().run()
    assert "O" in _figure(app, 1)["data"][0]["x"]


def test_error_analysis_filters_shows_context_and_compares_two_models(app_env, store):
    app = page("errors").run()
    assert not app.exception
    run_name = app.selectbox(key="errors-model").value
    name = run_name.split(" · ")[0]
    model = next(m for m in store.models() if m.name == name)
    record = next(e for e in store.evaluations(corpus="demo", split="test") if e.model == model.fingerprint)
    errors = store.evaluation_errors(record.id)
    assert len(app.dataframe[0].value) == len(errors)
    app.multiselect[1].set_value(["missed"]).run()
    table = app.dataframe[0].value
    assert set(table["kind"]) <= {"missed"} and len(table) == sum(e.kind == "missed" for e in errors)
    if len(table):
        assert "outline: 3px solid" in "".join(h.proto.body for h in app.html), "the chosen error is outlined"
    app.multiselect[1].set_value([]).run()
    other = app.selectbox(key="errors-other")
    other.set_value(next(o for o in other.options if not o.startswith(name + " "))).run()
    summary = next(m.value for m in app.markdown if "(fixed)" in m.value)
    fixed, broken, both = (int(n) for n in __import__("re").findall(r"\*\*(\d+)\*\*", summary))
    assert fixed + both == len(errors)
    assert len(app.dataframe[1].value) == fixed and len(app.dataframe[2].value) == broken


def test_corpus_page_browses_documents_and_shows_sambd(app_env, store):
    app = page("corpus").run()
    assert not app.exception
    app.selectbox(key="browse-split").set_value("test").run()
    document = store.document("demo", app.selectbox(key="browse-document").value)
    body = "".join(h.proto.body for h in app.html)
    assert body.count('class="medner-entity"') == len(document.spans)
    assert [m.label for m in app.metric] == ["Training sentences", "Sentences with no entity", "Share with no entity"]
    share = _figure(app, 0)
    assert [t["name"] for t in share["data"]] == ["before SamBD", "after SamBD"]
    before, after = (dict(zip(t["x"], t["y"], strict=True)) for t in share["data"])
    assert after["O"] < before["O"], "SamBD lowers the share of O words"


def test_corpus_import_names_a_bad_folder_and_imports_a_good_one(app_env, store, tmp_path):
    app = page("corpus").run()
    app.text_input[0].set_value(str(tmp_path / "nowhere"))
    next(b for b in app.button if b.label == "Import").click().run()
    assert "nowhere" in app.error[0].value
    app.text_input[0].set_value(app_env["MEDNER_DEMO_DATA"])
    app.text_input[1].set_value("copy")
    next(b for b in app.button if b.label == "Import").click().run()
    assert "Imported 13 new documents into copy" in shown(app.success[0].value)
    assert "copy" in {c.name for c in store.corpora()}


def test_corpus_import_reports_bad_files_by_name_and_line_and_a_malformed_one_imports_nothing(app_env, store, tmp_path):
    note = "Aspirin 81 mg daily.\r\n"
    good = tmp_path / "good"
    good.mkdir()
    (good / "a.txt").write_bytes(note.encode())
    (good / "a.ann").write_text("T1\tDrug 0 7\tAspirin\nT2\tDose 8 13\t81 mg\n", encoding="utf-8")
    (good / "lost.ann").write_text("T1\tDrug 0 7\tAspirin\n", encoding="utf-8")
    app = page("corpus").run()
    app.text_input[0].set_value(str(good))
    app.text_input[1].set_value("with-problems")
    next(b for b in app.button if b.label == "Import").click().run()
    assert "Imported 1 new documents into with-problems" in shown(app.success[0].value)
    assert "2 problems" in app.warning[0].value
    report = app.code[0].value
    assert "a.ann:2: T2: unknown label 'Dose'" in report and "lost.ann" in report and "no matching .txt" in report
    assert [s.label for s in store.document("with-problems", "a").spans] == ["Drug"]

    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "b.txt").write_text(note, encoding="utf-8")
    (bad / "b.ann").write_text("T1\tDrug 0 7\tAspirin\nT2\tStrength 8 x\t81 mg\n", encoding="utf-8")
    (bad / "c.txt").write_bytes("Caf\xe9".encode("latin-1"))
    for broken, message in [("b.ann:2: ", "offsets"), ("c.txt", "not UTF-8")]:
        app.text_input[0].set_value(str(bad))
        app.text_input[1].set_value("never")
        next(b for b in app.button if b.label == "Import").click().run()
        assert "nothing was imported" in app.error[0].value
        assert broken in shown(app.error[0].value) and message in shown(app.error[0].value)
        (bad / "b.ann").write_text("T1\tDrug 0 7\tAspirin\n", encoding="utf-8")  # mended: next, c.txt
    assert "never" not in {c.name for c in store.corpora()}


def test_a_document_is_deleted_with_everything_derived_after_confirmation(app_env, store):
    note = "Zyrtexolam 45 mg nightly for Quentworth syndrome."
    store.save_document("to-delete", Document("note-x", note, (Span.of(note, 0, 10, "Drug"),)), by="test")
    app = page("corpus").run()
    app.selectbox(key="corpus").set_value("to-delete").run()
    delete = next(b for b in app.button if b.label == "Delete for good")
    assert delete.disabled, "nothing is deleted before the name is typed"
    app.text_input(key="delete-confirm:to-delete:note-x").set_value("note-x").run()
    next(b for b in app.button if b.label == "Delete for good").click().run()
    assert not app.exception
    assert "Deleted to-delete/note-x" in shown(app.success[0].value)
    assert "This corpus has no documents." in [m.value for m in app.markdown]
    with pytest.raises(NotFound):
        store.document("to-delete", "note-x")


def test_compare_shows_intervals_error_bars_and_a_against_b(app_env, store):
    from engine.scores.intervals import compare_tables
    from engine.scores.report import count_tables

    app = page("compare").run()
    assert not app.exception
    table = app.dataframe[1].value
    models = {m.name: m for m in store.models()}
    stored = {(e.model, e.split): e for e in store.evaluations(corpus="demo")}
    record = stored[(models["tiny-tcrf"].fingerprint, "test")]
    row = table[(table["model"] == "tiny-tcrf") & (table["split"] == "test")].iloc[0]
    low, high = record.metrics["ci"]["macro_f1"]
    assert row["macro F1 95% interval"] == f"{low:.3f}-{high:.3f}"
    assert row["n2c2 lenient micro F1"] == round(record.metrics["n2c2"]["lenient"]["micro_f1"], 4)
    bars = {trace["name"]: trace for trace in _figure(app)["data"]}
    drug = list(bars["tiny-tcrf"]["x"]).index("Drug")
    f1 = record.metrics["per_label"]["Drug"]["f1"]
    assert bars["tiny-tcrf"]["error_y"]["array"][drug] == pytest.approx(
        record.metrics["per_label"]["Drug"]["f1_ci"][1] - f1
    )

    # A against B, read from the per-document counts the two evaluations stored
    app.selectbox(key="pair-a").set_value("tiny-t").run()
    app.selectbox(key="pair-b").set_value("tiny-tcrf").run()
    expected = compare_tables(
        count_tables(stored[(models["tiny-t"].fingerprint, "test")].metrics), count_tables(record.metrics)
    )["strict"]
    pair = next(d.value for d in app.dataframe if "figure" in d.value.columns)
    assert list(pair["figure"][:2]) == ["micro F1", "macro F1"]
    assert pair.iloc[0]["p-value"] == round(expected["micro_f1"]["p_value"], 4)
    assert pair.iloc[0]["B - A"] == round(expected["micro_f1"]["difference"], 4)
    assert any("p = **" in m.value for m in app.markdown)
    app.selectbox(key="pair-b").set_value("tiny-t").run()
    assert "Choose two different models." in _texts(app)


def test_compare_paper_mode_sets_the_studys_published_figures_beside_ours(app_env, store):
    from engine.scores import study

    app = page("compare").run()
    app.radio(key="scoring").set_value("paper mode (tag level, B and I merged)").run()
    assert not app.exception
    names = [trace["name"] for trace in _figure(app)["data"]]
    published = [name for name in names if name.endswith(f"({study.MARK})")]
    assert len(published) == 6 and "tiny-tcrf" in names
    trace = next(t for t in _figure(app)["data"] if t["name"] == f"BERT-CRF, full ({study.MARK})")
    assert dict(zip(trace["x"], trace["y"], strict=True))["ADE"] == 0.526
    paper = next(d.value for d in app.dataframe if "paper macro F1" in d.value.columns and "source" in d.value.columns)
    assert f"TransformerCRF ({study.MARK})" in set(paper["model"])
    assert "run here" in set(paper["source"])
    app.checkbox(key="published").uncheck().run()
    assert not [t for t in _figure(app)["data"] if t["name"].endswith(f"({study.MARK})")]


def test_error_analysis_lenient_view_marks_what_overlap_forgives(app_env, store):
    from engine.scores.errors import forgiven_by_lenient, predicted_spans

    app = page("errors").run()
    name = app.selectbox(key="errors-model").value.split(" · ")[0]
    model = next(m for m in store.models() if m.name == name)
    record = next(e for e in store.evaluations(corpus="demo", split="test") if e.model == model.fingerprint)
    errors = store.evaluation_errors(record.id)
    app.toggle(key="errors-lenient").set_value(True).run()
    assert not app.exception
    table = app.dataframe[0].value
    expected = 0
    for document_id in {e.document_id for e in errors}:
        gold = store.document("demo", document_id)
        mine = [e for e in errors if e.document_id == document_id]
        predicted = predicted_spans(gold, mine)
        expected += sum(forgiven_by_lenient(e, gold.spans, predicted) for e in mine)
    assert expected > 0, "the tiny models make boundary errors"
    assert (table["lenient"] == "forgiven").sum() == expected
    assert set(table[table["lenient"] == "forgiven"]["kind"]) <= {"boundary", "spurious", "missed"}
    assert f"forgives **{expected}** of {len(errors)} errors" in _texts(app)
    app.checkbox(key="errors-hide-forgiven").check().run()
    assert len(app.dataframe[0].value) == len(errors) - expected


def test_compare_shows_each_models_calibration(app_env, store):
    app = page("compare").run()
    assert not app.exception
    models = {m.name: m for m in store.models()}
    record = next(
        e for e in store.evaluations(corpus="demo", split="test") if e.model == models["tiny-tcrf"].fingerprint
    )
    found = record.metrics["calibration"]
    assert found["spans"] > 0
    table = next(d.value for d in app.dataframe if "ECE" in d.value.columns)
    row = table[(table["model"] == "tiny-tcrf") & (table["split"] == "test")].iloc[0]
    assert row["ECE"] == round(found["ece"], 4) and row["spans"] == found["spans"]
    figure = next(
        json.loads(c.proto.spec)
        for c in app.get("plotly_chart")
        if "Reliability" in json.loads(c.proto.spec)["layout"]["title"]["text"]
    )
    trace = next(t for t in figure["data"] if t["name"] == "tiny-tcrf")
    assert len(trace["x"]) == sum(1 for b in found["bins"] if b["count"])


def test_compare_shows_the_linker_against_the_rule_on_relations(app_env, store):
    app = page("compare").run()
    assert not app.exception
    table = next(d.value for d in app.dataframe if "linker F1, end to end" in d.value.columns)
    assert set(table["model"]) == {"tiny-t", "tiny-tcrf"} and set(table["split"]) == {"dev", "test"}
    models = {m.name: m for m in store.models()}
    stored = {(e.model, e.split): e for e in store.evaluations(corpus="demo")}
    row = table[(table["model"] == "tiny-tcrf") & (table["split"] == "test")].iloc[0]
    relations = stored[(models["tiny-tcrf"].fingerprint, "test")].metrics["relations"]
    assert row["linker F1, gold entities"] == round(relations["linker"]["given_gold_entities"]["micro_f1"], 4)
    assert row["rule F1, end to end"] == round(relations["nearest_drug"]["end_to_end"]["micro_f1"], 4)
    assert 0.0 < row["p"] <= 1.0
    app.radio(key="pair-by").set_value("relations, end to end").run()
    pair = next(d.value for d in app.dataframe if "figure" in d.value.columns)
    assert set(pair["figure"]) - {"micro F1", "macro F1"} <= {
        f"{label}-Drug" for label in ("Strength", "Dosage", "Form", "Route", "Frequency", "Duration", "Reason", "ADE")
    }
