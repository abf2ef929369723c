"""The live feed watcher: polls NASCAR's feed (and Jolpica for F1), ingests results, posts and announces official races.

Each poll is level-triggered: it imports whatever changed, then makes sure every recently official
race has its threads and announcements (bot/race_day.py decides which). Posting and announcing are
idempotent (claimed ledgers), so a poll after a restart or a crash, or in a second process, finishes
what an earlier one started and never repeats what was done.

Each race is handled on its own: an error with one race (a document that cannot be imported, a bug,
Discord refusing a message) is logged with the race and the poll goes on with the others. A document
that could not be imported is forgotten by the feed client, so the next poll fetches it whole.
When Reddit refuses the account itself (see bot.reddit.PostingPaused) posting stops for the rest of
the poll and is tried again on the next one; the outage is logged once, when it starts.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from bot.feed import FeedClient, FeedUnavailable
from bot.jolpica import JolpicaClient
from bot.posting import publish_recap
from bot.race_day import Announcer, deliveries
from bot.reddit import PostingPaused, PublishResult, RedditPoster
from db import jolpica
from db.errors import FeedError
from db.models import RaceSummary, race_key
from db.nascar_feed import import_document
from db.queries import race_details, utc_now
from db.recaps import race_recap
from db.store import Store
from db.watch import jolpica_races_to_poll, races_to_poll, races_wanting_loop_data, recently_official

log = logging.getLogger(__name__)

WRITES = ("posted", "recovered", "edited")  # publish actions that prove Reddit accepts the account


@dataclass
class PollReport:
    imported: list[str] = field(default_factory=list)       # "race_list 2026", "weekend 5617"
    rejected: list[str] = field(default_factory=list)       # documents that could not be imported (URLs), database unchanged
    published: list[PublishResult] = field(default_factory=list)
    failed_races: list[str] = field(default_factory=list)   # race keys whose handling raised; logged, tried again next poll
    posting_paused: str | None = None                       # why Reddit posting stopped during this poll


def describe(race: RaceSummary) -> str:
    return f"{race_key(race)} ({race.season} {race.name})"


class Watcher:
    def __init__(
        self,
        store: Store,
        feed: FeedClient,
        *,
        poster: RedditPoster | None,
        title_template: str,
        announcer: Announcer | None = None,
        clock: Callable[[], datetime] = utc_now,
        jolpica: JolpicaClient | None = None,
    ):
        self.store = store
        self.feed = feed
        self.jolpica = jolpica
        self.poster = poster
        self.title_template = title_template
        self.announcer = announcer
        self.clock = clock
        self.reddit_outage: str | None = None   # why Reddit refuses the account, from when it was first seen until a write works

    async def poll(self) -> PollReport:
        """One round: race list, recent weekend feeds, then threads and announcements.

        Raises FeedUnavailable when the feed did not answer (the caller backs off): at once for the race
        list, and for a weekend feed only once every other race was read, posted and announced. Anything
        else that goes wrong with one race is logged with the race, and the other races go on as usual.
        """
        report = PollReport()
        now = self.clock()
        await self._ingest(self.feed.race_list_url(now.year), report)
        unavailable: FeedUnavailable | None = None
        for race in await races_to_poll(self.store, now):
            assert race.source_id is not None, "races_to_poll selects feed races only"
            try:
                await self._ingest(self.feed.weekend_feed_url(race.season, race.series, race.source_id), report)
            except FeedUnavailable as error:
                log.info("%s: weekend feed unavailable (%s); the other races go on", describe(race), error)
                unavailable = unavailable or error
            except Exception:
                log.exception("%s: could not read the weekend feed; the other races go on", describe(race))
                report.failed_races.append(race_key(race))
        for race in await races_wanting_loop_data(self.store, now):
            assert race.source_id is not None, "races_wanting_loop_data selects feed races only"
            try:
                await self._ingest(self.feed.loopstats_url(race.season, race.series, race.source_id), report)
            except FeedUnavailable as error:   # loop data is an extra: its absence never holds the watcher back
                log.info("%s: loop data unavailable (%s)", describe(race), error)
            except Exception:
                log.exception("%s: could not read the loop data; the other races go on", describe(race))
                report.failed_races.append(race_key(race))
        if self.jolpica is not None:
            for race in await jolpica_races_to_poll(self.store, now):
                try:
                    await self._ingest_jolpica(self.jolpica, race, report)
                except FeedUnavailable as error:
                    log.info("%s: Jolpica unavailable (%s); the other races go on", describe(race), error)
                    unavailable = unavailable or error
                except Exception:
                    log.exception("%s: could not read Jolpica; the other races go on", describe(race))
                    report.failed_races.append(race_key(race))
        if self.poster is not None or self.announcer is not None:
            for race in await recently_official(self.store, now):
                try:
                    await self._finish(race, report)
                except Exception:
                    log.exception("%s: could not post or announce; the other races go on", describe(race))
                    report.failed_races.append(race_key(race))
        if unavailable is not None:
            raise unavailable
        return report

    async def _ingest(self, url: str, report: PollReport) -> None:
        """Fetch and import one document; one that cannot be imported is logged, forgotten and skipped."""
        body = await self.feed.fetch(url)
        if body is None:
            return
        try:
            imported = await import_document(self.store, body)
        except Exception as error:
            self.feed.forget(url)
            report.rejected.append(url)
            if isinstance(error, FeedError):
                log.warning("feed document rejected, database unchanged: %s: %s", url, error)
            else:
                log.error("feed document could not be imported, database unchanged: %s", url, exc_info=error)
            return
        if imported.changed:
            log.info("imported %s %s", imported.kind, imported.key)
            report.imported.append(f"{imported.kind} {imported.key}")

    async def _ingest_jolpica(self, client: JolpicaClient, race: RaceSummary, report: PollReport) -> None:
        """An F1 race's results, then its qualifying and sprint and the season's table, from Jolpica. Until the
        race's results are in, nothing else is asked (Jolpica's hourly budget is small)."""
        has_results = await self._jolpica_document(client, race, "results", report)
        if not has_results and race.source != "feed":
            return
        for what in ("qualifying", "sprint", "standings"):
            await self._jolpica_document(client, race, what, report)

    async def _jolpica_document(self, client: JolpicaClient, race: RaceSummary, what: str, report: PollReport) -> bool:
        """Read and import one document (kept for `pitboard db build`); whether it had content (False: unchanged too)."""
        assert race.round is not None, "an F1 race has a round"
        url = client.url(race.season, race.round, what)
        body = await client.fetch(url)
        if body is None:
            return False
        try:
            document, changed = await jolpica.import_document(self.store, body, what)
        except FeedError as error:
            self._refuse_jolpica(client, url, error, report)
            return False
        if changed:
            log.info("imported Jolpica %s %s round %s", what, race.season, race.round)
            report.imported.append(f"jolpica {what} {race.season}-{race.round}")
        return document.content is not None

    @staticmethod
    def _refuse_jolpica(client: JolpicaClient, url: str, error: FeedError, report: PollReport) -> None:
        client.forget(url)
        report.rejected.append(url)
        log.warning("Jolpica document rejected, database unchanged: %s: %s", url, error)

    async def _finish(self, race: RaceSummary, report: PollReport) -> None:
        """Post and announce one official race, as bot/race_day.py decides."""
        facts = await race_recap(self.store, await race_details(self.store, race))
        where = await deliveries(self.store, race)
        if self.poster is not None and report.posting_paused is None:
            try:
                outcomes = await publish_recap(self.poster, facts, where.subreddits, self.title_template)
            except PostingPaused as pause:
                self._pause_posting(pause, report)
            else:
                report.published += outcomes
                self._resume_posting(outcomes)
        if self.announcer is not None:
            await self.announcer.announce(facts, where.channels)

    def _pause_posting(self, pause: PostingPaused, report: PollReport) -> None:
        report.posting_paused = pause.reason
        if self.reddit_outage is None:
            log.warning("Reddit posting deferred: %s. No thread is marked failed; trying again every poll.", pause.reason)
        self.reddit_outage = pause.reason

    def _resume_posting(self, outcomes: list[PublishResult]) -> None:
        if self.reddit_outage is not None and any(outcome.action in WRITES for outcome in outcomes):
            log.info("Reddit posting works again (it was deferred: %s)", self.reddit_outage)
            self.reddit_outage = None
