"""The training loop: seeded, early stopping on dev strict macro F1, progress callbacks, atomic
save, on any device (``device``: :func:`engine.devices.resolve_device`; bf16 or fp16 autocast on
GPUs), and unchanged under ``torchrun --nproc_per_node N`` (:mod:`engine.training.distributed`)."""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import torch
from transformers import get_linear_schedule_with_warmup

from engine.data.corpus import Corpus, load_corpus
from engine.devices import autocast, describe, resolve_device, resolve_precision
from engine.inference.pipeline import annotate
from engine.models.base import TrainingSettings
from engine.models.registry import build_tagger
from engine.models.tagger import NeuralTagger
from engine.scores.report import evaluate
from engine.training import distributed
from engine.training.data import Example, batches, examples, fingerprint, prepare_data, to_tensors, training_drugs
from engine.training.settings import Recipe
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
    rank, world = distributed.join(device)
    precision = resolve_precision(precision, device)
    if on_line and rank == 0:
        on_line(f"training on {describe(device)}, {precision}, {world} process(es)")
    _seed_everything(settings.seed)
    corpus = data if isinstance(data, Corpus) else load_corpus(data)
    prepared = prepare_data(corpus, settings)
    tagger = _build(plan, prepared)
    items = examples(tagger, prepared.sentences, settings.max_length)
    if not items:
        raise ValueError("no training sentences: the train split is empty")
    network = tagger.network.to(device)
    model = distributed.wrapped(network, device, world)
    # fp16 gradients underflow without loss scaling; bf16 and fp32 need none
    scaler = torch.amp.GradScaler(device.type, enabled=precision == "fp16")
    steps_per_epoch = math.ceil(len(items) / settings.batch_size) // world
    optimizer, scheduler = make_optimizer(network, settings, steps_per_epoch * settings.epochs)
    run = _Run(tagger, model, device, precision, rank, scaler, optimizer, scheduler)
    history: list[dict] = []
    best = _Best()
    epochs_run = 0
    for epoch in range(1, settings.epochs + 1):
        epochs_run = epoch
        epoch_batches = batches(items, settings.batch_size, random.Random(f"{settings.seed}:{epoch}"))
        mine = epoch_batches[rank::world][:steps_per_epoch]
        mean_loss = _run_epoch(run, mine, epoch, settings.epochs, best, on_progress)
        decision = (
            _decide(tagger, prepared.dev_documents, best, epoch, settings.patience) if rank == 0 else [None, False]
        )
        f1, stop = distributed.shared(decision, world)
        history.append({"epoch": epoch, "loss": mean_loss, "dev_macro_f1": f1})
        if on_progress and rank == 0:
            on_progress(Progress("epoch", epoch, settings.epochs, len(mine), len(mine), mean_loss, f1, best.f1, stop))
        if stop:
            break
    folder = Path(out)
    if rank == 0:
        _save_best(tagger, best, folder)
    distributed.wait_for_all(world)
    seconds = time.perf_counter() - began
    parameters = tagger.parameter_count()
    return TrainResult(folder, best.epoch, best.f1, epochs_run, seconds, parameters, history, prepared.sampling)


def _build(plan: Recipe, prepared) -> NeuralTagger:
    """A fresh tagger of the recipe, its vocabulary (scratch kinds) from the training texts, with
    the fingerprint of its data and the drug names it will see."""
    tagger = build_tagger(
        plan.kind,
        settings=plan.settings,
        encoder=plan.encoder,
        size=plan.size,
        tokenizer=plan.tokenizer,
        train_texts=prepared.texts,
        gazetteer=plan.gazetteer,
        lexicon=plan.lexicon,
    )
    tagger.config.data_fingerprint = fingerprint(prepared.documents)
    tagger.training_drugs = training_drugs(prepared.sentences)
    return tagger


@dataclass
class _Run:
    """What every step of one run uses."""

    tagger: NeuralTagger
    model: torch.nn.Module  # the network, or DDP over it
    device: torch.device
    precision: str
    rank: int
    scaler: torch.amp.GradScaler
    optimizer: torch.optim.Optimizer
    scheduler: object


def _run_epoch(
    run: _Run,
    mine: Sequence[Sequence[Example]],
    epoch: int,
    epochs: int,
    best: _Best,
    on_progress: Callable[[Progress], None] | None,
) -> float:
    """One pass over this process's batches; the mean loss."""
    network = run.tagger.network
    network.train()
    total_loss = 0.0
    for step, batch in enumerate(mine, start=1):
        inputs = {
            name: tensor.to(run.device, non_blocking=True)
            for name, tensor in to_tensors(batch, run.tagger.tokenizer.pad_token_id).items()
        }
        with autocast(run.device, run.precision):
            loss = run.model(**inputs)
        run.optimizer.zero_grad()
        run.scaler.scale(loss).backward()
        run.scaler.unscale_(run.optimizer)
        torch.nn.utils.clip_grad_norm_(network.parameters(), 1.0)
        run.scaler.step(run.optimizer)
        run.scaler.update()
        run.scheduler.step()
        total_loss += loss.item()
        if on_progress and run.rank == 0:
            on_progress(Progress("step", epoch, epochs, step, len(mine), loss.item(), best_dev_macro_f1=best.f1))
    return total_loss / max(1, len(mine))


def _save_best(tagger: NeuralTagger, best: _Best, folder: Path) -> None:
    """The weights of the best epoch, saved (atomically) as a model folder."""
    if best.state is not None:
        tagger.network.load_state_dict(best.state)
    tagger.network.eval()
    tagger.save(folder)
