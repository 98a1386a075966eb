"""The one annotation pipeline, which the app, the command line, experiments, training's dev
scores and the benches all call:

1. **prepare** (:func:`engine.inference.prepare.prepare`): notes are split into sentences, each sentence's words into
   subwords once, a sentence longer than the encoder's window into overlapping windows
   (:mod:`engine.models.encoding`), and the windows laid out without padding
   (:mod:`engine.inference.batches`): for BERT and DistilBERT encoders end to end, attention within each
   window only (:mod:`engine.models.unpadded`); for any other encoder *packed*, several short
   windows to a row, each with its own [CLS] ... [SEP], position ids that restart at 0 and a
   block-diagonal attention mask. Either way no window sees another and every word gets the
   label it would get in a row of its own.
2. **forward** (:func:`engine.inference.decode.forward`): the encoder over each batch on the model's device, under
   ``torch.inference_mode`` and the precision's autocast (:mod:`engine.devices`).
3. **decode** (:func:`engine.inference.decode.tag_and_score`): each window's word scores are cut back out of the batch,
   Viterbi (or argmax) gives the tags, windows are merged by the rule of encoding.py, and each
   entity gets its probability under the model.
4. **spans** (:func:`annotate`): tags become character spans of each note, and the span rules of
   :mod:`engine.inference.rules` apply: Drug spans named like a condition no medicine list knows
   are dropped, drug-dictionary names the model left out are added where the model gives them
   enough probability, and attributes far from any medication and ADEs with no cause are
   dropped.
5. **link** (:meth:`Pipeline.link`): each attribute is attached to its Drug by the model
   folder's linker (:mod:`engine.notes.linking`; the learned one, or the nearest-drug rule where
   none can be read), written as BRAT relations.

:class:`Pipeline` holds a loaded model with these choices (device, precision, anchor, linker)
and is what callers keep: ``Pipeline(tagger).predict(texts)`` for spans,
``.documents(notes)`` for spans and relations.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import KW_ONLY, dataclass, field
from pathlib import Path

import torch

from engine.data.bio import predicted_spans
from engine.data.gazetteer import lexicon_gazetteer
from engine.data.tokenize import Sentence, sentences
from engine.devices import resolve_device, resolve_precision
from engine.inference.batches import (
    BATCH_SIZE,
)
from engine.inference.decode import Tagged, tag_and_score
from engine.inference.rules import BACKSTOP_PROBABILITY, dictionary_proposals, note_rules
from engine.models.base import ANCHOR_SENTENCES
from engine.models.tagger import load_tagger
from engine.notes.linking import load_linker, with_relations
from engine.types import Document, Span


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
    (``Span.confidence``, :func:`engine.inference.decode.tag_and_score`), read from the tags by the rules of
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
    proposals = _proposals(tagger, texts, split_notes) if anchor is not None and flat else None
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


def _proposals(tagger, texts: Sequence[str], split_notes: Sequence[Sequence[Sentence]]) -> list[list[tuple[int, int]]]:
    """For every sentence of every note, the drug-dictionary names the backstop may add
    (:func:`engine.inference.rules.dictionary_proposals`), read with the model's own lexicon."""
    gazetteer = lexicon_gazetteer(tagger.config.lexicon)
    return [
        dictionary_proposals(gazetteer, text, sentence)
        for text, note in zip(texts, split_notes, strict=True)
        for sentence in note
    ]


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
    #: what attaches attributes to Drugs after tagging (:func:`engine.notes.linking.load_linker`)
    linker: object = None

    def __post_init__(self) -> None:
        self.device = torch.device(self.device)
        self.precision = resolve_precision(self.precision, self.device)
        self.tagger.network.to(self.device).eval()
        if self.linker is None:
            self.linker = load_linker(None)

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

    def link(self, document: Document) -> Document:
        """The last stage: ``document``'s attributes attached to its Drugs by the linker, as
        relations (:func:`engine.notes.linking.with_relations`)."""
        return with_relations(document, self.linker.links(document))

    def documents(self, notes: Sequence[tuple[str, str]], *, confidence: bool = True) -> list[Document]:
        """Each ``(id, text)`` note tagged (:meth:`predict`) and linked (:meth:`link`)."""
        predicted = self.predict([text for _, text in notes], confidence=confidence)
        return [
            self.link(Document(name, text, tuple(spans))) for (name, text), spans in zip(notes, predicted, strict=True)
        ]


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
    return Pipeline(load_tagger(folder), chosen, precision=precision, anchor=anchor, linker=load_linker(folder))
