"""The n2c2-2018 Track 2 label set and IOB2 tag helpers."""

from __future__ import annotations

LABELS: tuple[str, ...] = (
    "Drug",
    "Strength",
    "Form",
    "Dosage",
    "Frequency",
    "Route",
    "Duration",
    "Reason",
    "ADE",
)

#: The attribute labels (every label but Drug), in the order a medication list shows them.
ATTRIBUTES: tuple[str, ...] = ("Strength", "Dosage", "Form", "Route", "Frequency", "Duration", "Reason", "ADE")

OUTSIDE = "O"

#: O first, then B-/I- per label: the 19 tags the study's models predict.
TAGS: tuple[str, ...] = (OUTSIDE, *tuple(f"{prefix}-{label}" for label in LABELS for prefix in ("B", "I")))

TAG_TO_ID: dict[str, int] = {tag: index for index, tag in enumerate(TAGS)}

_LABEL_BY_LOWER = {label.lower(): label for label in LABELS}


def canonical_label(name: str) -> str | None:
    """The label spelled as in ``LABELS`` for any capitalisation of it, else None."""
    return _LABEL_BY_LOWER.get(name.strip().lower())


def begin(label: str) -> str:
    return f"B-{label}"


def inside(label: str) -> str:
    return f"I-{label}"


def split_tag(tag: str) -> tuple[str, str]:
    """``"B-Drug"`` -> ``("B", "Drug")``; ``"O"`` -> ``("O", "")``.

    Raises ValueError for anything that is not an IOB2 tag.
    """
    if tag == OUTSIDE:
        return OUTSIDE, ""
    prefix, sep, label = tag.partition("-")
    if sep != "-" or prefix not in ("B", "I") or not label:
        raise ValueError(f"not an IOB2 tag: {tag!r}")
    return prefix, label


def is_allowed_transition(previous: str, current: str) -> bool:
    """Whether ``current`` may follow ``previous`` in strict IOB2 (an I- continues its own label)."""
    prefix, label = split_tag(current)
    if prefix != "I":
        return True
    previous_prefix, previous_label = split_tag(previous)
    return previous_prefix in ("B", "I") and previous_label == label


def repair_tags(tags: list[str]) -> list[str]:
    """Turn every I- that cannot continue an entity into a B- (the usual IOB2 repair)."""
    repaired: list[str] = []
    previous = OUTSIDE
    for tag in tags:
        if not is_allowed_transition(previous, tag):
            tag = begin(split_tag(tag)[1])
        repaired.append(tag)
        previous = tag
    return repaired
