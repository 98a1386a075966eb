"""Refuse and record every outbound network attempt of a Python process started by the tests.

The test session puts this folder first on ``PYTHONPATH`` and sets ``MEDNER_NETGUARD_LOG``, so every
Python process it starts (the Streamlit server, training and evaluation workers) loads this module
at start-up, as Python loads any ``sitecustomize``; the test process loads it itself. Connections to
loopback addresses and Unix sockets are let through (the app, PostgreSQL on 127.0.0.1); any other
connection, and any host-name lookup other than ``localhost``, raises ``ConnectionRefusedError`` and
is written to the log, which the tests check after each test.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import traceback

LOG_VARIABLE = "MEDNER_NETGUARD_LOG"
_LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", ""}


def _is_local_host(host: object) -> bool:
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    if host is None or (isinstance(host, str) and host.lower() in _LOCAL_NAMES):
        return True
    try:
        return ipaddress.ip_address(str(host).split("%", 1)[0]).is_loopback
    except ValueError:
        return False  # a host name: looking it up is already outbound


def _is_name(host: object) -> bool:
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    try:
        ipaddress.ip_address(str(host).split("%", 1)[0])
    except ValueError:
        return True
    return False


def _refuse(what: str) -> None:
    log = os.environ.get(LOG_VARIABLE)
    if log:
        with open(log, "a", encoding="utf-8") as handle:
            handle.write(f"pid {os.getpid()}: {what}\n{''.join(traceback.format_stack(limit=12)[:-2])}\n")
    raise ConnectionRefusedError(f"outbound network access is blocked in the tests: {what}")


def install() -> None:
    """Patch the socket module of this process (once)."""
    if getattr(socket, "_medner_guarded", False):
        return
    original_connect, original_connect_ex = socket.socket.connect, socket.socket.connect_ex
    original_sendto, original_getaddrinfo = socket.socket.sendto, socket.getaddrinfo

    def checked(sock: socket.socket, address: object) -> None:
        inet = sock.family in (socket.AF_INET, socket.AF_INET6) and isinstance(address, tuple)
        if inet and not _is_local_host(address[0]):
            _refuse(f"connect to {address[0]}:{address[1]}")

    def connect(self, address):
        checked(self, address)
        return original_connect(self, address)

    def connect_ex(self, address):
        checked(self, address)
        return original_connect_ex(self, address)

    def sendto(self, data, *args):
        checked(self, args[-1])
        return original_sendto(self, data, *args)

    def getaddrinfo(host, *args, **kwargs):
        if _is_name(host) and not _is_local_host(host):  # a numeric address needs no lookup
            _refuse(f"look up {host!r}")
        return original_getaddrinfo(host, *args, **kwargs)

    socket.socket.connect = connect
    socket.socket.connect_ex = connect_ex
    socket.socket.sendto = sendto
    socket.getaddrinfo = getaddrinfo
    socket._medner_guarded = True


if os.environ.get(LOG_VARIABLE):
    install()
