import pytest

from engine.labels import TAGS, is_allowed_transition, repair_tags, split_tag
from engine.types import Span


def test_span_equality_ignores_the_brat_id():
    assert Span(0, 4, "Drug", "asa", ref="T1") == Span(0, 4, "Drug", "asa", ref="T9")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"start": 5, "end": 5}, "0 <= start < end"),
        ({"start": -1, "end": 3}, "0 <= start < end"),
        ({"start": 0, "end": 9, "fragments": ((0, 3),)}, "at least two"),
        ({"start": 0, "end": 9, "fragments": ((0, 3), (2, 9))}, "ordered and disjoint"),
        ({"start": 0, "end": 9, "fragments": ((1, 3), (5, 9))}, "begin at start"),
    ],
)
def test_invalid_spans_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Span(label="Drug", text="x", **kwargs)


def test_discontinuous_span_exposes_its_pieces():
    span = Span(0, 9, "Drug", "a b", fragments=((0, 3), (5, 9)))
    assert span.is_discontinuous and span.pieces == ((0, 3), (5, 9))
    assert Span(0, 3, "Drug", "abc").pieces == ((0, 3),)


def test_nineteen_tags_with_o_first():
    assert len(TAGS) == 19 and TAGS[0] == "O" and TAGS[1:3] == ("B-Drug", "I-Drug")


def test_iob2_rules():
    assert split_tag("B-ADE") == ("B", "ADE")
    with pytest.raises(ValueError, match="not an IOB2 tag"):
        split_tag("X-Drug")
    assert is_allowed_transition("B-Drug", "I-Drug")
    assert not is_allowed_transition("B-Drug", "I-Route")
    assert not is_allowed_transition("O", "I-Drug")
    assert repair_tags(["I-Drug", "I-Drug", "O", "I-Route"]) == ["B-Drug", "I-Drug", "O", "B-Route"]
