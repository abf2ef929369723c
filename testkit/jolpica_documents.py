"""Jolpica-shaped documents built from F1DB's real results (the bundled db/data/f1 files), for the fake Jolpica.

Ids are written the way Ergast/Jolpica write them: a modern driver by surname (`leclerc`, `antonelli`), a few by
full name (`max_verstappen`), constructors with underscores (`red_bull`), so the adapter's mapping to F1DB's slugs
is exercised for real. `revised` applies a penalty (a classified driver dropped places); `forget_results` makes a
test store look as if F1DB's data ended before a race, so its results can arrive from Jolpica.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from db.f1db import bundled_rows
from db.store import Store

FULL_NAME_IDS = {"max-verstappen": "max_verstappen", "kevin-magnussen": "kevin_magnussen", "mick-schumacher": "mick_schumacher",
                 "nyck-de-vries": "de_vries", "guanyu-zhou": "zhou"}
POSITION_TEXT = {"DNF": "R", "DSQ": "D", "NC": "N", "DNS": "W", "DNQ": "F", "DNPQ": "F", "EX": "E"}
FILES = {"results": "race_results", "sprint": "sprint_results", "qualifying": "qualifying_results"}
ROWS_KEY = {"results": "Results", "sprint": "SprintResults", "qualifying": "QualifyingResults"}


@dataclass(frozen=True)
class RaceRow:
    f1db_id: str
    season: int
    round: int
    name: str


def jolpica_driver_id(f1db_id: str, last_name: str) -> str:
    """Ergast's id: the surname in ASCII (`hulkenberg`, `perez`), a few drivers by full name."""
    if f1db_id in FULL_NAME_IDS:
        return FULL_NAME_IDS[f1db_id]
    ascii_name = unicodedata.normalize("NFKD", last_name).encode("ascii", "ignore").decode().casefold()
    return re.sub(r"[^a-z0-9]+", "_", re.sub(r"\bjr\.?$", "", ascii_name)).strip("_")


@cache
def _drivers() -> dict[str, dict[str, str]]:
    return {row["id"]: row for row in bundled_rows("drivers")}


@cache
def _constructors() -> dict[str, dict[str, str]]:
    return {row["id"]: row for row in bundled_rows("constructors")}


@cache
def _races() -> dict[tuple[int, int], RaceRow]:
    return {(int(row["year"]), int(row["round"])): RaceRow(row["id"], int(row["year"]), int(row["round"]), row["officialName"])
            for row in bundled_rows("races")}


@cache
def _rows(file: str, race: RaceRow) -> tuple[dict[str, str], ...]:
    """One race's rows of a bundled F1DB file, read once (each read decompresses the whole file); callers never change them."""
    return tuple(row for row in bundled_rows(file) if row["race_id"] == race.f1db_id)


def _driver(f1db_id: str) -> dict[str, str]:
    row = _drivers()[f1db_id]
    driver = {"driverId": jolpica_driver_id(f1db_id, row["lastName"]), "code": row["abbreviation"], "givenName": row["firstName"],
              "familyName": row["lastName"], "nationality": "", "url": ""}
    if row["permanentNumber"]:
        driver["permanentNumber"] = row["permanentNumber"]
    return driver


def _constructor(f1db_id: str) -> dict[str, str]:
    return {"constructorId": f1db_id.replace("-", "_"), "name": _constructors()[f1db_id]["name"], "nationality": "", "url": ""}


