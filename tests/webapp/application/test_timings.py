"""Each script run timed on the server where MEDNER_RERUN_LOG asks (webapp/application/timings.py)."""

import os

import pytest

from webapp.application.timings import read_rerun_log, timed_rerun


def test_a_rerun_is_logged_only_where_asked_and_even_when_it_stops_early(tmp_path, monkeypatch):
    log = tmp_path / "reruns.tsv"
    monkeypatch.delenv("MEDNER_RERUN_LOG", raising=False)
    with timed_rerun() as rerun:
        rerun.page = "Annotate"
    assert not log.exists(), "nothing is written unless asked"
    monkeypatch.setenv("MEDNER_RERUN_LOG", str(log))
    with timed_rerun() as rerun:
        rerun.page = "Gold\tediting"
    with pytest.raises(RuntimeError), timed_rerun():  # st.stop and st.rerun end a run by raising
        raise RuntimeError
    (first, second) = read_rerun_log(log)
    assert first[:2] == (os.getpid(), "Gold editing") and first[2] >= 0
    assert second[:2] == (os.getpid(), "-")
