"""The race weekend, driven: one loop that takes every race of the watched series through its lifecycle
(bot/lifecycle.py) and tells the publishers (Discord, Reddit) what each moment owes them.

Each round (`tick`) reads the races of the coming week from the schedule, polls NASCAR's live feed while one of them
is about to start or running, and for each race:
- takes the lifecycle transition the facts call for (schedule, live feed, official results) with the conditional
  write of db/lifecycle.py, so that of two processes only one acts on it;
- pre-race (from `RaceDaySettings.pre_race_hours` before green): `pre_race` with `db.prerace.prerace_for`, again
  whenever those facts change (the lineup arrives);
- live: each new live document gives the board and the events since the document acted on before
  (`bot.live_race.events_between`); the publishers get them (`live`). That document is persisted once every TV
  delay has passed over it (db/race_weekend.py), so a restart compares with it: events already sent are not sent
  again (the publishers' ledgers see to the ones in between) and a long gap is one catch-up summary, not a flood;
- a poll that fails shows "feed interrupted" on the board until the feed answers again;
- finished (checkered): `finished` with the final board; official: the feed watcher's post-race path, unchanged;
- cancelled: a scheduled race its season's latest race list no longer names (NASCAR's list has no cancelled flag; it
  drops the race): `cancelled`. A start that moves later after the pre-race post is a postponement: the pre-race
  facts say so (`PreRace.postponed_from`); on any moved start the reminders and the scheduled events follow.
Upcoming races (not cancelled) also go to the schedule keepers (Discord scheduled events). `live_answer` is what
/live shows: the board, a finished race's final board for a while, else the next race.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from bot import lifecycle
from bot.feed import FeedClient, LivePoller, LiveState
from bot.live_delivery import Clock, LiveDelivery, ScheduledRace, ServerBoard, ServerLiveSettings
from bot.live_race import LiveBoard, RaceEvent, events_between, live_board
from bot.render.live import board_embed, event_embed, final_board_embed
from bot.render.prerace import prerace_embed
from bot.settings import RaceDaySettings
from db import guilds
from db.errors import FeedError
from db.lifecycle import RaceState, load_many
from db.live import DriverHistory, driver_history
from db.live_feed import Flag, LiveRace, read_live_race
from db.models import RaceSummary, race_key
from db.prerace import PreRace, prerace_for
from db.race_weekend import live_progress, next_races, race_list_ids, races_this_weekend, save_live_progress, upcoming_races
from db.records import Record, replace
from db.series import SERIES
from db.store import Store

log = logging.getLogger(__name__)

FEED_LEAD = timedelta(hours=1)              # the live feed is polled from this long before a pre-race race's green flag
IDLE_SECONDS = 60.0                         # between rounds while no race is about to start or running
PRE_RACE_REFRESH = timedelta(minutes=1)     # how often a pre-race race's facts are read again (the lineup may arrive)
SCHEDULE_REFRESH = timedelta(minutes=15)    # how often the schedule keepers hear of the upcoming races
SCHEDULE_HORIZON = timedelta(days=8)        # ... the races of the next week and a day
PRE_RACE_ITEM = "pre-race"                  # the pre-race message's item in the live ledger
FINAL_BOARD_KEPT = timedelta(hours=6)       # /live shows a finished race's final board this long after its last step
NEXT_RACES_LOOKED_AT = 5                    # /live's next race: the first of these not cancelled


class RaceDayPublisher(Protocol):
    """Where race day goes (Discord here; Reddit in bot/reddit_race_day.py). Each call is idempotent."""

    async def pre_race(self, race: RaceSummary, facts: PreRace) -> None:
        """The race is in its pre-race window; called again when the facts change."""

    async def live(self, race: RaceSummary, board: LiveBoard, events: Sequence[RaceEvent]) -> None:
        """The race as the live feed shows it now, and what happened since the last call."""

    async def finished(self, race: RaceSummary, board: LiveBoard) -> None:
        """The checkered flag: the final board."""

    async def cancelled(self, race: RaceSummary, facts: PreRace, announced: bool) -> None:
        """The race was taken off the schedule (`facts.cancelled`); `announced`: its pre-race post went out."""


class ScheduleKeeper(Protocol):
    async def upcoming(self, races: Sequence[RaceSummary]) -> None:
        """The watched series' scheduled races of the coming days (all of them, each time)."""


