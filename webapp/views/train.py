"""Train: start a training job in its own process and follow its loss and dev F1 as they come."""

import pandas as pd
import streamlit as st

from webapp import services
from webapp.components.jobs import job_summary, show_job
from webapp.components.research import choose_corpus
from webapp.components.text import inert

st.title("Train a model")
st.caption(
    "Training runs as its own process and reports to the store: you can leave this page or reload the "
    "browser and come back to it. The model is scored on the corpus's dev and test splits when it ends."
)

corpus = choose_corpus(key="train-corpus")
choices = services.training_choices()
if corpus is not None:
    kind_name = st.selectbox(
        "Kind", list(choices.kinds), format_func=lambda k: f"{k}: {choices.kinds[k].description}", key="train-kind"
    )
    spec = choices.kinds[kind_name]
    with st.form("train"):
        left, right = st.columns(2)
        name = left.text_input("Model name (its folder under the models folder)", value=f"{kind_name}-custom")
        if spec.scratch:
            size = right.selectbox(
                "Size", ["small", "tiny", "paper"], help="paper: the study's 65 M parameters (slow on a CPU)"
            )
            encoder = ""
        else:
            size = "small"
            encoder = right.text_input(
                "Encoder", value="", placeholder="bundled MiniLM; or a Hugging Face name / local folder (e.g. BioBERT)"
            )
        epochs = left.number_input("Epochs (at most; early stopping on dev)", 1, 100, 3)
        rate = right.number_input(
            "Learning rate", 1e-6, 1e-2, spec.learning_rate if not spec.scratch else 5e-4, format="%.6f"
        )
        share = left.slider("Share of training notes", 0.05, 1.0, 1.0, 0.05)
        use_sambd = right.checkbox("SamBD (down-sample sentences with no entity)", value=True)
        use_real = left.checkbox(
            "Add real text: partially labelled sentences of the open corpora (Chia, NeuroTrialNER, BC5CDR, "
            "TAC 2017 ADR) and weakly labelled sentences of clinician-written notes",
            value=True,
            key="train-real",
        )
        use_gazetteer = right.checkbox("Drug dictionary feature (gazetteer)", value=False, key="train-gazetteer")
        open_sentences = left.number_input(
            "Sentences of each open corpus", 0, 100_000, 1000, step=500, key="train-open-sentences"
        )
        note_sentences = right.number_input(
            "Sentences of the clinician-written notes (weak labels)",
            0,
            100_000,
            1000,
            step=500,
            key="train-note-sentences",
            help="Labelled by the drug dictionary, the UK medicine names, the drug classes and attribute patterns; "
            "the 40 hand-annotated development notes are never among them. The demo models use 1,000 of each.",
        )
        lexicon = right.selectbox(
            "Dictionary of the gazetteer feature",
            list(choices.lexicons),
            key="train-lexicon",
            help="drugbank: the DrugBank names; medicines: those, UK medicine names and drug classes (a second "
            "channel for classes)",
        )
        replace = st.checkbox("Replace a model folder of the same name", key="train-replace")
        submitted = st.form_submit_button("Start training", type="primary")
    if submitted:
        folder = services.model_roots()[0] / services.safe_name(name, default="model")
        if folder.exists() and not replace:
            st.error(f"{inert(folder)} already exists; choose another name or tick 'Replace'.")
        else:
            settings = {
                "corpus": corpus,
                "model_kind": kind_name,
                "encoder": encoder.strip(),
                "size": size,
                "epochs": int(epochs),
                "learning_rate": float(rate),
                "train_fraction": float(share),
                "sambd": bool(use_sambd),
                "open_corpora": list(choices.open_corpora) if use_real and open_sentences else [],
                "open_sentences": int(open_sentences),
                "note_sentences": int(note_sentences) if use_real else 0,
                "gazetteer": bool(use_gazetteer),
                "lexicon": lexicon,
            }
            job = services.start_job("train", settings, str(folder))
            st.session_state["train-job"] = job.id
            st.success(f"Started job #{job.id}.")

jobs = services.jobs()
if jobs:
    st.subheader("Jobs")
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "job": j.id,
                    "kind": j.kind,
                    "what": j.settings.get("model_kind", ""),
                    "status": j.status,
                    "progress": f"{j.progress:.0%}",
                    "output": j.output,
                    "started": j.started_at,
                    "error": j.error,
                }
                for j in jobs
            ]
        ),
        hide_index=True,
        width="stretch",
    )
    running = [j.id for j in jobs if not j.finished]
    default = st.session_state.get("train-job") or (running[0] if running else jobs[0].id)
    ids = [j.id for j in jobs]
    labels = {j.id: job_summary(j) for j in jobs}
    picked = st.selectbox("Follow job", ids, index=ids.index(default) if default in ids else 0, format_func=labels.get)
    show_job(picked, follow_key="train-job")
