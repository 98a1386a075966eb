import re

from hypothesis import given
from hypothesis import strategies as st

from webapp.components.text import inert


def test_markdown_that_would_fetch_link_or_colour_is_escaped():
    assert inert("![x](http://a/b.png)") == r"\!\[x\]\(http\:\/\/a\/b\.png\)"
    assert inert(":red[alert] $x$ <b>") == r"\:red\[alert\] \$x\$ \<b\>"
    assert inert(ValueError("a_b")) == r"a\_b"


@given(st.text())
def test_every_ascii_punctuation_character_is_escaped_and_nothing_else_changes(text):
    escaped = inert(text)
    assert re.sub(r"\\(.)", r"\1", escaped, flags=re.DOTALL) == text
    punctuation = r"[!-/:-@\[-`{-~]"
    assert re.fullmatch(rf"(?:\\{punctuation}|(?!{punctuation}).)*", escaped, flags=re.DOTALL)
