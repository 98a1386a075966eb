"""The open-corpus readers' label maps, on small crafted files in each source format."""

import csv
import gzip
import io
import json
import tarfile
import zipfile

import pytest

from engine.data.corpus import load_corpus, write_corpus
from engine.data.open import NOTES_CORPUS, OPEN_CORPORA, VENDOR, bc5cdr, chia, neurotrialner, notes, open_corpus, tac
from engine.data.weak import ANNOTATES


def spans_of(corpus, split="train"):
    return [(s.label, s.text) for d in corpus.splits[split] for s in d.spans]


def test_chia_maps_drug_and_reports_the_rest(tmp_path):
    text = "Use of aspirin or systemic steroids within 30 days\nhistory of asthma\n"
    ann = (
        "T1\tDrug 7 14\taspirin\n"
        "T2\tDrug 18 35\tsystemic steroids\n"
        "T3\tTemporal 36 50\twithin 30 days\n"
        "T4\tCondition 62 68\tasthma\n"
        "R1\tHas_temporal Arg1:T2 Arg2:T3\n"
        "*\tOR T1 T2\n"
        "T5\tDrug 0 3\twrong\n"
        "T6\tDrug 60 9999\toutside\n"
        "T7\tDrug 18 26\tsystemic\n"
    )
    with zipfile.ZipFile(tmp_path / chia.ARCHIVE, "w") as archive:
        for trial in ("NCT1", "NCT2", "NCT3", "NCT4", "NCT5"):
            archive.writestr(f"chia_without_scope/{trial}_inc.txt", text)
            archive.writestr(f"chia_without_scope/{trial}_inc.ann", ann)
        archive.writestr("chia_without_scope/NCT9_exc.txt", "no annotations file")
    corpus = chia.read(tmp_path)
    everything = [(s.label, s.text) for split in corpus.splits for d in corpus.splits[split] for s in d.spans]
    assert set(everything) == {("Drug", "aspirin"), ("Drug", "systemic steroids"), ("Drug", "Use")}
    assert corpus.coverage.annotates == {"Drug"}
    problems = [str(p) for p in corpus.problems]
    assert any("NCT1_inc.ann:7: T5: text 'wrong' does not match" in p for p in problems)
    assert any("NCT1_inc.ann:8: T6: offsets" in p and "left out" in p for p in problems)
    assert any("'systemic' at 18 overlaps Drug 'systemic steroids'" in p for p in problems)
    assert any("NCT9_exc.txt: no .ann file" in p for p in problems)
    summary = problems[-1]
    assert "Condition 5" in summary and "Temporal 5" in summary and "R lines 5" in summary and "* lines 5" in summary
    # both criteria of a trial land in the same split; every document is somewhere
    assert sum(len(d) for d in corpus.splits.values()) == 5


def read_neurotrialner(folder, records):
    """NeuroTrialNER read from split files whose train split holds ``records``."""
    for split in ("train", "dev", "test"):
        with gzip.open(folder / f"{split}.json.gz", "wt") as handle:
            json.dump(records if split == "train" else [], handle)
    return neurotrialner.read(folder)


def test_neurotrialner_maps_drug_leaves_control_unlabelled_and_drops_nothing_silently(tmp_path):
    records = [
        {
            "nctid": "NCT1",
            "text": "Lithium versus placebo in bipolar disorder with exercise",
            "entities": [
                {"start": 0, "end": 7, "text": "Lithium", "type": "DRUG"},
                {"start": 15, "end": 22, "text": "placebo", "type": "CONTROL"},
                {"start": 26, "end": 42, "text": "bipolar disorder", "type": "CONDITION"},
                {"start": 48, "end": 56, "text": "exercise", "type": "PHYSICAL"},
                {"start": 0, "end": 5, "text": "Lithium", "type": "DRUG"},
            ],
        }
    ]
    corpus = read_neurotrialner(tmp_path, records)
    assert spans_of(corpus) == [("Drug", "Lithium")]
    # placebo is unlabelled; so is the overlapping second Drug span, which BIO cannot hold
    assert corpus.coverage.regions("NCT1") == ((0, 5), (15, 22))
    problems = [str(p) for p in corpus.problems]
    assert any("'Lithium' does not match the text ('Lithi')" in p for p in problems)
    assert any("CONDITION 1" in p and "PHYSICAL 1" in p for p in problems)


def pubtator(pmid, title, abstract, mentions, cid=()):
    lines = [f"{pmid}|t|{title}", f"{pmid}|a|{abstract}"]
    lines += ["\t".join(map(str, (pmid, *m))) for m in mentions]
    lines += [f"{pmid}\tCID\t{c}\t{d}" for c, d in cid]
    return "\n".join(lines) + "\n\n"


def read_bc5cdr(folder, contents):
    """The BC5CDR reader over PubTator files holding ``contents`` by split (empty where absent)."""
    for split, file in bc5cdr.FILES.items():
        with gzip.open(folder / file, "wt") as handle:
            handle.write(contents.get(split, ""))
    return bc5cdr.read(folder)


