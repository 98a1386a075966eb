"""Words a note writes where a drug could stand, that are not drugs: the generator puts them in
drug slots (unlabelled) so that a drug is never predictable from its position alone.

Real medical vocabulary comes from ICD-10-CM (the PyPI package ``simple-icd-10-cm``, MIT; the
code set is a US government work): the short titles of its categories, diagnoses, signs and
symptoms. People's names come from Faker's name lists (PyPI ``faker``, MIT): real notes are full
of patients' and clinicians' names, de-identified n2c2 text has none. The rest are lists written
here: clinical shorthand that is not a medication, foods, fluids, devices, plans, lab analytes,
immunostains, organisms, examination findings and route words: the things that real notes and
case reports put next to drugs and that a model trained on generated notes took for drugs.
"""

from __future__ import annotations

import random
import re
from functools import lru_cache

#: Clinical shorthand that is never a medication (nor a frequency, route or reason on its own).
SHORTHAND = (
    "sx", "hx", "pmhx", "dhx", "fh", "sh", "otc", "rx", "asap", "pt", "c/o", "o/e", "nad", "ddx", "tx", "fu", "f/u",
    "r/v", "imp", "obs", "bloods", "pc", "hpc", "ros", "wnl", "sob", "sobar", "loc", "tia", "urti",
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

#: Lab analytes and markers, as case reports and results sections write them.
ANALYTES = (
    "creatinine", "D-dimer", "troponin", "CRP", "C-reactive protein", "ferritin", "alkaline phosphatase",
    "ALT", "AST", "bilirubin", "albumin", "lactate", "procalcitonin", "brain natriuretic peptide", "BNP",
    "NT-proBNP", "PaO2", "PaCO2", "HbA1c", "hemoglobin A1c", "haemoglobin", "platelet count", "INR", "TSH",
    "free T4", "eGFR", "urea", "sodium level", "potassium level", "serum calcium", "lipase", "amylase", "CK",
    "creatine kinase", "LDH", "uric acid", "ESR", "white cell count", "WBC", "neutrophils", "lymphocytes",
    "fibrinogen", "anti-dsDNA", "ANA", "rheumatoid factor", "PSA", "CA-125", "CEA", "AFP", "beta-hCG",
    "cortisol", "vitamin B12 level", "serum iron", "transferrin saturation", "cholesterol", "triglycerides",
)  # fmt: skip
#: Immunostains and proteins named in pathology reports.
STAINS = (
    "vimentin", "cytokeratin", "desmin", "S-100", "CD34", "CD117", "Ki-67", "SOX10", "HMB-45", "synaptophysin",
    "chromogranin", "CD20", "CD3", "TTF-1", "p63", "GATA3", "smooth muscle actin", "EMA", "CK7", "CK20",
)  # fmt: skip
ORGANISMS = (
    "Staphylococcus aureus", "MRSA", "E. coli", "Escherichia coli", "Klebsiella pneumoniae", "Pseudomonas",
    "Streptococcus pneumoniae", "group A strep", "Candida albicans", "Aspergillus", "Clostridioides difficile",
    "C. diff", "Enterococcus faecalis", "Mycobacterium tuberculosis", "Haemophilus influenzae", "influenza A",
    "RSV", "SARS-CoV-2", "herpes simplex virus", "Helicobacter pylori", "Listeria", "Neisseria meningitidis",
)  # fmt: skip
FINDINGS = (
    "rhonchi", "crackles", "wheezes", "rales", "tenderness to palpation", "palpation", "guarding", "a murmur",
    "a systolic ejection murmur", "pitting edema", "erythema", "induration", "fluctuance", "clubbing",
    "lymphadenopathy", "hepatomegaly", "a positive Lachman test", "full range of motion", "effusion",
    "bruising", "crepitus", "a normal fovea", "papilledema", "nystagmus", "a droop", "JVD", "bowel sounds",
)  # fmt: skip
#: Route words that stand where a drug could, alone ("oral", "intravenous").
ROUTE_WORDS = ("oral", "intravenous", "IV", "topical", "inhaled", "subcutaneous", "intramuscular", "nasal")


def person_names() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """First and last names (UK and US lists of Faker's person providers, read as data)."""
    from faker.providers.person.en_GB import Provider as GB
    from faker.providers.person.en_US import Provider as US

    first = {*GB.first_names_female, *GB.first_names_male, *US.first_names_female, *US.first_names_male}
    last = {*GB.last_names, *US.last_names}
    return tuple(sorted(first)), tuple(sorted(last))


def person(rng: random.Random) -> str:
    """A patient's or clinician's name as notes write it: "Dr Okafor", "Martha Collins", "Mrs Savage"."""
    first, last = _names()
    shape = rng.choice(("title", "full", "title", "first", "last"))
    if shape == "title":
        return f"{rng.choice(('Dr', 'Dr.', 'Mr', 'Mrs', 'Ms', 'Nurse'))} {rng.choice(last)}"
    if shape == "full":
        return f"{rng.choice(first)} {rng.choice(last)}"
    return rng.choice(first if shape == "first" else last)


@lru_cache(maxsize=1)
def _names() -> tuple[tuple[str, ...], tuple[str, ...]]:
    return person_names()


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


#: How often each kind of non-drug fills a drug slot.
NEGATIVE_WEIGHTS = {
    "icd": 4, "condition": 3, "shorthand": 2, "food": 1, "device": 1, "plan": 2, "person": 3, "analyte": 2,
    "stain": 1, "organism": 1, "finding": 2, "route": 1,
}  # fmt: skip
_LISTS = {
    "condition": CONDITIONS, "shorthand": SHORTHAND, "food": FOODS, "device": DEVICES, "plan": PLANS,
    "analyte": ANALYTES, "stain": STAINS, "organism": ORGANISMS, "finding": FINDINGS, "route": ROUTE_WORDS,
}  # fmt: skip


def negative(rng: random.Random) -> str:
    """A non-drug phrase for a drug slot: a condition, shorthand, food, device, plan, a person's
    name, a lab analyte, an immunostain, an organism, an examination finding or a route word."""
    kind = rng.choices(tuple(NEGATIVE_WEIGHTS), tuple(NEGATIVE_WEIGHTS.values()))[0]
    if kind == "icd":
        return rng.choice(icd10_terms())
    if kind == "person":
        return person(rng)
    return rng.choice(_LISTS[kind])
