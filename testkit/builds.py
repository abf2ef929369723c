"""Databases and files that many tests read, made once per test run and shared by every pytest-xdist worker."""

from __future__ import annotations

import asyncio
import fcntl
import os
import shutil
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from db.names import NameIndex
from db.store import Store


def built_once(
    tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable[[Path], None], filename: str = "pitboard.db"
) -> Path:
    """The database (or file, or directory) `name`, built by `build` once per test run (the pytest-xdist recipe: the
    first worker to take the lock in the run's shared temp directory builds it, the others wait for it and use the same
    one). Tests only read what it returns: one that writes takes a copy of its own."""
    shared = tmp_path_factory.getbasetemp()
    if "PYTEST_XDIST_WORKER" in os.environ:
        shared = shared.parent  # each worker's base temp is a folder of the run's
    folder = shared / f"built-{name}"
    folder.mkdir(exist_ok=True)
    path = folder / filename
    with open(folder / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not path.exists():
            scratch = folder / f"building-{filename}"
            if scratch.is_dir():  # left by a worker that died building it
                shutil.rmtree(scratch)
            scratch.unlink(missing_ok=True)
            build(scratch)
            scratch.rename(path)
    return path


def names_of(path: Path) -> NameIndex:
    """The name index of a database nobody writes, loaded once for a session fixture: loading it (every driver's and
    team's starts counted) is the costly part of opening a store on a whole history."""

    async def load() -> NameIndex:
        async with Store.open(path) as store:
            return await store.names()

    return asyncio.run(load())


@asynccontextmanager
async def store_with_names(path: Path, names: NameIndex) -> AsyncIterator[Store]:
    """A store of `path` starting from `names`, loaded by `names_of` from this file or the one it is a copy of."""
    async with Store.open(path) as store:
        await store.start_names(names)
        yield store
