from types import SimpleNamespace

import pytest
import torch

from engine import devices
from engine.data.corpus import load_corpus
from engine.data.tokenize import sentences, words
from engine.devices import resolve_precision
from engine.inference import pipeline as inference
from engine.inference.decode import tag_sentences
from engine.inference.pipeline import annotate
from engine.inference.rules import named_like_condition
from engine.models.kinds import KINDS
from engine.models.tagger import load_tagger
from engine.types import Span


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


def shifted(spans, by):
    return [(span.start + by, span.end + by, span.label) for span in spans]


def test_a_200000_character_note_is_annotated_whole_not_truncated(tagger, tiny_corpus):
    notes = [d.text for d in load_corpus(tiny_corpus).documents("test")]
    parts, length = [], 0
    while length < 200_000:
        parts.append(notes[len(parts) % len(notes)])
        length += len(parts[-1]) + 2
    note = "\n\n".join(parts)
    assert len(note) >= 200_000
    (spans,) = annotate(tagger, [note], anchor=None)
    alone = dict(zip(notes, annotate(tagger, notes, anchor=None), strict=True))
    expected, offset = [], 0
    for part in parts:  # sentences never cross the blank lines, so each copy gets its own spans
        expected += shifted(alone[part], offset)
        offset += len(part) + 2
    assert [(s.start, s.end, s.label) for s in spans] == expected
    assert spans[-1].start > len(note) - len(parts[-1]), "the last copy of the note has its entities"


def test_windows_line_endings_and_tabs_keep_offsets_and_labels(tagger, tiny_corpus):
    note = load_corpus(tiny_corpus).documents("test")[0].text
    windows = note.replace("\n", "\r\n").replace(" mg", "\tmg")
    (plain,), (crlf,) = annotate(tagger, [note]), annotate(tagger, [windows])
    assert crlf, "the model finds entities in the note"
    for span in crlf:
        assert windows[span.start : span.end] == span.text
    assert [(s.label, " ".join(s.text.split())) for s in crlf] == [(s.label, " ".join(s.text.split())) for s in plain]


class ContextFreeNetwork:
    """Tags each word from its own first subword only, so any window must give the same tag."""

    def eval(self):
        return self

    def emissions(self, input_ids, attention_mask, word_index, gazetteer=None, position_ids=None):
        first = input_ids.gather(1, word_index)
        return torch.nn.functional.one_hot(first % 19, 19).float()

    def best_tags(self, scores, word_mask):
        return scores.argmax(dim=-1).masked_fill(~word_mask, -1)

    def span_probabilities(self, scores, word_mask, spans):
        return torch.ones(len(spans))


def test_windows_are_merged_back_in_word_order(tagger, tiny_corpus):
    note = " ".join(d.text.replace("\n", " ").replace(".", "") for d in load_corpus(tiny_corpus).documents("dev"))
    split = sentences(note)
    config = SimpleNamespace(inference_max_length=512, stride=128, tags=tagger.config.tags, gazetteer=False)
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
    """auto is fp32 on every CPU, with or without bf16 instructions; the environment chooses
    when nothing is asked; an explicit request wins over the environment."""
    assert resolve_precision("fp32") == "fp32"
    assert resolve_precision("auto") == "fp32"
    monkeypatch.setattr(devices, "cpu_has_native_bf16", lambda: True)
    assert resolve_precision("auto") == resolve_precision() == "fp32", "native bf16 does not change auto"
    monkeypatch.setenv("MEDNER_PRECISION", "bf16")
    assert resolve_precision() == "bf16"
    assert resolve_precision("fp32") == "fp32", "an explicit request wins"
    assert resolve_precision("auto") == "fp32"
    monkeypatch.setenv("MEDNER_PRECISION", "fast")
    with pytest.raises(ValueError, match="precision must be one of auto, fp32, bf16, fp16"):
        resolve_precision()


