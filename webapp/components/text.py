"""Text from notes, files and people, shown in Streamlit elements that read markdown.

Messages, captions, headings, tab and button labels all go through Streamlit's markdown, which
turns ``![x](http://...)`` into an image the browser fetches (a note's words leaving the machine in
a URL), ``[x](...)`` and bare ``https://...`` or ``www....`` into links, and ``:red[...]`` or
``$...$`` into colour and maths. Whatever did not come from this code goes through :func:`inert`
first; note text in the highlighted views is HTML-escaped instead (``webapp.components.highlight``).
"""

from __future__ import annotations

import re

#: Every ASCII punctuation character: CommonMark lets a backslash escape each one, which shows it
#: as written and stops it from starting any markdown construct.
_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")
#: Where GitHub-flavoured markdown starts a bare link. It finds them in the text after escapes are
#: undone, so escaping cannot stop it: a zero-width space after the scheme or ``www`` does.
_BARE_LINK = re.compile(r"(?i)\b(https?|ftp|www)(?=[:.])")
ZERO_WIDTH_SPACE = "\u200b"


def inert(text: object) -> str:
    """``text`` (or ``str(text)``) escaped so that Streamlit's markdown shows it as written: every
    ASCII punctuation character backslash-escaped, and a zero-width space after the ``https`` or
    ``www`` that would start a bare link."""
    return _PUNCTUATION.sub(r"\\\1", _BARE_LINK.sub(rf"\1{ZERO_WIDTH_SPACE}", str(text)))
