import dataclasses

import pytest
from sqlalchemy import text

from db.repository import NotFound, RevisionConflict, Store, StoreError, text_sha256
from engine.scores.report import evaluate, record_of
from engine.types import Document, EditingTime, ModelInfo, Relation, Span
from webapp.application.predictions import annotate

NOTE = "Aspirin 81 mg daily for chest pain. Metoprolol 25 mg BID."


def model(fingerprint: str = "a" * 64, name: str = "tcrf") -> ModelInfo:
    return ModelInfo(name, "transformer-crf", f"/models/{name}", fingerprint, 1234, "scratch", True, {"sambd": True})


def spans_of(note: str, *triples) -> tuple[Span, ...]:
    return tuple(Span.of(note, start, end, label, ref=f"T{i}") for i, (start, end, label) in enumerate(triples, 1))


GOLD = spans_of(NOTE, (0, 7, "Drug"), (8, 13, "Strength"), (14, 19, "Frequency"), (24, 34, "Reason"))


# --- models and cached predictions ----------------------------------------------------------------


def test_registering_a_model_twice_keeps_one(store):
    first = store.register_model(model())
    again = store.register_model(model())
    assert first == again and [m.fingerprint for m in store.models()] == ["a" * 64]
    assert store.model("a" * 64).training == {"sambd": True} and first.created_at.tzinfo is not None
    with pytest.raises(NotFound, match="no model with fingerprint"):
        store.model("b" * 64)


def test_a_model_moved_to_another_folder_is_found_where_it_was_seen_last(store):
    store.register_model(model())
    moved = store.register_model(dataclasses.replace(model(), name="renamed", folder="/elsewhere/renamed"))
    assert (moved.name, moved.folder) == ("renamed", "/elsewhere/renamed")
    assert [(m.name, m.folder) for m in store.models()] == [("renamed", "/elsewhere/renamed")]


def test_a_cache_hit_returns_the_spans_without_running_the_model(store):
    calls: list[list[str]] = []

    def predict(texts):
        calls.append(list(texts))
        return [list(GOLD) for _ in texts]

    first = annotate(store, model(), [NOTE], predict, precision="fp32")
    second = annotate(store, model(), [NOTE], predict, precision="fp32")
    assert calls == [[NOTE]]
    assert not first[0].cached and second[0].cached
    assert second[0].spans == first[0].spans == GOLD
    assert [span.text for span in second[0].spans] == ["Aspirin", "81 mg", "daily", "chest pain"]


def test_only_the_misses_go_to_the_model(store):
    calls: list[list[str]] = []

    def predict(texts):
        calls.append(list(texts))
        return [[] for _ in texts]

    annotate(store, model(), ["one", "two"], predict, precision="fp32")
    result = annotate(store, model(), ["two", "three", "one"], predict, precision="fp32")
    assert calls == [["one", "two"], ["three"]]
    assert [p.cached for p in result] == [True, False, True]


def test_a_retrained_model_never_gets_the_old_models_spans(store):
    store.save_prediction(model("a" * 64), NOTE, GOLD, seconds=0.5, precision="fp32")
    assert store.cached_prediction(model("b" * 64), NOTE, precision="fp32") is None
    assert store.cached_prediction("a" * 64, NOTE, precision="fp32").spans == GOLD


def test_spans_cached_at_one_precision_are_never_served_at_another(store):
    """bf16 rounding can move a span, so a note annotated in fp32 and in bf16 has two entries, and
    each request gets the one of its own precision."""
    store.save_prediction(model(), NOTE, GOLD, seconds=0.5, precision="fp32")
    assert store.cached_prediction(model(), NOTE, precision="bf16") is None
    fewer = GOLD[:2]
    store.save_prediction(model(), NOTE, fewer, seconds=0.2, precision="bf16")
    fp32 = store.cached_prediction(model(), NOTE, precision="fp32")
    bf16 = store.cached_prediction(model(), NOTE, precision="bf16")
    assert (fp32.spans, fp32.precision) == (GOLD, "fp32")
    assert (bf16.spans, bf16.precision) == (fewer, "bf16")
    with pytest.raises(ValueError, match="precision must be one of fp32, bf16, fp16, got 'auto'"):
        store.save_prediction(model(), NOTE, GOLD, seconds=0.5, precision="auto")


