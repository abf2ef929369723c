"""Every table Pitboard shows, built once from the answer's dataclasses as a `Table` of plain cells.

Each string from the data is made `plain` here, once; the terminal, Discord and Reddit then pick the columns
they have room for and lay them out (bot/render/tables.py: `monospace`, `markdown`; embeds' code blocks).
"""

from __future__ import annotations

from collections.abc import Sequence
from operator import attrgetter

from bot.render.safe import plain
from bot.render.tables import Cell, Table
from bot.render.words import average, ordinal, seasons, series_short, unknown_dash
from db.models import (
    DriverAtTrack,
    DriverSeason,
    HeadToHead,
    Leaders,
    LoopLine,
    NonStarter,
    Qualifying,
    ResultLine,
    Stage,
    Standings,
)
from db.series import SERIES

RESULT_HEADERS = ("Pos", "St", "#", "Driver", "Team", "Make", "Laps", "Led", "Status", "Pts")
RESULT_RIGHT = (True, True, True, False, False, False, True, True, False, True)
STANDINGS_HEADERS = ("Pos", "Driver", "Pts", "Behind", "Starts", "Wins", "Top 5", "Top 10", "Led")
STANDINGS_RIGHT = (True, False, True, True, True, True, True, True, True)
OFFICIAL_HEADERS = ("Pos", "Driver", "Pts", "Behind", "Starts", "Wins", "Top 5", "Top 10")
_TIME, _GAP = attrgetter("time"), attrgetter("gap")


def labels(series: str | None) -> tuple[str, str]:
    """What a series calls a team and a make (`Constructor`, `Engine` in F1), from db/series.py."""
    known = SERIES.get(series or "")
    return (known.team_label, known.make_label) if known else ("Team", "Make")


def number(value: float | int | None) -> Cell:
    """Points as the source counts them: 25, 4.5 (a REAL that is whole shows as an integer)."""
    if value is None:
        return None
    return int(value) if float(value).is_integer() else f"{value:g}"


def timed(lines: Sequence[ResultLine]) -> bool:
    """A classification by time and gap (F1's), rather than by laps, led and status (NASCAR's)."""
    return any(map(_TIME, lines)) or any(map(_GAP, lines))


def classification(lines: Sequence[ResultLine], series: str | None) -> Table:
    """A timed classification (F1): position (or DNF / DSQ / NC), number, driver, constructor, grid, laps,
    the winner's time and the others' gaps, the retirement's reason, points."""
    team_label, _ = labels(series)
    return Table(
        ("Pos", "#", "Driver", team_label, "Grid", "Laps", "Time/Gap", "Status", "Pts"),
        [(line.status_code or line.finish, plain(line.car), plain(line.driver), plain(line.team),
          "PL" if line.start is None and line.laps else line.start, line.laps, plain(line.time if line.finish == 1 else line.gap),
          plain(line.status) if line.status_code else None, number(line.points))
         for line in lines],
        (False, True, False, False, True, True, True, False, True),
    )


QUALIFYING_SESSIONS = (("Q1", "q1"), ("Q2", "q2"), ("Q3", "q3"))


def qualifying(answer: Qualifying) -> Table:
    """A qualifying session with the time columns it has (Q1–Q3, or one best time; none for an order without times)
    or, for a starting lineup, the grid and where each car finished."""
    team_label, _ = labels(answer.race.series)
    lines = answer.lines
    if answer.lineup:
        return Table(("St", "#", "Driver", team_label, "Fin"),
                     [(line.position, plain(line.car_number), plain(line.driver), plain(line.team), line.finish)
                      for line in lines], (True, True, False, False, True))
    sessions = [(header, field) for header, field in QUALIFYING_SESSIONS if any(getattr(line, field) for line in lines)]
    if not sessions and any(line.time for line in lines):
        sessions = [("Time", "time")]
    return Table(
        ("Pos", "#", "Driver", team_label, *(header for header, _ in sessions)),
        [(line.position or line.status_code, plain(line.car_number), plain(line.driver), plain(line.team),
          *(plain(getattr(line, field)) or None for _, field in sessions))
         for line in lines],
        (True, True, False, False, *(True for _ in sessions)),
    )


def non_starters(entrants: Sequence[NonStarter], series: str | None) -> Table:
    """Entrants that did not start: DNS, DNQ, DNPQ, DNP, EX, with the reason when the source gives one."""
    team_label, _ = labels(series)
    return Table(("Status", "#", "Driver", team_label, "Reason"), [
        (plain(entrant.status_code), plain(entrant.car), plain(entrant.driver), plain(entrant.team), plain(entrant.reason))
        for entrant in entrants
    ], (False, True, False, False, False))


