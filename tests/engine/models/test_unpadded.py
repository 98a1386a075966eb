"""The end-to-end pass of BERT and DistilBERT encoders (engine/models/unpadded.py): windows
laid end to end with no padding, attention within each window, word starts only."""

import torch

from engine.data.tokenize import sentences
from engine.inference.prepare import prepare


def test_windows_end_to_end_attend_within_their_own_window_and_read_only_word_starts(notes, fresh):
    from engine.models import unpadded

    tagger = fresh("encoder", notes)
    encoder = tagger.network.encoder
    split = sentences(notes[0])[:6]
    plan = prepare(tagger, split)
    (batch,) = plan.batches
    lengths = [len(segment.encoded.input_ids) for segment in batch.segments]
    words = [segment.encoded.word_starts for segment in batch.segments]
    assert batch.tensors["input_ids"].shape == (sum(lengths),), "no padding at all"
    with torch.inference_mode():
        states = unpadded.word_states(
            encoder, batch.tensors["input_ids"], batch.tensors["position_ids"], lengths, words
        )
        assert states.shape == (sum(len(w) for w in words), encoder.config.hidden_size)
        row = 0
        for segment in batch.segments:
            alone = encoder(input_ids=torch.tensor([segment.encoded.input_ids])).last_hidden_state[0]
            expected = alone[segment.encoded.word_starts]
            assert torch.allclose(states[row : row + len(expected)], expected, atol=1e-4)
            row += len(expected)


def test_the_end_to_end_pass_covers_only_what_it_can_compute_exactly(notes, fresh):
    from engine.models import unpadded

    tagger = fresh("encoder-crf", notes)
    assert unpadded.supports(tagger.network.encoder)
    tagger.network.train()
    assert not unpadded.supports(tagger.network.encoder), "dropout in training: not this pass"
    assert not unpadded.supports(None) and not unpadded.supports(torch.nn.Linear(2, 2))
