import hashlib
from collections import Counter
from pathlib import Path

import pytest

from engine.data.brat import read_folder
from engine.data.corpus import corpus_stats, drug_names, load_corpus, split_stats, tagged_sentences
from engine.labels import LABELS
from engine.synth.generate import generate_corpus
from engine.synth.templates import parse_template

SIZES = {"train": 40, "dev": 8, "test": 16}


def digest(folder: Path) -> str:
    sha = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            sha.update(path.relative_to(folder).as_posix().encode())
            sha.update(path.read_bytes())
    return sha.hexdigest()


@pytest.fixture(scope="module")
def corpus_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    generate_corpus(out, seed=5, sizes=SIZES)
    return out


def test_same_seed_gives_the_same_bytes(corpus_dir, tmp_path):
    generate_corpus(tmp_path / "again", seed=5, sizes=SIZES)
    assert digest(tmp_path / "again") == digest(corpus_dir)


def test_other_seed_gives_other_notes(corpus_dir, tmp_path):
    generate_corpus(tmp_path / "other", seed=6, sizes=SIZES)
    assert digest(tmp_path / "other") != digest(corpus_dir)


def test_regenerating_into_the_same_folder_replaces_stale_notes(tmp_path):
    generate_corpus(tmp_path, seed=5, sizes={"train": 3, "dev": 1, "test": 1})
    generate_corpus(tmp_path, seed=5, sizes={"train": 2, "dev": 1, "test": 1})
    assert len(list((tmp_path / "train").glob("*.txt"))) == 2


def test_writes_three_splits_that_read_back_without_problems(corpus_dir):
    corpus = load_corpus(corpus_dir)
    assert {split: len(docs) for split, docs in corpus.splits.items()} == SIZES
    assert corpus.problems == []


def test_every_span_sits_on_word_boundaries(corpus_dir):
    corpus = load_corpus(corpus_dir)
    for documents in corpus.splits.values():
        report = split_stats(documents).alignment
        assert report.clean, report.summary()


def test_relations_link_attributes_to_drugs(corpus_dir):
    documents, _ = read_folder(corpus_dir / "train")
    for document in documents:
        spans = document.span_by_ref()
        for relation in document.relations:
            attribute, drug = spans[relation.arg1], spans[relation.arg2]
            assert drug.label == "Drug"
            assert relation.kind == f"{attribute.label}-Drug"


def test_label_frequencies_are_shaped_like_n2c2(corpus_dir):
    documents, _ = read_folder(corpus_dir / "train")
    counts = Counter(span.label for document in documents for span in document.spans)
    assert set(counts) == set(LABELS)
    ranked = [label for label, _ in counts.most_common()]
    assert ranked[0] == "Drug"
    assert set(ranked[-2:]) == {"ADE", "Duration"}
    assert counts["ADE"] < 0.15 * counts["Drug"] and counts["Duration"] < 0.08 * counts["Drug"]


def test_most_sentences_have_no_entity_and_some_notes_are_long(corpus_dir):
    stats = split_stats(load_corpus(corpus_dir).documents("train"))
    assert 0.5 < stats.sentences_without_entity / stats.sentences < 0.85
    assert max(stats.words_per_document) > 700  # well past a 512-subword encoder window


def test_notes_come_in_several_styles_and_discharge_summaries_have_their_sections(corpus_dir):
    texts = [path.read_text(encoding="utf-8") for path in sorted((corpus_dir / "train").glob("*.txt"))]
    discharge = [t for t in texts if t.startswith("Admission Date:")]
    gp = [t for t in texts if "\nPMH: " in t and "\nPlan:\n" in t]
    assert discharge and gp and len(discharge) + len(gp) < len(texts)  # the rest are case reports
    text = discharge[0].lower()
    for header in (
        "allergies:",
        "medications on admission:",
        "hospital course:",
        "discharge medications:",
        "discharge instructions:",
        "past medical history:",
    ):
        assert header in text or header.replace("medications on admission", "home medications") in text


def test_test_split_mentions_drugs_never_seen_in_train(corpus_dir):
    train, _ = read_folder(corpus_dir / "train")
    test, _ = read_folder(corpus_dir / "test")
    seen = drug_names(train)
    mentions = [span.text.lower() for d in test for span in d.spans if span.label == "Drug"]
    unseen = [name for name in mentions if name not in seen]
    assert len(unseen) / len(mentions) > 0.1
    assert len(set(unseen)) >= 10
    assert corpus_stats(load_corpus(corpus_dir))["test"].drugs_unseen_in_train == len(unseen)


def test_allergy_list_names_are_not_annotated(corpus_dir):
    documents, _ = read_folder(corpus_dir / "train")
    for document in (d for d in documents if "Chief Complaint:" in d.text):  # discharge summaries
        start = document.text.lower().index("allergies:")
        end = document.text.index("Chief Complaint:")
        assert not [s for s in document.spans if start <= s.start < end]


def test_template_groups_must_balance():
    assert parse_template("a {Drug}[ {Strength}]") == (
        ("text", "a "),
        ("slot", "Drug", 0),
        ("group", (("text", " "), ("slot", "Strength", 0))),
    )
    with pytest.raises(ValueError, match="unbalanced"):
        parse_template("a [ {Drug}")
    with pytest.raises(ValueError, match="unbalanced"):
        parse_template("a ] {Drug}")


