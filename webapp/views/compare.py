"""Compare models: strict F1 per model and split, per label, CRF and SamBD pairs, learning curves."""

import pandas as pd
import streamlit as st

from engine.labels import LABELS
from webapp import services
from webapp.components import tables
from webapp.components.charts import learning_curve, per_label_bars
from webapp.components.research import choose_corpus, evaluate_missing_button

st.title("Compare models")
st.caption("Strict span-level scores (seqeval, IOB2). Paper mode is the study's tag-level scoring, shown beside them.")

models, _ = services.models()
real_rows = tables.real_text_rows(
    models, services.evaluations(), demo=services.DEMO_CORPUS, real=services.open_corpus_names()
)
if real_rows:
    st.subheader("Real text")
    st.caption(
        "Each model on the test splits of the open real corpora (real-*; each scored only on the labels it "
        "annotates: Drug everywhere, ADE in BC5CDR) beside the generated demo test split. The demo split says "
        "how well a model learned the generator; the real splits say how it reads text nobody here wrote."
    )
    st.dataframe(pd.DataFrame(real_rows), hide_index=True, width="stretch")

corpus = choose_corpus()
if corpus is None:
    st.stop()
records = services.evaluations(corpus)
evaluate_missing_button(models, records, corpus)
if not records:
    st.info("No evaluations on this corpus yet.")
    st.stop()

rows = tables.score_rows(models, records)
st.subheader("Scores per model and split")
st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")

split = st.radio("Split for the charts and pairs", sorted({r.split for r in records}, reverse=True), horizontal=True)
chosen_records = [r for r in records if r.split == split]
by_fingerprint = {m.fingerprint: m for m in models}
known = [r for r in chosen_records if r.model in by_fingerprint]
names = [by_fingerprint[r.model].name for r in known]
picked = st.multiselect("Models in the per-label chart", names, default=names[:6])
per_label = {
    by_fingerprint[r.model].name: {label: row["f1"] for label, row in r.metrics["per_label"].items()}
    for r in known
    if by_fingerprint[r.model].name in picked
}
st.plotly_chart(per_label_bars(per_label, LABELS, title=f"Per-label strict F1 ({split})"), width="stretch")

for column, differ_by, title in zip(
    st.columns(2), ("crf", "sambd"), ("CRF against no CRF", "SamBD against the full data"), strict=True
):
    with column:
        st.subheader(title)
        rows = tables.pairs(models, chosen_records, differ_by=differ_by)
        if rows:
            st.dataframe(pd.DataFrame(rows), hide_index=True)
        else:
            st.write(f"No two models here differ only in {'the CRF layer' if differ_by == 'crf' else 'SamBD'}.")

st.subheader("Learning curve")
curves = tables.learning_curves(models, chosen_records)
if curves:
    st.plotly_chart(learning_curve(curves, title=f"Strict macro F1 against training share ({split})"), width="stretch")
else:
    st.write(
        "Train one kind of model on several shares of the notes (Train page, *share of training notes*) "
        "to see its learning curve here."
    )
