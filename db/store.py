"""The SQLite store: one long-lived aiosqlite connection, numbered migrations, transactions."""

from __future__ import annotations

import asyncio
import logging
import os
import re
import sqlite3
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Any, AsyncIterator, Iterable

import aiosqlite
import platformdirs

from db.names import NameIndex

log = logging.getLogger(__name__)

MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


def default_db_path() -> Path:
    """`PITBOARD_DB` if set, else the per-user data directory (e.g. ~/.local/share/pitboard)."""
    configured = os.environ.get("PITBOARD_DB")
    if configured:
        return Path(configured).expanduser()
    return Path(platformdirs.user_data_dir("pitboard", appauthor=False)) / "pitboard.db"


def bundled_migrations() -> list[tuple[int, str, str]]:
    """(version, file name, SQL) for every migration shipped in db/migrations, in order."""
    found = []
    for entry in resources.files("db.migrations").iterdir():
        match = MIGRATION_NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    found.sort()
    versions = [version for version, _, _ in found]
    if versions != list(range(1, len(versions) + 1)):
        raise RuntimeError(f"migrations must be numbered 1..N without gaps, found {versions}")
    return found


def create_private_file(path: Path) -> None:
    """Create an empty file readable only by its owner (the database holds server settings)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_EXCL, 0o600)
    os.close(fd)


class Store:
    """Owns the aiosqlite connection. Use as `async with Store.open(path) as store:`."""

    def __init__(self, conn: aiosqlite.Connection, path: Path):
        self.conn = conn
        self.path = path
        self._write_lock = asyncio.Lock()
        self._names = None

    @classmethod
    @asynccontextmanager
    async def open(
        cls,
        path: Path | str,
        *,
        migrations: Iterable[tuple[int, str, str]] | None = None,
    ) -> AsyncIterator["Store"]:
        """Open (creating if needed) and migrate the database; always closes the connection."""
        path = Path(path)
        if not path.exists():
            create_private_file(path)
        conn = await aiosqlite.connect(path, isolation_level=None)
        try:
            conn.row_factory = aiosqlite.Row
            await conn.execute("PRAGMA journal_mode = WAL")
            await conn.execute("PRAGMA foreign_keys = ON")
            await conn.execute("PRAGMA busy_timeout = 5000")
            await conn.execute("PRAGMA synchronous = NORMAL")
            store = cls(conn, path)
            await store.migrate(bundled_migrations() if migrations is None else migrations)
            yield store
        finally:
            await conn.close()

    async def schema_version(self) -> int:
        return int((await self.scalar("PRAGMA user_version")) or 0)

    async def migrate(self, migrations: Iterable[tuple[int, str, str]]) -> None:
        """Apply every migration newer than `PRAGMA user_version`, each in one transaction."""
        current = await self.schema_version()
        for version, name, sql in migrations:
            if version <= current:
                continue
            log.info("applying migration %s", name)
            async with self._write_lock:
                try:
                    await self.conn.execute("BEGIN IMMEDIATE")
                    for statement in split_sql(sql):
                        await self.conn.execute(statement)
                    await self.conn.execute(f"PRAGMA user_version = {int(version)}")
                    await self.conn.execute("COMMIT")
                except BaseException:
                    await self.conn.execute("ROLLBACK")
                    raise
            current = version

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """One write transaction at a time; rolled back on any error."""
        async with self._write_lock:
            await self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
            except BaseException:
                await self.conn.execute("ROLLBACK")
                raise
            await self.conn.execute("COMMIT")

    async def fetchall(self, sql: str, params: Any = ()) -> list[aiosqlite.Row]:
        """All rows, in one hop to the database thread (execute + fetch + close together)."""
        return list(await self.conn.execute_fetchall(sql, params))

    async def fetchone(self, sql: str, params: Any = ()) -> aiosqlite.Row | None:
        rows = await self.fetchall(sql, params)
        return rows[0] if rows else None

    async def scalar(self, sql: str, params: Any = ()) -> Any:
        row = await self.fetchone(sql, params)
        return None if row is None else row[0]

    async def names(self) -> NameIndex:
        """The name index (tracks, drivers, series), loaded once and refreshed after imports."""
        if self._names is None:
            self._names = await NameIndex.load(self)
        return self._names

    def forget_names(self) -> None:
        """Drop the cached name index after new drivers or tracks were written."""
        self._names = None


def split_sql(script: str) -> list[str]:
    """Split a migration into statements (sqlite3.complete_statement respects quotes and triggers)."""
    statements, buffer = [], ""
    for line in script.splitlines(keepends=True):
        if not buffer and line.strip().startswith("--"):
            continue
        buffer += line
        if sqlite3.complete_statement(buffer):
            statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        raise ValueError(f"incomplete SQL statement at end of migration: {buffer.strip()[:80]!r}")
    return statements
