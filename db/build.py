"""`pitboard db build`: build the race database from the bundled history (NASCAR's and F1's), safely whatever else uses it.

Every build holds the build lock (db/locks.py): one build at a time, and a first-run command waits for a
running build and then uses its result. The fresh history is always built into a private temp file
(`.pitboard.db.build-<pid>-<random>`, journal in memory and no fsync while it is written: nothing else
sees it until it is checked), then checked: WAL checkpoint with its result checked, `PRAGMA quick_check`.
Then one of three endings:

- **Rebuild** (a healthy database exists). It is never replaced as a file: a running bot or import may
  hold it open in WAL mode, and a rename over it leaves them writing through a WAL and shared memory that
  no longer match the file, which corrupts it for good. Instead the feed documents (NASCAR's and Jolpica's) recorded in the live
  database are replayed onto the temp file, and then, in ONE write transaction on the live database, the
  rows of every data table (DATA_TABLES) are made equal to the temp file's (ATTACH; DELETE the rows that
  differ, INSERT … SELECT the missing ones, so an unchanged history writes nothing and keeps every id),
  and any feed document imported since the replay snapshot is applied on top. WAL gives every reader in
  every process the old data or the new, never a mix; writers wait for the swap (about a second).
  Every other table is state (settings, ledgers, and any table added later that is not listed as data):
  it is never touched, so what the bot writes before, during or after the build is kept.
  Not the backup API: it copies whole pages, state tables included, so settings written during the build
  would be lost, and a live writer restarts it. Not a swap under an exclusive lock: the bot would have to stop.
- **First build** (no file). The checked temp file is fsynced and renamed into place, then the directory is
  fsynced. Nobody can have the file open: every command waits for the build lock before it opens a missing
  database (ensure_database).
- **Repair** (a file that is not built: see db/health.py). The broken file and its -wal/-shm are moved aside
  to `pitboard.db.corrupt-YYYYmmdd-HHMMSS`, whatever state rows and feed documents can still be read from it
  are copied onto the temp file (the documents are replayed), and the temp file is put in place as for a first
  build. Refused while `pitboard run` has the database open (its run lock is held).

A full disk or a file size limit during any build is DiskFull: the database is as it was and the temp
files are removed.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import os
import resource
import secrets
import sqlite3
import sys
import zlib
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import aiosqlite

from db import jolpica
from db.errors import FeedError
from db.f1db import Rows as F1Rows
from db.f1db import load_f1
from db.health import DatabaseNotBuilt, problem_with
from db.history import HistorySource, Reference, SeriesRows, add_curated_tracks, load_history, load_reference
from db.locks import BuildLock, build_lock, run_lock
from db.nascar_feed import import_document, parse_document, write_document
from db.records import Record
from db.store import Store, create_private_file

log = logging.getLogger(__name__)

# Tables rebuilt from the bundled history and the recorded feed documents. Every other table is state.
DATA_TABLES = (
    "series", "series_aliases", "tracks", "track_aliases", "drivers", "driver_aliases", "teams", "grands_prix",
    "races", "results", "loop_stats", "stage_results", "leader_stints", "cautions", "non_starters", "sprint_results",
    "qualifying_results", "race_sessions", "driver_standings", "team_standings", "feed_documents",
    "weekend_sessions", "weekend_runs", "run_results",
    # Tallies the triggers of migration 0018 keep equal to results and races: equal already when the swap reaches
    # them (last, after the tables they count); data, so a repair never copies a damaged file's counts as state.
    "driver_series_starts", "team_series_starts",
)
# Migration 0018's tallies of starts, each with the count its triggers keep it equal to, and those triggers.
TALLIES = {
    "driver_series_starts": "SELECT x.driver_id, r.series_id, count(*) FROM results x JOIN races r ON r.id = x.race_id "
                            "GROUP BY x.driver_id, r.series_id",
    "team_series_starts": "SELECT x.team_id, r.series_id, count(*) FROM results x JOIN races r ON r.id = x.race_id "
                          "WHERE x.team_id IS NOT NULL GROUP BY x.team_id, r.series_id",
}
TALLY_TRIGGERS = ("results_add_starts", "results_take_starts", "results_move_starts",
                  "races_take_starts", "races_add_starts", "races_move_starts")
SWAP_BUSY_TIMEOUT_MS = 120_000  # the swap waits this long for other writers (a bot's settings write, an import)
SQLITE_IOERR, SQLITE_FULL = 10, 13


class DiskFull(Exception):
    """The build ran out of space (or hit a file size limit); the database is as it was."""

    def __init__(self, target: Path, cause: str, existed: bool):
        self.target = target
        self.cause = cause
        outcome = "the old database is unchanged" if existed else "no database was written"
        super().__init__(f"{cause} while building {target}; {outcome}")


class _Sources(Record):
    """The history rows a build loads: NASCAR's per series, and F1's (None: no F1)."""

    nascar: SeriesRows
    f1: F1Rows | None


class Salvage(Record):
    """What a repair took from the damaged database before building a new one."""

    moved_to: Path
    problem: str                                        # why the database was not usable
    kept: dict[str, int]                                # state table -> rows copied; feed_documents -> replayed
    lost: dict[str, str] = field(default_factory=dict)  # table (or "database") -> what could not be read or kept


class BuildReport(Record):
    path: Path
    outcome: Literal["built", "rebuilt", "repaired", "built meanwhile"]  # "built meanwhile": by another process
    counts: dict[str, int]          # races, results, drivers, tracks in the database now
    feeds_replayed: int
    state_rows_kept: int
    salvage: Salvage | None = None
    rows_written: int | None = None  # rebuild: data rows that differed from the fresh build (None: a whole new file)


class _FeedDocument(Record):
    kind: str
    key: str
    sha256: str
    imported_at: str
    body: bytes                     # zlib-compressed JSON, as stored

    @property
    def identity(self) -> tuple[str, str, str]:
        return self.kind, self.key, self.sha256


async def build_database(
    target: Path,
    *,
    show_progress: bool = True,
    rows_by_series: SeriesRows | None = None,
    f1_rows: F1Rows | None = None,
    history: HistorySource | None = None,
    on_wait: Callable[[int | None], None] = lambda holder_pid: None,
) -> BuildReport:
    """Build, rebuild or repair the database at `target` from `history` (default HistorySource.configured(): the
    bundled files, or PITBOARD_HISTORY's directory), or from rows of your own: `rows_by_series` for NASCAR's history,
    `f1_rows` for F1's (each defaults to the history source's).

    Waits for a build already running (`on_wait(its pid)` is called first); if that build completed a
    healthy database meanwhile, reports it instead of building again.
    """
    target = Path(target)
    with _full_disk_as_disk_full(target):
        async with build_lock(target, on_wait) as lock:
            exists = target.exists()
            problem = problem_with(target, thorough=True) if exists else None
            if lock.finished_while_waiting and exists and problem is None:
                async with Store.open(target) as store:
                    return BuildReport(target, "built meanwhile", await _counts(store), 0, 0)
            history = history or HistorySource.configured()
            nascar = history.nascar() if rows_by_series is None else rows_by_series
            sources = _Sources(nascar, f1_rows or history.f1())
            return await _build_locked(target, lock, exists, problem, show_progress, sources)


async def ensure_database(
    path: Path,
    *,
    thorough: bool = False,
    on_wait: Callable[[int | None], None] | None = None,
) -> None:
    """Before a command opens the database: build it on first use, wait for a build in progress, and raise
    DatabaseNotBuilt for a file that is not a built database (`thorough`: run `quick_check` too)."""
    path = Path(path)
    if path.exists() and problem_with(path, thorough=thorough) is None:
        return
    with _full_disk_as_disk_full(path):
        async with build_lock(path, on_wait or _say_waiting(path)) as lock:
            if path.exists():
                problem = problem_with(path, thorough=thorough)
                if problem is not None:
                    raise DatabaseNotBuilt(path, problem)
                return
            print(f"First run: building the race database at {path} (takes a few seconds)…", file=sys.stderr)
            history = HistorySource.configured()
            sources = _Sources(history.nascar(), history.f1())
            await _build_locked(path, lock, exists=False, problem=None, show_progress=sys.stderr.isatty(), sources=sources)


@contextmanager
def _full_disk_as_disk_full(target: Path) -> Iterator[None]:
    """Turn a full disk or a file size limit met anywhere in a build (the lock file included) into DiskFull.

    Every ending leaves the old file in place, or none, when it fails: whether one exists says which.
    """
    try:
        yield
    except Exception as error:
        cause = _space_problem(error, target.parent)
        if cause:
            raise DiskFull(target, cause, target.exists()) from error
        raise


def _say_waiting(path: Path) -> Callable[[int | None], None]:
    def say(holder_pid: int | None) -> None:
        holder = f" (pid {holder_pid})" if holder_pid else ""
        print(f"Waiting for another build of {path}{holder} to finish…", file=sys.stderr)

    return say


async def _build_locked(
    target: Path,
    lock: BuildLock,
    exists: bool,
    problem: str | None,
    show_progress: bool,
    sources: _Sources,
) -> BuildReport:
    """The build proper; the caller holds the build lock, so every temp file present belongs to a dead build, and has
    looked at the target under it: whether it `exists`, and its `problem` if it has one."""
    _remove(target.parent.glob(f".{target.name}.build-*"))
    if not exists:
        report = await _first_build(target, sources, show_progress)
    elif problem is None:
        report = await _rebuild(target, sources, show_progress)
    else:
        report = await _repair(target, problem, sources, show_progress)
    lock.mark_built()
    log.info("%s %s: %s", report.outcome, target, report.counts)
    return report


# --------------------------------------------------------------------------- the three endings


async def _first_build(target: Path, sources: _Sources, show_progress: bool) -> BuildReport:
    async with _scratch_file(target) as scratch:
        async with Store.open(scratch) as store:
            await _load_history(store, sources, show_progress)
            counts = await _counts(store)
        await asyncio.to_thread(_seal, scratch)
        _put_in_place(scratch, target)
    return BuildReport(target, "built", counts, 0, 0)


async def _rebuild(target: Path, sources: _Sources, show_progress: bool) -> BuildReport:
    async with Store.open(target) as live:  # brings an older schema up to date before the copy
        documents = await _feed_documents(live.conn, "main")
    async with _scratch_file(target) as scratch:
        async with Store.open(scratch) as store:
            await _load_history(store, sources, show_progress)
            replayed = await _replay(store, documents)
        await asyncio.to_thread(_seal, scratch)
        counts, written, state_rows = await _swap_in(target, scratch, {document.identity for document in documents})
    return BuildReport(target, "rebuilt", counts, replayed, state_rows, rows_written=written)


async def _repair(target: Path, problem: str, sources: _Sources, show_progress: bool) -> BuildReport:
    with run_lock(target):  # InstanceRunning: a bot has the damaged file open; moving it would lose its writes
        async with _scratch_file(target) as scratch:
            async with Store.open(scratch) as store:
                await _load_history(store, sources, show_progress)
            moved_to = _move_aside(target)
            try:
                async with Store.open(scratch) as store:
                    salvage, replayed = await _salvage(store, moved_to, problem)
                    counts = await _counts(store)
                await asyncio.to_thread(_seal, scratch)
                _put_in_place(scratch, target)
            except BaseException:
                _move_back(moved_to, target)
                raise
    state_rows = sum(rows for table, rows in salvage.kept.items() if table != "feed_documents")
    return BuildReport(target, "repaired", counts, replayed, state_rows, salvage=salvage)


# --------------------------------------------------------------------------- building the temp file


@asynccontextmanager
async def _scratch_file(target: Path) -> AsyncIterator[Path]:
    """A new private file next to `target`, removed with its -wal/-shm/-journal unless it was put in place."""
    scratch = target.with_name(f".{target.name}.build-{os.getpid()}-{secrets.token_hex(4)}")
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    create_private_file(scratch)
    try:
        yield scratch
    finally:
        _remove(_with_sidecars(scratch))


async def _load_history(store: Store, sources: _Sources, show_progress: bool) -> None:
    await store.conn.execute("PRAGMA synchronous = OFF")  # private until checked: no fsync while loading
    await store.conn.execute("PRAGMA foreign_keys = OFF")  # checked once over every loaded row, not at each insert
    reference = Reference()
    with _progress_bar(show_progress) as progress:
        async with store.transaction(), _indexed_and_tallied_at_the_end(store.conn):
            await load_reference(store, reference)
            await load_history(store, reference, sources.nascar, progress)
            await add_curated_tracks(store, reference)
            if sources.f1 is not None:
                await load_f1(store.conn, sources.f1, progress)
            broken = list(await store.conn.execute_fetchall("PRAGMA foreign_key_check"))
            if broken:
                raise RuntimeError(f"the loaded history breaks {len(broken)} foreign keys, e.g. {tuple(broken[0])}")
    await store.conn.execute("PRAGMA foreign_keys = ON")


@contextmanager
def _progress_bar(shown: bool) -> Iterator[Callable[[int], None]]:
    """A progress callback taking the races loaded: a tqdm bar on stderr when shown, else nothing (tqdm is imported
    only then: it costs a build or a first-run command ~50 ms)."""
    if not shown:
        yield lambda races: None
        return
    from tqdm import tqdm

    with tqdm(desc="Building race history", unit=" races", file=sys.stderr) as bar:
        yield bar.update


@asynccontextmanager
async def _indexed_and_tallied_at_the_end(conn: aiosqlite.Connection) -> AsyncIterator[None]:
    """Load the history without migration 0018's triggers and without the results' secondary indexes, then count its
    tallies of starts in one statement each, and put indexes and triggers back as they were: a trigger run per
    inserted result cost a build ~15 µs a result, and keeping six indexes of results in order as rows arrive about a
    tenth of the build (an index made once over the loaded rows is one sort)."""
    cursor = await conn.execute(
        f"SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name IN ({', '.join('?' * len(TALLY_TRIGGERS))})",
        TALLY_TRIGGERS,
    )
    triggers = list(await cursor.fetchall())
    if len(triggers) != len(TALLY_TRIGGERS):
        raise RuntimeError(f"migration 0018's triggers are not all there: {sorted(name for name, _ in triggers)}")
    for name, _ in triggers:
        await conn.execute(f"DROP TRIGGER {name}")
    cursor = await conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
        "AND tbl_name IN ('results', 'stage_results')"
    )
    indexes = list(await cursor.fetchall())
    for name, _ in indexes:
        await conn.execute(f"DROP INDEX {name}")
    yield
    for _, sql in indexes:
        await conn.execute(sql)
    for table, count in TALLIES.items():
        await conn.execute(f"DELETE FROM {table}")
        await conn.execute(f"INSERT INTO {table} {count}")
    for _, sql in triggers:
        await conn.execute(sql)


def _seal(path: Path) -> None:
    """Leave the closed file at `path` in WAL mode with everything in the main file, and prove it reads back whole.

    A connection of its own: the building connection's history (a migration that drops a table) can make
    SQLite refuse the checkpoint on it with "database table is locked".
    """
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if mode != "wal":
            raise RuntimeError(f"could not put the new database in WAL mode (journal mode {mode})")
        busy, log_frames, checkpointed = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        if busy or log_frames != checkpointed:
            raise RuntimeError(f"the new database's checkpoint did not complete ({checkpointed} of {log_frames} frames)")
        verdict = [row[0] for row in conn.execute("PRAGMA quick_check")]
        if verdict != ["ok"]:
            raise RuntimeError(f"the new database fails quick_check: {verdict[0]}")
    finally:
        conn.close()


def _put_in_place(scratch: Path, target: Path) -> None:
    """Rename the closed, checked file to `target` (which must not exist), durably."""
    if target.exists():
        raise RuntimeError(f"{target} appeared during the build")
    _fsync(scratch)
    os.rename(scratch, target)
    _fsync(target.parent)


# --------------------------------------------------------------------------- feed documents


async def _feed_documents(conn: aiosqlite.Connection, schema: str) -> list[_FeedDocument]:
    """Every feed document of `schema`, oldest import first (the order to replay them in)."""
    async with conn.execute(
        f"SELECT kind, key, sha256, imported_at, body FROM {schema}.feed_documents ORDER BY imported_at, kind DESC"
    ) as cursor:
        return [_FeedDocument(*row) for row in await cursor.fetchall()]


async def _replay(store: Store, documents: list[_FeedDocument]) -> int:
    """Import `documents` onto the fresh history, keeping their import times; returns how many imported."""
    replayed = 0
    for document in documents:
        what = jolpica.what_of_kind(document.kind)
        try:
            body = zlib.decompress(document.body)
            if what is None:
                await import_document(store, body)
            else:
                await jolpica.import_document(store, body, what)   # validated again, like NASCAR's documents
        except (FeedError, zlib.error) as error:
            log.warning("skipped stored feed document %s %s, which no longer imports: %s", document.kind, document.key, error)
            continue
        async with store.transaction() as conn:
            await conn.execute(
                "UPDATE feed_documents SET imported_at = ? WHERE kind = ? AND key = ? AND sha256 = ?",
                (document.imported_at, document.kind, document.key, document.sha256),
            )
        replayed += 1
    return replayed


async def _apply_late_document(conn: aiosqlite.Connection, document: _FeedDocument) -> None:
    """Write a document imported into the live database after the replay snapshot (inside the swap)."""
    what = jolpica.what_of_kind(document.kind)
    try:
        body = zlib.decompress(document.body)
        if what is None:
            kind, _, parsed = parse_document(body)
            await write_document(conn, kind, parsed)
        else:
            await jolpica.write_document(conn, jolpica.parse_document(body, what))
    except (FeedError, zlib.error, ValueError) as error:
        log.warning("feed document %s %s imported during the build no longer applies: %s", document.kind, document.key, error)
        return
    await conn.execute(
        "INSERT OR REPLACE INTO main.feed_documents (kind, key, sha256, imported_at, body) VALUES (?, ?, ?, ?, ?)",
        (document.kind, document.key, document.sha256, document.imported_at, document.body),
    )


# --------------------------------------------------------------------------- the swap (rebuild)


async def _swap_in(target: Path, scratch: Path, replayed: set[tuple[str, str, str]]) -> tuple[dict[str, int], int, int]:
    """Make the live database's data rows equal to the scratch file's in one transaction; state tables stay as they are.

    Only rows that differ are written (a rebuild of unchanged history writes almost nothing, keeps every id and
    holds the write lock about a second). Returns the counts now served, the rows written and the state rows kept.
    """
    async with Store.open(target) as live:
        conn = live.conn
        await conn.execute(f"PRAGMA busy_timeout = {SWAP_BUSY_TIMEOUT_MS}")
        # No cascades, no checks per row: a state table referencing a data table must not lose rows to
        # ON DELETE CASCADE while the data is swapped. The data is checked whole before the commit instead.
        await conn.execute("PRAGMA foreign_keys = OFF")
        await conn.execute("ATTACH DATABASE ? AS fresh", (str(scratch),))
        try:
            versions = (
                await _writer_scalar(live, "PRAGMA main.user_version"),
                await _writer_scalar(live, "PRAGMA fresh.user_version"),
            )
            if versions[0] != versions[1]:
                raise RuntimeError(f"schema versions differ (live {versions[0]}, new {versions[1]})")
            async with live.transaction():
                late = [document for document in await _feed_documents(conn, "main") if document.identity not in replayed]
                written = 0
                for table in DATA_TABLES:
                    written += await _make_equal(live, table)
                for document in late:
                    await _apply_late_document(conn, document)
                for table in DATA_TABLES:
                    broken = await live.fetchone(f"PRAGMA main.foreign_key_check({table})")
                    if broken is not None:
                        raise RuntimeError(f"the rebuilt {table} row {broken[1]} references a missing {broken[2]} row")
                state_rows = 0
                for table in await _state_tables(live, "main"):
                    state_rows += await _writer_scalar(live, f'SELECT count(*) FROM main."{table}"')
        finally:
            await conn.execute("DETACH DATABASE fresh")
        if late:
            log.info("applied %d feed documents imported during the build", len(late))
        await _writer_rows(live, "PRAGMA wal_checkpoint(PASSIVE)")  # readers may be using the old pages: never wait for them
        return await _counts(live), written + len(late), state_rows


async def _make_equal(live: Store, table: str) -> int:
    """Delete the rows of main.`table` that differ from fresh.`table` (same key, other values, or gone), insert
    the missing ones; returns the rows written. Keys: the rowid, or the primary key of a WITHOUT ROWID table."""
    info = await _writer_rows(live, f"PRAGMA fresh.table_info({table})")
    columns = [f'"{row[1]}"' for row in info]
    try:
        await _writer_rows(live, f"SELECT rowid FROM fresh.{table} LIMIT 0")
        keys = ["rowid"]
    except sqlite3.OperationalError:  # WITHOUT ROWID
        keys = [f'"{row[1]}"' for row in sorted(info, key=lambda row: row[5]) if row[5]]
    stored = keys + columns if keys == ["rowid"] else columns
    joined = " AND ".join(f"fresh_row.{key} = live_row.{key}" for key in keys)
    same = " AND ".join(f"live_row.{column} IS fresh_row.{column}" for column in columns)
    key = keys[0] if len(keys) == 1 else f"({', '.join(keys)})"
    stale = await live.conn.execute(
        f"DELETE FROM main.{table} WHERE {key} IN (SELECT {', '.join(f'live_row.{k}' for k in keys)} "
        f"FROM main.{table} AS live_row LEFT JOIN fresh.{table} AS fresh_row ON {joined} "
        f"WHERE fresh_row.{keys[0]} IS NULL OR NOT ({same}))"
    )
    missing = await live.conn.execute(
        f"INSERT INTO main.{table} ({', '.join(stored)}) SELECT {', '.join(f'fresh_row.{column}' for column in stored)} "
        f"FROM fresh.{table} AS fresh_row WHERE NOT EXISTS (SELECT 1 FROM main.{table} AS live_row WHERE {joined})"
    )
    return stale.rowcount + missing.rowcount


async def _state_tables(store: Store, schema: str) -> list[str]:
    rows = await _writer_rows(store, f"SELECT name FROM {schema}.sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    return [row[0] for row in rows if row[0] not in DATA_TABLES]


async def _counts(store: Store) -> dict[str, int]:
    tables = ("races", "results", "drivers", "tracks")
    return {table: await _writer_scalar(store, f"SELECT count(*) FROM {table}") for table in tables}


# --------------------------------------------------------------------------- repair


def _with_sidecars(path: Path) -> list[Path]:
    return [path, *(path.with_name(path.name + suffix) for suffix in ("-wal", "-shm", "-journal"))]


def _move_aside(target: Path) -> Path:
    """Rename the damaged database and its -wal/-shm/-journal to `<name>.corrupt-YYYYmmdd-HHMMSS` (kept paired)."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    aside = target.with_name(f"{target.name}.corrupt-{stamp}")
    number = 1
    while any(path.exists() for path in _with_sidecars(aside)):
        number += 1
        aside = target.with_name(f"{target.name}.corrupt-{stamp}-{number}")
    for source, destination in zip(_with_sidecars(target), _with_sidecars(aside), strict=True):
        if source.exists():
            os.rename(source, destination)
    _fsync(target.parent)
    return aside


