"""The SQLite store: one writer connection, a pool of reader connections, numbered migrations.

Writes go through one long-lived aiosqlite connection, one transaction at a time (`transaction()`).
Reads never use it: `read(fn, ...)` runs a synchronous function on a reader connection of its own, inside
one read transaction, in one hop to a reader thread. WAL gives that transaction a consistent snapshot of
what was committed when it began, so a command never sees a writer's uncommitted (half-written) rows, and
all the statements of one command see the same state.
"""

from __future__ import annotations

import asyncio
import collections
import functools
import logging
import os
import queue
import sqlite3
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable, Iterable
from contextlib import AsyncExitStack, asynccontextmanager, suppress
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

from db.health import MIGRATION_NAME
from db.names import NameIndex
from db.snapshot import Snapshot, connect_reader

log = logging.getLogger(__name__)

# How long a connection waits for a lock another connection holds before it fails with "database is locked".
# Writers wait out `pitboard db build`'s swap, one write transaction over every data table: about a second,
# 2 s measured for a swap that rewrites every row (364,000) on a loaded 2-core machine. 30 s leaves a wide
# margin for slow disks; a lock held longer than that is a stuck process, and the write fails with the
# error instead of hanging the command. (Readers' busy timeout: db/snapshot.py.)
WRITE_BUSY_TIMEOUT_MS = 30_000
# Reader threads, each with its own connection: SQLite releases the GIL while it steps, so one reader's SQL overlaps
# another's Python; more threads only add GIL handoffs on a small host.
READERS = 2
REMEMBERED_READS = 1024   # answers of `remembered` kept per generation of the data

T = TypeVar("T")


@functools.cache
def bundled_migrations() -> tuple[tuple[int, str, str], ...]:
    """(version, file name, SQL) for every migration shipped in db/migrations, in order (read once a process: every
    store opened reads them, ~1.5 ms of files)."""
    found = []
    for entry in resources.files("db.migrations").iterdir():
        match = MIGRATION_NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    found.sort()
    versions = [version for version, _, _ in found]
    if versions != list(range(1, len(versions) + 1)):
        raise RuntimeError(f"migrations must be numbered 1..N without gaps, found {versions}")
    return tuple(found)


