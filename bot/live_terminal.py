"""`pitboard live`: the live board in the terminal, from NASCAR's live feed or from a recorded race.

On a terminal the board refreshes in place (`rich.live.Live`) and events print above it as they happen;
piped, events print one a line and the final board at the end. The same code path as the Discord board:
documents → `events_between` / `live_board` → bot/render/live.py.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
from rich.console import Console
from rich.live import Live

from bot.feed import FeedClient, LivePoller, LiveState
from bot.live_race import events_between, live_board
from bot.render.live import board_rich, board_text, event_line
from db.live import DriverHistory, driver_history
from db.live_feed import (
    FLAG_HISTORY_PATH,
    LAP_NOTES_PATH,
    LIVE_FEED_PATH,
    Flag,
    FlagChange,
    LapNote,
    LiveRace,
    load_replay,
    read_flag_history,
    read_lap_notes,
    read_live_race,
)
from db.store import Store


@dataclass
class _Histories:
    """The store's record of the drivers shown, read once per driver and race."""

    store: Store | None
    known: dict[tuple[int, str], DriverHistory]

    async def of(self, race: LiveRace, car: str | None) -> DriverHistory | None:
        vehicle = race.car(car) if car else None
        if self.store is None or vehicle is None:
            return None
        key = (race.race_id, vehicle.name)
        if key not in self.known:
            self.known[key] = await driver_history(self.store, race, vehicle)
        return self.known[key]


async def replay_states(directory: Path, speed: float) -> AsyncIterator[LiveState]:
    """A recorded race's documents, frame by frame, at `speed` times real time."""
    frames = load_replay(directory)
    race: LiveRace | None = None
    flags: tuple[FlagChange, ...] = ()
    notes: tuple[LapNote, ...] = ()
    clock = frames[0].seconds
    for frame in frames:
        await asyncio.sleep(max(frame.seconds - clock, 0) / speed)
        clock = frame.seconds
        documents = frame.documents
        race = read_live_race(documents[LIVE_FEED_PATH]) if LIVE_FEED_PATH in documents else race
        flags = read_flag_history(documents[FLAG_HISTORY_PATH]) if FLAG_HISTORY_PATH in documents else flags
        notes = read_lap_notes(documents[LAP_NOTES_PATH]) if LAP_NOTES_PATH in documents else notes
        yield LiveState(race, flags, notes, False)


async def feed_states(feed_url: str, interval: float) -> AsyncIterator[LiveState]:
    """NASCAR's live endpoints, polled until the process is stopped."""
    async with aiohttp.ClientSession() as session:
        poller = LivePoller(FeedClient(session, feed_url), interval=interval)
        while True:
            yield await poller.poll()
            await asyncio.sleep(poller.delay)


async def show(states: AsyncIterator[LiveState], store: Store | None, console: Console | None = None) -> LiveRace | None:
    """Print events as they happen and keep the board current; returns the last race shown."""
    console = console or Console()
    histories = _Histories(store, {})
    previous: LiveRace | None = None
    live = Live(console=console, auto_refresh=False, transient=False) if console.is_terminal else None
    if live:
        live.start()
    try:
        async for state in states:
            race = state.race
            if race is None:
                continue
            winner = await histories.of(race, race.leader.car if race.leader else None) if race.flag is Flag.CHECKERED else None
            for event in events_between(previous, race, state.flags, state.notes, winner_history=winner):
                console.print(event_line(event), highlight=False, markup=False, soft_wrap=True)
            previous = race
            if live:
                leader = await histories.of(race, race.leader.car if race.leader else None)
                live.update(board_rich(live_board(race, leader, feed_interrupted=state.interrupted)), refresh=True)
    finally:
        if live:
            live.stop()
    if previous is not None and not console.is_terminal:
        leader = await histories.of(previous, previous.leader.car if previous.leader else None)
        console.print(board_text(live_board(previous, leader)), highlight=False, markup=False, soft_wrap=True)
    return previous


def stdout_console() -> Console:
    return Console(file=sys.stdout, soft_wrap=True)
