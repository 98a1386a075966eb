import re

from hypothesis import given
from hypothesis import strategies as st

from webapp.components.text import ZERO_WIDTH_SPACE, inert

PUNCTUATION = r"[!-/:-@\[-`{-~]"


def test_markdown_that_would_fetch_link_or_colour_is_escaped():
    assert inert("![x](a.png)") == r"\!\[x\]\(a\.png\)"
    assert inert(":red[alert] $x$ <b>") == r"\:red\[alert\] \$x\$ \<b\>"
    assert inert(ValueError("a_b")) == r"a\_b"


def test_bare_links_are_broken_by_an_invisible_space():
    escaped = inert("see https://example.org and www.example.org or HTTP://x")
    assert "https:" not in escaped.replace("\\", "") and "www." not in escaped.replace("\\", "")
    assert escaped.count(ZERO_WIDTH_SPACE) == 3
    assert inert("awwwful shttp") == "awwwful shttp", "only whole words start links"


@given(st.text())
def test_every_ascii_punctuation_character_is_escaped_and_only_link_starts_change(text):
    escaped = inert(text)
    expected = re.sub(r"(?i)\b(https?|ftp|www)(?=[:.])", rf"\1{ZERO_WIDTH_SPACE}", text)
    assert re.sub(r"\\(.)", r"\1", escaped, flags=re.DOTALL) == expected
    assert re.fullmatch(rf"(?:\\{PUNCTUATION}|(?!{PUNCTUATION}).)*", escaped, flags=re.DOTALL)