def scheduled_race(race: RaceSummary) -> ScheduledRace:
    """A race of the schedule as race-day delivery knows it."""
    assert race.starts_at is not None, "the race weekend follows races with a start time only"
    return ScheduledRace(race_key(race), race.series, race.name, race.track, race.starts_at)


def green_flag_seen(document: LiveRace) -> bool:
    """The live document shows the race under way (the first green has been shown)."""
    return document.is_race and (document.lap > 0 or document.flag not in (Flag.PRE_RACE, Flag.UNKNOWN))


@dataclass
class _KeepingFeedClient(FeedClient):
    """A feed client that remembers the last body it read of each document: the live feed is persisted as served."""

    bodies: dict[str, bytes] = field(default_factory=dict)

    async def fetch(self, url: str) -> bytes | None:
        body = await super().fetch(url)
        if body is not None:
            self.bodies[url] = body
        return body


@dataclass
class _LiveRun:
    """A race followed live by this process."""

    previous: LiveRace | None                       # the document acted on last (persisted or not)
    board: LiveBoard | None = None                  # the board told last
    unsaved: deque[tuple[datetime, LiveRace, bytes]] = field(default_factory=deque)   # acted on, not persisted yet
    histories: dict[str, DriverHistory] = field(default_factory=dict)                 # by car: the store's records