def test_bc5cdr_maps_dictionary_chemicals_to_drug_and_induced_diseases_to_ade(tmp_path):
    title = "Haloperidol induced dystonia."
    abstract = "Haloperidol and sodium caused dystonia in schizophrenia."
    text = f"{title} {abstract}"
    start = len(title) + 1
    mentions = [
        (0, 11, "Haloperidol", "Chemical", "D006220"),
        (20, 28, "dystonia", "Disease", "D004421"),
        (start, start + 11, "Haloperidol", "Chemical", "D006220"),
        (start + 16, start + 22, "sodium", "Chemical", "D012964"),
        (start + 30, start + 38, "dystonia", "Disease", "D004421"),
        (start + 42, start + 55, "schizophrenia", "Disease", "D012559"),
        ("x", 3, "bad", "Chemical", "D1"),
    ]
    content = pubtator(1, title, abstract, mentions, cid=[("D006220", "D004421")]) + "2|t|only a title\n\n"
    corpus = read_bc5cdr(tmp_path, {"train": content})
    assert text == corpus.splits["train"][0].text
    assert spans_of(corpus) == [
        ("Drug", "Haloperidol"),
        ("ADE", "dystonia"),
        ("Drug", "Haloperidol"),
        ("ADE", "dystonia"),
    ]
    assert corpus.coverage.annotates == {"Drug", "ADE"}
    assert corpus.coverage.regions("1") == ((start + 16, start + 22),)  # sodium: not in the drug dictionary
    problems = [str(p) for p in corpus.problems]
    assert any("offsets 'x' '3' cannot be read" in p for p in problems)
    assert any("without its title or abstract" in p for p in problems)
    assert any(
        "Disease (no CID pair) 1" in p and "Chemical (not in the drug dictionary; unlabelled) 1" in p for p in problems
    )


def tar_xz(path, files):
    with tarfile.open(path, "w:xz") as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))


def test_tac_maps_adverse_reactions_to_ade_with_fragments_and_leaves_drug_classes_unlabelled(tmp_path):
    section = "Nausea and severe skin rash with MAO inhibitors."
    xml = f"""<?xml version="1.0"?><Label drug="x"><Text><Section name="ar" id="S1">{section}</Section></Text>
    <Mentions>
      <Mention id="M1" section="S1" type="AdverseReaction" start="0" len="6" str="Nausea"/>
      <Mention id="M2" section="S1" type="AdverseReaction" start="18,23" len="4,4" str="skin rash"/>
      <Mention id="M3" section="S1" type="Severity" start="11" len="6" str="severe"/>
      <Mention id="M4" section="S1" type="DrugClass" start="33" len="14" str="MAO inhibitors"/>
      <Mention id="M5" section="S9" type="AdverseReaction" start="0" len="3" str="bad"/>
    </Mentions></Label>""".encode()
    tar_xz(tmp_path / tac.ARCHIVES["train"], {f"train_xml/DRUG{i}.xml": xml for i in range(12)})
    tar_xz(tmp_path / tac.ARCHIVES["test"], {"gold_xml/GOLD.xml": xml, "gold_xml/BROKEN.xml": b"<Label"})
    corpus = tac.read(tmp_path)
    test = corpus.splits["test"]
    assert [d.id for d in test] == ["GOLD-S1"]
    spans = test[0].spans
    assert [(s.label, s.text) for s in spans] == [("ADE", "Nausea"), ("ADE", "skin rash")]
    assert spans[1].fragments == ((18, 22), (23, 27))
    assert corpus.coverage.regions("GOLD-S1") == ((33, 47),)
    assert len(corpus.splits["train"]) + len(corpus.splits["dev"]) == 12 and corpus.splits["dev"]
    problems = [str(p) for p in corpus.problems]
    assert any("BROKEN.xml: not XML" in p for p in problems)
    assert any("M5: section 'S9' is not in the label" in p for p in problems)
    assert any("Severity" in p for p in problems)


def test_a_corpus_written_as_brat_reads_back_with_its_coverage(tmp_path):
    records = [
        {
            "nctid": "NCT1",
            "text": "Lithium or placebo",
            "entities": [
                {"start": 0, "end": 7, "text": "Lithium", "type": "DRUG"},
                {"start": 11, "end": 18, "text": "placebo", "type": "CONTROL"},
            ],
        }
    ]
    corpus = read_neurotrialner(tmp_path, records)
    write_corpus(corpus, tmp_path / "out", manifest={"name": "x"})
    again = load_corpus(tmp_path / "out")
    assert again.coverage == corpus.coverage
    assert again.splits["train"] == corpus.splits["train"]


