"""MedNER Studio: ``python -m webapp.serve`` (or ``streamlit run webapp/app.py``, which loads the
models at the first page instead of at start). Page config, sign-in gate and navigation, nothing
else; each run is timed where ``MEDNER_RERUN_LOG`` asks (:mod:`webapp.application.timings`)."""

import sys
from pathlib import Path

import streamlit as st

# `streamlit run webapp/app.py` puts webapp/ on the path, not the repository root that holds the packages.
ROOT = str(Path(__file__).resolve().parent.parent)
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from webapp import auth, services  # noqa: E402  (needs the path above)
from webapp.application.timings import timed_rerun  # noqa: E402

# Each run timed on the server (written only where MEDNER_RERUN_LOG names a file: webapp/application/timings.py).
with timed_rerun() as rerun:
    st.set_page_config(page_title="MedNER Studio", page_icon=":pill:", layout="wide")
    services.warm_models()

    # Not "pages/": Streamlit would treat that folder as old-style pages and run one of them without this
    # script (and its sign-in gate) on the first request a fresh server gets for its address.
    PAGES = Path(__file__).parent / "views"
    navigation = st.navigation(
        {
            "Use": [st.Page(PAGES / "annotate.py", title="Annotate", icon=":material/edit_note:", default=True)],
            "Research": [
                st.Page(PAGES / "compare.py", title="Compare models", icon=":material/leaderboard:"),
                st.Page(PAGES / "confusion.py", title="Confusion", icon=":material/grid_on:"),
                st.Page(PAGES / "errors.py", title="Error analysis", icon=":material/bug_report:"),
                st.Page(PAGES / "corpus.py", title="Corpus and SamBD", icon=":material/folder_open:"),
            ],
            "Build": [
                st.Page(PAGES / "train.py", title="Train", icon=":material/model_training:"),
                st.Page(PAGES / "gold.py", title="Gold editing", icon=":material/rule:"),
            ],
        },
        position="sidebar" if (signed_in := auth.signed_in()) else "hidden",
    )
    rerun.page = navigation.title
    if not signed_in:
        # Every address resolves to its page as usual, but the page does not run until the session has
        # signed in; then the same address opens (deep links survive the sign-in).
        auth.sign_in_page()
        st.stop()
    auth.sign_out_button()
    navigation.run()
