from types import SimpleNamespace

import pytest

from engine.data.corpus import load_corpus
from engine.data.tokenize import sentences, words
from engine.inference import annotate, cpu_has_native_bf16, resolve_precision, tag_sentences
from engine.models.tagger import load_tagger


@pytest.fixture(scope="module")
def tagger(tiny_model):
    return load_tagger(tiny_model)


def test_empty_and_blank_notes_give_no_spans(tagger):
    assert annotate(tagger, ["", "   \n\t "]) == [[], []]


def test_spans_are_offsets_into_each_note(tagger, tiny_corpus):
    notes = [d.text for d in load_corpus(tiny_corpus).documents("test")]
    for note, spans in zip(notes, annotate(tagger, notes), strict=True):
        for span in spans:
            assert note[span.start : span.end] == span.text


def test_no_word_is_skipped_on_a_five_thousand_word_note(tagger):
    vocabulary = ["aspirin", "81", "mg", "daily", "for", "pain", "metoprolol", "25", "twice", "and"]
    note = " ".join(vocabulary[i % len(vocabulary)] for i in range(5000))  # one sentence, no full stop
    split = sentences(note)
    assert len(split) == 1 and len(split[0].words) == 5000
    tags = tag_sentences(tagger, split)
    assert len(tags[0]) == 5000
    covered = sum(span.end - span.start for span in annotate(tagger, [note])[0])
    assert covered <= len(note)


class ContextFreeNetwork:
    """Tags each word from its own first subword only, so any window must give the same tag."""

    def eval(self):
        return self

    def decode(self, input_ids, attention_mask, word_index, word_mask):
        first = input_ids.gather(1, word_index)
        return (first % 19).masked_fill(~word_mask, -1)


def test_windows_are_merged_back_in_word_order(tagger, tiny_corpus):
    note = " ".join(d.text.replace("\n", " ").replace(".", "") for d in load_corpus(tiny_corpus).documents("dev"))
    split = sentences(note)
    config = SimpleNamespace(inference_max_length=512, stride=128, tags=tagger.config.tags)
    fake = SimpleNamespace(config=config, tokenizer=tagger.tokenizer, network=ContextFreeNetwork())
    whole = tag_sentences(fake, split)
    config.inference_max_length, config.stride = 64, 16
    windowed = tag_sentences(fake, split)
    assert windowed == whole
    assert sum(len(tags) for tags in whole) == len(words(note))


def test_bf16_and_fp32_agree_on_the_test_split(tagger, tiny_corpus):
    notes = [d.text for d in load_corpus(tiny_corpus).documents("test")]
    split = [s for note in notes for s in sentences(note)]
    fp32 = tag_sentences(tagger, split, precision="fp32")
    bf16 = tag_sentences(tagger, split, precision="bf16")
    pairs = [(a, b) for x, y in zip(fp32, bf16, strict=True) for a, b in zip(x, y, strict=True)]
    assert sum(a == b for a, b in pairs) / len(pairs) >= 0.99  # the documented tolerance


def test_precision_choice(monkeypatch):
    assert resolve_precision("fp32") == "fp32"
    assert resolve_precision("auto") == ("bf16" if cpu_has_native_bf16() else "fp32")
    monkeypatch.setenv("MEDNER_PRECISION", "fp32")
    assert resolve_precision("auto") == "fp32"
    monkeypatch.setenv("MEDNER_PRECISION", "fast")
    with pytest.raises(ValueError, match="precision must be auto, bf16 or fp32"):
        resolve_precision()
