"""Words a note writes where a drug could stand, that are not drugs: the generator puts them in
drug slots (unlabelled) so that a drug is never predictable from its position alone.

Real medical vocabulary comes from ICD-10-CM (the PyPI package ``simple-icd-10-cm``, MIT; the
code set is a US government work): the short titles of its categories, diagnoses, signs and
symptoms. The rest are lists written here: clinical shorthand that is not a medication, foods,
fluids, devices and plans.
"""

from __future__ import annotations

import random
import re
from functools import lru_cache

#: Clinical shorthand that is never a medication (nor a frequency, route or reason on its own).
SHORTHAND = (
    "sx", "hx", "pmhx", "dhx", "fh", "sh", "otc", "rx", "asap", "pt", "c/o", "o/e", "nad", "ddx", "tx", "fu", "f/u",
    "r/v", "imp", "obs", "abx", "bloods", "pc", "hpc", "ros", "wnl", "sob", "sobar", "loc", "tia", "uti", "urti",
    "lrti", "copd", "ckd", "bmi", "ecg", "cxr", "gp", "ae", "a&e", "ed", "icu", "dnr", "nok", "adls", "mdt",
)  # fmt: skip
FOODS = (
    "food", "toast", "bananas", "dairy", "milk", "fluids", "water", "squash", "soup", "rice", "bread", "eggs",
    "peanuts", "shellfish", "wheat", "fruit juice", "fizzy drinks", "a bland diet", "small meals",
)  # fmt: skip
DEVICES = (
    "a walking frame", "compression stockings", "a spacer device", "a nebuliser machine", "CPAP", "a glucometer",
    "a hearing aid", "a wrist splint", "crutches", "a urinary catheter", "a pessary", "a blood pressure monitor",
    "a peak flow meter", "a sling", "an eye patch", "a heat pad",
)  # fmt: skip
PLANS = (
    "push fluids", "safety-net advice", "physiotherapy", "watchful waiting", "rest", "ice", "elevation",
    "steam inhalation", "a trial of diet changes", "weight loss", "smoking cessation advice", "sleep hygiene",
    "pelvic floor exercises", "CBT", "counselling", "a dermatology referral", "a repeat ECG", "a chest X-ray",
    "an ultrasound", "bloods", "a urine dip", "a stool sample", "follow-up", "reassurance", "self-care advice",
    "a fit note", "an MRI", "a sick note", "gentle exercise", "heat packs",
)  # fmt: skip
#: Conditions common in primary care, written as clinicians write them.
CONDITIONS = (
    "eczema", "asthma", "tonsillitis", "cellulitis", "gastroenteritis", "sinusitis", "otitis media", "migraine",
    "back pain", "abdo pain", "chest pain", "headache", "reflux", "constipation", "diarrhoea", "vomiting",
    "a sore throat", "a cough", "a rash", "hay fever", "anxiety", "low mood", "insomnia", "gout", "shingles",
    "conjunctivitis", "a viral illness", "a chest infection", "palpitations", "dizziness", "fatigue", "acne",
    "psoriasis", "osteoarthritis", "a sprained ankle", "haemorrhoids", "a UTI", "thrush", "fever", "wheeze",
)  # fmt: skip

_SHORT_TITLE = re.compile(r"[A-Za-z][A-Za-z' -]{3,40}")


@lru_cache(maxsize=1)
def icd10_terms() -> tuple[str, ...]:
    """Short ICD-10-CM titles (at most four words, no commas or brackets), lower-cased but for
    acronyms, sorted: diagnoses, signs and symptoms a note may name where a drug could stand."""
    import simple_icd_10_cm as icd  # a data package: a dictionary of codes, no network

    terms = set()
    for code in icd.get_all_codes(with_dots=True):
        if code[0] in "VWXY":  # external causes of injury ("struck by cow"), not what a note names
            continue
        title = icd.get_description(code)
        if (
            _SHORT_TITLE.fullmatch(title)
            and len(title.split()) <= 4
            and not {"other", "unspecified", "struck", "encounter"} & set(title.lower().split())
        ):
            terms.add(" ".join(w if w.isupper() else w.lower() for w in title.split()))
    return tuple(sorted(terms))


def negative(rng: random.Random) -> str:
    """A non-drug phrase for a drug slot: a condition, shorthand, food, device or plan."""
    kind = rng.choices(("icd", "condition", "shorthand", "food", "device", "plan"), (4, 3, 2, 1, 1, 2))[0]
    if kind == "icd":
        return rng.choice(icd10_terms())
    return rng.choice(
        {"condition": CONDITIONS, "shorthand": SHORTHAND, "food": FOODS, "device": DEVICES, "plan": PLANS}[kind]
    )
