"""Compare models: strict F1 per model and split, per label, CRF and SamBD pairs, learning curves."""

import pandas as pd
import streamlit as st

from engine.labels import LABELS
from webapp import services
from webapp.components import tables
from webapp.components.charts import learning_curve, per_label_bars, reliability_chart
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
st.caption(
    "Each interval is a 95 % bootstrap over documents (1,000 resamples): two models whose intervals overlap "
    "widely may not differ at all; the A-against-B test below says whether they do. n2c2 lenient counts a "
    "prediction that overlaps a gold span of the same label, as the n2c2 2018 shared task did."
)
st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")

split = st.radio("Split for the charts and pairs", sorted({r.split for r in records}, reverse=True), horizontal=True)
chosen_records = [r for r in records if r.split == split]
by_fingerprint = {m.fingerprint: m for m in models}
known = [r for r in chosen_records if r.model in by_fingerprint]
names = [by_fingerprint[r.model].name for r in known]
picked = st.multiselect("Models in the per-label chart", names, default=names[:6])
scoring_name = st.radio("Scoring of the per-label chart", list(tables.SCORINGS), horizontal=True, key="scoring")
scoring = tables.SCORINGS[scoring_name]
per_label, bounds = {}, {}
for record in known:
    name = by_fingerprint[record.model].name
    if name in picked:
        per_label[name], bounds[name] = tables.per_label_scores(record, scoring)
reference = None
labels = list(LABELS)
if scoring == "paper":
    labels.append("macro")
    published, source = services.published_figures()
    if st.checkbox("Show the study's published figures (n2c2, not run here)", value=True, key="published"):
        reference = published
    st.caption(
        "Paper mode is the study's scoring: tag level, per subword, here with B- and I- merged into the label as "
        "in its Figures 6 and 7; 'macro' averages the nine labels and O. The hatched grey bars are the study's "
        f"published figures on n2c2 2018 ({source}, read off the figures, +-0.005): they were not run here, "
        "and a model compares with them only when it is trained and tested on n2c2."
    )
    paper = tables.paper_rows(models, chosen_records, published=reference is not None)
    st.dataframe(pd.DataFrame(paper), hide_index=True)
chart_title = f"Per-label F1, {scoring_name} ({split})" + ("; bars: 95 % intervals" if scoring != "paper" else "")
st.plotly_chart(
    per_label_bars(
        per_label,
        labels,
        title=chart_title,
        intervals=bounds,
        reference=reference,
        y_title="F1",
    ),
    width="stretch",
)

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

st.subheader("A against B")
st.caption(
    "Is one model better than another on the same notes, beyond chance? Approximate randomisation swaps the two "
    "models' results on random documents 1,000 times: the p-value is the share of swaps that differ at least as "
    "much as the two models do. The interval of B - A is a paired 95 % bootstrap over documents."
)
if len(known) < 2:
    st.write("Evaluate at least two models on this split to compare them.")
else:
    by_name = {by_fingerprint[r.model].name: r for r in known}
    left, right, which = st.columns([2, 2, 3])
    name_a = left.selectbox("A", list(by_name), index=0, key="pair-a")
    name_b = right.selectbox("B", list(by_name), index=1, key="pair-b")
    compared_as = which.radio(
        "Scoring",
        ["strict spans (seqeval)", "n2c2 lenient", "relations, end to end"],
        horizontal=True,
        key="pair-by",
    )
    if name_a == name_b:
        st.write("Choose two different models.")
    else:
        try:
            result = services.paired_comparison(by_name[name_a], by_name[name_b])
        except ValueError as error:
            st.error(str(error))
            result = None
        key = {"strict": "strict", "n2c2": "n2c2_lenient", "relations,": "relations/linker:end_to_end"}[
            compared_as.split()[0]
        ]
        if result is not None and key not in result:
            st.info(
                "One of these evaluations was stored before per-document counts were kept, or its notes have no "
                "relations: evaluate the models again (python -m webapp.worker sync) to compare them."
            )
        elif result is not None:
            test = result[key]
            micro = test["micro_f1"]
            beyond = micro["p_value"] < 0.05
            verdict = f"{'a' if beyond else 'no'} difference beyond chance at the 5 % level"
            st.markdown(
                f"On {test['documents']} documents, micro F1 of B minus A is **{micro['difference']:+.4f}** "
                f"(95 % interval {micro['ci'][0]:+.3f} to {micro['ci'][1]:+.3f}), p = **{micro['p_value']:.3f}**: "
                f"{verdict}."
            )
            st.dataframe(pd.DataFrame(tables.comparison_rows(test)), hide_index=True, width="stretch")

linked = tables.relation_rows(models, records)
if linked:
    st.subheader("Which attribute is whose: drug-attribute relations")
    st.caption(
        "n2c2 2018 relation scoring: a relation counts when its attribute and its Drug both match the gold spans "
        "exactly. 'Gold entities' attaches the gold spans (the linker alone); 'end to end' attaches the spans the "
        "model found. The learned linker against the nearest-drug rule, paired over documents (p: approximate "
        "randomisation, 1,000 swaps)."
    )
    st.dataframe(pd.DataFrame(linked), hide_index=True, width="stretch")

st.subheader("Calibration")
calibrated = tables.calibration_rows(models, chosen_records)
if calibrated:
    st.caption(
        "Does a span the model gives 0.8 turn out right 8 times in 10? Each predicted span's probability (a CRF's "
        "marginal of the span, or the product of its words' probabilities) against whether it matches a gold span "
        "exactly, in ten bins. ECE, the expected calibration error, is the spans-weighted gap between the two: "
        "0 is perfect."
    )
    st.dataframe(pd.DataFrame(calibrated), hide_index=True)
    curves = {
        by_fingerprint[r.model].name: r.metrics["calibration"]["bins"]
        for r in known
        if (r.metrics.get("calibration") or {}).get("spans")
    }
    st.plotly_chart(reliability_chart(curves, title=f"Reliability ({split})"), width="stretch")
else:
    st.write("No evaluation here has span probabilities yet: evaluate the models again to see their calibration.")

st.subheader("Learning curve")
curves = tables.curve_points(models, chosen_records)
if curves:
    st.plotly_chart(learning_curve(curves, title=f"Strict macro F1 against training share ({split})"), width="stretch")
else:
    st.write(
        "Train one kind of model on several shares of the notes (Train page, *share of training notes*) "
        "to see its learning curve here."
    )
