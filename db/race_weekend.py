"""The races the race weekend follows, and how far it got in a live race: named queries over the schedule."""

from __future__ import annotations

import json
import zlib
from datetime import UTC, datetime, timedelta

from db.claims import instant
from db.models import RaceSummary
from db.queries import find_races
from db.store import Store

RACE_LIST_SERIES = (1, 2, 3)             # the race list's `series_<id>` keys
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


async def race_list_ids(store: Store, season: int) -> dict[int, frozenset[str]] | None:
    """The race ids the season's race list named when last read, by NASCAR series id (1 Cup, 2 Xfinity, 3 Truck); None
    when no race list of the season was read. A scheduled race missing from its series' list was taken off the
    schedule: NASCAR's race list has no cancelled or postponed flag (its fields: tests/data/feed/SOURCE.md), it drops
    a cancelled race and moves a postponed one's `race_date`."""
    body = await store.scalar("SELECT body FROM feed_documents WHERE kind = 'race_list' AND key = ?", (str(season),))
    if body is None:
        return None
    document = json.loads(zlib.decompress(body))
    return {series_id: frozenset(str(race["race_id"]) for race in document.get(f"series_{series_id}") or ())
            for series_id in RACE_LIST_SERIES}


async def next_races(store: Store, now: datetime, series: str | None, count: int) -> list[RaceSummary]:
    """The next `count` scheduled races starting after `now` (of `series`; any when None), soonest first."""
    return await find_races(
        store, "r.status = 'scheduled' AND r.starts_at > ? AND (? IS NULL OR s.key = ?)", (_stored(now), series, series),
        limit=count, order="r.starts_at",
    )
