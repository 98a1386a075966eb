"""The rules a note's predicted spans pass after the tags are read (:func:`note_rules`), each a
property of the n2c2 scheme or of medicine names, measured on dev data (docs/experiments.md):

1. **no condition is a medication** (:func:`named_like_condition`);
2. **the dictionary proposes, the model decides** (:func:`dictionary_proposals`,
   :func:`backstop`): a drug-dictionary name no span covers becomes a Drug span where the model
   itself gives that reading enough probability;
3. **an ADE needs a cause** (:func:`caused`);
4. **attributes are anchored to a medication** (:func:`anchored`).

The rules of a single span's words (line breaks, edge punctuation, form words, hyphenated names)
come earlier, as the tags are read (:func:`engine.data.bio.tidy_ranges`).
"""

from __future__ import annotations

from collections.abc import Sequence

from engine.data.bio import breaks_line
from engine.data.causes import has_cause
from engine.data.gazetteer import Gazetteer, medicines_gazetteer
from engine.data.patterns import CONDITION_ENDINGS
from engine.data.tokenize import Sentence
from engine.data.tokenize import words as split_words
from engine.models.base import ANCHOR_SENTENCES
from engine.types import Span


def anchored(per_sentence: Sequence[Sequence[Span]], window: int | None = ANCHOR_SENTENCES) -> list[Span]:
    """The spans of one note's sentences, less every attribute with no Drug span within ``window``
    sentences of its own (``window=None`` keeps every span).

    In n2c2 2018 Track 2 every attribute (Strength to ADE) is annotated only as the attribute of a
    medication, so a frequency, a route or an adverse event with no medication near it is not an
    entity of this scheme: "fh" read as a frequency in a family-history line, a rash after a food
    read as an ADE. One sentence either side was chosen on dev data (docs/experiments.md,
    "Attributes anchored to a medication"): it keeps 99.4 % of the demo corpus's gold attributes."""
    if window is None:
        return [span for spans in per_sentence for span in spans]
    near_drug = [any(span.label == "Drug" for span in spans) for spans in per_sentence]
    kept: list[Span] = []
    for index, spans in enumerate(per_sentence):
        anchored_here = any(near_drug[max(0, index - window) : index + window + 1])
        kept.extend(span for span in spans if anchored_here or span.label == "Drug")
    return kept


#: A name of the drug dictionary that the model left outside every span becomes a Drug span when
#: the model gives that reading at least this probability: the dictionary proposes, the context
#: decides ("his Prozac" late in a long sentence is taken; "sodium" in a list of lab results is
#: not). Chosen on the dev splits of the real notes and the open corpora (docs/experiments.md,
#: "A dictionary backstop").
BACKSTOP_PROBABILITY = 0.05


def dictionary_proposals(gazetteer: Gazetteer, text: str, sentence: Sentence) -> list[tuple[int, int]]:
    """Word ranges of the dictionary's drug names (not class names) in a sentence that lie on one
    line and hold at least three characters, one of them a letter."""
    words = sentence.words
    found = []
    for first, last, is_class in gazetteer.matches([word.text for word in words]):
        name = text[words[first].start : words[last].end]
        if not is_class and len(name) >= 3 and any(c.isalpha() for c in name) and not breaks_line(name):
            found.append((first, last))
    return found


def backstop(
    text: str,
    sentence: Sentence,
    spans: Sequence[Span],
    proposed: dict[tuple[int, int], float],
    threshold: float = BACKSTOP_PROBABILITY,
    *,
    probabilities: bool = True,
) -> list[Span]:
    """``spans`` and, as Drug spans (with their probability unless ``probabilities`` is False),
    the proposed names (word ranges of ``sentence``) that overlap none of them and that the model
    reads as a Drug with probability ``threshold`` or more."""
    added = []
    for (first, last), probability in sorted(proposed.items()):
        start, end = sentence.words[first].start, sentence.words[last].end
        if probability >= threshold and not any(start < s.end and s.start < end for s in [*spans, *added]):
            added.append(Span.of(text, start, end, "Drug", confidence=probability if probabilities else None))
    return sorted([*spans, *added]) if added else list(spans)


def named_like_condition(span: Span) -> bool:
    """Whether a Drug span ends on a word of a disease, finding or procedure ("macromastia",
    "akinesia", "barbiturate narcosis": :data:`engine.data.patterns.CONDITION_ENDINGS`) that no
    medicine list knows (the drug dictionary, UK names and classes): a reading the model makes of
    unfamiliar medical words, never a medication. "Januvia" is listed, so it stays."""
    if span.label != "Drug":
        return False
    words = [word.text for word in split_words(span.text)]
    return bool(words) and words[-1].lower().endswith(CONDITION_ENDINGS) and not medicines_gazetteer().matches(words)


def caused(text: str, note: Sequence[Sentence], per_sentence: Sequence[Sequence[Span]]) -> list[list[Span]]:
    """Each sentence's spans less the ADEs without a drug and a causal cue in their sentence
    (:func:`engine.data.causes.has_cause`)."""
    return [
        [span for span in spans if span.label != "ADE" or has_cause(text, sentence.start, sentence.end, span, spans)]
        for sentence, spans in zip(note, per_sentence, strict=True)
    ]


def note_rules(
    text: str,
    note: Sequence[Sentence],
    per_sentence: Sequence[Sequence[Span]],
    proposed: Sequence[dict[tuple[int, int], float]],
    *,
    anchor: int | None,
    threshold: float = BACKSTOP_PROBABILITY,
    probabilities: bool = True,
) -> list[Span]:
    """One note's spans after the rules, in order: the spans of each sentence (``per_sentence``)
    less those named like a condition, with the proposed names the model reads as a Drug
    (``proposed``: each sentence's word ranges and their probability), less the ADEs with no
    cause, then less the attributes with no Drug within ``anchor`` sentences. ``anchor=None``
    applies no rule and keeps every span."""
    if anchor is None:
        return anchored(per_sentence, None)
    with_names = [
        backstop(
            text,
            sentence,
            [span for span in spans if not named_like_condition(span)],
            names,
            threshold,
            probabilities=probabilities,
        )
        for sentence, spans, names in zip(note, per_sentence, proposed, strict=True)
    ]
    return anchored(caused(text, note, with_names), anchor)
