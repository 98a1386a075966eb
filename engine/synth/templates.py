"""The template language of the demo corpus grammar, and the note builder it writes into.

* ``{Label}`` an entity of the current medication (``{Label@1}`` of the second one), labelled;
* ``{filler}`` (lower case) unlabelled text from the note's :class:`Context`;
* ``[ ... ]`` an optional group, written with a chance set per label and section style.

Every entity written is recorded at the offset where it lands, and each attribute is related to
its medication's Drug (``Strength-Drug Arg1:T4 Arg2:T3``), as n2c2 annotates them.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Protocol

from engine.synth import grammar
from engine.types import Document, Relation, Span


class Realisable(Protocol):
    def surface(self, label: str) -> str: ...


#: Chance that an optional group holding an entity of this label is written, by section style.
OPTIONAL = {
    "narrative": {"Strength": 0.35, "Route": 0.3, "Frequency": 0.35, "Reason": 0.65, "Duration": 0.2, "Dosage": 0.3},
    "list": {"Strength": 0.7, "Reason": 0.3, "Duration": 0.08, "Frequency": 0.6},
    "gp": {
        "Strength": 0.7,
        "Route": 0.25,
        "Frequency": 0.7,
        "Reason": 0.4,
        "Duration": 0.35,
        "Dosage": 0.3,
        "Form": 0.3,
    },
}

_TOKEN = re.compile(r"\[|\]|\{[^}]+\}|[^\[\]{}]+")

# --- the note under construction -------------------------------------------------------------


@dataclass
class NoteBuilder:
    """Appends text and records entities at the offsets where they land."""

    parts: list[str] = field(default_factory=list)
    length: int = 0
    spans: list[Span] = field(default_factory=list)
    relations: list[Relation] = field(default_factory=list)

    def text(self, text: str) -> None:
        self.parts.append(text)
        self.length += len(text)

    def entity(self, text: str, label: str) -> str:
        ref = f"T{len(self.spans) + 1}"
        self.spans.append(Span(self.length, self.length + len(text), label, text, ref=ref))
        self.text(text)
        return ref

    def relate(self, attribute_ref: str, label: str, drug_ref: str) -> None:
        self.relations.append(Relation(f"R{len(self.relations) + 1}", f"{label}-Drug", attribute_ref, drug_ref))

    def document(self, document_id: str) -> Document:
        return Document(document_id, "".join(self.parts), tuple(self.spans), tuple(self.relations))


# --- templates -------------------------------------------------------------------------------


@cache
def parse_template(template: str) -> tuple:
    """``"a {Drug}[ {Strength}]"`` -> nested tuples of ("text", s) / ("slot", name, index) / ("group", items)."""
    stack: list[list] = [[]]
    for token in _TOKEN.findall(template):
        if token == "[":
            stack.append([])
        elif token == "]":
            if len(stack) == 1:
                raise ValueError(f"unbalanced ']' in template {template!r}")
            group = stack.pop()
            stack[-1].append(("group", tuple(group)))
        elif token.startswith("{"):
            name, _, index = token[1:-1].partition("@")
            stack[-1].append(("slot", name, int(index or 0)))
        else:
            stack[-1].append(("text", token))
    if len(stack) != 1:
        raise ValueError(f"unbalanced '[' in template {template!r}")
    return tuple(stack[0])


def _labels_in(items: tuple) -> list[str]:
    found: list[str] = []
    for item in items:
        if item[0] == "slot" and item[1][:1].isupper():
            found.append(item[1])
        elif item[0] == "group":
            found.extend(_labels_in(item[1]))
    return found


def labels_by_medication(template: str) -> dict[int, set[str]]:
    """The labels each medication index of the template writes (optional groups included)."""
    result: dict[int, set[str]] = {}

    def walk(items: tuple) -> None:
        for item in items:
            if item[0] == "group":
                walk(item[1])
            elif item[0] != "text" and item[1][:1].isupper():
                result.setdefault(item[2], set()).add(item[1])

    walk(parse_template(template))
    return result


def medications_needed(template: str) -> int:
    def highest(items: tuple) -> int:
        top = -1
        for item in items:
            if item[0] == "slot" and item[1][:1].isupper():
                top = max(top, item[2])
            elif item[0] == "group":
                top = max(top, highest(item[1]))
        return top

    return highest(parse_template(template)) + 1


#: How often an annotator leaves a mention of this label unannotated (n2c2 has such misses).
MISSED: dict[str, float] = {"Drug": 0.015, "Reason": 0.08, "ADE": 0.08, "Duration": 0.05}
#: Leading and trailing words that annotators disagree on including in a span.
_DETACHABLE = {"Duration": re.compile(r"^(for |x )"), "Frequency": re.compile(r"( as needed| prn| PRN)$")}


@dataclass(frozen=True)
class AnnotatorStyle:
    """One annotator's habits, fixed per note: whether a Duration keeps its preposition
    ("for 7 days" or "7 days") and a Frequency its "as needed"."""

    duration_keeps_preposition: bool = True
    frequency_keeps_as_needed: bool = True

    @classmethod
    def draw(cls, rng: random.Random) -> AnnotatorStyle:
        return cls(rng.random() < 0.75, rng.random() < 0.7)

    def keeps(self, label: str) -> bool:
        return self.duration_keeps_preposition if label == "Duration" else self.frequency_keeps_as_needed


@dataclass
class Context:
    """What the surrounding note supplies to unlabelled slots, and who annotates it."""

    rng: random.Random
    values: dict[str, str]
    annotator: AnnotatorStyle = field(default_factory=AnnotatorStyle)

    def annotate(self, note: NoteBuilder, surface: str, label: str) -> str | None:
        """Write ``surface`` as this annotator labels it; the entity's id, or None if missed."""
        if self.rng.random() < MISSED.get(label, 0.0):
            note.text(surface)
            return None
        pattern = _DETACHABLE.get(label)
        match = pattern.search(surface) if pattern else None
        if match is None or self.annotator.keeps(label) or match.end() - match.start() == len(surface):
            return note.entity(surface, label)
        if match.start() == 0:
            note.text(surface[: match.end()])
            return note.entity(surface[match.end() :], label)
        ref = note.entity(surface[: match.start()], label)
        note.text(surface[match.start() :])
        return ref

    def fill(self, name: str) -> str:
        if name in self.values:
            return self.values[name]
        if name.endswith("_lower"):
            return self.fill(name[: -len("_lower")]).lower()
        if name.endswith("_cap"):
            return self.fill(name[: -len("_cap")]).capitalize()
        if name in grammar.FILLERS:
            return re.sub(r"\{(\w+)\}", lambda m: self.fill(m.group(1)), self.rng.choice(grammar.FILLERS[name]))
        raise KeyError(f"template slot {{{name}}} has no filler")