def _move_back(aside: Path, target: Path) -> None:
    for source, destination in zip(_with_sidecars(aside), _with_sidecars(target), strict=True):
        if source.exists() and not destination.exists():
            os.rename(source, destination)


@dataclass
class _ReadTable:
    columns: list[str]
    rows: list[tuple]
    problem: str | None             # why some rows could not be read


async def _salvage(store: Store, damaged: Path, problem: str) -> tuple[Salvage, int]:
    """Copy the readable state rows of `damaged` into `store` and replay its readable feed documents.

    Returns what was kept and lost, and how many documents were replayed.
    """
    wanted = set(await _state_tables(store, "main")) | {"feed_documents"}
    tables, unreadable = await asyncio.to_thread(_read_damaged, damaged, wanted)
    kept: dict[str, int] = {}
    lost: dict[str, list[str]] = {"database": [unreadable]} if unreadable else {}
    documents: list[_FeedDocument] = []
    for table, read in sorted(tables.items()):
        if read.problem:
            lost.setdefault(table, []).append(read.problem)
        if table == "feed_documents":
            documents = _documents_from(read)
        elif table not in wanted:
            lost.setdefault(table, []).append(f"{len(read.rows)} rows of a table this version does not have")
        else:
            kept[table] = await _insert_rows(store, table, read)
            if kept[table] < len(read.rows):
                lost.setdefault(table, []).append(f"{len(read.rows) - kept[table]} rows refused by the new schema")
    documents.sort(key=lambda document: (document.imported_at, document.kind != "weekend"))
    replayed = await _replay(store, documents)
    if documents:
        kept["feed_documents"] = replayed
    if replayed < len(documents):
        lost.setdefault("feed_documents", []).append(f"{len(documents) - replayed} documents no longer import")
    return Salvage(damaged, problem, kept, {table: "; ".join(problems) for table, problems in lost.items()}), replayed


