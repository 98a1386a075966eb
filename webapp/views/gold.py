"""Gold editing: start from the gold or a model's prediction, accept, reject, relabel, add and remove
spans, save a new revision (history kept), export the corpus as BRAT."""

import dataclasses

import pandas as pd
import streamlit as st

from db.repository import RevisionConflict
from engine.export import corpus_zip
from engine.labels import LABELS
from engine.types import Span
from webapp import services
from webapp.components.highlight import highlight_html, legend_html
from webapp.components.research import choose_corpus
from webapp.components.text import inert


def describe(span: Span) -> str:
    return f"{span.label} '{span.text}' at {span.start}"


st.title("Gold editing")
corpus = choose_corpus(key="gold-corpus")
if corpus is None:
    st.stop()
info = {c.name: c for c in services.corpora()}[corpus]
split = st.selectbox("Split", sorted(info.documents), key="gold-split")
document_ids = [d.id for d in services.documents(corpus, split)]
document_id = st.selectbox("Document", document_ids, key="gold-document")
gold = services.store().document(corpus, document_id)
history = services.store().gold_log(corpus, document_id)
current = history[0].number if history else 0

key = f"draft:{corpus}:{document_id}"
models, _ = services.models()
names = {services.model_label(m): m for m in models}
start_left, start_right = st.columns([3, 1])
source = start_left.selectbox("Start from", ["the current gold", *names], key="gold-source")
if start_right.button("Load", width="stretch") or key not in st.session_state:
    if source == "the current gold":
        spans = list(gold.spans)
    else:
        (annotation,) = services.annotate([names[source]], gold.text)
        spans = list(annotation.prediction.spans)
    st.session_state[key] = {"based_on": current, "spans": spans, "source": source}
draft = st.session_state[key]
spans: list[Span] = sorted(draft["spans"])

in_gold, in_draft = set(gold.spans), set(spans)
added = [s for s in spans if s not in in_gold]
removed = [s for s in gold.spans if s not in in_draft]
st.caption(
    f"Revision {current} by {inert(history[0].author) if history else '-'}; draft from {inert(draft['source'])}: "
    f"{len(spans)} spans, {len(added)} not in the gold (outlined), {len(removed)} gold spans left out."
)
st.html(legend_html())
st.html(highlight_html(gold.text, spans, marks=dict.fromkeys(added, "only here"), height=420))

review, edit, add = st.tabs(["Accept or reject changes", "Relabel or remove", "Add a span"])
with review:
    changes = [f"add {describe(s)}" for s in added] + [f"drop {describe(s)}" for s in removed]
    if not changes:
        st.write("The draft equals the current gold.")
    rejected = st.multiselect("Reject these changes (the rest are accepted on save)", changes, key="gold-reject")
    if st.button("Reject selected changes", disabled=not rejected):
        drop = {s for s in added if f"add {describe(s)}" in rejected}
        restore = [s for s in removed if f"drop {describe(s)}" in rejected]
        draft["spans"] = [s for s in spans if s not in drop] + restore
        st.rerun()
with edit:
    options = {f"#{i} {describe(s)}": s for i, s in enumerate(spans)}
    target = st.selectbox("Span", list(options), key="gold-target")
    new_label = st.selectbox("New label", LABELS, key="gold-new-label")
    left, right = st.columns(2)
    if left.button("Relabel", disabled=target is None):
        old = options[target]
        draft["spans"] = [dataclasses.replace(s, label=new_label) if s is old else s for s in spans]
        st.rerun()
    if right.button("Remove", disabled=target is None):
        draft["spans"] = [s for s in spans if s is not options[target]]
        st.rerun()
with add:
    phrase = st.text_input("Exact text of the new span", key="gold-phrase")
    occurrence = st.number_input("Which occurrence in the note", 1, 10_000, 1, key="gold-occurrence")
    label = st.selectbox("Label", LABELS, key="gold-add-label")
    if st.button("Add span"):
        position = -1
        for _ in range(int(occurrence)):
            position = gold.text.find(phrase, position + 1) if phrase else -1
            if position < 0:
                break
        if not phrase.strip() or position < 0:
            st.error(f"'{inert(phrase)}' does not occur {int(occurrence)} time(s) in the note.")
        else:
            new = Span.of(gold.text, position, position + len(phrase), label)
            clash = [s for s in spans if s.overlaps(new)]
            if clash:
                st.error(f"It overlaps {inert(describe(clash[0]))}; remove that span first.")
            else:
                draft["spans"] = [*spans, new]
                st.rerun()

st.subheader("Save")
author = st.text_input("Your name", key="gold-author")
note = st.text_input("What changed (optional)", key="gold-note")
if st.button("Save gold revision", type="primary"):
    refs = {s.ref for s in spans if s.ref}
    relations = [r for r in gold.relations if r.arg1 in refs and r.arg2 in refs]
    try:
        saved = services.store().save_gold(
            corpus, document_id, spans, relations, by=author, note=note, based_on=draft["based_on"]
        )
    except RevisionConflict as error:
        st.error(f"{inert(error)}. Your draft is kept; press Load to start again from the newer gold.")
    except ValueError as error:
        st.error(inert(error))
    else:
        st.session_state[key] = {"based_on": saved.number, "spans": list(saved.spans), "source": "the current gold"}
        st.session_state["gold-saved"] = f"Saved revision {saved.number} of {inert(document_id)}."
        st.rerun()
if saved_message := st.session_state.pop("gold-saved", None):  # shown once, after the rerun the save needs
    st.success(saved_message)

with st.expander(f"History ({len(history)} revisions)"):
    st.dataframe(
        pd.DataFrame(
            [
                {"revision": r.number, "author": r.author, "saved": r.created_at, "spans": r.span_count, "note": r.note}
                for r in history
            ]
        ),
        hide_index=True,
    )

if st.button(f"Export {inert(corpus)} as BRAT (current gold of every document)"):
    split_of = {d.id: split for split in info.documents for d in services.documents(corpus, split)}
    st.session_state["gold-export"] = (corpus, corpus_zip(services.documents(corpus), split_of=split_of))
export = st.session_state.get("gold-export")
if export is not None and export[0] == corpus:
    st.download_button(f"Download {inert(corpus)}-brat.zip", export[1], f"{corpus}-brat.zip", "application/zip")
