"""Every question Pitboard answers, in one place: user-typed names in, plain dataclasses out.

Names are resolved through the store's NameIndex (errors carry suggestions); career, record, standings and
head-to-head figures count points races that were run (exhibitions such as the Clash are shown by /winner,
/results and /schedule, labelled, but never counted; scheduled races are never counted). A laps-led figure the
data does not hold is None, and so is any total that would need it.

"Most recent" is decided by start time where every race compared has one (feed races), otherwise by round,
which orders the races of one series only: see `latest_first`.

Each command resolves names, then runs all of its SQL in one `store.read` hop: the `read_*` functions
are those synchronous halves, over one snapshot, so every statement of a command sees the same data.
"""

from __future__ import annotations

import re
import sqlite3
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from itertools import accumulate, groupby
from operator import itemgetter
from typing import Any, Protocol, TypeVar

from rapidfuzz import fuzz, process

from db.errors import AmbiguousName, BadOption, NoData, UnknownName
from db.models import (
    FIRST_SEASON,
    LAST_SEASON,
    Broadcasters,
    Caution,
    DriverAtTrack,
    DriverCareer,
    DriverInfo,
    DriverSeason,
    HeadToHead,
    HeadToHeadSide,
    LeaderLine,
    Leaders,
    LeaderStint,
    LoopLine,
    NextRaces,
    NonStarter,
    Qualifying,
    QualifyingLine,
    RaceRef,
    RaceResults,
    RaceSummary,
    ResultLine,
    Schedule,
    ScheduledRace,
    SeasonLine,
    SeasonStart,
    SeasonWinner,
    SeriesCareer,
    Session,
    SprintWinner,
    Stage,
    StageLine,
    StandingRow,
    Standings,
    Tally,
    TeamMates,
    TeamRecord,
    TeamSeason,
    TeamSeriesRecord,
    TeamStandingRow,
    TrackInfo,
    TrackLine,
    TrackRecord,
    TrackSeriesRecord,
    WinnerAnswer,
    race_key,
)
from db.names import (
    NameIndex,
    Place,
    Team,
    ambiguous_pairs,
    find_driver,
    narrowed_to_season,
    normalize,
    told_apart,
    tracks_label,
)
from db.records import Record, replace
from db.series import SERIES
from db.snapshot import Reads, Snapshot

TOP_TALLIES = 5
MAX_PAIRS_WEIGHED = 60      # `/h2h earnhardt gordon`: the likeliest pairs of the names' readings are counted
# `/h2h elliott larson`: Chase Elliott started 373 races with Kyle Larson, Elliott Sadler 114. The reading whose drivers
# met at least this many times as often as any other reading's is the one meant (`busch larson`, 476 to 280, asks).
PAIR_CLEAR_LEAD = 3
PROGRESSION_DRIVERS = 8
TEAM_MATE_FAMILIES = ("f1",)          # families whose two-car teams make team-mates the yardstick
RACE_WINDOW = timedelta(hours=5)   # a started race without results is "now" for this long
NO_SCHEDULE = (
    "No dated races in the data yet. The schedule comes from NASCAR's feed: keep the bot running "
    "(it polls the race list) or import one with `pitboard import race_list_basic.json`."
)
F1_CALENDAR = "F1's calendar is the bundled F1DB data's."


def _schedule_source(series_key: str | None) -> str:
    """Where the calendar of `series_key` (None: of every series) comes from, for an answer that found none."""
    nascar = NO_SCHEDULE.split(". ", 1)[1]
    if series_key is None:
        return nascar
    return F1_CALENDAR if SERIES[series_key].family == "f1" else nascar

# In RaceSummary's field order: race_summary reads a row by position.
RACE_COLUMNS = """
    r.id, s.key AS series, s.name AS series_name, r.season, r.round, r.name, t.name AS track, r.kind,
    t.length_mi, r.starts_at, r.date_only, r.status, r.exhibition, r.scheduled_laps, r.actual_laps, r.stage_laps,
    r.cautions, r.caution_laps, r.lead_changes, r.leaders,
    CASE WHEN r.margin GLOB '*[^0-9.]*' THEN NULL ELSE CAST(r.margin AS REAL) END AS margin, r.source, r.source_id,
    CASE WHEN EXISTS (SELECT 1 FROM results sw WHERE sw.race_id = r.id AND sw.finish = 1 AND sw.id != w.id)  -- a shared car
         THEN (SELECT group_concat(sd.shown_name, ' / ') FROM results sw JOIN drivers sd ON sd.id = sw.driver_id
               WHERE sw.race_id = r.id AND sw.finish = 1)
         ELSE coalesce(wd.shown_name, (SELECT shown_name FROM drivers WHERE feed_driver_id = r.winner_feed_id)) END AS winner,
    w.car_number AS winner_car, wt.name AS winner_team, w.make AS winner_make, w.start AS winner_start,
    w.laps_led AS winner_led, coalesce(qd.shown_name, pd.shown_name) AS pole,
    (SELECT count(*) FROM results f WHERE f.race_id = r.id) AS field_size
"""
RACE_JOINS = """
    FROM races r
    JOIN series s ON s.id = r.series_id
    JOIN tracks t ON t.id = r.track_id
    LEFT JOIN results w ON w.race_id = r.id AND w.finish = 1
                           AND NOT EXISTS (SELECT 1 FROM results w2 WHERE w2.race_id = r.id AND w2.finish = 1 AND w2.id < w.id)
    LEFT JOIN drivers wd ON wd.id = w.driver_id
    LEFT JOIN teams wt ON wt.id = w.team_id
    LEFT JOIN drivers pd ON pd.id = (SELECT driver_id FROM results WHERE race_id = r.id AND start = 1 LIMIT 1)
    LEFT JOIN drivers qd ON qd.id = (SELECT driver_id FROM qualifying_results WHERE race_id = r.id AND position = 1 LIMIT 1)
"""
# A series' pole, where its source publishes qualifying (F1: qualifying P1), else the car that started first.
POLE_OF_RACE = """coalesce(
    (SELECT driver_id FROM qualifying_results WHERE race_id = r.id AND position = 1 LIMIT 1),
    (SELECT driver_id FROM results WHERE race_id = r.id AND start = 1 LIMIT 1))"""
# A result that did not finish: F1's status code where there is one, else any status but running (over results x).
DNFS = ("sum(CASE WHEN x.status_code IS NOT NULL THEN x.status_code = 'DNF' "
        "ELSE x.status IS NOT NULL AND x.status != 'running' END)")
# A deterministic SQL order (latest season first, then series, then round); `latest_first` refines it in Python.
RECENT_FIRST = "r.season DESC, s.id, r.round DESC, r.starts_at DESC"
SERIES_ORDER = {key: series.display_order for key, series in SERIES.items()}
SPRINT_SERIES = {key for key, series in SERIES.items() if series.family == "f1"}   # weekends that may hold a sprint


def check_year(year: int | None) -> int | None:
    if year is not None and year < FIRST_SEASON:
        raise BadOption(f"Year {year} is out of range: the history starts in {FIRST_SEASON}.")
    if year is not None and year > LAST_SEASON:
        raise BadOption(f"Year {year} is out of range: seasons up to {LAST_SEASON} can be asked about.")
    return year


def check_round(round_: int | None) -> int | None:
    if round_ is not None and not 1 <= round_ <= 99:
        raise BadOption(f"Round {round_} is out of range (1–99).")
    return round_


def race_summary(row: Any) -> RaceSummary:
    """A race from a row of RACE_COLUMNS, unpacked by position (a name lookup per column costs more than the SQL)."""
    (race_id, series, series_name, season, round_, name, track, kind, length_mi, starts_at, date_only, status, exhibition,
     scheduled_laps, laps, stage_laps, cautions, caution_laps, lead_changes, leaders, margin, source, source_id,
     winner, winner_car, winner_team, winner_make, winner_start, winner_led, pole, field_size) = row
    return RaceSummary.fast(   # positional, in field order: keywords cost a third more for 31 fields
        race_id, series, series_name, season, round_, name, track, kind, length_mi,
        datetime.fromisoformat(starts_at) if starts_at else None, status, bool(exhibition), scheduled_laps, laps,
        tuple(int(n) for n in stage_laps.split(",")) if stage_laps else (), cautions, caution_laps, lead_changes, leaders,
        margin, source, source_id, winner, winner_car, winner_team, winner_make, winner_start, winner_led, pole,
        field_size or None,   # no results yet (a race to run): the field is unknown, not empty
        bool(date_only),
    )


class Dated(Protocol):
    """What `latest_first` orders by: a whole `RaceSummary`, or a `RaceKey` read without the costly columns."""

    @property
    def series(self) -> str: ...
    @property
    def season(self) -> int: ...
    @property
    def round(self) -> int | None: ...
    @property
    def starts_at(self) -> datetime | None: ...


R = TypeVar("R", bound=Dated)


class RaceKey(Record):
    """A race as far as ordering and naming it goes, read without RACE_COLUMNS' correlated subqueries (winner, pole,
    field size): the races an answer only names or skips cost a fraction of a whole one."""

    id: int
    series: str
    season: int
    round: int | None
    starts_at: datetime | None
    track: str
    name: str

    @property
    def ref(self) -> RaceRef:
        return RaceRef(self.series, self.season, self.round, self.track, self.name)


# In RaceKey's field order, over RACE_JOINS' first three tables (r, s, t).
RACE_KEY_COLUMNS = "r.id, s.key, r.season, r.round, r.starts_at, t.name, r.name"
RACE_KEY_JOINS = "FROM races r JOIN series s ON s.id = r.series_id JOIN tracks t ON t.id = r.track_id"


def _by_start_or_round(races: list[R]) -> list[R]:
    """Latest first: by start time when every race has one, else by round (races without one last)."""
    if all(race.starts_at for race in races):
        return sorted(races, key=lambda race: (race.starts_at, -SERIES_ORDER.get(race.series, 9)), reverse=True)
    return sorted(
        races,
        key=lambda race: (race.round is not None, race.round or 0, race.starts_at is not None, race.starts_at),
        reverse=True,
    )


def latest_first(races: list[R]) -> list[R]:
    """Races latest first, claiming no order the data cannot know.

    Seasons run latest first. Within a season, races that all have a start time are in start order; otherwise
    the bundled history has no dates and a round orders one series only, so the season lists each series in
    turn (Cup, Xfinity, Truck), its races latest round first. `winner` and `results` word their answers so
    that the order between series is never claimed then.
    """
    ordered: list[R] = []
    for season in sorted({race.season for race in races}, reverse=True):
        group = [race for race in races if race.season == season]
        if all(race.starts_at for race in group):
            ordered += _by_start_or_round(group)
            continue
        for series in sorted({race.series for race in group}, key=lambda key: SERIES_ORDER.get(key, 9)):
            ordered += _by_start_or_round([race for race in group if race.series == series])
    return ordered


def latest_of_each_series(races: list[R]) -> list[R]:
    """The first race of each series in `latest_first` order, latest season first."""
    return first_of_each_series(latest_first(races))


def first_of_each_series(ordered: list[R]) -> list[R]:
    """The first race of each series in races already in `latest_first` order."""
    seen: set[str] = set()
    latest = []
    for race in ordered:
        if race.series not in seen:
            seen.add(race.series)
            latest.append(race)
    return latest


async def find_races(
    store: Reads, where: str, params: tuple, *, limit: int | None = None, order: str = RECENT_FIRST
) -> list[RaceSummary]:
    """Races matching a WHERE clause over RACE_JOINS (aliases r, s, t), in RECENT_FIRST order unless `order` says."""
    return await store.read(read_races, where, params, limit, order)


def read_races(
    snapshot: Snapshot, where: str, params: tuple, limit: int | None = None, order: str = RECENT_FIRST
) -> list[RaceSummary]:
    sql = f"SELECT {RACE_COLUMNS} {RACE_JOINS} WHERE {where} ORDER BY {order}"
    if limit:
        sql += f" LIMIT {int(limit)}"
    return [race_summary(row) for row in snapshot.fetchall(sql, params)]


def _seasons_at(snapshot: Snapshot, track_id: int, series: str | None, *, points_only: bool = False) -> str:
    """` It hosted races from 2013 to 2023.` style hint of when a track hosted races that were run."""
    row = snapshot.fetchone(
        "SELECT min(r.season), max(r.season) FROM races r JOIN series s ON s.id = r.series_id "
        "WHERE r.track_id = ? AND (? IS NULL OR s.key = ?) AND r.status != 'scheduled' AND (? = 0 OR r.exhibition = 0)",
        (track_id, series, series, int(points_only)),
    )
    if not row or row[0] is None:
        return ""
    what = "points races" if points_only else "races"
    return f" It hosted {what} from {row[0]} to {row[1]}." if row[0] != row[1] else f" It hosted {what} in {row[0]}."


