"""How windows of subwords are laid out for the encoder, the first stage of
:mod:`engine.inference.pipeline`: batches of rows cut where padding costs more than a pass, several short
windows packed into one row with a block-diagonal attention mask, or (for the encoders
:mod:`engine.models.unpadded` covers) windows laid end to end with no padding at all.

Why pack: most pasted notes are short, and a short sentence is a row that costs a pass over every
weight whatever its length. Packing puts a 100-word note in one row instead of batches of a few
padded sentences; the price is attention computed (and masked) across the whole row, so rows are
held to :data:`PACK_SUBWORDS`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch

from engine.models.encoding import EncodedInput

#: What one more forward pass costs, in padded subwords. On a CPU a pass over a few sentences is
#: bound by reading every weight once, not by arithmetic: 1x8 subwords took 5 ms with the small
#: scratch Transformer and 18 ms with MiniLM, and each further subword about 1/70 of that
#: (2 cores, AVX2; bench/README.md). Fewer, fuller batches win until padding outweighs a pass.
BATCH_COST_SUBWORDS = 64
#: Upper bounds of one batch: rows, and padded subwords (memory).
BATCH_SIZE = 256
MAX_BATCH_SUBWORDS = 16384
#: Longest packed row, in subwords. Attention over a packed row costs its length squared while
#: only the blocks on the diagonal are used: at 256 subwords that is under a fifth of MiniLM's
#: arithmetic per subword, and a 100-word note (about 150 subwords) still fits one row.
#: A window longer than this keeps a row of its own.
PACK_SUBWORDS = 256


@dataclass(frozen=True)
class Segment:
    """One window of one sentence, placed in a row: the row within its batch, the subword where
    it begins in the row, and the row's word column where its words begin."""

    sentence: int
    window: int
    encoded: EncodedInput
    row: int = 0
    offset: int = 0
    column: int = 0


@dataclass(frozen=True)
class Batch:
    """Rows of packed windows as tensors: ``input_ids``, ``attention_mask`` (2-D, or 4-D
    block-diagonal where a row holds several windows), ``position_ids`` where packed,
    ``word_index`` and ``word_mask`` per row word, ``gazetteer`` for a model that reads it."""

    segments: list[Segment]
    tensors: dict[str, torch.Tensor]
    #: windows laid end to end for :mod:`engine.models.unpadded`: ``input_ids`` and
    #: ``position_ids`` are flat (subwords,), ``word_mask`` and ``gazetteer`` (windows, words)
    flat: bool = False

    @property
    def packed(self) -> bool:
        return "position_ids" in self.tensors and not self.flat


