"""A Drug mention's normalised name: its generic name and the identifiers the vendored
dictionaries know, brand to generic, a class mention to its class.

Where each part comes from, tried in this order on the mention (lower case, white space
collapsed, then without a trailing salt or release word such as "hydrochloride" or "XL"):

- **BNF** (UK names, ``vendor/realdata/uk-medicines``, OGL): a generic gives its name and its
  chemical-substance code (9 characters) and BNF section path as its class; a brand gives the
  generic whose code its own code begins with ("Ventolin" 0301011R0BE is Salbutamol 0301011R0);
- **DrugBank** (the drug dictionary of ``drug-named-entity-recognition``, CC0): a generic or
  brand name gives the canonical name and the DrugBank id; it is also asked for the id of a BNF
  generic ("Paracetamol" is DrugBank's Acetaminophen, DB00316), and the MedlinePlus drug page id
  where it has one (a third of its names have no DrugBank id). (Its ``mesh_id`` field holds a
  pharmacologic action, not the drug's own descriptor, so it is not shown as the drug's MeSH id.)
- **classes**: MeSH Pharmacologic Actions by name or synonym ("Proton Pump Inhibitors", D054328)
  and the everyday class words of :data:`EVERYDAY_MESH` ("statins"); BNF paragraph titles by name.

A UK generic name is shown as the BNF writes it (British Approved Names: paracetamol, not
acetaminophen); any other name as DrugBank writes it. Class words are looked up before the
medicine names (DrugBank lists "statins" as if it were one drug), and a few abbreviations
(:data:`ABBREVIATIONS`: ASA, co-amox, MTX...) are read as the name they stand for. A mention
that none of them knows has no normalised name.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from engine.data.lexicons import MESH_CLASSES, UK_NAMES, _rows

#: Everyday class words and the MeSH Pharmacologic Action they name.
EVERYDAY_MESH: dict[str, str] = {
    "statin": "Hydroxymethylglutaryl-CoA Reductase Inhibitors",
    "beta blocker": "Adrenergic beta-Antagonists",
    "beta-blocker": "Adrenergic beta-Antagonists",
    "ace inhibitor": "Angiotensin-Converting Enzyme Inhibitors",
    "acei": "Angiotensin-Converting Enzyme Inhibitors",
    "ace-i": "Angiotensin-Converting Enzyme Inhibitors",
    "arb": "Angiotensin II Type 1 Receptor Blockers",
    "nsaid": "Anti-Inflammatory Agents, Non-Steroidal",
    "anti-inflammatory": "Anti-Inflammatory Agents, Non-Steroidal",
    "anti-inflammatories": "Anti-Inflammatory Agents, Non-Steroidal",
    "ppi": "Proton Pump Inhibitors",
    "ssri": "Serotonin Uptake Inhibitors",
    "antibiotic": "Anti-Bacterial Agents",
    "abx": "Anti-Bacterial Agents",
    "anticoagulant": "Anticoagulants",
    "anticoagulation": "Anticoagulants",
    "blood thinner": "Anticoagulants",
    "doac": "Anticoagulants",
    "noac": "Anticoagulants",
    "antiplatelet": "Platelet Aggregation Inhibitors",
    "diuretic": "Diuretics",
    "water tablet": "Diuretics",
    "water pill": "Diuretics",
    "opioid": "Analgesics, Opioid",
    "opiate": "Analgesics, Opioid",
    "painkiller": "Analgesics",
    "pain killer": "Analgesics",
    "analgesic": "Analgesics",
    "analgesia": "Analgesics",
    "antihistamine": "Histamine Antagonists",
    "laxative": "Laxatives",
    "antidepressant": "Antidepressive Agents",
    "antipsychotic": "Antipsychotic Agents",
    "antiemetic": "Antiemetics",
    "anticonvulsant": "Anticonvulsants",
    "antiepileptic": "Anticonvulsants",
    "antiviral": "Antiviral Agents",
    "antifungal": "Antifungal Agents",
    "immunosuppressant": "Immunosuppressive Agents",
    "steroid": "Glucocorticoids",
    "corticosteroid": "Glucocorticoids",
    "antacid": "Antacids",
    "sleeping tablet": "Hypnotics and Sedatives",
    "sleeping pill": "Hypnotics and Sedatives",
    "calcium channel blocker": "Calcium Channel Blockers",
    "benzodiazepine": "GABA Modulators",
    "benzo": "GABA Modulators",
    "vitamin": "Vitamins",
    "multivitamin": "Vitamins",
    "dmard": "Antirheumatic Agents",
    "the pill": "Contraceptives, Oral, Hormonal",
    "oral contraceptive": "Contraceptives, Oral, Hormonal",
    "ocp": "Contraceptives, Oral, Hormonal",
    "cocp": "Contraceptives, Oral, Combined",
}
#: Abbreviations clinicians write for one medicine, and the name the dictionaries know it by.
ABBREVIATIONS: dict[str, str] = {
    "asa": "aspirin",
    "co-amox": "co-amoxiclav",
    "coamox": "co-amoxiclav",
    "mtx": "methotrexate",
    "apap": "acetaminophen",
    "pcm": "paracetamol",
    "gtn": "glyceryl trinitrate",
    "ntg": "nitroglycerin",
    "mmf": "mycophenolate mofetil",
    "kcl": "potassium chloride",
    "tpa": "alteplase",
    "hctz": "hydrochlorothiazide",
    "tmp-smx": "co-trimoxazole",
    "ccb": "calcium channel blocker",
    "lmwh": "enoxaparin",
    "vit d": "colecalciferol",
    "vitamin d": "colecalciferol",
    "vit b12": "cyanocobalamin",
    "vitamin b12": "cyanocobalamin",
    "b12": "cyanocobalamin",
}
#: Words after a name that do not change the medicine: salts, release forms, "tablets".
_TRAILING = re.compile(
    r"(?:\s+(?:hydrochloride|hcl|sodium|potassium|calcium|magnesium|maleate|besylate|besilate|mesylate|"
    r"succinate|tartrate|citrate|sulfate|sulphate|phosphate|acetate|fumarate|bromide|xl|sr|er|mr|cr|la|xr|"
    r"ec|dr|tablets?|tabs?|capsules?|caps?|injection|inhaler|cream|ointment|gel|drops|solution|syrup))+$"
)


#: Where a presentation's name turns from the medicine to its dose: "Prednisolone 5mg tablets".
_FIRST_DOSE = re.compile(r"\s+\d")
#: Route words before a name that a Drug span may keep ("IV co-amoxiclav"): not part of the medicine's name.
_LEADING = re.compile(
    r"^(?:iv|i\.v\.|po|p\.o\.|oral|im|sc|s/c|sl|pr|topical|inhaled|nebulised|nebulized|intravenous)\s+"
)


@dataclass(frozen=True)
class DrugName:
    """What a Drug mention is: ``generic`` (the name to show), ``kind`` (``generic``, ``brand`` or
    ``class``) and the identifiers known for it (empty strings where none)."""

    generic: str
    kind: str
    drugbank: str = ""
    mesh: str = ""
    bnf_code: str = ""
    bnf_class: str = ""
    medlineplus: str = ""

    def identifiers(self) -> dict[str, str]:
        """The known identifiers by system name (``DrugBank``, ``MeSH``, ``BNF``, ``MedlinePlus``)."""
        found = {"DrugBank": self.drugbank, "MeSH": self.mesh, "BNF": self.bnf_code, "MedlinePlus": self.medlineplus}
        return {system: code for system, code in found.items() if code}

    def identifier_text(self, separator: str = "; ") -> str:
        """The identifiers as a person reads them: ``DrugBank DB01001; BNF 0301011R0``."""
        return separator.join(f"{system} {code}" for system, code in self.identifiers().items())

    def as_dict(self) -> dict[str, str]:
        return {"generic": self.generic, "kind": self.kind, **self.identifiers(), "class": self.bnf_class}


def key(text: str) -> str:
    """A mention as the indexes are keyed: lower case, white space collapsed, outer punctuation off."""
    return " ".join(text.lower().split()).strip(" .,;:()[]'\"")


@lru_cache(maxsize=1)
def _drugbank() -> tuple[dict[str, list[str]], dict[str, dict], dict[str, dict]]:
    from engine.data.drug_dictionary import dictionary_data

    data = dictionary_data()
    return data["drug_variant_to_canonical"], data["drug_canonical_to_data"], data["drug_variant_to_variant_data"]


@lru_cache(maxsize=1)
def _bnf() -> tuple[dict[str, tuple[str, str, str]], dict[str, tuple[str, str]], dict[str, tuple[str, str]]]:
    """BNF names: name -> (kind, code, section path) for generics and brands; chemical code ->
    (generic name, section path); paragraph title -> (code, path). A generic the BNF lists under
    several sections (prednisolone: rectal, eye, systemic) gets the section with most presentations."""
    rows = [row[:5] for row in _rows(UK_NAMES) if len(row) >= 5 and row[2].startswith("bnf")]
    # presentations ("Prednisolone 5mg tablets") by the generic they begin with and their chemical code
    sections: dict[str, Counter[str]] = {}
    path_of: dict[str, str] = {}
    for name, kind, _, code, context in rows:
        if kind == "generic_presentation":
            sections.setdefault(key(_FIRST_DOSE.split(name, 1)[0]), Counter())[code[:9]] += 1
            path_of.setdefault(code[:9], context)
    names: dict[str, tuple[str, str, str]] = {}
    generics: dict[str, tuple[str, str]] = {}
    paragraphs: dict[str, tuple[str, str]] = {}
    shorter: list[tuple[str, str, str]] = []
    for name, kind, _, code, context in rows:
        if kind == "generic":
            counts = sections.get(key(name), Counter())
            if counts and max(counts.values()) > counts.get(code, 0):
                code = max(sorted(counts), key=counts.get)  # the section most of its presentations are in
                context = path_of[code]
            names.setdefault(key(name), ("generic", code, context))
            generics.setdefault(code, (name, context))
            shorter.append((name, code, context))
        elif kind == "brand":
            names.setdefault(key(name), ("brand", code, context))
        elif kind == "class" and context == "paragraph":
            paragraphs.setdefault(key(name), (code, name))
    for name, code, context in shorter:  # after every exact name: "prednisolone" is Prednisolone, not its salt
        names.setdefault(_TRAILING.sub("", key(name)), ("generic", code, context))  # "metformin hydrochloride"
        names.setdefault(key(name.split(" (")[0]), ("generic", code, context))  # "co-amoxiclav (amoxicillin/...)"
    return names, generics, paragraphs


@lru_cache(maxsize=1)
def _mesh_classes() -> dict[str, tuple[str, str]]:
    """MeSH Pharmacologic Action names and synonyms -> (the action's name, its MeSH UI)."""
    found: dict[str, tuple[str, str]] = {}
    for row in _rows(MESH_CLASSES):
        if len(row) < 3:
            continue
        for name in (row[0], *(s.strip() for s in row[2].split("|") if s.strip())):
            found.setdefault(key(name), (row[0], row[1]))
    return found


def _drugbank_lookup(name: str) -> tuple[str, dict, bool] | None:
    variants, canonical, variant_data = _drugbank()
    found = variants.get(name)
    if not found:
        return None
    data = canonical.get(found[0], {})
    return data.get("name", found[0]), data, bool(variant_data.get(name, {}).get("is_brand"))


def _class_of(name: str) -> DrugName | None:
    singular = name[:-1] if name.endswith("s") and not name.endswith("ss") else name
    mesh = _mesh_classes()
    for candidate in (name, singular):
        if candidate in EVERYDAY_MESH:
            title = EVERYDAY_MESH[candidate]
            return DrugName(title, "class", mesh=mesh.get(key(title), ("", ""))[1])
        if candidate in mesh:
            title, ui = mesh[candidate]
            return DrugName(title, "class", mesh=ui)
    return None


def _paragraph_of(name: str) -> DrugName | None:
    paragraph = _bnf()[2].get(name)
    return None if paragraph is None else DrugName(paragraph[1], "class", bnf_code=paragraph[0], bnf_class=paragraph[1])


def _normalised(name: str) -> DrugName | None:
    names, generics, _ = _bnf()
    bnf = names.get(name)
    drugbank = _drugbank_lookup(name)
    if bnf is not None:
        kind, code, path = bnf
        chemical = code[:9]
        generic = generics.get(chemical, ("", ""))[0]  # a brand's generic, or the generic's own spelling
        if drugbank is None and generic:
            drugbank = _drugbank_lookup(key(generic))
        shown = generic or (drugbank[0] if drugbank else name)
        ids = drugbank[1] if drugbank else {}
        return DrugName(shown, kind, ids.get("drugbank_id", ""), "", chemical, path, ids.get("medline_plus_id", ""))
    if drugbank is not None:
        generic, data, brand = drugbank
        return DrugName(
            generic,
            "brand" if brand else "generic",
            data.get("drugbank_id", ""),
            medlineplus=data.get("medline_plus_id", ""),
        )
    return None


@lru_cache(maxsize=65536)
def normalise(text: str) -> DrugName | None:
    """The normalised name of a Drug mention (see the module's docstring), or None when no
    dictionary knows it."""
    name = key(text)
    if not name:
        return None
    name = _LEADING.sub("", name) or name
    name = ABBREVIATIONS.get(name, name)
    shorter = _TRAILING.sub("", name)
    for lookup in (_class_of, _normalised, _paragraph_of):
        for candidate in dict.fromkeys((name, shorter)):
            found = lookup(candidate) if candidate else None
            if found is not None:
                return found
    return None