def repeated_unannotated_sentences(documents) -> int:
    """Sentences (4+ words, no entity, not a dispense line) that a note writes more than once."""
    repeats = 0
    for document in documents:
        texts = [
            document.text[sentence.words[0].start : sentence.words[-1].end]
            for sentence in tagged_sentences(document)[0]
            if not sentence.has_entity and len(sentence.words) >= 4
        ]
        counts = Counter(text for text in texts if not text.startswith("Disp:"))
        repeats += sum(count - 1 for count in counts.values())
    return repeats


def test_a_note_almost_never_repeats_its_unannotated_sentences(corpus_dir):
    assert repeated_unannotated_sentences(read_folder(corpus_dir / "train")[0]) <= 2


def test_drug_only_slots_sometimes_hold_a_non_drug_left_unlabelled():
    import random

    from engine.synth.lexicon import load_drugs
    from engine.synth.writer import DECOY_SHARE, Decoy, DrugPools, NoteWriter

    writer = NoteWriter(random.Random(4), DrugPools.split(load_drugs(), 13), "train")
    for _ in range(60):
        writer.sentence(("Continued on {Drug}. ",), "narrative")
    document = writer.note.document("x")
    written = len(document.text.split("Continued on ")) - 1
    assert written == 60 and 0.1 < 1 - len(document.spans) / written < 0.5 and DECOY_SHARE == 0.3
    assert Decoy("push fluids").surface("Drug") == "push fluids"


def test_shorthand_and_negatives_never_appear_as_entities(corpus_dir):
    from engine.synth.negatives import SHORTHAND

    documents = read_folder(corpus_dir / "train")[0]
    labelled = {span.text.lower() for d in documents for span in d.spans}
    assert not labelled & set(SHORTHAND)


def test_drug_slots_hold_the_hard_negatives_of_real_notes_never_labelled(corpus_dir):
    import random

    from engine.synth.negatives import (
        ANALYTES,
        FINDINGS,
        NEGATIVE_WEIGHTS,
        ORGANISMS,
        ROUTE_WORDS,
        SHORTHAND,
        STAINS,
        negative,
    )

    drawn = [negative(random.Random(i)) for i in range(3000)]
    for kind in (ANALYTES, STAINS, ORGANISMS, FINDINGS, ROUTE_WORDS):
        assert set(drawn) & set(kind)
    titled = [d for d in drawn if d.split()[0] in {"Dr", "Dr.", "Mr", "Mrs", "Ms", "Nurse"}]
    assert len(titled) > 50 and set(NEGATIVE_WEIGHTS) >= {"person", "analyte", "stain", "organism", "finding"}
    documents = read_folder(corpus_dir / "train")[0]
    labelled = {span.text for d in documents for span in d.spans if span.label == "Drug"}
    assert not labelled & {*ANALYTES, *STAINS, *ORGANISMS, *FINDINGS}
    assert "abx" not in SHORTHAND  # n2c2 annotates "abx" as a Drug


def test_gp_notes_put_symptoms_beside_drugs_without_calling_them_adverse_events(corpus_dir):
    import re

    from engine.data.corpus import load_corpus

    documents = [d for split in ("train", "dev", "test") for d in load_corpus(corpus_dir).documents(split)]
    found = 0
    for document in documents:
        for match in re.finditer(r"(?:Presents with|c/o) ([a-z ]+?)(?:,| and )", document.text):
            found += 1
            start, end = match.span(1)
            assert not [s for s in document.spans if s.start < end and start < s.end]  # plain text
    assert found >= 3


def test_visit_notes_name_people_as_plain_text_and_make_each_problem_heading_the_reason_of_its_drug():
    import random

    from engine.synth.lexicon import load_drugs
    from engine.synth.negatives import person_names
    from engine.synth.styles import write_note
    from engine.synth.writer import DrugPools

    pools = DrugPools.split(load_drugs(), 13)
    first, last = person_names()
    headings = linked = 0
    for seed in range(12):
        note = write_note(random.Random(seed), pools, "train", f"v{seed}", styles={"visit": 1.0})
        assert note.text.startswith("CHIEF COMPLAINT") and "\nASSESSMENT AND PLAN\n" in note.text
        patient = note.text.split("HISTORY OF PRESENT ILLNESS\n\n")[1].split(" is a ")[0]
        assert patient.split()[0] in first and patient.split()[-1] in last
        assert not [s for s in note.spans if patient.split()[-1] in s.text]  # the patient's name is text
        plan = note.text.index("ASSESSMENT AND PLAN")
        by_ref = {s.ref: s for s in note.spans}
        for span in note.spans:
            if span.label == "Reason" and span.start > plan and note.text[span.end : span.end + 2] == ".\n":
                headings += 1
                linked += any(
                    r.arg1 == span.ref and by_ref[r.arg2].label == "Drug" and r.kind == "Reason-Drug"
                    for r in note.relations
                )
    assert headings >= 12 and linked == headings
