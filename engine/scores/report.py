"""The evaluation report: every family of figures assembled from the parts.

Two families of figures, never mixed: the strict entity scores (:mod:`engine.scores.strict`),
the product's headline, and paper mode (:mod:`engine.scores.paper`, under the ``paper`` key).
Beside them, :class:`Report` carries the n2c2 2018 strict and lenient concept scores
(:mod:`engine.scores.n2c2`), nervaluate's SemEval schemes, the error taxonomy and confusions
(:mod:`engine.scores.errors`), the calibration of span probabilities
(:mod:`engine.scores.calibration`), and, from per-document counts, a 95 % bootstrap interval for
every F1 (:mod:`engine.scores.intervals`; ``ci`` in ``as_dict()``). :func:`evaluate` is the one
way to score predictions against gold.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property

from engine.data.partial import Coverage, scoreable
from engine.labels import LABELS, TAGS
from engine.scores.calibration import calibration
from engine.scores.errors import NONE
from engine.scores.n2c2 import concept_counts, n2c2_scores, semeval_schemes
from engine.scores.paper import paper_scores
from engine.scores.relations import document_counts, has_relations, relation_keys, relation_table
from engine.scores.relations import scores as relation_scores
from engine.scores.strict import Counts, score_document, tag_counts
from engine.scores.tables import CountTable, prf_row
from engine.types import ERROR_KINDS, Document, EvaluationRecord

#: Tables of relation counts are named ``relations/LINKER:SETTING``.
RELATIONS_PREFIX = "relations/"
#: The linker names :func:`evaluate` is given by the product: the learned linker and the rule.
LEARNED_LINKER, RULE_LINKER = "linker", "nearest_drug"
#: A relation linker as :func:`evaluate` takes it: a document in, (attribute, Drug) span pairs out.
RelationLinker = Callable[[Document], Iterable[tuple[object, object]]]


@dataclass
class Report:
    """Scores derived from :class:`Counts`; ``as_dict()`` is the CLI's ``--json`` object."""

    counts: Counts
    missing_predictions: list[str] = field(default_factory=list)
    #: per-document counts: ``strict`` (the seqeval spans), ``paper`` (tags), ``n2c2_strict``
    #: and ``n2c2_lenient`` (:mod:`engine.scores.n2c2`); what intervals and paired tests use
    tables: dict[str, CountTable] = field(default_factory=dict)
    #: the (gold, scored prediction) documents, for nervaluate's schemes
    pairs: list[tuple[Document, Document]] = field(default_factory=list, repr=False)
    #: bootstrap resamples (None: :func:`engine.scores.intervals.default_resamples`) and seed
    resamples: int | None = None
    seed: int = 13

    @property
    def labels(self) -> list[str]:
        """Labels seen in gold or prediction, in the n2c2 order (as seqeval scores them)."""
        seen = set(self.counts.gold) | set(self.counts.predicted)
        return [label for label in LABELS if label in seen] + sorted(seen - set(LABELS))

    def per_label(self) -> dict[str, dict[str, float | int]]:
        c = self.counts
        return {label: prf_row(c.true_positives[label], c.gold[label], c.predicted[label]) for label in self.labels}

    def micro(self) -> dict[str, float | int]:
        c = self.counts
        return prf_row(sum(c.true_positives.values()), sum(c.gold.values()), sum(c.predicted.values()))

    def macro_f1(self) -> float:
        rows = self.per_label()
        return sum(row["f1"] for row in rows.values()) / len(rows) if rows else 0.0

    def weighted_f1(self) -> float:
        rows = self.per_label()
        support = sum(row["support"] for row in rows.values())
        return sum(row["f1"] * row["support"] for row in rows.values()) / support if support else 0.0

    def errors_by_kind(self) -> dict[str, int]:
        found = Counter(error.kind for error in self.counts.errors)
        return {kind: found.get(kind, 0) for kind in ERROR_KINDS}

    def errors_by_label(self) -> dict[str, dict[str, int]]:
        table: dict[str, dict[str, int]] = {}
        for error in self.counts.errors:
            row = table.setdefault(error.label, dict.fromkeys(ERROR_KINDS, 0))
            row[error.kind] += 1
        return table

    def span_confusion(self) -> dict[str, object]:
        axis = [*list(LABELS), NONE]
        matrix = [[self.counts.span_confusion.get((g, p), 0) for p in axis] for g in axis]
        return {"rows": "gold", "columns": "predicted", "labels": axis, "matrix": matrix}

    def tag_confusion(self) -> dict[str, object]:
        matrix = [[self.counts.tag_confusion.get((g, p), 0) for p in TAGS] for g in TAGS]
        return {"rows": "gold", "columns": "predicted", "labels": list(TAGS), "matrix": matrix}

    @cached_property
    def intervals(self) -> dict[str, dict[str, object]]:
        """Bootstrap intervals of each table's F1 figures (:func:`engine.scores.intervals.intervals`)."""
        from engine.scores.intervals import intervals

        return {name: intervals(table, resamples=self.resamples, seed=self.seed) for name, table in self.tables.items()}

    def n2c2(self) -> dict[str, object]:
        """The n2c2 2018 strict and lenient scores, each F1 with its interval."""
        scores = n2c2_scores({mode: self.tables[f"n2c2_{mode}"] for mode in ("strict", "lenient")})
        for mode in ("strict", "lenient"):
            _attach(scores[mode], self.intervals[f"n2c2_{mode}"])
        return scores

    def relation_tables(self) -> dict[str, dict[str, CountTable]]:
        """The relation tables by linker and setting: ``{linker: {setting: table}}``."""
        found: dict[str, dict[str, CountTable]] = {}
        for name, table in self.tables.items():
            if name.startswith(RELATIONS_PREFIX):
                linker, setting = name[len(RELATIONS_PREFIX) :].split(":", 1)
                found.setdefault(linker, {})[setting] = table
        return found

    def relations(self) -> dict[str, object] | None:
        """Relation P/R/F1 (:mod:`engine.scores.relations`) of each linker in each setting, with
        the micro F1's interval, and the paired test of the learned linker against the rule;
        None when the gold has no relations."""
        from engine.scores.intervals import paired_test

        by_linker = self.relation_tables()
        if not by_linker:
            return None
        result: dict[str, object] = {"scoring": "n2c2 2018 relations: exact attribute and Drug spans"}
        for linker, settings in by_linker.items():
            result[linker] = {}
            for setting, table in settings.items():
                figures = relation_scores(table)
                figures["micro_f1_ci"] = self.intervals[f"{RELATIONS_PREFIX}{linker}:{setting}"]["micro_f1"]
                result[linker][setting] = figures
        if LEARNED_LINKER in by_linker and RULE_LINKER in by_linker:
            result["linker_against_rule"] = {
                setting: paired_test(by_linker[RULE_LINKER][setting], table, resamples=self.resamples, seed=self.seed)
                for setting, table in by_linker[LEARNED_LINKER].items()
                if setting in by_linker[RULE_LINKER]
            }
        return result

    @cached_property
    def schemes(self) -> dict[str, dict[str, float | int]]:
        """nervaluate's SemEval 2013 schemes (:func:`engine.scores.n2c2.semeval_schemes`)."""
        gold = [g for g, _ in self.pairs]
        return semeval_schemes(gold, {p.id: p for _, p in self.pairs})

    def per_document(self) -> dict[str, object]:
        """The per-document span counts (strict and n2c2), compact, for paired tests later."""
        names = ("strict", "n2c2_strict", "n2c2_lenient")
        first = self.tables["strict"]
        return {
            "documents": first.documents,
            "classes": first.classes,
            "order": "tp, gold, predicted",
            **{name: self.tables[name].counts.tolist() for name in names},
            **self._relation_documents(),
        }

    def _relation_documents(self) -> dict[str, object]:
        relation_names = [name for name in self.tables if name.startswith(RELATIONS_PREFIX)]
        if not relation_names:
            return {}
        first = self.tables[relation_names[0]]
        return {
            "relations": {
                "documents": first.documents,
                "classes": first.classes,
                **{name[len(RELATIONS_PREFIX) :]: self.tables[name].counts.tolist() for name in relation_names},
            }
        }

    def as_dict(self) -> dict[str, object]:
        c = self.counts
        micro = self.micro()
        per_label = self.per_label()
        strict_ci = self.intervals["strict"]
        for label, row in per_label.items():
            row["f1_ci"] = strict_ci["per_label"].get(label, [0.0, 0.0])
        paper = paper_scores(c.gold_tags, c.predicted_tags, unit=c.tag_unit)
        paper_ci = self.intervals["paper"]
        paper["ci"] = {key: paper_ci[key] for key in ("macro_f1", "weighted_f1", "micro_f1")}
        for tag, row in paper["per_tag"].items():
            row["f1_ci"] = paper_ci["per_label"].get(tag, [0.0, 0.0])
        return {
            "scoring": "strict span level (seqeval mode=strict, scheme=IOB2)",
            "documents": c.documents,
            "macro_f1": self.macro_f1(),
            "weighted_f1": self.weighted_f1(),
            "micro_f1": micro["f1"],
            "micro_precision": micro["precision"],
            "micro_recall": micro["recall"],
            "per_label": per_label,
            "ci": {
                key: strict_ci[key]
                for key in ("method", "level", "resamples", "seed", "macro_f1", "weighted_f1", "micro_f1")
            },
            "n2c2": self.n2c2(),
            "schemes": self.schemes,
            "per_document": self.per_document(),
            "calibration": calibration(self.pairs),
            "errors_by_kind": self.errors_by_kind(),
            "errors_by_label": self.errors_by_label(),
            "span_confusion": self.span_confusion(),
            "tag_confusion": self.tag_confusion(),
            "alignment": {"gold": c.gold_alignment.summary(), "predicted": c.predicted_alignment.summary()},
            "missing_predictions": list(self.missing_predictions),
            "paper": paper,
            **({"relations": relations} if (relations := self.relations()) is not None else {}),
        }


