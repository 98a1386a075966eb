"""Error analysis: every error of a model, filtered; the note around one; two models compared."""

import pandas as pd
import streamlit as st

from engine.evaluation import compare_errors, predicted_spans
from engine.labels import LABELS
from engine.types import ERROR_KINDS
from webapp import services
from webapp.components.charts import error_kind_bars
from webapp.components.highlight import highlight_html, legend_html
from webapp.components.research import choose_corpus, choose_evaluation
from webapp.components.text import inert

CONTEXT_CHARS = 250


def error_table(errors) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "document": e.document_id,
                "kind": e.kind,
                "label": e.label,
                "gold": f"{e.gold.label} '{e.gold.text}'" if e.gold else "",
                "predicted": f"{e.predicted.label} '{e.predicted.text}'" if e.predicted else "",
                "at": e.start,
            }
            for e in errors
        ],
        columns=["document", "kind", "label", "gold", "predicted", "at"],
    )


st.title("Error analysis")
models, _ = services.models()
corpus = choose_corpus()
if corpus is None:
    st.stop()
records = services.evaluations(corpus)
chosen = choose_evaluation(models, records, key="errors-model")
if chosen is None:
    st.stop()
model, record = chosen
errors = services.errors_of(record.id)
by_label = record.metrics["errors_by_label"]

st.plotly_chart(
    error_kind_bars(
        {label: by_label[label] for label in LABELS if label in by_label},
        ERROR_KINDS,
        title=f"Errors by kind and label: {model.name}",
    ),
    width="stretch",
)

left, middle, right = st.columns(3)
labels = left.multiselect("Label", LABELS, default=[])
kinds = middle.multiselect("Kind", ERROR_KINDS, default=[])
document_filter = right.text_input("Document contains")
shown = [
    e
    for e in errors
    if (not labels or e.label in labels)
    and (not kinds or e.kind in kinds)
    and (not document_filter or document_filter in e.document_id)
]
st.caption(f"{len(shown)} of {len(errors)} errors")
st.dataframe(error_table(shown), hide_index=True, width="stretch", height=300)

if shown:
    index = st.number_input("Show error number (row of the table, from 0)", 0, len(shown) - 1, 0, key="error-index")
    error = shown[int(index)]
    gold = services.store().document(corpus, error.document_id)
    predicted = predicted_spans(gold, errors)  # it keeps the errors of this document
    window = (error.start - CONTEXT_CHARS, error.start + CONTEXT_CHARS)
    focus_gold = {error.gold: "focus"} if error.gold else {}
    focus_predicted = {error.predicted: "focus"} if error.predicted else {}
    st.markdown(f"**{error.kind}** in {inert(error.document_id)}: the outlined span is the error.")
    st.html(legend_html())
    gold_column, predicted_column = st.columns(2)
    with gold_column:
        st.caption("Gold")
        st.html(highlight_html(gold.text, gold.spans, marks=focus_gold, window=window, height=320))
    with predicted_column:
        st.caption(f"Predicted by {inert(model.name)}")
        st.html(highlight_html(gold.text, predicted, marks=focus_predicted, window=window, height=320))

st.subheader("Two models compared")
other = choose_evaluation(
    models, [r for r in records if r.split == record.split], key="errors-other", label="Compare with"
)
if other is not None and other[1].id != record.id:
    other_model, other_record = other
    fixed, broken, both = compare_errors(errors, services.errors_of(other_record.id))
    st.write(
        f"On {inert(record.split)}: **{len(fixed)}** errors of {inert(model.name)} that {inert(other_model.name)} "
        "does not make (fixed), "
        f"**{len(broken)}** errors only {inert(other_model.name)} makes (broken), **{len(both)}** made by both."
    )
    fixed_tab, broken_tab = st.tabs([f"Fixed by {inert(other_model.name)}", f"Broken by {inert(other_model.name)}"])
    fixed_tab.dataframe(error_table(fixed), hide_index=True, width="stretch")
    broken_tab.dataframe(error_table(broken), hide_index=True, width="stretch")
