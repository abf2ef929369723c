"""Which post-race announcements went to which Discord server (so each is sent once, then edited).

One row per (race key, server). A process claims the row (`claim`) before it sends or edits the
message, so its message id is unknown (None) until the send is recorded. The claim SQL is standard
(INSERT … ON CONFLICT DO NOTHING, conditional UPDATE): PostgreSQL runs it too.
"""

from __future__ import annotations

from datetime import UTC, datetime

from db import claims
from db.claims import Claim, instant
from db.records import Record
from db.store import Store


class Announcement(Record):
    race_key: str
    guild_id: int
    channel_id: int
    message_id: int | None      # None until the message is sent (or found again after its sender died)
    content_hash: str           # of the embed last sent (message_id set) or being sent (message_id None)

    @property
    def sent(self) -> bool:
        return self.message_id is not None


async def get(store: Store, race_key: str, guild_id: int) -> Announcement | None:
    row = await store.fetchone(
        "SELECT race_key, guild_id, channel_id, message_id, content_hash FROM announcements WHERE race_key = ? AND guild_id = ?",
        (race_key, guild_id),
    )
    return Announcement(*row) if row else None


async def claim(
    store: Store, race_key: str, guild_id: int, channel_id: int, content_hash: str, holder: str, now: datetime, until: datetime
) -> Claim | None:
    """Claim the server's announcement of the race for `holder` until `until`; None if another holder's
    claim is still running. A race never announced there gets its unsent row here (the claim is `first`)."""
    async with store.transaction() as conn:
        inserted = await conn.execute(
            """INSERT INTO announcements
                   (race_key, guild_id, channel_id, message_id, content_hash, announced_at, claimed_by, claimed_until)
               VALUES (?, ?, ?, NULL, ?, ?, ?, ?)
               ON CONFLICT (race_key, guild_id) DO NOTHING""",
            (race_key, guild_id, channel_id, content_hash, now.isoformat(), holder, instant(until)),
        )
        if inserted.rowcount == 1:
            return Claim(holder, first=True)
        taken = await claims.take(conn, _row(race_key, guild_id), holder, now, until)
        return Claim(holder, first=False) if taken else None


def _row(race_key: str, guild_id: int) -> claims.LedgerRow:
    return claims.LedgerRow("announcements", ("race_key", "guild_id"), (race_key, guild_id))


async def renew_claim(store: Store, race_key: str, guild_id: int, holder: str, until: datetime) -> bool:
    """Extend `holder`'s claim; False if it lapsed and another holder took the row meanwhile."""
    return await claims.renew(store, _row(race_key, guild_id), holder, until)


async def release_claim(store: Store, race_key: str, guild_id: int, holder: str) -> None:
    await claims.release(store, _row(race_key, guild_id), holder)


async def record(store: Store, announcement: Announcement) -> None:
    """The message that now announces the race in the server (sent, found again, or edited)."""
    async with store.transaction() as conn:
        await conn.execute(
            """INSERT INTO announcements (race_key, guild_id, channel_id, message_id, content_hash, announced_at)
               VALUES (?, ?, ?, ?, ?, ?)
               ON CONFLICT (race_key, guild_id) DO UPDATE SET
                   channel_id = excluded.channel_id, message_id = excluded.message_id,
                   content_hash = excluded.content_hash, announced_at = excluded.announced_at""",
            (announcement.race_key, announcement.guild_id, announcement.channel_id, announcement.message_id,
             announcement.content_hash, datetime.now(UTC).isoformat()),
        )
