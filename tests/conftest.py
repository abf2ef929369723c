"""Shared fixtures: a small hand-made store, the real bundled history built once per session, and the network
guard: no test, and no process a test starts, may connect to anything but 127.0.0.1 or ::1."""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from db.build import build_database
from db.store import Store
from testkit.netguard import loopback_only
from testkit.samples import SMALL_CUP, SMALL_TRUCK, fill_store, rows

loopback_only.guard_process_tree()  # in this process and every process a test starts

# Property-based tests: a quick default run; `make fuzz` selects the long one.
settings.register_profile("default", max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("fuzz", max_examples=5000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

@pytest.fixture(autouse=True)
def network_attempts() -> Iterator[list[str]]:
    """Fail the test if it tried to reach beyond loopback, even when the code under test swallowed the error.
    A test that provokes an attempt on purpose takes this fixture and clears it."""
    loopback_only.attempts.clear()
    yield loopback_only.attempts
    if loopback_only.attempts:
        pytest.fail(f"tried to reach beyond loopback: {loopback_only.attempts}", pytrace=False)


@pytest.fixture
async def small_store(tmp_path):
    async with Store.open(tmp_path / "small.db") as store:
        await fill_store(store, [("cup", rows(SMALL_CUP)), ("truck", rows(SMALL_TRUCK))])
        yield store


@pytest.fixture(scope="session")
def real_db(tmp_path_factory) -> Path:
    """The full bundled history, built once; tests must not write to it (use real_db_copy)."""
    path = tmp_path_factory.mktemp("real") / "pitboard.db"
    asyncio.run(build_database(path, show_progress=False))
    return path


@pytest.fixture
async def real_store(real_db):
    async with Store.open(real_db) as store:
        yield store


@pytest.fixture
def real_db_copy(real_db, tmp_path) -> Path:
    copy = tmp_path / "pitboard.db"
    shutil.copy(real_db, copy)
    return copy
