"""Advisory locks between Pitboard processes on one database (fcntl.flock on side files next to it).

- The build lock (`pitboard.db.build.lock`): one build at a time. `pitboard db build` and every first-run
  command take it, so nobody builds, repairs or puts a file in place while another process does.
- The run lock (`pitboard.db.run.lock`): one `pitboard run` per database, taken without waiting.

The kernel releases a flock when its holder dies, so a lock is never stale. Lock files are never
deleted (a deleted lock file would let two processes each lock their own copy). Each lock file
records its holder's pid, and the build lock the token of the last build that completed, so a
process that waited can tell whether a build finished meanwhile.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import secrets
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path

POLL_SECONDS = 0.05


class InstanceRunning(Exception):
    """Another process holds the run lock of this database (`holder_pid` when it wrote it down)."""

    def __init__(self, database: Path, holder_pid: int | None):
        self.database = database
        self.holder_pid = holder_pid
        super().__init__(f"{database} is in use by another process" + (f" (pid {holder_pid})" if holder_pid else ""))


def build_lock_path(database: Path) -> Path:
    return database.with_name(f"{database.name}.build.lock")


def run_lock_path(database: Path) -> Path:
    return database.with_name(f"{database.name}.run.lock")


def _open_lock_file(path: Path) -> int:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    return os.open(path, os.O_RDWR | os.O_CREAT, 0o600)


def _read_fields(fd: int) -> dict[str, str]:
    """`pid 123` / `built 9f…` lines of a lock file (empty while its holder rewrites it)."""
    text = os.pread(fd, 4096, 0).decode("ascii", "replace")
    return dict(line.split(" ", 1) for line in text.splitlines() if " " in line)


def _write_fields(fd: int, fields: dict[str, str]) -> None:
    data = "".join(f"{key} {value}\n" for key, value in fields.items()).encode("ascii")
    os.ftruncate(fd, 0)
    os.pwrite(fd, data, 0)


def _holder(fields: dict[str, str]) -> int | None:
    pid = fields.get("pid", "")
    return int(pid) if pid.isdigit() else None


def _try_lock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


@dataclass
class BuildLock:
    """The held build lock. `finished_while_waiting`: another build completed while this process waited."""

    fd: int
    finished_while_waiting: bool

    def mark_built(self) -> None:
        """Record that a build completed (processes waiting for this lock see it)."""
        _write_fields(self.fd, {"pid": str(os.getpid()), "built": secrets.token_hex(8)})


@asynccontextmanager
async def build_lock(database: Path, on_wait: Callable[[int | None], None] = lambda holder_pid: None) -> AsyncIterator[BuildLock]:
    """Hold the build lock of `database`, waiting for it if needed (`on_wait(holder pid)` is called once first)."""
    fd = _open_lock_file(build_lock_path(Path(database)))
    try:
        built_before = _read_fields(fd).get("built")
        waited = False
        while not _try_lock(fd):
            if not waited:
                waited = True
                on_wait(_holder(_read_fields(fd)))
            await asyncio.sleep(POLL_SECONDS)
        fields = _read_fields(fd)
        lock = BuildLock(fd, finished_while_waiting=waited and fields.get("built") != built_before)
        _write_fields(fd, {"pid": str(os.getpid()), **({"built": fields["built"]} if "built" in fields else {})})
        yield lock
    finally:
        os.close(fd)  # closing the only descriptor releases the flock


@contextmanager
def run_lock(database: Path) -> Iterator[None]:
    """Hold the single-instance lock of `database` for `pitboard run`; InstanceRunning if another process has it."""
    database = Path(database)
    fd = _open_lock_file(run_lock_path(database))
    try:
        if not _try_lock(fd):
            raise InstanceRunning(database, _holder(_read_fields(fd)))
        _write_fields(fd, {"pid": str(os.getpid())})
        yield
    finally:
        os.close(fd)

