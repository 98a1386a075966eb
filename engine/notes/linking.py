"""Which Drug each attribute belongs to: the learned linker, and the nearest-drug rule it is
measured against and falls back to.

- :class:`NearestDrug` (the baseline): an attribute belongs to the nearest Drug in its own
  sentence, by characters between the two spans (a tie goes to the Drug before it, since notes
  write "metoprolol 25 mg PO daily" far more often than the reverse). An attribute in a sentence
  without a Drug belongs to the last Drug before it when no more than :data:`CARRY_OVER_CHARS`
  characters and no blank line separate them (wrapped list lines), and otherwise to no drug.
- :class:`LearnedLinker`: for each attribute, every Drug within :data:`WINDOW_CHARS` characters
  (the :data:`SIDE_CANDIDATES` nearest on each side) is a candidate; a logistic regression over
  what lies between the two (:class:`engine.notes.link_features.PairContext`: distance, Drugs and attributes of the same
  label in between, sentence, line and list-item breaks, joining words and punctuation) gives the
  probability that the pair is annotated as a relation, n2c2 2018 style. The attribute goes to the
  most probable candidate when that probability is at least ``threshold``, else it stays
  unattached. The weights are a small JSON file (:data:`DEFAULT_LINKER`, trained on the demo
  corpus's train split by ``python -m engine train-linker``); a model folder's own
  ``linker.json``, trained on the user's corpus, takes its place.

Both give :class:`Link` objects; :func:`with_relations` writes them into a document as BRAT
``R`` lines (``Strength-Drug Arg1:T4 Arg2:T3``), the form gold relations are read in.
"""

from __future__ import annotations

import bisect
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

import numpy as np

from engine.atomic import atomic_write_text
from engine.notes.link_features import (
    ATTRIBUTES,
    DRUG,
    FEATURES,
    SIDE_CANDIDATES,
    WINDOW_CHARS,
    PairContext,
    drugs_and_attributes,
    sentence_index,
    span_gap,
)
from engine.types import Document, Relation, Span

__all__ = [
    "ATTRIBUTES",
    "DRUG",
    "FEATURES",
    "SIDE_CANDIDATES",
    "WINDOW_CHARS",
    "LearnedLinker",
    "Link",
    "NearestDrug",
    "gold_links",
    "load_linker",
    "train_linker",
    "with_relations",
]

#: How far back the rule lets an attribute outside any drug's sentence reach for a preceding Drug.
CARRY_OVER_CHARS = 80
#: The linker shipped with the product (trained on the demo corpus's train split).
DEFAULT_LINKER = Path(__file__).with_name("linker.json")
#: The file a model folder may hold with its own linker.
LINKER_FILE = "linker.json"
FORMAT = 1

GOLD, LEARNED, RULE = "gold", "linker", "nearest drug"


@dataclass(frozen=True)
class Link:
    """One attribute attached to one Drug, with how: ``gold`` (an annotated relation), ``linker``
    (with its ``probability``) or ``nearest drug`` (the rule; no probability)."""

    attribute: Span
    drug: Span
    method: str
    probability: float | None = None


def gold_links(document: Document) -> list[Link]:
    """The document's relations as links (relations naming a missing span are skipped): ``gold``
    for annotated ones, ``linker`` for those a linker wrote (they carry its probability)."""
    by_ref = document.span_by_ref()
    found = []
    for relation in document.relations:
        attribute, drug = by_ref.get(relation.arg1), by_ref.get(relation.arg2)
        if attribute is None or drug is None or drug.label != DRUG or attribute.label == DRUG:
            continue
        found.append(Link(attribute, drug, GOLD if relation.confidence is None else LEARNED, relation.confidence))
    return found


class NearestDrug:
    """The nearest-drug rule (see the module's docstring)."""

    name = RULE

    def links(self, document: Document) -> list[Link]:
        drugs, attributes = drugs_and_attributes(document)
        if not drugs:
            return []
        sentence_of = sentence_index(document)
        drug_sentence = [sentence_of(drug.start) for drug in drugs]
        drug_starts = [drug.start for drug in drugs]
        found = []
        for attribute in attributes:
            here = sentence_of(attribute.start)
            candidates = [i for i, s in enumerate(drug_sentence) if s == here]
            if candidates:
                # nearest by gap; on a tie the drug before the attribute (smaller start) wins
                best = min(candidates, key=lambda i: (span_gap(drugs[i], attribute), drugs[i].start > attribute.start))
                found.append(Link(attribute, drugs[best], RULE))
                continue
            before = bisect.bisect_right(drug_starts, attribute.start) - 1
            if before >= 0:
                between = document.text[drugs[before].end : attribute.start]
                if len(between) <= CARRY_OVER_CHARS and "\n\n" not in between.replace("\r", ""):
                    found.append(Link(attribute, drugs[before], RULE))
        return found