def _series_label(names: NameIndex, series: str | None) -> str:
    return f"{names.series[series].short_name} " if series else ""


def _races_of(place: Place | None) -> tuple[str, tuple]:
    """SQL condition for the races a place means: every race at the track, or a named race's runs (no place: every
    race)."""
    if place is None:
        return "1", ()
    if place.race_ids is not None:
        return f"r.id IN ({','.join('?' * len(place.race_ids))})", place.race_ids
    assert place.track is not None  # a Place without race ids always has its track
    return "r.track_id = ?", (place.track.id,)


def _no_race_run(
    snapshot: Snapshot, names: NameIndex, place: Place | None, year: int | None, series_key: str | None, round: int | None
) -> NoData:
    """No run race matches the question: one of that season still to run (or run, its results not in yet) is named,
    else when the place hosted races."""
    if year:
        at, params = _races_of(place)
        where = f"{at} AND r.status = 'scheduled' AND r.season = ?"
        params = (*params, year)
        if series_key is not None:
            where, params = f"{where} AND s.key = ?", (*params, series_key)
        if round is not None:
            where, params = f"{where} AND r.round = ?", (*params, round)
        pending = read_races(snapshot, where, params, limit=1, order="r.starts_at, r.id")
        if pending:
            race = pending[0]
            return NoData(f"The {race.season} {race.series_name} race at {race.track} ({race.name}) has no results in the "
                          "data yet: `/schedule` says when it runs.")
    return NoData(f"No {_series_label(names, series_key)}race{_place_words(place, year, round)} in the data."
                  + _none_at(snapshot, place, series_key))


def _none_at(snapshot: Snapshot, place: Place | None, series_key: str | None) -> str:
    return _seasons_at(snapshot, place.track.id, series_key) if place and place.track and place.race_ids is None else ""


def _asked_place(
    names: NameIndex, track: str | None, year: int | None, series: str | None
) -> tuple[Place | None, str | None, int | None]:
    """(place, series key, year) of /winner's and /results' options. No track, a track option that is a series'
    name (`/results cup`) or words for the latest race (`/winner last week`) ask about the latest race: no place."""
    series_key = names.series_key(series) if series else None
    if track is not None and series_key is None and (named := names.series_named(track)):
        track, series_key = None, named
    elif track is not None:
        latest, typed_series = names.latest_race_asked(track)
        if latest:
            track, series_key = None, typed_series or series_key
    if track is None:
        return None, series_key, check_year(year)
    place = names.place(track, year=check_year(year), series=series_key)
    return place, place.series or series_key, check_year(place.year)


def _place_words(place: Place | None, year: int | None, round: int | None = None) -> str:
    """`at Mid-Ohio Sports Car Course in 2022 round 7` for a message that found no race."""
    parts = (f"at {place.label}" if place else "", f"in {year}" if year else "", f"round {round}" if round else "")
    return "".join(f" {part}" for part in parts if part)


async def winner(
    store: Reads, track: str | None = None, year: int | None = None, series: str | None = None, round: int | None = None
) -> WinnerAnswer:
    """The most recent race at a track, or with a year every race there that year; no track: the latest race of
    each series (in `year`, of `series`); with a round, that round's race."""
    return await _one_place_read(store, _read_winner, track, year, series, round)


A = TypeVar("A")


async def _one_place_read(
    store: Reads, read: Callable[..., A], track: str | None, year: int | None, series: str | None, round: int | None
) -> A:
    """/winner's, /results' and /qualifying's options resolved the same way, then `read` in one hop."""
    names = await store.names()
    place, series_key, year = _asked_place(names, track, year, series)
    check_round(round)
    return await store.read(read, names, place, year, series_key, round)


def _where_races_to_answer(
    place: Place | None, year: int | None, series_key: str | None, round: int | None = None
) -> tuple[str, tuple]:
    """WHERE clause and parameters (over r, s, t) of the run races at a place: every one of `year`, or without a
    year those of each series' latest season there (the caller keeps the latest of each series)."""
    at, at_params = _races_of(place)
    matching, params = f"{at} AND r.status != 'scheduled'", at_params
    # Only the filters given: a `? IS NULL OR …` per filter costs the planner and every row (a tenth of /winner's SQL).
    if series_key is not None:
        matching, params = f"{matching} AND r.series_id = (SELECT id FROM series WHERE key = ?)", (*params, series_key)
    if round is not None:
        matching, params = f"{matching} AND r.round = ?", (*params, round)
    if year:
        return f"{matching} AND r.season = ?", (*params, year)
    latest_seasons = f"SELECT r.series_id, max(r.season) FROM races r WHERE {matching} GROUP BY r.series_id"
    return f"{matching} AND (r.series_id, r.season) IN ({latest_seasons})", (*params, *params)


def read_race_keys(snapshot: Snapshot, where: str, params: tuple) -> list[RaceKey]:
    """Races matching a WHERE clause (aliases r, s, t) as keys, latest first: for an answer that shows one race
    whole (`read_whole`) and only names the others. (An answer that shows most of them reads them whole at once.)"""
    rows = snapshot.fetchall(f"SELECT {RACE_KEY_COLUMNS} {RACE_KEY_JOINS} WHERE {where} ORDER BY {RECENT_FIRST}", params)
    return latest_first([
        RaceKey(race_id, series, season, round_, datetime.fromisoformat(starts_at) if starts_at else None, track, name)
        for race_id, series, season, round_, starts_at, track, name in rows
    ])


def read_whole(snapshot: Snapshot, keys: list[RaceKey]) -> list[RaceSummary]:
    """The races of `keys` with every RACE_COLUMNS figure, in the keys' order."""
    ids = tuple(key.id for key in keys)
    races = {race.id: race for race in read_races(snapshot, f"r.id IN ({','.join('?' * len(ids))})", ids)}
    return [races[key.id] for key in keys]


def _read_winner(
    snapshot: Snapshot, names: NameIndex, place: Place | None, year: int | None, series_key: str | None,
    round: int | None = None,
) -> WinnerAnswer:
    races = read_races(snapshot, *_where_races_to_answer(place, year, series_key, round))
    if not races:
        raise _no_race_run(snapshot, names, place, year, series_key, round)
    if place is None:
        shown = latest_of_each_series(races)
        return WinnerAnswer("", year, series_key, shown, round=round, sprints=_sprint_winners(snapshot, shown))
    shown = latest_first(races) if year else latest_of_each_series(races)
    return WinnerAnswer(place.label, year, series_key, shown, named_race=place.race_at_several_tracks, round=round,
                        sprints=_sprint_winners(snapshot, shown))


def _sprint_winners(snapshot: Snapshot, races: list[RaceSummary]) -> dict[int, SprintWinner]:
    """The sprint winner of each race weekend that had a sprint (F1 since 2021; other series have none)."""
    ids = [race.id for race in races if race.series in SPRINT_SERIES]
    if not ids:
        return {}
    return {
        race_id: SprintWinner(driver, car, team, make, start)
        for race_id, driver, car, team, make, start in snapshot.fetchall(
            """SELECT x.race_id, d.shown_name, x.car_number, tm.name, x.make, x.start
               FROM sprint_results x JOIN drivers d ON d.id = x.driver_id LEFT JOIN teams tm ON tm.id = x.team_id
               WHERE x.finish = 1 AND x.status_code IS NULL"""
            f" AND x.race_id IN ({','.join('?' * len(ids))}) ORDER BY x.race_id, x.id",
            tuple(ids),
        )
    }


async def race_details(store: Reads, race: RaceSummary, other_races: list[RaceRef] | None = None) -> RaceResults:
    """Full classification, stages, cautions and leader stints of one race."""
    return await store.read(read_race_details, race, other_races)


RACE_KEY = re.compile(r"nascar-(?P<source>\d+)|(?P<series>[a-z0-9]+)-(?P<season>\d{4})-r?(?P<round>\d+)")


async def results_of_race(store: Reads, key: str) -> RaceResults:
    """One race's full classification by its lasting key (`models.race_key`: the same after `db build`, which
    renumbers races)."""
    return await store.read(_read_results_of_race, key)


def _read_results_of_race(snapshot: Snapshot, key: str) -> RaceResults:
    match = RACE_KEY.fullmatch(key)
    if match is None:
        raise NoData(f"No race {key} in the data.")
    if match["source"]:
        races = read_races(snapshot, "r.source_id = ?", (int(match["source"]),))
    else:
        races = read_races(snapshot, "s.key = ? AND r.season = ? AND r.round = ? AND r.source_id IS NULL",
                           (match["series"], int(match["season"]), int(match["round"])))
    if not races or race_key(races[0]) != key:
        raise NoData(f"No race {key} in the data.")
    return read_race_details(snapshot, races[0])


def read_race_details(snapshot: Snapshot, race: RaceSummary, other_races: list[RaceRef] | None = None) -> RaceResults:
    rows = snapshot.fetchall(
        """SELECT x.finish, x.start, x.car_number, d.shown_name AS driver, tm.name AS team, x.make, x.laps,
                  x.laps_led, x.status, x.points, x.driver_id, x.time, x.gap, x.status_code, x.rating
           FROM results x JOIN drivers d ON d.id = x.driver_id LEFT JOIN teams tm ON tm.id = x.team_id
           WHERE x.race_id = ? ORDER BY x.finish, x.id""",
        (race.id,),
    )
    stage_rows = snapshot.fetchall(
        """SELECT sr.stage, sr.position, d.shown_name AS driver, sr.car_number, sr.points, sr.driver_id
           FROM stage_results sr JOIN drivers d ON d.id = sr.driver_id
           WHERE sr.race_id = ? ORDER BY sr.stage, sr.position""",
        (race.id,),
    )
    stage_numbers = list(dict.fromkeys(stage for stage, *_ in stage_rows))   # rows come in stage order
    slot = {number: i for i, number in enumerate(stage_numbers)}
    stage_lines: dict[int, list[StageLine]] = {number: [] for number in stage_numbers}
    positions: dict[int, list[int | None]] = {}
    for stage, position, stage_driver, car_number, points, driver_id in stage_rows:
        stage_lines[stage].append(StageLine(position, stage_driver, car_number, points))
        positions.setdefault(driver_id, [None] * len(stage_numbers))[slot[stage]] = position
    stage_finishes = {driver_id: tuple(finishes) for driver_id, finishes in positions.items()}
    no_stage_finish = (None,) * len(stage_numbers)
    results = [
        ResultLine.fast(finish, start, car, name, team, make, laps, led, status, points,
                        stage_finishes.get(driver_id, no_stage_finish), driver_id, time, gap, status_code)
        for finish, start, car, name, team, make, laps, led, status, points, driver_id, time, gap, status_code, _ in rows
    ]
    sprint = [
        ResultLine.fast(finish, start, car, name, team, make, laps, None, status, points, (), driver_id, time, gap, status_code)
        for finish, start, car, name, team, make, laps, status, points, driver_id, time, gap, status_code in snapshot.fetchall(
            """SELECT x.finish, x.start, x.car_number, d.shown_name, tm.name, x.make, x.laps, x.status, x.points, x.driver_id,
                      x.time, x.gap, x.status_code
               FROM sprint_results x JOIN drivers d ON d.id = x.driver_id LEFT JOIN teams tm ON tm.id = x.team_id
               WHERE x.race_id = ? ORDER BY x.finish, x.id""",
            (race.id,),
        )
    ]
    non_starters = [
        NonStarter(*row) for row in snapshot.fetchall(
            """SELECT n.status_code, n.car_number, d.shown_name, tm.name, n.reason
               FROM non_starters n JOIN drivers d ON d.id = n.driver_id LEFT JOIN teams tm ON tm.id = n.team_id
               WHERE n.race_id = ? ORDER BY n.entry""",
            (race.id,),
        )
    ]
    stages = [
        Stage(number=n, laps=race.stage_laps[n - 1] if len(race.stage_laps) >= n else None, results=stage_lines[n])
        for n in stage_numbers
    ]
    cautions, stints = [], []
    for kind, start_lap, end_lap, text, comment, free_pass_car in snapshot.fetchall(
        """SELECT 'caution', start_lap, end_lap, reason, comment, free_pass_car FROM cautions WHERE race_id = ?
           UNION ALL
           SELECT 'stint', start_lap, end_lap, car_number, NULL, NULL FROM leader_stints WHERE race_id = ?
           ORDER BY 1, 2, 3""",
        (race.id, race.id),
    ):
        if kind == "caution":
            cautions.append(Caution(start_lap, end_lap, text, comment, free_pass_car))
        else:
            stints.append(LeaderStint(start_lap, end_lap, text))
    loop_data = [
        LoopLine(*row) for row in snapshot.fetchall(
            """SELECT x.finish, x.car_number, d.shown_name, l.rating, l.avg_position, l.fastest_laps, l.quality_passes,
                      l.top15_laps, l.green_flag_passes, l.green_flag_passed
               FROM loop_stats l JOIN results x ON x.id = l.result_id JOIN drivers d ON d.id = x.driver_id
               WHERE l.race_id = ? ORDER BY l.rating DESC, x.finish""",
            (race.id,),
        )
    ] if race.source_id is not None else []   # loop data comes with a NASCAR feed race id
    if not loop_data:   # the bundled history's driver ratings (2005 on), its only loop data
        rated = sorted((row for row in rows if row[-1] is not None), key=lambda row: (-row[-1], row[0]))
        loop_data = [LoopLine(row[0], row[2], row[3], row[-1]) for row in rated]
    return RaceResults(race, results, stages, cautions, stints, other_races or [], sprint, non_starters, loop_data)


