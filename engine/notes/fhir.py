"""A note's medication list as a FHIR R4 Bundle, for a record system.

- One **MedicationStatement** a medication the patient has, had or will have: its status from
  :mod:`engine.notes.status` (taking, started: ``active``; stopped: ``stopped``; planned:
  ``intended``; negated: ``not-taken``; historical: ``completed``), the drug as written with its
  codings (:mod:`engine.notes.names`), the dosage as text (strength, dosage, form, route,
  frequency, duration, in the note's words), the route and the reasons as text.
- One **AllergyIntolerance** a drug the note names as an allergy or intolerance, with the ADEs
  linked to it as the reaction's manifestations.
- A drug someone else takes (``family``) is left out: it is not the patient's.
- The subject is one **Patient** resource with no identifying data at all, for the receiving
  system to replace; the bundle is a ``collection`` and its entries refer to each other by
  ``urn:uuid`` full URLs made from the note's id, so the same note always gives the same bundle.

Code systems follow the FHIR terminology page's rule for systems it does not list (the UMLS
source abbreviation): DrugBank ``http://www.nlm.nih.gov/research/umls/drugbank``, MeSH
``.../umls/msh``, MedlinePlus ``.../umls/medlineplus``; the BNF, which UMLS does not carry, as
:data:`BNF_SYSTEM`. The bundle uses only elements that FHIR R4 (4.0.1) and R4B (4.3.0) share
for these resources; the tests validate it with ``fhir.resources``' R4B models.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable

from engine.labels import ATTRIBUTES
from engine.notes.medications import Medication, MedicationList, medication_list
from engine.types import Document, Span

UMLS = "http://www.nlm.nih.gov/research/umls/"
BNF_SYSTEM = "https://www.bnf.org/bnf-code"
SYSTEMS = {"DrugBank": UMLS + "drugbank", "MeSH": UMLS + "msh", "MedlinePlus": UMLS + "medlineplus", "BNF": BNF_SYSTEM}
#: MedicationStatement.status of each medication status (allergies and family drugs are not statements).
STATEMENT_STATUS = {
    "taking": "active",
    "started": "active",
    "stopped": "stopped",
    "planned": "intended",
    "negated": "not-taken",
    "historical": "completed",
}
_NAMESPACE = uuid.UUID("6f1b8f8e-2f6c-4b8e-9d3c-2a7f0c1d5e42")
_CLINICAL = "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical"
_VERIFICATION = "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification"
#: What a dosage says: every attribute but the reason and the adverse event.
_DOSAGE_PARTS = tuple(label for label in ATTRIBUTES if label not in ("Reason", "ADE"))


def _urn(*parts: object) -> str:
    return f"urn:uuid:{uuid.uuid5(_NAMESPACE, '/'.join(map(str, parts)))}"


def _texts(spans: Iterable[Span]) -> str:
    return " ".join(" ".join(span.text.split()) for span in spans)


def _concept(medication: Medication) -> dict[str, object]:
    concept: dict[str, object] = {"text": " ".join(medication.drug.text.split())}
    name = medication.name
    if name is not None:
        codings = [
            {"system": SYSTEMS[system], "code": code, "display": name.generic}
            for system, code in name.identifiers().items()
        ]
        if codings:
            concept["coding"] = codings
    return concept


def _statement(medication: Medication, patient: str) -> dict[str, object]:
    attributes = medication.attributes
    resource: dict[str, object] = {
        "resourceType": "MedicationStatement",
        "status": STATEMENT_STATUS[medication.status.status],
        "medicationCodeableConcept": _concept(medication),
        "subject": {"reference": patient},
    }
    dosage_text = _texts(span for label in _DOSAGE_PARTS for span in attributes.get(label, ()))
    if dosage_text:
        dosage: dict[str, object] = {"text": dosage_text}
        if attributes.get("Route"):
            dosage["route"] = {"text": _texts(attributes["Route"])}
        resource["dosage"] = [dosage]
    if attributes.get("Reason"):
        resource["reasonCode"] = [{"text": " ".join(span.text.split())} for span in attributes["Reason"]]
    note = f"status read from the note: {medication.status.status}"
    if medication.status.cue:
        note += f" ('{' '.join(medication.status.cue.split())}')"
    resource["note"] = [{"text": note}]
    return resource


def _allergy(medication: Medication, patient: str) -> dict[str, object]:
    resource: dict[str, object] = {
        "resourceType": "AllergyIntolerance",
        "clinicalStatus": {"coding": [{"system": _CLINICAL, "code": "active"}]},
        "verificationStatus": {"coding": [{"system": _VERIFICATION, "code": "unconfirmed"}]},
        "code": _concept(medication),
        "patient": {"reference": patient},
    }
    cue = medication.status.cue.lower()
    if "intoleran" in cue or "tolerat" in cue:
        resource["type"] = "intolerance"
    elif "allerg" in cue:
        resource["type"] = "allergy"
    reactions = medication.attributes.get("ADE", ())
    if reactions:
        resource["reaction"] = [{"manifestation": [{"text": " ".join(span.text.split())} for span in reactions]}]
    return resource


def to_fhir_bundle(document: Document, *, medications: MedicationList | None = None) -> dict[str, object]:
    """The note's medication list (``medications``, made from ``document`` when not given) as a
    FHIR ``Bundle`` (a JSON-ready dict; see the module's docstring)."""
    medications = medication_list(document) if medications is None else medications
    patient = _urn(document.id, "patient")
    entries: list[dict[str, object]] = [
        {
            "fullUrl": patient,
            "resource": {
                "resourceType": "Patient",
                "text": {
                    "status": "generated",
                    "div": '<div xmlns="http://www.w3.org/1999/xhtml">The patient of the note; no identifying data '
                    "was exported.</div>",
                },
            },
        }
    ]
    for number, medication in enumerate(medications.medications):
        status = medication.status.status
        if status == "allergy":
            resource = _allergy(medication, patient)
        elif status in STATEMENT_STATUS:
            resource = _statement(medication, patient)
        else:
            continue
        entries.append({"fullUrl": _urn(document.id, number, medication.drug.start), "resource": resource})
    return {"resourceType": "Bundle", "type": "collection", "entry": entries}


def to_fhir_json(document: Document, *, medications: MedicationList | None = None) -> str:
    return json.dumps(to_fhir_bundle(document, medications=medications), indent=2, ensure_ascii=False)
