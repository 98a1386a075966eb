import csv
import io
import json
import zipfile

from engine.data.brat import parse_ann
from engine.notes.export import corpus_zip, safe_name, to_brat_zip, to_csv, to_json
from engine.types import Document, Span

TEXT = "=HYPERLINK(x) aspirin 81 mg daily"
DOC = Document(
    "../evil name",
    TEXT,
    (Span.of(TEXT, 14, 21, "Drug"), Span.of(TEXT, 22, 27, "Strength"), Span.of(TEXT, 28, 33, "Frequency")),
)


def test_json_holds_spans_and_medications():
    data = json.loads(to_json(DOC, model="m"))
    assert data["text"] == TEXT and data["model"] == "m"
    assert [s["label"] for s in data["spans"]] == ["Drug", "Strength", "Frequency"]
    assert data["medications"][0]["drug"]["text"] == "aspirin"
    assert data["medications"][0]["strength"][0]["text"] == "81 mg"
    assert data["medications"][0]["status"] == "taking"
    assert data["medications"][0]["normalised"]["generic"] == "Aspirin"
    assert data["medications"][0]["normalised"]["DrugBank"] == "DB00945"
    assert {k["method"] for k in data["medications"][0]["links"]} == {"linker"}


def test_csv_has_one_row_a_medication_and_no_formulas():
    rows = list(csv.DictReader(io.StringIO(to_csv(DOC))))
    row_probability = rows[0]["link probability"]
    assert 0.5 <= float(row_probability) <= 1.0
    assert rows == [
        {
            "drug": "aspirin",
            "start": "14",
            "end": "21",
            "generic": "Aspirin",
            "identifiers": "DrugBank DB00945; BNF 0209000A0; MedlinePlus a621021",
            "status": "taking",
            "status cue": "",
            "strength": "81 mg",
            "dosage": "",
            "form": "",
            "route": "",
            "frequency": "daily",
            "duration": "",
            "reason": "",
            "ade": "",
            "linked by": "linker",
            "link probability": row_probability,
            "confidence": "",
            "lowest confidence": "",
        }
    ]
    formula = Document("f", "=cmd x", (Span.of("=cmd x", 0, 4, "Drug"),))
    (row,) = csv.DictReader(io.StringIO(to_csv(formula)))
    assert row["drug"] == "'=cmd"


def test_brat_zip_round_trips_and_names_are_safe():
    archive = zipfile.ZipFile(io.BytesIO(to_brat_zip(DOC)))
    assert sorted(archive.namelist()) == ["evil_name.ann", "evil_name.txt"]
    text = archive.read("evil_name.txt").decode()
    parsed = parse_ann(archive.read("evil_name.ann").decode(), text)
    assert [(s.start, s.end, s.label) for s in parsed.document.spans] == [(s.start, s.end, s.label) for s in DOC.spans]
    by_ref = parsed.document.span_by_ref()
    linked = sorted((by_ref[r.arg1].text, r.kind, by_ref[r.arg2].text) for r in parsed.document.relations)
    assert linked == [("81 mg", "Strength-Drug", "aspirin"), ("daily", "Frequency-Drug", "aspirin")]
    note = next(line for line in archive.read("evil_name.ann").decode().splitlines() if line.startswith("#"))
    assert note.split("\t")[2] == "status=taking; generic=Aspirin; DrugBank=DB00945; BNF=0209000A0; MedlinePlus=a621021"
    assert safe_name("") == "note" and "/" not in safe_name("a/b\\c")


def test_corpus_zip_puts_documents_under_their_split():
    archive = zipfile.ZipFile(io.BytesIO(corpus_zip([Document("a", "x y", ())], split_of={"a": "train"})))
    assert sorted(archive.namelist()) == ["train/a.ann", "train/a.txt"]


def test_exports_carry_each_predicted_spans_probability():
    from dataclasses import replace

    sure = Document(
        DOC.id, TEXT, tuple(replace(s, confidence=c) for s, c in zip(DOC.spans, (0.97, 0.61, 0.88), strict=True))
    )
    data = json.loads(to_json(sure))
    assert [s["confidence"] for s in data["spans"]] == [0.97, 0.61, 0.88]
    assert data["medications"][0]["drug"]["confidence"] == 0.97
    assert "confidence" not in json.loads(to_json(DOC))["spans"][0], "gold spans have none"
    (row,) = csv.DictReader(io.StringIO(to_csv(sure)))
    assert (row["confidence"], row["lowest confidence"]) == ("0.97", "0.61")