async def results(
    store: Reads, track: str | None = None, year: int | None = None, series: str | None = None, round: int | None = None
) -> RaceResults:
    """One race's full classification: the most recent at the track matching the filters (no track: the most recent
    race matching them)."""
    return await _one_place_read(store, _read_results, track, year, series, round)


def _read_results(
    snapshot: Snapshot, names: NameIndex, place: Place | None, year: int | None, series_key: str | None, round: int | None
) -> RaceResults:
    return read_race_details(snapshot, *_race_asked(snapshot, names, place, year, series_key, round))


def _race_asked(
    snapshot: Snapshot, names: NameIndex, place: Place | None, year: int | None, series_key: str | None, round: int | None
) -> tuple[RaceSummary, list[RaceRef]]:
    """The race /results and /qualifying show: the first in `latest_first` order, and the others matching, named (of
    that year at the place, or the latest of each other series; no place: always the latest of each)."""
    races = read_race_keys(snapshot, *_where_races_to_answer(place, year, series_key, round))
    if not races:
        raise _no_race_run(snapshot, names, place, year, series_key, round)
    shown = races if year and place else first_of_each_series(races)   # keys come latest first
    return read_whole(snapshot, shown[:1])[0], [race.ref for race in shown[1:]]


async def qualifying(
    store: Reads, track: str | None = None, year: int | None = None, series: str | None = None, round: int | None = None
) -> Qualifying:
    """A race's qualifying (F1: places with Q1, Q2 and Q3 times) or, where the data has none, its starting lineup with
    where each car finished; the race is chosen as /results chooses it."""
    return await _one_place_read(store, _read_qualifying, track, year, series, round)


def _read_qualifying(
    snapshot: Snapshot, names: NameIndex, place: Place | None, year: int | None, series_key: str | None, round: int | None
) -> Qualifying:
    race, others = _race_asked(snapshot, names, place, year, series_key, round)
    session = [
        QualifyingLine(position, car, driver, team, status_code, time, q1, q2, q3)
        for position, car, driver, team, status_code, time, q1, q2, q3 in snapshot.fetchall(
            """SELECT q.position, q.car_number, d.shown_name, tm.name, q.status_code, q.time, q.q1, q.q2, q.q3
               FROM qualifying_results q JOIN drivers d ON d.id = q.driver_id LEFT JOIN teams tm ON tm.id = q.team_id
               WHERE q.race_id = ? ORDER BY q.position IS NULL, q.position, q.entry""",
            (race.id,),
        )
    ]
    if session:
        return Qualifying(race, False, session, others)
    grid = [
        QualifyingLine(start, car, driver, team, finish=finish)
        for start, car, driver, team, finish in snapshot.fetchall(
            """SELECT x.start, x.car_number, d.shown_name, tm.name, x.finish
               FROM results x JOIN drivers d ON d.id = x.driver_id LEFT JOIN teams tm ON tm.id = x.team_id
               WHERE x.race_id = ? AND x.start IS NOT NULL ORDER BY x.start, x.finish""",
            (race.id,),
        )
    ]
    if not grid:
        raise NoData(f"The data has no qualifying and no starting positions for the {race.season} "
                     f"{race.series_name} race at {race.track}.")
    return Qualifying(race, True, grid, others)


async def driver(
    store: Reads, name: str, series: str | None = None, year: int | None = None, track: str | None = None
) -> DriverCareer | DriverAtTrack:
    """Career figures per series: starts, wins, top 5/10, poles, laps led, averages, DNFs, wins. With a track (or
    `larson at bristol`), the record there instead.

    `name` may be a car number (`#48`): its driver in `year` and `series` if given, else the latest.
    """
    names = await store.names()
    series_key = names.series_key(series) if series else None
    if track is None:
        name, track = _split_at(name)
    try:
        who = await find_driver(store, name, year=check_year(year), series=series_key)
    except UnknownName:
        split = names.split_place(name) if track is None else None   # `larson bristol`: a driver, then a place
        if split is None:
            raise
        (name, track), who = split, await find_driver(store, split[0], year=year, series=series_key)
    person, series_key = who.driver, who.series or series_key
    also = tuple(other.label for other in who.also)
    if track is not None:
        place = names.place(track, year=year, series=series_key)
        at_track = await store.read(_read_driver_at, names, person, place, series_key or place.series, year or place.year)
        return replace(at_track, also=also)
    career = await store.read(_read_driver, names, person, series_key, year)
    return replace(career, also=also)


def _split_at(text: str) -> tuple[str, str | None]:
    """`larson at bristol` (or `@ bristol`) → (`larson`, `bristol`): the words before a place, and the place (or None)."""
    for word in (" at ", " @ "):
        before, at, after = text.partition(word)   # the first: a track may have one in its name
        if at and before.strip() and after.strip():
            return before, after
    return text, None


def _pairs_read(names: NameIndex, text: str) -> list | None:
    """The pairs of drivers `text` names, or None when it names none."""
    try:
        return names.driver_pairs(text)[0]
    except BadOption:
        return None


def _read_driver_at(
    snapshot: Snapshot, names: NameIndex, person: DriverInfo, place: Place, series_key: str | None, year: int | None
) -> DriverAtTrack:
    at, params = _races_of(place)
    where = f"{at} AND r.status != 'scheduled'"
    if not _named_race(place):   # a named race is what was asked for, exhibition or not; a track's record is for points
        where += " AND r.exhibition = 0"
    if series_key is not None:
        where, params = f"{where} AND r.series_id = (SELECT id FROM series WHERE key = ?)", (*params, series_key)
    if year is not None:
        where, params = f"{where} AND r.season = ?", (*params, year)
    here = f"WITH here AS MATERIALIZED (SELECT r.id, r.series_id, r.season FROM races r WHERE {where})"
    totals = snapshot.fetchall(
        f"""{here}
            SELECT s.key, s.name, count(DISTINCT x.race_id), count(DISTINCT CASE WHEN x.finish = 1 THEN x.race_id END),
                   sum(x.finish <= 3), sum(x.finish <= 5), sum(x.finish <= 10), sum(x.start = 1),
                   (SELECT count(*) FROM qualifying_results q JOIN here hq ON hq.id = q.race_id
                    WHERE q.driver_id = x.driver_id AND q.position = 1 AND hq.series_id = s.id),
                   CASE WHEN count(x.laps_led) = count(*) THEN sum(x.laps_led) END,
                   sum(x.start), count(x.start), sum(x.finish), min(x.finish), {DNFS}, min(h.season), max(h.season),
                   avg(x.rating), count(x.rating)
            FROM results x JOIN here h ON h.id = x.race_id JOIN series s ON s.id = h.series_id
            WHERE x.driver_id = ? GROUP BY s.id ORDER BY s.display_order""",
        (*params, person.id),
    )
    if not totals:
        where_words = f" in the {names.series[series_key].name}" if series_key else ""
        when = f" in {year}" if year else ""
        raise NoData(f"{person.name} has no starts at {place.label}{where_words}{when} in the data.")
    starts: dict[str, list[tuple[RaceRef, int]]] = defaultdict(list)   # latest first
    for key, season, round_, track, race, finish in snapshot.fetchall(
        f"""{here}
            SELECT s.key, r.season, r.round, t.name, r.name, x.finish
            FROM results x JOIN here h ON h.id = x.race_id JOIN races r ON r.id = x.race_id
            JOIN series s ON s.id = r.series_id JOIN tracks t ON t.id = r.track_id
            WHERE x.driver_id = ? ORDER BY {RECENT_FIRST}""",
        (*params, person.id),
    ):
        starts[key].append((RaceRef(key, season, round_, track, race), finish))
    lines = {}
    for (key, series_name, count, wins, podiums, top5, top10, started_first, qualified_first, led, start_sum,
         start_count, finish_sum, best, dnfs, first, last, avg_rating, rated) in totals:
        official = key in SERIES and SERIES[key].official_standings
        (latest, latest_finish), *_ = starts[key]
        lines[key] = TrackLine(
            key, series_name, count, wins, top5, top10, qualified_first if official else started_first, led,
            start_sum / start_count if start_count else None, finish_sum / count, dnfs, avg_rating, rated, best, first, last,
            [race for race, finish in starts[key] if finish == 1], latest, latest_finish, podiums,
        )
    label = place.label
    if place.venue:   # `las vegas`: named by the tracks of it the driver raced at
        label = tracks_label(list(dict.fromkeys(race.track for raced in starts.values() for race, _ in raced)))
    return DriverAtTrack(person.name, label, lines, year)


def _place_sql(place: Place | None) -> str:
    """The condition (over races r) of a place's races, its ids written into the statement (whole numbers) for
    statements whose parameters are named or numbered; no place: every race."""
    if place is None:
        return "1"
    if place.race_ids is not None:
        return f"r.id IN ({','.join(str(int(race_id)) for race_id in place.race_ids)})"
    return f"r.track_id = {int(place.track.id) if place.track else 0}"


def _named_race(place: Place | None) -> bool:
    """A race asked for by its name (the Daytona 500, the All-Star Race): its runs count, exhibitions too."""
    return place is not None and place.race_ids is not None and not place.venue


def _read_driver(
    snapshot: Snapshot, names: NameIndex, person: DriverInfo, series_key: str | None, year: int | None = None
) -> DriverCareer:
    season_rows = snapshot.fetchall(
        f"""SELECT s.key, s.name AS series_name, a.* FROM (
               SELECT r.series_id, r.season, count(DISTINCT x.race_id) AS starts,
                      count(DISTINCT CASE WHEN x.finish = 1 THEN x.race_id END) AS wins,
                      sum(x.finish <= 3) AS podiums, sum(coalesce(x.points, 0)) AS points, sum(x.finish <= 5) AS top5,
                      sum(x.finish <= 10) AS top10, sum(x.start = 1) AS poles,
                      CASE WHEN count(x.laps_led) = count(*) THEN sum(x.laps_led) END AS laps_led,
                      sum(x.start) AS start_sum, count(x.start) AS start_count, sum(x.finish) AS finish_sum,
                      {DNFS} AS dnfs, sum(x.rating) AS rating_sum, count(x.rating) AS rated
               FROM results x JOIN races r ON r.id = x.race_id
               WHERE x.driver_id = ? AND r.exhibition = 0
               GROUP BY r.series_id, r.season
           ) a JOIN series s ON s.id = a.series_id
           WHERE ? IS NULL OR s.key = ?
           ORDER BY a.series_id, a.season""",
        (person.id, series_key, series_key),
    )
    if not season_rows:
        where = f" in the {names.series[series_key].name}" if series_key else ""
        raise NoData(f"{person.name} has no starts{where} in the data.")
    by_series = defaultdict(list)
    for row in season_rows:
        by_series[row[0]].append(row)
    first_win: dict[str, sqlite3.Row] = {}
    latest_win: dict[str, sqlite3.Row] = {}
    for row in snapshot.fetchall(
        """SELECT s.key AS series, r.season, r.round, t.name AS track, r.name
           FROM results x JOIN races r ON r.id = x.race_id JOIN series s ON s.id = r.series_id
           JOIN tracks t ON t.id = r.track_id
           WHERE x.driver_id = ? AND x.finish = 1 AND r.exhibition = 0
           ORDER BY r.season, r.round IS NULL, r.round, r.starts_at""",
        (person.id,),
    ):
        first_win.setdefault(row[0], row)
        latest_win[row[0]] = row
    official = _official_figures(snapshot, person.id, by_series)
    careers = {
        key: replace(
            _series_career(key, rows, RaceRef(*first_win[key]) if key in first_win else None,
                           RaceRef(*latest_win[key]) if key in latest_win else None, official.get(key)),
            starts_since_win=_starts_since(snapshot, person.id, latest_win[key], rows) if key in latest_win else None,
        )
        for key, rows in by_series.items()
    }
    if year is not None:
        careers = {key: replace(career, season=_driver_season(snapshot, person.id, key, by_series[key], year))
                   for key, career in careers.items()}
    born = snapshot.scalar("SELECT birth_date FROM drivers WHERE id = ?", (person.id,))
    return DriverCareer(person.name, careers, year=year, born=date.fromisoformat(born) if born else None)


