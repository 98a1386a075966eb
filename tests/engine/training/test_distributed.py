import json
import os
import subprocess
import sys

from engine.models.tagger import load_tagger


def test_two_gloo_processes_train_one_model(tiny_corpus, tmp_path):
    out = tmp_path / "ddp"
    env = dict(os.environ, OMP_NUM_THREADS="1")
    command = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--nproc_per_node",
        "2",
        "--master_port",
        "29533",
        "-m",
        "engine",
        "train",
        "--kind",
        "transformer-crf",
        "--size",
        "tiny",
        "--data",
        str(tiny_corpus),
        "--out",
        str(out),
        "--epochs",
        "1",
        "--lr",
        "2e-3",
        "--sambd",
        "--batch-size",
        "8",
    ]
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    summary = json.loads(done.stdout[done.stdout.index("{") :])
    assert summary["epochs_run"] == 1
    assert load_tagger(out).config.kind == "transformer-crf"
