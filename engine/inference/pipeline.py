"""The one annotation pipeline, which the app, the command line, experiments, training's dev
scores and the benches all call:

1. **prepare** (:func:`prepare`): notes are split into sentences, each sentence's words into
   subwords once, a sentence longer than the encoder's window into overlapping windows
   (:mod:`engine.models.encoding`), and the windows laid out without padding
   (:mod:`engine.inference.batches`): for BERT and DistilBERT encoders end to end, attention within each
   window only (:mod:`engine.models.unpadded`); for any other encoder *packed*, several short
   windows to a row, each with its own [CLS] ... [SEP], position ids that restart at 0 and a
   block-diagonal attention mask. Either way no window sees another and every word gets the
   label it would get in a row of its own.
2. **forward** (:func:`forward`): the encoder over each batch on the model's device, under
   ``torch.inference_mode`` and the precision's autocast (:mod:`engine.devices`).
3. **decode** (:func:`tag_and_score`): each window's word scores are cut back out of the batch,
   Viterbi (or argmax) gives the tags, windows are merged by the rule of encoding.py, and each
   entity gets its probability under the model.
4. **spans** (:func:`annotate`): tags become character spans of each note, and the span rules of
   :mod:`engine.inference.rules` apply: Drug spans named like a condition no medicine list knows
   are dropped, drug-dictionary names the model left out are added where the model gives them
   enough probability, and attributes far from any medication and ADEs with no cause are
   dropped.

:class:`Pipeline` holds a loaded model with these choices (device, precision, anchor) and is
what callers keep: ``Pipeline(tagger).predict(texts)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import KW_ONLY, dataclass, field
from pathlib import Path

import torch

from engine.data.bio import entity_ranges, predicted_spans
from engine.data.gazetteer import lexicon_gazetteer
from engine.data.tokenize import Sentence, sentences
from engine.devices import autocast, resolve_device, resolve_precision
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
from engine.inference.rules import BACKSTOP_PROBABILITY, dictionary_proposals, note_rules
from engine.models import unpadded
from engine.models.base import ANCHOR_SENTENCES
from engine.models.encoding import (
    build_input,
    collate,
    gazetteer_inputs,
    owner_windows,
    windows,
    word_pieces,
)
from engine.models.tagger import load_tagger
from engine.types import Span


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
            kept = scores.cpu() if confidence or proposals else None
            for row, segment in enumerate(batch.segments):
                words = len(segment.encoded.word_starts)
                predicted[segment.sentence, segment.window] = decoded[row, :words].tolist()
                if kept is not None:
                    scores_of[segment.sentence, segment.window] = kept[row, :words]
    tags = config.tags
    result: list[list[str]] = []
    # (sentence, (first, last), window, first and last word in the window, B tag id, I tag id, proposed)
    wanted: list[tuple[int, tuple[int, int], int, int, int, int, int, bool]] = []
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
    confidence: list[dict[tuple[int, int], float]] = [{} for _ in split]
    proposed_scores: list[dict[tuple[int, int], float]] = [{} for _ in split]
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
            (row_of[index, window], a, b, begin_id, inside_id)
            for index, _, window, a, b, begin_id, inside_id, _ in wanted
        ]
        with torch.inference_mode():
            probabilities = network.span_probabilities(batch_scores, mask, requests).tolist()
        for (index, key, *_, proposed), value in zip(wanted, probabilities, strict=True):
            (proposed_scores if proposed else confidence)[index][key] = float(value)
    return Tagged(result, confidence, proposed_scores)


def tag_sentences(
    tagger, split: Sequence[Sentence], *, batch_size: int = BATCH_SIZE, precision: str | None = None, pack: bool = True
) -> list[list[str]]:
    """IOB2 tags for every word of every sentence (windows merged by the rule of encoding.py)."""
    return tag_and_score(tagger, split, batch_size=batch_size, precision=precision, confidence=False, pack=pack).tags


def annotate(
    tagger,
    texts: Sequence[str],
    *,
    batch_size: int = BATCH_SIZE,
    precision: str | None = None,
    anchor: int | None = ANCHOR_SENTENCES,
    confidence: bool = True,
    pack: bool = True,
) -> list[list[Span]]:
    """Spans for each note, in character offsets of that note, each with its probability
    (``Span.confidence``, :func:`tag_and_score`), read from the tags by the rules of
    :func:`engine.data.bio.tidy_ranges`: no span crosses a line break, starts or ends on a bracket,
    dash or comma, or holds no letter or digit, and a Drug's trailing form and route words are
    spans of their own. Empty notes give no spans. A Drug span named like a condition that no
    medicine list knows is dropped, a drug-dictionary name the model left out becomes a Drug span
    where the model gives it enough probability, attributes far from any medication are dropped,
    and so are adverse events whose sentence names no drug or says nothing of a cause
    (:mod:`engine.inference.rules`, :func:`~engine.inference.rules.note_rules`); ``anchor=None``
    applies none of these four rules. ``confidence=False``
    leaves the probabilities out (None), for callers that only count spans. ``pack=False`` gives
    every window a row of its own (the same labels, slower on short notes)."""
    split_notes = [sentences(text) for text in texts]
    flat = [sentence for note in split_notes for sentence in note]
    proposals = None
    if anchor is not None and flat:
        gazetteer = lexicon_gazetteer(tagger.config.lexicon)
        proposals = [
            dictionary_proposals(gazetteer, text, sentence)
            for text, note in zip(texts, split_notes, strict=True)
            for sentence in note
        ]
    tagged = (
        tag_and_score(
            tagger,
            flat,
            batch_size=batch_size,
            precision=precision,
            confidence=confidence,
            pack=pack,
            proposals=proposals,
        )
        if flat
        else Tagged([], [])
    )
    result: list[list[Span]] = []
    position = 0
    for text, note in zip(texts, split_notes, strict=True):
        per_sentence = [
            predicted_spans(text, sentence.words, tagged.tags[position + i], tagged.confidence[position + i])
            for i, sentence in enumerate(note)
        ]
        proposed = tagged.proposed[position : position + len(note)]
        position += len(note)
        result.append(
            note_rules(
                text,
                note,
                per_sentence,
                proposed,
                anchor=anchor,
                threshold=BACKSTOP_PROBABILITY,
                probabilities=confidence,
            )
        )
    return result


@dataclass
class Pipeline:
    """A loaded model made ready to annotate: the :class:`engine.models.tagger.NeuralTagger`
    moved to ``device``, with the precision, the anchoring window and packing to use. It is the
    :class:`engine.models.base.Tagger` the rest of the product calls (``predict``)."""

    tagger: object
    device: torch.device = field(default_factory=lambda: torch.device("cpu"))
    _: KW_ONLY
    precision: str | None = None
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
    precision: str | None = None,
    anchor: int | None = ANCHOR_SENTENCES,
) -> Pipeline:
    """The model folder loaded onto ``device`` (default ``$MEDNER_DEVICE`` or auto:
    :func:`engine.devices.resolve_device`), ready to ``predict``."""
    chosen = device if isinstance(device, torch.device) else resolve_device(device)
    return Pipeline(load_tagger(folder), chosen, precision=precision, anchor=anchor)