def _starts_since(snapshot: Snapshot, driver_id: int, win: sqlite3.Row, season_rows: list) -> int | None:
    """The driver's points-race starts in the series after `win`: the later seasons' (from the per-season rows) and
    that season's later rounds. None when the win's round is unknown."""
    if win["round"] is None:
        return None
    later_seasons = sum(row["starts"] for row in season_rows if row["season"] > win["season"])
    return later_seasons + snapshot.scalar(
        """SELECT count(*) FROM results x JOIN races r ON r.id = x.race_id JOIN series s ON s.id = r.series_id
           WHERE x.driver_id = ? AND s.key = ? AND r.season = ? AND r.round > ? AND r.exhibition = 0""",
        (driver_id, win["series"], win["season"], win["round"]),
    )


def _driver_season(snapshot: Snapshot, driver_id: int, key: str, season_rows: list, year: int) -> DriverSeason | None:
    """The driver's `year` in one series from its per-season row; where the series has official tables (F1), poles as
    qualifying P1 and the season's standings place and points."""
    row = next((row for row in season_rows if row["season"] == year), None)
    if row is None:
        return None
    races = SeasonStart.each(snapshot.fetchall(
        """SELECT r.round, r.name, t.name, x.start, x.finish, x.laps_led, x.status, x.status_code, x.points, x.rating
           FROM results x JOIN races r ON r.id = x.race_id JOIN tracks t ON t.id = r.track_id
           JOIN series s ON s.id = r.series_id
           WHERE x.driver_id = ? AND s.key = ? AND r.season = ? AND r.exhibition = 0
           ORDER BY r.round IS NULL, r.round, r.starts_at, r.id""",
        (driver_id, key, year),
    ))
    season = DriverSeason(
        season=year, starts=row["starts"], wins=row["wins"], top5=row["top5"], top10=row["top10"], poles=row["poles"],
        laps_led=row["laps_led"], avg_finish=row["finish_sum"] / row["starts"], dnfs=row["dnfs"], podiums=row["podiums"],
        races=races, avg_rating=row["rating_sum"] / row["rated"] if row["rated"] else None, rated=row["rated"],
    )
    if not (key in SERIES and SERIES[key].official_standings):
        return season
    official = snapshot.fetchone(
        """SELECT (SELECT count(*) FROM qualifying_results q JOIN races r ON r.id = q.race_id
                   WHERE q.driver_id = ?1 AND q.position = 1 AND r.series_id = s.id AND r.season = ?3),
                  ds.position, ds.points
           FROM series s LEFT JOIN driver_standings ds ON ds.series_id = s.id AND ds.driver_id = ?1 AND ds.season = ?3
           WHERE s.key = ?2""",
        (driver_id, key, year),
    )
    if official is None:
        return season
    poles, position, points = official
    return replace(season, poles=poles, position=position, points=points)


def _official_figures(snapshot: Snapshot, driver_id: int, raced: Iterable[str]) -> dict[str, tuple[int, float, int]]:
    """Per series the driver `raced` in that has an official table (F1): poles as qualifying P1, race and sprint points,
    championships won (a season still running has no champion yet)."""
    figures = {}
    for key in (key for key in raced if key in SERIES and SERIES[key].official_standings):
        row = snapshot.fetchone(
            """SELECT
                 (SELECT count(*) FROM qualifying_results q JOIN races r ON r.id = q.race_id
                  WHERE q.driver_id = ?1 AND q.position = 1 AND r.series_id = s.id),
                 (SELECT coalesce(sum(x.points), 0) FROM results x JOIN races r ON r.id = x.race_id
                  WHERE x.driver_id = ?1 AND r.series_id = s.id AND r.exhibition = 0)
                 + (SELECT coalesce(sum(p.points), 0) FROM sprint_results p JOIN races r ON r.id = p.race_id
                    WHERE p.driver_id = ?1 AND r.series_id = s.id),
                 (SELECT count(*) FROM driver_standings ds WHERE ds.driver_id = ?1 AND ds.series_id = s.id AND ds.position = 1
                  AND NOT EXISTS (SELECT 1 FROM races u WHERE u.series_id = s.id AND u.season = ds.season
                                  AND u.status = 'scheduled'))
               FROM series s WHERE s.key = ?2""",
            (driver_id, key),
        )
        if row is not None:
            figures[key] = (row[0], row[1], row[2])
    return figures


def _series_career(
    key: str, season_rows: list, first_win: RaceRef | None, latest_win: RaceRef | None,
    official: tuple[int, float, int] | None = None,
) -> SeriesCareer:
    """A career in one series, totalled from its per-season figures (poles, points and titles from `official`)."""

    position = {column: i for i, column in enumerate(season_rows[0].keys())}   # by position: a name lookup scans

    def total(column: str) -> int:
        i = position[column]
        return sum(row[i] or 0 for row in season_rows)

    def figures(row, *columns: str) -> tuple:
        return tuple(row[position[column]] for column in columns)

    start_count, starts, rated = total("start_count"), total("starts"), total("rated")
    laps_led = None if any(row["laps_led"] is None for row in season_rows) else total("laps_led")
    return SeriesCareer(
        series=key, series_name=season_rows[0]["series_name"], starts=starts, wins=total("wins"), top5=total("top5"),
        top10=total("top10"), poles=official[0] if official else total("poles"), laps_led=laps_led,
        avg_start=total("start_sum") / start_count if start_count else None,
        avg_finish=total("finish_sum") / starts, dnfs=total("dnfs"),
        avg_rating=total("rating_sum") / rated if rated else None, rated=rated,
        first_season=season_rows[0]["season"], last_season=season_rows[-1]["season"],
        first_win=first_win, latest_win=latest_win,
        seasons=[SeasonLine(*figures(row, "season", "starts", "wins", "top5", "top10")) for row in season_rows],
        podiums=total("podiums"), points=official[1] if official else None, championships=official[2] if official else None,
    )


def _tallies(names: Sequence[str | None]) -> list[Tally]:
    """Most frequent names, keeping everyone tied with the 5th; among equals, the one whose latest is the more recent.

    `names` run latest race first, so a name's first place in them is its latest race (Counter keeps that order and
    `most_common` sorts by count alone, stably).
    """
    ranked = Counter(filter(None, names)).most_common()
    if not ranked:
        return []
    cutoff = ranked[min(TOP_TALLIES, len(ranked)) - 1][1]
    return Tally.each((name, count) for name, count in ranked[: TOP_TALLIES * 2] if count >= cutoff)


async def track(store: Reads, name: str, series: str | None = None) -> TrackRecord:
    """A track's record per series: races held, winners by year, most wins and poles, wins from pole."""
    names = await store.names()
    series_key = names.series_key(series) if series else None
    at = names.place(name, series=series_key)
    place, series_key = names.track_of(at, name), at.series or series_key
    return await store.read(_read_track, names, place, series_key)


def _read_track(snapshot: Snapshot, names: NameIndex, place: TrackInfo, series_key: str | None) -> TrackRecord:
    rows = snapshot.fetchall(
        f"""SELECT s.key AS series, s.name AS series_name, r.season, r.round, r.name,
                  wd.shown_name AS winner, w.driver_id = pd.id AS from_pole, pd.shown_name AS pole
           FROM races r JOIN series s ON s.id = r.series_id
           LEFT JOIN results w ON w.race_id = r.id AND w.finish = 1 LEFT JOIN drivers wd ON wd.id = w.driver_id
           LEFT JOIN drivers pd ON pd.id = {POLE_OF_RACE}
           WHERE r.track_id = ? AND r.exhibition = 0 AND r.status != 'scheduled' AND (? IS NULL OR s.key = ?)
           ORDER BY s.id, r.season DESC, r.round IS NULL DESC, r.round DESC, r.starts_at DESC""",
        (place.id, series_key, series_key),
    )
    if not rows:
        raise NoData(_no_track_record(snapshot, names, place, series_key))
    records = {}
    for key, group in groupby(rows, key=itemgetter(0)):   # rows come series by series
        races = list(group)
        _, series_names, seasons, rounds, race_names, winners, from_poles, poles = zip(*races, strict=True)
        records[key] = TrackSeriesRecord(
            series=key, series_name=series_names[0], races=len(races),
            first_season=min(seasons), last_season=max(seasons),
            winners=SeasonWinner.each(race for race in zip(seasons, rounds, race_names, winners, strict=True) if race[3]),
            most_wins=_tallies(winners),
            most_poles=_tallies(poles),
            wins_from_pole=sum(1 for winner, from_pole in zip(winners, from_poles, strict=True) if winner and from_pole),
        )
    return TrackRecord(place.name, place.kind, place.length_mi, records)


def _no_track_record(snapshot: Snapshot, names: NameIndex, place: TrackInfo, series_key: str | None) -> str:
    """Why a track has no record: no points race run there (in that series), and what it did host."""
    where = f"{names.series[series_key].short_name} " if series_key else ""
    message = f"No {where}points races at {place.name} in the data." + _seasons_at(snapshot, place.id, None, points_only=True)
    exhibitions = snapshot.fetchall(
        """SELECT r.season, s.short_name, r.name FROM races r JOIN series s ON s.id = r.series_id
           WHERE r.track_id = ? AND r.exhibition = 1 AND r.status != 'scheduled' AND (? IS NULL OR s.key = ?)
           ORDER BY r.season DESC, r.starts_at DESC LIMIT 4""",
        (place.id, series_key, series_key),
    )
    if exhibitions:
        what = "an exhibition" if len(exhibitions) == 1 else "exhibitions"
        shown = "; ".join(f"{row['season']} {row['short_name']} {row['name']}" for row in exhibitions)
        message += f" Track records leave out exhibitions, and it hosted {what}: {shown}."
    return message


async def latest_season(store: Reads, series_key: str) -> int:
    """The latest season of a series that has results."""
    return await store.read(read_latest_season, series_key)


def read_latest_season(snapshot: Snapshot, series_key: str) -> int:
    season = snapshot.scalar(
        "SELECT max(r.season) FROM races r JOIN series s ON s.id = r.series_id WHERE s.key = ? "
        "AND r.round IS NOT NULL AND EXISTS (SELECT 1 FROM results x WHERE x.race_id = r.id)",
        (series_key,),
    )
    if season is None:
        raise NoData("No results in that series yet.")
    return season


STANDINGS_FILLER = frozenset({"constructors", "constructor", "drivers", "driver", "championship", "championships",
                              "standings", "points", "table", "final", "the", "series"})


async def standings(
    store: Reads, series: str | None = None, season: int | None = None, round: int | None = None
) -> Standings:
    """Points earned from race results in one season (playoff resets and penalties are not in the data); official
    where the series publishes its table (F1). With a round, the standings after it, computed from the results."""
    if not series:   # the bot passes the server's default series when the member names none
        raise BadOption("Name a series: `/standings cup`, `/standings truck 2024`, `/standings f1`.")
    names = await store.names()
    rest, typed_series = names.series_in(series)
    words = set(rest.split())
    if "top" in words and round is not None:   # `cup 2024 top 10`: the table's head (it shows every driver), no round
        words, round = words - {"top"}, None
    if typed_series is None and words and words <= STANDINGS_FILLER and words & {"constructors", "constructor"}:
        # `/standings constructors`: the series whose teams are constructors (F1)
        typed_series = next((key for key in names.series if SERIES.get(key) and SERIES[key].team_label == "Constructor"), None)
    # `f1 constructors`, `cup final standings`: words that only frame the question (F1's answer holds both tables)
    series_key = typed_series if typed_series and words <= STANDINGS_FILLER else names.series_key(series)
    check_year(season)
    check_round(round)
    return await store.read(_read_standings, names, series_key, season, round)


