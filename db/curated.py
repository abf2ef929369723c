"""Our curated name tables in db/data/, read when the name index loads (no rebuild needed to use them).

- driver_nicknames.csv: nickname → driver; a nickname listed for two drivers (`jj`) is ambiguous.
- track_names.csv: former official names and nicknames of tracks (`dover downs`, `the monster mile`).
- series_names.csv: the series' names over the years (`winston cup` 1971–2003, `busch` 1984–2007).
- race_names.csv: races fans name without the sponsor (`southern 500`, `bristol night race`).
- related_tracks.csv: venues fans name as one place (Indianapolis oval and road course).
- venues.csv: a place several series race on different tracks (`las vegas`: the speedway and F1's street circuit).
"""

from __future__ import annotations

import csv
import io
import re
from functools import cache
from pathlib import Path

from db.records import Record

# Read straight from the package folder: importlib.resources would import zipfile and more at every start.
DATA = Path(__file__).with_name("data")


def _rows(name: str) -> list[dict[str, str]]:
    text = (DATA / name).read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text)))


class SeriesName(Record):
    """A name a series went by, and the seasons it did."""

    name: str
    series: str
    first_season: int
    last_season: int | None     # None: still in use


class RaceRule(Record):
    """Which runs of a race count as `the Daytona 500`: track, series, name pattern and pick."""

    race: str
    aliases: tuple[str, ...]
    track: str | None           # None: the race moved between tracks (the All-Star Race)
    series: str
    name_pattern: re.Pattern | None   # over normalized race names; None: every race there
    pick: str                   # all, or last: the season's last points race there
    since: int | None
    exhibition: bool            # the race is not for points: the bundled history never has it


@cache
def driver_nicknames() -> tuple[tuple[str, str], ...]:
    return tuple((row["nickname"], row["driver"]) for row in _rows("driver_nicknames.csv"))


@cache
def track_names() -> tuple[tuple[str, str], ...]:
    return tuple((row["name"], row["track"]) for row in _rows("track_names.csv"))


@cache
def series_names() -> tuple[SeriesName, ...]:
    return tuple(
        SeriesName(row["name"], row["series"], int(row["from"]), int(row["to"]) if row["to"] else None)
        for row in _rows("series_names.csv")
    )


@cache
def race_rules() -> tuple[RaceRule, ...]:
    return tuple(
        RaceRule(
            race=row["race"],
            aliases=tuple(row["aliases"].split("|")),
            track=row["track"] or None,
            series=row["series"],
            name_pattern=re.compile(row["name_pattern"]) if row["name_pattern"] else None,
            pick=row["pick"],
            since=int(row["since"]) if row["since"] else None,
            exhibition=row["exhibition"] == "yes",
        )
        for row in _rows("race_names.csv")
    )


class Venue(Record):
    """A place several series race at on tracks of their own."""

    name: str
    aliases: tuple[str, ...]
    tracks: tuple[str, ...]     # by track name, the most raced first


@cache
def venues() -> tuple[Venue, ...]:
    return tuple(
        Venue(row["venue"], tuple(row["aliases"].split("|")), tuple(row["tracks"].split("|"))) for row in _rows("venues.csv")
    )


@cache
def related_tracks() -> tuple[tuple[str, str], ...]:
    return tuple((row["track"], row["related"]) for row in _rows("related_tracks.csv"))