def count_tables(metrics: Mapping[str, object]) -> dict[str, CountTable]:
    """The per-document tables kept in an evaluation's JSON (``per_document``), as
    :class:`engine.scores.tables.CountTable`; empty for evaluations saved before they were kept."""
    stored = metrics.get("per_document")
    if not isinstance(stored, Mapping):
        return {}
    documents, classes = stored["documents"], stored["classes"]
    tables = {
        name: CountTable.from_dict({"documents": documents, "classes": classes, "counts": stored[name]})
        for name in ("strict", "n2c2_strict", "n2c2_lenient")
        if name in stored
    }
    relations = stored.get("relations")
    if isinstance(relations, Mapping):
        for name, counts in relations.items():
            if name not in ("documents", "classes"):
                table = {"documents": relations["documents"], "classes": relations["classes"], "counts": counts}
                tables[f"{RELATIONS_PREFIX}{name}"] = CountTable.from_dict(table)
    return tables


def _attach(scores: dict, ci: Mapping[str, object]) -> None:
    """Put each F1's interval beside it: ``micro_f1_ci``, ``macro_f1_ci``, per-label ``f1_ci``."""
    for key in ("micro_f1", "macro_f1"):
        scores[f"{key}_ci"] = ci[key]
    for label, row in scores["per_label"].items():
        row["f1_ci"] = ci["per_label"].get(label, [0.0, 0.0])