def _read_standings(
    snapshot: Snapshot, names: NameIndex, series_key: str, season: int | None, through: int | None = None
) -> Standings:
    season = season or read_latest_season(snapshot, series_key)
    series_name = names.series[series_key].name
    if SERIES[series_key].official_standings and through is None:
        return _official_standings(snapshot, series_key, series_name, season)
    # The season's points races, through the round asked for.
    counted = "s.key = ? AND r.season = ? AND r.exhibition = 0" + (" AND r.round <= ?" if through else "")
    params = (series_key, season, *((through,) if through else ()))
    rows = [list(row) for row in snapshot.fetchall(
        f"""SELECT d.shown_name, t.* FROM (
               SELECT x.driver_id, sum(coalesce(x.points, 0)) AS points, count(*) AS starts, sum(x.finish = 1) AS wins,
                      sum(x.finish <= 5) AS top5, sum(x.finish <= 10) AS top10,
                      CASE WHEN count(x.laps_led) = count(*) THEN sum(x.laps_led) END AS laps_led, min(x.finish) AS best
               FROM results x JOIN races r ON r.id = x.race_id JOIN series s ON s.id = r.series_id
               WHERE {counted}
               GROUP BY x.driver_id
           ) t JOIN drivers d ON d.id = t.driver_id
           ORDER BY points DESC, wins DESC, top5 DESC, top10 DESC, best, d.shown_name""",
        params,
    )]
    through_words = f" through round {through}" if through else ""
    if not rows:
        raise NoData(f"No {series_name} results for {season}{through_words} in the data.")
    sprints = _sprint_points(snapshot, series_key, counted, params)
    if sprints:   # a race's sprint scores too (F1): add it, and order the table again
        sprint_points: defaultdict[int, float] = defaultdict(float)
        for _, driver_id, points in sprints:
            sprint_points[driver_id] += points
        for row in rows:
            row[2] += sprint_points[row[1]]
        rows.sort(key=lambda row: (-row[2], -row[4], -row[5], -row[6], row[8], row[0]))
    if not any(row[2] for row in rows):
        raise NoData(f"The data has no points for the {season} {series_name} season.")
    leader_points = rows[0][2]
    table = [
        StandingRow(position, name, points, starts, wins, top5, top10, laps_led, leader_points - points)
        for position, (name, _, points, starts, wins, top5, top10, laps_led, _) in enumerate(rows, start=1)
    ]
    top = {row[1]: row[0] for row in rows[:PROGRESSION_DRIVERS]}
    per_race: dict[int, list[float]] = {driver_id: [] for driver_id in top}
    slot: dict[int, int] = {}
    for race_id, driver_id, points in snapshot.fetchall(   # every race with results, and the top drivers' points in it
        f"""SELECT r.id, x.driver_id, coalesce(x.points, 0)
            FROM races r JOIN series s ON s.id = r.series_id
            LEFT JOIN results x ON x.race_id = r.id AND x.driver_id IN ({",".join("?" * len(top))})
            WHERE {counted} AND EXISTS (SELECT 1 FROM results y WHERE y.race_id = r.id)
            ORDER BY r.round, r.starts_at, r.id""",
        (*top, *params),
    ):
        if race_id not in slot:
            slot[race_id] = len(slot)
            for points_by_race in per_race.values():
                points_by_race.append(0)
        if driver_id is not None:
            per_race[driver_id][-1] += points
    for race_id, driver_id, points in sprints:
        if driver_id in per_race and race_id in slot:
            per_race[driver_id][slot[race_id]] += points
    progression = {name: list(accumulate(per_race[driver_id])) for driver_id, name in top.items()}
    if SERIES[series_key].official_standings:
        note = (f"Computed from race and sprint points{through_words}: the data holds the official {series_name} "
                "table at the season's end only, and seasons that dropped scores counted fewer.")
    else:
        note = (
            "Points earned in each race as recorded in the results (stage points included where the data has them). "
            "Playoff resets, bonus points and penalties are not in the data, so this is not the official table."
        )
    return Standings(series_key, series_name, season, len(slot), table, progression, note, through=through)


def _sprint_points(snapshot: Snapshot, series_key: str, counted: str, params: tuple) -> list[tuple[int, int, float]]:
    """(race, driver, points) of the sprints of the races `counted` selects, in a series that runs sprints (F1)."""
    if series_key not in SPRINT_SERIES:
        return []
    return [tuple(row) for row in snapshot.fetchall(
        f"""SELECT x.race_id, x.driver_id, coalesce(x.points, 0) FROM sprint_results x
            JOIN races r ON r.id = x.race_id JOIN series s ON s.id = r.series_id WHERE {counted}""",
        params,
    )]


def _official_standings(snapshot: Snapshot, series_key: str, series_name: str, season: int) -> Standings:
    """The series' official tables (F1DB's), with each driver's season figures beside (read with the table, in one
    statement); the chart is computed from race and sprint points, since historic seasons dropped scores and the
    official total may be less."""
    drivers = snapshot.fetchall(
        """SELECT ds.position, d.shown_name, ds.points, ds.status_code, ds.driver_id, f.starts, f.wins, f.top5, f.top10
           FROM series s JOIN driver_standings ds ON ds.series_id = s.id AND ds.season = ?2
           JOIN drivers d ON d.id = ds.driver_id
           LEFT JOIN (SELECT x.driver_id, count(*) AS starts, sum(x.finish = 1) AS wins, sum(x.finish <= 5) AS top5,
                             sum(x.finish <= 10) AS top10
                      FROM series s JOIN races r ON r.series_id = s.id CROSS JOIN results x ON x.race_id = r.id
                      WHERE s.key = ?1 AND r.season = ?2 AND r.exhibition = 0 GROUP BY x.driver_id) f
                ON f.driver_id = ds.driver_id
           WHERE s.key = ?1 ORDER BY ds.position IS NULL, ds.position, d.shown_name""",
        (series_key, season),
    )
    if not any(starts is not None for *_, starts, _, _, _ in drivers) and not snapshot.fetchone(
        "SELECT 1 FROM races r JOIN series s ON s.id = r.series_id WHERE s.key = ? AND r.season = ? AND r.exhibition = 0 "
        "AND EXISTS (SELECT 1 FROM results x WHERE x.race_id = r.id)",
        (series_key, season),
    ):
        raise NoData(f"No {series_name} results for {season} in the data.")
    if not drivers:
        raise NoData(f"The data has no official {series_name} table for {season}.")
    leader = drivers[0][2]
    rows = [
        StandingRow(position, name, points, starts or 0, wins or 0, top5 or 0, top10 or 0, None, leader - points, status_code)
        for position, name, points, status_code, _, starts, wins, top5, top10 in drivers
    ]
    teams = [
        TeamStandingRow(*row) for row in snapshot.fetchall(
            """SELECT ts.position, t.name, ts.make, ts.points, ts.status_code
               FROM team_standings ts JOIN teams t ON t.id = ts.team_id JOIN series s ON s.id = ts.series_id
               WHERE s.key = ? AND ts.season = ? ORDER BY ts.position IS NULL, ts.position, t.name""",
            (series_key, season),
        )
    ]
    top = {row[4]: row[1] for row in drivers[:PROGRESSION_DRIVERS]}
    race_ids = [race_id for (race_id,) in snapshot.fetchall(
        """SELECT r.id FROM races r JOIN series s ON s.id = r.series_id
           WHERE s.key = ? AND r.season = ? AND r.exhibition = 0 AND EXISTS (SELECT 1 FROM results y WHERE y.race_id = r.id)
           ORDER BY r.round, r.id""",
        (series_key, season),
    )]
    slot = {race_id: i for i, race_id in enumerate(race_ids)}
    per_race = {driver_id: [0.0] * len(race_ids) for driver_id in top}
    among = ",".join("?" * len(top))
    for race_id, driver_id, points in snapshot.fetchall(   # the season's races first (CROSS JOIN keeps that order): half
        # the cost of walking each driver's whole career in results_by_driver, as the planner otherwise chooses
        f"""SELECT x.race_id, x.driver_id, coalesce(x.points, 0) FROM series s JOIN races r ON r.series_id = s.id
            CROSS JOIN results x ON x.race_id = r.id WHERE s.key = ? AND r.season = ? AND x.driver_id IN ({among})
            UNION ALL
            SELECT x.race_id, x.driver_id, coalesce(x.points, 0) FROM series s JOIN races r ON r.series_id = s.id
            CROSS JOIN sprint_results x ON x.race_id = r.id WHERE s.key = ? AND r.season = ? AND x.driver_id IN ({among})""",
        (series_key, season, *top, series_key, season, *top),
    ):
        if race_id in slot:
            per_race[driver_id][slot[race_id]] += points
    races_counted = len(race_ids)
    progression = {name: list(accumulate(per_race[driver_id])) for driver_id, name in top.items()}
    note = f"The official {series_name} tables."
    chart_note = ("Chart computed from race results (race and sprint points): "
                  "seasons that dropped scores end above the official total.")
    return Standings(series_key, series_name, season, races_counted, rows, progression, note, True, teams, chart_note)


async def h2h(
    store: Reads, driver1: str, driver2: str | None = None, series: str | None = None, track: str | None = None,
    year: int | None = None,
) -> HeadToHead:
    """Two drivers in the races both started: who finished ahead, wins, average finish; with a track (or `hamlin
    logano at martinsville`), in the races both started there; with a year, in that season's.

    Without `driver2`, `driver1` holds both names (`kyle busch kyle larson`).
    """
    names = await store.names()
    series_key = names.series_key(series) if series else None
    if track is None and driver2 is not None:
        driver2, track = _split_at(driver2)
    elif track is None:
        driver1, track = _split_at(driver1)
    if driver2 is None and track is None and _pairs_read(names, driver1) is None and (split := names.split_place(driver1)):
        driver1, track = split   # `hamlin logano martinsville`: two drivers, then a place
    if driver2 is None:
        pairs, typed_series = names.driver_pairs(driver1)
        if len(pairs) > 1:   # a surname several winners share: the pairs that raced each other (that season), most first
            likeliest = pairs[:MAX_PAIRS_WEIGHED]
            met = await store.read(_pairs_that_met, likeliest, typed_series or series_key, check_year(year))
            if not met and year is not None:   # no pair met that season: the pair meant all time (who then never met)
                met = await store.read(_pairs_that_met, likeliest, typed_series or series_key)
            if len(met) > 1 and met[0][1] >= PAIR_CLEAR_LEAD * met[1][1]:
                met = met[:1]
            if len(met) != 1:
                weighed = [pair for pair, _ in met]
                raise ambiguous_pairs(driver1, weighed + [pair for pair in pairs if pair not in weighed])
            pairs = [met[0][0]]
        (a, b), = pairs
    else:
        a, b, typed_series = await _named_pair(store, driver1, driver2, series_key, check_year(year))
    series_key = typed_series or series_key
    if a.id == b.id:
        raise BadOption(f"Pick two different drivers (both names matched {a.name}).")
    place = names.place(track, year=check_year(year), series=series_key) if track is not None else None
    return await store.read(_read_h2h, names, a, b, series_key or (place.series if place else None), place, year)


async def _named_pair(
    store: Reads, driver1: str, driver2: str, series_key: str | None, year: int | None,
) -> tuple[DriverInfo, DriverInfo, str | None]:
    """Two drivers named apart, and the series typed with either. A name several drivers share means the one who raced
    the other, as a surname does in one name (`/h2h "jim clark" "graham hill"`: the F1 champion, never the NASCAR Jim
    Clark of 1952–54); when no reading or several met, the question is asked."""
    readings: list[list[DriverInfo]] = []
    typed: list[str | None] = []
    ambiguous: AmbiguousName | None = None
    for text in (driver1, driver2):
        try:
            who = await find_driver(store, text)
        except AmbiguousName as error:
            if not error.keys:
                raise
            names = await store.names()
            ambiguous = ambiguous or error
            readings.append([names.drivers[key] for key in error.keys])
            typed.append(error.series)
        else:
            readings.append([who.driver])
            typed.append(who.series)
    typed_series = typed[0] or typed[1]
    if ambiguous is None:
        return readings[0][0], readings[1][0], typed_series
    pairs = [(a, b) for a in readings[0] for b in readings[1] if a.id != b.id][:MAX_PAIRS_WEIGHED]
    met = await store.read(_pairs_that_met, pairs, typed_series or series_key, year)
    if len(met) > 1 and met[0][1] >= PAIR_CLEAR_LEAD * met[1][1]:
        met = met[:1]
    if len(met) != 1:
        raise ambiguous
    (a, b), _ = met[0]
    return a, b, typed_series


