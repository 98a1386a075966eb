import itertools
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.data.brat import (
    BratFormatError,
    NoteEncodingError,
    format_ann,
    parse_ann,
    read_document,
    read_folder,
    write_document,
)
from engine.labels import LABELS
from engine.types import Document, Relation, Span

NOTE = "Take Tylenol 325 mg tablets by mouth\ntwice daily for pain.\n"
ANN = (
    "T1\tDrug 5 12;20 27\tTylenol tablets\n"
    "T2\tStrength 13 19\t325 mg\n"
    "T3\tRoute 28 36\tby mouth\n"
    "T4\tFrequency 37 48\ttwice daily\n"
    "T5\tReason 53 57\tpain\n"
    "R1\tStrength-Drug Arg1:T2 Arg2:T1\n"
    "R2\tReason-Drug Arg1:T5 Arg2:T1\n"
)


def write_pair(folder, name, note, ann):
    (folder / f"{name}.txt").write_text(note, encoding="utf-8", newline="")
    (folder / f"{name}.ann").write_text(ann, encoding="utf-8", newline="")
    return folder / f"{name}.txt"


def test_reads_discontinuous_spans_and_relations():
    read = parse_ann(ANN + "#1\tAnnotatorNotes T1\tchecked\n", NOTE, path="100035.ann")
    doc = read.document
    assert read.problems == ()
    assert doc.id == "100035"
    drug = doc.spans[0]
    assert (drug.label, drug.fragments, drug.text) == ("Drug", ((5, 12), (20, 27)), "Tylenol tablets")
    assert doc.relations == (Relation("R1", "Strength-Drug", "T2", "T1"), Relation("R2", "Reason-Drug", "T5", "T1"))


def test_writing_round_trips_what_was_read(tmp_path):
    source = tmp_path / "in"
    source.mkdir()
    read = read_document(write_pair(source, "100035", NOTE, ANN))
    write_document(read.document, tmp_path / "out")
    assert (tmp_path / "out" / "100035.ann").read_text(encoding="utf-8") == ANN
    assert (tmp_path / "out" / "100035.txt").read_bytes() == NOTE.encode()
    assert read_document(tmp_path / "out" / "100035.txt").document == read.document


def test_windows_line_endings_keep_offsets(tmp_path):
    note = "Aspirin\r\n81 mg daily\r\n"
    path = write_pair(tmp_path, "crlf", note, "T1\tStrength 9 14\t81 mg\n")
    doc = read_document(path).document
    assert doc.text == note and doc.spans[0].text == "81 mg"


def test_span_crossing_a_line_break_matches_with_a_space():
    read = parse_ann("T1\tFrequency 37 48\ttwice daily\nT2\tRoute 28 42\tby mouth twice\n", NOTE)
    assert read.problems == ()


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("T1\tDrug 5 x\tTylenol", "offsets '5 x' are not"),
        ("T1\tDrug 5 12", "expected 'ID<TAB>LABEL START END<TAB>TEXT'"),
        ("T1\tDrug 50 500\tTylenol", "outside the note"),
        ("T1\tDrug 12 5\tTylenol", "outside the note"),
        ("T1\tDrug 5 12;10 20\tTylenol", "overlap"),
        ("R1\tStrength-Drug Arg1:T2", "expected 'ID<TAB>TYPE Arg1:Tn Arg2:Tm'"),
        ("hello world", "cannot read line"),
    ],
)
def test_malformed_line_names_file_and_line(line, message):
    with pytest.raises(BratFormatError) as caught:
        parse_ann("T9\tRoute 28 36\tby mouth\n\n" + line + "\n", NOTE, path="notes/7.ann")
    assert str(caught.value).startswith("notes/7.ann:3: ")
    assert message in str(caught.value)


def test_duplicate_id_is_an_error():
    with pytest.raises(BratFormatError, match=r"x.ann:2: id T1 is used twice"):
        parse_ann("T1\tDrug 5 12\tTylenol\nT1\tDrug 5 12\tTylenol\n", NOTE, path="x.ann")


def test_text_mismatch_is_reported_not_dropped():
    read = parse_ann("T1\tDrug 5 12\tAdvil\n", NOTE, path="m.ann")
    assert read.document.spans[0].text == "Tylenol"
    assert len(read.problems) == 1
    assert "m.ann:1: T1: text 'Advil' does not match the note" in str(read.problems[0])


