"""Error analysis: every error of a model, filtered; the note around one; two models compared."""

import pandas as pd
import streamlit as st

from engine.labels import LABELS
from engine.types import ERROR_KINDS
from webapp import services
from webapp.components.charts import error_kind_bars
from webapp.components.highlight import highlight_html, legend_html
from webapp.components.research import choose_corpus, choose_evaluation
from webapp.components.text import inert

CONTEXT_CHARS = 250


def error_table(errors, forgiven=None) -> pd.DataFrame:
    """One row an error; with ``forgiven`` (error -> bool), a ``lenient`` column."""
    columns = ["document", "kind", "label", "gold", "predicted", "at"] + (["lenient"] if forgiven else [])
    return pd.DataFrame(
        [
            {
                "document": e.document_id,
                "kind": e.kind,
                "label": e.label,
                "gold": f"{e.gold.label} '{e.gold.text}'" if e.gold else "",
                "predicted": f"{e.predicted.label} '{e.predicted.text}'" if e.predicted else "",
                "at": e.start,
                **({"lenient": "forgiven" if forgiven[e] else "counted"} if forgiven else {}),
            }
            for e in errors
        ],
        columns=columns,
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
lenient = st.toggle(
    "Lenient view (n2c2): mark the errors that lenient matching forgives",
    key="errors-lenient",
    help="Lenient matching counts a prediction that overlaps a gold span of the same label as found: "
    "boundary errors are forgiven, wrong labels, misses and spurious spans are not.",
)
forgiven = services.lenient_verdicts(corpus, record) if lenient else None
hide_forgiven = lenient and st.checkbox("Hide the forgiven errors", key="errors-hide-forgiven")
shown = [
    e
    for e in errors
    if (not labels or e.label in labels)
    and (not kinds or e.kind in kinds)
    and (not document_filter or document_filter in e.document_id)
    and not (hide_forgiven and forgiven[e])
]
if forgiven is not None:
    count = sum(forgiven.values())
    share = count / len(errors) if errors else 0.0
    st.markdown(
        f"Lenient matching forgives **{count}** of {len(errors)} errors ({share:.0%}): that much of this model's "
        "strict loss is boundaries."
    )
st.caption(f"{len(shown)} of {len(errors)} errors")
st.dataframe(error_table(shown, forgiven), hide_index=True, width="stretch", height=300)

if shown:
    index = st.number_input("Show error number (row of the table, from 0)", 0, len(shown) - 1, 0, key="error-index")
    error = shown[int(index)]
    gold = services.document(corpus, error.document_id)
    predicted = services.predicted_spans(gold, errors)  # it keeps the errors of this document
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
    fixed, broken, both = services.compare_errors(errors, services.errors_of(other_record.id))
    st.write(
        f"On {inert(record.split)}: **{len(fixed)}** errors of {inert(model.name)} that {inert(other_model.name)} "
        "does not make (fixed), "
        f"**{len(broken)}** errors only {inert(other_model.name)} makes (broken), **{len(both)}** made by both."
    )
    fixed_tab, broken_tab = st.tabs([f"Fixed by {inert(other_model.name)}", f"Broken by {inert(other_model.name)}"])
    fixed_tab.dataframe(error_table(fixed), hide_index=True, width="stretch")
    broken_tab.dataframe(error_table(broken), hide_index=True, width="stretch")
