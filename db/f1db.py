"""The bundled Formula 1 history (F1DB, CC BY 4.0; see db/data/f1/SOURCE.md), loaded by `pitboard db build`.

F1DB's files are read as written by db/f1db_extract.py and mapped onto the shared tables (migration 0012 says how
to read them): grands prix name the races, circuits become tracks (a circuit NASCAR also raced is its existing track,
db/data/f1/circuit_tracks.csv), drivers and constructors join the drivers and teams (one person, one row: an F1 driver
whose name a NASCAR driver has is that driver, unless db/data/f1/namesakes.csv says otherwise), engine makers are
the makes. F1DB's ids are kept (`f1db_id`) for the live adapter.
"""

from __future__ import annotations

import csv
import io
import lzma
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from importlib import resources

import aiosqlite

from db.names import normalize

SERIES_KEY = "f1"
KM_PER_MILE = 1.609344
STARTED = frozenset({"DNF", "NC", "DSQ"})                      # in results; every other code did not start
NOT_STARTED = frozenset({"DNS", "DNQ", "DNPQ", "DNP", "EX"})   # in non_starters
SPRINT_CODES = STARTED | {"DNS"}                               # a sprint lists everyone entered
QUALIFYING_CODES = frozenset({"NC", "DSQ", "EX"})
EXCLUDED_CODES = frozenset({"DSQ", "EX"})                      # from a championship's table
TRACK_KINDS = {"RACE": "road", "ROAD": "road", "STREET": "street"}
# session -> the F1DB races.csv column prefix of its date and time ("" for the race itself: date, time)
SESSIONS = (
    ("practice_1", "freePractice1"), ("practice_2", "freePractice2"), ("practice_3", "freePractice3"),
    ("sprint_qualifying", "sprintQualifying"), ("qualifying", "qualifying"), ("sprint", "sprintRace"), ("race", ""),
)

Rows = Callable[[str], Iterable[dict[str, str]]]


class F1DataError(Exception):
    """The F1 files contradict themselves or the store (a reference to an unknown id, a name clash)."""


def bundled_rows(name: str) -> Iterator[dict[str, str]]:
    """Rows of one bundled F1 file (`races` → db/data/f1/races.csv.xz), keyed by F1DB's column names."""
    compressed = resources.files("db.data").joinpath("f1", f"{name}.csv.xz").open("rb")
    with compressed, io.TextIOWrapper(lzma.LZMAFile(compressed), encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle)


def curated_rows(name: str) -> list[dict[str, str]]:
    """Rows of one of our curated CSV files in db/data/f1/."""
    text = resources.files("db.data").joinpath("f1", f"{name}.csv").read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def _int(value: str) -> int | None:
    return int(value) if value else None


def _points(value: str) -> float | int:
    """`4.5` stays 4.5, `9` is 9; empty means no points scored (F1DB's convention), so 0."""
    if not value:
        return 0
    number = float(value)
    return int(number) if number.is_integer() else number


def _miles(km: str) -> float | None:
    return round(float(km) / KM_PER_MILE, 3) if km else None


def _instant(date: str, time: str) -> tuple[str, int] | None:
    """(ISO 8601 UTC instant, date_only) from F1DB's UTC date and time; midnight UTC when only the day is known."""
    if not date:
        return None
    if time:
        return f"{date}T{time}:00+00:00", 0
    return f"{date}T00:00:00+00:00", 1


@dataclass
class _Ids:
    """F1DB ids → store ids, filled as the reference files are loaded."""

    series: int
    tracks: dict[str, int]
    layouts: dict[tuple[str, str], int]
    grands_prix: dict[str, int]
    drivers: dict[str, int]
    teams: dict[str, int]
    engines: dict[str, str]                 # engine id -> make name
    races: dict[str, int]


async def _fetch(conn: aiosqlite.Connection, sql: str, params: tuple = ()) -> list[tuple]:
    return [tuple(row) for row in await conn.execute_fetchall(sql, params)]