class RaceWeekend:
    """The loop (see the module docstring). `run` until cancelled; `tick` is one round."""

    def __init__(
        self,
        store: Store,
        feed: FeedClient,
        publishers: Sequence[RaceDayPublisher],
        *,
        settings: RaceDaySettings,
        clock: Clock,
        schedule_keepers: Sequence[ScheduleKeeper] = (),
    ):
        self.store = store
        self.publishers = list(publishers)
        self.schedule_keepers = list(schedule_keepers)
        self.settings = settings
        self.clock = clock
        self.client = _KeepingFeedClient(feed.session, feed.base_url, feed.timeout)
        self.poller = LivePoller(self.client, interval=float(settings.live_poll_seconds))
        self.ticks = 0
        self._ticked = asyncio.Event()
        self._polling = False
        self._runs: dict[str, _LiveRun] = {}
        self._pre_race: dict[str, tuple[datetime, PreRace]] = {}    # race key -> when read, the facts told last
        self._schedule_told: datetime | None = None

    @property
    def pre_race_window(self) -> timedelta:
        return timedelta(hours=self.settings.pre_race_hours)

    async def run(self) -> None:
        """Round after round until cancelled: every live poll interval (backing off while the feed fails) while a
        race is about to start or running, else every IDLE_SECONDS."""
        while True:
            try:
                await self.tick()
            except Exception:  # the loop must outlive any one bad round
                log.exception("race weekend round failed")
            wait = self.poller.delay if self._polling else IDLE_SECONDS
            await self.clock.sleep_until(self.clock.now() + timedelta(seconds=wait))

    async def wait_for_tick(self, count: int) -> None:
        """Until `count` rounds have been done (tests, which move the clock, wait for the round it allows)."""
        while self.ticks < count:
            self._ticked.clear()
            await self._ticked.wait()

    async def tick(self) -> None:
        now = self.clock.now()
        # The week ahead, not just the pre-race window: a race cancelled days ahead loses its scheduled events, and
        # one postponed past the window keeps its pre-race post and reminders in step with its new start.
        races = await races_this_weekend(self.store, now, max(SCHEDULE_HORIZON, self.pre_race_window))
        states = await load_many(self.store, [race_key(race) for race in races])
        unlisted = await self._unlisted(races)
        self._polling = any(self._wants_feed(race, states[race_key(race)].state, now) for race in races)
        feed = await self.poller.poll() if self._polling else None
        for race in races:
            if states[race_key(race)].state in lifecycle.FINAL:
                continue
            try:
                await self._follow(race, states[race_key(race)].state, feed, now, cancelled=race_key(race) in unlisted)
            except Exception:
                log.exception("race weekend: %s failed this round; the other races go on", race_key(race))
        if self._schedule_told is None or now - self._schedule_told >= SCHEDULE_REFRESH:
            self._schedule_told = now
            await self._tell_schedule(now)
        self.ticks += 1
        self._ticked.set()

    async def _unlisted(self, races: Sequence[RaceSummary]) -> set[str]:
        """The keys of the scheduled races the latest race list of their season no longer names (cancelled). A list
        whose series is empty says nothing (a partial document is not every race of the series cancelled)."""
        listed = {season: await race_list_ids(self.store, season) for season in {race.season for race in races}}
        unlisted = set()
        for race in races:
            by_series, feed_id = listed[race.season], SERIES[race.series].feed_id
            ids = by_series.get(feed_id) if by_series is not None and feed_id is not None else None
            if race.status == "scheduled" and ids and race.source_id not in ids:
                unlisted.add(race_key(race))
        return unlisted

    async def _tell_schedule(self, now: datetime) -> None:
        """The coming week's races to the schedule keepers, those cancelled left out."""
        upcoming = await upcoming_races(self.store, now, SCHEDULE_HORIZON)
        states = await load_many(self.store, [race_key(race) for race in upcoming])
        still_on = [race for race in upcoming if states[race_key(race)].state is not RaceState.CANCELLED]
        for keeper in self.schedule_keepers:
            await keeper.upcoming(still_on)

    def _wants_feed(self, race: RaceSummary, state: RaceState, now: datetime) -> bool:
        """Live, or due to start soon (a process that was away may find it running: the feed says so, and no stale
        pre-race post goes out)."""
        if state is RaceState.LIVE:
            return True
        starting = race.starts_at is not None and now >= race.starts_at - FEED_LEAD
        return state in (RaceState.SCHEDULED, RaceState.PRE_RACE) and starting

    async def _follow(
        self, race: RaceSummary, state: RaceState, feed: LiveState | None, now: datetime, *, cancelled: bool = False
    ) -> None:
        key = race_key(race)
        document = feed.race if feed is not None and feed.race is not None and f"{feed.race.race_id}" == race.source_id else None
        seen_green = document is not None and green_flag_seen(document)
        facts = lifecycle.RaceFacts(
            green_flag_at=race.starts_at,
            green_flag_seen=seen_green,
            checkered_flag_seen=document is not None and document.is_race and document.flag is Flag.CHECKERED,
            official=race.status == "official",
            cancelled=cancelled and not seen_green and state in (RaceState.SCHEDULED, RaceState.PRE_RACE),
        )
        transition = None
        if lifecycle.advance(state, facts, now, self.pre_race_window) is not None:   # as of this round's read: worth a step
            transition = await lifecycle.step(self.store, key, facts, now, self.pre_race_window)
        if transition is not None:
            log.info("%s: %s → %s%s", key, transition.source, transition.target,
                     " (caught up)" if transition.caught_up else "")
            state = transition.target
        if state is RaceState.CANCELLED:
            if transition is not None:
                await self._tell_cancelled(race, announced=transition.source is RaceState.PRE_RACE)
            return
        if state is RaceState.PRE_RACE:
            await self._tell_pre_race(race, now)
        finished_now = transition is not None and transition.target is RaceState.FINISHED
        if document is not None and feed is not None and (state is RaceState.LIVE or finished_now):
            board = await self._tell_live(race, document, feed, now)
            if finished_now:
                for publisher in self.publishers:
                    await self._guarded(publisher.finished(race, board), "finished", key)
        if state in (RaceState.FINISHED, RaceState.OFFICIAL):
            self._runs.pop(key, None)
            self._pre_race.pop(key, None)

    async def _tell_pre_race(self, race: RaceSummary, now: datetime) -> None:
        key = race_key(race)
        told = self._pre_race.get(key)
        if told is not None and now - told[0] < PRE_RACE_REFRESH:
            return
        facts = await prerace_for(self.store, race)
        if told is not None:
            if facts.race.starts_at != told[1].race.starts_at:
                self._schedule_told = None   # the scheduled events move this round, not in SCHEDULE_REFRESH
            if (postponed := _postponed_from(told[1], facts)) is not None:
                facts = replace(facts, postponed_from=postponed)
        self._pre_race[key] = (now, facts)
        if told is None or told[1] != facts:
            for publisher in self.publishers:
                await self._guarded(publisher.pre_race(race, facts), "pre_race", key)

    async def _tell_cancelled(self, race: RaceSummary, *, announced: bool) -> None:
        key = race_key(race)
        log.info("%s: taken off the race list: cancelled", key)
        facts = replace(await prerace_for(self.store, race), cancelled=True)
        for publisher in self.publishers:
            await self._guarded(publisher.cancelled(race, facts, announced), "cancelled", key)
        self._pre_race.pop(key, None)

    async def _tell_live(self, race: RaceSummary, document: LiveRace, feed: LiveState, now: datetime) -> LiveBoard:
        key = race_key(race)
        run = self._runs.get(key) or await self._resume(key)
        self._runs[key] = run
        leader = document.leader
        history = await self._history(run, document, leader.car) if leader is not None else None   # the winner's, at the end
        winner = history if document.flag is Flag.CHECKERED else None
        events = events_between(run.previous, document, feed.flags, feed.notes, winner_history=winner)
        board = live_board(document, history, feed_interrupted=feed.interrupted)
        if board != run.board or events:
            for publisher in self.publishers:
                await self._guarded(publisher.live(race, board, events), "live", key)
            run.board = board
        if document is not run.previous:
            run.previous = document
            body = self.client.bodies.get(self.client.live_feed_url())
            if body is not None:
                run.unsaved.append((now, document, body))
        await self._save_progress(key, run, now)
        return board

    async def _resume(self, key: str) -> _LiveRun:
        """A race this process has not followed yet: from the document a run before it acted on, if any."""
        body = await live_progress(self.store, key)
        if body is None:
            return _LiveRun(previous=None)
        try:
            return _LiveRun(previous=read_live_race(body))
        except FeedError as error:
            log.warning("%s: the saved live document is unreadable (%s); starting afresh", key, error)
            return _LiveRun(previous=None)

    async def _save_progress(self, key: str, run: _LiveRun, now: datetime) -> None:
        """Persist the newest document acted on whose events every server has been due to see (its TV delay past)."""
        delay = await self._longest_delay()
        due = None
        while run.unsaved and run.unsaved[0][0] + delay <= now:
            due = run.unsaved.popleft()
        if due is not None:
            await save_live_progress(self.store, key, due[2], due[0])

    async def _longest_delay(self) -> timedelta:
        servers = await guilds.race_day_servers(self.store)
        return timedelta(seconds=max((server.tv_delay_seconds for server in servers if server.live_updates), default=0))

    async def _history(self, run: _LiveRun, document: LiveRace, car: str) -> DriverHistory | None:
        if car not in run.histories:
            vehicle = document.car(car)
            if vehicle is None:
                return None
            run.histories[car] = await driver_history(self.store, document, vehicle)
        return run.histories[car]

    @staticmethod
    async def _guarded(call: Awaitable[None], what: str, key: str) -> None:
        """One publisher failing must not keep the others (or the other races) from hearing."""
        try:
            await call
        except Exception:
            log.exception("race weekend: a publisher's %s of %s failed", what, key)