def _pairs_that_met(
    snapshot: Snapshot, pairs: list[tuple[DriverInfo, DriverInfo]], series_key: str | None, year: int | None = None,
) -> list[tuple[tuple[DriverInfo, DriverInfo], int]]:
    """The pairs whose drivers started a race together (in the series and the season, if given), with the races they
    started together, most first."""
    marks = ", ".join("(?, ?, ?)" for _ in pairs)
    together = snapshot.fetchall(
        f"""WITH pair(i, a, b) AS (VALUES {marks})
            SELECT i, (SELECT count(*) FROM results xa JOIN results xb ON xb.race_id = xa.race_id AND xb.driver_id = pair.b
                       JOIN races r ON r.id = xa.race_id JOIN series s ON s.id = r.series_id
                       WHERE xa.driver_id = pair.a AND r.exhibition = 0 AND (? IS NULL OR s.key = ?)
                       AND (? IS NULL OR r.season = ?)) AS races
            FROM pair""",
        (*(value for i, (a, b) in enumerate(pairs) for value in (i, a.id, b.id)), series_key, series_key, year, year),
    )
    return [(pairs[i], races) for i, races in sorted(together, key=lambda row: -row[1]) if races]


def _read_h2h(
    snapshot: Snapshot, names: NameIndex, a: DriverInfo, b: DriverInfo, series_key: str | None, place: Place | None = None,
    year: int | None = None,
) -> HeadToHead:
    """The races both started (at the place, if any), read once (a materialized CTE) for both the totals (the first row)
    and, in families where team-mates are compared (F1's two-car teams), each team they shared (the rows after it)."""
    families = ",".join("?" * len(TEAM_MATE_FAMILIES))
    at, at_params = _races_of(place)
    counted = "1" if _named_race(place) else "r.exhibition = 0"   # a named race: as asked
    # The family is tested before the teams: the index rows of xa and xb hold no team, so outside those families
    # SQLite never reads the results' table rows (teams first made a NASCAR /h2h's statement ~1.7× as costly).
    totals, *shared_teams = snapshot.fetchall(
        f"""WITH shared AS MATERIALIZED (
               SELECT xa.race_id, xa.finish AS fa, xb.finish AS fb, xa.laps_led AS la, xb.laps_led AS lb, r.season,
                      CASE WHEN xb.rating IS NOT NULL THEN xa.rating END AS ra,
                      CASE WHEN xa.rating IS NOT NULL THEN xb.rating END AS rb,
                      CASE WHEN s.family IN ({families}) AND xa.team_id = xb.team_id THEN xa.team_id END AS mates_team
               FROM results xa JOIN results xb ON xb.race_id = xa.race_id AND xb.driver_id = ?
               JOIN races r ON r.id = xa.race_id JOIN series s ON s.id = r.series_id
               WHERE xa.driver_id = ? AND {counted} AND (? IS NULL OR s.key = ?) AND (? IS NULL OR r.season = ?) AND {at}
           )
           SELECT 0, count(*), sum(fa < fb), sum(fb < fa), sum(fa = 1), sum(fb = 1), sum(fa), sum(fb),
                  CASE WHEN count(la) = count(*) THEN sum(la) END, CASE WHEN count(lb) = count(*) THEN sum(lb) END,
                  (SELECT group_concat(race_id) FROM shared WHERE season = (SELECT max(season) FROM shared)), NULL,
                  avg(ra), avg(rb), count(ra)
           FROM shared
           UNION ALL
           SELECT 1, count(*), sum(fa < fb), sum(fb < fa), NULL, NULL, NULL, NULL, NULL, NULL, tm.name, min(season),
                  NULL, NULL, NULL
           FROM shared JOIN teams tm ON tm.id = shared.mates_team GROUP BY tm.id
           ORDER BY 1""",
        (*TEAM_MATE_FAMILIES, b.id, a.id, series_key, series_key, year, year, *at_params),
    )
    (_, races, a_ahead, b_ahead, a_wins, b_wins, a_finishes, b_finishes, a_led, b_led, last_season_races, _,
     a_rating, b_rating, rated) = totals
    a_name, b_name = told_apart(a, b)
    if not races:
        where = f" in the {names.series[series_key].name}" if series_key else ""
        there = f" at {place.label}" if place else ""
        when = f" in {year}" if year else ""
        raise NoData(f"{a_name} and {b_name} never started the same race{there}{where}{when}.")
    race_ids = tuple(int(race_id) for race_id in last_season_races.split(","))
    latest = read_race_keys(snapshot, f"r.id IN ({','.join('?' * len(race_ids))})", race_ids)   # only named: keys suffice
    # One last meeting when start times order the season; else the data cannot tell which series met last.
    meetings = latest[:1] if all(race.starts_at for race in latest) else first_of_each_series(latest)
    return HeadToHead(
        series=series_key,
        races=races,
        first=HeadToHeadSide(a_name, a_ahead, a_wins, a_finishes / races, a_led, a_rating),
        second=HeadToHeadSide(b_name, b_ahead, b_wins, b_finishes / races, b_led, b_rating),
        latest_meetings=[race.ref for race in meetings],
        team_mates=_team_mates(shared_teams),
        rated=rated,
        year=year,
        place=_venue_label(snapshot, place, a, b) if place and place.venue else place.label if place else None,
    )


def _venue_label(snapshot: Snapshot, place: Place, a: DriverInfo, b: DriverInfo) -> str:
    """A venue (`las vegas`) named by the tracks of it where both drivers started a race together."""
    at, at_params = _races_of(place)
    tracks = [name for (name,) in snapshot.fetchall(
        f"""SELECT t.name FROM results xa JOIN results xb ON xb.race_id = xa.race_id AND xb.driver_id = ?
            JOIN races r ON r.id = xa.race_id JOIN tracks t ON t.id = r.track_id
            WHERE xa.driver_id = ? AND {at} GROUP BY t.id ORDER BY min(r.season), t.name""",
        (b.id, a.id, *at_params),
    )]
    return tracks_label(tracks) if tracks else place.label


def _team_mates(shared_teams: list[Any]) -> TeamMates | None:
    """Two drivers' races for the same team, from `_read_h2h`'s team rows; the teams first shared season first."""
    if not shared_teams:
        return None
    teams = sorted(shared_teams, key=lambda row: (row[11], row[10]))
    return TeamMates(
        races=sum(row[1] for row in teams), first_ahead=sum(row[2] for row in teams),
        second_ahead=sum(row[3] for row in teams), teams=[row[10] for row in teams],
    )


def utc_now() -> datetime:
    return datetime.now(UTC)


def _state(race: RaceSummary, now: datetime, next_ids: set[int]) -> str:
    if race.status != "scheduled":
        return "done"
    if race.starts_at and race.starts_at <= now < race.starts_at + RACE_WINDOW:
        return "now"
    if race.starts_at and race.starts_at + RACE_WINDOW <= now:
        return "unreported"     # run, by the calendar, but its results are not in the store (yet)
    return "next" if race.id in next_ids else "later"


NEXT_FILLER = frozenset({"race", "races", "one", "event", "weekend"})   # `/next race`: words that name no place


async def next_races(
    store: Reads, series: str | None = None, now: datetime | None = None, track: str | None = None
) -> NextRaces:
    """Races under way now, and the next race of each series (or of the one asked for); with a track, at that track
    (a series' name typed as the track is that series: `/next cup`).

    The races still to run (with their sessions) are reference data, read once per change of the database;
    picking those under way and the next of each series at `now` is done here on the loop.
    """
    names = await store.names()
    series_key = names.series_key(series) if series else None
    place = None
    words = normalize(track or "").split()
    if words and words[-1] in NEXT_FILLER:   # `/next race`, `/next cup race`: the next race, of the series if named
        track = " ".join(words[:-1]) or None
    if track is not None and normalize(track) in ("grand prix", "gp"):   # `/next grand prix`: F1's next
        track = "f1"
    if track is not None and (named := names.series_named(track)):
        series_key = series_key or named
    elif track is not None:
        place = names.place(track, series=series_key)
        series_key = series_key or place.series
    series_keys = [series_key] if series_key else list(names.series)
    now = now or utc_now()
    to_run, sessions, broadcasters = await store.read_remembered(read_races_to_run)
    if place is not None:
        at = {info.name for info in names.tracks_of(place)}
        to_run = tuple((starts_at, race) for starts_at, race in to_run if race.track in at)
    racing = [race for starts_at, race in to_run if now - RACE_WINDOW < starts_at <= now]
    if series_key:
        racing = [race for race in racing if race.series == series_key]
    following = set()
    for key in series_keys:
        race = next((race for starts_at, race in to_run if race.series == key and starts_at > now), None)
        if race is not None:
            following.add(race.id)
    upcoming = [race for _, race in to_run if race.id in following]   # in start order, as the races to run are
    if place is not None and not racing and not upcoming:
        which = f"{names.series[series_key].short_name} " if series_key else ""
        raced = names.series_at(place)   # whose calendar would hold it: the series that raced there
        source = series_key or (next(iter(raced)) if len(raced) == 1 else None)
        raise NoData(f"No upcoming {which}race at {place.label} in the data. {_schedule_source(source)}")
    if not racing and not upcoming:
        latest = await store.scalar(
            "SELECT max(r.season) FROM races r JOIN series s ON s.id = r.series_id "
            "WHERE r.starts_at IS NOT NULL AND (?1 IS NULL OR s.key = ?1)", (series_key,))
        which = f"{names.series[series_key].short_name} " if series_key else ""
        if latest is None:
            raise NoData(f"No dated {which}races in the data yet. {_schedule_source(series_key)}")
        raise NoData(f"No upcoming {which}races in the data: the latest {which}schedule it has is {latest}'s, "
                     f"and it has ended. {_schedule_source(series_key)}")
    shown = following | {race.id for race in racing}
    return NextRaces(series_key, racing, upcoming, now,
                     {race_id: list(found) for race_id, found in sessions.items() if race_id in shown},
                     {race_id: on for race_id, on in broadcasters.items() if race_id in shown},
                     place.label if place else None)


def read_races_to_run(snapshot: Snapshot) -> tuple[
    tuple[tuple[datetime, RaceSummary], ...], dict[int, tuple[Session, ...]], dict[int, Broadcasters]
]:
    """Every dated race not run yet with its start, in start order; each one's weekend sessions, and who carries
    it where the race list names them."""
    races = read_races(snapshot, "r.status = 'scheduled' AND r.starts_at IS NOT NULL", (), order="r.starts_at, s.id, r.id")
    ids = [race.id for race in races]
    sessions = read_sessions(snapshot, ids)
    broadcasters = {
        race_id: Broadcasters(tv, radio, satellite) for race_id, tv, radio, satellite in snapshot.fetchall(
            "SELECT id, tv_broadcaster, radio_broadcaster, satellite_broadcaster FROM races "   # by id: not a scan of races
            f"WHERE id IN ({','.join('?' * len(ids))}) "
            "AND coalesce(tv_broadcaster, radio_broadcaster, satellite_broadcaster) IS NOT NULL",
            tuple(ids),
        )
    }
    return tuple((race.starts_at, race) for race in races if race.starts_at), {
        race_id: tuple(found) for race_id, found in sessions.items()}, broadcasters


def read_sessions(snapshot: Snapshot, race_ids: list[int]) -> dict[int, list[Session]]:
    """Each race's weekend sessions in start order (series whose calendar has them: F1)."""
    sessions: dict[int, list[Session]] = defaultdict(list)
    for race_id, session, starts_at, date_only in snapshot.fetchall(
        f"SELECT race_id, session, starts_at, date_only FROM race_sessions WHERE race_id IN ({','.join('?' * len(race_ids))}) "
        "ORDER BY race_id, starts_at, id",
        tuple(race_ids),
    ):
        sessions[race_id].append(Session(session, datetime.fromisoformat(starts_at), bool(date_only)))
    return dict(sessions)


