"""The live race as events and a board: pure functions of the live documents (no I/O, no clock).

`events_between(previous, current, flags, notes)` answers "what happened since the last document?". Every
event is derived from what one document says has happened so far (its flag history up to its own lap and
flag, its cars' laps-led stints, its stage), so the same document always gives the same events with the
same keys: the events between two documents are those of the later one whose keys the earlier one did not
have. A restart in the middle of a race recomputes the same keys, and the delivery layer's ledger claim on
`RaceEvent.key` sends each exactly once.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from enum import Enum

from db.live import DriverHistory
from db.live_feed import Flag, FlagChange, LapNote, LiveRace, Stage, Vehicle
from db.records import Record

LEADER_CHANGE_LAPS = 5      # at most one leader-change event in this many laps; the changes between are counted in it
CATCH_UP_LAPS = 10          # a gap of more laps than this between two documents gives one summary instead of the events
TOP = 10
STAGE_ORDER_LAPS = 3         # a stage's top 10 is shown from a document at most this many laps after its end
FREE_PASS_NOTE = re.compile(r"free pass(?: is)? #(\w{1,3})|#(\w{1,3}) free pass", re.IGNORECASE)


class EventKind(Enum):
    GREEN = "green"             # the start
    RESTART = "restart"         # green again after a caution or red flag
    CAUTION = "caution"
    RED = "red"
    STAGE_END = "stage_end"
    LEADER = "leader"
    FREE_PASS = "free_pass"
    WHITE = "white"
    CHECKERED = "checkered"
    CATCH_UP = "catch_up"       # after a gap in the documents: where the race is now


# Within one lap: what stopped the race, then what it concluded, then who benefits and who leads.
KIND_ORDER = (
    EventKind.RED, EventKind.CAUTION, EventKind.STAGE_END, EventKind.FREE_PASS, EventKind.GREEN, EventKind.RESTART,
    EventKind.LEADER, EventKind.WHITE, EventKind.CHECKERED, EventKind.CATCH_UP,
)


class RaceEvent(Record):
    """One moment of the race. Fields beyond key, kind, lap and the race are set where the kind has them."""

    key: str                            # stable and unique: `nascar-5651:caution:132`
    kind: EventKind
    lap: int
    race_name: str
    series: str | None
    laps_in_race: int
    driver: str | None = None           # the leader, stage winner, free-pass driver or winner
    car: str | None = None
    reason: str | None = None           # a caution's reason (race control's comment, else the reporters' note)
    stage: int | None = None
    top: tuple[Vehicle, ...] = ()       # the stage's top 10; the top 5 in a catch-up
    changes: int = 0                    # lead changes since `since_lap` (leader, restart), or in the gap (catch-up)
    since_lap: int | None = None
    cautions: int = 0                   # catch-up: cautions during the gap
    flag: Flag | None = None            # catch-up: the flag now
    history: DriverHistory | None = None  # checkered: the winner's record before today


class LiveBoard(Record):
    """The running order as the board shows it, at one document."""

    race_key: str
    race_name: str
    series: str | None
    track: str
    is_race: bool
    lap: int
    laps_in_race: int
    laps_to_go: int
    flag: Flag
    flag_code: int
    stage: Stage | None
    laps_to_stage_end: int | None
    top: tuple[Vehicle, ...]
    cars: int
    cautions: int
    caution_laps: int | None
    lead_changes: int
    leaders: int
    leader_history: DriverHistory | None
    feed_interrupted: bool


def live_board(race: LiveRace, leader_history: DriverHistory | None = None, *, feed_interrupted: bool = False,
               size: int = TOP) -> LiveBoard:
    stage = race.stage if race.stage and race.stage.finish_at_lap < race.laps_in_race else None
    return LiveBoard(
        race_key=race.key, race_name=race.run_name, series=race.series, track=race.track, is_race=race.is_race,
        lap=race.lap, laps_in_race=race.laps_in_race, laps_to_go=race.laps_to_go, flag=race.flag, flag_code=race.flag_code,
        stage=race.stage, laps_to_stage_end=max(stage.finish_at_lap - race.lap, 0) if stage else None,
        top=race.vehicles[:size], cars=len(race.vehicles), cautions=race.cautions, caution_laps=race.caution_laps,
        lead_changes=race.lead_changes, leaders=race.leaders, leader_history=leader_history, feed_interrupted=feed_interrupted,
    )


def flags_seen(race: LiveRace, flags: Sequence[FlagChange]) -> list[FlagChange]:
    """The flag history as of this document: changes on earlier laps, and on its own lap those up to its flag.

    The flag history is fetched apart from the live feed and may be a little ahead of it (a caution logged
    before the live feed shows it): what the live feed does not show yet comes with the next document.
    """
    seen = [change for change in flags if change.lap < race.lap]
    same_lap = [change for change in flags if change.lap == race.lap]
    shown = max((index for index, change in enumerate(same_lap) if change.flag_code == race.flag_code), default=-1)
    return seen + same_lap[: shown + 1]


def events_between(
    previous: LiveRace | None,
    current: LiveRace,
    flags: Sequence[FlagChange],
    notes: Sequence[LapNote] = (),
    *,
    winner_history: DriverHistory | None = None,
    leader_change_laps: int = LEADER_CHANGE_LAPS,
    catch_up_laps: int = CATCH_UP_LAPS,
) -> list[RaceEvent]:
    """The events of `current` that `previous` (the last document acted on; None at first) did not have.

    After a gap of more than `catch_up_laps` (downtime, or a start in the middle of the race) the events
    are summed up in one catch-up event; the checkered flag, when it is among them, still comes on its own.
    `winner_history` is the leader's `db.live.driver_history` when the current flag is the checkered.
    """
    if not current.is_race:
        return []
    if previous is not None and previous.race_id != current.race_id:
        previous = None
    if previous is not None and previous.lap > current.lap:
        return []   # an older copy of the race than the one acted on (a stale CDN answer): nothing new in it
    every = leader_change_laps
    known = {event.key for event in race_events(previous, flags, notes, leader_change_laps=every)} if previous else set()
    now = race_events(current, flags, notes, winner_history=winner_history, leader_change_laps=every)
    new = [event for event in now if event.key not in known]
    gap = current.lap - (previous.lap if previous else 0)
    if not new or gap <= catch_up_laps:
        return new
    finish = [event for event in new if event.kind is EventKind.CHECKERED]
    return [_catch_up(previous, current, flags)] + finish


def race_events(
    race: LiveRace,
    flags: Sequence[FlagChange],
    notes: Sequence[LapNote] = (),
    *,
    winner_history: DriverHistory | None = None,
    leader_change_laps: int = LEADER_CHANGE_LAPS,
) -> list[RaceEvent]:
    """Every event that has happened by this document, in lap order."""
    if not race.is_race:
        return []
    seen = flags_seen(race, flags)
    leaders = _leaders_by_lap(race)
    restarts = {change.lap for change in seen if change.flag is Flag.GREEN}
    leader_events, new_leaders = _leader_events(race, leaders, leader_change_laps, restarts)
    events = (_flag_events(race, leaders, seen, notes, winner_history, new_leaders) + _stage_events(race, leaders, seen)
              + leader_events)
    return sorted(events, key=lambda event: (event.lap, KIND_ORDER.index(event.kind)))


def _event(race: LiveRace, kind: EventKind, lap: int, key: str | None = None, **details) -> RaceEvent:
    return RaceEvent(
        key=f"{race.key}:{kind.value.replace('_', '-')}:{key or lap}", kind=kind, lap=lap, race_name=race.run_name,
        series=race.series, laps_in_race=race.laps_in_race, **details,
    )


def _driver(race: LiveRace, car: str | None) -> str | None:
    vehicle = race.car(car) if car else None
    return vehicle.name if vehicle else None


def _flag_events(race: LiveRace, leaders: dict[int, str], seen: list[FlagChange], notes: Sequence[LapNote],
                 winner_history: DriverHistory | None, new_leaders: dict[int, tuple[int, int | None]]) -> list[RaceEvent]:
    """Green, restarts (with the lead changes a restart's new leader tells: `new_leaders`), cautions, free passes, red,
    white and checkered flags."""
    events = []
    counts: dict[tuple[Flag, int], int] = {}
    started = False
    for index, change in enumerate(seen):
        # Two changes to the same flag on one lap (a caution, green, caution again) each keep their own key.
        counts[change.flag, change.lap] = counts.get((change.flag, change.lap), 0) + 1
        key = f"{change.lap}" + (f"-{counts[change.flag, change.lap]}" if counts[change.flag, change.lap] > 1 else "")
        leader = _leader_at(race, leaders, change.lap)
        if change.flag is Flag.GREEN:
            kind = EventKind.RESTART if started else EventKind.GREEN
            started = True
            changes, since_lap = new_leaders.get(change.lap, (0, None)) if kind is EventKind.RESTART else (0, None)
            events.append(_event(race, kind, change.lap, key, driver=_driver(race, leader), car=leader, changes=changes,
                                 since_lap=since_lap))
        elif change.flag is Flag.CAUTION:
            until = next((later.lap for later in seen[index + 1:] if later.flag is not Flag.CAUTION), race.lap)
            reason = change.reason or _note_reason(notes, change.lap)
            if reason or not change.stage_ended:     # a yellow that only ends a stage is told by the stage-end event
                events.append(_event(race, EventKind.CAUTION, change.lap, key, reason=reason))
            free_pass = change.beneficiary or _note_free_pass(notes, change.lap, until)
            if free_pass:
                events.append(_event(race, EventKind.FREE_PASS, change.lap, key, car=free_pass, driver=_driver(race, free_pass)))
        elif change.flag is Flag.RED:
            events.append(_event(race, EventKind.RED, change.lap, key, reason=change.reason))
        elif change.flag is Flag.WHITE:
            events.append(_event(race, EventKind.WHITE, change.lap, key, driver=_driver(race, leader), car=leader))
        elif change.flag is Flag.CHECKERED and race.leader is not None:
            events.append(_event(race, EventKind.CHECKERED, change.lap, key, driver=race.leader.name, car=race.leader.car,
                                 history=winner_history))
    return events


def _note_reason(notes: Sequence[LapNote], lap: int) -> str | None:
    """The reporters' note that tells why a caution came out (they log it on the caution's lap or the next)."""
    return next((note.note for note in notes if lap <= note.lap <= lap + 1 and "caution" in note.note.casefold()), None)


def _note_free_pass(notes: Sequence[LapNote], lap: int, until: int) -> str | None:
    for note in notes:
        if lap <= note.lap <= until and (match := FREE_PASS_NOTE.search(note.note)):
            return match[1] or match[2]
    return None


def _stage_events(race: LiveRace, leaders: dict[int, str], seen: list[FlagChange]) -> list[RaceEvent]:
    """Stage k has ended once the feed is in a later stage, or on the stage's last lap (not the race's).

    The stage winner is the car that led its last lap; the top 10 is this document's running order, given
    only when the document is within STAGE_ORDER_LAPS of the stage's end (the order under the stage-break
    caution), since a later one no longer shows the stage's finish.
    """
    stage = race.stage
    if stage is None:
        return []
    ended = list(range(1, stage.number))
    if race.lap >= stage.finish_at_lap and stage.finish_at_lap < race.laps_in_race:
        ended.append(stage.number)
    concluded = {change.stage_ended: change.lap for change in seen if change.stage_ended}
    events = []
    for number in ended:
        if number == stage.number:
            lap = stage.finish_at_lap
        elif number == stage.number - 1:
            lap = stage.finish_at_lap - stage.laps
        elif number in concluded:
            lap = concluded[number]
        else:
            continue    # an earlier stage whose last lap no document tells: long past, no event
        winner = _leader_at(race, leaders, lap)
        top = race.vehicles[:TOP] if race.lap - lap <= STAGE_ORDER_LAPS else ()
        events.append(_event(race, EventKind.STAGE_END, lap, str(number), stage=number, top=top, driver=_driver(race, winner),
                             car=winner))
    return events


def _leaders_by_lap(race: LiveRace) -> dict[int, str]:
    """Lap → the car that led it, from every car's laps-led stints; the running leader where no stint says."""
    leaders = {}
    for vehicle in race.vehicles:
        for stint in vehicle.stints:
            for lap in range(stint.start_lap, stint.end_lap + 1):
                leaders[lap] = vehicle.car
    if race.leader is not None and race.lap not in leaders:
        leaders[race.lap] = race.leader.car
    return leaders


