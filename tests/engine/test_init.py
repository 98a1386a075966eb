import os
import subprocess
import sys

from engine import OFFLINE_VARIABLES


def _environment_after_import(**overrides: str) -> dict[str, str]:
    environment = {k: v for k, v in os.environ.items() if k not in OFFLINE_VARIABLES and k != "MEDNER_ALLOW_DOWNLOAD"}
    environment.update(overrides)
    code = "import json, os, engine; print(json.dumps({k: os.environ.get(k) for k in engine.OFFLINE_VARIABLES}))"
    finished = subprocess.run([sys.executable, "-c", code], env=environment, capture_output=True, text=True, check=True)
    import json

    return json.loads(finished.stdout)


def test_importing_the_engine_puts_hugging_face_offline():
    assert _environment_after_import() == OFFLINE_VARIABLES


def test_downloads_can_be_allowed_explicitly():
    assert _environment_after_import(MEDNER_ALLOW_DOWNLOAD="1") == dict.fromkeys(OFFLINE_VARIABLES)


def test_huggingface_hub_sees_offline_mode_when_imported_after_the_engine():
    code = "import engine, huggingface_hub.constants as c; print(c.HF_HUB_OFFLINE)"
    environment = {k: v for k, v in os.environ.items() if k not in OFFLINE_VARIABLES}
    finished = subprocess.run([sys.executable, "-c", code], env=environment, capture_output=True, text=True, check=True)
    assert finished.stdout.strip() == "True"
