import pytest

from engine.data.corpus import load_corpus, split_stats, stats_table, tagged_sentences
from engine.types import Document, Span


def test_sentences_carry_gold_tags_and_never_split_a_span():
    note = "Started aspirin. Given for chest pain.\nNo other changes."
    document = Document("d", note, (Span.of(note, 8, 15, "Drug"), Span.of(note, 27, 37, "Reason")))
    tagged, report = tagged_sentences(document)
    assert report.clean
    assert [s.tags for s in tagged] == [
        ("O", "B-Drug", "O"),
        ("O", "O", "B-Reason", "I-Reason", "O"),
        ("O", "O", "O", "O"),
    ]
    assert [s.has_entity for s in tagged] == [True, True, False]


def test_stats_count_labels_sentences_and_alignment():
    note = "Aspirin 81mg daily."
    document = Document("d", note, (Span.of(note, 0, 7, "Drug"), Span.of(note, 8, 10, "Strength")))
    stats = split_stats([document])
    assert stats.labels["Drug"] == 1 and stats.sentences == 1
    assert stats.as_dict()["alignment"] == {"spans": 2, "unaligned": 0, "overlapping": 0, "empty": 0}
    table = stats_table({"train": stats})
    assert "| Drug | 1 |" in table and "| spans not on word boundaries | 0 |" in table


def test_plain_brat_folder_is_read_as_test_split(tmp_path):
    (tmp_path / "a.txt").write_text("aspirin", encoding="utf-8")
    assert list(load_corpus(tmp_path).splits) == ["test"]


def test_empty_folder_is_refused_with_a_reason(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"no train/, dev/ or test/ folder and no \.txt files"):
        load_corpus(tmp_path)


def test_unknown_split_names_the_ones_found(tmp_path):
    (tmp_path / "a.txt").write_text("aspirin", encoding="utf-8")
    with pytest.raises(KeyError, match="found: test"):
        load_corpus(tmp_path).documents("train")
