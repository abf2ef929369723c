"""Which race-day objects went to which Discord server: boards, event messages, reminders, threads, scheduled events.

One row per object (db/migrations/0011_live_ledger.sql). A process claims the row (`claim`) before it makes the
object, so the object's id is unknown (None) until `record`; a row whose id is set was made, and is never made
again. The claim SQL is the shared one of db/claims.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from db import claims
from db.claims import Claim, instant
from db.store import Store

Kind = Literal["board", "event", "reminder", "thread", "scheduled_event"]
KEY_COLUMNS = ("race_key", "guild_id", "kind", "item")


@dataclass(frozen=True)
class LiveKey:
    """Names one object: `item` is an event's stable key, a reminder's green-flag instant, '' for the race's one board,
    thread or scheduled event."""

    race_key: str
    guild_id: int
    kind: Kind
    item: str = ""

    def row(self) -> claims.LedgerRow:
        return claims.LedgerRow("live_ledger", KEY_COLUMNS, (self.race_key, self.guild_id, self.kind, self.item))


@dataclass(frozen=True)
class LiveObject:
    key: LiveKey
    channel_id: int | None      # the message's channel, the thread's parent; None for a scheduled event
    object_id: int | None       # None until made (or after a scheduled event was deleted)
    state: str = ""             # a scheduled event's start instant as last written

    @property
    def made(self) -> bool:
        return self.object_id is not None


async def get(store: Store, key: LiveKey) -> LiveObject | None:
    row = await store.fetchone(
        "SELECT channel_id, object_id, state FROM live_ledger WHERE race_key = ? AND guild_id = ? AND kind = ? AND item = ?",
        (key.race_key, key.guild_id, key.kind, key.item),
    )
    return LiveObject(key, row["channel_id"], row["object_id"], row["state"]) if row else None


async def claim(store: Store, key: LiveKey, channel_id: int | None, holder: str, now: datetime, until: datetime) -> Claim | None:
    """Claim the object for `holder` until `until`; None while another holder's claim runs. An object never seen
    gets its unmade row here (the claim is `first`: no earlier attempt can have made it)."""
    async with store.transaction() as conn:
        inserted = await conn.execute(
            """INSERT INTO live_ledger
                   (race_key, guild_id, kind, item, channel_id, object_id, updated_at, claimed_by, claimed_until)
               VALUES (?, ?, ?, ?, ?, NULL, ?, ?, ?)
               ON CONFLICT (race_key, guild_id, kind, item) DO NOTHING""",
            (key.race_key, key.guild_id, key.kind, key.item, channel_id, instant(now), holder, instant(until)),
        )
        if inserted.rowcount == 1:
            return Claim(holder, first=True)
        taken = await claims.take(conn, key.row(), holder, now, until)
        return Claim(holder, first=False) if taken else None


async def renew_claim(store: Store, key: LiveKey, holder: str, until: datetime) -> bool:
    """Extend `holder`'s claim; False if it lapsed and another holder took the row meanwhile."""
    return await claims.renew(store, key.row(), holder, until)


async def release_claim(store: Store, key: LiveKey, holder: str) -> None:
    await claims.release(store, key.row(), holder)


async def record(store: Store, made: LiveObject) -> None:
    """The object as it now stands in Discord (made, found again, moved or deleted)."""
    key = made.key
    async with store.transaction() as conn:
        await conn.execute(
            """INSERT INTO live_ledger (race_key, guild_id, kind, item, channel_id, object_id, state, updated_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT (race_key, guild_id, kind, item) DO UPDATE SET
                   channel_id = excluded.channel_id, object_id = excluded.object_id,
                   state = excluded.state, updated_at = excluded.updated_at""",
            (key.race_key, key.guild_id, key.kind, key.item, made.channel_id, made.object_id, made.state,
             instant(datetime.now(UTC))),
        )
