"""Words and sentences of clinical text, with exact character offsets into the note.

Every word's text equals ``note[word.start:word.end]``; nothing here rewrites the text.
Word rules, tried in this order at each position:

========================  =====================================================
dotted abbreviation       ``q.d.``, ``b.i.d.``, ``p.r.n.``, ``p.o.``, ``q.4h``
unit ratio                ``mg/kg``, ``mcg/hr``, ``units/mL``, ``mg/m2``
word                      letters, then letters or digits: ``q4h``, ``B12``, ``HbA1c``
number                    ``5``, ``2.5``, ``1,000``, ranges ``1-2``, ratios ``5/325``
anything else             one character: ``-``, ``(``, ``%`` ...
========================  =====================================================

So ``5mg`` is ``5`` + ``mg``, and ``Co-trimoxazole`` is ``Co`` + ``-`` + ``trimoxazole``
(hyphens between letters split, so a span may end at ``Lasix`` in ``Lasix-induced``).
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from engine.types import Span

UNITS = (
    "mg",
    "mcg",
    "ug",
    "g",
    "kg",
    "ml",
    "l",
    "dl",
    "units",
    "unit",
    "u",
    "iu",
    "meq",
    "mmol",
    "hr",
    "hrs",
    "h",
    "hour",
    "min",
    "day",
    "d",
    "dose",
    "m2",
    "puff",
    "puffs",
    "tab",
    "cap",
    "gtt",
    "gtts",
    "wk",
    "week",
)
_UNIT = "(?:" + "|".join(sorted(UNITS, key=len, reverse=True)) + ")"
_NUMBER = r"\d+(?:[.,]\d+)*"

WORD_PATTERN = re.compile(
    "|".join(
        (
            r"[A-Za-z]{1,2}(?:\.[A-Za-z0-9]{1,3})+\.?(?![A-Za-z0-9])",  # dotted abbreviation
            rf"(?i:{_UNIT}(?:/(?:{_UNIT}|\d+))+)(?![A-Za-z0-9])",  # unit ratio
            r"[^\W\d_][^\W_]*",  # word (any script), letters first
            rf"{_NUMBER}(?:[-/]{_NUMBER})*",  # number, range or ratio
            r"\S",  # any other single character
        )
    )
)


@dataclass(frozen=True)
class Word:
    text: str
    start: int
    end: int


def words(text: str, start: int = 0, end: int | None = None) -> list[Word]:
    """The words of ``text[start:end]`` with offsets into the whole of ``text``."""
    stop = len(text) if end is None else end
    return [Word(m.group(), m.start(), m.end()) for m in WORD_PATTERN.finditer(text, start, stop)]


# --- sentences -------------------------------------------------------------------------------

#: Words after which a full stop does not end a sentence.
NON_FINAL_ABBREVIATIONS = frozenset(
    {"dr", "mr", "mrs", "ms", "st", "vs", "approx", "no", "pt", "sr", "jr", "fig", "inc", "ca", "cf"}
)
_LIST_ITEM = re.compile(r"[ \t]*(?:\d{1,3}[.)]|[-*\u2022#]|\(\w\))[ \t]+")
_HEADER = re.compile(r"[ \t]*[A-Z][A-Za-z0-9 /&,()'-]{0,60}:[ \t]*$")
#: A short header with its content on the same line: "PC: sore throat", "Allergies: NKDA", "fh: ..."
_INLINE_HEADER = re.compile(r"[ \t]*[A-Za-z][A-Za-z0-9/&()'-]{0,15}(?: [A-Za-z0-9/&()'-]{1,15}){0,2}:[ \t]+\S")
#: A line this short was ended by its writer, not wrapped by an editor (MIMIC-style notes wrap
#: prose near 80 characters); the next line starts a new sentence, unless the line ends on a word
#: a sentence cannot end on (:data:`CONTINUING_WORDS`) or on a comma or a hyphen.
SHORT_LINE = 50
_CONTINUING = (
    "a", "an", "the", "and", "or", "but", "of", "on", "to", "in", "at", "by", "for", "from", "with", "without",
    "as", "per", "was", "were", "is", "are", "be", "been", "has", "had", "have", "then", "than", "that", "which",
    "who", "his", "her", "their", "its", "our", "your",
)  # fmt: skip
CONTINUING_WORDS = frozenset(_CONTINUING)
_CAPS_LINE = re.compile(r"[ \t]*[A-Z][A-Z0-9 /&,()'-]{2,60}[ \t]*$")
_SENTENCE_END = re.compile(r"[.!?]+[\"')\]]*(?=[ \t]+[\"'(\[]?[A-Z0-9])")
#: A full stop before a lower-case word ("with some relief. sx started 4 days ago") and a
#: semicolon between items or clauses ("PMH: asthma; eczema"): boundaries too, with the checks
#: of :func:`_ends_lower`.
_LOWER_END = re.compile(r"(?:[.!?]+|;)(?=[ \t]+[a-z])")
#: Words after which a full stop before a lower-case word is an abbreviation's.
LOWER_NON_FINAL = frozenset(
    {"etc", "incl", "eg", "ie", "wt", "ht", "temp", "resp", "pts", "tab", "tabs", "cap", "caps", "hr", "hrs"}
    | {"min", "max", "mo", "yr", "yrs", "wk", "wks", "mg", "ml", "approx", "vs", "dr", "mr", "mrs", "ms", "no"}
)
_LINE_END_PUNCT = ".!?:;"
_LIST_MARKER_ONLY = re.compile(r"[ \t]*(?:\d{1,3}|[-*\u2022#]|\(\w\))?[ \t]*")


@dataclass(frozen=True)
class Sentence:
    """A sentence: its words and the character range from the first word to the last."""

    start: int
    end: int
    words: tuple[Word, ...]


def _line_starts_sentence(previous: str, line: str) -> bool:
    """Rules for a line break: does ``line`` begin a new sentence after ``previous``?"""
    if not previous.strip():
        return True
    prev = previous.rstrip()
    return (
        prev[-1] in _LINE_END_PUNCT
        or _ended_short(prev)
        or bool(_LIST_ITEM.match(line))
        or bool(_HEADER.match(line) or _CAPS_LINE.match(line) or _INLINE_HEADER.match(line))
        or bool(_HEADER.match(previous) or _CAPS_LINE.match(previous))
    )


def _ended_short(line: str) -> bool:
    """A short line its writer ended: not one that stops on a continuing word, comma or hyphen."""
    text = line.strip()
    last = text.rsplit(None, 1)[-1].lower() if text else ""
    return len(text) <= SHORT_LINE and text[-1:] not in ",-/&+" and last not in CONTINUING_WORDS


def _ends_sentence(line: str, match: re.Match[str]) -> bool:
    """Whether the punctuation ``match`` in ``line`` closes a sentence (not an abbreviation)."""
    before = line[: match.start()]
    if _LIST_MARKER_ONLY.fullmatch(before):
        return False  # "1. Aspirin ..." is a list item, not a one-word sentence
    last_word = before.rsplit(None, 1)[-1].lower().strip("(\"'")
    if last_word in NON_FINAL_ABBREVIATIONS or (len(last_word) == 1 and last_word.isalpha()):
        return False
    following = line[match.end() :].lstrip(" \t")
    # "p.o. 2 tabs": after a dotted dosing abbreviation a number continues the sentence.
    return not ("." in last_word and following[:1].isdigit())


def _ends_lower(line: str, match: re.Match[str]) -> bool:
    """Whether a full stop or semicolon before a lower-case word closes a sentence: a semicolon
    does; a full stop does after a plain word of three letters or more ("relief. sx"), not after
    an abbreviation ("e.g. aspirin", "approx. five", "p.o. daily")."""
    if match.group().startswith(";"):
        return True
    before = line[: match.start()].rsplit(None, 1)
    last_word = before[-1].strip("(\"'") if before else ""
    return last_word.isalpha() and len(last_word) >= 3 and last_word.lower() not in LOWER_NON_FINAL


def _boundaries(text: str) -> list[int]:
    """Character offsets where a new sentence may start (sorted, without duplicates)."""
    found: set[int] = set()
    offset = 0
    previous = ""
    for line in text.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        if body.strip() and _line_starts_sentence(previous, body):
            found.add(offset)
        for match in _SENTENCE_END.finditer(body):
            if not _ends_sentence(body, match):
                continue
            found.add(offset + match.end())
        for match in _LOWER_END.finditer(body):
            if _ends_lower(body, match):
                found.add(offset + match.end())
        previous = body if body.strip() else ""
        offset += len(line)
    return sorted(found)


def sentences(text: str, *, protect: Iterable[Span] = ()) -> list[Sentence]:
    """Split a note into sentences that cope with lists, headers and wrapped lines.

    No boundary is placed strictly inside a ``protect`` span, so gold entities never straddle
    two sentences. Every word of the note falls in exactly one sentence.
    """
    boundaries = _boundaries(text)
    protected = _merged((span.start, span.end) for span in protect)
    if protected:
        starts = [start for start, _ in protected]
        boundaries = [b for b in boundaries if not _inside(b, protected, starts)]
    result: list[Sentence] = []
    current: list[Word] = []
    cut = iter([*boundaries, len(text) + 1])
    next_cut = next(cut)
    for word in words(text):
        while word.start >= next_cut:
            if current:
                result.append(Sentence(current[0].start, current[-1].end, tuple(current)))
                current = []
            next_cut = next(cut)
        current.append(word)
    if current:
        result.append(Sentence(current[0].start, current[-1].end, tuple(current)))
    return result


def _merged(ranges: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted, disjoint ranges covering the same characters."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(ranges):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _inside(position: int, ranges: Sequence[tuple[int, int]], starts: Sequence[int]) -> bool:
    """Whether ``position`` falls strictly inside one of the disjoint, sorted ``ranges``."""
    index = bisect_left(starts, position) - 1
    return index >= 0 and ranges[index][0] < position < ranges[index][1]
