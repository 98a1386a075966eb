"""Medicine names beside the drug dictionary: UK names (BNF and dm+d) and drug classes (MeSH
Pharmacologic Actions, BNF paragraphs, and the class words clinicians write).

The files are vendored, compressed, in ``vendor/realdata/uk-medicines`` and
``vendor/realdata/drug-classes`` (licences and sources in ``vendor/realdata/README.md``). Every
name comes back lower case, as :class:`engine.data.gazetteer.Gazetteer` matches them.

The class list is filtered: a class is a name a note may use *for a medication* ("NSAIDs",
"proton pump inhibitors", "emollients"), so MeSH actions that are not given to patients
(pesticides, dyes, carcinogens...) and BNF section titles that name a condition or a topic
("Dyspepsia and gastro-oesophageal reflux disease", "Allergic emergencies") are left out.
"""

from __future__ import annotations

import gzip
from functools import lru_cache
from pathlib import Path

VENDOR = Path(__file__).resolve().parents[2] / "vendor" / "realdata"
UK_NAMES = VENDOR / "uk-medicines" / "uk_medicine_names.tsv.gz"
MESH_CLASSES = VENDOR / "drug-classes" / "drug_classes_mesh_pa2024.tsv.gz"

#: Class words and everyday names that notes use for medications, which neither MeSH nor the BNF
#: spell this way (UK and US usage). A route before a class is the Route, not part of the name:
#: "oral antibiotics" is Route "oral" and Drug "antibiotics".
EVERYDAY_CLASSES = (
    "abx", "antibiotics", "antibiotic",
    "nsaid", "nsaids", "anti-inflammatories", "anti-inflammatory", "painkillers", "painkiller",
    "pain killers", "analgesia", "simple analgesia",
    "analgesics", "opioids", "opiates", "narcotics", "steroids", "steroid", "emollients", "emollient",
    "moisturisers", "inhalers", "inhaler", "blue inhaler", "brown inhaler", "purple inhaler",
    "preventer", "reliever", "preventer inhaler", "reliever inhaler", "the pill", "cocp", "mini pill",
    "combined pill", "oral contraceptives", "oral contraceptive", "ocp", "ocps",
    "hrt", "hormone replacement therapy", "vitamins", "multivitamin", "multivitamins", "vitamin",
    "rehydration salts", "oral rehydration salts", "dioralyte", "chemotherapy", "chemo",
    "immunotherapy", "anaesthesia", "anesthesia", "general anaesthetic", "local anaesthetic",
    "general anesthesia", "local anesthetic", "sedation", "oxygen", "supplemental oxygen", "o2",
    "iv fluids", "ivf", "blood transfusion", "packed red blood cells", "prbc", "prbcs",
    "ffp", "fresh frozen plasma", "platelets", "antihistamines", "antihistamine", "antacids",
    "antacid", "laxatives", "laxative", "stool softeners", "stool softener", "diuretics",
    "diuretic", "water tablet", "water tablets", "water pill", "water pills", "statins", "statin",
    "beta blockers", "beta blocker", "beta-blockers", "beta-blocker", "ace inhibitors",
    "ace inhibitor", "ace-i", "acei", "arb", "arbs", "blood thinners", "blood thinner",
    "anticoagulants", "anticoagulation", "doac", "doacs", "noac", "antiplatelets", "antidepressants",
    "antidepressant", "ssri", "ssris", "snri", "antipsychotics", "antipsychotic", "benzodiazepines",
    "benzos", "benzodiazepine", "sleeping tablets", "sleeping pills", "insulin", "immunosuppressants",
    "immunosuppressant", "immunosuppression", "biologics", "biologic", "dmards", "dmard",
    "antivirals", "antiviral", "antifungals", "antifungal", "antiemetics", "antiemetic",
    "anticonvulsants", "antiepileptics", "aeds", "ppi", "ppis", "proton pump inhibitor",
    "decongestants", "decongestant", "eye drops", "ear drops", "nasal spray", "saline nasal spray",
    "iron tablets", "iron supplements", "calcium supplements", "vitamin d supplements",
    "nicotine replacement", "nrt", "vaccine", "vaccines", "flu jab", "flu shot", "flu vaccine",
    "covid vaccine", "covid-19 vaccine", "covid booster", "booster", "tetanus shot",
)  # fmt: skip

