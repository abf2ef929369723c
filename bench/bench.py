"""Pitboard benchmarks as ratios to a floor measured in the same run (absolute times on a shared machine are noise).
Prints figures, asserts nothing. Run with `make bench`.

    python bench/bench.py queries    per command (winner, results, driver, track, standings, leaders, h2h, next, schedule):
                                     query + render p50/p99 through Pitboard next to a raw synchronous sqlite3 floor
                                     answering the same question on the same file; target p50 ≤ 2× the floor;
                                     the whole measurement is repeated (--runs) and each ratio shown as min / median
    python bench/bench.py discord    slash commands/s through the real Pitboard client next to an empty discord.py
                                     bot answering a constant, each in its own process against its own fake Discord,
                                     measured in alternating rounds; target ≥ 0.9× the empty bot. The default mix
                                     repeats 40 questions, which Pitboard answers from its remembered answers;
                                     --mix distinct never asks one twice (each a query and a rendering)

The bot processes are bench/discord_bot_process.py (the real `run_bot`, or the empty bot with --empty).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import os
import random
import resource
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import groupby
from operator import itemgetter
from pathlib import Path
from typing import Any

from bot.render import embeds, text
from bot.runner import serving_gc
from db import queries
from db.build import build_database
from db.models import (
    DriverCareer,
    HeadToHead,
    Leaders,
    NextRaces,
    RaceResults,
    Schedule,
    Standings,
    TrackRecord,
    WinnerAnswer,
)
from db.nascar_feed import import_file
from db.snapshot import Reads, SyncStore, finish
from db.store import Store
from testkit.fakes.discord_server import FakeDiscord

ROOT = Path(__file__).resolve().parent.parent

RACE_LIST_2023 = ROOT / "tests" / "data" / "feed" / "race_list_basic_2023.json"


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def rss_mb(pid: int, field: str = "VmHWM") -> float:
    """Peak (VmHWM) or current (VmRSS) resident memory of a process, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


# --------------------------------------------------------------------------- queries: Pitboard next to a raw sqlite3 floor

TRACKS = ["mid-ohio", "dega", "daytona", "the glen", "bristol", "richmond", "cota", "martinsville", "pocono", "sonoma"]
DRIVERS = ["Kyle Busch", "Richard Petty", "Parker Kligerman", "Joey Logano"]
RIVALS = ["Kyle Larson", "Denny Hamlin", "Joey Logano"]
NASCAR = ["cup", "xfinity", "truck"]
# F1 (issue 12 item 7): the same commands and the same target, on the bundled F1DB history.
F1_TRACKS = ["monza", "silverstone", "spa", "monaco", "interlagos"]
F1_DRIVERS = ["Lewis Hamilton", "Michael Schumacher", "Max Verstappen", "Fernando Alonso"]
F1_RIVALS = ["Nico Rosberg", "Sebastian Vettel", "Fernando Alonso"]
F1_SEASONS = [2021, 2016, 2008]
F1_SCHEDULE_SEASON = 2025
LEADER_SEASONS = [2024, 2023, 2001, None]      # /leaders: three seasons' boards, then the whole history's
F1_LEADER_SEASONS = [2021, 1988, None]
SCHEDULE_NOW = datetime(2023, 4, 1, 12, 0, tzinfo=UTC)   # inside the recorded 2023 race list
RACE_WINDOW = timedelta(hours=5)                          # a started race is "racing now" this long
# Latest first, as Pitboard orders the races of one series at one track: by start where dated, else by round.
LATEST_AT_TRACK = "r.season DESC, r.starts_at DESC, r.round DESC"
# What a winner line shows: the car, team and make, the starting position, the laps led of the laps run.
WINNER_COLUMNS = "wd.shown_name, w.car_number, wt.name, w.make, w.start, w.laps_led, r.actual_laps"
WINNER_JOINS = ("LEFT JOIN results w ON w.race_id = r.id AND w.finish = 1 LEFT JOIN drivers wd ON wd.id = w.driver_id "
                "LEFT JOIN teams wt ON wt.id = w.team_id")
# The pole: qualifying P1 where the series publishes qualifying (F1), else the car that started first.
POLE_JOINS = ("LEFT JOIN results p ON p.race_id = r.id AND p.start = 1 LEFT JOIN drivers pd ON pd.id = p.driver_id "
              "LEFT JOIN qualifying_results q ON q.race_id = r.id AND q.position = 1 LEFT JOIN drivers qd ON qd.id = q.driver_id")
POLE = "coalesce(qd.shown_name, pd.shown_name)"
TOP_TALLIES = 5


@dataclass(frozen=True)
class Ids:
    """Names resolved once, as Pitboard's name index does once per process: the floor starts from ids."""

    tracks: list[int]
    drivers: list[int]
    kyle_busch: int
    rivals: list[int]
    series: dict[str, int]          # every series in the store
    f1_tracks: list[int]
    f1_drivers: list[int]
    hamilton: int
    f1_rivals: list[int]


# Each floor reads, with hand-written SQL on a plain sqlite3 connection, what its command's answer shows (terminal
# text, Discord embed and, for /driver and /standings, the chart), and returns the figures `Command.figures` takes
# from Pitboard's answer for the same case, so the run checks both answer the same question with the same data.

