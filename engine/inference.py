"""The one annotation pipeline, which the app, the command line, experiments, training's dev
scores and the benches all call:

1. **prepare** (:func:`prepare`): notes are split into sentences, each sentence's words into
   subwords once, a sentence longer than the encoder's window into overlapping windows
   (:mod:`engine.models.encoding`), and the windows are *packed*: several short ones share one
   row of subwords, each with its own [CLS] ... [SEP], position ids that restart at 0, and an
   attention mask that is block-diagonal, so no window sees another and every word gets the
   label it would get in a row of its own. Rows are then batched by length.
2. **forward** (:func:`forward`): the encoder over each batch on the model's device, under
   ``torch.inference_mode`` and the precision's autocast (:mod:`engine.devices`).
3. **decode** (:func:`tag_and_score`): each window's word scores are cut back out of its row,
   Viterbi (or argmax) gives the tags, windows are merged by the rule of encoding.py, and each
   entity gets its probability under the model.
4. **spans** (:func:`annotate`): tags become character spans of each note, and attributes far
   from any medication are dropped (:func:`anchored`).

:class:`Pipeline` holds a loaded model with these choices (device, precision, anchor) and is
what callers keep: ``Pipeline(tagger).predict(texts)``.

Why pack: most pasted notes are short, and a short sentence is a row that costs a pass over
every weight whatever its length. Packing puts a 100-word note in one row instead of batches of
a few padded sentences; the price is attention computed (and masked) across the whole row, so
rows are held to :data:`PACK_SUBWORDS`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import torch

from engine.data.bio import entity_ranges, tags_to_spans
from engine.data.tokenize import Sentence, sentences
from engine.devices import autocast, resolve_device, resolve_precision
from engine.models import unpadded
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
from engine.models.tagger import load_tagger
from engine.types import Span

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


def _length_groups(lengths: list[int], items: list) -> list[list]:
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


def _capped(group: list, batch_size: int, length=lambda item: len(item.encoded.input_ids)) -> list[list]:
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


def _block_mask(row_segments: Sequence[Sequence[int]], longest: int, implementation: str) -> torch.Tensor:
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


def _packed_batch(rows: Sequence[Sequence[Segment]], pad_id: int, implementation: str) -> Batch:
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
        "attention_mask": _block_mask(lengths, longest, implementation),
        "position_ids": positions,
        "word_index": word_index,
        "word_mask": word_mask,
    }
    if reads_gazetteer:
        tensors["gazetteer"] = gazetteer
    return Batch(placed, tensors)


def _flat_batch(segments: Sequence[Segment]) -> Batch:
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


def _flat_batches(segments: list[Segment], batch_size: int) -> list[Batch]:
    """Windows, shortest first, cut into batches of at most ``batch_size`` windows and
    :data:`MAX_BATCH_SUBWORDS` subwords: no padding to weigh, so as few passes as that allows."""
    ordered = sorted(segments, key=lambda s: len(s.encoded.input_ids))
    batches, current, used = [], [], 0
    for segment in ordered:
        size = len(segment.encoded.input_ids)
        if current and (used + size > MAX_BATCH_SUBWORDS or len(current) >= batch_size):
            batches.append(_flat_batch(current))
            current, used = [], 0
        current.append(segment)
        used += size
    if current:
        batches.append(_flat_batch(current))
    return batches


def _attention_implementation(network) -> str:
    config = getattr(getattr(network, "encoder", None), "config", None)
    return getattr(config, "_attn_implementation", None) or "sdpa"


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
        return Plan(_flat_batches(segments, batch_size), windows_of)
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
        for group in _length_groups([row_length(row) for row in rows], rows)
        for chunk in _capped(group, batch_size, row_length)
    ]
    implementation = _attention_implementation(tagger.network)
    batches = []
    for group in groups:
        if all(len(row) == 1 for row in group):
            tensors = collate([row[0].encoded for row in group], tokenizer.pad_token_id)
            placed = [
                Segment(row[0].sentence, row[0].window, row[0].encoded, number) for number, row in enumerate(group)
            ]
            batches.append(Batch(placed, tensors))
        else:
            batches.append(_packed_batch(group, tokenizer.pad_token_id, implementation))
    return Plan(batches, windows_of)


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
            return network.head(states[rows], tensors.get("gazetteer")).float()
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


def tag_and_score(
    tagger,
    split: Sequence[Sentence],
    *,
    batch_size: int = BATCH_SIZE,
    precision: str = "auto",
    confidence: bool = True,
    pack: bool = True,
) -> Tagged:
    """IOB2 tags for every word of every sentence (windows merged by the rule of encoding.py), and
    each entity's probability (:meth:`engine.models.network.WordTagger.span_probabilities`),
    computed in the window that predicts the entity's first word: a CRF's forward-backward
    marginal, or the product of the word probabilities without one. An entity that runs past the
    end of that window (a sentence longer than a window, rare) is scored on the part inside it.
    With ``confidence=False`` no probability is computed (training's dev scores need none).
    The network runs where its weights are (:func:`device_of`)."""
    config, network = tagger.config, tagger.network
    prepared = prepare(tagger, split, batch_size=batch_size, pack=pack)
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
            kept = scores.cpu() if confidence else None
            for row, segment in enumerate(batch.segments):
                words = len(segment.encoded.word_starts)
                predicted[segment.sentence, segment.window] = decoded[row, :words].tolist()
                if kept is not None:
                    scores_of[segment.sentence, segment.window] = kept[row, :words]
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
    tagger, split: Sequence[Sentence], *, batch_size: int = BATCH_SIZE, precision: str = "auto", pack: bool = True
) -> list[list[str]]:
    """IOB2 tags for every word of every sentence (windows merged by the rule of encoding.py)."""
    return tag_and_score(tagger, split, batch_size=batch_size, precision=precision, confidence=False, pack=pack).tags


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
    pack: bool = True,
) -> list[list[Span]]:
    """Spans for each note, in character offsets of that note, each with its probability
    (``Span.confidence``, :func:`tag_and_score`). Empty notes give no spans. Attributes far from
    any medication are dropped (:func:`anchored`; ``anchor=None`` keeps them). ``confidence=False``
    leaves the probabilities out (None), for callers that only count spans. ``pack=False`` gives
    every window a row of its own (the same labels, slower on short notes)."""
    split_notes = [sentences(text) for text in texts]
    flat = [sentence for note in split_notes for sentence in note]
    tagged = (
        tag_and_score(tagger, flat, batch_size=batch_size, precision=precision, confidence=confidence, pack=pack)
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


@dataclass
class Pipeline:
    """A loaded model made ready to annotate: the :class:`engine.models.tagger.NeuralTagger`
    moved to ``device``, with the precision, the anchoring window and packing to use. It is the
    :class:`engine.models.base.Tagger` the rest of the product calls (``predict``)."""

    tagger: object
    device: torch.device = field(default_factory=lambda: torch.device("cpu"))
    precision: str = "auto"
    anchor: int | None = ANCHOR_SENTENCES
    pack: bool = True
    batch_size: int = BATCH_SIZE

    def __post_init__(self) -> None:
        self.device = torch.device(self.device)
        self.precision = resolve_precision(self.precision, self.device)
        self.tagger.network.to(self.device).eval()

    @property
    def name(self) -> str:
        return self.tagger.name

    def predict(self, texts: Sequence[str], *, confidence: bool = True) -> list[list[Span]]:
        """Spans of each note (:func:`annotate`)."""
        return annotate(
            self.tagger,
            texts,
            batch_size=self.batch_size,
            precision=self.precision,
            anchor=self.anchor,
            confidence=confidence,
            pack=self.pack,
        )


def load_pipeline(
    folder: Path | str,
    *,
    device: str | torch.device | None = None,
    precision: str = "auto",
    anchor: int | None = ANCHOR_SENTENCES,
) -> Pipeline:
    """The model folder loaded onto ``device`` (default ``$MEDNER_DEVICE`` or auto:
    :func:`engine.devices.resolve_device`), ready to ``predict``."""
    chosen = device if isinstance(device, torch.device) else resolve_device(device)
    return Pipeline(load_tagger(folder), chosen, precision, anchor)