def length_groups(lengths: list[int], items: list) -> list[list]:
    """Cut the length-sorted ``items`` into batches minimising, over all batches,
    :data:`BATCH_COST_SUBWORDS` + rows x longest row: exact, by dynamic programming over
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


def capped(group: list, batch_size: int, length=lambda item: len(item.encoded.input_ids)) -> list[list]:
    """A batch split where it holds more than ``batch_size`` rows or too many padded subwords."""
    longest = max(length(item) for item in group)
    size = max(1, min(batch_size, MAX_BATCH_SUBWORDS // longest))
    return [group[first : first + size] for first in range(0, len(group), size)]


def pack_rows(lengths: Sequence[int], capacity: int) -> list[list[int]]:
    """Indices of ``lengths`` grouped into rows of at most ``capacity`` (first fit, longest first;
    a length over the capacity keeps a row of its own). Each row lists its items in input order."""
    rows: list[list[int]] = []
    room: list[int] = []
    for index in sorted(range(len(lengths)), key=lambda i: (-lengths[i], i)):
        size = lengths[index]
        for row, left in enumerate(room):
            if size <= left:
                rows[row].append(index)
                room[row] -= size
                break
        else:
            rows.append([index])
            room.append(max(0, capacity - size))
    return [sorted(row) for row in rows]


def block_mask(row_segments: Sequence[Sequence[int]], longest: int, implementation: str) -> torch.Tensor:
    """The 4-D attention mask (rows, 1, longest, longest) of packed rows: a subword sees the
    subwords of its own window only; padding sees itself (a row with nothing to attend to would
    be NaN). Boolean (true: attend) for SDPA and the fused kernels, additive for eager attention."""
    owner = torch.full((len(row_segments), longest), -1, dtype=torch.long)
    for row, lengths in enumerate(row_segments):
        owner[row, : sum(lengths)] = torch.repeat_interleave(torch.arange(len(lengths)), torch.tensor(lengths))
    same = (owner.unsqueeze(2) == owner.unsqueeze(1)) & (owner.unsqueeze(1) >= 0)
    same |= torch.eye(longest, dtype=torch.bool)
    mask = same.unsqueeze(1)
    if implementation == "eager":
        return torch.zeros(mask.shape).masked_fill(~mask, torch.finfo(torch.float32).min)
    return mask


def packed_batch(rows: Sequence[Sequence[Segment]], pad_id: int, implementation: str) -> Batch:
    """Tensors for rows of several windows each (see :class:`Batch`)."""
    lengths = [[len(s.encoded.input_ids) for s in row] for row in rows]
    longest = max(sum(row) for row in lengths)
    most_words = max(sum(len(s.encoded.word_starts) for s in row) for row in rows)
    input_ids = torch.full((len(rows), longest), pad_id, dtype=torch.long)
    positions = torch.zeros((len(rows), longest), dtype=torch.long)
    word_index = torch.zeros((len(rows), most_words), dtype=torch.long)
    word_mask = torch.zeros((len(rows), most_words), dtype=torch.bool)
    reads_gazetteer = rows[0][0].encoded.gazetteer is not None
    gazetteer = torch.zeros((len(rows), most_words), dtype=torch.long)
    placed: list[Segment] = []
    for number, row in enumerate(rows):
        offset = column = 0
        for segment in row:
            ids, starts = segment.encoded.input_ids, segment.encoded.word_starts
            input_ids[number, offset : offset + len(ids)] = torch.tensor(ids)
            positions[number, offset : offset + len(ids)] = torch.arange(len(ids))
            word_index[number, column : column + len(starts)] = torch.tensor(starts) + offset
            word_mask[number, column : column + len(starts)] = True
            if reads_gazetteer:
                if segment.encoded.gazetteer is None:
                    raise ValueError("a batch mixes inputs with and without gazetteer tags")
                gazetteer[number, column : column + len(starts)] = torch.tensor(segment.encoded.gazetteer)
            placed.append(Segment(segment.sentence, segment.window, segment.encoded, number, offset, column))
            offset += len(ids)
            column += len(starts)
    tensors = {
        "input_ids": input_ids,
        "attention_mask": block_mask(lengths, longest, implementation),
        "position_ids": positions,
        "word_index": word_index,
        "word_mask": word_mask,
    }
    if reads_gazetteer:
        tensors["gazetteer"] = gazetteer
    return Batch(placed, tensors)


def flat_batch(segments: Sequence[Segment]) -> Batch:
    """Tensors for windows laid end to end (see :class:`Batch`)."""
    ids = [i for segment in segments for i in segment.encoded.input_ids]
    positions = [p for segment in segments for p in range(len(segment.encoded.input_ids))]
    words = [len(segment.encoded.word_starts) for segment in segments]
    most = max(words)
    tensors = {
        "input_ids": torch.tensor(ids, dtype=torch.long),
        "position_ids": torch.tensor(positions, dtype=torch.long),
        "word_mask": torch.arange(most).unsqueeze(0) < torch.tensor(words).unsqueeze(1),
    }
    if segments[0].encoded.gazetteer is not None:
        gazetteer = torch.zeros(len(segments), most, dtype=torch.long)
        for row, segment in enumerate(segments):
            gazetteer[row, : words[row]] = torch.tensor(segment.encoded.gazetteer, dtype=torch.long)
        tensors["gazetteer"] = gazetteer
    placed = [Segment(s.sentence, s.window, s.encoded, row) for row, s in enumerate(segments)]
    return Batch(placed, tensors, flat=True)


def flat_batches(segments: list[Segment], batch_size: int) -> list[Batch]:
    """Windows, shortest first, cut into batches of at most ``batch_size`` windows and
    :data:`MAX_BATCH_SUBWORDS` subwords: no padding to weigh, so as few passes as that allows."""
    ordered = sorted(segments, key=lambda s: len(s.encoded.input_ids))
    batches, current, used = [], [], 0
    for segment in ordered:
        size = len(segment.encoded.input_ids)
        if current and (used + size > MAX_BATCH_SUBWORDS or len(current) >= batch_size):
            batches.append(flat_batch(current))
            current, used = [], 0
        current.append(segment)
        used += size
    if current:
        batches.append(flat_batch(current))
    return batches


def attention_implementation(network) -> str:
    config = getattr(getattr(network, "encoder", None), "config", None)
    return getattr(config, "_attn_implementation", None) or "sdpa"
