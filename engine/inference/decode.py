"""Stages 2 and 3 of the pipeline (:mod:`engine.inference.pipeline`): the encoder over each
batch (:func:`forward`), then each window's best tags, windows merged back into sentences, and
each entity's probability under the model (:func:`tag_and_score`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import torch

from engine.data.bio import entity_ranges
from engine.data.tokenize import Sentence
from engine.devices import autocast, resolve_precision
from engine.inference.batches import (
    BATCH_SIZE,
    Batch,
)
from engine.inference.prepare import Plan, prepare
from engine.models import unpadded
from engine.models.encoding import (
    owner_windows,
)


def device_of(network) -> torch.device:
    """Where the network's weights are (the CPU for a network without any)."""
    parameters = getattr(network, "parameters", None)
    first = next(iter(parameters()), None) if parameters is not None else None
    return first.device if first is not None else torch.device("cpu")


def forward(network, batch: Batch, device: torch.device, precision: str) -> torch.Tensor:
    """Word scores of every window of the batch, (windows, most words, tags) in float32, in the
    order of ``batch.segments``; rows past a window's words are zero."""
    tensors = {name: tensor.to(device, non_blocking=True) for name, tensor in batch.tensors.items()}
    if batch.flat:
        words = [segment.encoded.word_starts for segment in batch.segments]
        lengths = [len(segment.encoded.input_ids) for segment in batch.segments]
        with autocast(device, precision):
            states = unpadded.word_states(
                network.encoder, tensors["input_ids"], tensors["position_ids"], lengths, words
            )
            # each window's words as a row, padded with the batch's first word (masked out afterwards)
            counts = torch.tensor([len(w) for w in words])
            first = torch.cumsum(counts, 0) - counts
            rows = first.unsqueeze(1) + torch.arange(int(counts.max())).unsqueeze(0)
            rows = torch.where(tensors["word_mask"].cpu(), rows, 0).to(device)
            at_words = unpadded.gather_rows(states, rows)
            return network.head(at_words, tensors.get("gazetteer")).float()
    extra = {"position_ids": tensors["position_ids"]} if batch.packed else {}
    with autocast(device, precision):
        scores = network.emissions(
            tensors["input_ids"], tensors["attention_mask"], tensors["word_index"], tensors.get("gazetteer"), **extra
        )
    scores = scores.float()
    if not batch.packed:
        return scores
    words = [len(segment.encoded.word_starts) for segment in batch.segments]
    most = max(words)
    row_words = scores.size(1)
    index = torch.zeros(len(words), most, dtype=torch.long)
    for number, (segment, count) in enumerate(zip(batch.segments, words, strict=True)):
        start = segment.row * row_words + segment.column
        index[number, :count] = torch.arange(start, start + count)
    picked = scores.reshape(-1, scores.size(-1)).index_select(0, index.reshape(-1).to(device))
    return picked.reshape(len(words), most, -1)


def word_mask_of(batch: Batch) -> torch.Tensor:
    """(windows, most words) true at each window's real words, in the order of ``batch.segments``."""
    words = torch.tensor([len(segment.encoded.word_starts) for segment in batch.segments])
    return torch.arange(int(words.max())).unsqueeze(0) < words.unsqueeze(1)


@dataclass
class Tagged:
    """What :func:`tag_and_score` returns: each sentence's IOB2 tags and, for each entity in them,
    its probability under the model, keyed by ``(first word, last word)``."""

    tags: list[list[str]]
    confidence: list[dict[tuple[int, int], float]]
    #: for each sentence, the probability of each proposed Drug span, keyed by ``(first, last)``
    proposed: list[dict[tuple[int, int], float]] = field(default_factory=list)


def tag_and_score(
    tagger,
    split: Sequence[Sentence],
    *,
    batch_size: int = BATCH_SIZE,
    precision: str | None = None,
    confidence: bool = True,
    pack: bool = True,
    proposals: Sequence[Sequence[tuple[int, int]]] | None = None,
) -> Tagged:
    """IOB2 tags for every word of every sentence (windows merged by the rule of encoding.py), and
    each entity's probability (:meth:`engine.models.network.WordTagger.span_probabilities`),
    computed in the window that predicts the entity's first word: a CRF's forward-backward
    marginal, or the product of the word probabilities without one. An entity that runs past the
    end of that window (a sentence longer than a window, rare) is scored on the part inside it.
    With ``confidence=False`` no probability is computed (training's dev scores need none).
    ``proposals`` (word ranges of each sentence) are scored the same way as Drug spans, whatever
    the tags say (:func:`engine.inference.rules.backstop`). The network runs where its weights
    are (:func:`device_of`)."""
    prepared = prepare(tagger, split, batch_size=batch_size, pack=pack)
    predicted, scores_of = _decode(tagger.network, prepared, precision, keep_scores=bool(confidence or proposals))
    tags, wanted = _merged(tagger.config.tags, split, prepared, predicted, confidence=confidence, proposals=proposals)
    probabilities, proposed = _probabilities(tagger.network, tagger.config.tags, scores_of, wanted, len(split))
    return Tagged(tags, probabilities, proposed)