def test_labels_match_a_plain_hugging_face_token_classifier_with_the_same_weights(tiny_corpus):
    """The baseline of bench/latency.py is the same model: without a CRF, our word tags are the
    argmax at each word's first subword of the Hugging Face model holding the same weights."""
    from engine.models.base import TrainingSettings
    from engine.models.hf import as_token_classifier
    from engine.models.registry import build_tagger

    torch.manual_seed(5)
    tagger = build_tagger("encoder", settings=TrainingSettings())
    tagger.network.eval()
    classifier = as_token_classifier(tagger)
    text = load_corpus(tiny_corpus).documents("test")[0].text
    split = sentences(text)[:25]
    ours = tag_sentences(tagger, split, precision="fp32")
    for sentence, tags in zip(split, ours, strict=True):
        encoded = tagger.tokenizer([w.text for w in sentence.words], is_split_into_words=True, return_tensors="pt")
        with torch.inference_mode():
            logits = classifier(**encoded).logits[0]
        first = [
            i for i, w in enumerate(encoded.word_ids()) if w is not None and (i == 0 or encoded.word_ids()[i - 1] != w)
        ]
        assert [tagger.config.tags[int(logits[i].argmax())] for i in first] == tags


def test_annotate_drops_attributes_far_from_any_drug(tagger, tiny_corpus):
    notes = [d.text for d in load_corpus(tiny_corpus).documents("test")]
    for kept, everything in zip(annotate(tagger, notes), annotate(tagger, notes, anchor=None), strict=True):
        assert {s for s in kept if s.label != "Drug"} <= set(everything), "attributes are only ever dropped"
        # every Drug stays but those named like a condition (test_annotate_drops_drug_spans_named_like...);
        # the rules may add the dictionary's names (test_annotate_adds_the_dictionary_names...)
        drugs = {s for s in everything if s.label == "Drug" and not named_like_condition(s)}
        assert drugs <= {s for s in kept if s.label == "Drug"}


def test_every_predicted_span_carries_its_probability(tagger, tiny_corpus):
    notes = [d.text for d in load_corpus(tiny_corpus).documents("test")]
    found = [span for spans in annotate(tagger, notes) for span in spans]
    assert found, "the tiny model finds something"
    assert all(span.confidence is not None and 0.0 < span.confidence <= 1.0 for span in found)


@pytest.mark.parametrize("precision", ["fp32", "bf16"])
def test_span_probability_is_the_crf_marginal_of_that_span(tagger, precision):
    """Recomputed by hand from the network's emissions: the constrained forward pass over the
    sentence, so a change in how inference picks windows or tag ids cannot go unnoticed.

    fp32: the pipeline packs its batches as it always does. bf16 (autocast asked for by name,
    on any CPU): one window a row on both sides, since under bf16 another layout rounds
    differently (tests/engine/inference/test_packing.py bounds that); the same operations in the same order
    round the same way, so the tolerance stays fp32's."""
    from engine.data.bio import entity_ranges
    from engine.devices import autocast
    from engine.inference.decode import tag_and_score
    from engine.inference.prepare import prepare

    note = "Aspirin 81 mg PO daily for chest pain. Metoprolol 25 mg twice daily."
    split = sentences(note)
    tagged = tag_and_score(tagger, split, precision=precision, pack=precision == "fp32")
    prepared = prepare(tagger, split, pack=False)
    tags = tagger.config.tags
    for batch in prepared.batches:
        tensors = batch.tensors
        with torch.inference_mode(), autocast(torch.device("cpu"), precision):
            scores = tagger.network.emissions(
                tensors["input_ids"], tensors["attention_mask"], tensors["word_index"], tensors.get("gazetteer")
            )
        scores = scores.float()
        for row, item in enumerate(batch.segments):
            for first, last, label in entity_ranges(tagged.tags[item.sentence]):
                request = [(row, first, last, tags.index(f"B-{label}"), tags.index(f"I-{label}"))]
                expected = tagger.network.span_probabilities(scores, tensors["word_mask"], request).item()
                assert tagged.confidence[item.sentence][first, last] == pytest.approx(expected, abs=1e-5)