def floor_winner(db: sqlite3.Connection, track: int) -> list[tuple]:
    """The latest race of each series at the track: its heading, date, status, winner line and pole, and (F1) the
    winner line of the weekend's sprint."""
    rows = db.execute(
        f"SELECT s.key, r.season, r.round, r.name, t.name, r.starts_at, r.status, r.exhibition, {WINNER_COLUMNS}, {POLE}, "
        "sd.shown_name, sp.car_number, spt.name, sp.make, sp.start "
        "FROM (SELECT series_id, max(season) AS season FROM races WHERE track_id = ? AND status != 'scheduled' "
        "GROUP BY series_id) l "
        "JOIN races r ON r.track_id = ? AND r.series_id = l.series_id AND r.season = l.season AND r.status != 'scheduled' "
        f"JOIN series s ON s.id = r.series_id JOIN tracks t ON t.id = r.track_id {WINNER_JOINS} {POLE_JOINS} "
        "LEFT JOIN sprint_results sp ON sp.race_id = r.id AND sp.finish = 1 LEFT JOIN drivers sd ON sd.id = sp.driver_id "
        "LEFT JOIN teams spt ON spt.id = sp.team_id "
        f"ORDER BY {LATEST_AT_TRACK}", (track, track)).fetchall()
    latest: dict[str, tuple] = {}
    for row in rows:
        latest.setdefault(row[0], row)
    return sorted((series, season, round_, winner, car, team, make, start, led, pole, sprint)
                  for series, season, round_, _, _, _, _, _, winner, car, team, make, start, led, _, pole, sprint, *_
                  in latest.values())


def floor_results(db: sqlite3.Connection, track: int, season: int, series: int | None) -> tuple:
    """The latest race of the season at the track (the others that year are named): its header with the winner
    line, the classification, the stage results, cautions and leader stints, NASCAR's loop data (or the history's
    driver ratings, read with the classification), and (F1) the sprint and the entrants who did not start."""
    races = db.execute(
        "SELECT r.id, s.key, r.season, r.round, r.name, t.name, r.starts_at, r.status, r.exhibition, r.scheduled_laps, "
        f"r.stage_laps, r.cautions, r.caution_laps, r.lead_changes, r.leaders, r.margin, {WINNER_COLUMNS}, "
        "(SELECT count(*) FROM results f WHERE f.race_id = r.id) "
        f"FROM races r JOIN series s ON s.id = r.series_id JOIN tracks t ON t.id = r.track_id {WINNER_JOINS} "
        f"WHERE r.track_id = ? AND r.status != 'scheduled' AND r.season = ? AND (?3 IS NULL OR r.series_id = ?3) "
        # Pitboard claims no order the data cannot know: when a race of the season has no start time (the bundled
        # NASCAR history), the series take turns in their display order.
        "ORDER BY CASE WHEN EXISTS (SELECT 1 FROM races o WHERE o.track_id = r.track_id AND o.season = r.season "
        "AND o.status != 'scheduled' AND (?3 IS NULL OR o.series_id = ?3) AND o.starts_at IS NULL) "
        f"THEN s.display_order END, {LATEST_AT_TRACK}", (track, season, series)).fetchall()
    race = races[0][0]
    rows = db.execute(
        "SELECT x.finish, x.start, x.car_number, d.shown_name, tm.name, x.make, x.laps, x.laps_led, x.status, x.points, "
        "x.time, x.gap, x.status_code, x.rating "
        "FROM results x JOIN drivers d ON d.id = x.driver_id LEFT JOIN teams tm ON tm.id = x.team_id "
        "WHERE x.race_id = ? ORDER BY x.finish, x.id", (race,)).fetchall()
    db.execute("SELECT sr.stage, sr.position, d.shown_name, sr.car_number, sr.points FROM stage_results sr "
               "JOIN drivers d ON d.id = sr.driver_id WHERE sr.race_id = ? ORDER BY sr.stage, sr.position", (race,)).fetchall()
    db.execute("SELECT start_lap, end_lap, reason, comment, free_pass_car FROM cautions WHERE race_id = ? "
               "UNION ALL SELECT start_lap, end_lap, car_number, NULL, NULL FROM leader_stints WHERE race_id = ?",
               (race, race)).fetchall()
    sprint = db.execute(
        "SELECT x.finish, x.start, x.car_number, d.shown_name, tm.name, x.make, x.laps, x.status, x.points, x.time, x.gap, "
        "x.status_code FROM sprint_results x JOIN drivers d ON d.id = x.driver_id LEFT JOIN teams tm ON tm.id = x.team_id "
        "WHERE x.race_id = ? ORDER BY x.finish, x.id", (race,)).fetchall()
    db.execute("SELECT x.finish, x.car_number, d.shown_name, l.rating, l.avg_position, l.fastest_laps, l.quality_passes, "
               "l.top15_laps FROM loop_stats l JOIN results x ON x.id = l.result_id JOIN drivers d ON d.id = x.driver_id "
               "WHERE l.race_id = ? ORDER BY l.rating DESC", (race,)).fetchall()
    absent = db.execute("SELECT n.status_code, n.car_number, d.shown_name, tm.name, n.reason FROM non_starters n "
                        "JOIN drivers d ON d.id = n.driver_id LEFT JOIN teams tm ON tm.id = n.team_id WHERE n.race_id = ? "
                        "ORDER BY n.entry", (race,)).fetchall()
    return len(rows), rows[0][3], races[0][-1], len(races) - 1, len(sprint), len(absent)


