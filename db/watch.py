"""The races the feed watcher reads and posts: named queries over the schedule and results."""

from __future__ import annotations

from datetime import datetime, timedelta

from db.models import RaceSummary
from db.queries import find_races
from db.store import Store

REVISION_WINDOW = timedelta(days=3)       # keep re-reading a race's results this long after its start
PROVISIONAL_WINDOW = timedelta(days=14)   # ... and this long while it is still not official
# Jolpica imports an F1 race's results hours to days after it: an F1 race is read from its start until results appear,
# and kept being read for penalties (a revision) for the rest of this window.
F1_WINDOW = timedelta(days=7)


async def races_to_poll(store: Store, now: datetime) -> list[RaceSummary]:
    """Feed races that started recently (results may appear or be revised) or still await official results."""
    return await find_races(
        store,
        "r.source_id IS NOT NULL AND r.starts_at <= ? AND (r.starts_at > ? OR (r.status != 'official' AND r.starts_at > ?))",
        (now.isoformat(), (now - REVISION_WINDOW).isoformat(), (now - PROVISIONAL_WINDOW).isoformat()),
        order="r.starts_at",
    )


async def races_wanting_loop_data(store: Store, now: datetime) -> list[RaceSummary]:
    """NASCAR feed races with results that started within the revision window: NASCAR publishes a race's loop data
    after its results, and may revise it with them."""
    return await find_races(
        store,
        "s.family = 'nascar' AND r.source_id IS NOT NULL AND r.starts_at <= ? AND r.starts_at > ? "
        "AND EXISTS (SELECT 1 FROM results x WHERE x.race_id = r.id)",
        (now.isoformat(), (now - REVISION_WINDOW).isoformat()),
        order="r.starts_at",
    )


async def jolpica_races_to_poll(store: Store, now: datetime) -> list[RaceSummary]:
    """F1 races that started within F1_WINDOW and have no results from F1DB: results may appear or be revised."""
    return await find_races(
        store,
        "s.family = 'f1' AND r.starts_at <= ? AND r.starts_at > ? "
        "AND (r.source = 'feed' OR NOT EXISTS (SELECT 1 FROM results x WHERE x.race_id = r.id))",
        (now.isoformat(), (now - F1_WINDOW).isoformat()),
        order="r.starts_at",
    )


async def recently_official(store: Store, now: datetime) -> list[RaceSummary]:
    """Official feed races with results that started within the revision window (F1_WINDOW for F1's Jolpica
    results): their threads and announcements are made, and kept up to date, while they are here."""
    return await find_races(
        store,
        "r.status = 'official' AND r.source = 'feed' AND r.starts_at <= ? "
        "AND r.starts_at > CASE WHEN s.family = 'f1' THEN ? ELSE ? END "
        "AND EXISTS (SELECT 1 FROM results x WHERE x.race_id = r.id)",
        (now.isoformat(), (now - F1_WINDOW).isoformat(), (now - REVISION_WINDOW).isoformat()),
        order="r.starts_at",
    )
