"""What the browser tests share: Debian's chromium, or a skip (a failure where CI requires it)."""

import os

import pytest

from bench.browser import chromium


@pytest.fixture
def browser_path() -> str:
    found = chromium()
    if found is None:
        if os.environ.get("MEDNER_REQUIRE_BROWSER") == "1":
            pytest.fail("MEDNER_REQUIRE_BROWSER=1 but no chromium is installed (apt-get install chromium)")
        pytest.skip("no chromium installed")
    return found
