"""Race day on Reddit: the pre-race thread and the optional live race thread of each race, on every subreddit some
server configured for the race's series (as the post-race thread, bot/posting.py), linked to each other.

`RedditRaceDay` is a race-day publisher (bot/race_weekend.RaceDayPublisher): the race weekend calls `pre_race` when
the pre-race facts are ready or change, `cancelled` when the race is taken off the schedule, `live` on every poll of
the live feed and `finished` at the checkered flag.
Every write goes through the `RedditPoster` (ledger claim first, retries, PostingPaused on account errors), so a
restart posts nothing twice: the ledger knows each thread by (race key, kind, subreddit).

- The pre-race thread is posted once and edited when its content changes (the lineup arrives).
- The live thread (`PITBOARD_LIVE_REDDIT_THREAD`, off by default) shows the live board and is edited at most once
  per `PITBOARD_LIVE_THREAD_EDIT_SECONDS` (≥ 60 s, Reddit's edit rate). Boards that arrive in between are
  coalesced: the newest is written at the next allowed edit. After the checkered flag the final board is written
  as soon as the interval allows, even if no other call comes.
- When a thread first appears, the race's other threads in that subreddit are edited to link it (their last
  written body, relinked); a thread still waiting to be written is rendered with the links as they are when
  written. Every edit waits for the poster's edit interval, so an edit too early waits for a later call.
- Reddit refusing the account (PostingPaused) stops writing for this call; what was not written is kept and
  written by a later call.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from bot.live_race import LiveBoard, RaceEvent
from bot.posting import thread_links
from bot.reddit import PostingPaused, PublishResult, RedditPoster, Thread
from bot.render import prerace
from bot.render.race_threads import ThreadLinks, live_body, live_title, relinked
from bot.settings import RaceDaySettings
from db import guilds, threads
from db.models import RaceSummary, race_key
from db.prerace import PreRace
from db.records import Record
from db.threads import ThreadKind

log = logging.getLogger(__name__)

NEW_THREAD = ("posted", "recovered")


class Draft(Record):
    """A thread to write to one subreddit; its body is rendered when written, with the links of that moment."""

    key: str
    kind: ThreadKind
    subreddit: str
    title: str
    body: Callable[[ThreadLinks], str]

    @property
    def slot(self) -> tuple[str, ThreadKind, str]:
        return self.key, self.kind, self.subreddit.casefold()


class RedditRaceDay:
    """The Reddit publisher of race day (see the module docstring)."""

    def __init__(
        self,
        poster: RedditPoster,
        settings: RaceDaySettings,
        *,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ):
        self.poster = poster
        self.store = poster.store
        self.live_thread = settings.live_reddit_thread
        self.edit_interval = float(settings.live_thread_edit_seconds)
        self.sleep = sleep
        self._waiting: dict[tuple[str, ThreadKind, str], Draft] = {}   # drafts not written yet, the newest per thread
        self._final_edits: set[asyncio.Task[None]] = set()

    async def pre_race(self, race: RaceSummary, facts: PreRace) -> None:
        """Post the race's pre-race thread on each subreddit, or edit it to the new facts."""
        key = race_key(race)
        title = prerace.title(facts)
        for subreddit in await guilds.subreddits_for(self.store, race.series):
            self._offer(Draft(key, ThreadKind.PRE, subreddit, title, lambda links: prerace.reddit_body(facts, key, links)))
        await self._write_due()

    async def cancelled(self, race: RaceSummary, facts: PreRace, announced: bool) -> None:
        """Edit the race's pre-race threads (those posted) to say it is cancelled; no thread is posted for it."""
        key = race_key(race)
        title = prerace.title(facts)
        for subreddit in await guilds.subreddits_for(self.store, race.series):
            if await threads.get(self.store, key, subreddit, ThreadKind.PRE) is not None:
                self._offer(Draft(key, ThreadKind.PRE, subreddit, title, lambda links: prerace.reddit_body(facts, key, links)))
        await self._write_due()

    async def live(self, race: RaceSummary, board: LiveBoard, events: Sequence[RaceEvent]) -> None:
        """Show `board` in the live thread (when that is on); the events are the Discord channel's, the thread shows
        the board only."""
        if self.live_thread:
            await self._offer_board(race, board)
        await self._write_due()

    async def finished(self, race: RaceSummary, board: LiveBoard) -> None:
        """The final board in the live thread (when that is on): now if the edit interval allows, else as soon as it
        does, with no further call (as every edit of the race's threads still waiting)."""
        if self.live_thread:
            await self._offer_board(race, board)
        await self._write_due()
        key = race_key(race)
        if any(draft.key == key for draft in self._waiting.values()):
            task = asyncio.create_task(self._write_when_due(key))
            self._final_edits.add(task)
            task.add_done_callback(self._final_edits.discard)

    async def settled(self) -> None:
        """Wait for the final edits that wait for the edit interval (a test's or a shutdown's last step)."""
        while self._final_edits:
            await asyncio.gather(*self._final_edits)

    async def _offer_board(self, race: RaceSummary, board: LiveBoard) -> None:
        key, title = race_key(race), live_title(race)
        for subreddit in await guilds.subreddits_for(self.store, race.series):
            self._offer(Draft(key, ThreadKind.LIVE, subreddit, title, lambda links: live_body(board, key, links)))

    def _offer(self, draft: Draft) -> None:
        self._waiting[draft.slot] = draft

    async def _write_due(self) -> None:
        """Write every waiting draft whose thread may be written now (those a write adds too); stop at PostingPaused
        (the rest keeps waiting)."""
        tried: set[tuple[str, ThreadKind, str]] = set()
        try:
            while untried := [draft for draft in self._waiting.values() if draft.slot not in tried]:
                for draft in untried:
                    tried.add(draft.slot)
                    if await self._seconds_until_due(draft) > 0:
                        continue
                    result = await self._write(draft)
                    if result.action != "deferred" and self._waiting.get(draft.slot) is draft:
                        del self._waiting[draft.slot]
        except PostingPaused as pause:
            log.warning("Reddit race-day threads deferred: %s; %d waiting, written by a later call", pause.reason,
                        len(self._waiting))

    async def _write(self, draft: Draft) -> PublishResult:
        links = await thread_links(self.store, draft.key, draft.subreddit)
        thread = Thread(draft.key, draft.subreddit, draft.title, draft.body(links), draft.kind)
        result = await self.poster.publish(thread)
        if result.action in NEW_THREAD:
            self._relink_others(draft, await threads.race_threads_in(self.store, draft.key, draft.subreddit))
        return result

    def _relink_others(self, new: Draft, existing: dict[ThreadKind, threads.ThreadRecord]) -> None:
        """Offer an edit linking the new thread to each other thread of its race there that waits for no draft."""
        for kind, row in existing.items():
            if kind is new.kind or row.body is None or row.state != "posted":
                continue
            other = Draft(new.key, kind, row.subreddit, row.title, _relinking(row.body, kind))
            if other.slot not in self._waiting:
                self._offer(other)

    async def _seconds_until_due(self, draft: Draft) -> float:
        """How long the thread must wait for its next edit: the live thread's interval, the poster's for the others."""
        row = await threads.get(self.store, draft.key, draft.subreddit, draft.kind)
        last = None if row is None else row.last_written_at
        if last is None:
            return 0.0
        interval = self.edit_interval if draft.kind is ThreadKind.LIVE else self.poster.min_edit_interval
        return last.timestamp() + interval - self.poster.clock()

    async def _write_when_due(self, key: str) -> None:
        """Sleep until the race's waiting live drafts may be written, write them, repeat until none waits."""
        while waiting := [draft for draft in self._waiting.values() if draft.key == key]:
            wait = min([await self._seconds_until_due(draft) for draft in waiting])
            if wait > 0:
                await self.sleep(wait)
            before = len(self._waiting)
            await self._write_due()
            if len(self._waiting) == before and wait <= 0:
                return  # paused or deferred by the poster: a later call writes them


def _relinking(body: str, kind: ThreadKind) -> Callable[[ThreadLinks], str]:
    """A draft's body: a thread's last written body with the links of the moment it is written."""
    return lambda links: relinked(body, links, kind)
