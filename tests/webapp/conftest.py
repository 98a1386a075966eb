"""Helpers of the page tests (the app world fixtures are in tests/conftest.py)."""

import re
from pathlib import Path

from streamlit.testing.v1 import AppTest

PAGES = Path(__file__).resolve().parents[2] / "webapp" / "views"


def page(name: str) -> AppTest:
    """A page of the app, ready to run (generous timeout: the first run loads a model)."""
    return AppTest.from_file(str(PAGES / f"{name}.py"), default_timeout=120)


def shown(markdown: str) -> str:
    """What a reader sees of a message whose user text was escaped (``webapp.components.text.inert``)."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown).replace("\u200b", "")
