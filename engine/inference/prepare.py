"""Stage 1 of the pipeline (:mod:`engine.inference.pipeline`): notes' sentences made ready for
the encoder once. Each sentence's words become subwords, a sentence longer than the encoder's
window becomes overlapping windows (:mod:`engine.models.encoding`), and the windows are laid out
without padding (:mod:`engine.inference.batches`): end to end for BERT and DistilBERT encoders
(:mod:`engine.models.unpadded`), packed rows for any other."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from engine.data.tokenize import Sentence
from engine.inference.batches import (
    BATCH_SIZE,
    PACK_SUBWORDS,
    Batch,
    Segment,
    attention_implementation,
    capped,
    flat_batches,
    length_groups,
    pack_rows,
    packed_batch,
)
from engine.models import unpadded
from engine.models.encoding import (
    build_input,
    collate,
    gazetteer_inputs,
    windows,
    word_pieces,
)


@dataclass(frozen=True)
class Plan:
    """A list of sentences made ready for the network: batches of rows, and for each sentence
    the word range of each of its windows."""

    batches: list[Batch]
    windows_of: list[list[tuple[int, int]]]

    @property
    def subwords(self) -> int:
        return sum(len(segment.encoded.input_ids) for batch in self.batches for segment in batch.segments)

    @property
    def padded_subwords(self) -> int:
        return sum(batch.tensors["input_ids"].numel() for batch in self.batches)


def prepare(tagger, split: Sequence[Sentence], *, batch_size: int = BATCH_SIZE, pack: bool = True) -> Plan:
    """Tokenize each sentence once, cut long ones into windows, pack short windows into shared
    rows (``pack=False``: one window a row), and batch the rows by length: sorted, and a new batch
    begins only where padding the current one further would cost more than one more forward pass
    (:data:`BATCH_COST_SUBWORDS`)."""
    config, tokenizer = tagger.config, tagger.tokenizer
    texts = [[w.text for w in s.words] for s in split]
    pieces = word_pieces(tokenizer, texts)
    matches = gazetteer_inputs(config, texts)
    segments: list[Segment] = []
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
            segments.append(Segment(index, number, encoded))
    if pack and unpadded.supports(getattr(tagger.network, "encoder", None)):
        return Plan(flat_batches(segments, batch_size), windows_of)
    sizes = [len(segment.encoded.input_ids) for segment in segments]
    if pack:
        rows = [[segments[i] for i in row] for row in pack_rows(sizes, PACK_SUBWORDS)]
    else:
        rows = [[segment] for segment in segments]
    rows.sort(key=lambda row: sum(len(s.encoded.input_ids) for s in row))

    def row_length(row: Sequence[Segment]) -> int:
        return sum(len(s.encoded.input_ids) for s in row)

    groups = [
        chunk
        for group in length_groups([row_length(row) for row in rows], rows)
        for chunk in capped(group, batch_size, row_length)
    ]
    implementation = attention_implementation(tagger.network)
    batches = []
    for group in groups:
        if all(len(row) == 1 for row in group):
            tensors = collate([row[0].encoded for row in group], tokenizer.pad_token_id)
            placed = [
                Segment(row[0].sentence, row[0].window, row[0].encoded, number) for number, row in enumerate(group)
            ]
            batches.append(Batch(placed, tensors))
        else:
            batches.append(packed_batch(group, tokenizer.pad_token_id, implementation))
    return Plan(batches, windows_of)
