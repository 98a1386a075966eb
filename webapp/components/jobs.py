"""A job's progress as it comes (polled from the store), and the first-run bootstrap panel."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from engine.types import TrainingJob
from webapp import services
from webapp.components.charts import training_curves
from webapp.components.text import inert

#: Seconds between two looks at a running job.
POLL_SECONDS = 2.0


def job_summary(job: TrainingJob) -> str:
    settings = job.settings
    what = settings.get("model_kind") or job.kind
    return f"#{job.id} {job.kind} {what} -> {job.output or '-'} ({job.status})"


def _events_table(job: TrainingJob) -> list[dict[str, float]]:
    rows = []
    for event in job.events:
        if event.event not in ("step", "epoch"):
            continue
        x = (event.epoch - 1) + event.step / max(1, event.steps)
        rows.append({"event": event.event, "x": x, "loss": event.loss, "dev_macro_f1": event.dev_macro_f1})
    return rows


def show_job(job_id: int, *, follow_key: str | None = None) -> None:
    """Status, progress bar, loss and dev F1 curves and the log of one job, refreshed while it runs.
    A failed or cancelled job can be run again; the new job's id goes to ``st.session_state[follow_key]``,
    so the page that follows jobs by that key shows the new one."""

    @st.fragment(run_every=POLL_SECONDS)
    def panel() -> None:
        job = services.refresh_job(job_id)
        st.progress(min(1.0, job.progress), text=f"{inert(job_summary(job))} · {job.progress:.0%}")
        events = _events_table(job)
        if events:
            st.plotly_chart(training_curves(events, title="Loss and dev macro F1"), width="stretch")
            epochs = [e for e in events if e["event"] == "epoch"]
            if epochs:
                st.dataframe(
                    pd.DataFrame(
                        [{"epoch": round(e["x"]), "loss": e["loss"], "dev macro F1": e["dev_macro_f1"]} for e in epochs]
                    ),
                    hide_index=True,
                )
        if job.status == "failed":
            st.error(f"The job failed: {inert(job.error)}")
        elif job.status == "succeeded":
            st.success("Done. The model and its evaluation are now in the other pages.")
        elif job.status == "cancelled":
            st.warning("The job was cancelled.")
        elif st.button("Cancel this job", key=f"cancel-{job.id}"):
            services.cancel_job(job)
        if job.status in ("failed", "cancelled") and st.button("Run it again", key=f"restart-{job.id}"):
            again = services.restart_job(job)
            if follow_key is not None:
                st.session_state[follow_key] = again.id
            st.rerun(scope="app")
        if job.log:
            with st.expander("Log", expanded=job.status == "failed"):
                st.code(job.log[-20000:], language=None)
        if job.finished and st.session_state.get(f"finished-{job.id}") is None:
            st.session_state[f"finished-{job.id}"] = True
            st.cache_data.clear()
            st.rerun()

    panel()


def bootstrap_panel() -> None:
    """First run: no models yet. Offer to train the demo models, or show the training under way."""
    running = [j for j in services.store().jobs(status=["queued", "running"]) if j.kind == "bootstrap"]
    st.info(
        "No trained models yet. The demo models (a small Transformer + CRF and the bundled MiniLM + CRF) "
        "train on the demo corpus in about 5 minutes on 2 CPU cores; `make demo` does the same before "
        "opening the app."
    )
    if running:
        show_job(running[0].id)
        return
    if st.button("Train the demo models", type="primary"):
        root = services.model_roots()[0]
        job = services.start_job("bootstrap", {"data": str(services.demo_data()), "models": str(root)}, str(root))
        st.session_state["bootstrap-job"] = job.id
        st.rerun()