def test_the_cache_first_path_keys_on_the_precision_it_is_given(store):
    calls: list[str] = []

    def predict_at(precision):
        def predict(texts):
            calls.append(precision)
            return [list(GOLD) for _ in texts]

        return predict

    (first,) = annotate(store, model(), [NOTE], predict_at("fp32"), precision="fp32")
    (other,) = annotate(store, model(), [NOTE], predict_at("bf16"), precision="bf16")
    (again,) = annotate(store, model(), [NOTE], predict_at("fp32"), precision="fp32")
    assert calls == ["fp32", "bf16"], "a bf16 request ran the model; the fp32 one was then a hit"
    assert (first.cached, other.cached, again.cached) == (False, False, True)
    assert (first.precision, other.precision, again.precision) == ("fp32", "bf16", "fp32")


def test_a_cache_row_moved_to_another_precision_fails_its_checksum(store, caplog):
    store.save_prediction(model(), NOTE, GOLD, seconds=0.5, precision="bf16")
    with store.engine.begin() as connection:
        connection.execute(text("UPDATE predictions SET precision = 'fp32'"))
    assert store.cached_prediction(model(), NOTE, precision="fp32") is None
    assert "damaged" in caplog.text


def test_the_cache_keeps_no_text_of_the_note(store):
    secret = "Patient John Smith takes warfarin 5 mg for atrial fibrillation."
    spans = spans_of(secret, (25, 33, "Drug"), (34, 38, "Strength"), (43, 62, "Reason"))
    store.save_prediction(model(), secret, spans, seconds=0.1, precision="fp32")
    with store.engine.connect() as connection:
        stored = [str(value) for row in connection.execute(text("SELECT * FROM predictions")) for value in row]
        documents = connection.execute(text("SELECT count(*) FROM documents")).scalar()
    dump = " ".join(stored)
    assert text_sha256(secret) in dump
    assert "warfarin" not in dump and "Smith" not in dump and "fibrillation" not in dump
    assert documents == 0
    assert [s.text for s in store.cached_prediction(model(), secret, precision="fp32").spans] == [
        "warfarin",
        "5 mg",
        "atrial fibrillation",
    ]


def test_without_cache_nothing_is_stored(store):
    annotate(store, model(), [NOTE], lambda texts: [list(GOLD)], precision="fp32", use_cache=False)
    assert store.cached_prediction(model(), NOTE, precision="fp32") is None


def test_clearing_the_cache_of_one_model(store):
    store.save_prediction(model("a" * 64), NOTE, GOLD, seconds=0.1, precision="fp32")
    store.save_prediction(model("b" * 64, "other"), NOTE, GOLD, seconds=0.1, precision="fp32")
    assert store.clear_predictions(model("a" * 64)) == 1
    assert (
        store.cached_prediction("a" * 64, NOTE, precision="fp32") is None
        and store.cached_prediction("b" * 64, NOTE, precision="fp32") is not None
    )
    assert store.clear_predictions() == 1


def test_predict_must_answer_every_note(store):
    with pytest.raises(ValueError, match="returned 0 results for 1 notes"):
        annotate(store, model(), [NOTE], lambda texts: [], precision="fp32")


