"""Paper mode: the study's tag-level scoring, never mixed with the entity scores.

scikit-learn's ``classification_report`` over every IOB2 tag including ``O``, per word (or per
subword when a piece counter is given, a word's ``B-`` becoming ``I-`` on its continuation
pieces: :func:`engine.scores.strict.subword_tags`). Its micro F1 is tag accuracy and its
weighted F1 is dominated by ``O``. The study's per-label figures merge ``B-`` and ``I-`` into the
label.
"""

from __future__ import annotations

from collections import Counter

from engine.labels import LABELS, OUTSIDE, TAGS, split_tag
from engine.scores.tables import prf_row


def paper_scores(gold_tags: list[str], predicted_tags: list[str], *, unit: str = "word") -> dict[str, object]:
    """The study's tag-level figures: scikit-learn's report over all IOB2 tags, O included."""
    from sklearn.metrics import classification_report

    if not gold_tags:
        return {"unit": unit, "tags": 0, "macro_f1": 0.0, "weighted_f1": 0.0, "micro_f1": 0.0, "per_tag": {}}
    present = [tag for tag in TAGS if tag in set(gold_tags) | set(predicted_tags)]
    report = classification_report(gold_tags, predicted_tags, labels=present, output_dict=True, zero_division=0)
    micro = report.get("accuracy", report.get("micro avg", {}).get("f1-score", 0.0))
    merged = _merged_labels(gold_tags, predicted_tags)
    return {
        "scoring": "tag-level (scikit-learn classification_report over IOB2 tags, O included)",
        "unit": unit,
        "tags": len(gold_tags),
        "macro_f1": report["macro avg"]["f1-score"],
        "weighted_f1": report["weighted avg"]["f1-score"],
        "micro_f1": micro,
        "per_tag": {
            tag: {
                "precision": report[tag]["precision"],
                "recall": report[tag]["recall"],
                "f1": report[tag]["f1-score"],
                "support": int(report[tag]["support"]),
            }
            for tag in present
        },
        # the study's per-label figures (its Figures 6 and 7): B- and I- merged into the label, O kept
        "per_label": merged,
        "macro_f1_labels": sum(row["f1"] for row in merged.values()) / len(merged) if merged else 0.0,
    }


def _merged_labels(gold_tags: list[str], predicted_tags: list[str]) -> dict[str, dict[str, float | int]]:
    """Tag-level precision / recall / F1 per label with B- and I- merged (a word tagged I-Drug
    where gold says B-Drug counts as right), and O as a label of its own."""

    def label(tag: str) -> str:
        return split_tag(tag)[1] or OUTSIDE

    gold, predicted = [label(t) for t in gold_tags], [label(t) for t in predicted_tags]
    agreed = Counter(g for g, p in zip(gold, predicted, strict=True) if g == p)
    gold_counts, predicted_counts = Counter(gold), Counter(predicted)
    present = [name for name in (*LABELS, OUTSIDE) if gold_counts[name] or predicted_counts[name]]
    return {name: prf_row(agreed[name], gold_counts[name], predicted_counts[name]) for name in present}