@dataclass(frozen=True)
class LearnedLinker:
    """A logistic regression over :data:`FEATURES` (see the module's docstring)."""

    weights: tuple[float, ...]
    bias: float
    threshold: float = 0.5
    trained_on: dict = field(default_factory=dict, compare=False)

    name = LEARNED

    def __post_init__(self) -> None:
        if len(self.weights) != len(FEATURES):
            raise ValueError(f"a linker needs {len(FEATURES)} weights (one per feature), got {len(self.weights)}")

    def probabilities(self, rows: np.ndarray) -> np.ndarray:
        scores = rows @ np.asarray(self.weights, dtype=np.float64) + self.bias  # (candidates,)
        return 1.0 / (1.0 + np.exp(-scores))

    def links(self, document: Document) -> list[Link]:
        context = PairContext.of(document)
        found = []
        for attribute in context.attributes:
            candidates = context.candidates(attribute)
            if not candidates:
                continue
            probability = self.probabilities(context.features(attribute, candidates))
            best = int(np.argmax(probability))
            if probability[best] >= self.threshold:
                found.append(
                    Link(attribute, context.drugs[candidates[best]], LEARNED, round(float(probability[best]), 4))
                )
        return found

    def as_dict(self) -> dict[str, object]:
        return {
            "format": FORMAT,
            "features": list(FEATURES),
            "weights": [round(w, 8) for w in self.weights],
            "bias": round(self.bias, 8),
            "threshold": self.threshold,
            "trained_on": self.trained_on,
        }

    def save(self, path: Path | str) -> None:
        atomic_write_text(Path(path), json.dumps(self.as_dict(), indent=1) + "\n")

    @classmethod
    def load(cls, path: Path | str) -> LearnedLinker:
        """A saved linker; a file that is not one raises ``ValueError`` naming the file and what is wrong."""
        path = Path(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            raise ValueError(f"{path}: not a readable linker file ({error})") from error
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ValueError(f"{path}: not a linker file of format {FORMAT}")
        if tuple(data.get("features", ())) != FEATURES:
            raise ValueError(f"{path}: trained on other features than this version computes; train it again")
        try:
            return cls(
                tuple(float(w) for w in data["weights"]),
                float(data["bias"]),
                float(data.get("threshold", 0.5)),
                dict(data.get("trained_on", {})),
            )
        except (KeyError, TypeError, ValueError) as error:
            raise ValueError(f"{path}: {error}") from error


def training_pairs(documents: Iterable[Document]) -> tuple[np.ndarray, np.ndarray, dict[str, int]]:
    """Feature rows and 0/1 targets of every (attribute, candidate Drug) pair of gold documents
    with relations, and counts: relations seen, and those whose Drug was no candidate (beyond the
    window: the linker cannot learn them)."""
    rows, targets = [], []
    counts = {"documents": 0, "relations": 0, "out_of_window": 0}
    for document in documents:
        if not document.relations:
            continue
        counts["documents"] += 1
        truth: dict[Span, set[Span]] = {}
        for link in gold_links(document):
            truth.setdefault(link.attribute, set()).add(link.drug)
            counts["relations"] += 1
        context = PairContext.of(document)
        for attribute in context.attributes:
            candidates = context.candidates(attribute)
            wanted = truth.get(attribute, set())
            counts["out_of_window"] += len(wanted - {context.drugs[i] for i in candidates})
            if not candidates:
                continue
            rows.append(context.features(attribute, candidates))
            targets += [float(context.drugs[i] in wanted) for i in candidates]
    features = np.vstack(rows) if rows else np.zeros((0, len(FEATURES)))
    return features, np.asarray(targets), counts


def train_linker(documents: Iterable[Document], *, regularisation: float = 1.0, source: str = "") -> LearnedLinker:
    """A linker fitted (L2 logistic regression, scikit-learn's lbfgs) to the relations of gold
    documents; ``ValueError`` when they have no relation to learn from."""
    from sklearn.linear_model import LogisticRegression

    features, targets, counts = training_pairs(documents)
    if not len(targets) or targets.min() == targets.max():
        raise ValueError("no relations to learn from: the documents need BRAT R lines between attributes and Drugs")
    model = LogisticRegression(C=regularisation, max_iter=5000, tol=1e-8)
    model.fit(features, targets)
    return LearnedLinker(
        tuple(float(w) for w in model.coef_[0]),
        float(model.intercept_[0]),
        trained_on={"source": source, **counts, "pairs": len(targets), "regularisation": regularisation},
    )


@lru_cache(maxsize=8)
def _load_cached(path: str, mtime: int) -> LearnedLinker:
    return LearnedLinker.load(path)


def load_linker(folder: Path | str | None = None) -> LearnedLinker | NearestDrug:
    """The linker to use for a model folder: its own ``linker.json`` if it has one, else the one
    shipped with the product; the nearest-drug rule when neither can be read."""
    for path in ([Path(folder) / LINKER_FILE] if folder else []) + [DEFAULT_LINKER]:
        if path.is_file():
            try:
                return _load_cached(str(path), path.stat().st_mtime_ns)
            except ValueError:
                continue
    return NearestDrug()


def with_relations(document: Document, links: Sequence[Link]) -> Document:
    """``document`` with its spans numbered ``T1``... where they had no ref and ``links`` as its
    relations (``R1``..., kind ``Label-Drug``, the link's probability as confidence)."""
    used = {s.ref for s in document.spans if s.ref}
    numbered, counter = [], 0
    ref_of: dict[Span, str] = {}
    for span in document.spans:
        if not span.ref:
            counter += 1
            while f"T{counter}" in used:
                counter += 1
            renamed = replace(span, ref=f"T{counter}")
        else:
            renamed = span
        ref_of[span] = renamed.ref
        numbered.append(renamed)
    relations = tuple(
        Relation(f"R{n}", f"{link.attribute.label}-{DRUG}", ref_of[link.attribute], ref_of[link.drug], link.probability)
        for n, link in enumerate(sorted(links, key=lambda k: (k.attribute.start, k.drug.start)), start=1)
        if link.attribute in ref_of and link.drug in ref_of
    )
    return Document(document.id, document.text, tuple(numbered), relations)


def relation_records(document: Document) -> list[dict[str, object]]:
    """The note's relations as plain records: kind, the attribute and the Drug as indices into
    ``document.spans``, and the linker's probability (what ``predict --json`` and a batch run's
    rows carry)."""
    index = {span.ref: i for i, span in enumerate(document.spans) if span.ref}
    return [
        {"kind": r.kind, "attribute": index[r.arg1], "drug": index[r.arg2], "probability": r.confidence}
        for r in document.relations
        if r.arg1 in index and r.arg2 in index
    ]