def _leader_at(race: LiveRace, leaders: dict[int, str], lap: int) -> str | None:
    known = [led for led in leaders if led <= lap]
    return leaders[max(known)] if known else (race.leader.car if race.leader else None)


def _leader_events(
    race: LiveRace, leaders: dict[int, str], every: int, restarts: set[int]
) -> tuple[list[RaceEvent], dict[int, tuple[int, int | None]]]:
    """Leader changes, at most one per `every` laps: a change within `every` laps of the last one told waits,
    and the leader then (if not the one last told) is told with the number of changes since. A restart names its
    leader: a new one is told there (the restart's lap → the changes it tells and the lap they count from), not again
    as a change a few laps later."""
    laps = sorted(lap for lap in leaders if lap >= 1)
    if not laps:
        return [], {}
    told, pending = leaders[laps[0]], 0
    told_lap: int | None = None
    previous = told
    events: list[RaceEvent] = []
    new_leaders: dict[int, tuple[int, int | None]] = {}
    for lap in laps:
        leader = leaders[lap]
        if leader != previous:
            pending += 1
            previous = leader
        if lap in restarts and pending and leader != told:
            new_leaders[lap] = (pending, told_lap)
            told, told_lap, pending = leader, lap, 0
        elif pending and leader != told and (told_lap is None or lap - told_lap >= every):
            events.append(_event(race, EventKind.LEADER, lap, driver=_driver(race, leader), car=leader, changes=pending,
                                 since_lap=told_lap))
            told, told_lap, pending = leader, lap, 0
    return events, new_leaders


def _catch_up(previous: LiveRace | None, current: LiveRace, flags: Sequence[FlagChange]) -> RaceEvent:
    since = previous.lap if previous else 0
    cautions = sum(1 for change in flags_seen(current, flags) if change.flag is Flag.CAUTION and change.lap > since)
    changes = current.lead_changes - (previous.lead_changes if previous else 0)
    leader = current.leader
    return _event(
        current, EventKind.CATCH_UP, current.lap, f"{since}-{current.lap}", since_lap=since if previous else None,
        cautions=cautions, changes=max(changes, 0), flag=current.flag, top=current.vehicles[:5],
        driver=leader.name if leader else None, car=leader.car if leader else None,
        stage=current.stage.number if current.stage else None,
    )
