"""The race weekend's state machine: the pure `advance`, and its transitions persisted once across processes and restarts."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.lifecycle import ORDER, RaceFacts, Transition, advance, step, target_state
from db import lifecycle
from db.lifecycle import RaceState
from db.store import Store

GREEN = datetime(2023, 4, 2, 19, 30, tzinfo=UTC)      # Richmond 2023, the sample's race
KEY = "nascar-5274"
S, PRE, LIVE, DONE, OFFICIAL, CANCELLED = (
    RaceState.SCHEDULED, RaceState.PRE_RACE, RaceState.LIVE, RaceState.FINISHED, RaceState.OFFICIAL, RaceState.CANCELLED
)


def facts(**known) -> RaceFacts:
    return RaceFacts(green_flag_at=GREEN, **known)


@pytest.mark.parametrize(("state", "known", "now", "expected"), [
    (S, {}, GREEN - timedelta(hours=25), None),                                   # too early for anything
    (S, {}, GREEN - timedelta(hours=24), Transition(S, PRE, GREEN - timedelta(hours=24))),
    (PRE, {}, GREEN + timedelta(minutes=10), None),                               # late green: still pre-race
    (PRE, {"green_flag_seen": True}, GREEN, Transition(PRE, LIVE, GREEN)),
    (LIVE, {"green_flag_seen": True, "checkered_flag_seen": True}, GREEN, Transition(LIVE, DONE, GREEN)),
    (DONE, {"checkered_flag_seen": True, "official": True}, GREEN, Transition(DONE, OFFICIAL, GREEN)),
    (LIVE, {}, GREEN, None),                                                      # the live feed moved on: never backwards
    (DONE, {"green_flag_seen": True}, GREEN, None),
    (LIVE, {"cancelled": True}, GREEN, Transition(LIVE, CANCELLED, GREEN)),       # abandoned mid-race
    (S, {"cancelled": True}, GREEN - timedelta(days=3), Transition(S, CANCELLED, GREEN - timedelta(days=3))),
    (OFFICIAL, {"cancelled": True}, GREEN, None),                                 # official and cancelled are final
    (CANCELLED, {"official": True}, GREEN, None),
])
def test_advance(state, known, now, expected):
    assert advance(state, facts(**known), now) == expected


def test_after_downtime_one_transition_names_what_it_passed_over():
    """Away from pre-race day until after the result went official: straight to official, once, no replay."""
    transition = advance(S, facts(green_flag_seen=True, checkered_flag_seen=True, official=True), GREEN + timedelta(hours=5))
    assert transition == Transition(S, OFFICIAL, GREEN + timedelta(hours=5), (PRE, LIVE, DONE))
    assert transition.caught_up
    joined_late = advance(S, facts(green_flag_seen=True), GREEN + timedelta(minutes=30))
    assert joined_late is not None and (joined_late.target, joined_late.passed_over) == (LIVE, (PRE,))
    assert not advance(PRE, facts(green_flag_seen=True), GREEN).caught_up


def test_pre_race_window_and_unknown_start():
    six_hours = timedelta(hours=6)
    assert target_state(facts(), GREEN - timedelta(hours=7), six_hours) is S
    assert target_state(facts(), GREEN - six_hours, six_hours) is PRE
    undated = RaceFacts(green_flag_at=None)
    assert advance(S, undated, GREEN) is None                      # no time, no pre-race: it waits for the feed
    assert advance(S, RaceFacts(None, green_flag_seen=True), GREEN) == Transition(S, LIVE, GREEN, (PRE,))


observations = st.builds(
    RaceFacts,
    green_flag_at=st.just(GREEN),
    green_flag_seen=st.booleans(),
    checkered_flag_seen=st.booleans(),
    official=st.booleans(),
    cancelled=st.booleans(),
)


@given(st.lists(st.tuples(observations, st.integers(-48 * 60, 12 * 60)), max_size=30))
def test_any_sequence_of_observations_only_moves_forward(sequence):
    """Whatever the feeds say in whatever order (outages, stale documents), each state is entered at most once, in order."""
    state, entered = S, [S]
    for observed, minutes in sequence:
        transition = advance(state, observed, GREEN + timedelta(minutes=minutes))
        if transition is None:
            continue
        assert transition.source is state and transition.target not in entered
        if transition.target is not CANCELLED:
            assert ORDER.index(transition.target) == ORDER.index(state) + 1 + len(transition.passed_over)
        state = transition.target
        entered.append(state)
    assert entered.count(CANCELLED) + entered.count(OFFICIAL) <= 1


async def test_transitions_are_stored_and_survive_a_restart(tmp_path):
    path = tmp_path / "pitboard.db"
    async with Store.open(path) as store:
        assert await lifecycle.load(store, KEY) == lifecycle.NOT_STARTED
        assert await step(store, KEY, facts(), GREEN - timedelta(hours=30)) is None
        assert await lifecycle.load(store, KEY) == lifecycle.NOT_STARTED        # nothing written without a transition
        pre = await step(store, KEY, facts(), GREEN - timedelta(hours=2))
        assert pre == Transition(S, PRE, GREEN - timedelta(hours=2))
        assert await step(store, KEY, facts(), GREEN - timedelta(hours=1)) is None
    async with Store.open(path) as store:   # a restart: the race is still pre-race, entered when it was
        assert await lifecycle.load(store, KEY) == lifecycle.StoredState(PRE, GREEN - timedelta(hours=2))
        assert await step(store, KEY, facts(), GREEN - timedelta(minutes=5)) is None   # no second pre-race post
        live = await step(store, KEY, facts(green_flag_seen=True), GREEN)
        assert live == Transition(PRE, LIVE, GREEN)
        states = await lifecycle.load_many(store, [KEY, "nascar-1"])
        assert states == {KEY: lifecycle.StoredState(LIVE, GREEN), "nascar-1": lifecycle.NOT_STARTED}


async def test_downtime_catch_up_is_stored_as_one_transition(tmp_path):
    async with Store.open(tmp_path / "pitboard.db") as store:
        await step(store, KEY, facts(), GREEN - timedelta(hours=1))
        later = GREEN + timedelta(hours=6)
        done = facts(green_flag_seen=True, checkered_flag_seen=True, official=True)
        assert await step(store, KEY, done, later) == Transition(PRE, OFFICIAL, later, (LIVE, DONE))
        assert await step(store, KEY, done, later + timedelta(minutes=1)) is None
        assert await lifecycle.load(store, KEY) == lifecycle.StoredState(OFFICIAL, later)


async def test_two_processes_take_a_transition_once(tmp_path):
    """Two stores on one file (two connections, as two processes would have) race for the same transitions."""
    path = tmp_path / "pitboard.db"
    async with Store.open(path) as first, Store.open(path) as second:
        for now, observed in ((GREEN - timedelta(hours=3), facts()), (GREEN, facts(green_flag_seen=True)),
                              (GREEN + timedelta(hours=3), facts(green_flag_seen=True, checkered_flag_seen=True))):
            taken = await asyncio.gather(*(step(store, KEY, observed, now) for store in (first, second, first, second)))
            assert len([transition for transition in taken if transition is not None]) == 1
        assert (await lifecycle.load(second, KEY)).state is DONE


async def test_a_transition_from_a_state_the_race_left_writes_nothing(tmp_path):
    async with Store.open(tmp_path / "pitboard.db") as store:
        assert not await lifecycle.record(store, KEY, PRE, LIVE, GREEN)      # never recorded: it is scheduled
        assert await store.scalar("SELECT count(*) FROM race_states") == 0
        assert await lifecycle.record(store, KEY, S, PRE, GREEN)
        assert not await lifecycle.record(store, KEY, S, PRE, GREEN)         # taken already
        assert await lifecycle.load(store, KEY) == lifecycle.StoredState(PRE, GREEN)
