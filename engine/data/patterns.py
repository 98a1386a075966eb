"""Regular expressions for the words of medication attributes as clinicians write them: strengths
("40 mg", "100 units/mL"), dosages ("2 tablets"), forms, routes, frequencies and durations.

The weak labels of :mod:`engine.data.weak` mark them in unannotated notes; :mod:`engine.data.bio`
reads a form or route word off the edge of a predicted Drug span ("albuterol inhaler" is a Drug
and its Form, as n2c2 annotates it).
"""

from __future__ import annotations

import re

_NUMBER = r"(?:\d+(?:[.,]\d+)?|one|two|three|four|half|a half|1/2)"
_AMOUNT_UNIT = (
    r"(?:mg|mcg|µg|ug|g|gram|grams|mL|ml|L|units?|IU|iu|mEq|meq|mmol|%|milligrams?|micrograms?)"
    r"(?:\s?/\s?(?:mL|ml|kg|hr|h|hour|dose|actuation|spray|puff|5\s?mL|5\s?ml))?"
)
STRENGTH = re.compile(rf"(?<![\w.])\d+(?:[.,]\d+)?(?:\s?-\s?\d+(?:[.,]\d+)?)?\s?{_AMOUNT_UNIT}(?![\w/])", re.I)
FORM_WORDS = (
    r"tablets?|tabs?|capsules?|caps?|pills?|cream|ointment|gel|lotion|patch(?:es)?|drops|"
    r"inhaler|nebuli[sz]er|nebs?|spray|suppositor(?:y|ies)|solution|suspension|syrup|liquid|"
    r"injection|injections|shot|lozenges?|powder|sachets?|pen|foam|shampoo|elixir|puffs?"
)
FORM = re.compile(rf"\b(?:(?:extended|delayed|modified|slow)[- ]release\s+)?(?:{FORM_WORDS})\b", re.I)
DOSAGE = re.compile(rf"\b{_NUMBER}(?=\s+(?:{FORM_WORDS})\b)", re.I)
ROUTE = re.compile(
    r"\b(?:by mouth|orally|oral|p\.o\.|po|per os|topically|topical|intravenously|intravenous|iv|"
    r"intramuscularly|intramuscular|im|subcutaneously|subcutaneous|subq|sq|sc|inhaled|via inhaler|"
    r"nasally|intranasal|sublingually|sublingual|sl|rectally|pr|transdermal|per rectum|into the eye|"
    r"to the affected area|vaginally|intra-articular)\b",
    re.I,
)
FREQUENCY = re.compile(
    r"\b(?:(?:once|twice|three times|four times|(?:\d|one|two|three|four)\s*(?:x|times))\s+(?:a|per|each)\s+"
    r"(?:day|daily|week|month|night)|"
    r"every\s+(?:other\s+)?(?:\d+(?:\s?(?:-|to)\s?\d+)?|one|two|three|four|six|eight|twelve)?\s*"
    r"(?:hours?|hrs?|days?|weeks?|months?|morning|night|evening|day)"
    r"|daily|nightly|weekly|monthly|at night|at bedtime|before bed|in the morning|in the evening|"
    r"with meals|before meals|after meals|bid|b\.i\.d\.|tid|t\.i\.d\.|qid|q\.i\.d\.|qd|q\.d\.|qhs|q\.h\.s\.|"
    r"qam|qpm|od|bd|tds|qds|mane|nocte|prn|p\.r\.n\.|q\d+h|q\s?\d+\s?(?:hours|hrs|h)|"
    r"as needed|as required|when required)"
    r"(?:\s+(?:as needed|as required|prn|when required|for pain))?\b",
    re.I,
)
DURATION = re.compile(
    r"\b(?:for|x|over the next|for the next)\s+(?:a|an|one|two|three|four|five|six|seven|ten|"
    r"fourteen|\d+(?:\s?(?:-|to)\s?\d+)?|\d+/\d+|a couple of|a few)\s+(?:more\s+)?"
    r"(?:days?|weeks?|months?|years?|doses?)\b|\bfor\s+\d+/(?:7|52|12)\b",
    re.I,
)

#: Word endings of diseases, findings and procedures ("macromastia", "gastritis", "colectomy",
#: "hematuria"). No medicine name ends so unless a dictionary lists it ("Januvia", "Prolia").
CONDITION_ENDINGS = (
    "itis", "osis", "emia", "aemia", "ectomy", "otomy", "ostomy", "plasty", "scopy", "graphy", "opathy",
    "algia", "uria", "pnea", "pnoea", "ia",
)  # fmt: skip