def create_private_file(path: Path) -> None:
    """Create an empty file readable only by its owner (the database holds server settings)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_EXCL, 0o600)
    os.close(fd)


class _ReaderPool:
    """Reader threads, each owning one reader connection (opened on its first task), fed from one queue.

    The cost of a hop is mostly waking threads: the reader (a SimpleQueue, no executor bookkeeping) and then
    the event loop (a write to its self-pipe). Finished reads are handed back in batches: a reader appends its
    outcome to `_done` and wakes the loop only if no wakeup is already pending, so under load one wakeup
    settles every read finished meanwhile (bench/hop.py measures the ways of hopping).
    """

    _STOP = None

    def __init__(self, path: Path, size: int, loop: asyncio.AbstractEventLoop):
        self._path = path
        self._loop = loop
        self._tasks: queue.SimpleQueue = queue.SimpleQueue()
        self._done: collections.deque[tuple[asyncio.Future, Any, BaseException | None]] = collections.deque()
        self._wakeup_pending = False
        self._stopped: list[asyncio.Future[None]] = [loop.create_future() for _ in range(size)]
        self._threads = [
            threading.Thread(target=self._serve, args=(stopped,), name=f"pitboard-read-{n}", daemon=True)
            for n, stopped in enumerate(self._stopped)
        ]
        for thread in self._threads:
            thread.start()

    def _serve(self, stopped: asyncio.Future[None]) -> None:
        conn: sqlite3.Connection | None = None
        try:
            while (task := self._tasks.get()) is not self._STOP:
                future, fn, args = task
                if future.cancelled():
                    continue
                try:
                    conn = conn or connect_reader(self._path)
                    outcome, failure = self._in_snapshot(conn, fn, args), None
                except BaseException as error:  # handed to the awaiting task, as an executor would
                    outcome, failure = None, error
                self._done.append((future, outcome, failure))
                # Seeing True means a wakeup is queued that has not started settling yet: it will settle this one.
                if not self._wakeup_pending:
                    self._wakeup_pending = True
                    with suppress(RuntimeError):  # the loop closed while the read ran: nobody waits
                        self._loop.call_soon_threadsafe(self._settle_done)
        finally:
            if conn is not None:
                conn.close()
            with suppress(RuntimeError):  # the loop closed first: nobody waits
                self._loop.call_soon_threadsafe(self._mark_stopped, stopped)

    @staticmethod
    def _mark_stopped(stopped: asyncio.Future[None]) -> None:
        if not stopped.done():  # a close cancelled while waiting
            stopped.set_result(None)

    def _settle_done(self) -> None:
        """On the loop: settle every finished read (cleared first, so a read finished meanwhile wakes it again)."""
        self._wakeup_pending = False
        done = self._done
        while done:
            future, outcome, failure = done.popleft()
            if future.cancelled():
                continue
            if failure is not None:
                future.set_exception(failure)
            else:
                future.set_result(outcome)

    @staticmethod
    def _in_snapshot(conn: sqlite3.Connection, fn: Callable[..., T], args: tuple) -> T:
        conn.execute("BEGIN")
        try:
            return fn(Snapshot(conn), *args)
        finally:
            if conn.in_transaction:  # an error may already have ended it
                conn.execute("COMMIT")

    def run(self, fn: Callable[..., T], *args: Any) -> asyncio.Future[T]:
        """A future for `fn(snapshot, *args)`, resolved on the pool's loop."""
        future: asyncio.Future[T] = self._loop.create_future()
        self._tasks.put((future, fn, args))
        return future

    async def close(self) -> None:
        """Stop every reader once its read in hand is done; each closes its connection. Awaited on the loop, not
        joined from a thread: no executor thread is started (and joined when the loop ends) for a store's close."""
        for _ in self._threads:
            self._tasks.put(self._STOP)
        await asyncio.gather(*self._stopped)


class _CommitWatch:
    """Tells cheaply whether any connection, in this process or another, committed since the last look.

    `PRAGMA data_version` changes whenever a connection other than the one asking committed (this process's
    writer included). It is per connection, so the watch has its own, used only from the event loop: the
    look is a glance at the WAL index in shared memory (at most one page read), microseconds, cheaper than
    a hop to a reader thread. With no busy timeout, a database locked by another process answers "no news"
    at once instead of blocking the loop: a later look sees the commit.
    """

    def __init__(self, path: Path):
        self._conn = connect_reader(path, busy_timeout_ms=0)
        self._seen = self._version()

    def _version(self) -> int | None:
        try:
            return self._conn.execute("PRAGMA data_version").fetchone()[0]
        except sqlite3.OperationalError:
            return None

    def changed(self) -> bool:
        version = self._version()
        if version is None or version == self._seen:
            return False
        self._seen = version
        return True

    def close(self) -> None:
        self._conn.close()


def _name_fingerprint(snapshot: Snapshot) -> tuple:
    """Changes whenever the name index would read something else, by any process: a track, driver, team or alias added
    or removed, a race added or run (the races a name like "daytona 500" means), a driver's or team's first start in a
    series (who is asked about in which series).

    Names are only ever inserted (feed imports) or removed with their rows, never renamed in place by the bot's own
    code paths, so the highest id and the row count of each table catch every change; races are counted once run
    (a scheduled race is no answer yet). A driver's tally of starts in a series that he had started in already only
    ranks him among namesakes and is not watched. Counting scans the alias and race tables (a few thousand short rows:
    well under a millisecond), and this only runs after some connection committed.
    """
    return tuple(snapshot.fetchall(
        """SELECT (SELECT max(id) FROM drivers), (SELECT count(*) FROM drivers),
                  (SELECT max(id) FROM tracks), (SELECT count(*) FROM tracks),
                  (SELECT max(id) FROM teams), (SELECT count(*) FROM teams),
                  (SELECT count(*) FROM driver_aliases), (SELECT count(*) FROM track_aliases),
                  (SELECT count(*) FROM series_aliases),
                  (SELECT max(id) FROM races), (SELECT count(*) FROM races WHERE status != 'scheduled'),
                  (SELECT count(*) FROM driver_series_starts), (SELECT count(*) FROM team_series_starts)"""
    )[0])   # an aggregate without GROUP BY: always one row