def _entry(row: dict[str, str], position: int, session: str) -> dict[str, Any]:
    entry: dict[str, Any] = {"number": row["driverNumber"], "position": str(position), "Driver": _driver(row["driverId"]),
                             "Constructor": _constructor(row["constructorId"])}
    if session == "qualifying":
        entry.update({key.upper(): row[key] for key in ("q1", "q2", "q3") if row[key]})
        return entry
    code = row["position"]
    classified = code.isdigit()
    entry["positionText"] = code if classified else POSITION_TEXT[code]
    entry["points"] = row["points"] or "0"
    entry["grid"] = "0" if row["gridPosition"] in ("PL", "") else row["gridPosition"]
    entry["laps"] = row["laps"] or "0"
    if classified and position == 1:
        entry["status"], entry["Time"] = "Finished", {"time": row["time"]}
    elif classified and "lap" in row["gap"]:
        laps = row["gap"].removeprefix("+").split()[0]
        entry["status"] = f"+{laps} Lap" + ("s" if laps != "1" else "")
    elif classified:
        entry["status"], entry["Time"] = "Finished", {"time": row["gap"]}
    else:
        entry["status"] = row["reasonRetired"] or {"DSQ": "Disqualified", "DNS": "Did not start"}.get(code, "Retired")
    return entry


def session_document(season: int, round_: int, session: str = "results", *, entries: list[dict[str, Any]] | None = None,
                     total: int | None = None) -> bytes:
    """A `/{season}/{round}/{results|sprint|qualifying}/` document of F1DB's real classification (or `entries`);
    `total` other than the rows held makes a partial document."""
    race = _races()[(season, round_)]
    if entries is None:
        entries = list(session_entries(season, round_, session))
    body = {"MRData": {
        "xmlns": "", "series": "f1", "url": "", "limit": "100", "offset": "0",
        "total": str(len(entries) if total is None else total),
        "RaceTable": {"season": str(season), "round": str(round_), "Races": [{
            "season": str(season), "round": str(round_), "url": "", "raceName": race.name, ROWS_KEY[session]: entries,
        }]},
    }}
    return json.dumps(body).encode()


def session_entries(season: int, round_: int, session: str = "results") -> Iterator[dict[str, Any]]:
    for position, row in enumerate(_rows(FILES[session], _races()[(season, round_)]), start=1):
        yield _entry(row, position, session)


def revised(entries: list[dict[str, Any]], driver_code: str, places: int) -> list[dict[str, Any]]:
    """The classification after a penalty: the classified driver with this code drops `places` places
    (points move with the positions, as the stewards' decision does)."""
    moved = [dict(entry) for entry in entries]
    index = next(i for i, entry in enumerate(moved) if entry["Driver"]["code"] == driver_code)
    points = [entry["points"] for entry in moved]
    moved.insert(index + places, moved.pop(index))
    for position, entry in enumerate(moved, start=1):
        entry["position"] = str(position)
        if entry["positionText"].isdigit():
            entry["positionText"] = str(position)
            entry["points"] = points[position - 1]
    return moved


def standings_document(season: int, round_: int) -> bytes:
    """A `/{season}/{round}/driverstandings/` document of F1DB's current table for the season."""
    lines = [
        {"position": row["position"], "positionText": row["position"], "points": row["points"] or "0", "wins": "0",
         "Driver": _driver(row["driverId"]), "Constructors": []}
        for row in bundled_rows("driver_standings") if row["year"] == str(season)
    ]
    return json.dumps({"MRData": {"series": "f1", "limit": "100", "offset": "0", "total": str(len(lines)), "StandingsTable": {
        "season": str(season), "round": str(round_),
        "StandingsLists": [{"season": str(season), "round": str(round_), "DriverStandings": lines}],
    }}}).encode()


async def forget_results(store: Store, season: int, round_: int) -> None:
    """Make the store look as if F1DB's data ended before this F1 race: its results, sprint and qualifying gone,
    the race scheduled again (what a fresh build holds for a race run after the bundled data's date)."""
    async with store.transaction() as conn:
        race = "(SELECT r.id FROM races r JOIN series s ON s.id = r.series_id "
        race += "WHERE s.key = 'f1' AND r.season = ? AND r.round = ?)"
        for table in ("results", "non_starters", "sprint_results", "qualifying_results"):
            await conn.execute(f"DELETE FROM {table} WHERE race_id = {race}", (season, round_))
        await conn.execute(f"UPDATE races SET status = 'scheduled', actual_laps = NULL WHERE id = {race}", (season, round_))
