"""Fetching the Jolpica F1 API within its limits: a client-side rate limiter (4 requests a second in a burst,
500 an hour), conditional requests, and backoff on 429 (honouring Retry-After) and 5xx."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import aiohttp

from bot.feed import FeedUnavailable, Validators
from bot.settings import DEFAULT_JOLPICA_URL

log = logging.getLogger(__name__)

ENDPOINTS = {"results": "results", "sprint": "sprint", "qualifying": "qualifying", "standings": "driverstandings"}
BURST = 4                    # requests at once, refilled at this many a second
HOURLY = 500                 # requests in any hour
HOUR = 3600.0
ATTEMPTS = 4                 # a request and three retries
FIRST_BACKOFF = 1.0          # seconds, doubled at each retry
MAX_RETRY_AFTER = 60.0       # a longer Retry-After gives up until the next poll


class JolpicaUnavailable(FeedUnavailable):
    """Jolpica did not answer usefully after retries, or the hourly budget is spent: try again next poll."""


@dataclass
class RateLimiter:
    """A token bucket (BURST tokens, BURST a second) and a sliding hour of at most HOURLY requests.

    `acquire` waits for a token; when the hour's budget is spent it raises JolpicaUnavailable at once rather than
    sleep for many minutes (the watcher polls again later). `hold(seconds)` stops everything for a while (a 429).
    """

    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    burst: int = BURST
    hourly: int = HOURLY
    tokens: float = BURST
    refilled_at: float | None = None
    held_until: float = 0.0
    sent: deque[float] = field(default_factory=deque)

    async def acquire(self) -> None:
        now = self.clock()
        while self.sent and self.sent[0] <= now - HOUR:
            self.sent.popleft()
        if len(self.sent) >= self.hourly:
            raise JolpicaUnavailable(f"the client's budget of {self.hourly} requests an hour is spent")
        if now < self.held_until:
            await self.sleep(self.held_until - now)
            now = self.clock()
        self._refill(now)
        if self.tokens < 1:
            await self.sleep((1 - self.tokens) / self.burst)
            now = self.clock()
            self._refill(now)
        self.tokens = max(self.tokens - 1, 0.0)
        self.sent.append(now)

    def _refill(self, now: float) -> None:
        if self.refilled_at is not None:
            self.tokens = min(self.burst, self.tokens + (now - self.refilled_at) * self.burst)
        self.refilled_at = now

    def hold(self, seconds: float) -> None:
        self.held_until = max(self.held_until, self.clock() + seconds)


@dataclass
class JolpicaClient:
    """GETs Jolpica documents; `fetch` returns None when a document has not changed since it was last read (304)."""

    session: aiohttp.ClientSession
    base_url: str = DEFAULT_JOLPICA_URL
    limiter: RateLimiter = field(default_factory=RateLimiter)
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    timeout: float = 20.0
    _validators: dict[str, Validators] = field(default_factory=dict)

    def url(self, season: int, round_: int, what: str) -> str:
        """`/ergast/f1/2026/12/results/?limit=100`: every row in one page (a document must be whole)."""
        return f"{self.base_url}/{season}/{round_}/{ENDPOINTS[what]}/?limit=100"

    async def fetch(self, url: str) -> bytes | None:
        """The body; None if unchanged (304) or not there (404). Retries 429 and 5xx with backoff, then raises
        JolpicaUnavailable, as it does for timeouts and dropped connections."""
        backoff = FIRST_BACKOFF
        problem = ""
        told_when = False   # a 429's Retry-After holds the limiter: the next attempt waits for that, not the backoff
        for attempt in range(ATTEMPTS):
            if attempt and not told_when:
                await self.sleep(backoff)
                backoff *= 2
            told_when = False
            await self.limiter.acquire()
            headers = {"Accept": "application/json", **self._validators.get(url, Validators()).conditional_headers()}
            try:
                async with self.session.get(url, headers=headers, timeout=aiohttp.ClientTimeout(total=self.timeout)) as response:
                    if response.status == 304:
                        return None
                    if response.status == 404:
                        return None
                    if response.status == 200:
                        body = await response.read()
                        self._validators[url] = Validators.of(response)
                        return body
                    problem = f"{url} answered {response.status}"
                    if response.status == 429:
                        wait = _retry_after(response.headers.get("Retry-After"), backoff)
                        if wait > MAX_RETRY_AFTER:
                            raise JolpicaUnavailable(f"{problem}; retry after {wait:.0f} s")
                        self.limiter.hold(wait)
                        told_when = True
                    elif response.status < 500:
                        raise JolpicaUnavailable(problem)
            except (TimeoutError, aiohttp.ClientError) as error:
                problem = f"{url}: {type(error).__name__} {error}".strip()
            log.info("jolpica: %s (attempt %d of %d)", problem, attempt + 1, ATTEMPTS)
        raise JolpicaUnavailable(problem)

    def forget(self, url: str) -> None:
        """Drop the validators of a document that could not be used, so the next poll fetches it whole."""
        self._validators.pop(url, None)


def _retry_after(value: str | None, default: float) -> float:
    """Retry-After in seconds (the HTTP-date form is not used by Jolpica; it falls back to the backoff)."""
    if value is not None and value.strip().isdigit():
        return float(value.strip())
    return default
