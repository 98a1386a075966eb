"""Device and precision choice, on a machine without a GPU: what auto picks where torch would
see GPUs (simulated), the errors for devices that do not exist, and that nothing touches CUDA
when there is none."""

import pytest
import torch

from engine import devices
from engine.devices import DeviceError, resolve_device, resolve_precision


@pytest.fixture
def no_gpu(monkeypatch):
    """torch reports no GPU, and any CUDA call beyond asking fails the test."""

    def forbidden(name):
        def call(*args, **kwargs):
            raise AssertionError(f"torch.cuda.{name} was called on a machine without CUDA")

        return call  # one function each: torch's tracing rules refuse one object under two names

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    for name in ("device_count", "get_device_name", "set_device", "is_bf16_supported", "synchronize"):
        monkeypatch.setattr(torch.cuda, name, forbidden(name))
    monkeypatch.setattr(devices, "_mps_available", lambda: False)
    monkeypatch.delenv("MEDNER_DEVICE", raising=False)
    monkeypatch.delenv("MEDNER_PRECISION", raising=False)
    monkeypatch.delenv("LOCAL_RANK", raising=False)


@pytest.fixture
def two_gpus(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    monkeypatch.delenv("MEDNER_DEVICE", raising=False)
    monkeypatch.delenv("MEDNER_PRECISION", raising=False)
    monkeypatch.delenv("LOCAL_RANK", raising=False)


def test_auto_is_the_cpu_without_a_gpu(no_gpu):
    assert resolve_device("auto") == torch.device("cpu")
    assert resolve_device(None) == torch.device("cpu")
    assert resolve_device("CPU") == torch.device("cpu")


def test_asking_for_a_gpu_that_is_not_there_says_so(no_gpu):
    with pytest.raises(DeviceError, match="torch sees no CUDA GPU here"):
        resolve_device("cuda")
    with pytest.raises(DeviceError, match="torch sees no CUDA GPU here"):
        resolve_device("cuda:1")
    with pytest.raises(DeviceError, match="no Apple MPS backend"):
        resolve_device("mps")
    with pytest.raises(DeviceError, match="unknown device 'gpu0'"):
        resolve_device("gpu0")


def test_auto_picks_the_gpu_of_this_process(two_gpus, monkeypatch):
    assert resolve_device("auto") == torch.device("cuda", 0)
    monkeypatch.setenv("LOCAL_RANK", "1")  # torchrun's second process on the node
    assert resolve_device("auto") == torch.device("cuda", 1)
    assert resolve_device("cuda") == torch.device("cuda", 1)
    assert resolve_device("cuda:0") == torch.device("cuda", 0)
    with pytest.raises(DeviceError, match="has 2 CUDA GPU"):
        resolve_device("cuda:2")
    assert resolve_device("cpu") == torch.device("cpu"), "the CPU can still be chosen"


def test_the_environment_names_the_device(no_gpu, monkeypatch):
    monkeypatch.setenv("MEDNER_DEVICE", "cpu")
    assert resolve_device() == torch.device("cpu")
    monkeypatch.setenv("MEDNER_DEVICE", "cuda")
    with pytest.raises(DeviceError):
        resolve_device()
    assert resolve_device("cpu") == torch.device("cpu"), "an explicit choice wins"


def test_precision_follows_the_device(monkeypatch):
    monkeypatch.delenv("MEDNER_PRECISION", raising=False)
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda: True)
    assert resolve_precision("auto", torch.device("cuda", 0)) == "bf16"
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda: False)
    assert resolve_precision("auto", torch.device("cuda", 0)) == "fp16"  # a pre-Ampere GPU
    assert resolve_precision("auto", "mps") == "fp16"
    assert resolve_precision("fp32", "cuda") == "fp32"
    assert resolve_precision("auto", "cpu") == "fp32"  # every CPU, native bf16 or not
    monkeypatch.setattr(devices, "cpu_has_native_bf16", lambda: True)
    assert resolve_precision("auto", "cpu") == "fp32"
    assert resolve_precision("bf16", "cpu") == "bf16", "asked for by name, on any CPU"
    with pytest.raises(ValueError, match="fp16 autocast is for GPUs"):
        resolve_precision("fp16", "cpu")
    assert devices.distributed_backend(torch.device("cuda", 0)) == "nccl"
    assert devices.distributed_backend(torch.device("cpu")) == "gloo"


def test_training_and_annotating_on_auto_never_touch_cuda_without_a_gpu(no_gpu, tiny_corpus, tmp_path):
    from engine.data.corpus import load_corpus
    from engine.inference.pipeline import load_pipeline
    from engine.models.base import TrainingSettings
    from engine.models.kinds import KINDS
    from engine.training.loop import train
    from engine.training.settings import Recipe

    lines = []
    settings = TrainingSettings(epochs=1, learning_rate=2e-3, batch_size=8, seed=3)
    result = train(
        Recipe(KINDS["transformer-crf"], settings, size="tiny"), tiny_corpus, tmp_path / "m", on_line=lines.append
    )
    assert lines == ["training on cpu, fp32, 1 process(es)"]
    pipeline = load_pipeline(result.folder, device="auto")
    assert pipeline.device == torch.device("cpu") and pipeline.precision in ("fp32", "bf16")
    notes = [d.text for d in load_corpus(tiny_corpus).documents("test")]
    assert len(pipeline.predict(notes)) == len(notes)


def test_the_command_line_refuses_a_missing_gpu_with_a_clear_message(no_gpu, tiny_model, capsys):
    from engine.cli import main

    assert main(["predict", "--model", str(tiny_model), "--device", "cuda:0"]) == 2
    assert "torch sees no CUDA GPU here" in capsys.readouterr().err


def test_the_cpu_report_names_the_cpu_its_flags_and_what_auto_resolves_to(no_gpu, monkeypatch):
    report = devices.cpu_report()
    assert report["cpu"] and set(report["flags"]) == set(devices.CPU_FLAGS)
    assert report["precision_requested"] == "auto" and report["precision_resolved"] == "fp32"
    monkeypatch.setenv("MEDNER_PRECISION", "bf16")
    assert devices.cpu_report()["precision_resolved"] == "bf16"


def test_python_m_engine_devices_prints_one_fact_a_line():
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "engine.devices"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    keys = [line.split(":", 1)[0] for line in done.stdout.splitlines()]
    assert keys[:3] == ["cpu", "flags", "native_bf16"] and "precision_resolved" in keys
    assert "avx512_bf16=" in done.stdout
