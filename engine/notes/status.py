"""Whether the patient takes each medication a note names: rules as data, in the manner of
ConText (Harkema et al. 2009; medspaCy's ``context`` rules, MIT).

The statuses (:data:`STATUSES`):

==========  ==================================================================================
taking      a current medication ("on", "continue", a plain medication-list line) - the default
started     started or changed now ("start", "increased to", "switched to")
stopped     stopped or held ("stop", "discontinued", "held", "switched from", "no longer")
planned     planned or conditional ("plan to start", "consider", "if ... add", "will start")
allergy     an allergy or intolerance ("allergic to", a line under "Allergies:", "intolerant of")
negated     not taken ("no aspirin", "not on any anticoagulant", "denies NSAID use")
historical  taken in the past ("previously on", "tried ... years ago", "history of")
family      someone else's ("mother takes warfarin")
==========  ==================================================================================

How a Drug's status is found:

1. **Sections.** A header such as "Allergies:", "Family history:", "Past medications:"
   (:data:`engine.notes.status_rules.SECTIONS`) gives its status to the Drugs under it: on its
   own line, every line below it up to the next header or blank line; followed by text on its
   line ("Allergies: penicillin"), that line's first sentence only.
2. **Cues.** Each rule of :data:`CUES` is a pattern, the status it gives, and the side of the
   cue its Drugs lie on (``after``: "stop aspirin"; ``before``: "aspirin stopped"; ``either``),
   within ``reach`` characters. A cue reaches only within its clause: it stops at a sentence end,
   a semicolon, a line end (a list line is a clause) and the clause breaks of :data:`BREAKS`
   ("but", "however", "so", "instead"...). Look-alikes that are no cue (:data:`PSEUDO_CUES`: "no
   change to", "not only") are masked first.
3. **The nearest cue wins**; a family cue before the Drug in its clause wins over every other,
   and a conditional cue ("if", "consider", "will") before it turns a started or current Drug
   into a planned one. With no cue, the section decides, and with no section, ``taking``.

:func:`status_of` gives the status and the words that decided it (shown to the clinician as the
reason).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from engine.notes.status_rules import (
    AFTER,
    BEFORE,
    BREAKS,
    CONDITIONAL_AFTER,
    CONDITIONAL_BEFORE,
    CUES,
    CURRENT,
    EITHER,
    HISTORY_MARKERS,
    PRIORITY,
    PSEUDO_CUES,
    PSEUDO_NEGATIONS,
    SECTION_REACH,
    SECTIONS,
    STATUSES,
    Cue,
)
from engine.types import Span

__all__ = ["CURRENT", "STATUSES", "Status", "status_of", "statuses"]


def _compile(pattern: str) -> re.Pattern[str]:
    body = pattern.replace(" ", r"\s+")
    opens_word = (
        pattern[:1].isalnum() or (pattern[:1] == "(" and not pattern.startswith("(?<")) or pattern[:2] in (r"\d", r"\w")
    )
    start = r"(?<![\w/])" if opens_word else ""
    end = r"(?![\w/])" if pattern[-1:].isalnum() or pattern[-1:] in ")?" else ""
    return re.compile(start + "(?:" + body + ")" + end, re.IGNORECASE)


_CUE_PATTERNS = [(cue, _compile(cue.pattern)) for cue in CUES]
_PSEUDO = re.compile("|".join(_compile(p).pattern for p in PSEUDO_CUES), re.IGNORECASE)
_PSEUDO_NEGATION = re.compile("|".join(_compile(p).pattern for p in PSEUDO_NEGATIONS), re.IGNORECASE)
_BREAK = re.compile("|".join([r"[;!?]", r"\.(?=\s|$)", r"\n", *(_compile(b).pattern for b in BREAKS)]), re.IGNORECASE)
_HISTORY = re.compile("|".join(_compile(p).pattern for p in HISTORY_MARKERS), re.IGNORECASE)
_SENTENCE_END = re.compile(r"[;!?\n]|\.(?=\s|$)")
_HEADER = re.compile(
    r"^[ \t]*[-*•#]*[ \t]*(" + "|".join(f"(?:{p})" for p, _ in SECTIONS) + r")[ \t]*(?::|-|\n|$)",
    re.IGNORECASE | re.MULTILINE,
)
_SECTION_PATTERNS = [(re.compile(f"^(?:{p})$", re.IGNORECASE), status) for p, status in SECTIONS]
FAMILY = "family"
_CONDITIONAL_BEFORE = _compile(CONDITIONAL_BEFORE)
_CONDITIONAL_AFTER = _compile(CONDITIONAL_AFTER)


@dataclass(frozen=True)
class Status:
    """A Drug's status and the words that decided it (a cue or a section header; empty: default)."""

    status: str
    cue: str = ""