async def schedule(store: Reads, series: str | None = None, season: int | None = None, now: datetime | None = None) -> Schedule:
    """A season's dated races in start order, each marked done / now / next / later.

    Without a season, the current one (of the next race, or of the latest dated races); a series the data holds no
    race of that season for yet (the bundled NASCAR history ends before F1DB's calendar) shows its latest season
    instead, and says so (`note`)."""
    names = await store.names()
    series_key = names.series_key(series) if series else None
    check_year(season)
    now = now or utc_now()
    note = None
    if season is None:
        season = await store.read(_read_schedule_season, now)
        latest = await store.read(_latest_season, series_key, season) if series_key is not None else None
        if series_key is not None and latest is not None and latest < season:
            note = (f"No {SERIES[series_key].short_name} races for {season} in the data yet: this is {latest}, the latest "
                    f"season it holds. {_schedule_source(series_key)}")
            season = latest
    races, sessions = await store.read_remembered(read_season_schedule, series_key, season)
    following: dict[str, int] = {}   # each series' first race still to start, in one pass over the start order
    for race in races:
        if race.status == "scheduled" and race.starts_at and race.starts_at > now and race.series not in following:
            following[race.series] = race.id
    next_ids = set(following.values())
    return Schedule(series_key, season, [ScheduledRace(race, _state(race, now, next_ids)) for race in races], now, sessions,
                    note)


def _latest_season(snapshot: Snapshot, series_key: str | None, until: int | None = None) -> int | None:
    """The latest season (up to `until`) the data holds a race of the series in (of any series: None)."""
    return snapshot.scalar(
        "SELECT max(r.season) FROM races r JOIN series s ON s.id = r.series_id WHERE (?1 IS NULL OR s.key = ?1) "
        "AND (?2 IS NULL OR r.season <= ?2)", (series_key, until))


def _read_schedule_season(snapshot: Snapshot, now: datetime) -> int:
    """The season of the next race (or of one under way), else the latest with dated races."""
    season = snapshot.scalar(
        "SELECT season FROM races WHERE starts_at > ? ORDER BY starts_at LIMIT 1", ((now - RACE_WINDOW).isoformat(),)
    ) or snapshot.scalar("SELECT max(season) FROM races WHERE starts_at IS NOT NULL")
    if season is None:
        raise NoData(NO_SCHEDULE)
    return season


def read_season_schedule(
    snapshot: Snapshot, series_key: str | None, season: int
) -> tuple[tuple[RaceSummary, ...], dict[int, list[Session]]]:
    """A season's dated races in start order (of one series, or all), and their weekends' sessions. A series the data
    has no dates for that season (the bundled NASCAR history holds rounds) follows with its races by round: what was
    run, and who won."""
    # A series filter only when one is given: `? IS NULL OR s.key = ?` keeps the planner off the (series, season) index.
    where = ("r.season = ? AND (r.starts_at IS NOT NULL OR NOT EXISTS (SELECT 1 FROM races o WHERE o.series_id = "
             "r.series_id AND o.season = r.season AND o.starts_at IS NOT NULL))")
    params: tuple[object, ...] = (season,)
    if series_key is not None:
        where, params = f"{where} AND r.series_id = (SELECT id FROM series WHERE key = ?)", (season, series_key)
    races = tuple(read_races(
        snapshot, where, params, order="r.starts_at IS NULL, r.starts_at, s.id, r.round IS NULL, r.round, r.id"))
    if not races:
        which = f"{SERIES[series_key].short_name} " if series_key else ""
        latest = _latest_season(snapshot, series_key)
        if latest is not None and latest < season:   # a season to come: the latest there is, and how to ask for it
            ask = " ".join(part for part in ("/schedule", series_key, str(latest)) if part)
            raise NoData(f"No {which}races for {season} in the data yet; the latest is {latest}: `{ask}`. "
                         f"{_schedule_source(series_key)}")
        raise NoData(f"No {which}races for {season} in the data. {_schedule_source(series_key)}")
    return races, read_sessions(snapshot, [race.id for race in races])


# The team whose car took the pole of race `y.race_id` (F1: qualifying P1; else the car that started first).
TEAM_POLE = """coalesce(
    (SELECT q.team_id FROM qualifying_results q WHERE q.race_id = y.race_id AND q.position = 1 LIMIT 1),
    (SELECT p.team_id FROM results p WHERE p.race_id = y.race_id AND p.start = 1 LIMIT 1))"""


async def team(
    store: Reads, name: str, series: str | None = None, year: int | None = None, track: str | None = None
) -> TeamRecord:
    """A team's record per series (F1: a constructor's): starts, wins, podiums, poles, titles, first and latest win,
    the drivers who won for it; with a year, that season's figures too; with a track (or `hendrick at martinsville`),
    its record there."""
    names = await store.names()
    series_key = names.series_key(series) if series else None
    if track is None:
        name, track = _split_at(name)
    try:
        found = names.team(name, series_key)
    except UnknownName:
        split = names.split_place(name) if track is None else None   # `hendrick martinsville`: a team, then a place
        if split is None:
            raise
        (name, track), found = split, names.team(split[0], series_key)
    except AmbiguousName as error:   # `penske cup 2024`: the one of them that raced that season
        key = await narrowed_to_season(store, error, "team", check_year(year), series_key)
        found = Team(names.teams[key], (), error.series)
    also = tuple(other.name for other in found.also)
    series_key = found.series or series_key
    place = names.place(track, year=year, series=series_key) if track is not None else None
    return await store.read(_read_team, names, found.team.id, series_key or (place.series if place else None),
                            check_year(year), also, place)


def _read_team(
    snapshot: Snapshot, names: NameIndex, team_id: int, series_key: str | None, year: int | None, also: tuple[str, ...],
    place: Place | None = None,
) -> TeamRecord:
    """Points races only (at the place, if any). Starts: races with a car of the team's in the classification;
    podiums: podium places, so a one-two counts twice (shared cars of the 1950s once); poles as `POLE_OF_RACE` says,
    with the pole car's team."""
    info = names.teams[team_id]
    at = _place_sql(place)
    season_rows = snapshot.fetchall(   # each race the team started first (one pole lookup a race), then each season
        f"""SELECT s.key, s.name, r.season, count(*) AS starts, sum(x.won) AS wins, sum(x.podiums) AS podiums,
                   sum(x.pole) AS poles
            FROM (SELECT y.race_id, max(y.finish = 1) AS won,
                         count(DISTINCT CASE WHEN y.finish <= 3 THEN y.finish END) AS podiums, {TEAM_POLE} IS ?1 AS pole
                  FROM results y WHERE y.team_id = ?1 GROUP BY y.race_id) x
            JOIN races r ON r.id = x.race_id JOIN series s ON s.id = r.series_id
            WHERE r.exhibition = 0 AND (?2 IS NULL OR s.key = ?2) AND {at}
            GROUP BY r.series_id, r.season ORDER BY s.id, r.season""",
        (team_id, series_key),
    )
    if not season_rows:
        where = f" in the {names.series[series_key].name}" if series_key else ""
        there = f" at {place.label}" if place else ""
        raise NoData(f"{info.name} has no starts{there}{where} in the data.")
    if year is not None and not any(row[2] == year for row in season_rows):
        raced = sorted({row[2] for row in season_rows})
        raise NoData(f"{info.name} did not race in {year}. It raced in {seasons_span(raced)}.")
    wins: dict[str, list[RaceRef]] = defaultdict(list)
    winners: dict[str, list[str]] = defaultdict(list)
    for key, season, round_, track, race_name, driver in snapshot.fetchall(
        f"""SELECT s.key, r.season, r.round, t.name, r.name,
                  (SELECT group_concat(d.shown_name, ' / ') FROM results w JOIN drivers d ON d.id = w.driver_id
                   WHERE w.race_id = r.id AND w.finish = 1 AND w.team_id = ?1)
           FROM races r JOIN series s ON s.id = r.series_id JOIN tracks t ON t.id = r.track_id
           WHERE r.exhibition = 0 AND r.id IN (SELECT race_id FROM results WHERE team_id = ?1 AND finish = 1)
             AND (?2 IS NULL OR s.key = ?2) AND {at}
           ORDER BY r.season, r.round IS NULL, r.round, r.starts_at""",
        (team_id, series_key),
    ):
        wins[key].append(RaceRef(key, season, round_, track, race_name))
        winners[key].extend(driver.split(" / "))
    official = {   # a constructor ranked once per engine (1950s–1980s) shows its best place, with its points
        (key, season): (position, points) for key, season, position, points in snapshot.fetchall(
            """SELECT s.key, ts.season, min(ts.position), max(ts.points)
               FROM team_standings ts JOIN series s ON s.id = ts.series_id
               WHERE ts.team_id = ? GROUP BY ts.series_id, ts.season""",
            (team_id,),
        )
    }
    titles: dict[str, int] = {key: count for key, count in snapshot.fetchall(
        """SELECT s.key, count(DISTINCT ts.season) FROM team_standings ts JOIN series s ON s.id = ts.series_id
           WHERE ts.team_id = ? AND ts.position = 1
             AND NOT EXISTS (SELECT 1 FROM races u WHERE u.series_id = s.id AND u.season = ts.season AND u.status = 'scheduled')
           GROUP BY s.key""",
        (team_id,),
    )}
    records = {}
    for key, group in groupby(season_rows, key=itemgetter(0)):   # rows come series by series
        rows = list(group)
        series_wins = wins.get(key, [])
        shown = [row for row in rows if row[2] == year]
        records[key] = TeamSeriesRecord(
            series=key, series_name=rows[0][1], starts=sum(row[3] for row in rows), wins=sum(row[4] for row in rows),
            podiums=sum(row[5] for row in rows), poles=sum(row[6] for row in rows),
            first_season=rows[0][2], last_season=rows[-1][2],
            first_win=series_wins[0] if series_wins else None, latest_win=series_wins[-1] if series_wins else None,
            titles=titles.get(key, 0) if SERIES[key].official_standings and place is None else None,   # won over seasons
            top_drivers=[Tally(driver, count) for driver, count in Counter(winners.get(key, [])).most_common(TOP_TALLIES)],
            seasons=[_team_season(snapshot, team_id, key, row, official.get((key, row[2])) if place is None else None)
                     for row in shown],
        )
    return TeamRecord(info.name, info.full_name, year, records, also, place.label if place else None)


def _team_season(
    snapshot: Snapshot, team_id: int, series_key: str, row: Any, official: tuple[int | None, float] | None
) -> TeamSeason:
    """One season's line, with the drivers who raced for the team (most starts first) and its official place."""
    drivers = [name for (name,) in snapshot.fetchall(
        """SELECT d.shown_name FROM results x JOIN drivers d ON d.id = x.driver_id JOIN races r ON r.id = x.race_id
           WHERE x.team_id = ? AND x.race_id IN (SELECT u.id FROM races u JOIN series s ON s.id = u.series_id
                                                 WHERE s.key = ? AND u.season = ? AND u.exhibition = 0)
           GROUP BY x.driver_id ORDER BY count(*) DESC, min(r.round), d.shown_name""",
        (team_id, series_key, row[2]),
    )]
    position, points = official if official else (None, None)
    return TeamSeason(row[2], row[3], row[4], row[5], row[6], tuple(drivers), position, points)


def seasons_span(seasons: list[int]) -> str:
    """`1950–2026` for a run of seasons, `1974` for one."""
    return f"{seasons[0]}–{seasons[-1]}" if seasons[-1] != seasons[0] else str(seasons[0])


# --------------------------------------------------------------------------- /leaders


class LeaderStat(Record):
    """A figure /leaders ranks drivers by: how a heading and a table name it, and how the results count it."""

    key: str
    label: str                  # most <label>: wins, poles, top-5 finishes
    column: str                 # the table's header
    per_result: str             # SQL aggregate over results x (and races r), per driver
    words: tuple[str, ...]      # what fans type for it (normalized), beside the key and the label
    results: str = ""           # SQL condition on the results counted (an average: those that have the figure)


