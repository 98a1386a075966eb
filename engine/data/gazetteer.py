"""Dictionary knowledge as a word feature: where a text's words match a drug name.

:class:`Gazetteer` marks each word ``B`` (first word of a dictionary match), ``I`` (a later word
of one) or ``O``. Matching is case-insensitive, over the project's own words
(:func:`engine.data.tokenize.words`), so "Co-codamol" and "insulin glargine" match as the
dictionary writes them; at each word the longest name that starts there wins, and the scan goes
on after it (leftmost longest, no overlaps).

It is a feature, not an answer: the taggers that use it (``ModelConfig.gazetteer``) learn how far
to trust it, since the dictionary has names that are not medications in a note ("oxygen" is not
in it, but many research chemicals are) and misses brands, misspellings and new drugs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache

from engine.data.tokenize import words as split_words

#: The feature's values, as ids the network embeds: a drug name's first and later words, and
#: (with the "medicines" lexicon) a drug class's.
OUTSIDE, BEGIN, INSIDE, CLASS_BEGIN, CLASS_INSIDE = 0, 1, 2, 3, 4
VALUES = ("O", "B", "I", "class-B", "class-I")
#: The lexicons a model's feature can read, and how many values each gives: "drugbank" is the
#: drug dictionary alone (the feature as models before it read it); "medicines" adds the UK
#: names (BNF, dm+d) as drug names and the drug classes (engine.data.lexicons) as classes.
LEXICONS = {"drugbank": 3, "medicines": 5}
#: Names longer than this many words are left out (chemical and protein names of the dictionary
#: that no note writes; they only slow the scan).
MAX_WORDS = 6


_PLAIN = re.compile(r"[^\W\d_]+(?: [^\W\d_]+)*")


def _key(name: str) -> tuple[str, ...]:
    """A name as lower-case words; plain names (letters and single spaces) skip the tokenizer,
    which splits them the same way, so the 107,000 names load in a fraction of the time."""
    lowered = name.lower()
    if _PLAIN.fullmatch(lowered):
        return tuple(lowered.split(" "))
    return tuple(word.text for word in split_words(lowered))


class Gazetteer:
    """Longest-match lookup of names (any casing) over a sentence's words."""

    def __init__(self, names: Iterable[str], classes: Iterable[str] = ()) -> None:
        #: each name's words -> True for a class name (a name that is both counts as a drug)
        self._names: dict[tuple[str, ...], bool] = {}
        self._longest: dict[str, int] = {}
        for is_class, group in ((True, classes), (False, names)):
            for name in group:
                key = _key(name)
                if not key or len(key) > MAX_WORDS:
                    continue
                self._names[key] = is_class
                self._longest[key[0]] = max(self._longest.get(key[0], 0), len(key))

    def __len__(self) -> int:
        return len(self._names)

    def __contains__(self, name: str) -> bool:
        return _key(name) in self._names

    def matches(self, words: Sequence[str]) -> list[tuple[int, int, bool]]:
        """``(first word, last word, is a class name)`` of each name found, leftmost longest."""
        lowered = [word.lower() for word in words]
        found = []
        position = 0
        while position < len(lowered):
            longest = self._longest.get(lowered[position], 0)
            length = next(
                (
                    size
                    for size in range(min(longest, len(lowered) - position), 0, -1)
                    if tuple(lowered[position : position + size]) in self._names
                ),
                0,
            )
            if length:
                found.append(
                    (position, position + length - 1, self._names[tuple(lowered[position : position + length])])
                )
                position += length
            else:
                position += 1
        return found

    def tags(self, words: Sequence[str]) -> list[int]:
        """:data:`BEGIN`, :data:`INSIDE` (:data:`CLASS_BEGIN`, :data:`CLASS_INSIDE` for a class
        name) or :data:`OUTSIDE` for each word (:meth:`matches`)."""
        result = [OUTSIDE] * len(words)
        for first, last, is_class in self.matches(words):
            begin, inside = (CLASS_BEGIN, CLASS_INSIDE) if is_class else (BEGIN, INSIDE)
            result[first] = begin
            result[first + 1 : last + 1] = [inside] * (last - first)
        return result


@lru_cache(maxsize=1)
def drug_gazetteer() -> Gazetteer:
    """The gazetteer of the project's drug dictionary (:mod:`engine.data.drug_dictionary`)."""
    from engine.data.drug_dictionary import dictionary_names

    return Gazetteer(dictionary_names())


@lru_cache(maxsize=1)
def medicines_gazetteer() -> Gazetteer:
    """The drug dictionary and the UK names as drugs, the drug classes as classes."""
    from engine.data.drug_dictionary import dictionary_names
    from engine.data.lexicons import class_names, uk_medicine_names

    return Gazetteer([*dictionary_names(), *uk_medicine_names()], classes=class_names())


def lexicon_values(lexicon: str) -> int:
    """How many values the feature takes with one of :data:`LEXICONS`; an unknown name is an error
    that lists them."""
    if lexicon not in LEXICONS:
        raise ValueError(f"unknown lexicon {lexicon!r}; choose one of {', '.join(LEXICONS)}")
    return LEXICONS[lexicon]


def lexicon_gazetteer(lexicon: str) -> Gazetteer:
    """The gazetteer of one of :data:`LEXICONS`; an unknown name is an error that lists them."""
    lexicon_values(lexicon)
    return drug_gazetteer() if lexicon == "drugbank" else medicines_gazetteer()