def _section_of(text: str, position: int) -> tuple[str | None, str] | None:
    """The status given by the header line above ``position`` in the same block (no blank line
    between), if any, with the header's words."""
    block_start = max(text.rfind("\n\n", 0, position), text.rfind("\r\n\r\n", 0, position))
    block_start = max(0, block_start, position - SECTION_REACH)
    found = None
    for match in _HEADER.finditer(text, block_start, position + 1):
        if match.start(1) > position:
            break
        line_end = text.find("\n", match.end())
        same_line = line_end < 0 or position < line_end
        inline = line_end < 0 or bool(text[match.end() : line_end].strip())
        if inline and not same_line:
            continue  # "Allergies: penicillin" on one line: the next line is no longer under it
        if same_line and re.search(r"[.;](?:\s|$)", text[match.end() : position]):
            continue  # "Allergies: penicillin. Rx clarithromycin": the header's sentence has ended
        name = " ".join(match.group(1).lower().split())
        for pattern, status in _SECTION_PATTERNS:
            if pattern.match(name):
                found = (status, match.group(1))
                break
    return found


def _sentence(text: str, span: Span) -> tuple[int, int]:
    """The sentence holding ``span``: from the last sentence end before it to the next after it."""
    start = 0
    for match in _SENTENCE_END.finditer(text, max(0, span.start - 400), span.start):
        start = match.end()
    after = _SENTENCE_END.search(text, span.end)
    return max(start, span.start - 400), (after.start() if after else len(text))


def _clause(text: str, span: Span) -> tuple[int, int]:
    """The characters around ``span`` up to the nearest clause breaks on each side."""
    start = 0
    for match in _BREAK.finditer(text, max(0, span.start - 300), span.start):
        if match.end() <= span.start:
            start = match.end()
    after = _BREAK.search(text, span.end, min(len(text), span.end + 300))
    end = after.start() if after else min(len(text), span.end + 300)
    return max(start, span.start - 300), end


def _masked(text: str) -> tuple[str, str]:
    """The text with pseudo-cues blanked out (same length, so offsets hold): for every cue, and
    with pseudo-negations blanked too, for the negation cues."""
    blank = lambda m: " " * len(m.group(0))  # noqa: E731
    general = _PSEUDO.sub(blank, text)
    return general, _PSEUDO_NEGATION.sub(blank, general)


#: Words that do not part a cue from its Drug: "stopped his regular aspirin" is as near as "stopped aspirin".
_FILLERS = re.compile(
    r"\b(?:the|a|an|any|his|her|their|its|my|your|both|all|regular|current|usual|oral|topical|inhaled|iv|low-dose|"
    r"high-dose|dose of|course of|prescribed)\b|[\s,:;()\-–]+",
    re.IGNORECASE,
)
#: What a cue after the Drug counts extra for each other Drug it reaches past ("Mirtazapine continues
#: and the pregabalin was stopped": "was stopped" is the pregabalin's).
PASSED_DRUG = 50
#: What may stand between a Drug and a cue right after it that is that Drug's own ("aspirin was stopped").
_OWN_CUE = re.compile(r"[\s:(\-–]*(?:(?:was|were|is|are|has been|have been|had been)\s+)?", re.IGNORECASE)
#: Cues that are never an earlier Drug's own: orders ("stop X") and changes from one Drug to the next.
_ORDER_OR_CHANGE = re.compile(
    r"(?:start|stop|continue|cont|add|give|increase|reduce|decrease|hold|switch|change|swap|convert)\b|.*(?:\bto|\bfor|\bwith|\bonto|\bby|→|->)$",
    re.IGNORECASE,
)


def _distance(text: str, low: int, high: int) -> int:
    """Characters between a cue and its Drug, not counting filler words, spaces and punctuation."""
    return len(_FILLERS.sub("", text[low:high])) if high > low else 0


def _owned_by_earlier_drug(text: str, match: re.Match[str], drugs: Sequence[Span]) -> bool:
    """Whether a cue read as "before the next Drug" stands right after another Drug and so is that
    Drug's ("Clenil stopped, Fostair started": "stopped" is Clenil's, not Fostair's)."""
    if _ORDER_OR_CHANGE.match(match.group(0)):
        return False
    return any(drug.end <= match.start() and _OWN_CUE.fullmatch(text, drug.end, match.start()) for drug in drugs)


