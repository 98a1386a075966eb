"""Corpus and SamBD: browse documents with their gold, label distribution before and after SamBD."""

from collections import Counter

import pandas as pd
import streamlit as st

from engine.labels import LABELS
from webapp import services
from webapp.components.charts import before_after_bars, histogram
from webapp.components.highlight import highlight_html, legend_html
from webapp.components.research import choose_corpus
from webapp.components.text import inert

st.title("Corpus and SamBD")

with st.expander("Import a BRAT corpus folder (e.g. n2c2-2018 Track 2)"):
    st.write("A folder on this machine holding `train/`, `dev/`, `test/` (or notes directly): `NAME.txt` + `NAME.ann`.")
    folder = st.text_input("Folder")
    name = st.text_input("Corpus name", value="n2c2")
    if st.button("Import"):
        try:
            added, problems = services.import_folder(name.strip(), folder.strip())
        except services.ActionFailed as error:
            st.error(inert(error))
        else:
            st.success(f"Imported {added} new documents into {inert(name)}.")
            if problems:
                st.warning(f"{len(problems)} problems in the files; what they name was left out or needs a look:")
                st.code("\n".join(problems[:200]) + ("\n…" if len(problems) > 200 else ""), language=None)

deleted = st.session_state.pop("corpus-deleted", None)
if deleted is not None:
    st.success(inert(deleted.summary()))
    if deleted.models_trained_since:
        st.warning(
            "These models were registered after the document was added and may have been trained on it: "
            f"{inert(', '.join(deleted.models_trained_since))}. Retrain or delete them to remove its influence."
        )

corpus = choose_corpus()
if corpus is None:
    st.stop()
info = {c.name: c for c in services.corpora()}[corpus]
st.write(" · ".join(f"{inert(split)}: {count} documents" for split, count in sorted(info.documents.items())))

browse, distribution, lengths = st.tabs(["Documents", "Labels and SamBD", "Note lengths"])
with browse:
    split = st.selectbox("Split", sorted(info.documents), key="browse-split")
    documents = services.documents(corpus, split) if split else []
    chosen = st.selectbox("Document", [d.id for d in documents], key="browse-document")
    if chosen is None:
        st.write("This corpus has no documents.")
    else:
        document = next(d for d in documents if d.id == chosen)
        counts = Counter(span.label for span in document.spans)
        st.html(legend_html(counts=counts))
        st.html(highlight_html(document.text, document.spans))
        medications = services.medications(document)
        st.caption(f"Medications (grouped by {medications.grouped_by})")
        st.dataframe(pd.DataFrame(medications.rows()), hide_index=True, width="stretch")
        with st.expander("Delete this document and everything derived from it"):
            st.write(
                f"Removes the text of **{inert(chosen)}**, all its gold revisions, every cached prediction of its "
                f"text and the evaluation runs of {inert(corpus)}/{inert(split)} (their figures and error lists "
                "include it). It cannot be undone. Files it was imported from are not touched; trained models are "
                "listed, not deleted."
            )
            confirm = st.text_input(f"Type {inert(chosen)} to confirm", key=f"delete-confirm:{corpus}:{chosen}")
            if st.button("Delete for good", type="primary", disabled=confirm.strip() != chosen):
                st.session_state["corpus-deleted"] = services.delete_document(corpus, chosen)
                st.rerun()

with distribution:
    counts = services.sambd_counts(corpus)
    if not counts:
        st.write("This corpus has no training sentences.")
    else:
        sentences, empty = counts["sentences"], counts["sentences_without_entity"]
        a, b, c = st.columns(3)
        a.metric("Training sentences", f"{sentences['after']:,}", f"{sentences['after'] - sentences['before']:,}")
        b.metric("Sentences with no entity", f"{empty['after']:,}", f"{empty['after'] - empty['before']:,}")
        c.metric(
            "Share with no entity",
            f"{counts['share_without_entity']['after']:.0%}",
            f"was {counts['share_without_entity']['before']:.0%}",
            delta_color="off",
        )
        words_before, words_after = counts["words"]["before"], counts["words"]["after"]
        total_before, total_after = sum(words_before.values()) or 1, sum(words_after.values()) or 1
        keys = ["O", *LABELS]
        st.plotly_chart(
            before_after_bars(
                {k: words_before.get(k, 0) / total_before for k in keys},
                {k: words_after.get(k, 0) / total_after for k in keys},
                title="Share of training words by label",
                y="share of words",
            ),
            width="stretch",
        )
        st.plotly_chart(
            before_after_bars(
                {k: counts["labels"]["before"].get(k, 0) for k in LABELS},
                {k: counts["labels"]["after"].get(k, 0) for k in LABELS},
                title="Entities by label (SamBD keeps every sentence that has one)",
                y="entities",
            ),
            width="stretch",
        )

with lengths:
    everything = services.documents(corpus)
    words = [len(d.text.split()) for d in everything]
    if words:
        st.plotly_chart(histogram(words, title="Words per note", x="words"), width="stretch")
        st.caption(f"{len(words)} notes, median {sorted(words)[len(words) // 2]} words, longest {max(words)}.")
