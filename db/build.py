"""`pitboard db build`: build the database from the bundled history, atomically.

The new database is written to a temporary file next to the target and renamed over it only
when complete, so a crash leaves either the old database or the new one. Server settings,
the Reddit ledger and every imported feed document are carried over from the old database
(feeds are replayed onto the fresh history).
"""

from __future__ import annotations

import logging
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from tqdm import tqdm

from db.history import SERIES_FILES, Reference, add_curated_tracks, load_history, load_reference, read_series_rows
from db.store import Store, create_private_file

log = logging.getLogger(__name__)

# Tables holding what users and the bot did, as opposed to what can be rebuilt from data.
STATE_TABLES = ("guild_settings", "guild_subreddits", "reddit_threads", "announcements")


@dataclass(frozen=True)
class BuildReport:
    path: Path
    counts: dict[str, int]
    feeds_replayed: int
    state_rows_kept: int


def _build_files(target: Path) -> list[Path]:
    return list(target.parent.glob(f".{target.name}.build-*"))


def _remove(paths) -> None:
    for path in paths:
        try:
            path.unlink()
        except FileNotFoundError:
            pass


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


async def build_database(
    target: Path,
    *,
    show_progress: bool = True,
    rows_by_series: Iterable[tuple[str, Iterable[dict[str, str]]]] | None = None,
) -> BuildReport:
    """Build (or rebuild) the database at `target` from the bundled data (history rows: `rows_by_series`, if given)."""
    from db.nascar_feed import replay_documents

    target = Path(target)
    if rows_by_series is None:
        rows_by_series = ((series, read_series_rows(series)) for series in SERIES_FILES)
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    _remove(_build_files(target))  # leftovers of a build that was killed
    if target.exists():
        async with Store.open(target):  # bring the old schema up to date; closing checkpoints the WAL
            pass
    temporary = target.with_name(f".{target.name}.build-{os.getpid()}")
    create_private_file(temporary)
    try:
        async with Store.open(temporary) as store:
            await store.conn.execute("PRAGMA synchronous = OFF")
            reference = Reference()
            with tqdm(desc="Building race history", unit=" races", disable=not show_progress, file=sys.stderr) as bar:
                async with store.transaction():
                    await load_reference(store, reference)
                    counts = await load_history(store, reference, rows_by_series, bar.update)
                    await add_curated_tracks(store, reference)
            kept = replayed = 0
            if target.exists():
                kept = await _carry_over_state(store, target)
                replayed = await replay_documents(store, target)
            await store.conn.execute("PRAGMA optimize")
        _fsync(temporary)
        os.replace(temporary, target)
        _fsync(target.parent)
    except BaseException:
        _remove([temporary, Path(f"{temporary}-wal"), Path(f"{temporary}-shm")])
        raise
    log.info("built %s: %s", target, counts)
    return BuildReport(target, counts, replayed, kept)


async def _carry_over_state(store: Store, old: Path) -> int:
    """Copy settings and the posting ledger from the old database (same schema after migration)."""
    copied = 0
    await store.conn.execute("ATTACH DATABASE ? AS old", (str(old),))
    try:
        async with store.transaction():
            for table in STATE_TABLES:
                present = await store.conn.execute_fetchall("SELECT 1 FROM old.sqlite_master WHERE type = 'table' AND name = ?", (table,))
                if present:
                    cursor = await store.conn.execute(f"INSERT OR REPLACE INTO main.{table} SELECT * FROM old.{table}")
                    copied += cursor.rowcount
    finally:
        await store.conn.execute("DETACH DATABASE old")
    return copied


async def ensure_database(path: Path) -> None:
    """Build the database on first use."""
    if not Path(path).exists():
        print(f"First run: building the race database at {path} (takes a few seconds)…", file=sys.stderr)
        await build_database(path, show_progress=sys.stderr.isatty())