async def _insert(conn: aiosqlite.Connection, sql: str, params: tuple) -> int:
    async with conn.execute(sql, params) as cursor:
        if cursor.lastrowid is None:
            raise F1DataError(f"no row id after {sql.split('(')[0].strip()}")
        return cursor.lastrowid


async def load_f1(
    conn: aiosqlite.Connection, rows: Rows = bundled_rows, progress: Callable[[int], None] = lambda races: None
) -> dict[str, int]:
    """Load the F1 history into a store that holds the other series' history, inside the caller's transaction
    (`conn`: the store's writer). Returns counts of what was written."""
    found = await _fetch(conn, "SELECT id FROM series WHERE key = ?", (SERIES_KEY,))
    if not found:
        raise F1DataError("db/data/series.csv has no f1 series")
    ids = _Ids(found[0][0], {}, {}, {}, {}, {}, {}, {})
    await _load_tracks(conn, rows, ids)
    await _load_grands_prix(conn, rows, ids)
    await _load_drivers(conn, rows, ids)
    await _load_teams(conn, rows, ids)
    ids.engines = {row["id"]: row["name"] for row in rows("engine_manufacturers")}
    results = _by_race(rows("race_results"))
    await _load_races(conn, rows, ids, results, progress)
    counts = await _load_results(conn, ids, results)
    counts["sprint_results"] = await _load_sprints(conn, ids, _by_race(rows("sprint_results")))
    counts["qualifying_results"] = await _load_qualifying(conn, ids, _by_race(rows("qualifying_results")))
    counts.update(await _load_standings(conn, rows, ids))
    counts.update(races=len(ids.races), drivers=len(ids.drivers), teams=len(ids.teams), tracks=len(ids.tracks))
    return counts


def _by_race(rows: Iterable[dict[str, str]]) -> dict[str, list[dict[str, str]]]:
    grouped: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in rows:
        grouped[row["race_id"]].append(row)
    return grouped


async def _load_tracks(conn: aiosqlite.Connection, rows: Rows, ids: _Ids) -> None:
    """Circuits: the existing track for those NASCAR raced too (its kind and length stay), else a new track."""
    shared = curated_rows("circuit_tracks")
    by_name = {name: track_id for track_id, name in await _fetch(conn, "SELECT id, name FROM tracks")}
    for mapping in shared:
        if mapping["track"] not in by_name:
            continue  # a history without that NASCAR track (a partial or synthetic build): the circuit gets its own
        ids.layouts[(mapping["f1db_circuit"], mapping["f1db_layout"])] = by_name[mapping["track"]]
    for circuit in rows("circuits"):
        place, country = circuit["placeName"] or None, circuit["country"] or None
        track_id = ids.layouts.get((circuit["id"], ""))
        if track_id is not None:
            await conn.execute(
                "UPDATE tracks SET f1db_id = ?, place = coalesce(place, ?), country = coalesce(country, ?) WHERE id = ?",
                (circuit["id"], place, country, track_id),
            )
        elif circuit["fullName"] in by_name:
            raise F1DataError(f"circuit {circuit['id']} is named {circuit['fullName']} like a track: say in circuit_tracks.csv")
        else:
            track_id = await _insert(
                conn,
                "INSERT INTO tracks (name, kind, length_mi, f1db_id, place, country) VALUES (?, ?, ?, ?, ?, ?)",
                (circuit["fullName"], TRACK_KINDS[circuit["type"]], _miles(circuit["length"]), circuit["id"], place, country),
            )
        ids.tracks[circuit["id"]] = track_id
        await conn.executemany(
            "INSERT OR IGNORE INTO track_aliases (alias, track_id) VALUES (?, ?)",
            [(normalize(name), track_id) for name in {circuit["fullName"], circuit["name"]}],
        )