def results(lines: Sequence[ResultLine], laps_led_known: bool = True) -> Table:
    """The classification, one row per car. Unknown figures are empty cells (an unknown status a dash), and so is a
    zero laps led when the lap-leader data does not cover the race (`laps_led_known` false)."""
    return Table(RESULT_HEADERS, [
        (line.finish, line.start or None, plain(line.car), plain(line.driver), plain(line.team), plain(line.make), line.laps,
         line.led if laps_led_known else line.led or None, plain(line.status) or "–", line.points)
        for line in lines
    ], RESULT_RIGHT)


def stages(race_stages: Sequence[Stage]) -> Table:
    """Each stage's finishing order side by side: `Pos | Stage 1 (20 laps) | Stage 2 (20 laps)`."""
    headers = ("Pos", *(f"Stage {stage.number}" + (f" ({stage.laps} laps)" if stage.laps else "") for stage in race_stages))
    depth = max((len(stage.results) for stage in race_stages), default=0)
    rows: list[tuple[str | int | None, ...]] = []
    for index in range(depth):
        row: list[str | int | None] = [index + 1]
        for stage in race_stages:
            if index < len(stage.results):
                line = stage.results[index]
                row.append(f"{plain(line.driver)} (#{plain(line.car)})" if line.car else plain(line.driver))
            else:
                row.append(None)
        rows.append(tuple(row))
    return Table(headers, rows, (True,) + (False,) * len(race_stages))


def standings(answer: Standings) -> Table:
    """Points from race results, leader first; `Behind` is empty for the leader. No laps led column when the table is
    official or no row has a figure (F1's results); an official table has an excluded driver (`DSQ`) in place of a
    position."""
    if answer.official:
        return Table(OFFICIAL_HEADERS, [
            (row.position or row.status_code, plain(row.driver), number(row.points),
             number(-row.behind) if row.behind else None, row.starts, row.wins, row.top5, row.top10)
            for row in answer.rows
        ], (True, False, True, True, True, True, True, True))
    table = Table(STANDINGS_HEADERS, [
        (row.position, plain(row.driver), number(row.points), number(-row.behind) if row.behind else None, row.starts,
         row.wins, row.top5, row.top10, row.laps_led)
        for row in answer.rows
    ], STANDINGS_RIGHT)
    return table if any(row.laps_led is not None for row in answer.rows) else table.columns(*OFFICIAL_HEADERS)


def leaders(answer: Leaders) -> Table:
    """A leaderboard: rank (shared by ties), driver, the figure, and the starts and seasons it came from (the starts
    once when they are the figure; no seasons for one season's board)."""
    starts = answer.stat != "starts"
    span = answer.season is None
    return Table(
        ("Pos", "Driver", answer.stat_column, *(("Starts",) if starts else ()), *(("Seasons",) if span else ())),
        [(row.rank, plain(row.driver), leader_value(row.value), *((row.starts,) if starts else ()),
          *((f"{row.first_season}–{row.last_season}" if row.last_season != row.first_season else str(row.first_season),)
            if span else ()))
         for row in answer.rows],
        (True, False, True, *((True,) if starts else ()), *((False,) if span else ())),
    )


def leader_value(value: int | float) -> Cell:
    """A leaderboard's figure: a count as it is, an average (driver rating) to one decimal."""
    return value if isinstance(value, int) else f"{value:.1f}"


def team_standings(answer: Standings) -> Table:
    """The official teams' (constructors') table."""
    team_label, make_label = labels(answer.series)
    return Table(("Pos", team_label, make_label, "Pts"), [
        (row.position or row.status_code, plain(row.team), plain(row.make), number(row.points)) for row in answer.team_rows
    ], (True, False, False, True))


def h2h(answer: HeadToHead) -> Table:
    """The two drivers' figures in the races both started, one row per figure, right-aligned (a dash too); laps led
    where the data has them for either (not F1's); the driver ratings where both have one (saying in how many races,
    when not all)."""
    a, b = answer.first, answer.second
    rated = "Avg rating" if answer.rated == answer.races else f"Avg rating ({answer.rated} races)"
    return Table(("", plain(a.driver), plain(b.driver)), [
        ("Ahead", a.ahead, b.ahead),
        ("Wins", a.wins, b.wins),
        ("Avg finish", average(a.avg_finish), average(b.avg_finish)),
        *([("Laps led", unknown_dash(a.laps_led), unknown_dash(b.laps_led))]
          if a.laps_led is not None or b.laps_led is not None else []),
        *([(rated, rating(a.avg_rating), rating(b.avg_rating))] if answer.rated else []),
        *([("Ahead as team-mates", answer.team_mates.first_ahead, answer.team_mates.second_ahead)] if answer.team_mates else []),
    ], (False, True, True))


