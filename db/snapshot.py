"""Synchronous reads: the read-only connection, one read transaction (`Snapshot`), and `SyncStore`, the console's store.

This module imports neither asyncio nor aiosqlite: `pitboard ask` answers through it without an event loop.
The bot's `Store` (db/store.py) runs the same `Snapshot` functions on its reader threads.

The query layer's coroutines (`queries.winner(store, ...)`) only ever await the store: its `names()`, `read()` and
single statements. `SyncStore` gives them coroutines that finish without suspending, so `finish()` drives a
question to its answer in the calling thread, in one read transaction: the same code the bot awaits.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Coroutine, Hashable
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from db.health import problem_in, schema_behind

if TYPE_CHECKING:
    from db.names import NameIndex

# Readers never wait for writers in WAL mode (each reads its snapshot): their busy timeout only covers the instants
# SQLite itself takes exclusive locks (opening a WAL after a crash).
READ_BUSY_TIMEOUT_MS = 5000

T = TypeVar("T")


def default_db_path() -> Path:
    """`PITBOARD_DB` if set, else the per-user data directory (e.g. ~/.local/share/pitboard)."""
    configured = os.environ.get("PITBOARD_DB")
    if configured:
        return Path(configured).expanduser()
    import platformdirs  # only when no path is configured

    return Path(platformdirs.user_data_dir("pitboard", appauthor=False)) / "pitboard.db"


class Snapshot:
    """One read transaction: every statement run through it sees the same committed state of the database."""

    def __init__(self, conn: sqlite3.Connection):
        self._conn = conn

    def fetchall(self, sql: str, params: Any = ()) -> list[sqlite3.Row]:
        return self._conn.execute(sql, params).fetchall()

    def fetchone(self, sql: str, params: Any = ()) -> sqlite3.Row | None:
        return self._conn.execute(sql, params).fetchone()

    def scalar(self, sql: str, params: Any = ()) -> Any:
        row = self.fetchone(sql, params)
        return None if row is None else row[0]


def connect_reader(path: Path, busy_timeout_ms: int = READ_BUSY_TIMEOUT_MS) -> sqlite3.Connection:
    """A read-only connection in autocommit mode (transactions are begun explicitly); rows allow access by name.

    check_same_thread is off only so that `Store.open` can close a reader thread's connection once it stopped.
    """
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
    conn.execute("PRAGMA query_only = ON")
    return conn


class Reads(Protocol):
    """What the query layer awaits of a store: the bot's `Store` and the console's `SyncStore` both offer it."""

    async def read(self, fn: Callable[..., T], *args: Any) -> T: ...

    async def read_remembered(self, fn: Callable[..., T], *args: Hashable) -> T: ...

    async def fetchall(self, sql: str, params: Any = ()) -> list[sqlite3.Row]: ...

    async def fetchone(self, sql: str, params: Any = ()) -> sqlite3.Row | None: ...

    async def scalar(self, sql: str, params: Any = ()) -> Any: ...

    async def names(self) -> NameIndex: ...


class SyncStore:
    """A built database read in the calling thread, in one read transaction: `with SyncStore.open(path) as store:`.

    Offers the reading half of `Store` (`read`, `read_remembered`, `fetchall`, `fetchone`, `scalar`, `names`) as
    coroutines that never suspend; run a query coroutine on it with `finish`.
    Migrations are not applied: open only a built database.
    """

    def __init__(self, conn: sqlite3.Connection):
        self._conn = conn
        self._snapshot = Snapshot(conn)
        self._names: NameIndex | None = None
        self._remembered: dict[Hashable, Any] = {}

    @classmethod
    def open(cls, path: Path) -> SyncStore:
        return cls(connect_reader(path))

    @classmethod
    def open_built(cls, path: Path) -> SyncStore | None:
        """A store on `path` if it holds a built database of this Pitboard's schema, else None: db.health's cheap check,
        made on the store's own connection (a check of its own would open the file and read its schema a second
        time)."""
        if not path.exists():   # a reader would create it
            return None
        conn = connect_reader(path)
        try:
            usable = problem_in(conn, thorough=False) is None and not schema_behind(conn)   # an older Pitboard's: migrate
        except BaseException:
            conn.close()
            raise
        if usable:
            return cls(conn)
        conn.close()
        return None

    def __enter__(self) -> SyncStore:
        self._conn.execute("BEGIN")
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None) -> None:
        try:
            if self._conn.in_transaction:
                self._conn.execute("COMMIT")
        finally:
            self._conn.close()

    async def read(self, fn: Callable[..., T], *args: Any) -> T:
        return fn(self._snapshot, *args)

    async def read_remembered(self, fn: Callable[..., T], *args: Hashable) -> T:
        """`read`, remembered while the read transaction lasts (the whole `with` block: nothing can change under it);
        outside one, read anew each time."""
        if not self._conn.in_transaction:
            return fn(self._snapshot, *args)
        key = (fn, args)
        if key not in self._remembered:
            self._remembered[key] = fn(self._snapshot, *args)
        return self._remembered[key]

    async def fetchall(self, sql: str, params: Any = ()) -> list[sqlite3.Row]:
        return self._snapshot.fetchall(sql, params)

    async def fetchone(self, sql: str, params: Any = ()) -> sqlite3.Row | None:
        return self._snapshot.fetchone(sql, params)

    async def scalar(self, sql: str, params: Any = ()) -> Any:
        return self._snapshot.scalar(sql, params)

    async def names(self) -> NameIndex:
        """The name index; its parts are read from this snapshot when a lookup first needs them."""
        from db.names import NameIndex

        if self._names is None:
            self._names = NameIndex.read(self._snapshot)
        return self._names


def finish(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine that never suspends (one awaiting only a `SyncStore`) to its result, without an event loop."""
    try:
        coroutine.send(None)
    except StopIteration as done:
        return done.value
    coroutine.close()
    raise RuntimeError("a coroutine run by finish() suspended: it awaited something other than a SyncStore")
