"""The suite's network guard (testkit/netguard): anything beyond 127.0.0.1 / ::1 fails loudly, in this process and in
the processes tests start; loopback stays open."""

from __future__ import annotations

import socket
import subprocess
import sys

import aiohttp
import pytest

from bot.feed import FeedClient
from bot.settings import DEFAULT_FEED_URL
from testkit.fakes.feed_server import FakeFeed
from testkit.netguard.loopback_only import CHILD_EXIT_STATUS, NonLoopbackConnection

DOCUMENTATION_ADDRESS = "192.0.2.1"   # TEST-NET-1 (RFC 5737): routed nowhere, but a real attempt all the same


async def test_an_http_request_to_another_address_is_blocked(network_attempts):
    async with aiohttp.ClientSession() as session:
        with pytest.raises(NonLoopbackConnection, match=DOCUMENTATION_ADDRESS):
            await session.get(f"http://{DOCUMENTATION_ADDRESS}/")
    assert network_attempts == [f"connection to {DOCUMENTATION_ADDRESS}"]
    network_attempts.clear()


async def test_the_feed_client_never_looks_up_nascars_host(network_attempts):
    async with aiohttp.ClientSession() as session:
        with pytest.raises(NonLoopbackConnection, match="cf.nascar.com"):
            await FeedClient(session, DEFAULT_FEED_URL, timeout=1).fetch(f"{DEFAULT_FEED_URL}/2023/race_list_basic.json")
    assert network_attempts == ["name lookup of cf.nascar.com"]  # refused before any DNS query
    network_attempts.clear()


def test_a_blocked_socket_never_starts_connecting(network_attempts):
    with socket.socket() as sock:
        sock.setblocking(False)
        with pytest.raises(NonLoopbackConnection):
            sock.connect((DOCUMENTATION_ADDRESS, 80))
        with pytest.raises(OSError):  # ENOTCONN: no connection is in progress, no SYN was sent
            sock.getpeername()
    network_attempts.clear()


async def test_loopback_stays_open():
    async with FakeFeed() as feed, aiohttp.ClientSession() as session:
        feed.serve("2023/race_list_basic.json", b"{}")
        assert await FeedClient(session, feed.base_url, timeout=5).fetch(f"{feed.base_url}/2023/race_list_basic.json") == b"{}"


@pytest.mark.parametrize("swallowed", [False, True], ids=["raised", "swallowed"])
def test_a_child_process_is_guarded_and_exits_loudly(swallowed):
    attempt = f"urllib.request.urlopen('http://{DOCUMENTATION_ADDRESS}/', timeout=5)"
    script = (
        f"import urllib.request\ntry:\n    {attempt}\nexcept Exception:\n    pass"
        if swallowed
        else f"import urllib.request; {attempt}"
    )
    child = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert child.returncode == CHILD_EXIT_STATUS, child.stderr
    assert f"loopback guard: blocked name lookup of {DOCUMENTATION_ADDRESS}" in child.stderr
