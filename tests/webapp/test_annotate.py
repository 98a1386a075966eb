import html
import re
from pathlib import Path

import pytest

from tests.webapp.conftest import page, shown

NOTE = "Metoprolol 25 mg PO daily for hypertension.\nLisinopril 10 mg tablet once a day."
HOSTILE = '<script>alert("x")</script> <img src=x onerror=alert(1)> aspirin 81 mg PO daily'


def _html(app) -> str:
    return "".join(element.proto.body for element in app.html)


def _captions(app) -> str:
    return " ".join(c.value for c in app.caption)


def _annotate(app, text, models=None):
    if models is not None:
        app.multiselect[0].set_value(models)
    app.text_area(key="note").set_value(text)
    app.button[1].click().run()  # "Annotate" (the first button loads the example)
    assert not app.exception, app.exception
    return app


def test_annotate_highlights_entities_lists_medications_and_offers_downloads(app_env):
    app = _annotate(page("annotate").run(), NOTE)
    assert 'class="medner-entity"' in _html(app)
    assert "medner-legend" in _html(app)
    assert app.dataframe, "the medication table is shown"
    columns = list(app.dataframe[0].value.columns)
    assert columns[:4] == ["drug", "generic", "status", "why"] and "frequency" in columns and "links" in columns
    labels = [b.label for b in app.get("download_button")][:4]
    assert labels == ["JSON", "CSV", "BRAT (.zip)", "FHIR R4 (.json)"]


def test_the_default_model_is_the_best_on_real_text_and_says_what_it_scored(app_env):
    from db.repository import Store

    store = Store.open(app_env["DATABASE_URL"])
    try:
        models = {m.fingerprint: m.name for m in store.models()}
        scored = {models[e.model]: e.micro_f1 for e in store.evaluations(corpus="real-neurotrialner", split="test")}
    finally:
        store.close()
    best = max(sorted(scored), key=scored.get)
    app = page("annotate").run()
    assert not app.exception
    assert [label.split(" (")[0] for label in app.multiselect[0].value] == [best]
    shown_text = _captions(app).replace("\\", "")  # markdown escapes in names and figures
    assert f"Default: **{best}**, the best model here on real text" in shown_text
    assert f"strict micro F1 {scored[best]:.2f}" in shown_text


def test_second_annotation_of_the_same_note_is_a_cache_hit(app_env):
    note = NOTE + "\nAspirin 81 mg daily."
    first = _annotate(page("annotate").run(), note)
    assert re.search(r"\d+ ms \(model run\)", _captions(first))
    second = _annotate(page("annotate").run(), note)
    assert re.search(r"\d+ ms \(cache hit\)", _captions(second))
    assert _html(first) == _html(second)


def test_the_page_says_which_precision_answered_and_caches_each_apart(app_env, monkeypatch):
    note = NOTE + "\nWarfarin 5 mg PO nightly."
    first = _annotate(page("annotate").run(), note)
    assert re.search(r"\d+ ms \(model run\) · fp32", _captions(first)), "auto is fp32 on a CPU"
    monkeypatch.setenv("MEDNER_PRECISION", "bf16")
    other = _annotate(page("annotate").run(), note)
    assert re.search(r"\d+ ms \(model run\) · bf16", _captions(other)), "the fp32 answer is not served for bf16"
    again = _annotate(page("annotate").run(), note)
    assert re.search(r"\d+ ms \(cache hit\) · bf16", _captions(again))


def test_note_text_is_escaped_not_rendered(app_env):
    app = _annotate(page("annotate").run(), HOSTILE)
    body = _html(app)
    assert "<script>" not in body and "<img" not in body
    # the note's own text, once the page's span markup is taken out, is the escaped note (a model
    # may put a span on "script", which splits the escaped text with a <mark> of ours)
    text = re.sub(r"<sup[^>]*>.*?</sup>|</?mark[^>]*>", "", body)
    assert html.escape('<script>alert("x")</script>') in text


