"""The races the race weekend follows, and how far it got in a live race: named queries over the schedule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from db.claims import instant
from db.models import RaceSummary
from db.queries import find_races
from db.store import Store

STILL_RUNNING = timedelta(hours=12)     # a race that started this long ago may still be on track (rain, red flags)


def _stored(moment: datetime) -> str:
    """An instant as races.starts_at holds it (ISO 8601 UTC, as the importer writes it)."""
    return moment.astimezone(UTC).isoformat()


async def races_this_weekend(store: Store, now: datetime, ahead: timedelta) -> list[RaceSummary]:
    """Feed races of the watched series (those NASCAR's live feed covers) starting within `ahead` from now, or
    started within STILL_RUNNING, soonest first."""
    return await find_races(
        store,
        "r.source_id IS NOT NULL AND s.feed_series_id IS NOT NULL AND r.starts_at IS NOT NULL "
        "AND r.starts_at > ? AND r.starts_at <= ?",
        (_stored(now - STILL_RUNNING), _stored(now + ahead)),
        order="r.starts_at",
    )


async def upcoming_races(store: Store, now: datetime, horizon: timedelta) -> list[RaceSummary]:
    """Scheduled feed races of the watched series starting within `horizon`, soonest first (Discord scheduled events)."""
    return await find_races(
        store,
        "r.source_id IS NOT NULL AND s.feed_series_id IS NOT NULL AND r.status = 'scheduled' "
        "AND r.starts_at > ? AND r.starts_at <= ?",
        (_stored(now), _stored(now + horizon)),
        order="r.starts_at",
    )


async def save_live_progress(store: Store, race_key: str, live_feed: bytes, seen_at: datetime) -> None:
    """Remember the live-feed document acted on last in the race (replacing the one before)."""
    async with store.transaction() as conn:
        await conn.execute(
            "INSERT INTO live_progress (race_key, live_feed, seen_at) VALUES (?, ?, ?) "
            "ON CONFLICT (race_key) DO UPDATE SET live_feed = excluded.live_feed, seen_at = excluded.seen_at",
            (race_key, live_feed.decode(), instant(seen_at)),
        )


async def live_progress(store: Store, race_key: str) -> bytes | None:
    """The live-feed document acted on last in the race; None before its first."""
    text = await store.scalar("SELECT live_feed FROM live_progress WHERE race_key = ?", (race_key,))
    return text.encode() if text is not None else None
