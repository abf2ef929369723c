"""The test suite's network guard: a connection to anything but 127.0.0.1 or ::1 fails loudly.

`install()` wraps the calls every client ends in: `socket.socket.connect`, `connect_ex` and `sendto` (asyncio's
`loop.create_connection` and aiohttp end in `connect`), and name lookups through `socket.getaddrinfo` (asyncio
and aiohttp resolve with it). A forbidden call raises `NonLoopbackConnection` before the system call, so nothing
leaves the machine, not even a DNS query. Every attempt is also recorded in `attempts`, so a test fails even when
the code under test swallows the error (the feed watcher logs and retries any failed poll).

`guard_process_tree()` (called by tests/conftest.py and bench/faults.py) installs it in this process and puts the
sitecustomize.py beside this file on PYTHONPATH, which installs it in every Python process started from here.
"""

from __future__ import annotations

import os
import socket
import sys
import threading
from pathlib import Path
from typing import Any

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})
CHILD_EXIT_STATUS = 86   # a child process that attempted a forbidden connection exits with this status

attempts: list[str] = []
_lock = threading.Lock()


class NonLoopbackConnection(RuntimeError):
    """A test tried to reach a host other than 127.0.0.1 / ::1.

    Not an OSError on purpose: clients that retry or quietly give up on network errors must not hide it.
    """


def _host_text(host: Any) -> str:
    return host.decode(errors="replace") if isinstance(host, bytes) else str(host)


def _refuse(what: str, host: Any) -> None:
    attempt = f"{what} {_host_text(host)}"
    with _lock:
        attempts.append(attempt)
    print(f"loopback guard: blocked {attempt}", file=sys.stderr, flush=True)
    raise NonLoopbackConnection(f"tests may only reach 127.0.0.1 and ::1; blocked {attempt}")


def check_lookup(host: Any) -> None:
    """A name lookup is allowed for loopback names, or none (a local bind)."""
    if host is not None and _host_text(host) not in LOOPBACK_HOSTS | {""}:
        _refuse("name lookup of", host)


def check_address(family: int, address: Any, what: str) -> None:
    """An IPv4/IPv6 address must be loopback; Unix sockets are local by nature."""
    if family in (socket.AF_INET, socket.AF_INET6) and _host_text(address[0]) not in LOOPBACK_HOSTS:
        _refuse(what, address[0])


def install() -> None:
    """Guard this process (idempotent)."""
    if getattr(socket.socket.connect, "loopback_guard", False):
        return
    original_connect, original_connect_ex = socket.socket.connect, socket.socket.connect_ex
    original_sendto, original_getaddrinfo = socket.socket.sendto, socket.getaddrinfo

    def connect(self: socket.socket, address: Any) -> None:
        check_address(self.family, address, "connection to")
        return original_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        check_address(self.family, address, "connection to")
        return original_connect_ex(self, address)

    def sendto(self: socket.socket, data: bytes, *flags_and_address: Any) -> int:
        check_address(self.family, flags_and_address[-1], "datagram to")
        return original_sendto(self, data, *flags_and_address)

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> list:
        check_lookup(host)
        return original_getaddrinfo(host, *args, **kwargs)

    connect.loopback_guard = True
    socket.socket.connect, socket.socket.connect_ex, socket.socket.sendto = connect, connect_ex, sendto
    socket.getaddrinfo = getaddrinfo


def guard_process_tree() -> None:
    """Guard this process and every Python process it starts (through PYTHONPATH; idempotent)."""
    install()
    site = str(Path(__file__).resolve().parent)
    paths = [path for path in os.environ.get("PYTHONPATH", "").split(os.pathsep) if path]
    if site not in paths:
        os.environ["PYTHONPATH"] = os.pathsep.join([site, *paths])


def install_in_child() -> None:
    """Guard a child process; if it attempted a forbidden connection, it exits with CHILD_EXIT_STATUS whatever
    else it returned, so a test that checks the status cannot miss it."""
    import atexit

    install()

    def exit_loudly_if_blocked() -> None:
        if attempts:
            sys.stdout.flush()
            print(f"loopback guard: {len(attempts)} forbidden connection attempts: {attempts[:3]}", file=sys.stderr, flush=True)
            os._exit(CHILD_EXIT_STATUS)

    atexit.register(exit_loudly_if_blocked)