def render(template: str, meds: Sequence[Realisable], note: NoteBuilder, context: Context, *, style: str) -> None:
    """Write one template instance into the note, with entities and their relations to drugs."""
    drug_refs: dict[int, str] = {}
    pending: list[tuple[str, str, int]] = []
    chance = OPTIONAL[style]

    def write(items: tuple) -> None:
        for item in items:
            if item[0] == "text":
                note.text(item[1])
            elif item[0] == "group":
                labels = _labels_in(item[1])
                p = min((chance.get(label, 0.5) for label in labels), default=0.5)
                if context.rng.random() < p:
                    write(item[1])
            elif item[1][:1].isupper():
                label, index = item[1], item[2]
                if getattr(meds[index], "decoy", False):  # a non-drug in a drug slot: plain text
                    note.text(meds[index].surface(label))
                    continue
                ref = context.annotate(note, meds[index].surface(label), label)
                if ref is None:
                    continue
                if label == "Drug":
                    drug_refs.setdefault(index, ref)
                else:
                    pending.append((ref, label, index))
            else:
                note.text(context.fill(item[1]))

    write(parse_template(template))
    for ref, label, index in pending:
        if index in drug_refs:  # an attribute of a drug the annotator missed has nothing to link to
            note.relate(ref, label, drug_refs[index])