#: MeSH Pharmacologic Actions that no note gives a patient.
_MESH_NOT_MEDICINES = (
    "pesticides", "herbicides", "insecticides", "acaricides", "rodenticides", "fungicides, industrial",
    "carcinogens", "mutagens", "teratogens", "poisons", "toxins", "solvents", "indicator", "reagents",
    "dyes", "pollutants", "food additives", "flavoring agents", "sweetening agents", "chemical warfare",
    "biomarkers", "fluorescent", "coloring agents", "molluscacides", "pheromones", "plant growth",
    "noxae", "irritants", "explosive", "defoliants", "chelating agents, industrial", "surface-active",
    "gastrointestinal agents", "physiological effects", "molecular mechanisms", "specialty uses",
    "therapeutic uses", "pharmacologic actions", "enzyme inhibitors", "membrane transport modulators",
    "neurotransmitter agents", "antimetabolites", "radiation-protective", "cross-linking",
    "uncoupling", "photosensitizing", "luminescent", "contrast media", "radiopharmaceuticals",
    "hallucinogens", "psychotropic", "adjuvants", "excipients", "pharmaceutical vehicles",
)  # fmt: skip
#: Words that make a BNF section title a topic or a condition rather than a class of medicines.
_BNF_NOT_CLASSES = (
    " and ", "other ", "management", "test", "allergy", "emergencies", "resuscitation", "care of",
    "used in", "used for", "affecting", "disorders", "disease", "system", "infection", "conditions",
    "preparations", "products", "therapy", "dressings", "appliances", "equipment", "foods", "feeds",
)  # fmt: skip


def _rows(path: Path) -> list[list[str]]:
    """The data rows of a vendored TSV (``#`` lines and the header skipped)."""
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        lines = [line.rstrip("\n") for line in handle if line.strip() and not line.startswith("#")]
    return [line.split("\t") for line in lines[1:]]


#: Brand names that are everyday words ("Care", "Resolve"): kept out, since a note writes the
#: word far more often than the product.
_WORD_BRANDS = (
    "care", "resolve", "boots", "balance", "bio", "calm", "clear", "comfort", "cover", "easy", "essential",
    "flow", "fresh", "gold", "guard", "healthy", "hope", "life", "light", "max", "natural", "nature", "plus",
    "power", "pure", "relief", "rest", "smooth", "soft", "sure", "total", "ultra", "vital", "well", "active",
    "day", "night", "one", "protect", "pro", "repair", "restore", "revive", "shield", "simple", "smart",
    "solo", "start", "strong", "support", "dementia", "diabetes", "pain", "sleep", "skin", "hair", "eye",
    "eyes", "baby", "kids", "child",
)  # fmt: skip
_EVERYDAY_WORD_BRANDS = frozenset(_WORD_BRANDS)


@lru_cache(maxsize=1)
def uk_medicine_names() -> frozenset[str]:
    """UK generic and brand names (BNF generics and brands, dm+d generics), without
    presentations ("Actal 360mg tablets"), dm+d ingredients (excipients such as "acetone"),
    names of more than four words or fewer than four letters, and brands that are everyday words."""
    keep = {"generic", "brand"}
    names = (row[0].strip().lower() for row in _rows(UK_NAMES) if len(row) > 1 and row[1] in keep)
    return frozenset(
        name for name in names if 0 < len(name.split()) <= 4 and len(name) >= 4 and name not in _EVERYDAY_WORD_BRANDS
    )


@lru_cache(maxsize=1)
def uk_vocabulary(kind: str) -> frozenset[str]:
    """dm+d's forms, routes or units (``kind`` is "form", "route" or "unit"), lower case."""
    return frozenset(row[0].strip().lower() for row in _rows(UK_NAMES) if len(row) > 1 and row[1] == kind)


def _medicine_class(name: str, blocked: tuple[str, ...]) -> bool:
    lowered = f" {name.lower()} "
    return "," not in name and len(name.split()) <= 4 and not any(word in lowered for word in blocked)


@lru_cache(maxsize=1)
def class_names() -> frozenset[str]:
    """Names of drug classes: MeSH Pharmacologic Actions and their synonyms, BNF paragraph
    titles, and :data:`EVERYDAY_CLASSES`; filtered as the module says."""
    names = {name.lower() for name in EVERYDAY_CLASSES}
    for row in _rows(MESH_CLASSES):
        candidates = [row[0], *(s.strip() for s in row[2].split("|") if s.strip())] if len(row) > 2 else row[:1]
        names.update(n.lower() for n in candidates if _medicine_class(n, _MESH_NOT_MEDICINES))
    for row in _rows(UK_NAMES):
        if len(row) > 4 and row[1] == "class" and row[4] == "paragraph" and _medicine_class(row[0], _BNF_NOT_CLASSES):
            names.add(row[0].lower())
    return frozenset(names)
