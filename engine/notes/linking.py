"""Which Drug each attribute belongs to: the learned linker, and the nearest-drug rule it is
measured against and falls back to.

- :class:`NearestDrug` (the baseline): an attribute belongs to the nearest Drug in its own
  sentence, by characters between the two spans (a tie goes to the Drug before it, since notes
  write "metoprolol 25 mg PO daily" far more often than the reverse). An attribute in a sentence
  without a Drug belongs to the last Drug before it when no more than :data:`CARRY_OVER_CHARS`
  characters and no blank line separate them (wrapped list lines), and otherwise to no drug.
- :class:`LearnedLinker`: for each attribute, every Drug within :data:`WINDOW_CHARS` characters
  (the :data:`SIDE_CANDIDATES` nearest on each side) is a candidate; a logistic regression over
  what lies between the two (:func:`pair_features`: distance, Drugs and attributes of the same
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
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

import numpy as np

from engine.atomic import atomic_write_text
from engine.data.tokenize import sentences
from engine.types import Document, Relation, Span

DRUG = "Drug"
#: The attribute labels, in the order a medication list shows them.
ATTRIBUTES: tuple[str, ...] = ("Strength", "Dosage", "Form", "Route", "Frequency", "Duration", "Reason", "ADE")
#: How far back the rule lets an attribute outside any drug's sentence reach for a preceding Drug.
CARRY_OVER_CHARS = 80
#: How far (characters between the spans) the linker looks for a candidate Drug.
WINDOW_CHARS = 600
#: How many Drugs on each side of an attribute the linker considers, nearest first.
SIDE_CANDIDATES = 4
#: The linker shipped with the product (trained on the demo corpus's train split).
DEFAULT_LINKER = Path(__file__).with_name("linker.json")
#: The file a model folder may hold with its own linker.
LINKER_FILE = "linker.json"
FORMAT = 1

GOLD, LEARNED, RULE = "gold", "linker", "nearest drug"
#: Longer than any Drug span: how far back the candidate search must look past the window.
_LONGEST_SPAN = 2000


@dataclass(frozen=True)
class Link:
    """One attribute attached to one Drug, with how: ``gold`` (an annotated relation), ``linker``
    (with its ``probability``) or ``nearest drug`` (the rule; no probability)."""

    attribute: Span
    drug: Span
    method: str
    probability: float | None = None


def _gap(a: Span, b: Span) -> int:
    return max(0, b.start - a.end) if a.start <= b.start else max(0, a.start - b.end)


def _sentence_index(document: Document):
    bounds = [s.start for s in sentences(document.text, protect=list(document.spans))] if document.spans else []

    def index(position: int) -> int:
        return max(0, bisect.bisect_right(bounds, position) - 1)

    return index


def _split(document: Document) -> tuple[list[Span], list[Span]]:
    drugs = sorted((s for s in document.spans if s.label == DRUG), key=lambda s: (s.start, s.end))
    attributes = sorted((s for s in document.spans if s.label != DRUG), key=lambda s: (s.start, s.end))
    return drugs, attributes


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
        drugs, attributes = _split(document)
        if not drugs:
            return []
        sentence_of = _sentence_index(document)
        drug_sentence = [sentence_of(drug.start) for drug in drugs]
        drug_starts = [drug.start for drug in drugs]
        found = []
        for attribute in attributes:
            here = sentence_of(attribute.start)
            candidates = [i for i, s in enumerate(drug_sentence) if s == here]
            if candidates:
                # nearest by gap; on a tie the drug before the attribute (smaller start) wins
                best = min(candidates, key=lambda i: (_gap(drugs[i], attribute), drugs[i].start > attribute.start))
                found.append(Link(attribute, drugs[best], RULE))
                continue
            before = bisect.bisect_right(drug_starts, attribute.start) - 1
            if before >= 0:
                between = document.text[drugs[before].end : attribute.start]
                if len(between) <= CARRY_OVER_CHARS and "\n\n" not in between.replace("\r", ""):
                    found.append(Link(attribute, drugs[before], RULE))
        return found


# --- the learned linker's features --------------------------------------------------------------

_JOINERS = {
    "comma": re.compile(r","),
    "semicolon": re.compile(r";"),
    "colon": re.compile(r":"),
    "bracket": re.compile(r"[()\[\]]"),
    "slash": re.compile(r"/"),
    "dash": re.compile(r"\s[-–]\s"),
    "and": re.compile(r"\b(?:and|&|plus)\b", re.IGNORECASE),
    "or": re.compile(r"\bor\b", re.IGNORECASE),
    "then": re.compile(r"\b(?:then|followed by|after|before)\b", re.IGNORECASE),
    "for": re.compile(r"\b(?:for|due to|because|secondary to)\b", re.IGNORECASE),
    "from": re.compile(r"\b(?:from|on|with|of|caused|causing|induced)\b", re.IGNORECASE),
    "verb": re.compile(r"\b(?:start|started|continue|increase|decrease|stop|take|takes|give|given)\b", re.IGNORECASE),
}
_LIST_ITEM = re.compile(r"\n[ \t]*(?:\d+[.)]|[-*•·]|[A-Za-z][.)])\s")
_HEADER = re.compile(r"\n[ \t]*[A-Z][A-Za-z /&]{2,40}:")


def _names() -> tuple[str, ...]:
    names = [f"label={label}" for label in ATTRIBUTES]
    names += [f"before&label={label}" for label in ATTRIBUTES]
    names += [f"same_line&label={label}" for label in ATTRIBUTES]
    names += [f"drug_between&label={label}" for label in ATTRIBUTES]
    names += ["before", "log_gap", "log_words", "nearest", "nearest_on_side"]
    names += [f"side_rank={k}" for k in range(1, SIDE_CANDIDATES)]
    names += [f"drugs_between={k}" for k in (1, 2, 3)]
    names += ["same_sentence", "sentences_between", "same_line", "lines_between=1", "lines_between=2+"]
    names += ["blank_line", "list_item", "header", "same_label_between", "attributes_between"]
    names += ["drug_starts_line", "attribute_starts_line", "attribute_alone_on_line"]
    names += [f"joiner={name}" for name in _JOINERS]
    return tuple(names)


FEATURES: tuple[str, ...] = _names()
_INDEX = {name: i for i, name in enumerate(FEATURES)}


def _starts_line(text: str, position: int) -> bool:
    line_start = text.rfind("\n", 0, position) + 1
    return not text[line_start:position].strip(" \t-*•·0123456789.)")


def _alone_on_line(text: str, span: Span) -> bool:
    line_start = text.rfind("\n", 0, span.start) + 1
    line_end = text.find("\n", span.end)
    rest = text[line_start : span.start] + text[span.end : len(text) if line_end < 0 else line_end]
    return not rest.strip(" \t.:;,-*•·")


@dataclass
class _Context:
    """What the features of one document's pairs are read from, computed once a document."""

    document: Document
    drugs: list[Span]
    attributes: list[Span]
    sentence_of: object = field(repr=False)
    drug_starts: list[int] = field(default_factory=list)
    attribute_starts: list[int] = field(default_factory=list)

    @classmethod
    def of(cls, document: Document) -> _Context:
        drugs, attributes = _split(document)
        return cls(
            document,
            drugs,
            attributes,
            _sentence_index(document),
            [d.start for d in drugs],
            [a.start for a in attributes],
        )

    def candidates(self, attribute: Span) -> list[int]:
        """Indices of the Drugs the linker weighs for ``attribute``, nearest first on each side."""
        cut = bisect.bisect_left(self.drug_starts, attribute.start)
        chosen: list[int] = []
        for side in (range(cut - 1, -1, -1), range(cut, len(self.drugs))):
            taken = 0
            for i in side:
                drug = self.drugs[i]
                if i >= cut and drug.start - attribute.end > WINDOW_CHARS:
                    break  # starts only grow from here
                if i < cut and attribute.start - drug.start > WINDOW_CHARS + _LONGEST_SPAN:
                    break  # no Drug this far back can end within the window
                if _gap(drug, attribute) <= WINDOW_CHARS:
                    chosen.append(i)
                    taken += 1
                    if taken == SIDE_CANDIDATES:
                        break
        return chosen

    @staticmethod
    def _within(spans: list[Span], starts: list[int], left: int, right: int) -> list[Span]:
        """The spans (sorted by start, ``starts`` their starts) lying wholly in ``[left, right)``."""
        return [
            s for s in spans[bisect.bisect_left(starts, left) : bisect.bisect_left(starts, right)] if s.end <= right
        ]

    def features(self, attribute: Span, candidates: Sequence[int]) -> np.ndarray:
        rows = np.zeros((len(candidates), len(FEATURES)), dtype=np.float64)
        text = self.document.text
        gaps = [_gap(self.drugs[i], attribute) for i in candidates]
        nearest = min(gaps) if gaps else 0
        for row, (i, gap) in enumerate(zip(candidates, gaps, strict=True)):
            drug = self.drugs[i]
            before = drug.start < attribute.start
            left, right = (drug.end, attribute.start) if before else (attribute.end, drug.start)
            between = text[left:right] if right > left else ""
            side = [j for j in candidates if (self.drugs[j].start < attribute.start) == before]
            side_rank = sorted(side, key=lambda j: _gap(self.drugs[j], attribute)).index(i)
            drugs_between = sum(1 for d in self._within(self.drugs, self.drug_starts, left, right))
            others = [a for a in self._within(self.attributes, self.attribute_starts, left, right) if a != attribute]
            sentences_between = abs(self.sentence_of(attribute.start) - self.sentence_of(drug.start))
            newlines = between.count("\n")
            values = {
                f"label={attribute.label}": 1.0,
                "before": float(before),
                "log_gap": math.log1p(gap) / 6,
                "log_words": math.log1p(len(between.split())) / 4,
                "nearest": float(gap == nearest),
                "nearest_on_side": float(side_rank == 0),
                "same_sentence": float(sentences_between == 0),
                "sentences_between": min(sentences_between, 3) / 3,
                "same_line": float(newlines == 0),
                "lines_between=1": float(newlines == 1),
                "lines_between=2+": float(newlines >= 2),
                "blank_line": float(bool(re.search(r"\n[ \t]*\n", between))),
                "list_item": float(bool(_LIST_ITEM.search("\n" + between if not before else between))),
                "header": float(bool(_HEADER.search(between))),
                "same_label_between": min(sum(1 for a in others if a.label == attribute.label), 2) / 2,
                "attributes_between": min(len(others), 6) / 6,
                "drug_starts_line": float(_starts_line(text, drug.start)),
                "attribute_starts_line": float(_starts_line(text, attribute.start)),
                "attribute_alone_on_line": float(_alone_on_line(text, attribute)),
            }
            if 1 <= side_rank < SIDE_CANDIDATES:
                values[f"side_rank={side_rank}"] = 1.0
            if drugs_between:
                values[f"drugs_between={min(drugs_between, 3)}"] = 1.0
                values[f"drug_between&label={attribute.label}"] = 1.0
            if before:
                values[f"before&label={attribute.label}"] = 1.0
            if newlines == 0:
                values[f"same_line&label={attribute.label}"] = 1.0
            for name, pattern in _JOINERS.items():
                if pattern.search(between):
                    values[f"joiner={name}"] = 1.0
            for name, value in values.items():
                rows[row, _INDEX[name]] = value
        return rows


def pair_features(document: Document, attribute: Span) -> tuple[list[Span], np.ndarray]:
    """The candidate Drugs of one attribute of ``document`` and their feature rows
    (columns :data:`FEATURES`)."""
    context = _Context.of(document)
    candidates = context.candidates(attribute)
    return [context.drugs[i] for i in candidates], context.features(attribute, candidates)


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
        context = _Context.of(document)
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
        context = _Context.of(document)
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