def test_unknown_label_and_its_relation_are_reported():
    read = parse_ann("T1\tDrug 5 12\tTylenol\nT2\tDose 13 19\t325 mg\nR1\tDose-Drug Arg1:T2 Arg2:T1\n", NOTE)
    assert [s.ref for s in read.document.spans] == ["T1"]
    assert read.document.relations == ()
    messages = [p.message for p in read.problems]
    assert any("unknown label 'Dose'" in m for m in messages)
    assert any("R1: refers to T2" in m for m in messages)


def test_label_capitalisation_is_normalised():
    assert parse_ann("T1\tdrug 5 12\tTylenol\n", NOTE).document.spans[0].label == "Drug"


def test_unsupported_line_types_are_reported():
    read = parse_ann("T1\tDrug 5 12\tTylenol\nA1\tNegated T1\n", NOTE)
    assert "A lines are not used here" in read.problems[0].message


def test_non_utf8_note_gets_a_clear_message(tmp_path):
    (tmp_path / "latin.txt").write_bytes("Caf\xe9 aspirin".encode("latin-1"))
    with pytest.raises(NoteEncodingError, match=r"latin.txt: not UTF-8 text \(byte 0xe9 at position 3\)"):
        read_document(tmp_path / "latin.txt")


def test_folder_reports_ann_without_txt(tmp_path):
    write_pair(tmp_path, "a", NOTE, ANN)
    (tmp_path / "orphan.ann").write_text("T1\tDrug 0 4\tTake\n", encoding="utf-8")
    documents, problems = read_folder(tmp_path)
    assert [d.id for d in documents] == ["a"]
    assert "orphan.ann" in str(problems[0]) and "no matching .txt" in str(problems[0])


def test_note_without_ann_has_no_spans(tmp_path):
    (tmp_path / "b.txt").write_text("nothing here", encoding="utf-8")
    assert read_document(tmp_path / "b.txt").document.spans == ()


def test_spans_without_ids_get_fresh_ones():
    doc = Document("x", NOTE, (Span(5, 12, "Drug", "Tylenol", ref="T1"), Span.of(NOTE, 13, 19, "Strength")))
    assert format_ann(doc).splitlines()[1] == "T2\tStrength 13 19\t325 mg"


def test_a_byte_order_mark_is_kept_so_offsets_and_bytes_round_trip(tmp_path):
    note = "\ufeffAspirin 81 mg\r\n"
    path = write_pair(tmp_path, "bom", note, "T1\tDrug 1 8\tAspirin\n")
    read = read_document(path)
    assert read.problems == () and read.document.spans[0].text == "Aspirin"
    write_document(read.document, tmp_path / "out")
    assert (tmp_path / "out" / "bom.txt").read_bytes() == path.read_bytes()


@st.composite
def documents(draw):
    """Any UTF-8 text (line breaks of every kind, tabs, byte order marks, any script) with any
    valid spans: contiguous or in pieces, overlapping or nested, of any label, and relations."""
    note = draw(st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=120))
    spans = []
    for n in range(draw(st.integers(0, 6))):
        cuts = sorted(draw(st.sets(st.integers(0, len(note)), min_size=2, max_size=6)))
        if len(cuts) % 2:
            cuts = cuts[:-1]
        pieces = tuple(zip(cuts[::2], cuts[1::2], strict=True))
        if len(pieces) > 1 and any(a == b for (_, a), (b, _) in itertools.pairwise(pieces)):
            pieces = ((pieces[0][0], pieces[-1][1]),)  # touching pieces are one piece
        text = " ".join(note[a:b] for a, b in pieces)
        fragments = pieces if len(pieces) > 1 else ()
        label = draw(st.sampled_from(LABELS))
        spans.append(Span(pieces[0][0], pieces[-1][1], label, text, fragments=fragments, ref=f"T{n + 1}"))
    relations = []
    if len(spans) >= 2:
        for n in range(draw(st.integers(0, 3))):
            first, second = draw(st.permutations(spans))[:2]
            relations.append(Relation(f"R{n + 1}", f"{first.label}-{second.label}", first.ref, second.ref))
    return Document("doc", note, tuple(spans), tuple(relations))


@given(documents())
def test_round_trip_is_lossless_for_any_text_and_spans(document):
    read = parse_ann(format_ann(document), document.text, path="doc.ann")
    assert read.problems == ()
    assert read.document == document
    assert [s.ref for s in read.document.spans] == [s.ref for s in document.spans]


@settings(max_examples=50, deadline=None)
@given(documents())
def test_files_written_and_read_back_are_the_same_document_byte_for_byte(document):
    with tempfile.TemporaryDirectory() as folder:
        write_document(document, folder)
        path = Path(folder) / "doc.txt"
        assert path.read_bytes() == document.text.encode("utf-8")
        read = read_document(path)
        assert read.problems == () and read.document == document