def record_of(
    report: Report, *, model: str, split: str, corpus: str = "", metrics: Mapping[str, object] | None = None
) -> EvaluationRecord:
    """The report as the store keeps it: its JSON figures (``report.as_dict()`` unless the caller
    already has them, with extras) and every error, under a model fingerprint."""
    figures = report.as_dict() if metrics is None else metrics
    return EvaluationRecord(model, split, figures, tuple(report.counts.errors), corpus)


def evaluate(
    gold: Iterable[Document],
    predicted: Mapping[str, Document] | Iterable[Document],
    *,
    pieces_per_word: Callable[[str], int] | None = None,
    coverage: Coverage | None = None,
    resamples: int | None = None,
    seed: int = 13,
    linkers: Mapping[str, RelationLinker] | None = None,
) -> Report:
    """Score predictions against gold documents, matched by document id.

    With ``linkers`` (name -> document to (attribute, Drug) span pairs) and gold with relations,
    each linker is scored given the gold entities and end to end (:mod:`engine.scores.relations`).

    A gold document with no prediction is scored as an empty prediction (all its spans
    missed) and listed in ``missing_predictions``; a prediction with no gold raises. Against a
    partially annotated corpus (``coverage``), only the predictions it can judge are scored
    (:func:`engine.data.partial.scoreable`).
    """
    by_id = dict(predicted) if isinstance(predicted, Mapping) else {doc.id: doc for doc in predicted}
    if coverage is not None and not coverage.complete:
        by_id = {doc_id: scoreable(doc, coverage) for doc_id, doc in by_id.items()}
    gold = list(gold)
    extra = sorted(set(by_id) - {doc.id for doc in gold})
    if extra:
        raise ValueError(f"predictions for documents that have no gold: {', '.join(extra[:5])}")
    total = Counts()
    missing: list[str] = []
    pairs: list[tuple[Document, Document]] = []
    strict_rows: list[dict[str, tuple[int, int, int]]] = []
    tag_rows: list[dict[str, tuple[int, int, int]]] = []
    concept_rows: dict[str, list[dict[str, tuple[int, int, int]]]] = {"strict": [], "lenient": []}
    for document in gold:
        guess = by_id.get(document.id)
        if guess is None:
            missing.append(document.id)
            guess = Document(document.id, document.text)
        counts = score_document(document, guess, pieces_per_word=pieces_per_word)
        total += counts
        pairs.append((document, guess))
        strict_rows.append(
            {
                label: (counts.true_positives[label], counts.gold[label], counts.predicted[label])
                for label in counts.gold.keys() | counts.predicted.keys()
            }
        )
        tag_rows.append(tag_counts(counts.gold_tags, counts.predicted_tags))
        for mode, rows in concept_rows.items():
            rows.append(concept_counts(document.spans, guess.spans, mode))
    ids = [document.id for document, _ in pairs]
    extra = sorted({label for row in (*strict_rows, *concept_rows["lenient"]) for label in row} - set(LABELS))
    labels = [*LABELS, *extra]
    tables = {
        "strict": CountTable.of(ids, labels, strict_rows),
        "paper": CountTable.of(ids, TAGS, tag_rows),
        **{f"n2c2_{mode}": CountTable.of(ids, labels, rows) for mode, rows in concept_rows.items()},
    }
    tables.update(_relation_tables(pairs, linkers) if linkers and has_relations(gold) else {})
    return Report(total, missing, tables, pairs, resamples=resamples, seed=seed)


