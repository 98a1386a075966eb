"""Windows laid end to end (engine/models/unpadded.py, for BERT and DistilBERT encoders) and
packed rows (several windows a row, block-diagonal attention, positions restarting per window,
for any other encoder) give exactly the labels of one window a row, for every kind of model, in
fp32; under bf16 autocast they differ from one window a row by no more than bf16's own rounding.

Every comparison here runs both layouts at one precision, named in the test (never ``auto``)."""

import pytest
import torch

from engine.data.tokenize import sentences
from engine.inference import decode
from engine.inference.decode import tag_and_score
from engine.inference.pipeline import Pipeline, annotate
from engine.inference.prepare import prepare
from engine.models import unpadded
from engine.models.kinds import KINDS


@pytest.fixture(params=["end to end", "packed rows"])
def layout(request, monkeypatch):
    """Each test runs on both layouts: packed rows are what an encoder the end-to-end pass does
    not cover gets, so they are tested by switching that pass off."""
    if request.param == "packed rows":
        monkeypatch.setattr(unpadded, "supports", lambda encoder: False)
    return request.param


@pytest.mark.parametrize("kind_name", sorted(KINDS))
def test_packed_windows_give_the_labels_and_scores_of_one_window_a_row(kind_name, notes, layout, fresh):
    tagger = fresh(kind_name, notes, gazetteer=kind_name == "encoder-crf")
    split = [sentence for note in notes for sentence in sentences(note)]
    packed = prepare(tagger, split)
    if layout == "packed rows":
        assert any(len({s.row for s in b.segments}) < len(b.segments) for b in packed.batches), "rows hold several"
    else:
        assert all(batch.flat for batch in packed.batches)
    assert len(packed.batches[0].segments) > 1
    alone = tag_and_score(tagger, split, pack=False, precision="fp32")
    together = tag_and_score(tagger, split, precision="fp32")
    assert together.tags == alone.tags
    for mine, theirs in zip(together.confidence, alone.confidence, strict=True):
        assert mine.keys() == theirs.keys()
        for key, value in mine.items():
            assert value == pytest.approx(theirs[key], abs=1e-4)
    assert annotate(tagger, notes, precision="fp32") == annotate(tagger, notes, pack=False, precision="fp32")


def differences(first, second) -> tuple[int, float]:
    """Words whose labels differ between two runs, and the largest difference in the probability
    of a span both runs found."""
    words = sum(a != b for x, y in zip(first.tags, second.tags, strict=True) for a, b in zip(x, y, strict=True))
    largest = 0.0
    for mine, theirs in zip(first.confidence, second.confidence, strict=True):
        for key in mine.keys() & theirs.keys():
            largest = max(largest, abs(mine[key] - theirs[key]))
    return words, largest


@pytest.mark.parametrize("kind_name", sorted(KINDS))
def test_under_bf16_packed_windows_differ_from_one_window_a_row_only_by_bf16_rounding(kind_name, notes, layout, fresh):
    """bf16 autocast asked for by name: it runs on every CPU (emulated by torch where the CPU has
    no bf16 instructions), so every machine tests this path.

    Under bf16 a layout sums the same products in another order, and a sum rounded to bf16's 8
    significant bits can land on either side of a rounding step, so probabilities move a little
    and labels near a tie can flip. The bound comes from the same sentences: one window a row
    under bf16 differs from fp32 on ``flips`` words and by at most ``drift`` in a span's
    probability. The packed bf16 run carries rounding of the same size, and two runs that each
    differ from fp32 that much differ from each other by at most the sum (|a - b| <= |a - f| +
    |f - b|): at most twice ``flips`` words and twice ``drift``. A layout that changed the
    arithmetic (a window attending to its neighbour, positions that do not restart) moves far
    more than rounding does; the fp32 test above holds such a change to 1e-4."""
    tagger = fresh(kind_name, notes, gazetteer=kind_name == "encoder-crf")
    split = [sentence for note in notes for sentence in sentences(note)]
    reference = tag_and_score(tagger, split, pack=False, precision="fp32")
    alone = tag_and_score(tagger, split, pack=False, precision="bf16")
    together = tag_and_score(tagger, split, precision="bf16")
    flips, drift = differences(alone, reference)
    assert drift > 0, "bf16 autocast ran: its probabilities are not fp32's"
    layout_flips, layout_drift = differences(together, alone)
    assert layout_flips <= 2 * flips, f"{layout_flips} words differ between layouts; bf16 rounding moves {flips}"
    assert layout_drift <= 2 * drift, f"probabilities differ by {layout_drift:.4f}; bf16 rounding moves {drift:.4f}"


@pytest.mark.parametrize("kind_name", ["encoder", "transformer"])
def test_word_scores_of_a_packed_window_equal_its_scores_alone(notes, layout, kind_name, fresh):
    tagger = fresh(kind_name, notes)
    split = sentences(notes[0])[:12]
    device = torch.device("cpu")
    with torch.inference_mode():
        packed = {}
        for batch in prepare(tagger, split).batches:
            scores = decode.forward(tagger.network, batch, device, "fp32")
            for row, segment in enumerate(batch.segments):
                packed[segment.sentence] = scores[row, : len(segment.encoded.word_starts)]
        for batch in prepare(tagger, split, pack=False).batches:
            assert not batch.packed
            scores = decode.forward(tagger.network, batch, device, "fp32")
            for row, segment in enumerate(batch.segments):
                alone = scores[row, : len(segment.encoded.word_starts)]
                assert torch.allclose(packed[segment.sentence], alone, atol=1e-4)


def test_a_short_note_is_one_row(monkeypatch, fresh):
    monkeypatch.setattr(unpadded, "supports", lambda encoder: False)
    words = "Aspirin 81 mg daily. Metoprolol 25 mg twice daily. Stop ibuprofen."
    tagger = fresh("transformer-crf", [words] * 20)
    plan = prepare(tagger, sentences(words))
    assert len(plan.batches) == 1 and plan.batches[0].tensors["input_ids"].shape[0] == 1
    batch = plan.batches[0]
    assert batch.packed and len(batch.segments) == 3
    # positions restart at every window's [CLS]; the mask keeps each window to itself
    positions = batch.tensors["position_ids"][0]
    starts = [segment.offset for segment in batch.segments]
    assert [int(positions[start]) for start in starts] == [0, 0, 0]
    mask = batch.tensors["attention_mask"][0, 0]
    first, second = batch.segments[0], batch.segments[1]
    assert mask[first.offset, first.offset + 1] and not mask[first.offset, second.offset]
    assert mask[second.offset + 1, second.offset] and not mask[second.offset, first.offset]


def test_the_pipeline_predicts_the_same_spans_packed_or_not(tiny_model, notes):
    from engine.models.tagger import load_tagger

    tagger = load_tagger(tiny_model)
    assert Pipeline(tagger, precision="fp32").predict(notes) == Pipeline(tagger, pack=False, precision="fp32").predict(
        notes
    )