def floor_driver(db: sqlite3.Connection, person: int) -> dict:
    """Per series: the career figures (the average driver rating too), each season's starts, wins, top 5 and top 10
    (the chart), the first and latest win and the starts since it; for series with official tables (F1), poles as
    qualifying P1, race and sprint points, titles."""
    seasons = db.execute(
        "SELECT s.key, r.season, count(*), sum(x.finish = 1), sum(x.finish <= 3), sum(coalesce(x.points, 0)), "
        "sum(x.finish <= 5), sum(x.finish <= 10), sum(x.start = 1), sum(x.laps_led), count(x.laps_led), sum(x.start), "
        "count(x.start), sum(x.finish), sum(CASE WHEN x.status_code IS NOT NULL THEN x.status_code = 'DNF' "
        "ELSE x.status IS NOT NULL AND x.status != 'running' END), sum(x.rating), count(x.rating) "
        "FROM results x JOIN races r ON r.id = x.race_id "
        "JOIN series s ON s.id = r.series_id WHERE x.driver_id = ? AND r.exhibition = 0 GROUP BY r.series_id, r.season "
        "ORDER BY r.series_id, r.season", (person,)).fetchall()
    wins: dict[str, list[tuple]] = {}
    for row in db.execute(
        "SELECT s.key, r.season, r.round, t.name, r.name FROM results x JOIN races r ON r.id = x.race_id "
        "JOIN series s ON s.id = r.series_id JOIN tracks t ON t.id = r.track_id "
        "WHERE x.driver_id = ? AND x.finish = 1 AND r.exhibition = 0 ORDER BY r.season, r.round", (person,)):
        wins.setdefault(row[0], [row, row])[1] = row
    official = {}
    if any(row[0] == "f1" for row in seasons):
        official["f1"] = db.execute(
            "SELECT (SELECT count(*) FROM qualifying_results q JOIN races r ON r.id = q.race_id "
            "WHERE q.driver_id = ?1 AND q.position = 1 AND r.series_id = s.id), "
            "(SELECT coalesce(sum(p.points), 0) FROM sprint_results p JOIN races r ON r.id = p.race_id "
            "WHERE p.driver_id = ?1 AND r.series_id = s.id), "
            "(SELECT count(*) FROM driver_standings ds WHERE ds.driver_id = ?1 AND ds.series_id = s.id AND ds.position = 1 "
            "AND NOT EXISTS (SELECT 1 FROM races u WHERE u.series_id = s.id AND u.season = ds.season "
            "AND u.status = 'scheduled')) FROM series s WHERE s.key = 'f1'", (person,)).fetchone()
    careers = {}
    for series, group in groupby(seasons, key=itemgetter(0)):
        rows = list(group)
        totals = [sum(figure or 0 for figure in figures) for figures in zip(*(row[2:] for row in rows), strict=True)]
        careers[series] = (totals[0], totals[1], wins[series][0][1] if series in wins else None,
                           official[series][0] if series in official else totals[6])
        if series in wins:   # the starts since the latest win
            _, season, round_, _, _ = wins[series][1]
            sum(row[2] for row in rows if row[1] > season) + db.execute(
                "SELECT count(*) FROM results x JOIN races r ON r.id = x.race_id JOIN series s ON s.id = r.series_id "
                "WHERE x.driver_id = ? AND s.key = ? AND r.season = ? AND r.round > ? AND r.exhibition = 0",
                (person, series, season, round_)).fetchone()[0]
    return careers


def floor_track(db: sqlite3.Connection, track: int) -> dict:
    """Per series: races held, first and last season, the winner of each race, most wins and most poles (the top 5
    and everyone tied with the 5th), wins from pole."""
    rows = db.execute(
        f"SELECT s.key, r.season, r.round, r.name, wd.shown_name, w.driver_id = coalesce(q.driver_id, p.driver_id), {POLE} "
        f"FROM races r JOIN series s ON s.id = r.series_id {WINNER_JOINS} {POLE_JOINS} "
        "WHERE r.track_id = ? AND r.exhibition = 0 AND r.status != 'scheduled' "
        "ORDER BY s.id, r.season DESC, r.round DESC", (track,)).fetchall()
    records = {}
    for series, group in groupby(rows, key=itemgetter(0)):
        races = list(group)
        most_wins = top_with_ties(Counter(race[4] for race in races if race[4]))
        most_poles = top_with_ties(Counter(race[6] for race in races if race[6]))
        winners = [(race[1], race[4]) for race in races if race[4]]
        from_pole = sum(1 for race in races if race[4] and race[5])
        records[series] = (len(races), races[-1][1], races[0][1], most_wins[:1], most_poles[:1], from_pole, winners[:10])
    return records


def top_with_ties(counts: Counter) -> list[str]:
    """The most frequent names, the top 5 and everyone tied with the 5th (rows come latest first: among equals,
    Counter keeps the most recent first)."""
    ranked = counts.most_common()
    if not ranked:
        return []
    cutoff = ranked[min(TOP_TALLIES, len(ranked)) - 1][1]
    return [name for name, count in ranked[: TOP_TALLIES * 2] if count >= cutoff]


def floor_standings(db: sqlite3.Connection, series: int, season: int) -> tuple:
    """The season's table (points, starts, wins, top 5, top 10, laps led) and, for the chart, the points the top 8
    earned race by race."""
    rows = db.execute(
        "SELECT x.driver_id, d.shown_name, sum(coalesce(x.points, 0)) AS points, count(*), sum(x.finish = 1) AS wins, "
        "sum(x.finish <= 5) AS top5, sum(x.finish <= 10) AS top10, sum(x.laps_led), count(x.laps_led), min(x.finish) AS best "
        "FROM results x JOIN races r ON r.id = x.race_id JOIN drivers d ON d.id = x.driver_id "
        "WHERE r.series_id = ? AND r.season = ? AND r.exhibition = 0 "
        "GROUP BY x.driver_id ORDER BY points DESC, wins DESC, top5 DESC, top10 DESC, best, d.shown_name",
        (series, season)).fetchall()
    top = [row[0] for row in rows[:8]]
    chart = db.execute(
        f"SELECT r.id, x.driver_id, x.points FROM races r LEFT JOIN results x ON x.race_id = r.id AND x.driver_id IN "
        f"({','.join('?' * len(top))}) WHERE r.series_id = ? AND r.season = ? AND r.exhibition = 0 "
        "AND EXISTS (SELECT 1 FROM results y WHERE y.race_id = r.id) ORDER BY r.round", (*top, series, season)).fetchall()
    return rows[0][1], rows[0][2], len({row[0] for row in chart})