def career_laps_led(series: str, laps_led: int | None) -> Cell:
    """A career's laps led: `–` where the data lacks some of them, nothing in a series whose data has none (F1's)."""
    return None if SERIES[series].official_standings else unknown_dash(laps_led)


def without_empty_led(table: Table) -> Table:
    """The table without its Led column when no row has a cell there (F1 careers alone)."""
    led = table.headers.index("Led")
    if any(row[led] is not None for row in table.rows):
        return table
    return table.columns(*(header for header in table.headers if header != "Led"))


def driver_at_track(answer: DriverAtTrack) -> Table:
    """A driver's record at a place, one row per series, in /driver's columns, its best finish and (where any start
    has one) the average driver rating."""
    table = Table(("Series", "Seasons", "Starts", "Wins", "Top 5", "Top 10", "Poles", "Led", "Avg St", "Avg Fin", "Best", "DNF",
                   "Rating"), [
        (series_short(line.series), seasons(line.first_season, line.last_season), line.starts, line.wins, line.top5,
         line.top10, line.poles, career_laps_led(line.series, line.laps_led), average(line.avg_start),
         average(line.avg_finish), ordinal(line.best_finish), line.dnfs, rating(line.avg_rating))
        for line in answer.series.values()
    ])
    table = table if any(line.rated for line in answer.series.values()) else table.columns(*table.headers[:-1])
    return without_empty_led(table)


def rating(value: float | None) -> Cell:
    """A driver rating (`98.2`), or an empty cell where the data has none."""
    return None if value is None else f"{value:.1f}"


LOOP_DATA_SHOWN = 10   # cars, best driver rating first
_LOOP_COLUMNS = (   # header, the figure, right-aligned
    ("Rating", lambda line: f"{line.rating:.1f}", True),
    ("#", lambda line: plain(line.car), True),
    ("Driver", lambda line: plain(line.driver), False),
    ("Fin", attrgetter("finish"), True),
    ("Avg pos", lambda line: None if line.avg_position is None else f"{line.avg_position:.1f}", True),
    ("Fast laps", attrgetter("fastest_laps"), True),
    ("Q passes", attrgetter("quality_passes"), True),
    ("Top-15 laps", attrgetter("top15_laps"), True),
)
_LOOP_LEGEND = {
    "Rating": "Rating: NASCAR's driver rating (150 at most).",
    "Avg pos": "Avg pos: average running position.",
    "Q passes": "Q passes: green-flag passes of cars in the top 15 while in it.",
}


def loop_data(lines: Sequence[LoopLine]) -> Table:
    """NASCAR's loop data, best driver rating first: rating, car, finish, average running position, fastest laps,
    quality passes, laps in the top 15; a figure no car has (the bundled history holds ratings alone) is left out."""
    shown = [(header, figure, right) for header, figure, right in _LOOP_COLUMNS
             if header in ("Rating", "#", "Driver", "Fin") or any(figure(line) is not None for line in lines)]
    return Table(tuple(header for header, _, _ in shown), [tuple(figure(line) for _, figure, _ in shown) for line in lines],
                 tuple(right for _, _, right in shown))


def loop_data_legend(table: Table) -> str:
    """What the loop data's columns in `table` mean."""
    return " ".join(_LOOP_LEGEND[header] for header in table.headers if header in _LOOP_LEGEND)


def season_starts(season: DriverSeason, series: str) -> Table:
    """A driver's season race by race: F1's by Grand Prix with grid, position (or why none) and points; NASCAR's by
    track with start, finish, laps led, status and points."""
    if SERIES.get(series) is not None and SERIES[series].official_standings:
        return Table(("Rd", "Grand Prix", "Grid", "Pos", "Pts", "Retired"), [
            (race.round, plain(race.race), race.start, race.status_code or race.finish, number(race.points),
             plain(race.status) if race.status_code else None)
            for race in season.races
        ], (True, False, True, True, True, False))
    table = Table(("Rd", "Track", "St", "Fin", "Led", "Status", "Pts", "Rating"), [
        (race.round, plain(race.track), race.start, race.finish, race.laps_led, plain(race.status), number(race.points),
         rating(race.rating))
        for race in season.races
    ], (True, False, True, True, True, False, True, True))
    return table if season.rated else table.columns(*table.headers[:-1])
