"""Claims on ledger rows: which process may write a post or an announcement now, and until when.

A claim is taken with one conditional write (`take`, after the ledger's own insert of a new row) whose row
count says whether it was won. It names its holder, a random token per poster or announcer, and
lapses at `until` unless the holder renews it, so a holder that died blocks nobody for long.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any

import aiosqlite

from db.records import Record
from db.store import Store


class Claim(Record):
    holder: str
    first: bool     # the claim created the ledger row: no earlier attempt can have posted anything


def new_holder() -> str:
    """A token naming one claimant (one poster or announcer in one process)."""
    return secrets.token_hex(8)


def instant(at: datetime) -> str:
    """ISO 8601 UTC text with microseconds: instants in this form compare correctly as strings."""
    return at.astimezone(UTC).isoformat(timespec="microseconds")


class LedgerRow(Record):
    """One claimable ledger row: its table and key columns (our own identifiers, never user input) and key values."""

    table: str
    key_columns: tuple[str, ...]
    key: tuple[Any, ...]

    @property
    def where(self) -> str:
        return " AND ".join(f"{column} = ?" for column in self.key_columns)


async def take(conn: aiosqlite.Connection, row: LedgerRow, holder: str, now: datetime, until: datetime) -> bool:
    """Inside the caller's transaction: claim an existing row if it is free, already `holder`'s, or lapsed before `now`."""
    cursor = await conn.execute(
        f"UPDATE {row.table} SET claimed_by = ?, claimed_until = ? "
        f"WHERE {row.where} AND (claimed_by IS NULL OR claimed_by = ? OR claimed_until < ?)",
        (holder, instant(until), *row.key, holder, instant(now)),
    )
    return cursor.rowcount == 1


async def renew(store: Store, row: LedgerRow, holder: str, until: datetime) -> bool:
    """Extend `holder`'s claim; False if it lapsed and another holder took the row meanwhile."""
    async with store.transaction() as conn:
        cursor = await conn.execute(
            f"UPDATE {row.table} SET claimed_until = ? WHERE {row.where} AND claimed_by = ?", (instant(until), *row.key, holder)
        )
        return cursor.rowcount == 1


async def release(store: Store, row: LedgerRow, holder: str) -> None:
    async with store.transaction() as conn:
        await conn.execute(
            f"UPDATE {row.table} SET claimed_by = NULL, claimed_until = NULL WHERE {row.where} AND claimed_by = ?",
            (*row.key, holder),
        )