def floor_official_standings(db: sqlite3.Connection, series: int, season: int) -> tuple:
    """F1: the official drivers' table with each driver's season figures beside, the teams' table, and for the chart
    the top 8's race and sprint points race by race."""
    drivers = db.execute(
        "SELECT ds.position, d.shown_name, ds.points, ds.status_code, ds.driver_id, f.starts, f.wins, f.top5, f.top10 "
        "FROM driver_standings ds JOIN drivers d ON d.id = ds.driver_id LEFT JOIN ("
        "SELECT x.driver_id, count(*) AS starts, sum(x.finish = 1) AS wins, sum(x.finish <= 5) AS top5, "
        "sum(x.finish <= 10) AS top10 FROM results x JOIN races r ON r.id = x.race_id "
        "WHERE r.series_id = ?1 AND r.season = ?2 AND r.exhibition = 0 GROUP BY x.driver_id) f ON f.driver_id = ds.driver_id "
        "WHERE ds.series_id = ?1 AND ds.season = ?2 ORDER BY ds.position IS NULL, ds.position, d.shown_name",
        (series, season)).fetchall()
    db.execute("SELECT ts.position, t.name, ts.make, ts.points, ts.status_code FROM team_standings ts "
               "JOIN teams t ON t.id = ts.team_id WHERE ts.series_id = ? AND ts.season = ? "
               "ORDER BY ts.position IS NULL, ts.position, t.name", (series, season)).fetchall()
    top = [row[4] for row in drivers[:8]]
    among = ",".join("?" * len(top))
    chart = db.execute(
        "SELECT r.id, x.driver_id, x.points FROM races r LEFT JOIN results x ON x.race_id = r.id "
        f"AND x.driver_id IN ({among}) WHERE r.series_id = ? AND r.season = ? AND r.exhibition = 0 "
        "AND EXISTS (SELECT 1 FROM results y WHERE y.race_id = r.id) "
        "UNION ALL SELECT x.race_id, x.driver_id, x.points FROM sprint_results x JOIN races r ON r.id = x.race_id "
        f"WHERE r.series_id = ? AND r.season = ? AND x.driver_id IN ({among})",
        (*top, series, season, series, season, *top)).fetchall()
    return drivers[0][1], drivers[0][2], len({row[0] for row in chart})


def floor_h2h(db: sqlite3.Connection, first: int, second: int) -> tuple:
    """Races together, finishing ahead, wins, average finish, laps led and driver rating of each, their latest
    meeting, and (F1) their record as team-mates."""
    row = db.execute(
        "WITH shared AS MATERIALIZED (SELECT xa.race_id, r.season, r.starts_at, r.round, xa.finish AS fa, xb.finish AS fb, "
        "xa.laps_led AS la, xb.laps_led AS lb, xa.team_id = xb.team_id AS mates, s.family, "
        "CASE WHEN xb.rating IS NOT NULL THEN xa.rating END AS ra, CASE WHEN xa.rating IS NOT NULL THEN xb.rating END AS rb "
        "FROM results xa JOIN results xb ON xb.race_id = xa.race_id AND xb.driver_id = ? "
        "JOIN races r ON r.id = xa.race_id JOIN series s ON s.id = r.series_id WHERE xa.driver_id = ? AND r.exhibition = 0) "
        "SELECT count(*), sum(fa < fb), sum(fb < fa), sum(fa = 1), sum(fb = 1), avg(fa), avg(fb), sum(la), sum(lb), "
        "sum(mates AND family = 'f1'), sum(mates AND family = 'f1' AND fa < fb), avg(ra), avg(rb), count(ra), "
        "(SELECT race_id FROM shared ORDER BY season DESC, starts_at DESC, round DESC LIMIT 1) FROM shared",
        (second, first)).fetchone()
    latest = db.execute("SELECT s.key, r.season, r.round, t.name, r.name FROM races r JOIN series s ON s.id = r.series_id "
                        "JOIN tracks t ON t.id = r.track_id WHERE r.id = ?", (row[-1],)).fetchone()
    return row[0], row[1], latest[1], row[9] or None


def floor_next(db: sqlite3.Connection, series: list[int]) -> list:
    """Races started in the last 5 hours, and the next race of each series asked about: heading, track, start time
    and (F1) the weekend's sessions."""
    now = SCHEDULE_NOW.isoformat()
    columns = "r.id, s.key, r.season, r.round, r.name, t.name, r.starts_at, r.date_only"
    joins = "JOIN series s ON s.id = r.series_id JOIN tracks t ON t.id = r.track_id"
    racing = db.execute(f"SELECT {columns} FROM races r {joins} WHERE r.status = 'scheduled' AND r.starts_at > ? "
                        f"AND r.starts_at <= ? AND r.series_id IN ({','.join('?' * len(series))})",
                        ((SCHEDULE_NOW - RACE_WINDOW).isoformat(), now, *series)).fetchall()
    upcoming = [row for row in (db.execute(f"SELECT {columns} FROM races r {joins} WHERE r.series_id = ? "
                                           "AND r.status = 'scheduled' AND r.starts_at > ? ORDER BY r.starts_at LIMIT 1",
                                           (one, now)).fetchone() for one in series) if row]
    shown = [row[0] for row in racing + upcoming]
    db.execute("SELECT race_id, session, starts_at, date_only FROM race_sessions "
               f"WHERE race_id IN ({','.join('?' * len(shown))}) ORDER BY race_id, starts_at, id", shown).fetchall()
    return sorted(row[4] for row in upcoming)


def floor_schedule(db: sqlite3.Connection, series: int, season: int) -> tuple[int, int]:
    """Every dated race of the season: when, series, round, name, track, and its winner (from the results, or the
    race list's before they arrive) or its state; and (F1) each weekend's sessions, which the answer lists too."""
    races = db.execute(
        "SELECT r.id, r.starts_at, r.date_only, s.key, r.round, r.name, t.name, r.status, "
        "coalesce(d.shown_name, (SELECT shown_name FROM drivers WHERE feed_driver_id = r.winner_feed_id)) "
        "FROM races r JOIN series s ON s.id = r.series_id JOIN tracks t ON t.id = r.track_id "
        "LEFT JOIN results w ON w.race_id = r.id AND w.finish = 1 LEFT JOIN drivers d ON d.id = w.driver_id "
        "WHERE r.season = ? AND r.series_id = ? AND r.starts_at IS NOT NULL ORDER BY r.starts_at",
        (season, series)).fetchall()
    sessions = db.execute("SELECT race_id, session, starts_at, date_only FROM race_sessions "
                          f"WHERE race_id IN ({','.join('?' * len(races))}) ORDER BY race_id, starts_at, id",
                          [race[0] for race in races]).fetchall()
    return len(races), len(sessions)


