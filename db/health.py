"""Is the database at a path built? A database that cannot be opened, fails `PRAGMA quick_check`, or holds
no race history (an empty file included) is not: commands refuse it, `pitboard db build` repairs it."""

from __future__ import annotations

import os
import re
import sqlite3
from functools import cache
from pathlib import Path

SQLITE_CORRUPT, SQLITE_NOTADB = 11, 26
MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")   # db/migrations: `0023_driver_birth_date.sql`
HEALTH_BUSY_TIMEOUT_SECONDS = 30


class DatabaseNotBuilt(Exception):
    """The database file exists but is not a built database (`problem` says why)."""

    def __init__(self, path: Path, problem: str):
        self.path = path
        self.problem = problem
        super().__init__(f"the database {path} is not usable ({problem})")


def is_damage(error: BaseException) -> bool:
    """True for SQLite's "malformed" and "not a database" errors: the file itself is damaged."""
    code = getattr(error, "sqlite_errorcode", None)
    return isinstance(error, sqlite3.DatabaseError) and code is not None and code & 0xFF in (SQLITE_CORRUPT, SQLITE_NOTADB)


@cache
def shipped_schema_version() -> int:
    """The newest migration this Pitboard ships, from the migrations' file names (listed, not read; not through
    importlib.resources, whose import alone costs `pitboard ask` ~15 ms: the package is files on disk)."""
    return max(int(match.group(1)) for name in os.listdir(Path(__file__).with_name("migrations"))
               if (match := MIGRATION_NAME.match(name)))


def schema_behind(conn: sqlite3.Connection) -> bool:
    """Whether the database was last migrated by an older Pitboard (its `PRAGMA user_version` is behind)."""
    return int(conn.execute("PRAGMA user_version").fetchone()[0]) < shipped_schema_version()


def problem_with(path: Path, *, thorough: bool) -> str | None:
    """Why the existing database file at `path` is not built, or None if it is.

    `thorough` runs `PRAGMA quick_check` (a read of every page: ~0.1 s for the bundled history); otherwise the
    check reads the header, the schema and one history row, and damage elsewhere is found when a query meets it.
    """
    path = Path(path)
    if path.stat().st_size == 0:
        return "the file is empty"
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=rw", uri=True, timeout=HEALTH_BUSY_TIMEOUT_SECONDS)
    try:
        return problem_in(conn, thorough=thorough)
    finally:
        conn.close()


def problem_in(conn: sqlite3.Connection, *, thorough: bool) -> str | None:
    """`problem_with`, on a connection already open to the database."""
    try:
        if thorough:
            verdict = [row[0] for row in conn.execute("PRAGMA quick_check")]
            if verdict != ["ok"]:
                return "quick_check found damage: " + " ".join(" ".join(verdict).split())[:200]
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "races" not in tables or conn.execute("SELECT 1 FROM races WHERE source = 'history' LIMIT 1").fetchone() is None:
            return "it holds no race history"
    except sqlite3.DatabaseError as error:
        if is_damage(error):
            return str(error)
        raise
    return None