class LiveAnswer(Record):
    """What /live shows: a board (live, or a finished race's final board for a while) or, between races, the next one."""

    board: ServerBoard | None
    next_race: RaceSummary | None = None


async def live_answer(
    store: Store, delivery: LiveDelivery | None, series: str | None, guild_id: int | None, now: datetime
) -> LiveAnswer:
    """The board the server sees (TV delay applied) while its race is live; once finished, its final board until
    FINAL_BOARD_KEPT after its last lifecycle step (finished or official) or until the next race is FEED_LEAD from its
    green flag, whichever comes first; else the next race."""
    board = delivery.current_board(series, guild_id) if delivery is not None else None
    upcoming = await next_races(store, now, series, NEXT_RACES_LOOKED_AT)
    upcoming_states = await load_many(store, [race_key(race) for race in upcoming])
    next_race = next((race for race in upcoming if upcoming_states[race_key(race)].state is not RaceState.CANCELLED), None)
    if board is None:
        return LiveAnswer(None, next_race)
    stored = (await load_many(store, [board.race.key]))[board.race.key]
    if stored.state is RaceState.CANCELLED:
        return LiveAnswer(None, next_race)
    if stored.state in (RaceState.FINISHED, RaceState.OFFICIAL):
        over_at = stored.entered_at or now
        next_soon = next_race is not None and next_race.starts_at is not None and now >= next_race.starts_at - FEED_LEAD
        if now - over_at > FINAL_BOARD_KEPT or next_soon:
            return LiveAnswer(None, next_race)
    return LiveAnswer(board)


