"""Databases and files that many tests read, made once per test run and shared by every pytest-xdist worker."""

from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest


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