async def _load_grands_prix(conn: aiosqlite.Connection, rows: Rows, ids: _Ids) -> None:
    for grand_prix in rows("grands_prix"):
        ids.grands_prix[grand_prix["id"]] = await _insert(
            conn,
            "INSERT INTO grands_prix (f1db_id, name, short_name, plain_name, abbreviation, country) VALUES (?, ?, ?, ?, ?, ?)",
            (grand_prix["id"], grand_prix["fullName"], grand_prix["shortName"], grand_prix["name"],
             grand_prix["abbreviation"] or None, grand_prix["country"] or None),
        )


def _birth_date(text: str) -> str | None:
    """F1DB's date of birth as an ISO date, or None where it has none (or one that is not a date)."""
    try:
        return date.fromisoformat(text).isoformat() if text else None
    except ValueError:
        return None


async def _load_drivers(conn: aiosqlite.Connection, rows: Rows, ids: _Ids) -> None:
    """An F1 driver whose normalized name is a driver's already is that driver, unless a namesake: he is stored by
    the name namesakes.csv gives him (`Jim Clark (1936)`) and known as F1DB's (`Jim Clark`)."""
    namesakes = {row["f1db_driver"]: row["name"] for row in curated_rows("namesakes")}
    existing = {normalize(name): driver_id for driver_id, name in await _fetch(conn, "SELECT id, name FROM drivers")}
    next_id = (await _fetch(conn, "SELECT coalesce(max(id), 0) + 1 FROM drivers"))[0][0]
    merged, added = [], []
    for driver in rows("drivers"):
        details = (driver["id"], driver["abbreviation"] or None, driver["permanentNumber"] or None,
                   driver["fullName"] or None, driver["lastName"] or None, _birth_date(driver["dateOfBirth"]))
        name = namesakes.get(driver["id"], driver["name"])
        driver_id = None if driver["id"] in namesakes else existing.get(normalize(name))
        if driver_id is None:
            driver_id, next_id = next_id, next_id + 1
            added.append((driver_id, name, driver["name"] if name != driver["name"] else None, *details))
        else:
            merged.append((*details, driver_id))
        ids.drivers[driver["id"]] = driver_id
    await conn.executemany(
        "UPDATE drivers SET f1db_id = ?, code = ?, permanent_number = ?, full_name = ?, last_name = ?, birth_date = ? "
        "WHERE id = ?", merged
    )
    await conn.executemany(
        "INSERT INTO drivers (id, name, known_as, f1db_id, code, permanent_number, full_name, last_name, birth_date) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        added,
    )
    await conn.executemany(
        "INSERT OR IGNORE INTO driver_aliases (alias, driver_id) VALUES (?, ?)", [(normalize(row[1]), row[0]) for row in added]
    )


async def _load_teams(conn: aiosqlite.Connection, rows: Rows, ids: _Ids) -> None:
    """Constructors; one NASCAR also knows by that name (Penske) is the same team. Constructors F1DB names alike
    (Team Lotus and Lotus F1 Team are both `Lotus`) are stored by their full names."""
    existing = {name: team_id for team_id, name in await _fetch(conn, "SELECT id, name FROM teams")}
    constructors = list(rows("constructors"))
    names = Counter(constructor["name"] for constructor in constructors)
    for constructor in constructors:
        name = constructor["name"] if names[constructor["name"]] == 1 else constructor["fullName"]
        team_id = existing.get(name)
        if team_id is not None:
            await conn.execute(
                "UPDATE teams SET f1db_id = ?, full_name = ? WHERE id = ?", (constructor["id"], constructor["fullName"], team_id)
            )
        else:
            team_id = await _insert(
                conn,
                "INSERT INTO teams (name, f1db_id, full_name) VALUES (?, ?, ?)",
                (name, constructor["id"], constructor["fullName"]),
            )
        ids.teams[constructor["id"]] = team_id