def _postponed_from(told: PreRace, now: PreRace) -> datetime | None:
    """The green-flag time first announced, when the race's start has moved later since (else None)."""
    first = told.postponed_from or told.race.starts_at
    later = now.race.starts_at
    return first if first is not None and later is not None and later > first else None


class DiscordRaceDay:
    """Race day on Discord (a `RaceDayPublisher` and `ScheduleKeeper`) through the bot's `LiveDelivery`.

    Which servers: those that asked for something on race day (db.guilds.race_day_servers): the pre-race embed goes
    to each one's race channel, reminders to those with one set, board and events to those with live updates on
    (TV delay applied by the delivery), scheduled events to those that turned them on.
    """

    def __init__(self, store: Store, delivery: LiveDelivery):
        self.store = store
        self.delivery = delivery

    async def servers(self) -> list[ServerLiveSettings]:
        return [ServerLiveSettings.from_guild(settings) for settings in await guilds.race_day_servers(self.store)]

    async def pre_race(self, race: RaceSummary, facts: PreRace) -> None:
        servers = await self.servers()
        scheduled = scheduled_race(race)
        self.delivery.keep(scheduled, PRE_RACE_ITEM, prerace_embed(facts), servers)
        self.delivery.schedule_reminders(scheduled, servers)

    async def live(self, race: RaceSummary, board: LiveBoard, events: Sequence[RaceEvent]) -> None:
        self.delivery.publish(scheduled_race(race), board_embed(board), [(event.key, event_embed(event)) for event in events],
                              self.delivery.clock.now(), await self.servers())

    async def finished(self, race: RaceSummary, board: LiveBoard) -> None:
        self.delivery.publish(scheduled_race(race), final_board_embed(board), [], self.delivery.clock.now(), await self.servers())

    async def cancelled(self, race: RaceSummary, facts: PreRace, announced: bool) -> None:
        """The pre-race embed says so (where it went out), no reminder, the scheduled events removed."""
        servers = await self.servers()
        scheduled = replace(scheduled_race(race), cancelled=True)
        if announced:
            self.delivery.keep(scheduled, PRE_RACE_ITEM, prerace_embed(facts), servers)
        self.delivery.schedule_reminders(scheduled, servers)
        for change in await self.delivery.sync_scheduled_events([scheduled], servers):
            log.info("scheduled event %s", change)

    async def upcoming(self, races: Sequence[RaceSummary]) -> None:
        done = await self.delivery.sync_scheduled_events([scheduled_race(race) for race in races], await self.servers())
        for change in done:
            log.info("scheduled event %s", change)
