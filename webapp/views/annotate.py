"""Annotate: paste or upload notes, see each chosen model's entities and the medication list."""

import streamlit as st

from engine.notes.editing import Draft
from engine.types import Document
from webapp import services
from webapp.components.annotator import annotation_view
from webapp.components.highlight import difference_marks, highlight_html, legend_html
from webapp.components.jobs import bootstrap_panel
from webapp.components.medications import medication_list_view
from webapp.components.text import inert

PRECISION_HELP = (
    "The arithmetic the model ran in. fp32 (the default on every CPU) gives the same spans on any machine; "
    "bf16 (MEDNER_PRECISION=bf16, the default on GPUs) is faster where the processor has it and moves a few "
    "spans on some notes. A cached answer is served only at the precision it was computed in."
)

st.title("Annotate a note")
st.caption(
    "Runs on this machine only. A pasted note is not stored: the cache keeps its hash with the offsets "
    "and labels found, and the text is saved only if you choose *Save to a corpus* below."
)

models, problems = services.models()
for problem in problems:
    st.warning(f"Skipped a folder that is not a usable model: {inert(problem)}")
if not models:
    bootstrap_panel()
    st.stop()

names = {services.model_label(m): m for m in models}
ranking = services.real_text_ranking(models)
best = next((m for m in models if ranking and m.name == ranking[0]["model"]), None)
preferred = (
    [label for label, m in names.items() if m is best]
    or [label for label, m in names.items() if m.kind == "encoder-crf"]
    or list(names)[:1]
)
chosen_labels = st.multiselect(
    "Models (several show side by side, differences outlined)", list(names), default=preferred[:1]
)
if best is not None:
    scores = ranking[0]
    per_corpus = ", ".join(
        f"{key.removesuffix(' Drug F1')} {value:.2f}"
        for key, value in scores.items()
        if key.endswith(" Drug F1") and not key.startswith("demo") and value is not None
    )
    st.caption(
        f"Default: **{inert(best.name)}**, the best model here on real text it was not trained on: strict micro F1 "
        f"{scores['real micro F1 (mean)']:.2f} on average over the hand-annotated real notes and the open corpora's "
        f"test splits (strict Drug F1: {inert(per_corpus)}). Compare has every model's figures."
    )

paste, upload = st.tabs(["Paste a note", "Upload .txt files"])
with paste:
    if st.button("Load the example note"):
        st.session_state["note"] = (services.ROOT / "examples" / "note.txt").read_text(encoding="utf-8")
    st.text_area("Clinical note", key="note", height=220, placeholder="Paste a discharge summary or any clinical note")
with upload:
    files = st.file_uploader("Notes as .txt files", type=["txt"], accept_multiple_files=True)

if st.button("Annotate", type="primary"):
    notes: list[tuple[str, str]] = []
    pasted = st.session_state.get("note", "")
    if pasted.strip():
        notes.append(("pasted-note", pasted))
    for file in files or []:
        try:
            text, notice = services.decode_upload(file.getvalue(), file.name)
        except ValueError as error:
            st.error(inert(error))
            continue
        if notice:
            st.warning(inert(notice))
        notes.append((services.safe_name(file.name.rsplit(".", 1)[0]), text))
    chosen = [names[label] for label in chosen_labels]
    if not chosen:
        st.error("Choose at least one model.")
    elif not notes:
        st.error("The note is empty: paste some text or upload a .txt file.")
    elif any(len(text) > services.MAX_NOTE_CHARS for _, text in notes):
        st.error(f"A note is longer than {services.MAX_NOTE_CHARS:,} characters; split it into smaller files.")
    elif any(not text.strip() for _, text in notes):
        st.error("An uploaded note holds only white space; nothing to annotate.")
    else:
        with st.spinner("Annotating…"):
            st.session_state["results"] = [(name, text, services.annotate(chosen, text)) for name, text in notes]

results = st.session_state.get("results", [])
if not results:
    st.stop()
if len(results) > 1:
    picked = st.selectbox("Note", [name for name, _, _ in results])
    name, text, annotations = next(r for r in results if r[0] == picked)