LEADER_STATS = {stat.key: stat for stat in (
    LeaderStat("wins", "wins", "Wins", "count(DISTINCT CASE WHEN x.finish = 1 THEN x.race_id END)",
               ("win", "victories", "race wins")),
    LeaderStat("poles", "poles", "Poles", "sum(x.start = 1)", ("pole", "pole positions")),
    LeaderStat("podiums", "podiums", "Podiums", "sum(x.finish <= 3)", ("podium", "top 3", "top3", "top threes")),
    LeaderStat("top5", "top-5 finishes", "Top 5", "sum(x.finish <= 5)", ("top 5", "top 5s", "top fives", "top5s")),
    LeaderStat("top10", "top-10 finishes", "Top 10", "sum(x.finish <= 10)", ("top 10", "top 10s", "top tens", "top10s")),
    LeaderStat("starts", "starts", "Starts", "count(DISTINCT x.race_id)", ("start", "races", "appearances")),
    LeaderStat("laps_led", "laps led", "Led", "sum(x.laps_led)", ("led", "laps", "laps leading")),
    LeaderStat("dnfs", "DNFs", "DNF", DNFS,   # as /driver counts them
               ("dnf", "did not finish", "retirements", "failures to finish")),
    # Titles come from the official tables alone (F1's, `_read_leaders`); a series without them has none to count.
    LeaderStat("titles", "titles", "Titles", "0", ("title", "championships", "championship", "champions", "champion")),
    # An average, not a count: ranked among drivers with enough rated starts (`_rated_starts_needed`).
    LeaderStat("rating", "driver rating", "Rating", "avg(x.rating)",
               ("rating", "ratings", "driver ratings", "average rating", "avg rating", "average driver rating", "best rating",
                "best driver rating", "best average driver rating", "highest rating", "highest driver rating",
                "top rated", "top rated drivers", "best rated", "best rated drivers", "dr"), "AND x.rating IS NOT NULL"),
)}
RATED_STARTS_CAP = 100      # /leaders rating: at least half the rated races counted, and never more than this many
# Words that only frame the question: `/leaders most wins all time`.
LEADER_FILLER = frozenset({"most", "all", "time", "alltime", "career", "ever", "the", "in", "of", "leaders", "by"})
LEADER_ROWS = 10            # the top ten, and those tied with the tenth…
LEADER_ROWS_WITH_TIES = 20  # …up to this many rows: a longer tie is cut, and the rest counted (`…and 7 more tied on 29.`)


def leader_stat(text: str | None) -> LeaderStat:
    """The figure typed (`wins`, `top 5s`, `most laps led`); nothing typed: wins."""
    words = [word for word in normalize(text or "").split() if word not in LEADER_FILLER]
    typed = " ".join(words)
    if not typed:
        return LEADER_STATS["wins"]
    for stat in LEADER_STATS.values():
        if typed in (stat.key, stat.label, normalize(stat.label), *stat.words):
            return stat
    known = {spelling: stat.label for stat in LEADER_STATS.values() for spelling in (stat.key, stat.label, *stat.words)}
    close = process.extract(typed, list(known), scorer=fuzz.ratio, limit=5, score_cutoff=50)
    raise UnknownName("figure to rank by", text or "", list(dict.fromkeys(known[hit] for hit, _, _ in close))
                      or [stat.label for stat in LEADER_STATS.values()])


async def leaders(store: Reads, stat: str | None = None, series: str | None = None, season: int | None = None) -> Leaders:
    """The drivers with the most wins (poles, podiums, top 5s, top 10s, starts, laps led, titles) in a series, all time
    or in one season. A series may be typed among the figure's words (`/leaders cup wins`)."""
    names = await store.names()
    rest, typed_series = names.series_in(stat) if stat else ("", None)
    rest, at_words = _split_at(rest)   # `most laps led at bristol`: the board of one track
    since = None
    from_season = _SINCE.search(rest)   # `wins since 2020` (or `wins since`, the season given apart): those seasons
    if from_season is not None and (from_season.group(2) or season):
        since, season = int(from_season.group(2)) if from_season.group(2) else season, None
        rest = rest[:from_season.start()].strip()
    if typed_series is None and not series:   # the bot passes the server's default series when the member names none
        raise BadOption("Name a series: `/leaders cup`, `/leaders f1 poles`, `/leaders truck top 5s 2024`.")
    series_key = typed_series or names.series_key(series or "")
    try:
        chosen = leader_stat(rest)
    except UnknownName:
        split = names.split_place(rest) if at_words is None else None   # `most wins martinsville`: a figure, a place
        if split is None:
            raise
        (rest, at_words), chosen = split, leader_stat(split[0])
    check_year(season)
    check_year(since)
    place = names.place(at_words, year=season, series=series_key) if at_words else None
    if place is not None and chosen.key == "titles":
        raise BadOption(f"Titles are won over a season, not at a track: try `/leaders {series_key} titles`.")
    # All time, the figure is counted over every result of the series (~0.2 s for Cup's): remembered until the data changes.
    return await store.read_remembered(_read_leaders, chosen.key, series_key, names.series[series_key].name, season, place,
                                       since)


_SINCE = re.compile(r"(?:^| )(since|from)(?: (\d{4}))?$")   # `wins since 2020`, `wins since` (the season given apart)


def _seasons_sql(season: int | None, since: int | None, column: str = "r.season") -> str:
    """The condition of the seasons counted: one (`:season`), from one on (`:since`), or every one."""
    return f"AND {column} = :season" if season else f"AND {column} >= :since" if since else ""


def _seasons_words(season: int | None, since: int | None) -> str:
    """` in 2024`, ` since 2020`, or nothing: the seasons counted, as a message says them."""
    return f" in {season}" if season else f" since {since}" if since else ""


def _read_leaders(
    snapshot: Snapshot, stat_key: str, series_key: str, series_name: str, season: int | None, place: Place | None = None,
    since: int | None = None,
) -> Leaders:
    stat = LEADER_STATS[stat_key]
    official = SERIES[series_key].official_standings
    if stat.key == "titles" and not official:
        raise NoData(f"The data holds no {series_name} champions: its standings are computed from race results, "
                     f"without playoff resets or penalties (`/standings {series_key}` shows them).")
    in_season = f"{_seasons_sql(season, since)} AND {_place_sql(place)}"
    counted = {   # figures the series' own tables count (F1's): poles as qualifying P1, titles as official champions
        "poles": f"""SELECT q.driver_id, count(*) AS n FROM qualifying_results q JOIN races r ON r.id = q.race_id
                     WHERE q.position = 1 AND r.series_id = (SELECT id FROM s) AND r.exhibition = 0 {in_season}
                     GROUP BY q.driver_id""",
        "titles": f"""SELECT ds.driver_id, count(*) AS n FROM driver_standings ds
                      WHERE ds.series_id = (SELECT id FROM s) AND ds.position = 1 {_seasons_sql(season, since, "ds.season")}
                      AND NOT EXISTS (SELECT 1 FROM races u WHERE u.series_id = ds.series_id AND u.season = ds.season
                                      AND u.status = 'scheduled')
                      GROUP BY ds.driver_id""",
    }.get(stat.key) if official else None
    value = "coalesce(c.n, 0)" if counted else "f.value"
    needed, rated_seasons = (_rated_starts_needed(snapshot, series_key, series_name, season, place, since)
                             if stat.key == "rating" else (0, None))
    rows = snapshot.fetchall(   # the top ten and those tied with the tenth, each with how many share its figure
        f"""WITH s AS (SELECT id FROM series WHERE key = :series),
                 f AS (SELECT x.driver_id, {"0" if counted else stat.per_result} AS value, count(DISTINCT x.race_id) AS starts,
                              min(r.season) AS first_season, max(r.season) AS last_season
                       FROM s JOIN races r ON r.series_id = s.id CROSS JOIN results x ON x.race_id = r.id
                       WHERE r.exhibition = 0 {in_season} {stat.results} GROUP BY x.driver_id HAVING starts >= :needed)
                       {f", c AS ({counted})" if counted else ""}
            SELECT name, value, starts, first_season, last_season, rank, tied FROM (
                SELECT d.shown_name AS name, {value} AS value, f.starts, f.first_season, f.last_season,
                       rank() OVER (ORDER BY {value} DESC) AS rank, count(*) OVER (PARTITION BY {value}) AS tied
                FROM f JOIN drivers d ON d.id = f.driver_id {"LEFT JOIN c ON c.driver_id = f.driver_id" if counted else ""}
                WHERE {value} > 0)
            WHERE rank <= {LEADER_ROWS}
            ORDER BY rank, starts, name
            LIMIT {LEADER_ROWS_WITH_TIES}""",
        {"series": series_key, "season": season, "since": since, "needed": needed},
    )
    first_season, last_season, races, races_with_laps_led, last_unknown_laps_led, exhibitions = snapshot.fetchall(
        """SELECT min(CASE WHEN r.exhibition = 0 THEN r.season END), max(CASE WHEN r.exhibition = 0 THEN r.season END),
                  count(DISTINCT CASE WHEN r.exhibition = 0 THEN r.id END),
                  count(DISTINCT CASE WHEN r.exhibition = 0 AND x.laps_led IS NOT NULL THEN r.id END),
                  max(CASE WHEN r.exhibition = 0 AND x.laps_led IS NULL THEN r.season END),
                  count(DISTINCT CASE WHEN r.exhibition = 1 THEN r.id END)
           FROM races r JOIN series s ON s.id = r.series_id LEFT JOIN results x ON x.race_id = r.id AND x.finish = 1
           WHERE s.key = :series AND r.status != 'scheduled' """ + in_season,
        {"series": series_key, "season": season, "since": since},
    )[0]   # an aggregate without GROUP BY: always one row
    when = (f" at {place.label}" if place else "") + (_seasons_words(season, since) or " in the data")
    if not races:
        raise NoData(f"No {series_name} races{when}.")
    if not rows:
        raise NoData(f"No {series_name} driver has any {stat.label}{when}.")
    if rated_seasons:   # an average: the seasons it can come from
        first_season, last_season = rated_seasons
    lines = [LeaderLine(rank, name, count, starts, first, last) for name, count, starts, first, last, rank, _ in rows]
    last_value, tied = rows[-1][1], rows[-1][-1]
    more_tied = tied - sum(line.value == last_value for line in lines)
    note = " ".join(part for part in (
        _leaders_note(stat, official, races, races_with_laps_led, last_unknown_laps_led, last_season, needed),
        f"Exhibition races ({exhibitions:,}) are not counted." if exhibitions else "",
    ) if part)
    return Leaders(series_key, series_name, stat.key, stat.label, stat.column, season, first_season, last_season, lines,
                   more_tied, note, place.label if place else None)


def _rated_starts_needed(
    snapshot: Snapshot, series_key: str, series_name: str, season: int | None, place: Place | None, since: int | None = None,
) -> tuple[int, tuple[int, int]]:
    """The rated starts a driver needs to rank by average driver rating: half the races counted that have ratings
    (a part-timer's few good days do not top a season), at most RATED_STARTS_CAP (all time); and the first and last
    season of those races."""
    rated, first, last = snapshot.fetchall(   # an aggregate without GROUP BY: always one row
        f"""SELECT count(DISTINCT x.race_id), min(r.season), max(r.season) FROM races r JOIN series s ON s.id = r.series_id
            JOIN results x ON x.race_id = r.id
            WHERE s.key = :series AND r.exhibition = 0 AND x.rating IS NOT NULL
            {_seasons_sql(season, since)} AND {_place_sql(place)}""",
        {"series": series_key, "season": season, "since": since},
    )[0]
    if not rated:
        when = (f" at {place.label}" if place else "") + _seasons_words(season, since)
        raise NoData(f"The data holds no {series_name} driver ratings{when}: NASCAR's loop data has them, from 2005.")
    return min(RATED_STARTS_CAP, (rated + 1) // 2), (first, last)


def _leaders_note(
    stat: LeaderStat, official: bool, races: int, races_with_laps_led: int, last_unknown_laps_led: int | None,
    last_season: int, needed: int = 0,
) -> str:
    """What the figure counts, and what the data does not hold (nothing to say of a plain count over the results)."""
    if stat.key == "rating":
        return (f"Rating: NASCAR's driver rating (150 at most; the data has it from 2005), averaged over each driver's "
                f"starts that have one (the Starts column), among drivers with at least {needed} of them.")
    if stat.key == "poles":
        return ("Poles: qualifying P1, as the series counts them." if official else
                "Poles: the car that started first (a field set by the rulebook or by points, when qualifying was "
                "rained out, counts too).")
    if stat.key == "titles":
        return "Titles: the series' official champions; a season still running has none yet."
    if stat.key == "laps_led":
        if races_with_laps_led == races:
            return "Laps led: every race counted has them."
        known = f"{races_with_laps_led:,} of its {races:,} races" if races_with_laps_led else "none of its races"
        since = (f" (every race from {last_unknown_laps_led + 1} on)"
                 if last_unknown_laps_led is not None and last_unknown_laps_led < last_season else "")
        return f"Laps led: the data has them for {known}{since}; the others count none."
    return ""