def floor_leaders(db: sqlite3.Connection, series: int, stat: str, season: int | None) -> list[tuple]:
    """The top ten by one figure (wins over the results; F1's poles as qualifying P1), with each one's starts, and
    the seasons and races the answer's heading and note name."""
    in_season = "AND r.season = :season" if season else ""
    if stat == "poles":
        value = ("(SELECT count(*) FROM qualifying_results q JOIN races u ON u.id = q.race_id WHERE q.driver_id = x.driver_id "
                 f"AND q.position = 1 AND u.series_id = :series AND u.exhibition = 0 {in_season.replace('r.', 'u.')})")
    else:
        value = "count(DISTINCT CASE WHEN x.finish = 1 THEN x.race_id END)"
    rows = db.execute(
        f"SELECT d.shown_name, {value} AS value, count(DISTINCT x.race_id) AS starts "
        "FROM results x JOIN races r ON r.id = x.race_id "
        f"JOIN drivers d ON d.id = x.driver_id WHERE r.series_id = :series AND r.exhibition = 0 {in_season} "
        "GROUP BY x.driver_id HAVING value > 0 ORDER BY value DESC, starts, d.shown_name LIMIT 10",
        {"series": series, "season": season}).fetchall()
    db.execute("SELECT min(r.season), max(r.season), count(*) FROM races r WHERE r.series_id = :series "
               f"AND r.exhibition = 0 AND r.status != 'scheduled' {in_season}", {"series": series, "season": season}).fetchone()
    return [(name, value, starts) for name, value, starts in rows]


@dataclass(frozen=True)
class Command:
    """One command measured both ways: Pitboard's query, the figures to compare, and the raw floor."""

    ask: Callable[[Reads, int], Coroutine[Any, Any, object]]   # on the bot's Store or the console's SyncStore
    figures: Callable[[object], object]        # from Pitboard's answer, what the floor returns
    floor: Callable[[sqlite3.Connection, Ids, int], object]


def pick(values: list, i: int):
    return values[i % len(values)]


def winner_figures(answer) -> list[tuple]:
    return sorted((race.series, race.season, race.round, race.winner, race.winner_car, race.winner_team, race.winner_make,
                   race.winner_start, race.winner_led, race.pole,
                   answer.sprints[race.id].driver if race.id in answer.sprints else None) for race in answer.races)


def results_figures(answer) -> tuple:
    return (len(answer.results), answer.results[0].driver, answer.race.field_size, len(answer.other_races), len(answer.sprint),
            len(answer.non_starters))


def driver_figures(answer) -> dict:
    return {key: (career.starts, career.wins, career.first_win.season if career.first_win else None, career.poles)
            for key, career in answer.series.items()}


def track_figures(answer) -> dict:
    return {key: (record.races, record.first_season, record.last_season, [tally.driver for tally in record.most_wins[:1]],
                  [tally.driver for tally in record.most_poles[:1]], record.wins_from_pole,
                  [(winner.season, winner.driver) for winner in record.winners[:10]])
            for key, record in answer.series.items()}


def standings_figures(answer) -> tuple:
    return answer.rows[0].driver, answer.rows[0].points, answer.races_counted


def h2h_figures(answer) -> tuple:
    return (answer.races, answer.first.ahead, answer.latest_meetings[0].season,
            answer.team_mates.races if answer.team_mates else None)


def leaders_figures(answer) -> list[tuple]:
    return [(row.driver, row.value, row.starts) for row in answer.rows[:10]]


def next_figures(answer) -> list[str]:
    return sorted(race.name for race in answer.upcoming)


def schedule_figures(answer) -> tuple[int, int]:
    return len(answer.races), sum(map(len, answer.sessions.values()))


