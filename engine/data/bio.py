"""Spans <-> IOB2 word tags.

Rules, in the order they apply when spans become tags:

1. Each contiguous piece of a span is tagged on the words it touches: ``B-`` on the first,
   ``I-`` on the rest. A discontinuous span (``T3 Drug 10 14;20 27``) therefore becomes one
   entity per piece; tags cannot express the gap, and reading tags back gives the pieces.
2. A piece whose start or end falls inside a word is widened to whole words and counted as
   *unaligned*; a piece that covers no word at all (only spaces) is counted as *empty*.
3. Spans are placed in order of start, longer first; a span that would share a word with one
   already placed is left out of the tags and counted as *overlapping*.

Nothing is dropped silently: :class:`AlignmentReport` lists every span that rules 2 and 3 touched.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from engine.data.patterns import FORM, ROUTE
from engine.data.tokenize import Word
from engine.labels import OUTSIDE, begin, inside, repair_tags, split_tag
from engine.types import Span


@dataclass
class AlignmentReport:
    """What happened to each span on its way to word tags; reports add up with ``+``."""

    spans: int = 0
    unaligned: list[Span] = field(default_factory=list)
    overlapping: list[Span] = field(default_factory=list)
    empty: list[Span] = field(default_factory=list)

    def __add__(self, other: AlignmentReport) -> AlignmentReport:
        return AlignmentReport(
            self.spans + other.spans,
            self.unaligned + other.unaligned,
            self.overlapping + other.overlapping,
            self.empty + other.empty,
        )

    @property
    def clean(self) -> bool:
        return not (self.unaligned or self.overlapping or self.empty)

    def summary(self) -> dict[str, int]:
        return {
            "spans": self.spans,
            "unaligned": len(self.unaligned),
            "overlapping": len(self.overlapping),
            "empty": len(self.empty),
        }


def spans_to_tags(words: Sequence[Word], spans: Iterable[Span]) -> tuple[list[str], AlignmentReport]:
    """IOB2 tags for ``words`` (see the module rules) and the report of what did not fit."""
    tags = [OUTSIDE] * len(words)
    starts = [word.start for word in words]
    ends = [word.end for word in words]
    report = AlignmentReport()
    for span in sorted(spans, key=lambda s: (s.start, -(s.end - s.start), s.label)):
        report.spans += 1
        pieces = []
        misaligned = False
        for piece_start, piece_end in span.pieces:
            first = bisect_right(ends, piece_start)  # first word ending after the piece starts
            last = bisect_left(starts, piece_end) - 1  # last word starting before the piece ends
            if first > last:
                continue
            misaligned |= starts[first] != piece_start or ends[last] != piece_end
            pieces.append((first, last))
        if not pieces:
            report.empty.append(span)
            continue
        if any(tags[i] != OUTSIDE for first, last in pieces for i in range(first, last + 1)):
            report.overlapping.append(span)
            continue
        if misaligned:
            report.unaligned.append(span)
        for first, last in pieces:
            tags[first] = begin(span.label)
            for i in range(first + 1, last + 1):
                tags[i] = inside(span.label)
    return tags, report


def entity_ranges(tags: Sequence[str], *, strict: bool = False) -> list[tuple[int, int, str]]:
    """``(first word, last word, label)`` of each entity in IOB2 tags, last inclusive: the one
    reading of entities from tags. A ``B-`` opens an entity and the ``I-`` of the same label
    that follow continue it. A stray ``I-`` (after ``O`` or another label) starts a new entity,
    as a model's tags are read; with ``strict`` it belongs to no entity, as seqeval's strict
    IOB2 mode reads tags (what the scores count)."""
    if not strict:
        tags = repair_tags(list(tags))
    ranges: list[tuple[int, int, str]] = []
    index = 0
    while index < len(tags):
        prefix, label = split_tag(tags[index])
        if prefix != "B":
            index += 1
            continue
        last = index
        while last + 1 < len(tags) and tags[last + 1] == inside(label):
            last += 1
        ranges.append((index, last, label))
        index = last + 1
    return ranges


def tags_to_spans(
    text: str,
    words: Sequence[Word],
    tags: Sequence[str],
    confidence: Mapping[tuple[int, int], float] | None = None,
) -> list[Span]:
    """Contiguous spans read back from IOB2 tags (see :func:`entity_ranges`), each with its
    probability where ``confidence`` gives one for its (first word, last word)."""
    if len(words) != len(tags):
        raise ValueError(f"got {len(tags)} tags for {len(words)} words")
    return _spans(
        text, words, [(first, last, label, (first, last)) for first, last, label in entity_ranges(tags)], confidence
    )


def _spans(
    text: str,
    words: Sequence[Word],
    ranges: Iterable[tuple[int, int, str, tuple[int, int]]],
    confidence: Mapping[tuple[int, int], float] | None,
) -> list[Span]:
    """A span for each ``(first word, last word, label, key)``, with the probability
    ``confidence`` gives ``key``."""
    return [
        Span.of(text, words[first].start, words[last].end, label, confidence=(confidence or {}).get(key))
        for first, last, label, key in ranges
    ]


# --- predicted spans ---------------------------------------------------------------------------

#: What a predicted span never starts or ends on: brackets, dashes, separators, quotes, bullets.
#: A word is trimmed only when it is made of these alone, so the points of "p.o." stay.
EDGE_PUNCTUATION = frozenset(
    "()[]{}<>-\u2010\u2011\u2012\u2013\u2014,;:.!?/\\'\"`\u2018\u2019\u201c\u201d*\u2022\u00b7"
)


def _is_edge_punctuation(word: Word) -> bool:
    return all(character in EDGE_PUNCTUATION for character in word.text)


#: Brackets that stay at a span's edge when they pair with one inside it: n2c2 annotates
#: "Two (2)", "QID (4 times a day)" and "Tablet, Delayed Release (E.C.)" with their brackets.
PAIRED = {")": "(", "]": "[", "}": "{"}
_PARTNER = {**PAIRED, **{opening: closing for closing, opening in PAIRED.items()}}


def _pairs_inside(words: Sequence[Word], edge: int, first: int, last: int) -> bool:
    """Whether the bracket at ``words[edge]`` (``first`` or ``last``) pairs with one among the span's
    other words: more of its partners than of itself there."""
    bracket = words[edge].text
    partner = _PARTNER.get(bracket)
    if partner is None:
        return False
    rest = "".join(words[index].text for index in range(first, last + 1) if index != edge)
    return rest.count(partner) > rest.count(bracket)


def _enclosed(words: Sequence[Word], first: int, last: int) -> bool:
    """Whether the whole span is one bracketed group: "(500 mg)", not "(2) tabs (daily)"."""
    closing = words[last].text
    opening = PAIRED.get(closing)
    if first >= last or opening is None or words[first].text != opening:
        return False
    depth = 0
    for index in range(first, last + 1):
        depth += words[index].text.count(opening) - words[index].text.count(closing)
        if depth == 0 and index < last:
            return False
    return depth == 0


def breaks_line(text: str) -> bool:
    """Whether ``text`` holds a line break (LF or CR): no span may hold one."""
    return "\n" in text or "\r" in text


def trimmed(words: Sequence[Word], first: int, last: int) -> tuple[int, int]:
    """``first..last`` less the edge words of rule 1 of :func:`tidy_ranges` (``first > last``:
    nothing left)."""
    while first <= last and _enclosed(words, first, last):
        first, last = first + 1, last - 1
    while first <= last and _is_edge_punctuation(words[first]) and not _pairs_inside(words, first, first, last):
        first += 1
    while last >= first and _is_edge_punctuation(words[last]) and not _pairs_inside(words, last, first, last):
        last -= 1
    return first, last


def tidy_ranges(text: str, words: Sequence[Word], tags: Sequence[str]) -> list[tuple[int, int, str, tuple[int, int]]]:
    """The entities of predicted IOB2 tags as a reader would accept them: ``(first word, last
    word, label, (first, last) as predicted)``. Rules, in order:

    1. words made only of :data:`EDGE_PUNCTUATION` are trimmed from both ends ("(" as Strength,
       ")" as Frequency, the "-" of a list marker), except a bracket that pairs with one inside
       the span (:data:`PAIRED`: "Two (2)" keeps its bracket; "(500 mg)" gives "500 mg");
    2. an entity ends at the first line break inside it: what follows on the next line (a
       header, the next list item) is not its continuation;
    3. rule 1 again on what is left, and an entity with no letter or digit left is dropped;
    4. a Drug entity of several words gives up the form and route words at its end, as n2c2
       annotates them: "albuterol inhaler" is a Drug and a Form, "saline nasal spray" a Drug, a
       Route and a Form (:func:`attribute_edges`). A route before the name stays: group mentions
       such as "IV antibiotics" or "oral steroids" are one Drug in the generated and open corpora;
    5. a Drug entity that stopped inside a name written as one word reaches its end
       (:func:`joined_end`: "Retin-A", "Vick's"), and an entity whose words it took is dropped."""
    if len(words) != len(tags):
        raise ValueError(f"got {len(tags)} tags for {len(words)} words")
    kept = []
    taken = -1  # the last word a kept entity holds: rule 5 may reach into the next entity's words
    for first, last, label in entity_ranges(tags):
        start, end = trimmed(words, first, last)
        for index in range(start + 1, end + 1):
            gap = text[words[index - 1].end : words[index].start]
            if breaks_line(gap):
                end = index - 1
                break
        start, end = trimmed(words, start, end)
        if start > taken and start <= end and any(c.isalnum() for word in words[start : end + 1] for c in word.text):
            if label == "Drug":
                end = joined_end(text, words, start, end)
                pieces = attribute_edges(text, words, start, end)
            else:
                pieces = [(start, end, label)]
            kept.extend((a, b, piece_label, (first, last)) for a, b, piece_label in pieces)
            taken = end
    return kept


_HYPHENS = frozenset("-\u2010\u2011")
_APOSTROPHES = frozenset("'\u2019")


#: Words after a hyphen that make the name a modifier, not part of it ("Cisplatin-Induced").
_MODIFIERS = frozenset({"induced", "related", "associated", "resistant", "treated", "based", "dependent", "free"})


def _name_part(word: str) -> bool:
    """A digit, one capital letter or a capitalised word: the end of a name written with a hyphen
    ("Tylenol-3", "Retin-A", "Persa-Gel"). An acronym ("gentamicin-ARF") names something else."""
    if word[0].isdigit() or (len(word) == 1 and word.isupper()):
        return True
    return word[0].isupper() and word[1:].islower() and word.lower() not in _MODIFIERS


def joined_end(text: str, words: Sequence[Word], first: int, last: int) -> int:
    """The last word of a Drug entity ``first..last`` that stopped inside a name written as one:
    a hyphen and a digit, a capital or a capitalised word ("Tylenol-3", "Retin-A", "Persa-Gel":
    :func:`_name_part`) or a brand's apostrophe s ("Vick's", "Zarbee\u2019s").
    "metformin-induced", "gentamicin-ARF" and "aspirin/clopidogrel" end where they did."""

    def joined(index: int) -> bool:
        return index < len(words) and words[index - 1].end == words[index].start

    while joined(last + 1) and joined(last + 2):
        glue, after = words[last + 1].text, words[last + 2].text
        hyphenated = glue in _HYPHENS and _name_part(after)
        possessive = glue in _APOSTROPHES and after.lower() == "s" and words[first].text[:1].isupper()
        if not (hyphenated or possessive):
            break
        last += 2
    return last


#: Route words that only a Drug span's edge makes a route ("saline nasal spray"); in running text
#: they name body parts and findings ("nasal congestion"), so the weak labels' ROUTE leaves them out.
_EDGE_ROUTES = frozenset({"nasal", "ophthalmic", "otic", "rectal", "vaginal", "inhalation"})


def _edge_label(word: str) -> str | None:
    if FORM.fullmatch(word):
        return "Form"
    if ROUTE.fullmatch(word) or word.lower() in _EDGE_ROUTES:
        return "Route"
    return None


def attribute_edges(text: str, words: Sequence[Word], first: int, last: int) -> list[tuple[int, int, str]]:
    """The Drug entity ``first..last`` less the form and route words at its end, each one an
    entity of its own, in order: ``[(first, last, label), ...]``. A word is taken off only where
    a space separates it from the rest ("Persa-Gel" stays whole) and a word with a letter is left
    for the Drug; a one-word entity is left as it is."""
    pieces_after: list[tuple[int, int, str]] = []

    def spaced(left: int, right: int) -> bool:
        return text[words[left].end : words[right].start].isspace()

    def named(a: int, b: int) -> bool:
        return any(c.isalpha() for word in words[a : b + 1] for c in word.text if _edge_label(word.text) is None)

    while last > first and spaced(last - 1, last) and (label := _edge_label(words[last].text)):
        if not named(first, last - 1):
            break
        pieces_after.insert(0, (last, last, label))
        last -= 1
    return [(first, last, "Drug"), *pieces_after]


def predicted_spans(
    text: str,
    words: Sequence[Word],
    tags: Sequence[str],
    confidence: Mapping[tuple[int, int], float] | None = None,
) -> list[Span]:
    """Spans read back from a model's IOB2 tags by the rules of :func:`tidy_ranges`; each keeps the
    probability ``confidence`` gives the entity the model predicted, before any trimming."""
    return _spans(text, words, tidy_ranges(text, words, tags), confidence)
