"""Text from notes, files and people, shown in Streamlit elements that read markdown.

Messages, captions, headings, tab and button labels all go through Streamlit's markdown, which
turns ``![x](http://...)`` into an image the browser fetches (a note's words leaving the machine in
a URL), ``[x](...)`` into a link, and ``:red[...]`` or ``$...$`` into colour and maths. Whatever did
not come from this code goes through :func:`inert` first; note text in the highlighted views is
HTML-escaped instead (``webapp.components.highlight``).
"""

from __future__ import annotations

import re

#: Every ASCII punctuation character: CommonMark lets a backslash escape each one, which shows it
#: as written and stops it from starting any markdown construct.
_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")


def inert(text: object) -> str:
    """``text`` (or ``str(text)``) escaped so that Streamlit's markdown shows it exactly as written."""
    return _PUNCTUATION.sub(r"\\\1", str(text))