else:
    name, text, annotations = results[0]

st.html(legend_html())
left, right = st.columns(2)
hide_below = left.slider(
    "Hide spans below this probability",
    0.0,
    1.0,
    0.0,
    0.05,
    key="hide-below",
    help="Each span's probability under its model: a CRF's marginal of the whole span, or the product of "
    "its words' probabilities. Hidden spans leave the highlights, the medication list and the downloads.",
)
unsure_below = right.slider("Draw spans below this probability faded", 0.0, 1.0, 0.5, 0.05, key="unsure-below")


def shown(spans):
    return tuple(s for s in spans if s.confidence is None or s.confidence >= hide_below)


columns = st.columns(len(annotations))
for column, annotation in zip(columns, annotations, strict=True):
    spans = shown(annotation.prediction.spans)
    others = [shown(a.prediction.spans) for a in annotations if a is not annotation]
    hidden = len(annotation.prediction.spans) - len(spans)
    with column:
        st.subheader(inert(annotation.model.name))
        source = "cache hit" if annotation.prediction.cached else "model run"
        note_hidden = f" · {hidden} below {hide_below:.2f} hidden" if hidden else ""
        st.caption(
            f"{len(spans)} entities · {annotation.seconds * 1000:.0f} ms ({source}) · "
            f"{annotation.prediction.precision}{note_hidden}",
            help=PRECISION_HELP,
        )
        marks = difference_marks(spans, others) if others else None
        st.html(highlight_html(text, spans, marks=marks, unsure_below=unsure_below))

corrected: dict[str, tuple] = {}
if st.toggle(
    "Correct the spans by hand (the medication list, downloads and saving then use your corrections)", key="correct"
):
    labels = {inert(a.model.name): a for a in annotations}
    target = (
        labels[st.selectbox("Model whose spans to correct", list(labels), key="correct-model")]
        if len(labels) > 1
        else annotations[0]
    )
    editor_key = f"correct:{name}:{target.model.fingerprint}:{hash(text)}"
    if editor_key not in st.session_state:
        st.session_state[editor_key] = Draft(text, shown(target.prediction.spans))
    editor = st.session_state[editor_key]
    if annotation_view(editor, key=f"annotator-{target.model.fingerprint[:12]}", reference=target.prediction.spans):
        st.rerun()
    corrected[target.model.fingerprint] = tuple(editor.spans)


def final_spans(annotation) -> tuple:
    """The spans shown, listed, downloaded and saved: the person's corrections where they made some."""
    return corrected.get(annotation.model.fingerprint, shown(annotation.prediction.spans))


tabs = st.tabs([f"Medications: {inert(a.model.name)}" for a in annotations])
for tab, annotation in zip(tabs, annotations, strict=True):
    document = Document(name, text, final_spans(annotation))
    medications = services.medications(document, model=annotation.model)
    with tab:
        medication_list_view(medications, key=annotation.model.fingerprint[:12])
        files = services.downloads(document, name=name, model=annotation.model, listed=medications)
        for column, file in zip(st.columns(len(files)), files, strict=True):
            column.download_button(file.label, file.data, file.file_name, file.mime, key=f"download-{file.file_name}")

with st.expander("Save to a corpus (for gold editing and training)"):
    st.write(
        "Stores the note's text and the first model's entities (with your corrections, if you made some) as gold "
        "revision 1 of a new document."
    )
    corpus = st.text_input("Corpus", value="my-notes")
    document_name = st.text_input("Document name", value=services.safe_name(name))
    author = st.text_input("Your name (kept with the revision)")
    if st.button("Save note"):
        if not author.strip():
            st.error("Say who is saving (your name).")
        else:
            try:
                saved = services.save_note(
                    corpus.strip(),
                    Document(services.safe_name(document_name), text, final_spans(annotations[0])),
                    by=author,
                )
            except services.ActionFailed as error:
                st.error(inert(error))
            else:
                st.success(
                    f"Saved {inert(saved.corpus)}/{inert(saved.document_id)} (revision {saved.number}); "
                    "edit it under Gold editing."
                )
