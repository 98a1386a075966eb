"""The tests' network guard itself: outbound attempts are refused and recorded, here and in the
processes the tests start; loopback stays open."""

import socket
import subprocess
import sys

import pytest

from tests.conftest import NETGUARD_LOG


@pytest.fixture
def forget_attempts():
    """These tests attempt on purpose: drop what they record, so the guard does not fail them."""
    size = NETGUARD_LOG.stat().st_size
    yield
    with NETGUARD_LOG.open("r+", encoding="utf-8") as log:
        log.truncate(size)


def test_an_outbound_connection_is_refused_and_recorded(forget_attempts):
    size = NETGUARD_LOG.stat().st_size
    with pytest.raises(ConnectionRefusedError, match=r"198\.51\.100\.7:443"):
        socket.create_connection(("198.51.100.7", 443), timeout=1)
    with pytest.raises(ConnectionRefusedError, match=r"huggingface\.co"):
        socket.getaddrinfo("huggingface.co", 443)
    assert "198.51.100.7" in NETGUARD_LOG.read_text(encoding="utf-8")[size:]


def test_a_process_started_by_the_tests_is_guarded_too(forget_attempts):
    size = NETGUARD_LOG.stat().st_size
    code = "import socket; socket.create_connection(('203.0.113.9', 80), timeout=1)"
    finished = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert finished.returncode != 0 and "outbound network access is blocked" in finished.stderr
    assert "203.0.113.9" in NETGUARD_LOG.read_text(encoding="utf-8")[size:]


def test_loopback_stays_open():
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        with socket.create_connection(server.getsockname(), timeout=2):
            pass