def _relation_tables(
    pairs: Sequence[tuple[Document, Document]], linkers: Mapping[str, RelationLinker]
) -> dict[str, CountTable]:
    ids = [gold.id for gold, _ in pairs]
    truth = []
    for gold, _ in pairs:
        by_ref = gold.span_by_ref()
        linked = [(by_ref[r.arg1], by_ref[r.arg2]) for r in gold.relations if r.arg1 in by_ref and r.arg2 in by_ref]
        truth.append(relation_keys(linked))
    tables = {}
    for name, link in linkers.items():
        for setting, source in (("given_gold_entities", 0), ("end_to_end", 1)):
            rows = [
                document_counts(
                    keys, relation_keys(link(Document(pair[source].id, pair[source].text, pair[source].spans)))
                )
                for pair, keys in zip(pairs, truth, strict=True)
            ]
            tables[f"{RELATIONS_PREFIX}{name}:{setting}"] = relation_table(ids, rows)
    return tables


def _interval(bounds: Sequence[float]) -> str:
    return f"[{bounds[0]:.3f}, {bounds[1]:.3f}]"


def format_report(report: Report) -> str:
    """A short plain-text summary: averages, per-label rows, error kinds, paper mode."""
    data = report.as_dict()
    ci = data["ci"]
    lines = [
        f"strict span level (seqeval, IOB2) over {data['documents']} documents; "
        f"[{ci['level']:.0%} bootstrap interval over documents, {ci['resamples']} resamples]",
        f"  macro F1 {data['macro_f1']:.4f} {_interval(ci['macro_f1'])}   "
        f"weighted F1 {data['weighted_f1']:.4f} {_interval(ci['weighted_f1'])}   "
        f"micro F1 {data['micro_f1']:.4f} {_interval(ci['micro_f1'])}",
        "",
        f"  {'label':<10} {'precision':>9} {'recall':>9} {'f1':>9} {'interval':>17} {'support':>8}",
    ]
    for label, row in data["per_label"].items():
        lines.append(
            f"  {label:<10} {row['precision']:>9.4f} {row['recall']:>9.4f} {row['f1']:>9.4f} "
            f"{_interval(row['f1_ci']):>17} {row['support']:>8}"
        )
    lines.append("")
    lines.append("  errors: " + ", ".join(f"{kind} {count}" for kind, count in report.errors_by_kind().items()))
    n2c2 = data["n2c2"]
    lines.append("n2c2 2018 concept scores (character offsets, official counting):")
    for mode in ("strict", "lenient"):
        row = n2c2[mode]
        lines.append(
            f"  {mode:<8} micro P {row['micro_precision']:.4f} R {row['micro_recall']:.4f} "
            f"F1 {row['micro_f1']:.4f} {_interval(row['micro_f1_ci'])}   "
            f"macro F1 {row['macro_f1']:.4f} {_interval(row['macro_f1_ci'])}"
        )
    paper = data["paper"]
    lines.append(
        f"paper mode (tag level, per {paper['unit']}, O included; not comparable with the above): "
        f"macro F1 {paper['macro_f1']:.4f}   weighted F1 {paper['weighted_f1']:.4f}   micro F1 {paper['micro_f1']:.4f}"
    )
    return "\n".join(lines) + "\n"
