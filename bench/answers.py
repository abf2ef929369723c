"""Every answer rendered every way, to one file: a check that a speed change changed no output.

Usage: python bench/answers.py --database PATH OUT

Asks a broad set of questions (each command, NASCAR and F1, with and without years, series and rounds, and some
that fail) through `db.queries`, and writes for each the terminal text, the Discord embeds (as the JSON sent to
Discord) and the JSON answer. Run it before and after a change on the same database file and compare:
`diff before.txt after.txt` must print nothing. The database is built first if it does not exist (as
`bench.py` builds it: the bundled history plus the recorded 2023 race list).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

import discord

from bench import F1_DRIVERS, F1_RIVALS, F1_SCHEDULE_SEASON, F1_SEASONS, F1_TRACKS, SCHEDULE_NOW, TRACKS, fresh_database
from bot.render import embeds, jsondata, text
from db import queries
from db.errors import PitboardError
from db.models import (
    DriverAtTrack,
    DriverCareer,
    HeadToHead,
    Leaders,
    NextRaces,
    Qualifying,
    RaceResults,
    Schedule,
    Standings,
    TrackRecord,
    WinnerAnswer,
)
from db.store import Store

DRIVERS = ["Kyle Busch", "Richard Petty", "Joey Logano", "Chase Elliott", "Denny Hamlin", "#48", "Ross Chastain"]
RIVALS = [("Kyle Busch", "Kyle Larson"), ("Denny Hamlin", "Joey Logano"), ("Richard Petty", "David Pearson"),
          ("Chase Elliott", None)]
SEASONS = [None, 2023, 2019, 2005, 1985]
SERIES = [None, "cup", "xfinity", "truck"]

Ask = Callable[[Store], Awaitable[object]]


def questions() -> list[tuple[str, Ask]]:
    """(label, ask) for every question; labels name the command and its options."""
    asked: list[tuple[str, Ask]] = []

    def add(label: str, ask: Ask) -> None:
        asked.append((label, ask))

    for track in [*TRACKS, "talladega spring", "indy road course", "nowhere"]:
        for year in SEASONS:
            for series in SERIES:
                add(f"/winner {track} {year} {series}", lambda s, t=track, y=year, x=series: queries.winner(s, t, y, x))
                add(f"/results {track} {year} {series}", lambda s, t=track, y=year, x=series: queries.results(s, t, y, x))
        add(f"/results {track} 2023 cup round 8", lambda s, t=track: queries.results(s, t, 2023, "cup", 8))
        add(f"/qualifying {track} 2023", lambda s, t=track: queries.qualifying(s, t, 2023))
        add(f"/track {track}", lambda s, t=track: queries.track(s, t))
    for track in F1_TRACKS:
        for year in [None, *F1_SEASONS, 1960]:
            add(f"/winner {track} {year} f1", lambda s, t=track, y=year: queries.winner(s, t, y, "f1"))
            add(f"/results {track} {year} f1", lambda s, t=track, y=year: queries.results(s, t, y, "f1"))
        add(f"/track {track} f1", lambda s, t=track: queries.track(s, t, "f1"))
        for year in [None, 2021, 1988, 1960]:
            add(f"/qualifying {track} {year} f1", lambda s, t=track, y=year: queries.qualifying(s, t, y, "f1"))
    for name in [*DRIVERS, *F1_DRIVERS]:
        add(f"/driver {name}", lambda s, n=name: queries.driver(s, n))
    for name, track in [("Richard Petty", "martinsville"), ("Kyle Busch", "bristol"), ("Kyle Larson", "daytona 500"),
                        ("Lewis Hamilton", "silverstone"), ("Max Verstappen", "monaco"), ("Chase Elliott", "monaco")]:
        add(f"/driver {name} at {track}", lambda s, n=name, t=track: queries.driver(s, n, track=t))
    for first, second in [*RIVALS, *(("Lewis Hamilton", rival) for rival in F1_RIVALS)]:
        add(f"/h2h {first} {second}", lambda s, a=first, b=second: queries.h2h(s, a, b))
    for series in ["cup", "xfinity", "truck"]:
        for year in [None, 2024, 2023, 2011, 1975]:
            add(f"/standings {series} {year}", lambda s, x=series, y=year: queries.standings(s, x, y))
    for year in [None, *F1_SEASONS, 1950]:
        add(f"/standings f1 {year}", lambda s, y=year: queries.standings(s, "f1", y))
    for series in ["cup", "xfinity", "truck", "f1"]:
        for stat in ["wins", "poles", "podiums", "top 5", "top 10", "starts", "laps led", "titles", "rating"]:
            for year in [None, 2024, 1995]:
                add(f"/leaders {stat} {series} {year}", lambda s, a=stat, x=series, y=year: queries.leaders(s, a, x, y))
    for series in [None, "cup", "xfinity", "truck", "f1"]:
        add(f"/next {series}", lambda s, x=series: queries.next_races(s, x, now=SCHEDULE_NOW))
        for year in [None, 2023, F1_SCHEDULE_SEASON]:
            add(f"/schedule {series} {year}", lambda s, x=series, y=year: queries.schedule(s, x, y, now=SCHEDULE_NOW))
    return asked


def embed_json(rendered: discord.Embed | list[discord.Embed]) -> str:
    pages = rendered if isinstance(rendered, list) else [rendered]
    return json.dumps([page.to_dict() for page in pages], ensure_ascii=False, sort_keys=True, indent=1)


EMBEDS: dict[type, Callable[..., discord.Embed | list[discord.Embed]]] = {
    WinnerAnswer: embeds.winner, RaceResults: embeds.results, DriverCareer: embeds.driver,
    DriverAtTrack: embeds.driver_at_track, TrackRecord: embeds.track, Standings: embeds.standings, HeadToHead: embeds.h2h,
    NextRaces: embeds.next_races, Schedule: embeds.schedule, Leaders: embeds.leaders, Qualifying: embeds.qualifying,
}


async def render_all(db_path: Path) -> str:
    parts = []
    async with Store.open(db_path) as store:
        for label, ask in questions():
            try:
                answer = await ask(store)
            except PitboardError as failure:
                parts.append(f"=== {label}\n--- text\n{text.error(failure)}\n--- json\n{json.dumps(jsondata.error(failure))}\n")
                continue
            parts.append(
                f"=== {label}\n--- text\n{text.render(answer)}\n--- embed\n{embed_json(EMBEDS[type(answer)](answer))}\n"
                f"--- json\n{json.dumps(jsondata.render(answer), ensure_ascii=False, sort_keys=True, default=str)}\n"
            )
    return "".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", type=Path, required=True, metavar="PATH")
    parser.add_argument("out", type=Path)
    args = parser.parse_args()
    if not args.database.exists():
        asyncio.run(fresh_database(args.database))
    rendered = asyncio.run(render_all(args.database))
    args.out.write_text(rendered)
    print(f"{rendered.count('=== ')} answers written to {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