@pytest.mark.parametrize("name", OPEN_CORPORA)
def test_every_vendored_corpus_reads_with_documents_in_each_split(name):
    corpus = open_corpus(name).load()
    assert all(corpus.splits[split] for split in ("train", "dev", "test"))
    assert any(d.spans for d in corpus.splits["test"])
    assert not corpus.coverage.complete


def test_an_unknown_open_corpus_is_named():
    with pytest.raises(ValueError, match="unknown open corpus 'n2c2'; choose one of chia"):
        open_corpus("n2c2")


def test_bc5cdr_keeps_an_abstract_repeated_in_the_training_file_in_its_dev_split_only(tmp_path):
    shared = pubtator(7, "Aspirin and rash.", "Nothing more.", [], cid=[])
    own = pubtator(8, "Heparin given.", "Nothing more.", [], cid=[])
    corpus = read_bc5cdr(tmp_path, {"train": shared + own, "dev": shared})
    assert [d.id for d in corpus.splits["train"]] == ["8"]
    assert [d.id for d in corpus.splits["dev"]] == ["7"]
    assert any("repeated in the dev or test set (kept there only) 1" in str(p) for p in corpus.problems)


def test_clinical_notes_are_weakly_labelled_training_notes_without_the_development_notes(tmp_path):
    root = tmp_path / "clinical-notes"
    root.mkdir()
    records = [
        {"id": "aci-bench/train/D2N001/virtassist", "text": "Continue lisinopril 20 mg daily."},
        {"id": "aci-bench/valid/D2N068/virtassist", "text": "Start metformin 500 mg twice a day."},
        {"id": "mts-dialog/train/3/MEDICATIONS", "text": "Salmeterol inhaler, prn."},
        {"id": "mts-dialog/train/4/CC", "text": "   "},
    ]
    for name in notes.FILES:
        with gzip.open(root / name, "wt", encoding="utf-8") as handle:
            handle.writelines(json.dumps(r) + "\n" for r in records if ("aci" in r["id"]) == ("aci" in name))
    dev = tmp_path / notes.DEV_FOLDER
    dev.mkdir()
    (dev / "valid_D2N068_virtassist.txt").write_text("Start metformin 500 mg twice a day.", encoding="utf-8")
    corpus = notes.read(root)
    assert set(corpus.splits["train"]) and not corpus.splits["dev"] and not corpus.splits["test"]
    assert [d.id for d in corpus.splits["train"]] == ["train_D2N001_virtassist", "mts-dialog_train_3_MEDICATIONS"]
    assert spans_of(corpus) == [
        ("Drug", "lisinopril"),
        ("Strength", "20 mg"),
        ("Frequency", "daily"),
        ("Drug", "Salmeterol"),
        ("Form", "inhaler"),
        ("Frequency", "prn"),
    ]
    assert corpus.coverage.annotates == ANNOTATES  # Reason and ADE left free


def test_the_vendored_clinical_notes_hold_out_every_development_note():
    assert NOTES_CORPUS not in OPEN_CORPORA  # weak labels: trained on, never imported as gold nor scored
    corpus = open_corpus(NOTES_CORPUS).load()
    dev_ids = {p.stem for p in (VENDOR / notes.DEV_FOLDER).glob("*.txt")}
    assert len(corpus.splits["train"]) > 1500 and len(dev_ids) == 40
    assert not dev_ids & {d.id for d in corpus.splits["train"]}


def test_the_real_notes_are_a_scored_corpus_that_no_training_option_reaches():
    from engine.data.open import REAL_NOTES

    corpus = open_corpus(REAL_NOTES[0]).load()
    assert len(corpus.splits["test"]) == 40 and corpus.coverage.complete
    assert not set(REAL_NOTES) & set(OPEN_CORPORA)  # --open-corpora all never trains on them


def test_the_real_note_development_set_loads_complete_with_its_licence():
    folder = VENDOR / notes.DEV_FOLDER
    corpus = load_corpus(folder)
    documents = corpus.documents("test")
    assert len(documents) == 40 and not corpus.problems and corpus.coverage.complete
    assert sum(len(d.spans) for d in documents) == 460  # the adjudicated revision
    assert sum(s.label == "Drug" for d in documents for s in d.spans) == 197
    for document in documents:
        for span in document.spans:
            assert document.text[span.start : span.end] == span.text and "\n" not in span.text
    readme = (folder / "README.md").read_text(encoding="utf-8")
    assert "CC BY 4.0" in readme and "ACI-Bench" in readme and (folder / "GUIDELINES.md").is_file()
    # the time the app measured for each note, in the second pass and at adjudication
    with (folder / "annotation-times.csv").open(encoding="utf-8") as times:
        rows = list(csv.DictReader(times))
    ids = {d.id for d in documents}
    for kind in ("second pass (in the app)", "adjudication"):
        timed = [row for row in rows if row["pass"] == kind]
        assert {row["document"] for row in timed} == ids and all(float(row["seconds"]) > 0 for row in timed)