@pytest.mark.parametrize(
    "damage",
    [
        "UPDATE predictions SET spans = '[[0, 3, \"Drug\", []]]'",  # other spans, checksum left as it was
        "UPDATE predictions SET spans = '[[0, 99999, \"Drug\", []]]'",  # offsets outside the note
        "UPDATE predictions SET spans = '\"not a list\"'",
        "UPDATE predictions SET checksum = NULL",  # a row cached before checksums existed
        "UPDATE predictions SET confidences = '[0.1, 0.2, 0.3, 0.4]'",  # other probabilities
        "UPDATE predictions SET confidences = '[0.9]'",  # not one a span
    ],
)
def test_a_damaged_cache_row_is_detected_and_recomputed(store, damage, caplog):
    calls = []

    def predict(texts):
        calls.append(list(texts))
        return [list(SURE) for _ in texts]

    annotate(store, model(), [NOTE], predict, precision="fp32")
    with store.engine.begin() as connection:
        connection.execute(text(damage))
    (again,) = annotate(store, model(), [NOTE], predict, precision="fp32")
    assert not again.cached and again.spans == GOLD and len(calls) == 2
    assert "damaged" in caplog.text
    (third,) = annotate(
        store, model(), [NOTE], predict, precision="fp32"
    )  # the recomputed row replaced the damaged one
    assert third.cached and third.spans == GOLD and len(calls) == 2


#: the gold spans as a model would give them, each with its probability
SURE = tuple(
    dataclasses.replace(span, confidence=value) for span, value in zip(GOLD, (0.99, 0.9, 0.5, 0.25), strict=True)
)


def test_cached_spans_keep_their_probabilities_and_rows_cached_before_them_still_serve(store):
    store.save_prediction(model(), NOTE, SURE, seconds=0.5, precision="fp32")
    cached = store.cached_prediction(model(), NOTE, precision="fp32")
    assert [s.confidence for s in cached.spans] == [0.99, 0.9, 0.5, 0.25]
    with store.engine.begin() as connection:
        row = connection.execute(text("SELECT spans, confidences FROM predictions")).one()
    assert "Aspirin" not in str(row), "still no text of the note"
    other = "Metoprolol 25 mg BID."
    store.save_prediction(
        model(), other, spans_of(other, (0, 10, "Drug")), seconds=0.1, precision="fp32"
    )  # no probabilities
    (old,) = store.cached_prediction(model(), other, precision="fp32").spans
    assert old.confidence is None and old.text == "Metoprolol"


# --- corpora, documents, gold ---------------------------------------------------------------------


def corpus_documents() -> dict[str, list[Document]]:
    relation = Relation("R1", "Strength-Drug", "T2", "T1")
    return {
        "train": [Document("a", NOTE, GOLD, (relation,)), Document("b", "Lasix 40 mg IV.", ())],
        "test": [Document("c", NOTE, GOLD[:1])],
    }


def test_a_corpus_imports_once_and_reads_back(store):
    assert store.import_corpus("demo", corpus_documents(), source="generated") == 3
    assert store.import_corpus("demo", corpus_documents()) == 0
    [info] = store.corpora()
    assert (info.name, info.source, dict(info.documents)) == ("demo", "generated", {"train": 2, "test": 1})
    train = store.documents("demo", "train")
    assert [d.id for d in train] == ["a", "b"]
    assert train[0] == Document("a", NOTE, GOLD, (Relation("R1", "Strength-Drug", "T2", "T1"),))
    assert [d.id for d in store.documents("demo")] == ["a", "b", "c"]
    assert store.document("demo", "c").spans == GOLD[:1]


def test_gold_that_does_not_fit_its_note_is_refused_whole(store):
    wrong = Span(0, 7, "Drug", "Asprin", ref="T1")
    unknown = Span(8, 13, "Dose", "81 mg", ref="T2")
    with pytest.raises(ValueError, match=r"demo/x: .*T1: text 'Asprin' is not the note's 'Aspirin'.*T2: unknown label"):
        store.import_corpus("demo", {"train": [Document("x", NOTE, (wrong, unknown))]})
    assert store.corpora() == []


