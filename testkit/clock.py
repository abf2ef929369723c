"""A clock that moves only when a test says so: race-day delays, reminders and rate limit windows without waiting."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta


class ManualClock:
    """`now()` and `sleep_until()` as bot.live_delivery.Clock wants them; `time()` (epoch seconds) for FakeDiscord."""

    def __init__(self, start: datetime):
        self._now = start
        self._sleepers: list[tuple[datetime, asyncio.Future[None]]] = []

    def now(self) -> datetime:
        return self._now

    def time(self) -> float:
        return self._now.timestamp()

    async def sleep_until(self, moment: datetime) -> None:
        if moment <= self._now:
            return
        woken: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._sleepers.append((moment, woken))
        try:
            await woken
        finally:
            self._sleepers = [(when, future) for when, future in self._sleepers if future is not woken]

    def advance(self, seconds: float) -> None:
        """Move on; every sleeper whose moment came is woken."""
        self._now += timedelta(seconds=seconds)
        for moment, woken in self._sleepers:
            if moment <= self._now and not woken.done():
                woken.set_result(None)
