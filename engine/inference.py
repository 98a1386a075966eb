"""Notes -> spans with a trained tagger: sentences, windows for long ones, batches by length,
``torch.inference_mode``, and bf16 autocast on CPUs with native bf16 (fp32 elsewhere)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from functools import cache

import torch

from engine.data.bio import entity_ranges, tags_to_spans
from engine.data.tokenize import Sentence, sentences
from engine.models.base import ANCHOR_SENTENCES
from engine.models.encoding import (
    EncodedInput,
    build_input,
    collate,
    gazetteer_inputs,
    owner_windows,
    windows,
    word_pieces,
)
from engine.types import Span

#: What one more forward pass costs, in padded subwords. On a CPU a pass over a few sentences is
#: bound by reading every weight once, not by arithmetic: 1x8 subwords took 5 ms with the small
#: scratch Transformer and 18 ms with MiniLM, and each further subword about 1/70 of that
#: (2 cores, AVX2; bench/README.md). Fewer, fuller batches win until padding outweighs a pass.
BATCH_COST_SUBWORDS = 64
#: Upper bounds of one batch: windows, and padded subwords (memory).
BATCH_SIZE = 256
MAX_BATCH_SUBWORDS = 16384
#: Environment override for the precision: "fp32", "bf16" or "auto" (the default).
PRECISION_VARIABLE = "MEDNER_PRECISION"


@cache
def cpu_has_native_bf16() -> bool:
    """True on CPUs with AVX-512 BF16 or AMX, where bf16 matmuls are fast."""
    try:
        return bool(torch.cpu._is_avx512_bf16_supported() or torch.cpu._is_amx_tile_supported())
    except AttributeError:  # an older or newer torch without these probes
        return False


def resolve_precision(precision: str = "auto") -> str:
    """``"bf16"`` or ``"fp32"`` for a requested ``"auto"``/``"bf16"``/``"fp32"``."""
    requested = os.environ.get(PRECISION_VARIABLE, "") or precision
    if requested not in ("auto", "bf16", "fp32"):
        raise ValueError(f"precision must be auto, bf16 or fp32, got {requested!r}")
    if requested == "auto":
        return "bf16" if cpu_has_native_bf16() else "fp32"
    return requested


@dataclass(frozen=True)
class _Item:
    sentence: int
    window: int
    start: int
    encoded: EncodedInput


@dataclass(frozen=True)
class Plan:
    """A list of sentences made ready for the network: subword windows sorted by length into
    batches of padded tensors, and for each sentence the word range of each of its windows."""

    batches: list[tuple[list[_Item], dict[str, torch.Tensor]]]
    windows_of: list[list[tuple[int, int]]]

    @property
    def subwords(self) -> int:
        return sum(len(item.encoded.input_ids) for items, _ in self.batches for item in items)

    @property
    def padded_subwords(self) -> int:
        return sum(tensors["input_ids"].numel() for _, tensors in self.batches)


def _length_groups(lengths: list[int], items: list[_Item]) -> list[list[_Item]]:
    """Cut the length-sorted ``items`` into batches minimising, over all batches,
    :data:`BATCH_COST_SUBWORDS` + windows x longest window: exact, by dynamic programming over
    the distinct lengths (a few dozen), since a batch of sorted items pads up to its last one."""
    if not items:
        return []
    distinct = sorted(set(lengths))
    counts = [lengths.count(length) for length in distinct]
    before = [0]
    for count in counts:
        before.append(before[-1] + count)
    best = [0.0] + [float("inf")] * len(distinct)
    cut = [0] * (len(distinct) + 1)
    for end in range(1, len(distinct) + 1):
        for start in range(end):
            cost = best[start] + BATCH_COST_SUBWORDS + (before[end] - before[start]) * distinct[end - 1]
            if cost < best[end]:
                best[end], cut[end] = cost, start
    bounds, end = [], len(distinct)
    while end:
        bounds.append((before[cut[end]], before[end]))
        end = cut[end]
    return [items[first:last] for first, last in reversed(bounds)]


def _capped(group: list[_Item], batch_size: int) -> list[list[_Item]]:
    """A batch split where it holds more than ``batch_size`` windows or too many padded subwords."""
    longest = max(len(item.encoded.input_ids) for item in group)
    size = max(1, min(batch_size, MAX_BATCH_SUBWORDS // longest))
    return [group[first : first + size] for first in range(0, len(group), size)]


def plan(tagger, split: Sequence[Sentence], *, batch_size: int = BATCH_SIZE) -> Plan:
    """Tokenize each sentence once, cut long ones into windows, and batch the windows by length:
    sorted, and a new batch begins only where padding the current one further would cost more
    than one more forward pass (:data:`BATCH_COST_SUBWORDS`)."""
    config, tokenizer = tagger.config, tagger.tokenizer
    texts = [[w.text for w in s.words] for s in split]
    pieces = word_pieces(tokenizer, texts)
    matches = gazetteer_inputs(config, texts)
    items: list[_Item] = []
    windows_of: list[list[tuple[int, int]]] = []
    for index, (sentence_pieces, match) in enumerate(zip(pieces, matches, strict=True)):
        spans = windows(sentence_pieces, max_length=config.inference_max_length, stride=config.stride)
        windows_of.append(spans)
        for number, (start, end) in enumerate(spans):
            encoded = build_input(
                sentence_pieces,
                start,
                end,
                max_length=config.inference_max_length,
                cls_id=tokenizer.cls_token_id,
                sep_id=tokenizer.sep_token_id,
                gazetteer=match,
            )
            items.append(_Item(index, number, start, encoded))
    items.sort(key=lambda item: len(item.encoded.input_ids))
    groups = [
        chunk
        for group in _length_groups([len(item.encoded.input_ids) for item in items], items)
        for chunk in _capped(group, batch_size)
    ]
    batches = [(group, collate([item.encoded for item in group], tokenizer.pad_token_id)) for group in groups]
    return Plan(batches, windows_of)


@dataclass
class Tagged:
    """What :func:`tag_and_score` returns: each sentence's IOB2 tags and, for each entity in them,
    its probability under the model, keyed by ``(first word, last word)``."""

    tags: list[list[str]]
    confidence: list[dict[tuple[int, int], float]]


def tag_and_score(
    tagger,
    split: Sequence[Sentence],
    *,
    batch_size: int = BATCH_SIZE,
    precision: str = "auto",
    confidence: bool = True,
) -> Tagged:
    """IOB2 tags for every word of every sentence (windows merged by the rule of encoding.py), and
    each entity's probability (:meth:`engine.models.network.WordTagger.span_probabilities`),
    computed in the window that predicts the entity's first word: a CRF's forward-backward
    marginal, or the product of the word probabilities without one. An entity that runs past the
    end of that window (a sentence longer than a window, rare) is scored on the part inside it.
    With ``confidence=False`` no probability is computed (training's dev scores need none)."""
    config, network = tagger.config, tagger.network
    prepared = plan(tagger, split, batch_size=batch_size)
    predicted: dict[tuple[int, int], list[int]] = {}
    scores_of: dict[tuple[int, int], torch.Tensor] = {}
    use_bf16 = resolve_precision(precision) == "bf16"
    network.eval()
    with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16) if use_bf16 else nullcontext():
        for batch, tensors in prepared.batches:
            scores = network.emissions(
                tensors["input_ids"], tensors["attention_mask"], tensors["word_index"], tensors.get("gazetteer")
            )
            decoded = network.best_tags(scores, tensors["word_mask"])
            for row, item in enumerate(batch):
                words = len(item.encoded.word_starts)
                predicted[item.sentence, item.window] = decoded[row, :words].tolist()
                if confidence:
                    scores_of[item.sentence, item.window] = scores[row, :words].float()
    tags = config.tags
    result: list[list[str]] = []
    # (sentence, (first, last), window, first and last word in the window, B tag id, I tag id)
    wanted: list[tuple[int, tuple[int, int], int, int, int, int, int]] = []
    for index, sentence in enumerate(split):
        spans = prepared.windows_of[index]
        owner = owner_windows(spans, len(sentence.words))
        merged = [tags[predicted[index, owner[w]][w - spans[owner[w]][0]]] for w in range(len(sentence.words))]
        result.append(merged)
        for first, last, label in entity_ranges(merged) if confidence else ():
            window = owner[first]
            start, end = spans[window]
            local_first, local_last = first - start, min(last, end - 1) - start
            ids = (tags.index(f"B-{label}"), tags.index(f"I-{label}"))
            wanted.append((index, (first, last), window, local_first, local_last, *ids))
    confidence: list[dict[tuple[int, int], float]] = [{} for _ in split]
    if wanted:
        windows = sorted({(index, window) for index, _, window, *_ in wanted})
        row_of = {key: row for row, key in enumerate(windows)}
        longest = max(scores_of[key].size(0) for key in windows)
        batch_scores = torch.zeros(len(windows), longest, len(tags))
        mask = torch.zeros(len(windows), longest, dtype=torch.bool)
        for row, key in enumerate(windows):
            length = scores_of[key].size(0)
            batch_scores[row, :length] = scores_of[key]
            mask[row, :length] = True
        requests = [
            (row_of[index, window], a, b, begin_id, inside_id) for index, _, window, a, b, begin_id, inside_id in wanted
        ]
        with torch.inference_mode():
            probabilities = network.span_probabilities(batch_scores, mask, requests).tolist()
        for (index, key, *_), value in zip(wanted, probabilities, strict=True):
            confidence[index][key] = float(value)
    return Tagged(result, confidence)


