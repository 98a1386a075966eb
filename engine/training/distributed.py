"""The same loop under ``torchrun --nproc_per_node N``: the process group joined once (NCCL
between GPUs, one GPU per process by ``LOCAL_RANK``; gloo between CPU processes), the network
wrapped in DistributedDataParallel, and rank 0's decisions shared with the others."""

from __future__ import annotations

import os

import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel

from engine.devices import distributed_backend


def join(device: torch.device) -> tuple[int, int]:
    """``(rank, world size)`` of this process, joining the process group when there are several."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world > 1 and not dist.is_initialized():
        if device.type == "cuda":
            torch.cuda.set_device(device)
        dist.init_process_group(distributed_backend(device))
    return (dist.get_rank(), world) if world > 1 else (0, 1)


def wrapped(network: torch.nn.Module, device: torch.device, world: int) -> torch.nn.Module:
    """The module a training step calls: the network itself, or DDP over it when there are
    several processes."""
    if world > 1:
        return DistributedDataParallel(network, device_ids=[device.index] if device.type == "cuda" else None)
    return network


def shared(decision: list, world: int) -> list:
    """Rank 0's ``decision`` (a list, filled in place on the other ranks)."""
    if world > 1:
        dist.broadcast_object_list(decision, src=0)
    return decision


def wait_for_all(world: int) -> None:
    """Every process waits here until rank 0 has saved the model."""
    if world > 1:
        dist.barrier()
