from engine.notes.linking import NearestDrug
from engine.notes.medications import medication_list
from engine.types import Relation
from tests.engine.notes.marked import marked


def test_attributes_attach_to_the_nearest_drug_of_their_sentence():
    text = "Metoprolol 25 mg PO daily. Lisinopril 10 mg tablet for hypertension."
    doc = marked(
        text,
        [
            ("Metoprolol", "Drug"),
            ("25 mg", "Strength"),
            ("PO", "Route"),
            ("daily", "Frequency"),
            ("Lisinopril", "Drug"),
            ("10 mg", "Strength"),
            ("tablet", "Form"),
            ("hypertension", "Reason"),
        ],
    )
    meds = medication_list(doc, linker=NearestDrug())
    assert meds.grouped_by == "nearest drug"
    assert [m.drug.text for m in meds.medications] == ["Metoprolol", "Lisinopril"]
    first, second = meds.medications
    assert first.values("Strength") == ["25 mg"] and first.values("Route") == ["PO"]
    assert second.values("Reason") == ["hypertension"] and second.values("Form") == ["tablet"]
    assert meds.unattached == ()


def test_a_tie_goes_to_the_drug_before_the_attribute():
    text = "aspirin 81 mg heparin"
    doc = marked(text, [("aspirin", "Drug"), ("81 mg", "Strength"), ("heparin", "Drug")])
    meds = medication_list(doc, linker=NearestDrug())
    assert meds.medications[0].values("Strength") == ["81 mg"]
    assert meds.medications[1].attributes == {}


def test_an_attribute_far_from_any_drug_is_left_unattached():
    text = "Warfarin 5 mg daily.\n\nHe reports nausea since last week and it continues today now."
    doc = marked(text, [("Warfarin", "Drug"), ("5 mg", "Strength"), ("nausea", "ADE")])
    meds = medication_list(doc, linker=NearestDrug())
    assert [s.text for s in meds.unattached] == ["nausea"]


def test_relations_decide_when_the_document_has_them():
    text = "aspirin and heparin 5000 units"
    relations = (Relation("R1", "Strength-Drug", "T3", "T1"),)
    doc = marked(text, [("aspirin", "Drug"), ("heparin", "Drug"), ("5000 units", "Strength")], relations)
    meds = medication_list(doc)
    assert meds.grouped_by == "relations"
    assert meds.medications[0].values("Strength") == ["5000 units"]  # as annotated, not the nearest
    assert meds.medications[1].attributes == {}
    assert medication_list(doc, use_relations=False, linker=NearestDrug()).medications[1].values("Strength") == [
        "5000 units"
    ]
    assert medication_list(doc, use_relations=False).medications[1].values("Strength") == ["5000 units"]


def test_rows_flatten_each_medication():
    text = "Tylenol 325 mg 1-2 tablets PO q6h prn pain"
    doc = marked(
        text,
        [
            ("Tylenol", "Drug"),
            ("325 mg", "Strength"),
            ("1-2", "Dosage"),
            ("tablets", "Form"),
            ("PO", "Route"),
            ("q6h", "Frequency"),
            ("pain", "Reason"),
        ],
    )
    (row,) = medication_list(doc, linker=NearestDrug()).rows()
    assert row == {
        "drug": "Tylenol",
        "start": 0,
        "end": 7,
        "generic": "Acetaminophen",
        "identifiers": "DrugBank DB00316; MedlinePlus a621016",
        "status": "taking",
        "status cue": "",
        "linked by": "nearest drug",
        "link probability": "",
        "strength": "325 mg",
        "dosage": "1-2",
        "form": "tablets",
        "route": "PO",
        "frequency": "q6h",
        "duration": "",
        "reason": "pain",
        "ade": "",
    }