def test_each_gold_edit_is_a_new_revision_and_history_is_kept(store):
    store.import_corpus("demo", corpus_documents(), by="importer")
    store.save_gold("demo", "a", GOLD[:2], by="ann", note="dropped two")
    latest = store.save_gold("demo", "a", GOLD[:3], by="bob", based_on=2)
    assert latest.number == 3 and latest.author == "bob"
    history = store.gold_history("demo", "a")
    assert [(r.number, r.author, len(r.spans)) for r in history] == [(3, "bob", 3), (2, "ann", 2), (1, "importer", 4)]
    assert history[1].note == "dropped two" and history[2].relations
    assert store.document("demo", "a").spans == GOLD[:3]
    log = store.gold_log("demo", "a")
    assert [(r.number, r.author, r.span_count, r.note) for r in log] == [
        (r.number, r.author, len(r.spans), r.note) for r in history
    ]
    assert [r.created_at for r in log] == [r.created_at for r in history] and log[0].created_at.tzinfo is not None


def test_the_editing_time_of_a_revision_is_kept_and_listed_per_corpus(store):
    store.import_corpus("demo", corpus_documents(), by="importer")
    store.save_gold("demo", "a", GOLD[:2], by="ann", seconds=42.5)
    store.save_gold("demo", "a", GOLD[:3], by="bob")  # saved by code: no time
    store.save_gold("demo", "a", GOLD, by="bob", seconds=7.0)
    assert [r.seconds for r in store.gold_log("demo", "a")] == [7.0, None, 42.5, None]
    assert [r.seconds for r in store.gold_history("demo", "a")] == [7.0, None, 42.5, None]
    assert store.editing_times("demo") == [
        EditingTime("ann", "a", 2, 42.5, 2),
        EditingTime("bob", "a", 4, 7.0, len(GOLD)),
    ]
    assert store.editing_times("elsewhere") == []
    with pytest.raises(ValueError, match="number of seconds"):
        store.save_gold("demo", "a", GOLD, by="bob", seconds=-1.0)
    with pytest.raises(ValueError, match="number of seconds"):
        store.save_gold("demo", "a", GOLD, by="bob", seconds=float("nan"))
    assert len(store.gold_history("demo", "a")) == 4


def test_an_edit_based_on_an_old_revision_is_refused(store):
    store.import_corpus("demo", corpus_documents())
    store.save_gold("demo", "a", GOLD[:2], by="ann", based_on=1)
    with pytest.raises(RevisionConflict, match="revision 2 was saved after revision 1"):
        store.save_gold("demo", "a", GOLD[:1], by="bob", based_on=1)
    assert len(store.gold_history("demo", "a")) == 2


def test_gold_edits_are_checked_against_the_note(store):
    store.import_corpus("demo", corpus_documents())
    with pytest.raises(ValueError, match="after the note's end"):
        store.save_gold("demo", "a", [Span(50, 90, "Drug", "x" * 40)], by="ann")
    with pytest.raises(ValueError, match="refers to T9"):
        store.save_gold("demo", "a", GOLD, [Relation("R1", "Strength-Drug", "T9", "T1")], by="ann")
    with pytest.raises(ValueError, match="say who"):
        store.save_gold("demo", "a", GOLD, by=" ")
    with pytest.raises(NotFound, match="no document 'zzz' in corpus 'demo'"):
        store.save_gold("demo", "zzz", GOLD, by="ann")


def test_saving_a_pasted_note_stores_its_text_on_purpose(store):
    revision = store.save_document("my notes", Document("n1", NOTE, GOLD[:1]), by="dr who")
    assert revision.number == 1 and store.document("my notes", "n1").text == NOTE
    with pytest.raises(StoreError, match="already holds a document called 'n1'"):
        store.save_document("my notes", Document("n1", "other text", ()), by="dr who")


# --- evaluations ------------------------------------------------------------------------------------


