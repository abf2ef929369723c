"""Race events over the recorded Chicagoland race and the real 2023 Atlanta flag history and lap notes."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from bot.live_race import LEADER_CHANGE_LAPS, EventKind, events_between, live_board, race_events
from bot.render.live import board_markdown, board_text, event_line
from db.live import driver_history
from db.live_feed import Flag, FlagChange, LiveRace, load_replay, read_flag_history, read_lap_notes, read_live_race
from db.records import replace
from testkit.replays import ATLANTA_CUP_FEED as ATLANTA_CUP
from testkit.replays import ATLANTA_XFINITY_FLAGS, ATLANTA_XFINITY_NOTES, CHICAGOLAND, CHICAGOLAND_FEED, COTA_PRACTICE_FEED


def _replay(directory: Path = CHICAGOLAND) -> list[tuple[LiveRace, tuple[FlagChange, ...]]]:
    return [(read_live_race(frame.documents["live-feed.json"]), read_flag_history(frame.documents["live-flag-data.json"]))
            for frame in load_replay(directory)]


@pytest.fixture(scope="module")
def frames():
    return _replay()


@pytest.fixture(scope="module")
def played(frames):
    return _play(frames)


def _play(frames, start: int = 0, previous: LiveRace | None = None):
    events = []
    for race, flags in frames[start:]:
        events += events_between(previous, race, flags)
        previous = race
    return events


def test_the_replay_is_the_real_race_at_its_end(frames):
    final, flags = frames[-1]
    real = read_live_race(CHICAGOLAND_FEED.read_bytes())
    assert final.vehicles == real.vehicles and (final.cautions, final.caution_laps, final.lead_changes) == (7, 40, 16)
    assert frames[0][0].flag is Flag.PRE_RACE and frames[1][0].flag is Flag.GREEN
    for race, _ in frames:          # the counts the builder derives match the real totals on the way
        assert race.lead_changes <= 16 and race.cautions <= 7


def test_each_event_once_in_order(frames, played):
    events = played
    keys = [event.key for event in events]
    assert len(keys) == len(set(keys))
    final, flags = frames[-1]
    assert set(keys) == {event.key for event in race_events(final, flags)}
    kinds = Counter(event.kind for event in events)
    assert kinds[EventKind.GREEN] == 1 and kinds[EventKind.WHITE] == 1 and kinds[EventKind.CHECKERED] == 1
    assert kinds[EventKind.RESTART] == 7 and kinds[EventKind.STAGE_END] == 2 and kinds[EventKind.FREE_PASS] == 7
    assert kinds[EventKind.CAUTION] == 5    # the two stage-break yellows are told as stage ends
    assert [event.lap for event in events] == sorted(event.lap for event in events)
    assert events[-1].kind is EventKind.CHECKERED and (events[-1].driver, events[-1].car) == ("Brandon Jones", "20")


def test_restart_in_the_middle_sends_nothing_twice(frames, played):
    """A process that dies after acting on the document of lap 120 and starts again from it goes on with the same keys."""
    middle = next(index for index, (race, _) in enumerate(frames) if race.lap == 120)
    before = _play(frames[: middle + 1])
    after = _play(frames, start=middle + 1, previous=frames[middle][0])
    assert [event.key for event in before + after] == [event.key for event in played]


def test_stage_ends_with_winner_and_top_ten(played):
    stage_ends = [event for event in played if event.kind is EventKind.STAGE_END]
    assert [(event.stage, event.lap, event.driver) for event in stage_ends] == [(1, 45, "Connor Zilisch"),
                                                                                (2, 90, "Chase Elliott")]
    assert all(len(event.top) == 10 and event.top[0].name == event.driver for event in stage_ends)


def test_cautions_carry_race_controls_reason_and_free_pass(played):
    events = played
    cautions = {event.lap: event.reason for event in events if event.kind is EventKind.CAUTION}
    assert cautions == {132: "Debris", 155: "No. 1 Spin Turn 2", 164: "Nos. 18, 19 Incident Backstretch",
                        184: "No. 39 Spin Turn 2", 194: "Nos. 28, 48 Incident Turn 4"}
    passes = {event.lap: (event.car, event.driver) for event in events if event.kind is EventKind.FREE_PASS}
    assert passes[132] == ("00", "Sheldon Creed") and passes[45] == ("27", "Jeb Burton")


def test_leader_changes_are_throttled_and_counted(played):
    leaders = [event for event in played if event.kind is EventKind.LEADER]
    told = [event for event in played if event.kind in (EventKind.LEADER, EventKind.RESTART) and event.changes]
    # a change is told at most once per LEADER_CHANGE_LAPS laps after the last new leader told (a restart's comes as it comes)
    assert all(later.lap - earlier.lap >= LEADER_CHANGE_LAPS
               for earlier, later in zip(told, told[1:], strict=False) if later.kind is EventKind.LEADER)
    assert sum(event.changes for event in told) == 16          # every real lead change is told or counted
    battle = next(event for event in leaders if event.lap == 103)  # Love 95, Gray 96-99 (restart 98), Love 100-102, Elliott 103
    assert (battle.driver, battle.changes, battle.since_lap) == ("Chase Elliott", 2, 98)
    assert not any(95 < event.lap < 103 for event in leaders)
    assert "2 lead changes since lap 98" in event_line(battle)


def test_a_restart_tells_its_new_leader_once(played):
    """Elliott came out of the stops in front: the restart on lap 52 says so, and no lead change repeats it two laps on."""
    restart = next(event for event in played if event.kind is EventKind.RESTART and event.lap == 52)
    assert (restart.driver, restart.changes) == ("Chase Elliott", 1)
    assert "Back to green on lap 52 with a new leader, Chase Elliott (#88)." in event_line(restart)
    restarts = {event.lap: event.car for event in played if event.kind is EventKind.RESTART}
    for event in played:
        if event.kind is EventKind.LEADER:
            named = [car for lap, car in restarts.items() if 0 < event.lap - lap < LEADER_CHANGE_LAPS]
            assert event.car not in named, event_line(event)


def test_a_gap_gives_one_catch_up_and_the_finish_still_comes(frames):
    at = {race.lap: (race, flags) for race, flags in frames}
    lap_60, (lap_150, flags_150) = at[60][0], at[150]
    events = events_between(lap_60, lap_150, flags_150)
    assert [event.kind for event in events] == [EventKind.CATCH_UP]
    summary = events[0]
    changes = lap_150.lead_changes - lap_60.lead_changes
    assert (summary.since_lap, summary.lap, summary.cautions, summary.changes) == (60, 150, 2, changes)
    assert summary.key == "nascar-5651:catch-up:60-150" and "since lap 60" in event_line(summary)
    final, flags = frames[-1]
    assert [event.kind for event in events_between(lap_150, final, flags)] == [EventKind.CATCH_UP, EventKind.CHECKERED]
    # Starting mid-race: a summary, not the race so far.
    assert [event.kind for event in events_between(None, lap_150, flags_150)] == [EventKind.CATCH_UP]


def test_a_stale_document_tells_nothing(frames):
    lap_100, lap_99 = frames[101][0], frames[100][0]
    assert (lap_100.lap, lap_99.lap) == (100, 99)
    assert events_between(lap_100, lap_99, frames[100][1]) == []


def test_a_new_race_or_a_practice_starts_afresh():
    practice = read_live_race(COTA_PRACTICE_FEED.read_bytes())
    assert events_between(None, practice, ()) == []
    assert live_board(practice).is_race is False


def test_lap_notes_fill_in_a_missing_reason_and_free_pass():
    flags = list(read_flag_history(ATLANTA_XFINITY_FLAGS.read_bytes()))
    notes = read_lap_notes(ATLANTA_XFINITY_NOTES.read_bytes())
    for index, change in enumerate(flags):
        if change.lap == 55:
            flags[index] = replace(change, comment=None)
        if change.lap == 116:
            flags[index] = replace(change, beneficiary=None)
    race = replace(read_live_race(ATLANTA_CUP.read_bytes()), race_id=5314, lap=163, laps_in_race=163, laps_to_go=0,
                               flag=Flag.CAUTION, flag_code=2, vehicles=(), stage=None)
    events = race_events(race, flags, notes)
    reasons = {event.lap: event.reason for event in events if event.kind is EventKind.CAUTION}
    assert reasons[55] == "#91 loses a tire and brings out the caution"
    assert reasons[1] == "Nos. 53, 66 Incident Frontstretch"
    passes = {event.lap: event.car for event in events if event.kind is EventKind.FREE_PASS}
    assert passes[116] == "2" and passes[55] == "35"
    assert any(event.kind is EventKind.WHITE and event.lap == 162 for event in events)


def test_red_flag(frames):
    race, flags = next((race, flags) for race, flags in frames if race.lap == 170)
    stopped = FlagChange(170, Flag.RED, 3, flags[-1].elapsed + 1, "Rain", None, None)
    red = replace(race, flag=Flag.RED, flag_code=3)
    events = events_between(race, red, (*flags, stopped))
    assert [(event.kind, event.reason) for event in events] == [(EventKind.RED, "Rain")]
    assert "Red flag on lap 170: the race is stopped (Rain)." in event_line(events[0])


@pytest.mark.realdata
async def test_checkered_winner_and_win_number_from_the_store(frames, real_store):
    final, flags = frames[-1]
    history = await driver_history(real_store, final, final.leader)
    wins_before = await real_store.scalar(
        """SELECT count(*) FROM results x JOIN races r ON r.id = x.race_id JOIN series s ON s.id = r.series_id
           JOIN drivers d ON d.id = x.driver_id WHERE d.name = 'Brandon Jones' AND s.key = 'xfinity' AND x.finish = 1
           AND r.exhibition = 0 AND r.season < 2026""")
    assert (history.series_wins, history.win_number) == (wins_before, wins_before + 1)
    assert (history.track, history.wins_here, history.starts_here, history.best_here) == ("Chicagoland Speedway", 0, 4, 4)
    checkered = events_between(frames[-2][0], final, flags, winner_history=history)
    assert [event.kind for event in checkered] == [EventKind.CHECKERED]
    line = event_line(checkered[0])
    assert f"Career Xfinity win No. {wins_before + 1}, the first at Chicagoland Speedway." in line
    board = live_board(final, history)
    assert "Brandon Jones at Chicagoland Speedway before this race: 4 starts, no wins, best 4th" in board_text(board)
    assert "| 1 | #20 | Brandon Jones | Leader |" in board_markdown(board)


@pytest.mark.realdata
async def test_win_number_counts_this_seasons_earlier_races(real_store):
    """Atlanta, March 2023 (Cup round 5 in the store): Keselowski's 35 Cup wins came before 2023."""
    race = read_live_race(ATLANTA_CUP.read_bytes())
    history = await driver_history(real_store, race, race.leader)
    assert (history.driver, history.series_wins, history.win_number) == ("Brad Keselowski", 35, 36)
    assert history.track == "Atlanta Motor Speedway" and history.wins_here == 2


def test_board_counts_down_to_the_stage_end(frames):
    race, _ = next((race, flags) for race, flags in frames if race.lap == 30)
    board = live_board(race)
    assert (board.laps_to_stage_end, board.lead_changes, len(board.top)) == (15, 0, 10)
    assert "Lap 30 of 201 · Green · Stage 1 ends in 15 laps · 171 to go" in board_text(board)
