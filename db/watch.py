"""The races the feed watcher reads and posts: named queries over the schedule and results."""

from __future__ import annotations

from datetime import datetime, timedelta

from db.models import RaceSummary
from db.queries import find_races
from db.store import Store

REVISION_WINDOW = timedelta(days=3)       # keep re-reading a race's results this long after its start
PROVISIONAL_WINDOW = timedelta(days=14)   # ... and this long while it is still not official


async def races_to_poll(store: Store, now: datetime) -> list[RaceSummary]:
    """Feed races that started recently (results may appear or be revised) or still await official results."""
    return await find_races(
        store,
        "r.source_id IS NOT NULL AND r.starts_at <= ? AND (r.starts_at > ? OR (r.status != 'official' AND r.starts_at > ?))",
        (now.isoformat(), (now - REVISION_WINDOW).isoformat(), (now - PROVISIONAL_WINDOW).isoformat()),
        order="r.starts_at",
    )


async def recently_official(store: Store, now: datetime) -> list[RaceSummary]:
    """Official feed races with results that started within the revision window: their threads and
    announcements are made, and kept up to date, while they are here."""
    return await find_races(
        store,
        "r.status = 'official' AND r.source = 'feed' AND r.starts_at <= ? AND r.starts_at > ? "
        "AND EXISTS (SELECT 1 FROM results x WHERE x.race_id = r.id)",
        (now.isoformat(), (now - REVISION_WINDOW).isoformat()),
        order="r.starts_at",
    )