COMMANDS = {
    "winner": Command(lambda store, i: queries.winner(store, pick(TRACKS, i)), winner_figures,
                      lambda db, ids, i: floor_winner(db, pick(ids.tracks, i))),
    "results": Command(lambda store, i: queries.results(store, pick(TRACKS, i), 2023), results_figures,
                       lambda db, ids, i: floor_results(db, pick(ids.tracks, i), 2023, None)),
    "driver": Command(lambda store, i: queries.driver(store, pick(DRIVERS, i)), driver_figures,
                      lambda db, ids, i: floor_driver(db, pick(ids.drivers, i))),
    "track": Command(lambda store, i: queries.track(store, pick(TRACKS, i)), track_figures,
                     lambda db, ids, i: floor_track(db, pick(ids.tracks, i))),
    "standings": Command(lambda store, i: queries.standings(store, pick(NASCAR, i), 2024), standings_figures,
                         lambda db, ids, i: floor_standings(db, ids.series[pick(NASCAR, i)], 2024)),
    "h2h": Command(lambda store, i: queries.h2h(store, "Kyle Busch", pick(RIVALS, i)), h2h_figures,
                   lambda db, ids, i: floor_h2h(db, ids.kyle_busch, pick(ids.rivals, i))),
    "next": Command(lambda store, i: queries.next_races(store, now=SCHEDULE_NOW), next_figures,
                    lambda db, ids, i: floor_next(db, list(ids.series.values()))),
    "schedule": Command(lambda store, i: queries.schedule(store, "cup", 2023, now=SCHEDULE_NOW), schedule_figures,
                        lambda db, ids, i: floor_schedule(db, ids.series["cup"], 2023)),
    "leaders": Command(lambda store, i: queries.leaders(store, "wins", pick(NASCAR, i), pick(LEADER_SEASONS, i)),
                       leaders_figures,
                       lambda db, ids, i: floor_leaders(db, ids.series[pick(NASCAR, i)], "wins", pick(LEADER_SEASONS, i))),
    "winner f1": Command(lambda store, i: queries.winner(store, pick(F1_TRACKS, i)), winner_figures,
                         lambda db, ids, i: floor_winner(db, pick(ids.f1_tracks, i))),
    "results f1": Command(lambda store, i: queries.results(store, pick(F1_TRACKS, i), 2021, "f1"), results_figures,
                          lambda db, ids, i: floor_results(db, pick(ids.f1_tracks, i), 2021, ids.series["f1"])),
    "driver f1": Command(lambda store, i: queries.driver(store, pick(F1_DRIVERS, i)), driver_figures,
                         lambda db, ids, i: floor_driver(db, pick(ids.f1_drivers, i))),
    "track f1": Command(lambda store, i: queries.track(store, pick(F1_TRACKS, i)), track_figures,
                        lambda db, ids, i: floor_track(db, pick(ids.f1_tracks, i))),
    "standings f1": Command(lambda store, i: queries.standings(store, "f1", pick(F1_SEASONS, i)), standings_figures,
                            lambda db, ids, i: floor_official_standings(db, ids.series["f1"], pick(F1_SEASONS, i))),
    "h2h f1": Command(lambda store, i: queries.h2h(store, "Lewis Hamilton", pick(F1_RIVALS, i)), h2h_figures,
                      lambda db, ids, i: floor_h2h(db, ids.hamilton, pick(ids.f1_rivals, i))),
    "leaders f1": Command(lambda store, i: queries.leaders(store, "poles", "f1", pick(F1_LEADER_SEASONS, i)), leaders_figures,
                          lambda db, ids, i: floor_leaders(db, ids.series["f1"], "poles", pick(F1_LEADER_SEASONS, i))),
    "next f1": Command(lambda store, i: queries.next_races(store, "f1", now=SCHEDULE_NOW), next_figures,
                       lambda db, ids, i: floor_next(db, [ids.series["f1"]])),
    "schedule f1": Command(lambda store, i: queries.schedule(store, "f1", F1_SCHEDULE_SEASON, now=SCHEDULE_NOW),
                           schedule_figures, lambda db, ids, i: floor_schedule(db, ids.series["f1"], F1_SCHEDULE_SEASON)),
}
DISCORD_RENDERINGS = {
    WinnerAnswer: embeds.winner, RaceResults: embeds.results, DriverCareer: embeds.driver, TrackRecord: embeds.track,
    Standings: embeds.standings, HeadToHead: embeds.h2h, NextRaces: embeds.next_races, Schedule: embeds.schedule,
    Leaders: embeds.leaders,
}


async def resolve_ids(store: Store) -> Ids:
    names = await store.names()
    series = {row[0]: row[1] for row in await store.fetchall("SELECT key, id FROM series")}
    return Ids([names.track(name).id for name in TRACKS], [names.driver(name).id for name in DRIVERS],
               names.driver("Kyle Busch").id, [names.driver(name).id for name in RIVALS], series,
               [names.track(name).id for name in F1_TRACKS], [names.driver(name).id for name in F1_DRIVERS],
               names.driver("Lewis Hamilton").id, [names.driver(name).id for name in F1_RIVALS])


@dataclass(frozen=True)
class Timing:
    """Wall-clock p50/p99, and the p50 of the CPU time the process spent (all its threads: the reader's too)."""

    p50_ms: float
    p99_ms: float
    cpu_p50_ms: float

    @classmethod
    def of(cls, samples: list[tuple[float, float]]) -> Timing:
        wall, cpu = [sample[0] for sample in samples], [sample[1] for sample in samples]
        return cls(percentile(wall, 0.5) * 1000, percentile(wall, 0.99) * 1000, percentile(cpu, 0.5) * 1000)


class Stopwatch:
    """Wall-clock and process CPU time of one step: `with Stopwatch(samples): ...` appends (wall, cpu) seconds."""

    def __init__(self, samples: list[tuple[float, float]]):
        self.samples = samples

    def __enter__(self) -> None:
        self.wall, self.cpu = time.perf_counter(), time.process_time()

    def __exit__(self, *exc_info: object) -> None:
        self.samples.append((time.perf_counter() - self.wall, time.process_time() - self.cpu))


@dataclass(frozen=True)
class CommandFigures:
    """One command's timings: the floor, Pitboard's query alone, and what each interface runs for it: the bot's
    query (one hop to a reader thread) and Discord embed, the console's query (`pitboard ask`: in the calling thread,
    no event loop) and terminal text."""

    floor: Timing
    query: Timing
    discord: Timing
    terminal: Timing

    def ratio(self, path: Timing) -> float:
        return path.p50_ms / self.floor.p50_ms

    def cpu_ratio(self, path: Timing) -> float:
        """The same ratio in CPU time: what the work costs, without the waits for a core on a loaded machine."""
        return path.cpu_p50_ms / self.floor.cpu_p50_ms


@dataclass(frozen=True)
class QueryFigures:
    commands: dict[str, CommandFigures]
    name_index_ms: float        # loading the name index, once per process
    peak_rss_mb: float          # of this process: build + queries


