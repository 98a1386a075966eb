import json

import pytest

from engine.notes.linking import (
    DEFAULT_LINKER,
    FEATURES,
    LINKER_FILE,
    LearnedLinker,
    NearestDrug,
    gold_links,
    load_linker,
    train_linker,
    with_relations,
)
from engine.types import Document, Relation, Span
from tests.engine.notes.marked import marked


def attached(linker, document: Document) -> dict[tuple[str, int], str]:
    return {(k.attribute.text, k.attribute.start): k.drug.text for k in linker.links(document)}


#: Multi-drug sentences with the Drug each attribute belongs to, as n2c2 annotates them.
CASES = [
    (
        "Amlodipine 5 mg and ramipril 10 mg od.",
        [
            ("Amlodipine", "Drug"),
            ("5 mg", "Strength"),
            ("ramipril", "Drug"),
            ("10 mg", "Strength"),
            ("od", "Frequency"),
        ],
        ["Amlodipine", "ramipril", "ramipril"],
    ),
    (
        "Continue metformin 500 mg bd, stop gliclazide 80 mg mane.",
        [
            ("metformin", "Drug"),
            ("500 mg", "Strength"),
            ("bd", "Frequency"),
            ("gliclazide", "Drug"),
            ("80 mg", "Strength"),
            ("mane", "Frequency"),
        ],
        ["metformin", "metformin", "gliclazide", "gliclazide"],
    ),
    (
        "Meds: aspirin 75 mg od, atorvastatin 40 mg on, ramipril 5 mg od, GTN spray 400 mcg prn chest pain.",
        [
            ("aspirin", "Drug"),
            ("75 mg", "Strength"),
            ("od", "Frequency"),
            ("atorvastatin", "Drug"),
            ("40 mg", "Strength"),
            ("on", "Frequency"),
            ("ramipril", "Drug"),
            ("5 mg", "Strength"),
            ("od", "Frequency"),
            ("GTN", "Drug"),
            ("spray", "Form"),
            ("400 mcg", "Strength"),
            ("prn", "Frequency"),
            ("chest pain", "Reason"),
        ],
        ["aspirin", "aspirin", "atorvastatin", "atorvastatin", "ramipril", "ramipril", "GTN", "GTN", "GTN", "GTN"],
    ),
    (
        "2. Pantoprazole 40 mg Tablet, Delayed Release (E.C.) Sig: One (1) Tablet, Delayed Release (E.C.) PO Q12H.",
        [
            ("Pantoprazole", "Drug"),
            ("40 mg", "Strength"),
            ("Tablet, Delayed Release (E.C.)", "Form"),
            ("One (1)", "Dosage"),
            ("Tablet, Delayed Release (E.C.)", "Form"),
            ("PO", "Route"),
            ("Q12H", "Frequency"),
        ],
        ["Pantoprazole"] * 6,
    ),
    (
        "Hypertension.\n• Medical Treatment: Start amlodipine 5 mg daily.",
        [("Hypertension", "Reason"), ("amlodipine", "Drug"), ("5 mg", "Strength"), ("daily", "Frequency")],
        ["amlodipine"] * 3,
    ),
    (
        "For her migraines she takes sumatriptan 50 mg as needed, and for sleep zopiclone 7.5 mg at night.",
        [
            ("migraines", "Reason"),
            ("sumatriptan", "Drug"),
            ("50 mg", "Strength"),
            ("as needed", "Frequency"),
            ("sleep", "Reason"),
            ("zopiclone", "Drug"),
            ("7.5 mg", "Strength"),
            ("at night", "Frequency"),
        ],
        ["sumatriptan", "sumatriptan", "sumatriptan", "zopiclone", "zopiclone", "zopiclone"],
    ),
]


@pytest.mark.parametrize(("text", "marks", "drugs"), CASES, ids=[c[0][:30] for c in CASES])
def test_the_shipped_linker_attaches_each_attribute_to_its_own_drug(text, marks, drugs):
    document = marked(text, marks)
    attributes = [s for s in sorted(document.spans) if s.label != "Drug"]
    expected = {(s.text, s.start): drug for s, drug in zip(attributes, drugs, strict=True)}
    assert attached(load_linker(), document) == expected


def test_the_rule_guesses_where_lists_and_sentence_breaks_part_a_drug_from_its_attributes():
    wrong = 0
    for text, marks, drugs in CASES:
        document = marked(text, marks)
        attributes = [s for s in sorted(document.spans) if s.label != "Drug"]
        expected = {(s.text, s.start): drug for s, drug in zip(attributes, drugs, strict=True)}
        found = attached(NearestDrug(), document)
        wrong += sum(1 for key, drug in expected.items() if found.get(key) != drug)
    # "bd" goes to gliclazide, "od" and "on" to the next drug of the list, the Sig line's
    # route and frequency and the problem header are left out
    assert wrong == 7