class Store:
    """The database. Use as `async with Store.open(path) as store:`.

    `conn` is the writer connection: use it only through `transaction()` (or for migrations and maintenance).
    Reads go through `read()`, or `fetchall`/`fetchone`/`scalar` for a single statement.
    """

    def __init__(self, conn: aiosqlite.Connection, path: Path, readers: _ReaderPool, commits: _CommitWatch):
        self.conn = conn
        self.path = path
        self._readers = readers
        self._commits = commits
        self._write_lock = asyncio.Lock()
        self._names: NameIndex | None = None
        self._names_fingerprint: tuple | None = None
        self._names_generation = -1
        self._names_lock = asyncio.Lock()
        self._generation = 0                      # bumped whenever any connection committed since the last look
        self._remembered: dict[Hashable, Any] = {}   # remembered answers, all of generation _remembered_generation
        self._remembered_generation = 0

    @classmethod
    @asynccontextmanager
    async def open(
        cls,
        path: Path | str,
        *,
        migrations: Iterable[tuple[int, str, str]] | None = None,
    ) -> AsyncIterator[Store]:
        """Open (creating if needed) and migrate the database; always closes every connection."""
        path = Path(path)
        if not path.exists():
            create_private_file(path)
        async with AsyncExitStack() as closing:  # closes whatever was opened, in reverse order, whatever fails
            conn = await aiosqlite.connect(path, isolation_level=None)
            closing.push_async_callback(conn.close)
            conn.row_factory = aiosqlite.Row
            await conn.executescript(  # one hop to the writer thread, not four (~0.7 ms each)
                f"PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = {WRITE_BUSY_TIMEOUT_MS}; "
                "PRAGMA synchronous = NORMAL;"
            )
            readers = _ReaderPool(path, READERS, asyncio.get_running_loop())
            closing.push_async_callback(readers.close)
            commits = _CommitWatch(path)
            closing.callback(commits.close)
            store = cls(conn, path, readers, commits)
            await store.migrate(bundled_migrations() if migrations is None else migrations)
            yield store

    async def schema_version(self) -> int:
        return int((await self.scalar("PRAGMA user_version")) or 0)

    async def migrate(self, migrations: Iterable[tuple[int, str, str]]) -> None:
        """Apply every migration newer than `PRAGMA user_version`, each in one transaction.

        Foreign keys are off while migrations run and checked before each commits: SQLite's procedure for rebuilding
        a table others reference (with them on, its DROP would cascade to the referencing rows). Each migration is
        sent as one script (one hop to the writer thread, not one per statement: a new database's schema in ~20 hops
        instead of ~300). The script opens the transaction and leaves it open: sqlite3's executescript commits only
        a transaction begun before it.
        """
        current = await self.schema_version()
        pending = [(version, name, sql) for version, name, sql in migrations if version > current]
        if not pending:
            return
        await self.conn.execute("PRAGMA foreign_keys = OFF")
        try:
            for version, name, sql in pending:
                log.info("applying migration %s", name)
                async with self._write_lock:
                    try:
                        await self.conn.executescript(f"BEGIN IMMEDIATE;\n{sql}\n;PRAGMA user_version = {int(version)};")
                        broken = list(await self.conn.execute_fetchall("PRAGMA foreign_key_check"))
                        if broken:
                            table, rowid, parent = broken[0][:3]
                            raise RuntimeError(
                                f"migration {name} leaves {table} row {rowid} referencing a missing {parent} row"
                            )
                        await self.conn.execute("COMMIT")
                    except BaseException:
                        await self._roll_back()
                        raise
        finally:
            await self.conn.execute("PRAGMA foreign_keys = ON")

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """One write transaction at a time, committed whole or rolled back on any error.

        Reads that must see this transaction's own uncommitted rows go through the connection it yields;
        `read()` and `fetchall()` see only what was committed.
        """
        async with self._write_lock:
            await self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
                await self.conn.execute("COMMIT")
            except BaseException:
                await self._roll_back()
                raise

    async def _roll_back(self) -> None:
        """Roll back if a transaction is still open: after some errors (SQLITE_FULL, SQLITE_IOERR) SQLite already
        did, and a ROLLBACK would only replace the real error with "no transaction is active"."""
        if not self.conn.in_transaction:
            return
        try:
            await self.conn.execute("ROLLBACK")
        except sqlite3.Error:
            log.exception("ROLLBACK failed after an error in a write transaction")

    async def read(self, fn: Callable[..., T], *args: Any) -> T:
        """`fn(snapshot, *args)` in one hop to a reader thread, inside one read transaction (one consistent snapshot)."""
        return await self._readers.run(fn, *args)

    async def fetchall(self, sql: str, params: Any = ()) -> list[sqlite3.Row]:
        """All rows of one statement, read from the committed state in one hop."""
        return await self.read(Snapshot.fetchall, sql, params)

    async def fetchone(self, sql: str, params: Any = ()) -> sqlite3.Row | None:
        return await self.read(Snapshot.fetchone, sql, params)

    async def scalar(self, sql: str, params: Any = ()) -> Any:
        return await self.read(Snapshot.scalar, sql, params)

    def data_generation(self) -> int:
        """A number that changes whenever any connection, in this process or another, committed since the last look
        (one `PRAGMA data_version` on the event loop: microseconds)."""
        if self._commits.changed():
            self._generation += 1
        return self._generation

    async def remembered(self, key: Hashable, compute: Callable[[], Awaitable[T]]) -> T:
        """`await compute()`, remembered under `key` until any connection commits: for answers that depend on nothing
        but the database and the key (a season's schedule, a rendered /winner). The answer is shared: callers must not
        change it. Errors are not remembered.

        The generation is taken before computing, so a commit during it is caught by the next look.
        """
        generation = self.data_generation()
        if generation != self._remembered_generation:
            self._remembered.clear()
            self._remembered_generation = generation
        if key in self._remembered:
            return self._remembered[key]
        answer = await compute()
        if generation == self._remembered_generation and len(self._remembered) < REMEMBERED_READS:
            self._remembered[key] = answer
        return answer

    async def read_remembered(self, fn: Callable[..., T], *args: Hashable) -> T:
        """`read(fn, *args)`, remembered until any connection commits (see `remembered`): for reference data a command
        reads over and over."""
        return await self.remembered((fn, args), lambda: self.read(fn, *args))

    async def names(self) -> NameIndex:
        """The name index (tracks, drivers, series, the races run), reloaded when what it reads changed (`_name_fingerprint`)
        in this process or another.

        The common case costs one `PRAGMA data_version` on the event loop; only after some connection committed
        is its fingerprint read (one hop), and only if that changed is the index reloaded.
        The generation and the fingerprint are taken before the load: a change made during it is caught by the next look.
        """
        if (self._names is not None and not self._names_lock.locked()
                and self.data_generation() == self._names_generation):
            return self._names
        async with self._names_lock:
            generation = self.data_generation()
            fingerprint = await self.read(_name_fingerprint)
            if self._names is None or fingerprint != self._names_fingerprint:
                self._names = await NameIndex.load(self)
                self._names_fingerprint = fingerprint
            self._names_generation = generation
            return self._names

    def forget_names(self) -> None:
        """Drop the cached name index after new drivers or tracks were written."""
        self._names = None

    async def start_names(self, index: NameIndex) -> None:
        """Start from `index`, loaded by another Store from this same file, instead of loading it again: for stores of
        a database nobody writes (the tests share one load of the bundled history). The caller vouches that the names
        did not change since `index` was loaded; a change after this call reloads it as `names()` always does."""
        async with self._names_lock:
            self._names_generation = self.data_generation()
            self._names_fingerprint = await self.read(_name_fingerprint)
            self._names = index