async def bench_queries(db_path: Path, repeat: int, commands: tuple[str, ...] = tuple(COMMANDS)) -> QueryFigures:
    """Per command, interleaved: the raw floor, Pitboard's query, the bot's query + Discord embed, and the console's
    query + terminal text."""
    figures = {}
    async with Store.open(db_path) as store:
        started = time.perf_counter()
        await store.names()
        name_index_ms = (time.perf_counter() - started) * 1000
        ids = await resolve_ids(store)
        serving_gc()  # as `pitboard run` does once started
        with contextlib.closing(sqlite3.connect(db_path)) as db, SyncStore.open(db_path) as console:
            for name in commands:
                command = COMMANDS[name]
                for i in range(len(TRACKS)):  # same figures all ways, and warm caches (the console's name index too)
                    ours, floor = command.figures(await command.ask(store, i)), command.floor(db, ids, i)
                    if ours != floor or command.figures(finish(command.ask(console, i))) != floor:
                        raise AssertionError(f"/{name} case {i}: Pitboard says {ours!r}, the floor {floor!r}")
                samples: dict[str, list[tuple[float, float]]] = {"floor": [], "query": [], "discord": [], "terminal": []}
                for i in range(repeat):
                    with Stopwatch(samples["floor"]):
                        command.floor(db, ids, i)
                    with Stopwatch(samples["query"]):
                        await command.ask(store, i)
                    with Stopwatch(samples["discord"]):
                        answer = await command.ask(store, i)
                        DISCORD_RENDERINGS[type(answer)](answer)
                    with Stopwatch(samples["terminal"]):
                        text.render(finish(command.ask(console, i)))
                figures[name] = CommandFigures(**{path: Timing.of(timed) for path, timed in samples.items()})
    peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return QueryFigures(figures, name_index_ms, peak_rss_mb)


def print_query_figures(db_path: Path, repeat: int, runs: list[QueryFigures]) -> None:
    """Medians over the runs, and each command's ratios as the best and the median of its runs."""
    print(f"Each command as Pitboard answers it next to a raw synchronous sqlite3 floor answering the same question on "
          f"the same file ({db_path.stat().st_size / 1e6:.0f} MB), {repeat} runs each, interleaved; {len(runs)} repeats "
          f"(ms are medians of the repeats; ratios min / median of the repeats, then the median CPU ratio; target p50 ≤ 2×)")
    print("  Discord: the bot's query (one hop to a reader thread) + the embed; terminal: `pitboard ask`'s query (in the "
          "calling thread) + the text. Neither remembers answers here: every run queries and renders.")
    print(f"  {'command':13s} {'floor p50/p99 ms':>17s} {'query p50':>9s} {'Discord p50/p99':>16s} {'ratio p50':>13s} "
          f"{'CPU':>6s}         {'terminal p50':>12s} {'ratio p50':>13s} {'CPU':>6s}")
    for name in runs[0].commands:
        figures = [run.commands[name] for run in runs]

        def median(pick: Callable[[CommandFigures], float], figures: list[CommandFigures] = figures) -> float:
            return statistics.median(pick(figure) for figure in figures)

        def ratios(path: str, figures: list[CommandFigures] = figures) -> str:
            wall = [figure.ratio(getattr(figure, path)) for figure in figures]
            cpu = statistics.median(figure.cpu_ratio(getattr(figure, path)) for figure in figures)
            verdict = "ok" if statistics.median(wall) <= 2 else "MISSED"
            return f"{min(wall):5.1f}× /{statistics.median(wall):5.1f}× {cpu:5.1f}× {verdict:6s}"

        print(f"  /{name:12s} {median(lambda f: f.floor.p50_ms):7.2f} / {median(lambda f: f.floor.p99_ms):7.2f} "
              f"{median(lambda f: f.query.p50_ms):9.2f} {median(lambda f: f.discord.p50_ms):7.2f} / "
              f"{median(lambda f: f.discord.p99_ms):6.2f} {ratios('discord')} {median(lambda f: f.terminal.p50_ms):12.2f} "
              f"{ratios('terminal')}")
    print(f"  name index load {statistics.median(run.name_index_ms for run in runs):.0f} ms (once per process); peak memory "
          f"of this process {max(run.peak_rss_mb for run in runs):.0f} MB")


# --------------------------------------------------------------------------- Discord: Pitboard next to an empty bot

BOTS = ("empty discord.py bot", "Pitboard")


Question = tuple[str, dict[str, str | int]]     # a slash command and its options


def repeated_mix() -> Iterator[Question]:
    """3 /winner : 1 /results over 10 tracks, the same 40 questions again and again: after the first round, Pitboard
    answers them from its remembered answers (cogs/results.py), no query and no rendering."""
    for n in itertools.count():
        track = TRACKS[n % len(TRACKS)]
        yield ("results", {"track": track, "year": 2023}) if n % 4 == 3 else ("winner", {"track": track})


def distinct_mix(db_path: Path) -> Iterator[Question]:
    """3 /winner : 1 /results, never the same question twice in a run: every NASCAR (track, season, series) that
    has a race, in a fixed shuffled order, each command taking its own pass over them."""
    with contextlib.closing(sqlite3.connect(db_path)) as db:
        asked = db.execute("SELECT DISTINCT t.name, r.season, s.key FROM races r JOIN series s ON s.id = r.series_id "
                           "JOIN tracks t ON t.id = r.track_id WHERE r.status != 'scheduled' AND s.key IN (?, ?, ?)",
                           NASCAR).fetchall()
    random.Random(8).shuffle(asked)
    winners, results = iter(asked), iter(reversed(asked))
    for n in itertools.count():
        track, season, series = next(results if n % 4 == 3 else winners)
        yield ("results" if n % 4 == 3 else "winner", {"track": track, "year": season, "series": series})


@dataclass
class BotUnderTest:
    name: str
    fake: FakeDiscord
    process: asyncio.subprocess.Process
    ready_seconds: float
    questions: Iterator[Question]
    throughput: list[float]
    latencies: list[float]
    cpu_ms_per_command: list[float]


async def start_bot(name: str, fake: FakeDiscord, db_path: Path, mix: str, profile_dir: Path | None) -> BotUnderTest:
    started = time.perf_counter()
    options = ["--empty"] if name != "Pitboard" else []
    if profile_dir is not None:
        options += ["--profile", str(profile_dir / ("pitboard.prof" if name == "Pitboard" else "empty.prof"))]
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(ROOT / "bench" / "discord_bot_process.py"), fake.base_url, fake.gateway_url, fake.token,
        str(db_path), *options, stdout=asyncio.subprocess.PIPE, cwd=ROOT,
    )
    await asyncio.wait_for(process.stdout.readline(), timeout=120)
    questions = distinct_mix(db_path) if mix == "distinct" else repeated_mix()
    return BotUnderTest(name, fake, process, time.perf_counter() - started, questions, [], [], [])


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _one_command(fake: FakeDiscord, question: Question) -> float:
    """Latency = INTERACTION_CREATE sent → callback received."""
    sent = time.perf_counter()
    handle = await fake.send_slash_command(*question)
    await handle.response(timeout=60)
    return time.perf_counter() - sent


