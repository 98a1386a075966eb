"""What a run trains on: the corpus's training notes (a seeded share, SamBD if asked), samples
of the open corpora and of the weakly labelled notes, turned into model inputs and batches."""

from __future__ import annotations

import functools
import hashlib
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass

import torch

from engine.data.bio import entity_ranges
from engine.data.corpus import Corpus, TaggedSentence
from engine.data.open import NOTES_CORPUS
from engine.data.sambd import sambd
from engine.labels import TAG_TO_ID, TAGS
from engine.models.base import TrainingSettings
from engine.models.encoding import EncodedInput, build_input, collate, gazetteer_inputs, windows, word_pieces
from engine.models.tagger import NeuralTagger
from engine.types import Document


@dataclass(frozen=True)
class Example:
    """One model input with its gold tag ids; ``allowed`` (the tag ids each word may take) only
    for a partially labelled sentence."""

    encoded: EncodedInput
    tags: list[int]
    allowed: tuple[tuple[int, ...], ...] | None = None


def select_documents(documents: Sequence[Document], fraction: float, seed: int) -> list[Document]:
    """A seeded subset of ``fraction`` of the documents; smaller fractions nest in larger ones."""
    if not 0.0 < fraction <= 1.0:
        raise ValueError(f"train fraction must be in (0, 1], got {fraction}")
    order = sorted(documents, key=lambda d: d.id)
    random.Random(f"fraction:{seed}").shuffle(order)
    chosen = {d.id for d in order[: max(1, math.ceil(fraction * len(order)))]}
    return [d for d in documents if d.id in chosen]


def fingerprint(documents: Sequence[Document]) -> str:
    """sha256 over the training notes and their spans: which data a model saw."""
    digest = hashlib.sha256()
    for document in sorted(documents, key=lambda d: d.id):
        digest.update(document.id.encode() + b"\0" + document.text.encode() + b"\0")
        for span in document.spans:
            digest.update(f"{span.start}:{span.end}:{span.label};".encode())
    return digest.hexdigest()


def examples(tagger: NeuralTagger, sentences: Sequence[TaggedSentence], max_length: int) -> list[Example]:
    """Model inputs for tagged sentences; sentences over ``max_length`` subwords become chunks."""
    tokenizer = tagger.tokenizer
    texts = [[w.text for w in s.words] for s in sentences]
    pieces = word_pieces(tokenizer, texts)
    matches = gazetteer_inputs(tagger.config, texts)
    result: list[Example] = []
    for sentence, sentence_pieces, match in zip(sentences, pieces, matches, strict=True):
        allowed = tuple(sentence.allowed()) if sentence.partial else None
        for start, end in windows(sentence_pieces, max_length=max_length, stride=0):
            encoded = build_input(
                sentence_pieces,
                start,
                end,
                max_length=max_length,
                cls_id=tokenizer.cls_token_id,
                sep_id=tokenizer.sep_token_id,
                gazetteer=match,
            )
            tags = [TAG_TO_ID[tag] for tag in sentence.tags[start:end]]
            result.append(Example(encoded, tags, allowed[start:end] if allowed is not None else None))
    return result


def training_drugs(sentences: Sequence[TaggedSentence]) -> frozenset[str]:
    """The Drug names of the training sentences, as :func:`engine.scores.strict.drug_name` writes them."""
    return frozenset(
        " ".join(word.text.lower() for word in sentence.words[first : last + 1])
        for sentence in sentences
        for first, last, label in entity_ranges(sentence.tags, strict=True)
        if label == "Drug"
    )


def batches(items: Sequence[Example], batch_size: int, rng: random.Random) -> list[list[Example]]:
    """Batches of similar length (little padding), in a shuffled order."""
    order = sorted(range(len(items)), key=lambda i: (len(items[i].encoded.input_ids), rng.random()))
    grouped = [[items[i] for i in order[s : s + batch_size]] for s in range(0, len(order), batch_size)]
    rng.shuffle(grouped)
    return grouped


def to_tensors(batch: Sequence[Example], pad_id: int) -> dict[str, torch.Tensor]:
    """The network's inputs and targets; ``allowed`` (batch, words, tags) when a row is partial."""
    tensors = collate([example.encoded for example in batch], pad_id)
    tags = torch.full(tensors["word_mask"].shape, -100, dtype=torch.long)
    for row, example in enumerate(batch):
        tags[row, : len(example.tags)] = torch.tensor(example.tags)
    tensors["tags"] = tags
    if any(example.allowed is not None for example in batch):
        allowed = torch.zeros((*tags.shape, len(TAGS)), dtype=torch.bool)
        for row, example in enumerate(batch):
            for word, options in enumerate(example.allowed or [(tag,) for tag in example.tags]):
                allowed[row, word, list(options)] = True
        allowed[~tensors["word_mask"], TAG_TO_ID["O"]] = True  # padding: never read, kept valid
        tensors["allowed"] = allowed
    return tensors


@functools.cache
def open_train_sentences(name: str) -> tuple[TaggedSentence, ...]:
    """The tagged sentences of an open corpus's train split, read once per process: the vendored
    archives do not change, and reading and tagging TAC 2017 takes seconds that every run with
    open corpora (each recipe of an experiment) would otherwise pay again."""
    from engine.data.open import open_corpus

    corpus = open_corpus(name).load()
    return tuple(corpus.sentences(corpus.documents("train")))


def open_training_sentences(names: Sequence[str], limit: int, seed: int) -> list[TaggedSentence]:
    """A seeded sample of at most ``limit`` training sentences of each open corpus, each carrying
    its corpus's coverage (partial labels)."""
    chosen: list[TaggedSentence] = []
    for name in names:
        candidates = open_train_sentences(name)
        rng = random.Random(f"open:{name}:{seed}")
        chosen.extend(rng.sample(candidates, min(limit, len(candidates))))
    return chosen


@dataclass
class TrainingData:
    """What one run trains on, prepared once: sentences, the notes behind them, dev notes."""

    documents: list[Document]
    sentences: list[TaggedSentence]
    dev_documents: list[Document]
    texts: list[str]
    sampling: dict | None


def prepare_data(corpus: Corpus, settings: TrainingSettings) -> TrainingData:
    """The training sentences: the corpus's train split (SamBD-sampled if asked), then a sample
    of each open corpus named in the settings and of the weakly labelled clinician-written
    notes; dev notes for the early-stopping decision."""
    documents = select_documents(corpus.documents("train"), settings.train_fraction, settings.seed)
    sentences = corpus.sentences(documents)
    sampling = None
    if settings.sambd:
        sentences, report = sambd(sentences, keep=settings.sambd_keep, seed=settings.seed)
        sampling = report.as_dict()
    texts = [d.text for d in documents]
    extra = []
    if settings.open_corpora:
        extra += open_training_sentences(settings.open_corpora, settings.open_sentences, settings.seed)
    if settings.note_sentences:
        extra += open_training_sentences((NOTES_CORPUS,), settings.note_sentences, settings.seed)
    sentences = sentences + extra
    texts += [" ".join(word.text for word in sentence.words) for sentence in extra]
    return TrainingData(documents, sentences, corpus.splits.get("dev", []), texts, sampling)
