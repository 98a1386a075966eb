import io
import json
import zipfile

from engine.types import Document, Span
from webapp.application.notes import downloads, medications

NOTE = "Aspirin 81 mg daily for chest pain."


def note() -> Document:
    return Document("visit", NOTE, (Span.of(NOTE, 0, 7, "Drug"), Span.of(NOTE, 8, 13, "Strength")))


def test_medications_attach_the_strength_to_its_drug():
    rows = medications(note()).rows()
    assert [(row["drug"], row["strength"]) for row in rows] == [("Aspirin", "81 mg")]


def test_downloads_are_json_csv_and_brat_named_after_note_and_model_made_safe():
    files = downloads(note(), name="../visit 1", model="encoder/crf")
    assert [f.label for f in files] == ["JSON", "CSV", "BRAT (.zip)", "FHIR R4 (.json)"]
    assert [f.file_name for f in files] == [
        "visit_1-encoder_crf.json",
        "visit_1-encoder_crf.csv",
        "visit_1-encoder_crf.zip",
        "visit_1-encoder_crf.fhir.json",
    ]
    assert [f.mime for f in files] == ["application/json", "text/csv", "application/zip", "application/fhir+json"]
    assert json.loads(files[3].data)["resourceType"] == "Bundle"
    assert json.loads(files[0].data)["model"] == "encoder/crf"
    assert files[1].data.splitlines()[1].startswith("Aspirin,0,7,Aspirin,DrugBank DB00945")
    with zipfile.ZipFile(io.BytesIO(files[2].data)) as archive:
        assert archive.read("visit.txt").decode() == NOTE
        assert "T1\tDrug 0 7\tAspirin" in archive.read("visit.ann").decode()