async def _load_races(
    conn: aiosqlite.Connection, rows: Rows, ids: _Ids, results: dict[str, list[dict[str, str]]], progress: Callable[[int], None]
) -> None:
    """Races named by their grand prix, with start and sessions in UTC; those without results yet are scheduled."""
    kinds = {track_id: kind for track_id, kind in await _fetch(conn, "SELECT id, kind FROM tracks")}
    grand_prix_names = {f1db_id: name for f1db_id, name in await _fetch(conn, "SELECT f1db_id, name FROM grands_prix")}
    next_id = (await _fetch(conn, "SELECT coalesce(max(id), 0) + 1 FROM races"))[0][0]
    races: list[tuple] = []
    sessions: list[tuple] = []
    for race in rows("races"):
        track_id = ids.layouts.get((race["circuitId"], race["circuitLayoutId"])) or ids.tracks[race["circuitId"]]
        start = _instant(race["date"], race["time"])
        if start is None:
            raise F1DataError(f"race {race['id']} has no date")
        run = race["id"] in results
        race_id = ids.races[race["id"]] = next_id + len(races)
        races.append((
            race_id, ids.series, int(race["year"]), int(race["round"]), grand_prix_names[race["grandPrixId"]], track_id,
            "road" if kinds[track_id] == "street" else kinds[track_id], *start,
            _int(race["scheduledLaps"] or race["laps"]), _int(race["laps"]) if run else None,
            _miles(race["scheduledDistance"] or race["distance"]), _miles(race.get("courseLength", "")),
            "official" if run else "scheduled", int(race["id"]), ids.grands_prix[race["grandPrixId"]],
            race["officialName"] or None,
        ))
        for session, prefix in SESSIONS:
            when = _instant(race[f"{prefix}Date"], race[f"{prefix}Time"]) if prefix else start
            if when is not None:
                sessions.append((race_id, session, *when))
    await conn.executemany(
        "INSERT INTO races (id, series_id, season, round, name, track_id, kind, starts_at, date_only, scheduled_laps, "
        "actual_laps, scheduled_miles, track_length_mi, status, exhibition, source, f1db_id, grand_prix_id, official_name) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 'history', ?, ?, ?)",
        races,
    )
    await conn.executemany("INSERT INTO race_sessions (race_id, session, starts_at, date_only) VALUES (?, ?, ?, ?)", sessions)
    progress(len(races))


def _finishes(entries: list[dict[str, str]]) -> list[int]:
    """The finishing order of one race's starters, in F1DB's (classification) order: a classified car's position
    (two drivers of a shared car share it), then the unclassified cars one by one after the last classified."""
    last = max((int(entry["position"]) for entry in entries if entry["position"].isdigit()), default=0)
    finishes = []
    for entry in entries:
        if entry["position"].isdigit():
            finishes.append(int(entry["position"]))
        else:
            last += 1
            finishes.append(last)
    return finishes


def _grid(value: str) -> tuple[int | None, int]:
    """(start, pit_lane_start) from F1DB's grid position: a number, PL (pit lane) or empty."""
    return (None, 1) if value == "PL" else (_int(value), 0)


def _code(position: str, allowed: frozenset[str], what: str) -> str | None:
    if position.isdigit():
        return None
    if position not in allowed:
        raise F1DataError(f"unknown {what} status {position!r}")
    return position


async def _load_results(conn: aiosqlite.Connection, ids: _Ids, by_race: dict[str, list[dict[str, str]]]) -> dict[str, int]:
    results, non_starters = [], []
    for f1db_race, entries in by_race.items():
        race_id = ids.races[f1db_race]
        started = [entry for entry in entries if entry["position"] not in NOT_STARTED]
        for entry, finish in zip(started, _finishes(started), strict=True):
            results.append((
                race_id, finish, _code(entry["position"], STARTED, "race"), *_grid(entry["gridPosition"]),
                entry["driverNumber"], ids.drivers[entry["driverId"]], ids.teams[entry["constructorId"]],
                ids.engines[entry["engineManufacturerId"]], _int(entry["laps"]), entry["reasonRetired"] or None,
                _points(entry["points"]), entry["time"] or None, entry["gap"] or None, entry["timePenalty"] or None,
                int(entry["sharedCar"] == "true"), int(entry["grandSlam"] == "true"),
            ))
        for number, entry in enumerate(entries, start=1):
            if entry["position"] in NOT_STARTED:
                non_starters.append((
                    race_id, number, entry["position"], entry["driverNumber"], ids.drivers[entry["driverId"]],
                    ids.teams[entry["constructorId"]], ids.engines[entry["engineManufacturerId"]],
                    _int(entry["gridPosition"]) if entry["gridPosition"] != "PL" else None, entry["reasonRetired"] or None,
                ))
    await conn.executemany(
        "INSERT INTO results (race_id, finish, status_code, start, pit_lane_start, car_number, driver_id, team_id, make, "
        "laps, status, points, time, gap, time_penalty, shared_car, grand_slam) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        results,
    )
    await conn.executemany(
        "INSERT INTO non_starters (race_id, entry, status_code, car_number, driver_id, team_id, make, start, reason) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        non_starters,
    )
    return {"results": len(results), "non_starters": len(non_starters)}


