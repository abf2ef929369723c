"""The race weekend as one state machine: scheduled → pre_race → live → finished → official, or cancelled.

`advance` is pure: from the state a race is in and plain facts about it (its scheduled green flag, what the
live feed shows for its race id, whether the race list or weekend feed says official or cancelled), the one
transition to take now, or None. States only move forward. After downtime the facts may be several states
ahead: `advance` returns ONE transition straight to the latest state, naming the states it passed over, so
the caller sends a summary rather than replaying what it missed (no stale pre-race post once the race is live,
no flood of race events after the checkered flag).

`step` is the one function here that touches the store: it takes the transition with the conditional write of
db/lifecycle.py, so that of several processes only one acts on it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from db import lifecycle
from db.lifecycle import RaceState
from db.records import Record
from db.store import Store

DEFAULT_PRE_RACE = timedelta(hours=24)
ORDER = (RaceState.SCHEDULED, RaceState.PRE_RACE, RaceState.LIVE, RaceState.FINISHED, RaceState.OFFICIAL)
FINAL = frozenset({RaceState.OFFICIAL, RaceState.CANCELLED})


class RaceFacts(Record):
    """What is known about one race now, from the race list, the weekend feed and the live feed."""

    green_flag_at: datetime | None        # the scheduled start (aware); None when the schedule has no time
    green_flag_seen: bool = False         # the live feed, for this race id, has shown a green flag
    checkered_flag_seen: bool = False     # the live feed, for this race id, has shown the checkered flag
    official: bool = False                # the race list or weekend feed says the result is official
    cancelled: bool = False


class Transition(Record):
    source: RaceState
    target: RaceState
    at: datetime
    passed_over: tuple[RaceState, ...] = ()    # states between source and target that were never entered

    @property
    def caught_up(self) -> bool:
        """True when the race moved more than one state at once (the process was away): summarise, do not replay."""
        return bool(self.passed_over)


def target_state(facts: RaceFacts, now: datetime, pre_race: timedelta = DEFAULT_PRE_RACE) -> RaceState:
    """The state the facts put the race in, whatever state it was in."""
    if facts.cancelled:
        return RaceState.CANCELLED
    if facts.official:
        return RaceState.OFFICIAL
    if facts.checkered_flag_seen:
        return RaceState.FINISHED
    if facts.green_flag_seen:
        return RaceState.LIVE
    if facts.green_flag_at is not None and now >= facts.green_flag_at - pre_race:
        return RaceState.PRE_RACE
    return RaceState.SCHEDULED


def advance(state: RaceState, facts: RaceFacts, now: datetime, pre_race: timedelta = DEFAULT_PRE_RACE) -> Transition | None:
    """The transition the race takes now, or None: never backwards, never out of official or cancelled."""
    if state in FINAL:
        return None
    target = target_state(facts, now, pre_race)
    if target is RaceState.CANCELLED:
        return Transition(state, target, now)
    here, there = ORDER.index(state), ORDER.index(target)
    if there <= here:
        return None
    return Transition(state, target, now, ORDER[here + 1:there])


async def step(
    store: Store, race_key: str, facts: RaceFacts, now: datetime, pre_race: timedelta = DEFAULT_PRE_RACE
) -> Transition | None:
    """Load the race's state, advance it, and take the transition; None when there is none or another process took it."""
    stored = await lifecycle.load(store, race_key)
    transition = advance(stored.state, facts, now, pre_race)
    if transition is None or not await lifecycle.record(store, race_key, transition.source, transition.target, now):
        return None
    return transition
