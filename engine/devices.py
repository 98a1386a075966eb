"""Where a model runs and in what precision: ``--device auto|cpu|cuda[:N]|mps`` and
``--precision auto|fp32|bf16|fp16``, resolved once here for training, inference and the app.

``auto`` picks a CUDA GPU where torch sees one (under ``torchrun``, the one of this process's
``LOCAL_RANK``), else Apple's MPS, else the CPU. Nothing here touches CUDA unless torch reports
it available, so the same code runs on a CPU-only build.

Precision: an explicit choice (``--precision``, a ``precision=`` argument) wins, then
``$MEDNER_PRECISION``, then ``auto``. ``auto`` is fp32 on every CPU, with or without native bf16,
so the same note gets the same spans on any CPU (bf16 rounding moves spans on some notes:
bench/README.md, "Precision"); on GPUs it is bf16 autocast where the GPU has bf16 (Ampere and
later), fp16 on older ones and on Apple's MPS. bf16 on a CPU is there to choose: on CPUs with
AVX-512 BF16 or AMX it is about twice as fast on long notes; elsewhere torch emulates it, slowly.
"""

from __future__ import annotations

import os
import platform
import re
from contextlib import AbstractContextManager, nullcontext
from functools import cache
from pathlib import Path

import torch

from engine.types import RESOLVED_PRECISIONS

#: Environment overrides: the app and worker read these (the CLI has --device and --precision).
DEVICE_VARIABLE = "MEDNER_DEVICE"
PRECISION_VARIABLE = "MEDNER_PRECISION"
PRECISIONS = ("auto", *RESOLVED_PRECISIONS)
_DTYPES = {"bf16": torch.bfloat16, "fp16": torch.float16}
#: The CPU flags that decide which kernels run (and so which rounding): printed by ``cpu_report``.
CPU_FLAGS = ("avx2", "avx512f", "avx512_bf16", "avx512_vnni", "amx_bf16", "amx_tile")


class DeviceError(ValueError):
    """A device that does not exist here, or a spelling that is not a device."""


def _mps_available() -> bool:
    backend = getattr(torch.backends, "mps", None)
    return bool(backend is not None and backend.is_available())


def resolve_device(spec: str | None = None) -> torch.device:
    """The device for ``spec`` (default: ``$MEDNER_DEVICE``, else ``auto``), checked to exist."""
    spec = (spec or os.environ.get(DEVICE_VARIABLE, "") or "auto").strip().lower()
    if spec == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")) % torch.cuda.device_count())
        return torch.device("mps") if _mps_available() else torch.device("cpu")
    if spec == "cpu":
        return torch.device("cpu")
    if spec == "mps":
        if not _mps_available():
            raise DeviceError("device mps: this machine or this torch build has no Apple MPS backend")
        return torch.device("mps")
    match = re.fullmatch(r"cuda(?::(\d+))?", spec)
    if match is None:
        raise DeviceError(f"unknown device {spec!r}: use auto, cpu, cuda, cuda:N or mps")
    if not torch.cuda.is_available():
        raise DeviceError(
            f"device {spec}: torch sees no CUDA GPU here (torch {torch.__version__}, "
            f"built {'with' if torch.version.cuda else 'without'} CUDA); use --device cpu or auto"
        )
    count = torch.cuda.device_count()
    if match.group(1) is None:
        return torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")) % count)
    index = int(match.group(1))
    if index >= count:
        raise DeviceError(f"device {spec}: this machine has {count} CUDA GPU(s), numbered 0 to {count - 1}")
    return torch.device("cuda", index)


@cache
def cpu_has_native_bf16() -> bool:
    """True on CPUs with AVX-512 BF16 or AMX, where bf16 matmuls are fast."""
    try:
        return bool(torch.cpu._is_avx512_bf16_supported() or torch.cpu._is_amx_tile_supported())
    except AttributeError:  # an older or newer torch without these probes
        return False


def requested_precision(precision: str | None = None) -> str:
    """What was asked for: ``precision`` when given, else ``$MEDNER_PRECISION``, else ``auto``."""
    return (precision or os.environ.get(PRECISION_VARIABLE, "") or "auto").strip().lower()


def resolve_precision(precision: str | None = None, device: torch.device | str = "cpu") -> str:
    """``"fp32"``, ``"bf16"`` or ``"fp16"`` for a requested precision on ``device``
    (:func:`requested_precision`: an explicit request, else ``$MEDNER_PRECISION``, else auto)."""
    requested = requested_precision(precision)
    if requested not in PRECISIONS:
        raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}, got {requested!r}")
    device = torch.device(device)
    if requested != "auto":
        if requested == "fp16" and device.type == "cpu":
            raise ValueError("fp16 autocast is for GPUs; on a CPU use bf16 or fp32")
        return requested
    if device.type == "cuda":
        return "bf16" if torch.cuda.is_bf16_supported() else "fp16"
    if device.type == "mps":
        return "fp16"
    return "fp32"  # every CPU: the same spans everywhere (the module's docstring)


def default_precision() -> str:
    """What this process runs at when nothing is asked: ``$MEDNER_PRECISION``, else ``auto`` on
    ``$MEDNER_DEVICE`` (what :func:`engine.inference.pipeline.load_pipeline` resolves with no arguments)."""
    return resolve_precision(None, resolve_device(None))


def autocast(device: torch.device, precision: str) -> AbstractContextManager:
    """The autocast context for a resolved precision (``fp32``: none)."""
    if precision == "fp32":
        return nullcontext()
    return torch.autocast(device.type, dtype=_DTYPES[precision])


def distributed_backend(device: torch.device) -> str:
    """NCCL between GPUs, gloo between CPU processes."""
    return "nccl" if device.type == "cuda" else "gloo"


def cpu_report() -> dict[str, object]:
    """The CPU this process runs on and what decides precision on it: its model name, the
    instruction sets that matter (from ``/proc/cpuinfo`` where there is one) and what ``auto``
    and the environment resolve to here. CI prints it, so a failure can be placed."""
    fields: dict[str, str] = {}
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text(encoding="utf-8", errors="replace").splitlines():
            if not line.strip():
                break  # the first processor is enough: all of a machine's cores are alike here
            key, _, value = line.partition(":")
            fields.setdefault(key.strip(), value.strip())
    flags = set(fields.get("flags", "").split())
    model = fields.get("model name") or platform.processor() or platform.machine()
    if "cpu family" in fields:
        model += f" (family {fields['cpu family']}, model {fields.get('model', '?')})"
    return {
        "cpu": model,
        "flags": {flag: flag in flags for flag in CPU_FLAGS},
        "native_bf16": cpu_has_native_bf16(),
        "threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "precision_requested": requested_precision(),
        "precision_resolved": default_precision(),
    }


def describe(device: torch.device) -> str:
    """A line for logs and the app: which device, and which GPU where it is one."""
    if device.type == "cuda":
        return f"{device} ({torch.cuda.get_device_name(device)})"
    return str(device)


if __name__ == "__main__":  # python -m engine.devices: one line a fact, for CI logs and bug reports
    for name, value in cpu_report().items():
        if isinstance(value, dict):
            value = " ".join(f"{flag}={'yes' if present else 'no'}" for flag, present in value.items())
        print(f"{name}: {value}")
