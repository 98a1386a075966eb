"""Notes named on the command line (engine/data/notes.py): what ``predict`` reads."""

import pytest

from engine.data.notes import NotesError, parse_note_line, read_notes


def test_json_lines_input_names_the_bad_line(tmp_path):
    good = tmp_path / "notes.jsonl"
    good.write_text('{"id": "a", "text": "Aspirin 81 mg."}\n\n{"text": "no id"}\n')
    assert read_notes([good]) == [("a", "Aspirin 81 mg."), ("notes-3", "no id")]
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a", "text": "x"}\n{"id": "b", "txt": "y"}\n')
    with pytest.raises(NotesError, match=r"bad\.jsonl:2: expected an object with a \"text\" string"):
        read_notes([bad])
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"id": "a", "text": "x"\n')
    with pytest.raises(NotesError, match=r"broken\.jsonl:1: not JSON"):
        read_notes([broken])
    with pytest.raises(NotesError, match="two notes have the id 'a'"):
        read_notes([good, good])


def test_folders_are_read_in_name_order_and_one_line_is_parsed_alone(tmp_path):
    (tmp_path / "b.txt").write_text("Metformin 500 mg bd.", encoding="utf-8")
    (tmp_path / "a.txt").write_text("Aspirin 81 mg daily.", encoding="utf-8")
    (tmp_path / "ignored.ann").write_text("T1\tDrug 0 7\tAspirin\n", encoding="utf-8")
    assert [note_id for note_id, _ in read_notes([tmp_path])] == ["a", "b"]
    assert parse_note_line('{"id": 7, "text": "x"}') == ("7", "x")
    assert parse_note_line('{"text": "x"}') == (None, "x")
    with pytest.raises(NotesError, match="not JSON"):
        parse_note_line("{")
