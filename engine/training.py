"""The training loop: seeded, early stopping on dev strict macro F1, progress callbacks, atomic
save, on any device (``device``: :func:`engine.devices.resolve_device`; bf16 or fp16 autocast on
GPUs), and unchanged under ``torchrun --nproc_per_node N`` (DistributedDataParallel: NCCL
between GPUs, one GPU per process by ``LOCAL_RANK``; gloo between CPU processes)."""

from __future__ import annotations

import functools
import hashlib
import math
import os
import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel
from transformers import get_linear_schedule_with_warmup

from engine.data.bio import entity_ranges
from engine.data.corpus import Corpus, TaggedSentence, load_corpus
from engine.data.open import NOTES_CORPUS
from engine.data.sambd import sambd
from engine.devices import autocast, describe, distributed_backend, resolve_device, resolve_precision
from engine.inference.pipeline import annotate
from engine.labels import TAG_TO_ID, TAGS
from engine.models.base import TrainingSettings
from engine.models.encoding import EncodedInput, build_input, collate, gazetteer_inputs, windows, word_pieces
from engine.models.kinds import Kind
from engine.models.registry import build_tagger, kind
from engine.models.tagger import NeuralTagger
from engine.scores.report import evaluate
from engine.types import Document


@dataclass(frozen=True)
class Recipe:
    """What one training run builds and how, resolved once (:func:`recipe`) wherever the run
    comes from (the command line, a Train-page job, a saved model's config, the demo table) and
    then passed down whole."""

    kind: Kind
    settings: TrainingSettings
    encoder: str | None = None
    size: str = "small"
    tokenizer: str | None = None
    gazetteer: bool = False
    lexicon: str = "drugbank"

    def describe(self) -> str:
        feature = ("gazetteer" + (f" ({self.lexicon})" if self.lexicon != "drugbank" else "")) if self.gazetteer else ""
        extras = [f"encoder {self.encoder}" if self.encoder else "", feature]
        if self.kind.scratch:
            extras.insert(0, f"size {self.size}")
        return ", ".join([self.kind.name, *filter(None, extras)])


_RECIPE_FIELDS = ("encoder", "size", "tokenizer", "gazetteer", "lexicon")


def recipe(kind_name: str, values: Mapping[str, object] | None = None) -> Recipe:
    """The one place a run's options are resolved: ``values`` holds any of :class:`Recipe`'s
    fields and :class:`TrainingSettings`'s (None or absent: the default; the learning rate
    defaults to the kind's). Unknown keys are an error that names them."""
    spec = kind(kind_name)
    given = {key: value for key, value in (values or {}).items() if value is not None}
    settings_fields = {f.name: f for f in fields(TrainingSettings)}
    unknown = sorted(set(given) - set(settings_fields) - set(_RECIPE_FIELDS))
    if unknown:
        raise ValueError(f"unknown training options: {', '.join(unknown)}")
    settings = TrainingSettings(learning_rate=spec.learning_rate)
    chosen = {}
    for name, value in given.items():
        if name not in settings_fields:
            continue
        default = getattr(settings, name)
        if isinstance(default, tuple):
            chosen[name] = tuple(value.split(",") if isinstance(value, str) else value)
        else:
            chosen[name] = type(default)(value)
    options = {name: given[name] for name in _RECIPE_FIELDS if name in given}
    if "gazetteer" in options:
        options["gazetteer"] = bool(options["gazetteer"])
    if options.get("encoder") == "":
        options["encoder"] = None
    return Recipe(spec, TrainingSettings(**{**asdict(settings), **chosen}), **options)


@dataclass(frozen=True)
class Progress:
    """One report from the loop: ``event`` is "step" after a batch, "epoch" after the dev score."""

    event: str
    epoch: int
    epochs: int
    step: int
    steps: int
    loss: float
    dev_macro_f1: float | None = None
    best_dev_macro_f1: float | None = None
    stopped_early: bool = False


@dataclass
class TrainResult:
    folder: Path
    best_epoch: int
    best_dev_macro_f1: float | None
    epochs_run: int
    seconds: float
    parameters: int
    history: list[dict] = field(default_factory=list)
    sampling: dict | None = None


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


def dev_macro_f1(tagger: NeuralTagger, documents: Sequence[Document]) -> float:
    """Strict span macro F1 of the tagger on whole dev notes."""
    predicted = annotate(tagger, [d.text for d in documents], confidence=False)
    guesses = [Document(d.id, d.text, tuple(spans)) for d, spans in zip(documents, predicted, strict=True)]
    return evaluate(documents, guesses).macro_f1()


def adamw(groups: list[dict], *, weight_decay: float) -> torch.optim.AdamW:
    """AdamW, fused into one kernel where this torch build has it: the same update, and on 2 CPU
    cores a MiniLM step takes 230 ms instead of 353 ms (bench/train_step.py)."""
    try:
        return torch.optim.AdamW(groups, weight_decay=weight_decay, fused=True)
    except (RuntimeError, ValueError):  # a device or dtype the fused kernel does not cover
        return torch.optim.AdamW(groups, weight_decay=weight_decay)


def _seed_everything(seed: int) -> None:
    random.seed(seed)
    torch.manual_seed(seed)


def _distributed(device: torch.device) -> tuple[int, int]:
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world > 1 and not dist.is_initialized():
        if device.type == "cuda":
            torch.cuda.set_device(device)
        dist.init_process_group(distributed_backend(device))
    return (dist.get_rank(), world) if world > 1 else (0, 1)


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


