"""Fetching NASCAR's feed over HTTP: conditional requests, timeouts, errors sorted into kinds, and live polling."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

import aiohttp

from db.errors import FeedError
from db.live_feed import FlagChange, LapNote, LiveRace, read_flag_history, read_lap_notes, read_live_race
from db.records import Record
from db.series import SERIES

log = logging.getLogger(__name__)

T = TypeVar("T")


class FeedUnavailable(Exception):
    """The feed did not answer usefully (5xx, timeout, dropped connection): try again later."""


@dataclass
class Validators:
    """What a server said to identify a document version, sent back to ask whether it changed."""

    etag: str | None = None
    last_modified: str | None = None

    @classmethod
    def of(cls, response: aiohttp.ClientResponse) -> Validators:
        return cls(response.headers.get("ETag"), response.headers.get("Last-Modified"))

    def conditional_headers(self) -> dict[str, str]:
        """The request headers that ask for the document only if it changed since this version."""
        headers = {}
        if self.etag:
            headers["If-None-Match"] = self.etag
        if self.last_modified:
            headers["If-Modified-Since"] = self.last_modified
        return headers


@dataclass
class FeedClient:
    """GETs with ETag / If-Modified-Since; `fetch` returns None when the document has not changed."""

    session: aiohttp.ClientSession
    base_url: str
    timeout: float = 20.0
    _validators: dict[str, Validators] = field(default_factory=dict)

    def race_list_url(self, season: int) -> str:
        return f"{self.base_url}/{season}/race_list_basic.json"

    def weekend_feed_url(self, season: int, series: str, race_id: str) -> str:
        return f"{self.base_url}/{season}/{SERIES[series].feed_id}/{race_id}/weekend-feed.json"

    def loopstats_url(self, season: int, series: str, race_id: str) -> str:
        """A race's loop data (driver rating, passes, fastest laps), published after the race."""
        return f"{self.base_url.removesuffix('/cacher')}/loopstats/prod/{season}/{SERIES[series].feed_id}/{race_id}.json"

    @property
    def live_base_url(self) -> str:
        """`https://cf.nascar.com/live/feeds`: the live endpoints live beside `cacher/`, on the same host."""
        return self.base_url.removesuffix("/cacher") + "/live/feeds"

    def live_feed_url(self) -> str:
        """The session on track now, whatever the series (NASCAR serves one at a time)."""
        return f"{self.live_base_url}/live-feed.json"

    def flag_history_url(self) -> str:
        return f"{self.live_base_url}/live-flag-data.json"

    def lap_notes_url(self, season: int, series_id: int, race_id: int) -> str:
        return f"{self.base_url}/{season}/{series_id}/{race_id}/lap-notes.json"

    async def fetch(self, url: str) -> bytes | None:
        """The document body; None if unchanged (304) or not published yet (404)."""
        headers = self._validators.get(url, Validators()).conditional_headers()
        try:
            async with self.session.get(url, headers=headers, timeout=aiohttp.ClientTimeout(total=self.timeout)) as response:
                if response.status == 304:
                    return None
                if response.status == 404:
                    log.debug("not published yet: %s", url)
                    return None
                if response.status != 200:
                    raise FeedUnavailable(f"{url} answered {response.status}")
                body = await response.read()
                self._validators[url] = Validators.of(response)
                return body
        except (TimeoutError, aiohttp.ClientError) as error:
            raise FeedUnavailable(f"{url}: {type(error).__name__} {error}".strip()) from error

    def forget(self, url: str) -> None:
        """Drop the validators of a document we could not use, so the next poll fetches it whole."""
        self._validators.pop(url, None)


class LiveState(Record):
    """The live documents as last read: the last good ones are kept while the feed fails."""

    race: LiveRace | None
    flags: tuple[FlagChange, ...]
    notes: tuple[LapNote, ...]
    interrupted: bool               # the last poll failed (no answer, or a document refused)


@dataclass
class LivePoller:
    """Polls the live endpoints every `interval` seconds, doubling the wait while they fail (up to `max_interval`).

    Conditional requests: an unchanged document (304) is neither downloaded nor parsed again. A refused
    document (FeedError) counts as a failure, and its validators are dropped so the next poll fetches it whole.
    """

    client: FeedClient
    interval: float = 5.0
    max_interval: float = 120.0
    failures: int = 0
    state: LiveState = field(default_factory=lambda: LiveState(None, (), (), False))

    @property
    def delay(self) -> float:
        return min(self.interval * 2 ** self.failures, max(self.max_interval, self.interval))

    async def poll(self) -> LiveState:
        race, flags, notes = self.state.race, self.state.flags, self.state.notes
        try:
            race = await self._read(self.client.live_feed_url(), read_live_race) or race
            flags = await self._read(self.client.flag_history_url(), read_flag_history) or flags
            if race is not None and race.observed_at is not None:
                url = self.client.lap_notes_url(race.observed_at.year, race.series_id, race.race_id)
                notes = await self._read(url, read_lap_notes) or notes
        except (FeedUnavailable, FeedError) as error:
            self.failures += 1
            log.warning("live feed: %s (retrying in %.0f s)", error, self.delay)
            self.state = LiveState(race, flags, notes, True)
            return self.state
        self.failures = 0
        self.state = LiveState(race, flags, notes, False)
        return self.state

    async def _read(self, url: str, parse: Callable[[bytes], T]) -> T | None:
        body = await self.client.fetch(url)
        if body is None:
            return None
        try:
            return parse(body)
        except FeedError:
            self.client.forget(url)
            raise