def test_spans_without_probabilities_when_none_are_wanted(tagger, tiny_corpus):
    notes = [d.text for d in load_corpus(tiny_corpus).documents("test")]
    plain = annotate(tagger, notes, confidence=False)
    assert plain == annotate(tagger, notes), "the same spans"
    assert all(span.confidence is None for spans in plain for span in spans)


LINES_AND_PUNCTUATION = (
    "PMH:\r\n- asthma (mild) - uses salbutamol inhaler 2 puffs prn\r\n"
    "1. Amoxicillin 500 mg tds, 7/7\n2) co-amoxiclav\nSH\nlives alone; ex-smoker.\n\n"
    "Plan: ibuprofen 400mg [with food] -- review in 2/52 ...\n"
)


@pytest.mark.parametrize("kind_name", sorted(KINDS))
def test_no_predicted_span_crosses_a_line_break_or_starts_or_ends_on_punctuation(kind_name, fresh):
    """Untrained models (random heads) tag words at random, punctuation and line ends included:
    whatever the tags, the spans that come out obey the rules of engine.data.bio.tidy_ranges."""
    tagger = fresh(kind_name, [LINES_AND_PUNCTUATION])
    raw = tag_sentences(tagger, sentences(LINES_AND_PUNCTUATION), precision="fp32")
    assert sum(tag != "O" for tags in raw for tag in tags) > 10, "the untrained model tags plenty"
    (spans,) = annotate(tagger, [LINES_AND_PUNCTUATION], anchor=None, precision="fp32")
    assert spans
    for span in spans:
        assert "\n" not in span.text and "\r" not in span.text, span
        assert span.text[0].isalnum() and span.text[-1].isalnum(), span
        assert LINES_AND_PUNCTUATION[span.start : span.end] == span.text


def test_annotate_adds_the_dictionary_names_the_model_left_out_by_their_probability(tagger, monkeypatch):
    """Scored by the model like its own spans: with a threshold of 0 every dictionary name that no
    span covers comes out as a Drug (with its probability), with one above 1 none does."""
    note = "Continue aspirin and metoprolol; recheck sodium.\nWarfarin held."
    monkeypatch.setattr(inference, "BACKSTOP_PROBABILITY", 1.01)
    (without,) = annotate(tagger, [note], precision="fp32")
    monkeypatch.setattr(inference, "BACKSTOP_PROBABILITY", 0.0)
    (everything,) = annotate(tagger, [note], precision="fp32")
    added = [s for s in everything if s not in without]
    names = {"aspirin", "metoprolol", "Warfarin"}
    covered = {n for n in names if any(s.start <= note.index(n) < s.end for s in without)}
    assert {s.text for s in added if s.label == "Drug"} >= names - covered
    assert all(s.label == "Drug" and 0.0 <= s.confidence <= 1.0 for s in added if s.text in names)
    (raw,) = annotate(tagger, [note], precision="fp32", anchor=None)
    assert not any(s.text in names - covered and s.label == "Drug" for s in raw if s not in without), (
        "anchor=None: no rule, no proposal"
    )


def test_annotate_drops_drug_spans_named_like_a_condition(tagger, monkeypatch):
    note = "Macromastia with back pain; aspirin daily."
    real = inference.predicted_spans

    def with_macromastia(text, words, tags, confidence=None):
        return sorted([*real(text, words, tags, confidence), Span.of(text, 0, 11, "Drug")])

    monkeypatch.setattr(inference, "predicted_spans", with_macromastia)
    (ruled,) = annotate(tagger, [note], precision="fp32")
    (raw,) = annotate(tagger, [note], precision="fp32", anchor=None)
    assert Span.of(note, 0, 11, "Drug") in raw, "anchor=None applies no rule"
    assert not any(s.label == "Drug" and s.start == 0 for s in ruled)
