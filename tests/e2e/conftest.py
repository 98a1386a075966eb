"""What the browser tests share: Debian's chromium, or a skip (a failure where CI requires it); and
one app on the app world's store (each start of the app costs seconds)."""

import os

import pytest

from bench.browser import chromium, running_app


@pytest.fixture
def browser_path() -> str:
    found = chromium()
    if found is None:
        if os.environ.get("MEDNER_REQUIRE_BROWSER") == "1":
            pytest.fail("MEDNER_REQUIRE_BROWSER=1 but no chromium is installed (apt-get install chromium)")
        pytest.skip("no chromium installed")
    return found


@pytest.fixture(scope="session")
def server(app_world) -> str:
    """The app (``python -m webapp.serve``) on the app world, for the browser tests that need no
    settings of their own. Their edits go to gold revisions and saved notes, which no other test
    of this server reads: the first Annotate of the example note must still be a model run."""
    with running_app({k: v for k, v in app_world.items() if k != "root"}) as url:
        yield url