async def _load_sprints(conn: aiosqlite.Connection, ids: _Ids, by_race: dict[str, list[dict[str, str]]]) -> int:
    sprints = []
    for f1db_race, entries in by_race.items():
        for entry, finish in zip(entries, _finishes(entries), strict=True):
            sprints.append((
                ids.races[f1db_race], finish, _code(entry["position"], SPRINT_CODES, "sprint"), *_grid(entry["gridPosition"]),
                entry["driverNumber"], ids.drivers[entry["driverId"]], ids.teams[entry["constructorId"]],
                ids.engines[entry["engineManufacturerId"]], _int(entry["laps"]), entry["time"] or None,
                entry["gap"] or None, entry["timePenalty"] or None, entry["reasonRetired"] or None, _points(entry["points"]),
            ))
    await conn.executemany(
        "INSERT INTO sprint_results (race_id, finish, status_code, start, pit_lane_start, car_number, driver_id, team_id, "
        "make, laps, time, gap, time_penalty, status, points) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        sprints,
    )
    return len(sprints)


async def _load_qualifying(conn: aiosqlite.Connection, ids: _Ids, by_race: dict[str, list[dict[str, str]]]) -> int:
    qualifying = [
        (
            ids.races[f1db_race], number, _int(entry["position"]) if entry["position"].isdigit() else None,
            _code(entry["position"], QUALIFYING_CODES, "qualifying"), entry["driverNumber"],
            ids.drivers[entry["driverId"]], ids.teams[entry["constructorId"]], entry["time"] or None,
            entry["q1"] or None, entry["q2"] or None, entry["q3"] or None,
        )
        for f1db_race, entries in by_race.items()
        for number, entry in enumerate(entries, start=1)
    ]
    await conn.executemany(
        "INSERT INTO qualifying_results (race_id, entry, position, status_code, car_number, driver_id, team_id, time, "
        "q1, q2, q3) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        qualifying,
    )
    return len(qualifying)


async def _load_standings(conn: aiosqlite.Connection, rows: Rows, ids: _Ids) -> dict[str, int]:
    """Official tables; a driver or team excluded from a championship (Schumacher 1997) has a status, no position."""
    drivers = [
        (ids.series, int(row["year"]), _int(row["position"]) if row["position"].isdigit() else None,
         _code(row["position"], EXCLUDED_CODES, "standings"), ids.drivers[row["driverId"]], _points(row["points"]))
        for row in rows("driver_standings")
    ]
    teams = [
        (ids.series, int(row["year"]), _int(row["position"]) if row["position"].isdigit() else None,
         _code(row["position"], EXCLUDED_CODES, "standings"), ids.teams[row["constructorId"]],
         ids.engines[row["engineManufacturerId"]], _points(row["points"]))
        for row in rows("constructor_standings")
    ]
    await conn.executemany(
        "INSERT INTO driver_standings (series_id, season, position, status_code, driver_id, points) VALUES (?, ?, ?, ?, ?, ?)",
        drivers,
    )
    await conn.executemany(
        "INSERT INTO team_standings (series_id, season, position, status_code, team_id, make, points) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        teams,
    )
    return {"driver_standings": len(drivers), "team_standings": len(teams)}
