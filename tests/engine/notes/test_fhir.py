import json

from fhir.resources.R4B.bundle import Bundle

from engine.notes.fhir import to_fhir_bundle, to_fhir_json
from engine.types import Document
from tests.engine.notes.marked import marked

TEXT = (
    "Allergies: penicillin (rash).\n"
    "Continue metformin 500 mg bd. Stop gliclazide 80 mg mane. Mother takes warfarin.\n"
    "If no better, start Ventolin inhaler 2 puffs prn for wheeze."
)
MARKS = [
    ("penicillin", "Drug"),
    ("rash", "ADE"),
    ("metformin", "Drug"),
    ("500 mg", "Strength"),
    ("bd", "Frequency"),
    ("gliclazide", "Drug"),
    ("80 mg", "Strength"),
    ("mane", "Frequency"),
    ("warfarin", "Drug"),
    ("Ventolin", "Drug"),
    ("inhaler", "Form"),
    ("2 puffs", "Dosage"),
    ("prn", "Frequency"),
    ("wheeze", "Reason"),
]


def note() -> Document:
    return marked(TEXT, MARKS, id="visit-1")


def test_the_bundle_validates_against_the_fhir_models_and_holds_each_medication_once():
    bundle = Bundle.model_validate(to_fhir_bundle(note()))
    kinds = [entry.resource.get_resource_type() for entry in bundle.entry]
    assert kinds == [
        "Patient",
        "AllergyIntolerance",
        "MedicationStatement",
        "MedicationStatement",
        "MedicationStatement",
    ]
    allergy = bundle.entry[1].resource
    assert allergy.code.text == "penicillin" and allergy.reaction[0].manifestation[0].text == "rash"
    statements = {e.resource.medicationCodeableConcept.text: e.resource for e in bundle.entry[2:]}
    assert set(statements) == {"metformin", "gliclazide", "Ventolin"}, "the mother's warfarin is not the patient's"
    assert statements["metformin"].status == "active" and statements["metformin"].dosage[0].text == "500 mg bd"
    assert statements["gliclazide"].status == "stopped"
    ventolin = statements["Ventolin"]
    assert ventolin.status == "intended" and ventolin.reasonCode[0].text == "wheeze"
    assert ventolin.dosage[0].text == "2 puffs inhaler prn"
    codes = {(c.system.rsplit("/", 1)[-1], c.code) for c in ventolin.medicationCodeableConcept.coding}
    assert ("drugbank", "DB01001") in codes and ("bnf-code", "0301011R0") in codes
    assert {e.resource.subject.reference for e in bundle.entry[2:]} == {bundle.entry[0].fullUrl}


def test_the_same_note_gives_the_same_bundle_and_no_note_text_beyond_the_medications():
    first, again = to_fhir_json(note()), to_fhir_json(note())
    assert first == again
    assert "Stop gliclazide 80 mg mane" not in first and "Mother" not in first and "warfarin" not in first
    assert json.loads(first)["type"] == "collection"