async def _closed_loop(bot: BotUnderTest, count: int, concurrency: int) -> tuple[list[float], float]:
    """As fast as the bot answers: `concurrency` commands in flight until the next `count` of its mix are done."""
    latencies: list[float] = []
    queue = list(itertools.islice(bot.questions, count))
    queue.reverse()

    async def worker() -> None:
        while queue:
            latencies.append(await _one_command(bot.fake, queue.pop()))

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies, time.perf_counter() - started


async def bench_discord(db_path: Path, commands: int, concurrency: int, rounds: int, mix: str,
                        profile_dir: Path | None = None) -> None:
    async with FakeDiscord() as empty_fake, FakeDiscord() as pitboard_fake:
        bots = [await start_bot(BOTS[0], empty_fake, db_path, mix, profile_dir),
                await start_bot(BOTS[1], pitboard_fake, db_path, mix, profile_dir)]
        try:
            for bot in bots:
                await _closed_loop(bot, 200, concurrency)  # warm-up
            for round_number in range(rounds):
                for bot in bots if round_number % 2 == 0 else reversed(bots):
                    cpu_before = cpu_seconds(bot.process.pid)
                    latencies, elapsed = await _closed_loop(bot, commands, concurrency)
                    bot.cpu_ms_per_command.append((cpu_seconds(bot.process.pid) - cpu_before) / commands * 1000)
                    bot.throughput.append(commands / elapsed)
                    bot.latencies += latencies
            peak = rss_mb(bots[1].process.pid)
        finally:
            for bot in bots:
                bot.process.terminate()
                await asyncio.wait_for(bot.process.wait(), timeout=30)
    empty, pitboard = bots
    ratio = statistics.median(pitboard.throughput) / statistics.median(empty.throughput)
    by_round = [ours / theirs for ours, theirs in zip(pitboard.throughput, empty.throughput, strict=True)]
    asked = ("40 questions asked again and again (remembered answers)" if mix == "repeated"
             else "no question asked twice")
    print(f"Discord: {rounds} alternating rounds of {commands} commands, {concurrency} in flight (3 /winner : 1 /results, "
          f"{asked}), each bot in its own process against its own fake Discord on 127.0.0.1")
    for bot in bots:
        print(f"  {bot.name:22s} {statistics.median(bot.throughput):6.0f} commands/s (median of rounds; "
              f"{', '.join(f'{value:.0f}' for value in bot.throughput)}), latency p50 "
              f"{percentile(bot.latencies, 0.5) * 1000:.1f} ms, p99 {percentile(bot.latencies, 0.99) * 1000:.1f} ms; "
              f"CPU {statistics.median(bot.cpu_ms_per_command):.2f} ms a command; start to READY {bot.ready_seconds:.2f} s")
    print(f"  Pitboard / empty bot      {ratio:6.2f}× (rounds: {', '.join(f'{value:.2f}' for value in by_round)})  "
          f"target ≥ 0.9×  {'ok' if ratio >= 0.9 else 'MISSED'}")
    print(f"  Pitboard peak RSS         {peak:6.0f} MB")


async def fresh_database(path: Path) -> None:
    """The bundled history, plus the recorded 2023 race list for /next and /schedule."""
    started = time.perf_counter()
    await build_database(path, show_progress=False)
    async with Store.open(path) as store:
        await import_file(store, RACE_LIST_2023)
    print(f"Built the bundled history in {time.perf_counter() - started:.1f} s ({path.stat().st_size / 1e6:.0f} MB)\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", nargs="*", help="queries, discord (default: both)")
    parser.add_argument("--repeat", type=int, default=200, help="runs of each command (queries)")
    parser.add_argument("--runs", type=int, default=3, help="repeats of the whole query measurement (queries)")
    parser.add_argument("--case", action="append", choices=list(COMMANDS), metavar="NAME",
                        help="measure only this command case, e.g. --case results --case 'results f1' (queries; default: all)")
    parser.add_argument("--commands", type=int, default=1000, help="commands per round (discord)")
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--database", type=Path, metavar="PATH",
                        help="measure this database, built first if it does not exist (default: a fresh build in a temp dir)")
    parser.add_argument("--rounds", type=int, default=4, help="measured rounds per bot (discord)")
    parser.add_argument("--mix", choices=["repeated", "distinct"], default="repeated",
                        help="discord: the same 40 questions again and again (default), or never one twice")
    parser.add_argument("--profile", type=Path, metavar="DIR",
                        help="run each bot process under cProfile and write DIR/pitboard.prof and DIR/empty.prof (discord; "
                             "profiling slows both, so the ratio printed is not the benchmark's)")
    args = parser.parse_args()
    args.what = args.what or ["queries", "discord"]
    if set(args.what) - {"queries", "discord"}:
        parser.error("choose from: queries, discord")
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}\n")
    with tempfile.TemporaryDirectory() as scratch:
        db_path = args.database or Path(scratch) / "bench.db"
        if not db_path.exists():
            asyncio.run(fresh_database(db_path))
        if "queries" in args.what:
            cases = tuple(args.case or COMMANDS)
            runs = [asyncio.run(bench_queries(db_path, args.repeat, cases)) for _ in range(args.runs)]
            print_query_figures(db_path, args.repeat, runs)
            print()
        if "discord" in args.what:
            asyncio.run(bench_discord(db_path, args.commands, args.concurrency, args.rounds, args.mix, args.profile))


if __name__ == "__main__":
    main()
