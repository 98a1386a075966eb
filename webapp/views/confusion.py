"""Confusion: span-level label confusion (with 'none' for missed and spurious) and token BIO confusion."""

import streamlit as st

from webapp import services
from webapp.components.charts import confusion_heatmap
from webapp.components.research import choose_corpus, choose_evaluation

st.title("Confusion")
st.caption(
    "Rows are gold, columns predicted. In the span matrix a gold span with no predicted span at the same "
    "offsets lands in the *none* column (missed); a predicted span with no gold one in the *none* row (spurious)."
)

models, _ = services.models()
corpus = choose_corpus()
if corpus is None:
    st.stop()
chosen = choose_evaluation(models, services.evaluations(corpus), key="confusion-model")
if chosen is None:
    st.stop()
model, record = chosen

spans, tokens = st.tabs(["Span labels", "Token BIO tags"])
with spans:
    matrix = record.metrics["span_confusion"]
    st.plotly_chart(
        confusion_heatmap(matrix["labels"], matrix["matrix"], title=f"{model.name} · {record.split}: spans"),
        width="stretch",
    )
    diagonal = sum(matrix["matrix"][i][i] for i in range(len(matrix["labels"]) - 1))
    total = sum(map(sum, matrix["matrix"]))
    st.caption(f"{diagonal} of {total} cells on the diagonal (same offsets, same label).")
with tokens:
    matrix = record.metrics["tag_confusion"]
    hide_o = st.checkbox("Hide the O tag (it dwarfs the rest)", value=True)
    labels, rows = matrix["labels"], matrix["matrix"]
    if hide_o and "O" in labels:
        keep = [i for i, label in enumerate(labels) if label != "O"]
        labels = [labels[i] for i in keep]
        rows = [[rows[i][j] for j in keep] for i in keep]
    st.plotly_chart(confusion_heatmap(labels, rows, title=f"{model.name} · {record.split}: word tags"), width="stretch")
