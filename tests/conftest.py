"""Shared fixtures: a small hand-made store, the real bundled history, and the network guard: no test, and no
process a test starts, may connect to anything but 127.0.0.1 or ::1.

Each database that many tests use is built once per test run, shared by every pytest-xdist worker, and never
written: a test that writes gets its own copy (`empty_db`, `small_store`, `subset_db_copy`, `real_db_copy`). Tests of what a
build does (locks, repair, full disks, rebuilds under writers) build a few seasons of the real history
(`history_subset`, through PITBOARD_HISTORY) rather than all of it; tests of the bundled history itself read the one
full build (`real_db`), and its name index, the costly part of opening a store on it, is loaded once per worker and
handed to every store of it or of a copy (`real_names`, `real_store`, `real_store_copy`)."""

from __future__ import annotations

import asyncio
import gc
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from db.build import build_database
from db.history import HISTORY_VARIABLE, HistorySource
from db.names import NameIndex
from db.store import Store
from testkit.builds import built_once, names_of, store_with_names
from testkit.netguard import loopback_only
from testkit.samples import SMALL_CUP, SMALL_TRUCK, fill_store, rows, write_history_subset

loopback_only.guard_process_tree()  # in this process and every process a test starts

# Property-based tests: a quick default run; `make fuzz` selects the long one.
settings.register_profile("default", max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("fuzz", max_examples=5000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


def pytest_collection_finish(session: pytest.Session) -> None:
    """Workers run the tests under `pitboard run`'s garbage-collector settings (bot/runner.py `serving_gc`): what a
    worker imported and collected is frozen out of the full passes, which otherwise walked every module of discord.py,
    aiohttp, matplotlib and the rest each time, and young objects are collected less often. Garbage collection took
    ~12% of a worker's CPU, now ~3%. Objects the tests make stay collectable: a leak still raises its ResourceWarning."""
    from bot.runner import serving_gc  # imported by the test modules already

    gc.collect()   # only what is alive now is frozen
    serving_gc()


@pytest.fixture(autouse=True)
def network_attempts() -> Iterator[list[str]]:
    """Fail the test if it tried to reach beyond loopback, even when the code under test swallowed the error.
    A test that provokes an attempt on purpose takes this fixture and clears it."""
    loopback_only.attempts.clear()
    yield loopback_only.attempts
    if loopback_only.attempts:
        pytest.fail(f"tried to reach beyond loopback: {loopback_only.attempts}", pytrace=False)


@pytest.fixture(scope="session")
def empty_template(tmp_path_factory) -> Path:
    """A database with the whole schema and no data, made once; tests must not write to it (use empty_db)."""

    async def migrate(path: Path) -> None:
        async with Store.open(path):
            pass

    return built_once(tmp_path_factory, "empty", lambda path: asyncio.run(migrate(path)))


@pytest.fixture
def empty_db(empty_template, tmp_path) -> Path:
    """A new database of this test's own: a copy of `empty_template` (migrating a new file costs ~65 ms)."""
    copy = tmp_path / "pitboard.db"
    shutil.copy(empty_template, copy)
    return copy


@pytest.fixture(scope="session")
def small_db(tmp_path_factory) -> Path:
    """The small hand-made history (testkit.samples), built once; tests must not write to it (use small_store)."""

    async def fill(path: Path) -> None:
        async with Store.open(path) as store:
            await fill_store(store, [("cup", rows(SMALL_CUP)), ("truck", rows(SMALL_TRUCK))])

    return built_once(tmp_path_factory, "small", lambda path: asyncio.run(fill(path)))


@pytest.fixture
async def small_store(small_db, tmp_path):
    """A store of the small history, on a copy of its own."""
    copy = tmp_path / "small.db"
    shutil.copy(small_db, copy)
    async with Store.open(copy) as store:
        yield store


@pytest.fixture(scope="session")
def real_db(tmp_path_factory) -> Path:
    """The full bundled history, built once per test run; tests must not write to it (use real_db_copy)."""
    return built_once(tmp_path_factory, "real", lambda path: asyncio.run(build_database(path, show_progress=False)))


@pytest.fixture(scope="session")
def real_names(real_db) -> NameIndex:
    """The bundled history's name index, loaded once per worker (real_db never changes)."""
    return names_of(real_db)


@pytest.fixture
async def real_store(real_db, real_names):
    """A store of the full bundled history (read it only), starting from the worker's one load of its name index."""
    async with store_with_names(real_db, real_names) as store:
        yield store


@pytest.fixture
def real_db_copy(real_db, tmp_path) -> Path:
    copy = tmp_path / "pitboard.db"
    shutil.copy(real_db, copy)
    return copy


@pytest.fixture
async def real_store_copy(real_db_copy, real_names):
    """A store of a copy of the full bundled history, for tests that write. Its name index starts from the worker's one
    load: the copy's names are the bundled history's until the test changes them, which reloads it as always."""
    async with store_with_names(real_db_copy, real_names) as store:
        yield store


@pytest.fixture(scope="session")
def history_subset_dir(tmp_path_factory) -> Path:
    """A PITBOARD_HISTORY directory of a few seasons of the bundled history (testkit.samples.SUBSET_SEASONS), written once."""
    return built_once(tmp_path_factory, "history-subset", write_history_subset, filename="history")


@pytest.fixture
def history_subset(history_subset_dir, monkeypatch) -> Path:
    """Builds in this test, in-process or by a `pitboard` it starts, read the history subset (PITBOARD_HISTORY)."""
    monkeypatch.setenv(HISTORY_VARIABLE, str(history_subset_dir))
    return history_subset_dir


@pytest.fixture(scope="session")
def subset_db(tmp_path_factory, history_subset_dir) -> Path:
    """The history subset, built once per test run; tests must not write to it (use subset_db_copy)."""
    subset = HistorySource(history_subset_dir)

    def build(path: Path) -> None:
        asyncio.run(build_database(path, show_progress=False, history=subset))

    return built_once(tmp_path_factory, "subset", build)


@pytest.fixture
def subset_db_copy(subset_db, history_subset, tmp_path) -> Path:
    """A copy of the subset's database that builds in this test rebuild from the same subset."""
    copy = tmp_path / "pitboard.db"
    shutil.copy(subset_db, copy)
    return copy