def _documents_from(read: _ReadTable) -> list[_FeedDocument]:
    names = ("kind", "key", "sha256", "imported_at", "body")
    if not set(names) <= set(read.columns):
        return []
    positions = [read.columns.index(name) for name in names]
    return [_FeedDocument(*(row[position] for position in positions)) for row in read.rows]


async def _insert_rows(store: Store, table: str, read: _ReadTable) -> int:
    """Insert each row on its own (a row the new schema refuses is skipped); returns how many went in."""
    new_columns = {row[1] for row in await _writer_rows(store, f'PRAGMA main.table_info("{table}")')}
    shared = [index for index, column in enumerate(read.columns) if column in new_columns]
    names = ", ".join(f'"{read.columns[index]}"' for index in shared)
    marks = ", ".join("?" for _ in shared)
    copied = 0
    async with store.transaction() as conn:
        for row in read.rows:
            try:
                await conn.execute(f'INSERT INTO main."{table}" ({names}) VALUES ({marks})', [row[index] for index in shared])
            except sqlite3.IntegrityError as error:
                log.warning("repair: a %s row was not kept: %s", table, error)
                continue
            copied += 1
    return copied


def _read_damaged(path: Path, tables: set[str]) -> tuple[dict[str, _ReadTable], str | None]:
    """Read what can be read of `tables` from a damaged database: ({table: rows}, why nothing could be read).

    Tables of `tables` and tables this version does not know are read (the latter to report them lost).
    """
    conn = sqlite3.connect(path, timeout=1)
    try:
        try:
            present = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        except sqlite3.DatabaseError as error:
            return {}, str(error)
        found = {}
        for table in sorted(present - {"sqlite_sequence", "sqlite_stat1"}):
            if table in tables or table not in DATA_TABLES:
                found[table] = _read_table(conn, table)
        return found, None
    finally:
        conn.close()