def tag_sentences(
    tagger, split: Sequence[Sentence], *, batch_size: int = BATCH_SIZE, precision: str = "auto"
) -> list[list[str]]:
    """IOB2 tags for every word of every sentence (windows merged by the rule of encoding.py)."""
    return tag_and_score(tagger, split, batch_size=batch_size, precision=precision, confidence=False).tags


def anchored(per_sentence: Sequence[Sequence[Span]], window: int | None = ANCHOR_SENTENCES) -> list[Span]:
    """The spans of one note's sentences, less every attribute with no Drug span within ``window``
    sentences of its own (``window=None`` keeps every span).

    In n2c2 2018 Track 2 every attribute (Strength to ADE) is annotated only as the attribute of a
    medication, so a frequency, a route or an adverse event with no medication near it is not an
    entity of this scheme: "fh" read as a frequency in a family-history line, a rash after a food
    read as an ADE. One sentence either side was chosen on dev data (docs/experiments.md,
    "Attributes anchored to a medication"): it keeps 99.4 % of the demo corpus's gold attributes."""
    if window is None:
        return [span for spans in per_sentence for span in spans]
    near_drug = [any(span.label == "Drug" for span in spans) for spans in per_sentence]
    kept: list[Span] = []
    for index, spans in enumerate(per_sentence):
        anchored_here = any(near_drug[max(0, index - window) : index + window + 1])
        kept.extend(span for span in spans if anchored_here or span.label == "Drug")
    return kept


def annotate(
    tagger,
    texts: Sequence[str],
    *,
    batch_size: int = BATCH_SIZE,
    precision: str = "auto",
    anchor: int | None = ANCHOR_SENTENCES,
    confidence: bool = True,
) -> list[list[Span]]:
    """Spans for each note, in character offsets of that note, each with its probability
    (``Span.confidence``, :func:`tag_and_score`). Empty notes give no spans. Attributes far from
    any medication are dropped (:func:`anchored`; ``anchor=None`` keeps them). ``confidence=False``
    leaves the probabilities out (None), for callers that only count spans."""
    split_notes = [sentences(text) for text in texts]
    flat = [sentence for note in split_notes for sentence in note]
    tagged = (
        tag_and_score(tagger, flat, batch_size=batch_size, precision=precision, confidence=confidence)
        if flat
        else Tagged([], [])
    )
    result: list[list[Span]] = []
    position = 0
    for text, note in zip(texts, split_notes, strict=True):
        per_sentence = [
            tags_to_spans(text, sentence.words, tagged.tags[position + i], tagged.confidence[position + i])
            for i, sentence in enumerate(note)
        ]
        position += len(note)
        result.append(anchored(per_sentence, anchor))
    return result
