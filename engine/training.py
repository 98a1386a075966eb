"""The training loop: seeded, early stopping on dev strict macro F1, progress callbacks, atomic
save, and unchanged under ``torchrun --nproc_per_node N`` (DistributedDataParallel, gloo on CPU)."""

from __future__ import annotations

import hashlib
import math
import os
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel
from transformers import get_linear_schedule_with_warmup

from engine.data.corpus import Corpus, TaggedSentence, load_corpus, tagged_sentences
from engine.data.sambd import sambd
from engine.evaluation import evaluate
from engine.inference import annotate, pad_batch
from engine.labels import TAG_TO_ID
from engine.models.base import TrainingSettings
from engine.models.encoding import EncodedInput, build_input, windows, word_pieces
from engine.models.registry import build_tagger, kind
from engine.models.tagger import NeuralTagger
from engine.types import Document


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
    encoded: EncodedInput
    tags: list[int]


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
    pieces = word_pieces(tokenizer, [[w.text for w in s.words] for s in sentences])
    result: list[Example] = []
    for sentence, sentence_pieces in zip(sentences, pieces, strict=True):
        for start, end in windows(sentence_pieces, max_length=max_length, stride=0):
            encoded = build_input(
                sentence_pieces,
                start,
                end,
                max_length=max_length,
                cls_id=tokenizer.cls_token_id,
                sep_id=tokenizer.sep_token_id,
            )
            result.append(Example(encoded, [TAG_TO_ID[tag] for tag in sentence.tags[start:end]]))
    return result


def batches(items: Sequence[Example], batch_size: int, rng: random.Random) -> list[list[Example]]:
    """Batches of similar length (little padding), in a shuffled order."""
    order = sorted(range(len(items)), key=lambda i: (len(items[i].encoded.input_ids), rng.random()))
    grouped = [[items[i] for i in order[s : s + batch_size]] for s in range(0, len(order), batch_size)]
    rng.shuffle(grouped)
    return grouped


def to_tensors(batch: Sequence[Example], pad_id: int) -> dict[str, torch.Tensor]:
    tensors = pad_batch([example.encoded for example in batch], pad_id)
    tags = torch.full(tensors["word_mask"].shape, -100, dtype=torch.long)
    for row, example in enumerate(batch):
        tags[row, : len(example.tags)] = torch.tensor(example.tags)
    tensors["tags"] = tags
    return tensors


def dev_macro_f1(tagger: NeuralTagger, documents: Sequence[Document]) -> float:
    """Strict span macro F1 of the tagger on whole dev notes."""
    predicted = annotate(tagger, [d.text for d in documents])
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


def _distributed() -> tuple[int, int]:
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world > 1 and not dist.is_initialized():
        dist.init_process_group("gloo")
    return (dist.get_rank(), world) if world > 1 else (0, 1)


def train(
    kind_name: str,
    data: Path | str | Corpus,
    out: Path | str,
    *,
    settings: TrainingSettings | None = None,
    encoder: str | None = None,
    size: str = "small",
    tokenizer: str | None = None,
    on_progress: Callable[[Progress], None] | None = None,
) -> TrainResult:
    """Train a model of ``kind_name`` on ``data/train`` (early stopping on ``data/dev``), save to ``out``."""
    began = time.perf_counter()
    spec = kind(kind_name)
    settings = settings or TrainingSettings(learning_rate=spec.learning_rate)
    rank, world = _distributed()
    _seed_everything(settings.seed)
    corpus = data if isinstance(data, Corpus) else load_corpus(data)
    train_documents = select_documents(corpus.documents("train"), settings.train_fraction, settings.seed)
    dev_documents = corpus.splits.get("dev", [])
    train_sentences = [s for d in train_documents for s in tagged_sentences(d)[0]]
    sampling = None
    if settings.sambd:
        train_sentences, report = sambd(train_sentences, keep=settings.sambd_keep, seed=settings.seed)
        sampling = report.as_dict()
    tagger = build_tagger(
        kind_name,
        settings=settings,
        encoder=encoder,
        size=size,
        tokenizer=tokenizer,
        train_texts=(d.text for d in train_documents),
    )
    tagger.config.data_fingerprint = fingerprint(train_documents)
    items = examples(tagger, train_sentences, settings.max_length)
    if not items:
        raise ValueError("no training sentences: the train split is empty")
    network = tagger.network
    model = DistributedDataParallel(network) if world > 1 else network
    crf_parameters = list(network.crf.parameters()) if network.crf is not None else []
    crf_ids = {id(p) for p in crf_parameters}
    groups = [{"params": [p for p in network.parameters() if id(p) not in crf_ids], "lr": settings.learning_rate}]
    if crf_parameters:
        groups.append({"params": crf_parameters, "lr": settings.crf_learning_rate, "weight_decay": 0.0})
    optimizer = adamw(groups, weight_decay=settings.weight_decay)
    steps_per_epoch = math.ceil(len(items) / settings.batch_size) // world
    scheduler = get_linear_schedule_with_warmup(optimizer, 0, max(1, steps_per_epoch * settings.epochs))
    history: list[dict] = []
    best_f1: float | None = None
    best_state: dict[str, torch.Tensor] | None = None
    best_epoch, waited, epochs_run = 0, 0, 0
    for epoch in range(1, settings.epochs + 1):
        epochs_run = epoch
        network.train()
        epoch_batches = batches(items, settings.batch_size, random.Random(f"{settings.seed}:{epoch}"))
        mine = epoch_batches[rank::world][:steps_per_epoch]
        total_loss = 0.0
        for step, batch in enumerate(mine, start=1):
            loss = model(**to_tensors(batch, tagger.tokenizer.pad_token_id))
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(network.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            total_loss += loss.item()
            if on_progress and rank == 0:
                on_progress(
                    Progress("step", epoch, settings.epochs, step, len(mine), loss.item(), best_dev_macro_f1=best_f1)
                )
        mean_loss = total_loss / max(1, len(mine))
        decision = [None, False]
        if rank == 0:
            f1 = dev_macro_f1(tagger, dev_documents) if dev_documents else None
            improved = f1 is not None and (best_f1 is None or f1 > best_f1)
            if improved or f1 is None:
                best_f1, best_epoch, waited = (f1 if f1 is not None else best_f1), epoch, 0
                best_state = {k: v.detach().clone() for k, v in network.state_dict().items()}
            else:
                waited += 1
            decision = [f1, waited >= settings.patience]
        if world > 1:
            dist.broadcast_object_list(decision, src=0)
        f1, stop = decision
        history.append({"epoch": epoch, "loss": mean_loss, "dev_macro_f1": f1})
        if on_progress and rank == 0:
            on_progress(Progress("epoch", epoch, settings.epochs, len(mine), len(mine), mean_loss, f1, best_f1, stop))
        if stop:
            break
    folder = Path(out)
    if rank == 0:
        if best_state is not None:
            network.load_state_dict(best_state)
        network.eval()
        tagger.save(folder)
    if world > 1:
        dist.barrier()
    return TrainResult(
        folder,
        best_epoch,
        best_f1,
        epochs_run,
        time.perf_counter() - began,
        tagger.parameter_count(),
        history,
        sampling,
    )


def settings_dict(settings: TrainingSettings) -> dict:
    return asdict(settings)
