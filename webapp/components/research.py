"""Widgets the research pages share: corpus, split and evaluation pickers, and 'evaluate' actions."""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from engine.types import EvaluationRecord, ModelInfo
from webapp import services
from webapp.components.jobs import show_job
from webapp.components.text import inert


def choose_corpus(*, key: str = "corpus", listed=None) -> str | None:
    """A corpus of the store (the demo corpus first), or None with a message when there is none.
    ``listed``: :func:`services.corpora`'s answer when the page has it already (one query less)."""
    names = [c.name for c in (services.corpora() if listed is None else listed)]
    if not names:
        st.info("No corpus yet: generate the demo corpus (`make demo`) or import a BRAT folder on the Corpus page.")
        return None
    names.sort(key=lambda name: (name != "demo", name))
    return st.selectbox("Corpus", names, key=key)


def evaluate_missing_button(models: Sequence[ModelInfo], records: Sequence[EvaluationRecord], corpus: str) -> None:
    """Offer to evaluate, as a background job, the models that have no evaluation on ``corpus``."""
    evaluated = {r.model for r in records}
    missing = [m for m in models if m.fingerprint not in evaluated]
    job_id = st.session_state.get(f"evaluate-job-{corpus}")
    if job_id is not None:
        show_job(job_id)
    if missing and st.button(f"Evaluate {len(missing)} model(s) without results on {inert(corpus)} (dev and test)"):
        job = services.start_job(
            "evaluate", {"corpus": corpus, "models": [m.fingerprint for m in missing], "splits": ["dev", "test"]}, ""
        )
        st.session_state[f"evaluate-job-{corpus}"] = job.id
        st.rerun()


def choose_evaluation(
    models: Sequence[ModelInfo], records: Sequence[EvaluationRecord], *, key: str, label: str = "Model"
) -> tuple[ModelInfo, EvaluationRecord] | None:
    """One evaluated model on one split."""
    by_fingerprint = {m.fingerprint: m for m in models}
    options = {
        f"{by_fingerprint[r.model].name} · {r.split}": (by_fingerprint[r.model], r)
        for r in records
        if r.model in by_fingerprint
    }
    if not options:
        st.info("No evaluated model on this corpus yet (see Compare models to evaluate one).")
        return None
    ordered = sorted(options, key=lambda name: (not name.endswith("test"), name))
    return options[st.selectbox(label, ordered, key=key)]
