"""The study's published figures on n2c2 2018 Track 2, to set beside models trained here.

Belkadi, Han, Wu, Antonini, Nenadic: "On Cross-Domain Pre-Trained Language Models for Clinical
Text Mining: How Do They Perform on Data-Constrained Fine-Tuning?", arXiv:2210.12770, v3 (2023).
All are tag-level figures (scikit-learn's report over the BIO tags, O included, per subword):
the project's paper mode (``paper`` in ``evaluate --json``). They were measured on n2c2 2018
Track 2 (273 / 30 / 202 notes), never run here; a model compares with them only when it is
trained and scored on that data.
"""

from __future__ import annotations

from engine.labels import LABELS

SOURCE = "Belkadi et al., arXiv:2210.12770 v3"
MARK = "published, n2c2, not run here"

#: Tables II and III of v3: full training set, BIO-tag level, O included.
#: model -> (macro precision, macro recall, macro F1, weighted F1). "Apt" = no CRF (linear head).
#: BioBERT-Apt failed to train in the study; its row is as published.
OVERALL: dict[str, tuple[float, float, float, float]] = {
    "BERT-Apt": (0.835, 0.831, 0.832, 0.974),
    "BERT-CRF": (0.842, 0.834, 0.837, 0.974),
    "BioBERT-Apt": (0.045, 0.053, 0.049, 0.800),
    "BioBERT-CRF": (0.843, 0.833, 0.836, 0.975),
    "ClinicalBERT-Apt": (0.853, 0.810, 0.825, 0.974),
    "ClinicalBERT-CRF": (0.850, 0.829, 0.837, 0.975),
    "TransformerApt": (0.820, 0.760, 0.784, 0.966),
    "TransformerCRF": (0.825, 0.762, 0.787, 0.967),
}

#: Figures 6 (full training set) and 7 (SamBD) of v3: per-label F1 at token level with B and I
#: merged, read off the figures (about +-0.005). model -> label -> F1; "macro" is over the nine
#: labels and O.
_PER_LABEL_MODELS = ("BERT-CRF", "ClinicalBERT-CRF", "TransformerCRF")
_FULL = {
    "Drug": (0.948, 0.953, 0.917),
    "Strength": (0.975, 0.975, 0.951),
    "Form": (0.954, 0.951, 0.944),
    "Dosage": (0.950, 0.955, 0.932),
    "Frequency": (0.926, 0.918, 0.910),
    "Route": (0.940, 0.929, 0.922),
    "Duration": (0.838, 0.850, 0.755),
    "Reason": (0.620, 0.645, 0.522),
    "ADE": (0.526, 0.527, 0.354),
    "macro": (0.866, 0.869, 0.819),
}
_SAMBD = {
    "Drug": (0.934, 0.946, 0.890),
    "Strength": (0.971, 0.976, 0.947),
    "Form": (0.899, 0.908, 0.897),
    "Dosage": (0.940, 0.950, 0.919),
    "Frequency": (0.922, 0.913, 0.904),
    "Route": (0.930, 0.912, 0.907),
    "Duration": (0.801, 0.814, 0.723),
    "Reason": (0.490, 0.550, 0.431),
    "ADE": (0.426, 0.471, 0.307),
    "macro": (0.829, 0.842, 0.790),
}


def _by_model(table: dict[str, tuple[float, ...]]) -> dict[str, dict[str, float]]:
    return {model: {label: row[i] for label, row in table.items()} for i, model in enumerate(_PER_LABEL_MODELS)}


#: training data ("full", "SamBD") -> model -> label -> F1 (B and I merged, O in "macro")
PER_LABEL: dict[str, dict[str, dict[str, float]]] = {"full": _by_model(_FULL), "SamBD": _by_model(_SAMBD)}

assert set(_FULL) == set(_SAMBD) == {*LABELS, "macro"}


def overall_rows() -> list[dict[str, object]]:
    """Tables II and III as rows for a table beside our paper-mode scores."""
    return [
        {
            "model": f"{model} ({MARK})",
            "macro precision": p,
            "macro recall": r,
            "paper macro F1": f1,
            "paper weighted F1": weighted,
            "source": f"{SOURCE}, Tables II-III",
        }
        for model, (p, r, f1, weighted) in OVERALL.items()
    ]


def per_label_rows() -> dict[str, dict[str, float]]:
    """Figures 6 and 7 as chart rows: ``"BERT-CRF, full (published, n2c2, not run here)"`` -> label -> F1."""
    return {
        f"{model}, {data} ({MARK})": scores for data, models in PER_LABEL.items() for model, scores in models.items()
    }