def evaluation_record(fingerprint: str):
    gold = [Document("a", NOTE, GOLD)]
    predicted = [Document("a", NOTE, spans_of(NOTE, (0, 7, "Drug"), (8, 10, "Strength"), (24, 29, "ADE")))]
    return record_of(evaluate(gold, predicted), model=fingerprint, split="test", corpus="demo")


def test_an_evaluation_round_trips_with_its_errors(store):
    info = store.register_model(model())
    record = evaluation_record(info.fingerprint)
    run_id = store.record_evaluation(info, record)
    loaded = store.evaluation(run_id)
    assert loaded.macro_f1 == pytest.approx(record.macro_f1) and loaded.model == info.fingerprint
    assert loaded.metrics["per_label"] == record.metrics["per_label"]
    assert loaded.metrics["span_confusion"] == record.metrics["span_confusion"]
    assert loaded.metrics["paper"]["macro_f1"] == pytest.approx(record.metrics["paper"]["macro_f1"])
    assert loaded.errors == record.errors
    assert {e.kind for e in store.evaluation_errors(run_id, kinds=["missed"])} == {"missed"}
    assert [e.label for e in store.evaluation_errors(run_id, labels=["Reason"])] == ["Reason"]


def test_evaluations_give_the_latest_run_per_model_and_split(store):
    a, b = store.register_model(model("a" * 64)), store.register_model(model("b" * 64, "other"))
    store.record_evaluation(a, evaluation_record(a.fingerprint))
    newer = store.record_evaluation(a, evaluation_record(a.fingerprint))
    store.record_evaluation(b, evaluation_record(b.fingerprint))
    latest = store.evaluations(split="test")
    assert sorted(r.model for r in latest) == ["a" * 64, "b" * 64]
    assert [r.id for r in store.evaluations(models=["a" * 64])] == [newer]
    assert len(store.evaluations(models=["a" * 64], latest=False)) == 2
    assert store.evaluations(split="dev") == []
    assert all(r.errors == () for r in latest)
    with pytest.raises(ValueError, match="another model"):
        store.record_evaluation(b, evaluation_record(a.fingerprint))


# --- training jobs ------------------------------------------------------------------------------------


def test_a_training_job_reports_progress_and_finishes(store):
    job = store.create_job("transformer-crf", {"epochs": 2}, "/models/new")
    assert job.status == "queued" and not job.finished
    store.start_job(job.id, pid=4242)
    store.report_progress(job.id, event="step", epoch=1, step=5, steps=10, loss=2.5, progress=0.25)
    store.report_progress(job.id, event="epoch", epoch=1, step=10, steps=10, loss=1.5, progress=0.5, dev_macro_f1=0.7)
    store.append_log(job.id, "epoch 1 done")
    running = store.job(job.id)
    assert (running.status, running.pid, running.progress, running.log) == ("running", 4242, 0.5, "epoch 1 done\n")
    assert [(e.event, e.loss, e.dev_macro_f1) for e in running.events] == [("step", 2.5, None), ("epoch", 1.5, 0.7)]
    store.finish_job(job.id, "succeeded", model_fingerprint="c" * 64)
    done = store.job(job.id)
    assert done.finished and done.progress == 1.0 and done.model == "c" * 64 and done.finished_at >= done.started_at
    assert [j.id for j in store.jobs(status=["succeeded"])] == [job.id] and store.jobs(status=["running"]) == []


def test_a_worker_claims_the_oldest_queued_job_and_no_job_twice(store):
    first, second, cancelled = (store.create_job("train", {}, f"/m/{n}") for n in range(3))
    store.finish_job(cancelled.id, "cancelled")
    claimed = store.claim_job()
    assert claimed.id == first.id and claimed.status == "running" and claimed.pid is None
    assert store.claim_job().id == second.id
    assert store.claim_job() is None, "running, finished and cancelled jobs are never claimed"


