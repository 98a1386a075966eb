import pytest

from engine.cli import main


@pytest.fixture(scope="package")
def demo(tmp_path_factory):
    """A small generated corpus the commands read (one for the whole package)."""
    out = tmp_path_factory.mktemp("cli") / "demo"
    assert (
        main(["corpus", "generate", "--out", str(out), "--seed", "3", "--train", "4", "--dev", "2", "--test", "6"]) == 0
    )
    return out