#: Notes to find one the two tiny models read differently on (which one depends on their weights).
DISAGREEMENT_CANDIDATES = (
    NOTE,
    "Stopped amlodipine 5mg due to ankle swelling, try ramipril 2.5mg od; review 2/52.\nc/o cough, on salbutamol prn.",
    "Pt taking co-codamol 30/500 2 tabs qds for back pain x 5/7. Allergic to penicillin (rash).",
    "He was given ceftriaxone 1 g IV q24h for pneumonia and developed diarrhea after starting it.",
)


def test_two_models_side_by_side_with_differences_marked(app_env):
    from engine.inference.pipeline import load_pipeline

    pipelines = [load_pipeline(Path(app_env["MEDNER_MODELS"]) / name) for name in ("tiny-t", "tiny-tcrf")]
    readings = {
        note: [{(s.start, s.end, s.label) for s in p.predict([note])[0]} for p in pipelines]
        for note in DISAGREEMENT_CANDIDATES
    }
    note = next(note for note, (one, two) in readings.items() if one != two)
    only_one = len(readings[note][0] ^ readings[note][1])
    app = page("annotate").run()
    options = app.multiselect[0].options
    assert len(options) == 2
    app = _annotate(app, note, models=options)
    assert [shown(s.value) for s in app.subheader] == ["tiny-t", "tiny-tcrf"]
    assert [shown(tab.label) for tab in app.tabs][-2:] == ["Medications: tiny-t", "Medications: tiny-tcrf"]
    assert len(app.get("download_button")) == 8  # JSON, CSV, BRAT and FHIR for each model
    marked = _html(app).count(" only here</sup>")  # the label tag of each span only one model found
    assert marked == only_one, "the two tiny models disagree on this note, and the spans only one found are outlined"


@pytest.mark.parametrize("note", ["", "   \n ", "\r\n\t"], ids=["empty", "spaces", "line-breaks-and-tab"])
def test_empty_note_gets_a_clear_message(app_env, note):
    app = _annotate(page("annotate").run(), note)
    assert "empty" in app.error[0].value


