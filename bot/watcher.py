"""The live feed watcher: polls NASCAR's feed, ingests results, posts and announces official races.

Each poll is level-triggered: it imports whatever changed, then makes sure every recently official
race has its thread and announcements. Posting and announcing are idempotent (ledgers), so a poll
after a restart or a crash finishes what an earlier one started and never repeats what was done.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Awaitable, Callable

from bot.feed import FeedClient
from bot.posting import publish_recap
from bot.reddit import PublishResult, RedditPoster
from db import guilds
from db.errors import FeedError
from db.nascar_feed import import_document
from db.queries import find_races, race_details, utc_now
from db.models import RaceSummary, RecapFacts
from db.recaps import recap_facts
from db.store import Store

log = logging.getLogger(__name__)

Announce = Callable[[RecapFacts, list[PublishResult]], Awaitable[None]]

REVISION_WINDOW = timedelta(days=3)       # keep re-reading a race's results this long after its start
PROVISIONAL_WINDOW = timedelta(days=14)   # ... and this long while it is still not official


@dataclass
class PollReport:
    imported: list[str] = field(default_factory=list)       # "race_list 2026", "weekend 5617"
    rejected: list[str] = field(default_factory=list)       # malformed documents, logged, not imported
    published: list[PublishResult] = field(default_factory=list)


class Watcher:
    def __init__(
        self,
        store: Store,
        feed: FeedClient,
        *,
        poster: RedditPoster | None,
        title_template: str,
        announce: Announce | None = None,
        clock: Callable[[], datetime] = utc_now,
    ):
        self.store = store
        self.feed = feed
        self.poster = poster
        self.title_template = title_template
        self.announce = announce
        self.clock = clock

    async def poll(self) -> PollReport:
        """One round: race list, recent weekend feeds, then threads and announcements.

        Raises FeedUnavailable when the feed is down (the caller backs off); a malformed document
        is logged and skipped, and the database is left as it was.
        """
        report = PollReport()
        now = self.clock()
        await self._ingest(self.feed.race_list_url(now.year), report)
        for race in await self._races_to_read(now):
            await self._ingest(self.feed.weekend_feed_url(race.season, race.series, race.source_id), report)
        if self.poster is None and self.announce is None:
            return report
        for race in await self._recently_official(now):
            facts = await recap_facts(self.store, await race_details(self.store, race))
            outcomes = []
            if self.poster is not None:
                subreddits = await guilds.subreddits_for(self.store, race.series)
                outcomes = await publish_recap(self.poster, facts, subreddits, self.title_template)
                report.published += outcomes
            if self.announce is not None:
                await self.announce(facts, outcomes)
        return report

    async def _ingest(self, url: str, report: PollReport) -> None:
        body = await self.feed.fetch(url)
        if body is None:
            return
        try:
            imported = await import_document(self.store, body)
        except FeedError as error:
            self.feed.forget(url)
            log.warning("feed document rejected, database unchanged: %s: %s", url, error)
            report.rejected.append(url)
            return
        if imported.changed:
            log.info("imported %s %s", imported.kind, imported.key)
            report.imported.append(f"{imported.kind} {imported.key}")

    async def _races_to_read(self, now: datetime) -> list[RaceSummary]:
        """Races that started recently (results may appear or be revised) or still await official results."""
        return await find_races(
            self.store,
            "r.source_id IS NOT NULL AND r.starts_at <= ? AND ("
            "r.starts_at > ? OR (r.status != 'official' AND r.starts_at > ?))",
            (now.isoformat(), (now - REVISION_WINDOW).isoformat(), (now - PROVISIONAL_WINDOW).isoformat()),
            order="r.starts_at",
        )

    async def _recently_official(self, now: datetime) -> list[RaceSummary]:
        return await find_races(
            self.store,
            "r.status = 'official' AND r.source = 'feed' AND r.starts_at <= ? AND r.starts_at > ? "
            "AND EXISTS (SELECT 1 FROM results x WHERE x.race_id = r.id)",
            (now.isoformat(), (now - REVISION_WINDOW).isoformat()),
            order="r.starts_at",
        )