def make_optimizer(network: torch.nn.Module, settings: TrainingSettings, total_steps: int):
    """AdamW with the CRF's own learning rate (and no weight decay there), linear decay."""
    crf = getattr(network, "crf", None)
    crf_parameters = list(crf.parameters()) if crf is not None else []
    crf_ids = {id(p) for p in crf_parameters}
    groups = [{"params": [p for p in network.parameters() if id(p) not in crf_ids], "lr": settings.learning_rate}]
    if crf_parameters:
        groups.append({"params": crf_parameters, "lr": settings.crf_learning_rate, "weight_decay": 0.0})
    optimizer = adamw(groups, weight_decay=settings.weight_decay)
    return optimizer, get_linear_schedule_with_warmup(optimizer, 0, max(1, total_steps))


@dataclass
class _Best:
    f1: float | None = None
    state: dict[str, torch.Tensor] | None = None
    epoch: int = 0
    waited: int = 0


def _decide(tagger: NeuralTagger, dev: Sequence[Document], best: _Best, epoch: int, patience: int) -> list:
    """Score the epoch on dev, keep the weights if better; [dev F1, stop?]."""
    f1 = dev_macro_f1(tagger, dev) if dev else None
    if f1 is None or best.f1 is None or f1 > best.f1:
        best.f1, best.epoch, best.waited = (f1 if f1 is not None else best.f1), epoch, 0
        best.state = {k: v.detach().clone() for k, v in tagger.network.state_dict().items()}
    else:
        best.waited += 1
    return [f1, best.waited >= patience]


def train(
    plan: Recipe,
    data: Path | str | Corpus,
    out: Path | str,
    *,
    on_progress: Callable[[Progress], None] | None = None,
    device: str | torch.device | None = None,
    precision: str | None = None,
    on_line: Callable[[str], None] | None = None,
) -> TrainResult:
    """Train the model ``plan`` describes on ``data/train`` (early stopping on ``data/dev``), save
    to ``out``. ``device``: a :func:`engine.devices.resolve_device` name (default: auto);
    ``precision``: :func:`engine.devices.resolve_precision` (the one asked for, else
    ``$MEDNER_PRECISION``, else fp32 on a CPU and the GPU's autocast precision on a GPU)."""
    began = time.perf_counter()
    settings = plan.settings
    device = device if isinstance(device, torch.device) else resolve_device(device)
    rank, world = _distributed(device)
    precision = resolve_precision(precision, device)
    if on_line and rank == 0:
        on_line(f"training on {describe(device)}, {precision}, {world} process(es)")
    _seed_everything(settings.seed)
    corpus = data if isinstance(data, Corpus) else load_corpus(data)
    prepared = prepare_data(corpus, settings)
    tagger = build_tagger(
        plan.kind,
        settings=settings,
        encoder=plan.encoder,
        size=plan.size,
        tokenizer=plan.tokenizer,
        train_texts=prepared.texts,
        gazetteer=plan.gazetteer,
        lexicon=plan.lexicon,
    )
    tagger.config.data_fingerprint = fingerprint(prepared.documents)
    tagger.training_drugs = training_drugs(prepared.sentences)
    items = examples(tagger, prepared.sentences, settings.max_length)
    if not items:
        raise ValueError("no training sentences: the train split is empty")
    network = tagger.network.to(device)
    if world > 1:
        model = DistributedDataParallel(network, device_ids=[device.index] if device.type == "cuda" else None)
    else:
        model = network
    # fp16 gradients underflow without loss scaling; bf16 and fp32 need none
    scaler = torch.amp.GradScaler(device.type, enabled=precision == "fp16")
    steps_per_epoch = math.ceil(len(items) / settings.batch_size) // world
    optimizer, scheduler = make_optimizer(network, settings, steps_per_epoch * settings.epochs)
    history: list[dict] = []
    best = _Best()
    epochs_run = 0
    for epoch in range(1, settings.epochs + 1):
        epochs_run = epoch
        network.train()
        epoch_batches = batches(items, settings.batch_size, random.Random(f"{settings.seed}:{epoch}"))
        mine = epoch_batches[rank::world][:steps_per_epoch]
        total_loss = 0.0
        for step, batch in enumerate(mine, start=1):
            inputs = {
                name: tensor.to(device, non_blocking=True)
                for name, tensor in to_tensors(batch, tagger.tokenizer.pad_token_id).items()
            }
            with autocast(device, precision):
                loss = model(**inputs)
            optimizer.zero_grad()
            scaler.scale(loss).backward()
            scaler.unscale_(optimizer)
            torch.nn.utils.clip_grad_norm_(network.parameters(), 1.0)
            scaler.step(optimizer)
            scaler.update()
            scheduler.step()
            total_loss += loss.item()
            if on_progress and rank == 0:
                on_progress(
                    Progress("step", epoch, settings.epochs, step, len(mine), loss.item(), best_dev_macro_f1=best.f1)
                )
        mean_loss = total_loss / max(1, len(mine))
        decision = (
            _decide(tagger, prepared.dev_documents, best, epoch, settings.patience) if rank == 0 else [None, False]
        )
        if world > 1:
            dist.broadcast_object_list(decision, src=0)
        f1, stop = decision
        history.append({"epoch": epoch, "loss": mean_loss, "dev_macro_f1": f1})
        if on_progress and rank == 0:
            on_progress(Progress("epoch", epoch, settings.epochs, len(mine), len(mine), mean_loss, f1, best.f1, stop))
        if stop:
            break
    folder = Path(out)
    if rank == 0:
        if best.state is not None:
            network.load_state_dict(best.state)
        network.eval()
        tagger.save(folder)
    if world > 1:
        dist.barrier()
    return TrainResult(
        folder,
        best.epoch,
        best.f1,
        epochs_run,
        time.perf_counter() - began,
        tagger.parameter_count(),
        history,
        prepared.sampling,
    )


def settings_dict(settings: TrainingSettings) -> dict:
    return asdict(settings)