def _found_cues(
    text: str, masked: tuple[str, str], span: Span, drugs: Sequence[Span]
) -> list[tuple[int, int, Cue, str, int]]:
    """Every cue that reaches ``span``: (distance, priority, cue, its words, where it is), nearest first."""
    clause, sentence = _clause(text, span), _sentence(text, span)
    found = []
    for cue, pattern in _CUE_PATTERNS:
        source = masked[1] if cue.status == "negated" else masked[0]
        low, high = sentence if cue.decisive else clause
        if cue.side in (AFTER, EITHER):
            for match in pattern.finditer(source, low, span.start):
                if span.start - match.end() > cue.reach or _inside_drug(match, drugs):
                    continue
                if cue.side == AFTER and _owned_by_earlier_drug(text, match, drugs):
                    continue
                distance = _distance(text, match.end(), span.start)
                found.append((distance, PRIORITY.index(cue.status), cue, match.group(0), match.start()))
        if cue.side in (BEFORE, EITHER):
            for match in pattern.finditer(source, span.end, high):
                if match.start() - span.end > cue.reach or _inside_drug(match, drugs):
                    continue
                passed = any(span.end <= d.start and d.end <= match.start() and d.label == "Drug" for d in drugs)
                if match.group(0).startswith("(") and not passed:
                    distance = 0  # a tag of its own: "Lipitor 40mg daily (new)"
                else:
                    distance = _distance(text, span.end, match.start()) + (PASSED_DRUG if passed else 0)
                found.append((distance, PRIORITY.index(cue.status), cue, match.group(0), match.start()))
    return sorted(found, key=lambda item: (item[0], item[1]))


def _inside_drug(match: re.Match[str], drugs: Sequence[Span]) -> bool:
    return any(d.start <= match.start() and match.end() <= d.end for d in drugs)


def _conditional(text: str, masked: str, span: Span, drugs: Sequence[Span] = ()) -> str:
    """The words that make ``span``'s sentence a plan or a condition for it, or "" (after the
    Drug, only up to the next Drug: "X started, and Y may be needed if ..." leaves X started)."""
    low, high = _sentence(text, span)
    next_drug = min((d.start for d in drugs if d.label == "Drug" and d.start >= span.end), default=len(text))
    before = list(_CONDITIONAL_BEFORE.finditer(masked, low, span.start))
    if before:
        return before[-1].group(0)
    after = _CONDITIONAL_AFTER.search(masked, span.end, min(high, next_drug))
    return after.group(0) if after else ""


_PHRASE_BREAK = re.compile(
    r",|\s[-–]\s|\(|\)|\b(?:and|but)\s+(?:has|have|is|was|now|currently)\b|\bnow\b", re.IGNORECASE
)


def _dated(text: str, span: Span, status: str, cue_at: int | None = None) -> str:
    """The history marker in ``span``'s phrase (its sentence cut at commas, dashes, brackets and
    "now") that makes its start, stop or use history, or "" ("on ramipril since 2010" stays current)."""
    low, high = _sentence(text, span)
    first, last = min(span.start, cue_at if cue_at is not None else span.start), max(span.end, cue_at or 0)
    for match in _PHRASE_BREAK.finditer(text, low, first):
        low = match.end()
    after = _PHRASE_BREAK.search(text, last, high)
    high = after.start() if after else high
    for match in _HISTORY.finditer(text, low, high):
        if status == "taking" and re.search(r"since\s+$", text[max(low, match.start() - 8) : match.start()]):
            continue
        return match.group(0)
    return ""


def status_of(text: str, drug: Span, drugs: Sequence[Span] = (), *, masked: tuple[str, str] | None = None) -> Status:
    """The status of ``drug`` in ``text`` (``drugs``: the note's Drugs, or all its entities, so that
    no cue is read inside one); see the module's docstring."""
    masked = _masked(text) if masked is None else masked
    found = _found_cues(text, masked, drug, drugs or (drug,))
    section = _section_of(text, drug.start)
    for wanted in (lambda c: c.status == FAMILY, lambda c: c.decisive):
        chosen = [item for item in found if wanted(item[2])]
        if chosen:
            return Status(chosen[0][2].status, chosen[0][3])
    if section is not None and section[0] in ("allergy", FAMILY):
        return Status(section[0], section[1])
    nearest = found[0][2].status if found else "taking"
    if nearest in ("started", "stopped", "taking"):
        dated = _dated(text, drug, nearest, found[0][4] if found else None)
        if dated:
            return Status("historical", dated)
    if found and found[0][2].status != "started":
        return Status(found[0][2].status, found[0][3])
    condition = _conditional(text, masked[0], drug, drugs)
    if condition:
        return Status("planned", condition)
    if found:
        return Status(found[0][2].status, found[0][3])
    if section is not None and section[0] is not None:
        return Status(section[0], section[1])
    return Status("taking", section[1] if section else "")


def statuses(text: str, drugs: Sequence[Span], spans: Sequence[Span] = ()) -> list[Status]:
    """The status of each of ``drugs`` (in their order); ``spans``: every entity of the note, so
    that no cue is read inside one ("atorvastatin 20 mg on": "on" is a Frequency, not a cue)."""
    masked = _masked(text)
    within = list(spans) or list(drugs)
    return [status_of(text, drug, within, masked=masked) for drug in drugs]