def _read_table(conn: sqlite3.Connection, table: str) -> _ReadTable:
    """Every readable row: scan forward until damage stops the scan, then backward from the other end."""
    try:
        info = conn.execute(f'PRAGMA table_info("{table}")').fetchall()
    except sqlite3.DatabaseError as error:
        return _ReadTable([], [], str(error))
    columns = [row[1] for row in info]
    key = [f'"{row[1]}"' for row in sorted(info, key=lambda row: row[5]) if row[5]] or ["rowid"]
    selected = ", ".join(f'"{column}"' for column in columns)
    rows: list[tuple] = []
    try:
        for row in conn.execute(f'SELECT {selected} FROM "{table}" ORDER BY {", ".join(key)}'):
            rows.append(row)
        return _ReadTable(columns, rows, None)
    except sqlite3.DatabaseError as error:
        problem = str(error)
    seen = set(rows)
    descending = ", ".join(f"{column} DESC" for column in key)
    try:
        for row in conn.execute(f'SELECT {selected} FROM "{table}" ORDER BY {descending}'):
            if row in seen:
                break
            rows.append(row)
    except sqlite3.DatabaseError:
        pass
    return _ReadTable(columns, rows, f"{problem} (the rows on the damaged pages are lost)")


# --------------------------------------------------------------------------- files and errors


