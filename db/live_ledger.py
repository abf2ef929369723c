"""Which race-day objects went to which Discord server: boards, event messages, reminders, threads, scheduled events.

One row per object (db/migrations/0011_live_ledger.sql). A process claims the row (`claim`) before it makes the
object, so the object's id is unknown (None) until `record`; a row whose id is set was made, and is never made
again. The claim SQL is the shared one of db/claims.py.

At fan-out scale (an event for thousands of servers) the same steps come in batches, one transaction each:
`get_many`, `claim_new` (rows never seen, claimed by inserting them) and `record_many` (made, claim released).
The SQL is standard (row values, multi-row INSERT ... ON CONFLICT DO NOTHING RETURNING): PostgreSQL runs it too.

The webhook Pitboard made in each live channel is kept here as well (db/migrations/0016_live_webhooks.sql).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Literal, TypeVar, get_args

from db import claims
from db.claims import Claim, instant
from db.records import Record
from db.store import Store

Kind = Literal["board", "event", "reminder", "thread", "scheduled_event"]
KINDS: tuple[Kind, ...] = get_args(Kind)
KEY_COLUMNS = ("race_key", "guild_id", "kind", "item")
_Row = TypeVar("_Row")
ROWS_PER_STATEMENT = 500    # a batch's rows per statement: 4,000 parameters at most, well under SQLite's limit


class LiveKey(Record):
    """Names one object: `item` is an event's stable key, a reminder's green-flag instant, '' for the race's one board,
    thread or scheduled event."""

    race_key: str
    guild_id: int
    kind: Kind
    item: str = ""

    def row(self) -> claims.LedgerRow:
        return claims.LedgerRow("live_ledger", KEY_COLUMNS, self.values())

    def values(self) -> tuple[str, int, str, str]:
        return (self.race_key, self.guild_id, self.kind, self.item)


class LiveObject(Record):
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


def _chunks(items: Sequence[_Row]) -> list[Sequence[_Row]]:
    return [items[start:start + ROWS_PER_STATEMENT] for start in range(0, len(items), ROWS_PER_STATEMENT)]


def _key_of(row: sqlite3.Row) -> LiveKey:
    kind = next(kind for kind in KINDS if kind == row["kind"])   # the table's CHECK allows no other
    return LiveKey(row["race_key"], row["guild_id"], kind, row["item"])


async def get_many(store: Store, keys: Sequence[LiveKey]) -> dict[LiveKey, LiveObject]:
    """The rows of those keys that exist, in one read per 500 keys."""
    found: dict[LiveKey, LiveObject] = {}
    for chunk in _chunks(keys):
        values = ", ".join(["(?, ?, ?, ?)"] * len(chunk))
        rows = await store.fetchall(
            "SELECT race_key, guild_id, kind, item, channel_id, object_id, state FROM live_ledger "
            f"WHERE (race_key, guild_id, kind, item) IN (VALUES {values})",
            [value for key in chunk for value in key.values()],
        )
        for row in rows:
            key = _key_of(row)
            found[key] = LiveObject(key, row["channel_id"], row["object_id"], row["state"])
    return found


async def claim_new(
    store: Store, keys: Sequence[tuple[LiveKey, int | None]], holder: str, now: datetime, until: datetime
) -> set[LiveKey]:
    """Claim, in one transaction, every object of `keys` (with its channel) that has no row yet, by inserting its
    unmade row: the keys returned are claimed `first` (no earlier attempt can have made them). A key that has a row
    already is left alone: `claim` it on its own."""
    inserted: set[LiveKey] = set()
    async with store.transaction() as conn:
        for chunk in _chunks(keys):
            values = ", ".join(["(?, ?, ?, ?, ?, NULL, ?, ?, ?)"] * len(chunk))
            cursor = await conn.execute(
                f"""INSERT INTO live_ledger
                        (race_key, guild_id, kind, item, channel_id, object_id, updated_at, claimed_by, claimed_until)
                    VALUES {values}
                    ON CONFLICT (race_key, guild_id, kind, item) DO NOTHING
                    RETURNING race_key, guild_id, kind, item""",
                [value for key, channel_id in chunk
                 for value in (*key.values(), channel_id, instant(now), holder, instant(until))],
            )
            inserted.update(_key_of(row) for row in await cursor.fetchall())
    return inserted


async def record_many(store: Store, made: Sequence[LiveObject], holder: str) -> None:
    """`record` each object and release `holder`'s claim on it, in one transaction."""
    updated_at = instant(datetime.now(UTC))
    async with store.transaction() as conn:
        await conn.executemany(
            """INSERT INTO live_ledger (race_key, guild_id, kind, item, channel_id, object_id, state, updated_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT (race_key, guild_id, kind, item) DO UPDATE SET
                   channel_id = excluded.channel_id, object_id = excluded.object_id,
                   state = excluded.state, updated_at = excluded.updated_at,
                   claimed_by = CASE WHEN live_ledger.claimed_by = ? THEN NULL ELSE live_ledger.claimed_by END,
                   claimed_until = CASE WHEN live_ledger.claimed_by = ? THEN NULL ELSE live_ledger.claimed_until END""",
            [(*one.key.values(), one.channel_id, one.object_id, one.state, updated_at, holder, holder) for one in made],
        )


# --------------------------------------------------------------------------- #
# Webhooks
# --------------------------------------------------------------------------- #


class StoredWebhook(Record):
    channel_id: int
    webhook_id: int
    token: str


async def webhooks(store: Store) -> dict[int, StoredWebhook]:
    """Every live channel's webhook, by channel."""
    rows = await store.fetchall("SELECT channel_id, webhook_id, token FROM live_webhooks")
    return {row["channel_id"]: StoredWebhook(row["channel_id"], row["webhook_id"], row["token"]) for row in rows}


async def remember_webhook(store: Store, webhook: StoredWebhook) -> None:
    async with store.transaction() as conn:
        await conn.execute(
            """INSERT INTO live_webhooks (channel_id, webhook_id, token, updated_at) VALUES (?, ?, ?, ?)
               ON CONFLICT (channel_id) DO UPDATE SET
                   webhook_id = excluded.webhook_id, token = excluded.token, updated_at = excluded.updated_at""",
            (webhook.channel_id, webhook.webhook_id, webhook.token, instant(datetime.now(UTC))),
        )


async def forget_webhook(store: Store, channel_id: int, webhook_id: int) -> None:
    """The channel's webhook is gone (deleted in Discord); a newer one stored meanwhile stays."""
    async with store.transaction() as conn:
        await conn.execute("DELETE FROM live_webhooks WHERE channel_id = ? AND webhook_id = ?", (channel_id, webhook_id))