def test_job_mistakes_are_named(store):
    job = store.create_job("encoder", {}, "/m")
    with pytest.raises(ValueError, match="not 'running'"):
        store.finish_job(job.id, "running")
    with pytest.raises(NotFound, match="no training job 999"):
        store.job(999)
    with pytest.raises(NotFound, match="no training job 999"):
        store.start_job(999, pid=1)


def test_a_store_opened_twice_sees_the_same_data(database_url):
    first = Store.open(database_url)
    first.register_model(model())
    second = Store.open(database_url)
    assert [m.name for m in second.models()] == ["tcrf"]
    first.close()
    second.close()


def test_a_note_given_twice_is_predicted_once(store):
    calls: list[list[str]] = []

    def predict(texts):
        calls.append(list(texts))
        return [list(GOLD) for _ in texts]

    result = annotate(store, model(), [NOTE, "other", NOTE], predict, precision="fp32")
    assert calls == [[NOTE, "other"]]
    assert result[0].spans == result[2].spans == GOLD and result[1].spans == GOLD


def test_corpus_version_changes_with_documents_and_gold_revisions(store):
    text = "aspirin 81 mg"
    assert store.corpus_version("versioned") == (0, 0)
    store.import_corpus("versioned", {"train": [Document("a", text, (Span.of(text, 0, 7, "Drug"),))]})
    first = store.corpus_version("versioned")
    assert first[0] == 1 and first[1] > 0
    store.save_gold("versioned", "a", [Span.of(text, 0, 7, "Drug"), Span.of(text, 8, 13, "Strength")], by="editor")
    second = store.corpus_version("versioned")
    assert second[0] == 1 and second[1] > first[1]
    store.save_document("versioned", Document("b", text), by="clinician")
    assert store.corpus_version("versioned")[0] == 2


def test_who_reviewed_what_and_each_annotators_latest_revision(store):
    other = "Lisinopril 10 mg daily."
    store.import_corpus("demo", {"test": [Document("a", NOTE, GOLD), Document("b", other)]}, by="import")
    store.save_gold("demo", "a", GOLD[:2], by="ann")
    store.save_gold("demo", "a", GOLD[:3], by="ann")
    store.save_gold("demo", "a", GOLD[:1], by="bob")  # the current gold is bob's
    store.save_gold("demo", "b", spans_of(other, (0, 10, "Drug")), by="bob")
    assert store.reviewers("demo") == {"import": {"a", "b"}, "ann": {"a"}, "bob": {"a", "b"}}
    assert store.reviewers("demo", split="dev") == {}
    ann = store.latest_by_author("demo", "ann")
    assert list(ann) == ["a"] and ann["a"].spans == GOLD[:3] and ann["a"].text == NOTE
    bob = store.latest_by_author("demo", "bob")
    assert bob["a"].spans == GOLD[:1] and [s.text for s in bob["b"].spans] == ["Lisinopril"]
    assert store.latest_by_author("demo", "nobody") == {}


def test_document_names_and_each_authors_newest_revision_without_reading_the_gold(store):
    other = "Lisinopril 10 mg daily."
    store.import_corpus(
        "demo", {"test": [Document("b", other), Document("a", NOTE, GOLD)], "dev": [Document("c", NOTE)]}
    )
    assert store.document_ids("demo") == ["a", "b", "c"]
    assert store.document_ids("demo", "test") == ["a", "b"] and store.document_ids("demo", "train") == []
    assert store.document_ids("nowhere") == []
    before = store.author_versions("demo")
    store.save_gold("demo", "a", GOLD[:2], by="ann")
    after = store.author_versions("demo")
    assert set(after) == {*before, "ann"}
    store.save_gold("demo", "a", GOLD[:1], by="bob")
    latest = store.author_versions("demo")
    assert latest["ann"] == after["ann"], "bob's save leaves ann's version alone"
    assert latest["bob"] > latest["ann"]
    store.save_gold("demo", "b", spans_of(other, (0, 10, "Drug")), by="ann")
    assert store.author_versions("demo")["ann"] > latest["bob"]
