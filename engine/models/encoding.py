"""Words -> subword ids, and the windows that keep each input within the encoder's length.

This module alone owns subword alignment. Labels belong to words: the model reads the
encoder's output at the first subword of each word. A word the tokenizer turns into nothing
(a control character, say) is given the tokenizer's unknown token, so every word has a place.

Window rule: a sentence whose subwords (plus the two special tokens) exceed ``max_length`` is
cut into windows of whole words. Consecutive windows overlap by about ``stride`` subwords. Each
word takes its prediction from the window in which it sits farthest from an edge, so every word
is predicted with context on both sides where the text allows, and no word is ever skipped.
A single word longer than a window keeps its first ``max_length - 2`` subwords.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
from transformers import PreTrainedTokenizerBase


@dataclass(frozen=True)
class EncodedInput:
    """One model input: subword ids with the special tokens, where each word starts, and for a
    model that reads the drug dictionary each word's match tag (:mod:`engine.data.gazetteer`)."""

    input_ids: list[int]
    word_starts: list[int]
    gazetteer: list[int] | None = None


def word_pieces(tokenizer: PreTrainedTokenizerBase, sentences: Sequence[Sequence[str]]) -> list[list[list[int]]]:
    """Subword ids of each word of each sentence (no special tokens), in one tokenizer call."""
    if not sentences:
        return []
    encoded = tokenizer([list(words) for words in sentences], is_split_into_words=True, add_special_tokens=False)
    unknown = tokenizer.unk_token_id
    result: list[list[list[int]]] = []
    for index, words in enumerate(sentences):
        pieces: list[list[int]] = [[] for _ in words]
        for token_id, word_id in zip(encoded["input_ids"][index], encoded.word_ids(index), strict=True):
            if word_id is not None:
                pieces[word_id].append(token_id)
        result.append([p or [unknown] for p in pieces])
    return result


def windows(pieces: Sequence[Sequence[int]], *, max_length: int, stride: int = 0) -> list[tuple[int, int]]:
    """Word ranges ``[start, end)`` whose subwords fit ``max_length`` with the special tokens."""
    budget = max_length - 2
    if budget < 1:
        raise ValueError(f"max_length must leave room for the special tokens, got {max_length}")
    counts = [min(len(p), budget) for p in pieces]
    result: list[tuple[int, int]] = []
    start = 0
    while start < len(counts):
        end, used = start, 0
        while end < len(counts) and used + counts[end] <= budget:
            used += counts[end]
            end += 1
        result.append((start, end))
        if end == len(counts):
            break
        back, overlap = end, 0
        while back - 1 > start and overlap + counts[back - 1] <= stride:
            back -= 1
            overlap += counts[back]
        start = back
    return result


def build_input(
    pieces: Sequence[Sequence[int]],
    start: int,
    end: int,
    *,
    max_length: int,
    cls_id: int,
    sep_id: int,
    gazetteer: Sequence[int] | None = None,
) -> EncodedInput:
    """The ids for words ``start..end`` framed by [CLS] ... [SEP] (and the words' gazetteer tags,
    given for the whole sentence)."""
    budget = max_length - 2
    ids = [cls_id]
    starts: list[int] = []
    for word in pieces[start:end]:
        starts.append(len(ids))
        ids.extend(word[:budget])
    ids.append(sep_id)
    return EncodedInput(ids, starts, list(gazetteer[start:end]) if gazetteer is not None else None)


def owner_windows(spans: Sequence[tuple[int, int]], length: int) -> list[int]:
    """For each word, the index of the window that predicts it (farthest from an edge)."""
    owner = [-1] * length
    margin = [-1] * length
    for index, (start, end) in enumerate(spans):
        for word in range(start, end):
            distance = min(word - start, end - 1 - word)
            if distance > margin[word]:
                owner[word], margin[word] = index, distance
    if -1 in owner:
        raise ValueError(f"word {owner.index(-1)} is in no window")
    return owner


def gazetteer_inputs(config, sentences: Sequence[Sequence[str]]) -> list[list[int] | None]:
    """Each sentence's drug-dictionary match tags (:mod:`engine.data.gazetteer`) for a model whose
    ``config.gazetteer`` says it reads them; None for each sentence otherwise."""
    if not config.gazetteer:
        return [None] * len(sentences)
    from engine.data.gazetteer import lexicon_gazetteer

    gazetteer = lexicon_gazetteer(getattr(config, "lexicon", "drugbank"))
    return [gazetteer.tags(words) for words in sentences]


def collate(inputs: Sequence[EncodedInput], pad_id: int) -> dict[str, torch.Tensor]:
    """Tensors for a batch (the one collator training and inference share): ids, attention mask,
    first-subword index and mask per word, and the gazetteer tags per word where inputs have them."""
    longest = max(len(e.input_ids) for e in inputs)
    most_words = max(len(e.word_starts) for e in inputs)
    input_ids = torch.full((len(inputs), longest), pad_id, dtype=torch.long)
    attention = torch.zeros((len(inputs), longest), dtype=torch.long)
    word_index = torch.zeros((len(inputs), most_words), dtype=torch.long)
    word_mask = torch.zeros((len(inputs), most_words), dtype=torch.bool)
    for row, encoded in enumerate(inputs):
        input_ids[row, : len(encoded.input_ids)] = torch.tensor(encoded.input_ids)
        attention[row, : len(encoded.input_ids)] = 1
        word_index[row, : len(encoded.word_starts)] = torch.tensor(encoded.word_starts)
        word_mask[row, : len(encoded.word_starts)] = True
    tensors = {"input_ids": input_ids, "attention_mask": attention, "word_index": word_index, "word_mask": word_mask}
    if inputs[0].gazetteer is not None:
        gazetteer = torch.zeros((len(inputs), most_words), dtype=torch.long)
        for row, encoded in enumerate(inputs):
            if encoded.gazetteer is None:
                raise ValueError("a batch mixes inputs with and without gazetteer tags")
            gazetteer[row, : len(encoded.gazetteer)] = torch.tensor(encoded.gazetteer, dtype=torch.long)
        tensors["gazetteer"] = gazetteer
    return tensors