def _remove(paths: Iterable[Path]) -> None:
    for path in paths:
        path.unlink(missing_ok=True)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


async def _writer_rows(store: Store, sql: str, params: tuple = ()) -> list:
    """Rows read on the store's writer connection: the only one that sees ATTACHed databases and its own pragmas."""
    return list(await store.conn.execute_fetchall(sql, params))


async def _writer_scalar(store: Store, sql: str, params: tuple = ()) -> Any:
    rows = await _writer_rows(store, sql, params)
    return rows[0][0] if rows else None


def _space_problem(error: BaseException, directory: Path) -> str | None:
    """"no space left on device" or "file size limit exceeded" if that is what stopped the build, else None.

    Looks along the exception's chain (a failed rollback may hide the original error). SQLite reports ENOSPC as
    SQLITE_FULL, but EFBIG (a file size limit) only as a disk I/O error, so that is read from the process limits
    and the free space.
    """
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, OSError) and seen.errno in (errno.ENOSPC, errno.EDQUOT):
            return "no space left on device"
        if isinstance(seen, OSError) and seen.errno == errno.EFBIG:
            return "file size limit exceeded"
        code = getattr(seen, "sqlite_errorcode", None)
        if code is not None and code & 0xFF == SQLITE_FULL:
            return "no space left on device"
        if code is not None and code & 0xFF == SQLITE_IOERR:
            if resource.getrlimit(resource.RLIMIT_FSIZE)[0] != resource.RLIM_INFINITY:
                return "file size limit exceeded"
            stats = os.statvfs(directory)
            if stats.f_bavail * stats.f_frsize < 1 << 20:
                return "no space left on device"
        seen = seen.__cause__ or seen.__context__
    return None