def test_every_link_carries_the_linkers_probability_and_a_far_attribute_stays_unattached():
    text = "Warfarin 5 mg daily." + " Nothing of note." * 50 + " He reports nausea."
    document = marked(text, [("Warfarin", "Drug"), ("5 mg", "Strength"), ("daily", "Frequency"), ("nausea", "ADE")])
    links = load_linker().links(document)
    assert {k.attribute.text for k in links} == {"5 mg", "daily"}
    assert all(k.method == "linker" and 0.5 <= k.probability <= 1.0 for k in links)


def test_a_linker_learns_from_relations_and_round_trips_through_its_file(tmp_path):
    text = "aspirin 81 mg daily and heparin 5000 units"
    relations = (
        Relation("R1", "Strength-Drug", "T2", "T1"),
        Relation("R2", "Frequency-Drug", "T3", "T1"),
        Relation("R3", "Strength-Drug", "T5", "T4"),
    )
    marks = [
        ("aspirin", "Drug"),
        ("81 mg", "Strength"),
        ("daily", "Frequency"),
        ("heparin", "Drug"),
        ("5000 units", "Strength"),
    ]
    gold = marked(text, marks, relations)
    linker = train_linker([gold] * 20, source="crafted")
    assert linker.trained_on["relations"] == 60 and linker.trained_on["source"] == "crafted"
    path = tmp_path / LINKER_FILE
    linker.save(path)
    again = LearnedLinker.load(path)
    assert again.weights == pytest.approx(linker.weights, abs=1e-7)
    bare = Document(gold.id, gold.text, gold.spans)
    assert attached(again, bare) == {("81 mg", 8): "aspirin", ("daily", 14): "aspirin", ("5000 units", 32): "heparin"}


def test_a_model_folders_own_linker_wins_and_a_broken_file_falls_back(tmp_path):
    assert isinstance(load_linker(tmp_path), LearnedLinker)  # the shipped one
    (tmp_path / LINKER_FILE).write_text("{not json", encoding="utf-8")
    with pytest.raises(ValueError, match="not a readable linker file"):
        LearnedLinker.load(tmp_path / LINKER_FILE)
    assert load_linker(tmp_path) == LearnedLinker.load(DEFAULT_LINKER)
    stale = json.loads(DEFAULT_LINKER.read_text(encoding="utf-8"))
    stale["features"] = stale["features"][:-1]
    (tmp_path / LINKER_FILE).write_text(json.dumps(stale), encoding="utf-8")
    with pytest.raises(ValueError, match="other features"):
        LearnedLinker.load(tmp_path / LINKER_FILE)
    with pytest.raises(ValueError, match=f"{len(FEATURES)} weights"):
        LearnedLinker((1.0,), 0.0)


def test_no_relations_to_learn_from_is_refused():
    with pytest.raises(ValueError, match="no relations"):
        train_linker([marked("aspirin 81 mg", [("aspirin", "Drug"), ("81 mg", "Strength")])])


def test_links_become_relations_with_fresh_refs_and_read_back_as_links():
    text = "aspirin 81 mg"
    bare = Document("n", text, (Span.of(text, 0, 7, "Drug"), Span.of(text, 8, 13, "Strength")))
    linked = with_relations(bare, load_linker().links(bare))
    assert [s.ref for s in linked.spans] == ["T1", "T2"]
    (relation,) = linked.relations
    assert (relation.kind, relation.arg1, relation.arg2) == ("Strength-Drug", "T2", "T1")
    assert relation.confidence is not None
    (link,) = gold_links(linked)
    assert link.method == "linker" and link.drug.text == "aspirin"


def test_the_shipped_linker_is_what_train_linker_fits_on_the_demo_corpus(tmp_path):
    """The vendored weights are reproducible: the demo corpus regenerated and the linker fitted
    again give the same weights (python -m engine train-linker --data data/demo --output ...)."""
    from engine.data.corpus import load_corpus
    from engine.synth.generate import generate_corpus

    shipped = LearnedLinker.load(DEFAULT_LINKER)
    folder = tmp_path / "demo"
    generate_corpus(folder)
    fitted = train_linker(load_corpus(folder).splits["train"], source="data/demo/train")
    assert fitted.trained_on == shipped.trained_on
    assert fitted.weights == pytest.approx(shipped.weights, abs=1e-4)