def test_a_200000_character_note_is_annotated_whole(app_env):
    note = "\n\n".join([NOTE] * (200_000 // (len(NOTE) + 2) + 1))
    assert len(note) >= 200_000
    one = _annotate(page("annotate").run(), NOTE)
    each = int(re.search(r"(\d+) entities", _captions(one)).group(1))
    app = _annotate(page("annotate").run(), note)
    assert not app.error
    copies = note.count(NOTE)
    assert f" {each * copies} entities" in _captions(app)
    assert _html(app).count('class="medner-entity"') == each * copies


def test_a_note_over_the_limit_is_refused_with_a_message(app_env):
    from webapp.services import MAX_NOTE_CHARS

    app = _annotate(page("annotate").run(), "aspirin 81 mg " * (MAX_NOTE_CHARS // 14 + 1))
    assert f"longer than {MAX_NOTE_CHARS:,} characters" in app.error[0].value


def test_saving_a_note_needs_a_name_and_then_stores_it(app_env):
    from db.repository import Store

    app = _annotate(page("annotate").run(), NOTE)
    save = next(b for b in app.button if b.label == "Save note")
    save.click().run()
    assert "Say who is saving" in app.error[0].value
    app.text_input[2].set_value("Dr Test")
    app.text_input[1].set_value("saved-note-1")
    next(b for b in app.button if b.label == "Save note").click().run()
    assert "Saved my-notes/saved-note-1" in shown(app.success[0].value)
    store = Store.open(app_env["DATABASE_URL"])
    assert store.document("my-notes", "saved-note-1").text == NOTE
    store.close()


def test_uploaded_notes_are_annotated_and_latin1_gets_a_notice(app_env):
    app = page("annotate").run()
    latin1 = "Patient given acétaminophen 500 mg PO q6h.".encode("latin-1")
    utf8 = NOTE.encode("utf-8")
    app.file_uploader[0].set_value([("a.txt", latin1, "text/plain"), ("b.txt", utf8, "text/plain")]).run()
    app.button[1].click().run()
    assert not app.exception, app.exception
    assert "a.txt is not UTF-8" in shown(app.warning[0].value) and "Latin-1" in shown(app.warning[0].value)
    assert app.selectbox[0].options == ["a", "b"]
    assert "acétaminophen" in _html(app)


def test_a_binary_upload_is_refused_with_a_message(app_env):
    app = page("annotate").run()
    app.file_uploader[0].set_value([("scan.txt", b"\x00\x01\x02PNG", "text/plain")]).run()
    app.button[1].click().run()
    assert "scan.txt looks like a binary file" in shown(app.error[0].value)


def test_folders_that_are_not_usable_models_are_named_and_the_rest_still_work(
    app_env, tiny_model, tmp_path, monkeypatch
):
    import json
    import shutil

    root = tmp_path / "models"
    shutil.copytree(tiny_model, root / "usable")
    (root / "not-a-model").mkdir()
    (root / "not-a-model" / "config.json").write_text("{}", encoding="utf-8")
    newer = shutil.copytree(tiny_model, root / "from-the-future")
    config = json.loads((newer / "config.json").read_text(encoding="utf-8"))
    (newer / "config.json").write_text(json.dumps({**config, "format_version": 99}), encoding="utf-8")
    monkeypatch.setenv("MEDNER_MODELS", str(root))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'own.db'}")  # the shared store keeps its names
    app = _annotate(page("annotate").run(), NOTE)
    warnings = " ".join(shown(w.value) for w in app.warning)
    assert "not-a-model" in warnings and "missing" in warnings
    assert "from-the-future" in warnings and "newer MedNER Studio" in warnings
    assert app.multiselect[0].options == ["usable (transformer-crf)"]
    assert 'class="medner-entity"' in _html(app)


def test_a_pasted_note_leaves_no_text_in_the_database_until_it_is_saved(app_env, tmp_path, monkeypatch):
    database = tmp_path / "private.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{database}")
    note = "Zyquaxolone 7734 mg PO daily for Brennick fever; patient Wilhelmina Oduya, MRN 99120345."

    def stored_bytes() -> bytes:
        return b"".join(path.read_bytes() for path in tmp_path.glob("private.db*"))

    app = _annotate(page("annotate").run(), note)
    assert re.search(r"\d+ ms \(model run\)", _captions(app))
    _annotate(app, note)  # the second time from the cache
    assert re.search(r"\d+ ms \(cache hit\)", _captions(app))
    for secret in ("Zyquaxolone", "Wilhelmina", "Oduya", "99120345", "Brennick"):
        assert secret.encode() not in stored_bytes()
    app.text_input[2].set_value("Dr Test")
    next(b for b in app.button if b.label == "Save note").click().run()
    assert b"Wilhelmina" in stored_bytes(), "saving on purpose stores it (so the search above can find text)"


def _spans(app) -> list[tuple[str, float]]:
    return [
        (label, float(value))
        for label, value in re.findall(r'data-label="([^"]+)" data-confidence="([0-9.]+)"', _html(app))
    ]


def test_each_span_shows_its_probability_and_low_ones_can_be_hidden(app_env):
    app = _annotate(page("annotate").run(), NOTE)
    found = _spans(app)
    assert found and all(0.0 < value <= 1.0 for _, value in found)
    assert re.search(r'title="[^"]*\(probability \d\.\d\d\)"', _html(app)), "the tooltip gives the probability"
    unsure = [value for _, value in found if value < 0.5]
    assert _html(app).count('data-unsure="true"') == len(unsure)
    # hide everything under the median probability: fewer spans, and the caption says how many went
    values = sorted({value for _, value in found})
    cut = values[len(values) // 2]
    app.slider(key="hide-below").set_value(round(cut + 0.0001, 4) if cut < 0.9999 else cut).run()
    kept = _spans(app)
    assert kept and all(value >= cut for _, value in kept) and len(kept) < len(found)
    assert re.search(r"below \d\.\d\d hidden", _captions(app))


def _correct_to(app, app_env, text, marks):
    """Replace the first model's spans by ``marks`` in the correction editor, as a person would;
    the editor, for more edits."""
    from db.repository import Store

    app.toggle(key="correct").set_value(True).run()
    assert not app.exception, app.exception
    name = app.multiselect[0].value[0].split(" (")[0]
    store = Store.open(app_env["DATABASE_URL"])
    try:
        fingerprint = next(m.fingerprint for m in store.models() if m.name == name)
    finally:
        store.close()
    editor = app.session_state[f"correct:pasted-note:{fingerprint}:{hash(text)}"]
    for index in reversed(range(len(editor.spans))):
        editor.remove(index)
    cursor = 0
    for piece, label in marks:
        start = text.index(piece, cursor)
        editor.add(start, start + len(piece), label)
        cursor = start + len(piece)
    app.run()
    assert not app.exception, app.exception
    return editor


def test_corrections_made_by_hand_flow_into_the_medication_list(app_env):
    app = _annotate(page("annotate").run(), NOTE)
    editor = _correct_to(app, app_env, NOTE, [("Lisinopril", "Drug")])
    table = app.dataframe[0].value
    assert list(table["drug"]) == ["Lisinopril"], "the medication list reads the corrected spans"
    editor.add(NOTE.index("10 mg"), NOTE.index("10 mg") + 5, "Strength")
    app.run()
    row = app.dataframe[0].value.iloc[0]
    assert row["strength"] == "10 mg" and re.fullmatch(r"10 mg [01]\.\d\d", row["links"]), (
        "a span added by hand is linked"
    )


LIST_NOTE = "Allergies: penicillin (rash).\nStop gliclazide 80 mg mane. Continue Ventolin 2 puffs prn for wheeze."
LIST_MARKS = [
    ("penicillin", "Drug"),
    ("rash", "ADE"),
    ("gliclazide", "Drug"),
    ("80 mg", "Strength"),
    ("mane", "Frequency"),
    ("Ventolin", "Drug"),
    ("2 puffs", "Dosage"),
    ("prn", "Frequency"),
    ("wheeze", "Reason"),
]


def test_the_medication_list_shows_allergies_apart_and_current_medications_first(app_env):
    app = _annotate(page("annotate").run(), LIST_NOTE)
    _correct_to(app, app_env, LIST_NOTE, LIST_MARKS)
    allergies = next(d.value for d in app.dataframe if "reaction" in d.value.columns)
    assert list(allergies["drug"]) == ["penicillin"] and list(allergies["reaction"]) == ["rash"]
    current = next(d.value for d in app.dataframe if "links" in d.value.columns)
    assert list(current["drug"]) == ["Ventolin"], "only current medications by default"
    row = current.iloc[0]
    assert (row["generic"], row["status"], row["why"]) == ("Salbutamol", "taking", "Continue")
    assert row["dosage"] == "2 puffs" and row["reason"] == "wheeze"
    assert re.fullmatch(r"2 puffs [01]\.\d\d; prn [01]\.\d\d; wheeze [01]\.\d\d", row["links"]), row["links"]
    assert "DrugBank DB01001" in row["identifiers"]
    view = app.get("button_group")[0]
    assert view.value == "Current"
    view.set_value("All").run()
    every = next(d.value for d in app.dataframe if "links" in d.value.columns)
    assert list(every["drug"]) == ["gliclazide", "Ventolin"]
    assert list(every["status"]) == ["stopped", "taking"] and list(every["strength"]) == ["80 mg", ""]
