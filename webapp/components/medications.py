"""A note's medication list as a clinician reads it: allergies apart, current medications first
(the others one click away), each drug's generic name beside the text, its status with the words
that decided it, and its attributes with how each was linked."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from engine.notes.medications import ATTRIBUTES, Medication, MedicationList
from engine.notes.status import CURRENT, STATUSES
from webapp.components.text import inert

#: The views of the list, and the statuses each shows.
LISTED = tuple(status for status in STATUSES if status != "allergy")  # allergies have their own table
VIEWS: dict[str, tuple[str, ...]] = {
    "Current": CURRENT,
    "Not current": tuple(status for status in LISTED if status not in CURRENT),
    "All": LISTED,
}
HOW = {
    "linker": "Attributes are attached to their Drug by the learned linker ('links': each one's probability).",
    "nearest drug": "Attributes are attached to the nearest Drug of their sentence (no linker could be read).",
    "relations": "Attributes are attached as the note's relations say.",
}


def _links(medication: Medication) -> str:
    parts = []
    for link in sorted(medication.links, key=lambda k: k.attribute.start):
        probability = f" {link.probability:.2f}" if link.probability is not None else ""
        parts.append(f"{link.attribute.text}{probability}")
    return "; ".join(parts)


def medication_rows(medications: tuple[Medication, ...]) -> list[dict[str, object]]:
    """The table's rows: what a clinician reads first (drug, generic, status) on the left."""
    rows = []
    for medication in medications:
        name = medication.name
        row: dict[str, object] = {
            "drug": medication.drug.text,
            "generic": name.generic if name else "",
            "status": medication.status.status,
            "why": medication.status.cue,
        }
        for label in ATTRIBUTES:
            row[label.lower()] = "; ".join(medication.values(label))
        row["links"] = _links(medication)
        row["identifiers"] = name.identifier_text() if name else ""
        if medication.drug.confidence is not None:
            row["confidence"] = round(medication.drug.confidence, 2)
        rows.append(row)
    return rows


def allergy_rows(medications: tuple[Medication, ...]) -> list[dict[str, object]]:
    return [
        {
            "drug": m.drug.text,
            "generic": m.name.generic if m.name else "",
            "reaction": "; ".join(m.values("ADE")),
            "why": m.status.cue,
        }
        for m in medications
    ]


def medication_list_view(medications: MedicationList, *, key: str) -> None:
    """Allergies, then the list filtered by status (current medications by default)."""
    if medications.allergies:
        st.markdown("**Allergies and intolerances**")
        st.dataframe(pd.DataFrame(allergy_rows(medications.allergies)), hide_index=True, width="stretch")
    others = tuple(m for m in medications.medications if m.status.status != "allergy")
    counts = {view: sum(1 for m in others if m.status.status in statuses) for view, statuses in VIEWS.items()}
    view = st.segmented_control(
        "Show",
        list(VIEWS),
        default="Current",
        format_func=lambda v: f"{v} ({counts[v]})",
        key=f"medications-view-{key}",
    )
    chosen = tuple(m for m in others if m.status.status in VIEWS[view or "Current"])
    st.caption(
        f"{HOW.get(medications.grouped_by, '')} Status is read from the words around each drug "
        "(taking, started, stopped, planned, negated, historical, family); 'why' shows the words that decided it."
    )
    if chosen:
        st.dataframe(pd.DataFrame(medication_rows(chosen)), hide_index=True, width="stretch")
    else:
        st.write(f"No {inert(view or 'current').lower()} medications in this note.")
    if medications.unattached:
        st.write("Not attached to a drug: " + ", ".join(inert(f"{s.label} '{s.text}'") for s in medications.unattached))
