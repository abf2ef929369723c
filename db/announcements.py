"""Which post-race announcements went to which Discord server (so each is sent once, then edited)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from db.store import Store


@dataclass(frozen=True)
class Announcement:
    race_key: str
    guild_id: int
    channel_id: int
    message_id: int
    content_hash: str


async def get(store: Store, race_key: str, guild_id: int) -> Announcement | None:
    row = await store.fetchone(
        "SELECT race_key, guild_id, channel_id, message_id, content_hash FROM announcements WHERE race_key = ? AND guild_id = ?",
        (race_key, guild_id),
    )
    return Announcement(*row) if row else None


async def record(store: Store, announcement: Announcement) -> None:
    async with store.transaction() as conn:
        await conn.execute(
            "INSERT OR REPLACE INTO announcements (race_key, guild_id, channel_id, message_id, content_hash, announced_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (announcement.race_key, announcement.guild_id, announcement.channel_id, announcement.message_id,
             announcement.content_hash, datetime.now(timezone.utc).isoformat()),
        )