#: An entity (or a proposed name) to score: (sentence, (first, last), window, first and last word
#: in the window, B tag id, I tag id, proposed).
_Wanted = tuple[int, tuple[int, int], int, int, int, int, int, bool]


def _decode(
    network, prepared: Plan, precision: str | None, *, keep_scores: bool
) -> tuple[dict[tuple[int, int], list[int]], dict[tuple[int, int], torch.Tensor]]:
    """Stage 3a: each window's best tag ids, and (``keep_scores``) its word scores, by
    (sentence, window)."""
    predicted: dict[tuple[int, int], list[int]] = {}
    scores_of: dict[tuple[int, int], torch.Tensor] = {}
    device = device_of(network)
    chosen = resolve_precision(precision, device)
    if getattr(network, "training", False):
        network.eval()
    with torch.inference_mode():
        for batch in prepared.batches:
            scores = forward(network, batch, device, chosen)
            decoded = network.best_tags(scores, word_mask_of(batch).to(device)).cpu()
            kept = scores.cpu() if keep_scores else None
            for row, segment in enumerate(batch.segments):
                words = len(segment.encoded.word_starts)
                predicted[segment.sentence, segment.window] = decoded[row, :words].tolist()
                if kept is not None:
                    scores_of[segment.sentence, segment.window] = kept[row, :words]
    return predicted, scores_of


def _merged(
    tags: Sequence[str],
    split: Sequence[Sentence],
    prepared: Plan,
    predicted: dict[tuple[int, int], list[int]],
    *,
    confidence: bool,
    proposals: Sequence[Sequence[tuple[int, int]]] | None,
) -> tuple[list[list[str]], list[_Wanted]]:
    """Stage 3b: each sentence's tags, its windows merged by the rule of encoding.py, and the
    entities (and proposed names) to score, each in the window that predicts its first word."""
    result: list[list[str]] = []
    wanted: list[_Wanted] = []
    for index, sentence in enumerate(split):
        spans = prepared.windows_of[index]
        owner = owner_windows(spans, len(sentence.words))
        merged = [tags[predicted[index, owner[w]][w - spans[owner[w]][0]]] for w in range(len(sentence.words))]
        result.append(merged)
        asked = [(first, last, label, False) for first, last, label in entity_ranges(merged)] if confidence else []
        asked += [(first, last, "Drug", True) for first, last in (proposals[index] if proposals else ())]
        for first, last, label, proposed in asked:
            window = owner[first]
            start, end = spans[window]
            local_first, local_last = first - start, min(last, end - 1) - start
            ids = (tags.index(f"B-{label}"), tags.index(f"I-{label}"))
            wanted.append((index, (first, last), window, local_first, local_last, *ids, proposed))
    return result, wanted


def _probabilities(
    network, tags: Sequence[str], scores_of: dict[tuple[int, int], torch.Tensor], wanted: list[_Wanted], sentences: int
) -> tuple[list[dict[tuple[int, int], float]], list[dict[tuple[int, int], float]]]:
    """Stage 3c: the probability of each wanted entity, and of each proposed name, per sentence,
    all windows that hold one scored in one call."""
    confidence: list[dict[tuple[int, int], float]] = [{} for _ in range(sentences)]
    proposed_scores: list[dict[tuple[int, int], float]] = [{} for _ in range(sentences)]
    if not wanted:
        return confidence, proposed_scores
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
        (row_of[index, window], a, b, begin_id, inside_id) for index, _, window, a, b, begin_id, inside_id, _ in wanted
    ]
    with torch.inference_mode():
        probabilities = network.span_probabilities(batch_scores, mask, requests).tolist()
    for (index, key, *_, proposed), value in zip(wanted, probabilities, strict=True):
        (proposed_scores if proposed else confidence)[index][key] = float(value)
    return confidence, proposed_scores


def tag_sentences(
    tagger, split: Sequence[Sentence], *, batch_size: int = BATCH_SIZE, precision: str | None = None, pack: bool = True
) -> list[list[str]]:
    """IOB2 tags for every word of every sentence (windows merged by the rule of encoding.py)."""
    return tag_and_score(tagger, split, batch_size=batch_size, precision=precision, confidence=False, pack=pack).tags
