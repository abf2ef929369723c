"""The Jolpica F1 API (Ergast's successor): race, sprint and qualifying results and the drivers' standings of a round.

A document is checked whole before it is believed, like NASCAR's feed (db/nascar_feed.py): size, nesting, every
value typed and bounded, positions a run 1..n, and `MRData.total` equal to the rows held (a paginated, trimmed or
partial document is refused). Any rejection is a `FeedError` naming the field, and the store is not touched.

Jolpica's ids are Ergast's (`max_verstappen`, `red_bull`), the store's are F1DB's (`max-verstappen`, `red-bull`):
a driver is found by the slug with hyphens, then by code and permanent number, then by full name; one the store
does not know becomes a new driver row (never a crash). Constructors likewise, by slug, then by name.

Results land in the race F1DB scheduled (series f1, season, round), replacing what an earlier Jolpica document put
there: a penalty after the race revises it in place. A race F1DB already holds results for is never overwritten.
`import_document` writes a whole document in one transaction and keeps it (compressed) in `feed_documents`, beside
NASCAR's, so `pitboard db build` replays it onto fresh history (db/build.py) after validating it again.
Jolpica's data is licensed for non-commercial use only (see the README's F1 section).
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import zlib
from datetime import UTC, datetime
from typing import Any

import aiosqlite

from db.errors import FeedError
from db.models import FIRST_SEASON, LAST_SEASON
from db.names import normalize
from db.nascar_feed import _shown
from db.records import Record
from db.store import Store

SERIES_KEY = "f1"
SESSIONS = ("results", "sprint", "qualifying")
MAX_DOCUMENT_BYTES = 1024 * 1024     # a race's results are ~15 KB
MAX_DEPTH = 10                       # MRData.RaceTable.Races[].Results[].FastestLap.Time nests 6 deep
MAX_TEXT = 2_000
MAX_NAME = 100                       # a name, team, status or time we store
MAX_ROWS = 40                        # a grid is at most 26 cars today (34 in the 1950s)
MAX_ROUND = 30
MAX_LAPS = 300
MAX_POINTS = 1_000.0                 # a season's points (the record is 575)
SLUG = re.compile(r"[a-z0-9_]{1,64}")
CAR_NUMBER = re.compile(r"\d{1,3}")
LAP_TIME = re.compile(r"[+0-9:.]{1,20}")
# positionText: a classified position, or R retired, D disqualified, E excluded, W withdrawn, F failed to qualify,
# N not classified. R, D and N started (results.status_code); W, F and E (excluded) are non-starters (F1DB's codes).
STARTED_CODES = {"R": "DNF", "D": "DSQ", "N": "NC"}
NOT_STARTED_CODES = {"W": "DNS", "F": "DNQ", "E": "EX"}
SPRINT_CODES = {"R": "DNF", "D": "DSQ", "N": "NC", "W": "DNS"}
LAPPED = re.compile(r"\+(\d{1,3}) Laps?")


class Driver(Record):
    jolpica_id: str              # max_verstappen
    code: str | None             # VER
    permanent_number: str | None
    given_name: str
    family_name: str

    @property
    def name(self) -> str:
        return f"{self.given_name} {self.family_name}"


class Constructor(Record):
    jolpica_id: str              # red_bull
    name: str                    # Red Bull


class Entry(Record):
    """One line of a race, sprint or qualifying classification."""

    position: int                # the order Jolpica lists (1..n, retirements included)
    position_text: str           # 1, R, D, E, W, F, N
    number: str
    driver: Driver
    constructor: Constructor
    grid: int | None             # 0 in Jolpica: the pit lane (pit_lane_start)
    laps: int | None
    status: str | None           # Finished, Lapped, +1 Lap, Engine, Collision…
    time: str | None             # the winner's race time, the others' gap (+2.664)
    points: float
    q1: str | None = None
    q2: str | None = None
    q3: str | None = None


class Session(Record):
    """One session's classification: `session` is results (the race), sprint or qualifying."""

    session: str
    season: int
    round: int
    entries: list[Entry]


class StandingLine(Record):
    position: int | None         # None: excluded (positionText "-" or "E")
    driver: Driver
    points: float


class Standings(Record):
    season: int
    round: int
    lines: list[StandingLine]


# ------------------------------------------------------------------ parsing and validation

def _load(body: bytes) -> dict[str, Any]:
    if len(body) > MAX_DOCUMENT_BYTES:
        raise FeedError("document", f"{len(body)} bytes is more than {MAX_DOCUMENT_BYTES}")
    try:
        document = json.loads(body, parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as error:
        raise FeedError("document", f"not JSON ({str(error)[:80]})") from error
    _check_shape(document, "document", 0)
    if not isinstance(document, dict) or not isinstance(document.get("MRData"), dict):
        raise FeedError("MRData", "missing")
    return document["MRData"]


def _refuse_constant(name: str) -> float:
    raise ValueError(f"{name} is not a number")


def _check_shape(value: Any, where: str, depth: int) -> None:
    """Every container within MAX_DEPTH, every string within MAX_TEXT, every number finite."""
    if depth > MAX_DEPTH:
        raise FeedError(where, f"nested more than {MAX_DEPTH} deep")
    if isinstance(value, dict):
        for key, item in value.items():
            _check_shape(item, f"{where}.{key}"[:200], depth + 1)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_shape(item, f"{where}[{index}]"[:200], depth + 1)
    elif isinstance(value, str) and len(value) > MAX_TEXT:
        raise FeedError(where, f"a string of {len(value)} characters")
    elif isinstance(value, float) and not math.isfinite(value):
        raise FeedError(where, "not a finite number")


def _text(value: Any, where: str, *, required: bool = True, pattern: re.Pattern[str] | None = None) -> str | None:
    if value is None or value == "":
        if required:
            raise FeedError(where, "missing")
        return None
    if not isinstance(value, str) or len(value) > MAX_NAME or not value.strip():
        raise FeedError(where, f"expected a short string, got {_shown(value)}")
    if pattern is not None and not pattern.fullmatch(value):
        raise FeedError(where, f"unexpected value {_shown(value)}")
    return value.strip()


def _required(value: Any, where: str, *, pattern: re.Pattern[str] | None = None) -> str:
    text = _text(value, where, pattern=pattern)
    assert text is not None, "a required text is never None"
    return text


def _int(value: Any, where: str, low: int, high: int, *, required: bool = True) -> int | None:
    """Jolpica writes numbers as strings ("16")."""
    if value is None or value == "":
        if required:
            raise FeedError(where, "missing")
        return None
    if not isinstance(value, str) or not value.isdigit() or len(value) > 6:
        raise FeedError(where, f"expected a whole number, got {_shown(value)}")
    number = int(value)
    if not low <= number <= high:
        raise FeedError(where, f"{number} is outside {low}..{high}")
    return number


def _points(value: Any, where: str) -> float:
    if not isinstance(value, str) or not re.fullmatch(r"\d{1,4}(\.\d{1,2})?", value):
        raise FeedError(where, f"expected points, got {_shown(value)}")
    points = float(value)
    if points > MAX_POINTS:
        raise FeedError(where, f"{points:g} points is implausible")
    return points


def _object(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise FeedError(where, f"expected an object, got {_shown(value)}")
    return value


def _list(value: Any, where: str, most: int) -> list[Any]:
    if not isinstance(value, list):
        raise FeedError(where, f"expected a list, got {_shown(value)}")
    if len(value) > most:
        raise FeedError(where, f"{len(value)} entries, more than {most}")
    return value


def _driver(value: Any, where: str) -> Driver:
    data = _object(value, where)
    return Driver(
        jolpica_id=_required(data.get("driverId"), f"{where}.driverId", pattern=SLUG),
        code=_text(data.get("code"), f"{where}.code", required=False, pattern=re.compile(r"[A-Z]{3}")),
        permanent_number=_text(data.get("permanentNumber"), f"{where}.permanentNumber", required=False, pattern=CAR_NUMBER),
        given_name=_required(data.get("givenName"), f"{where}.givenName"),
        family_name=_required(data.get("familyName"), f"{where}.familyName"),
    )


def _constructor(value: Any, where: str) -> Constructor:
    data = _object(value, where)
    return Constructor(_required(data.get("constructorId"), f"{where}.constructorId", pattern=SLUG),
                       _required(data.get("name"), f"{where}.name"))


def _season_round(table: dict[str, Any], item: dict[str, Any], where: str) -> tuple[int, int]:
    season = _int(item.get("season"), f"{where}.season", FIRST_SEASON, LAST_SEASON)
    round_ = _int(item.get("round"), f"{where}.round", 1, MAX_ROUND)
    assert season is not None and round_ is not None
    for key, value in (("season", season), ("round", round_)):
        if key in table and table[key] != str(value):
            raise FeedError(f"{where}.{key}", f"{value} does not match the table's {table[key]!r}")
    return season, round_


def _complete(data: dict[str, Any], held: int) -> None:
    """A document holds every row it announces: `total` rows from offset 0 (the client asks for them all)."""
    total = _int(data.get("total"), "MRData.total", 0, 10_000)
    offset = _int(data.get("offset", "0"), "MRData.offset", 0, 10_000)
    if offset != 0 or total != held:
        raise FeedError("MRData.total", f"announces {total} rows from offset {offset}, the document holds {held}: partial")


def parse_session(body: bytes, session: str) -> Session | None:
    """A `/{season}/{round}/{results|sprint|qualifying}/` document; None while the session has no results yet."""
    if session not in SESSIONS:
        raise ValueError(f"unknown session {session!r}")
    data = _load(body)
    table = _object(data.get("RaceTable"), "MRData.RaceTable")
    races = _list(table.get("Races"), "MRData.RaceTable.Races", 1)
    rows_key = {"results": "Results", "sprint": "SprintResults", "qualifying": "QualifyingResults"}[session]
    if not races:
        _complete(data, 0)
        return None
    race = _object(races[0], "MRData.RaceTable.Races[0]")
    season, round_ = _season_round(table, race, "MRData.RaceTable.Races[0]")
    where = f"MRData.RaceTable.Races[0].{rows_key}"
    rows = _list(race.get(rows_key), where, MAX_ROWS)
    _complete(data, len(rows))
    if not rows:
        return None
    entries = [_entry(row, f"{where}[{index}]", session) for index, row in enumerate(rows)]
    if [entry.position for entry in entries] != list(range(1, len(entries) + 1)):
        raise FeedError(where, "positions are not 1..n in order")
    numbers = [entry.driver.jolpica_id for entry in entries]
    if len(set(numbers)) != len(numbers):
        raise FeedError(where, "a driver is listed twice")
    if session != "qualifying" and entries[0].position_text != "1":
        raise FeedError(f"{where}[0].positionText", "the first line is not a classified winner")
    return Session(session, season, round_, entries)


def _entry(value: Any, where: str, session: str) -> Entry:
    data = _object(value, where)
    position = _int(data.get("position"), f"{where}.position", 1, MAX_ROWS)
    assert position is not None
    if session == "qualifying":
        return Entry(
            position=position, position_text=str(position),
            number=_required(data.get("number"), f"{where}.number", pattern=CAR_NUMBER),
            driver=_driver(data.get("Driver"), f"{where}.Driver"),
            constructor=_constructor(data.get("Constructor"), f"{where}.Constructor"),
            grid=None, laps=None, status=None, time=None, points=0.0,
            q1=_text(data.get("Q1"), f"{where}.Q1", required=False, pattern=LAP_TIME),
            q2=_text(data.get("Q2"), f"{where}.Q2", required=False, pattern=LAP_TIME),
            q3=_text(data.get("Q3"), f"{where}.Q3", required=False, pattern=LAP_TIME),
        )
    position_text = _required(data.get("positionText"), f"{where}.positionText")
    codes = SPRINT_CODES if session == "sprint" else STARTED_CODES | NOT_STARTED_CODES
    if not (position_text == str(position) or position_text in codes):
        raise FeedError(f"{where}.positionText", f"unexpected value {_shown(position_text)}")
    timing = data.get("Time")
    time = None
    if timing is not None:
        time = _text(_object(timing, f"{where}.Time").get("time"), f"{where}.Time.time", pattern=LAP_TIME)
    return Entry(
        position=position, position_text=position_text,
        number=_required(data.get("number"), f"{where}.number", pattern=CAR_NUMBER),
        driver=_driver(data.get("Driver"), f"{where}.Driver"),
        constructor=_constructor(data.get("Constructor"), f"{where}.Constructor"),
        grid=_int(data.get("grid"), f"{where}.grid", 0, MAX_ROWS, required=False),
        laps=_int(data.get("laps"), f"{where}.laps", 0, MAX_LAPS, required=False),
        status=_text(data.get("status"), f"{where}.status", required=False), time=time,
        points=_points(data.get("points"), f"{where}.points"),
    )


def parse_standings(body: bytes) -> Standings | None:
    """A `/{season}/{round}/driverstandings/` document; None when the season has no table yet."""
    data = _load(body)
    table = _object(data.get("StandingsTable"), "MRData.StandingsTable")
    lists = _list(table.get("StandingsLists"), "MRData.StandingsTable.StandingsLists", 1)
    if not lists:
        _complete(data, 0)
        return None
    where = "MRData.StandingsTable.StandingsLists[0]"
    listed = _object(lists[0], where)
    season, round_ = _season_round(table, listed, where)
    rows = _list(listed.get("DriverStandings"), f"{where}.DriverStandings", 100)
    _complete(data, len(rows))
    lines = []
    for index, row in enumerate(rows):
        at = f"{where}.DriverStandings[{index}]"
        line = _object(row, at)
        position = _int(line.get("position"), f"{at}.position", 1, 100, required=False)
        driver = _driver(line.get("Driver"), f"{at}.Driver")
        lines.append(StandingLine(position, driver, _points(line.get("points"), f"{at}.points")))
    return Standings(season, round_, lines) if lines else None


# ------------------------------------------------------------------ mapping ids and importing

async def _scalar(conn: aiosqlite.Connection, sql: str, params: tuple) -> Any:
    async with conn.execute(sql, params) as cursor:
        row = await cursor.fetchone()
    return row[0] if row else None


async def driver_id(conn: aiosqlite.Connection, driver: Driver) -> int:
    """The store's driver for a Jolpica driver: by F1DB slug, then code and permanent number, then full name;
    a driver the store does not know is added."""
    slug = driver.jolpica_id.replace("_", "-")
    found = await _scalar(conn, "SELECT id FROM drivers WHERE f1db_id = ?", (slug,))
    if found is None and driver.code and driver.permanent_number:
        found = await _scalar(conn, "SELECT id FROM drivers WHERE code = ? AND permanent_number = ? AND f1db_id IS NOT NULL",
                              (driver.code, driver.permanent_number))
    if found is None:
        found = await _scalar(conn, "SELECT driver_id FROM driver_aliases WHERE alias = ?", (normalize(driver.name),))
    if found is not None:
        return int(found)
    taken = await _scalar(conn, "SELECT id FROM drivers WHERE name = ?", (driver.name,))
    name = driver.name if taken is None else f"{driver.name} ({driver.jolpica_id})"
    async with conn.execute(
        "INSERT INTO drivers (name, code, permanent_number, full_name, last_name) VALUES (?, ?, ?, ?, ?)",
        (name, driver.code, driver.permanent_number, driver.name, driver.family_name),
    ) as cursor:
        added = cursor.lastrowid
    assert added is not None
    await conn.execute("INSERT OR IGNORE INTO driver_aliases (alias, driver_id) VALUES (?, ?)", (normalize(driver.name), added))
    return added


async def team_id(conn: aiosqlite.Connection, constructor: Constructor) -> int:
    """The store's team for a Jolpica constructor: by F1DB slug, then by name; an unknown one is added."""
    found = await _scalar(conn, "SELECT id FROM teams WHERE f1db_id = ?", (constructor.jolpica_id.replace("_", "-"),))
    if found is None:
        found = await _scalar(conn, "SELECT id FROM teams WHERE name = ? OR full_name = ?", (constructor.name, constructor.name))
    if found is not None:
        return int(found)
    async with conn.execute("INSERT INTO teams (name, full_name) VALUES (?, ?)", (constructor.name, constructor.name)) as cursor:
        added = cursor.lastrowid
    assert added is not None
    return added


async def _race(conn: aiosqlite.Connection, season: int, round_: int, where: str) -> tuple[int, str]:
    """(race id, source) of the F1 race F1DB scheduled for this season and round."""
    async with conn.execute(
        "SELECT r.id, r.source FROM races r JOIN series s ON s.id = r.series_id WHERE s.key = ? AND r.season = ? AND r.round = ?",
        (SERIES_KEY, season, round_),
    ) as cursor:
        row = await cursor.fetchone()
    if row is None:
        raise FeedError(where, f"no F1 race {season} round {round_} in the calendar")
    return int(row[0]), str(row[1])


async def _rows(conn: aiosqlite.Connection, sql: str, params: tuple) -> list[tuple]:
    async with conn.execute(sql, params) as cursor:
        return [tuple(row) for row in await cursor.fetchall()]


def _gap(entry: Entry, winner_laps: int | None) -> str | None:
    """A classified car's gap: Jolpica's +2.664, or laps down as F1DB writes it (+1 lap)."""
    if entry.time is not None:
        return entry.time
    lapped = LAPPED.fullmatch(entry.status or "")
    down = int(lapped[1]) if lapped else (winner_laps - entry.laps if winner_laps is not None and entry.laps is not None else 0)
    return f"+{down} lap{'s' if down != 1 else ''}" if down > 0 else None


async def write_session(conn: aiosqlite.Connection, parsed: Session) -> bool:
    """Write one session's classification inside the caller's transaction; whether the store changed."""
    race_id, source = await _race(conn, parsed.season, parsed.round, "MRData.RaceTable.Races[0].round")
    if source == "history" and await _scalar(conn, "SELECT EXISTS (SELECT 1 FROM results WHERE race_id = ?)", (race_id,)):
        return False   # F1DB's results stand
    ids = [(await driver_id(conn, entry.driver), await team_id(conn, entry.constructor)) for entry in parsed.entries]
    if parsed.session == "results":
        return await _write_race(conn, race_id, parsed, ids)
    if parsed.session == "sprint":
        return await _write_sprint(conn, race_id, parsed, ids)
    return await _write_qualifying(conn, race_id, parsed, ids)


async def _replace(conn: aiosqlite.Connection, table: str, columns: tuple[str, ...], race_id: int, rows: list[tuple]) -> bool:
    """Replace a race's rows in `table` when they differ; whether they did."""
    listed = ", ".join(columns)
    held = await _rows(conn, f"SELECT {listed} FROM {table} WHERE race_id = ? ORDER BY id", (race_id,))
    if held == rows:
        return False
    await conn.execute(f"DELETE FROM {table} WHERE race_id = ?", (race_id,))
    marks = ", ".join("?" * (len(columns) + 1))
    await conn.executemany(f"INSERT INTO {table} (race_id, {listed}) VALUES ({marks})", [(race_id, *row) for row in rows])
    return True


RACE_COLUMNS = ("finish", "status_code", "start", "pit_lane_start", "car_number", "driver_id", "team_id", "laps", "status",
                "points", "time", "gap")


async def _write_race(conn: aiosqlite.Connection, race_id: int, parsed: Session, ids: list[tuple[int, int]]) -> bool:
    winner_laps = parsed.entries[0].laps
    started: list[tuple] = []
    not_started: list[tuple] = []
    for entry, (driver, team) in zip(parsed.entries, ids, strict=True):
        if entry.position_text in NOT_STARTED_CODES:
            not_started.append((len(not_started) + 1, NOT_STARTED_CODES[entry.position_text], entry.number, driver, team,
                                entry.status))
            continue
        code = STARTED_CODES.get(entry.position_text)
        classified = code is None
        started.append((
            len(started) + 1, code, entry.grid or None, int(entry.grid == 0), entry.number, driver, team, entry.laps,
            None if classified else entry.status, _stored_points(entry.points),
            entry.time if classified and len(started) == 0 else None,
            _gap(entry, winner_laps) if classified and started else None,
        ))
    changed = await _replace(conn, "results", RACE_COLUMNS, race_id, started)
    changed |= await _replace(conn, "non_starters", ("entry", "status_code", "car_number", "driver_id", "team_id", "reason"),
                              race_id, not_started)
    if changed:
        await conn.execute(
            "UPDATE races SET status = 'official', source = 'feed', actual_laps = ? WHERE id = ?", (winner_laps, race_id)
        )
    return changed


def _stored_points(points: float) -> float | int | None:
    """As F1DB's rows are stored: no points is NULL, whole points an integer."""
    if not points:
        return None
    return int(points) if points == int(points) else points


async def _write_sprint(conn: aiosqlite.Connection, race_id: int, parsed: Session, ids: list[tuple[int, int]]) -> bool:
    winner_laps = parsed.entries[0].laps
    rows = []
    for entry, (driver, team) in zip(parsed.entries, ids, strict=True):
        code = SPRINT_CODES.get(entry.position_text)
        classified = code is None
        rows.append((
            entry.position, code, entry.grid or None, int(entry.grid == 0), entry.number, driver, team, entry.laps,
            entry.time if classified and entry.position == 1 else None,
            _gap(entry, winner_laps) if classified and entry.position > 1 else None,
            None if classified else entry.status, _stored_points(entry.points),
        ))
    return await _replace(conn, "sprint_results", ("finish", "status_code", "start", "pit_lane_start", "car_number", "driver_id",
                                                   "team_id", "laps", "time", "gap", "status", "points"), race_id, rows)


async def _write_qualifying(conn: aiosqlite.Connection, race_id: int, parsed: Session, ids: list[tuple[int, int]]) -> bool:
    rows = [
        (entry.position, entry.position, entry.number, driver, team, entry.q3 or entry.q2 or entry.q1, entry.q1, entry.q2,
         entry.q3)
        for entry, (driver, team) in zip(parsed.entries, ids, strict=True)
    ]
    columns = ("entry", "position", "car_number", "driver_id", "team_id", "time", "q1", "q2", "q3")
    return await _replace(conn, "qualifying_results", columns, race_id, rows)


async def write_standings(conn: aiosqlite.Connection, parsed: Standings) -> bool:
    """Replace the season's drivers' table inside the caller's transaction; whether it changed."""
    series_id = await _scalar(conn, "SELECT id FROM series WHERE key = ?", (SERIES_KEY,))
    rows = [(line.position, await driver_id(conn, line.driver), line.points) for line in parsed.lines]
    held = await _rows(
        conn, "SELECT position, driver_id, points FROM driver_standings WHERE series_id = ? AND season = ? ORDER BY id",
        (series_id, parsed.season),
    )
    if held == rows:
        return False
    await conn.execute("DELETE FROM driver_standings WHERE series_id = ? AND season = ?", (series_id, parsed.season))
    await conn.executemany(
        "INSERT INTO driver_standings (series_id, season, position, status_code, driver_id, points) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [(series_id, parsed.season, position, None if position is not None else "EX", driver, points)
         for position, driver, points in rows],
    )
    return True


# ------------------------------------------------------------------ whole documents, kept for `pitboard db build`

DOCUMENTS = ("results", "sprint", "qualifying", "standings")
KIND_PREFIX = "jolpica-"             # feed_documents.kind: jolpica-results, jolpica-standings…
JOLPICA_SHAPE = re.compile(rb'\s*\{\s*"MRData"\s*:')
ROWS_KEYS = {"Results": "results", "SprintResults": "sprint", "QualifyingResults": "qualifying"}


class Document(Record):
    """A validated Jolpica document: what it is, and its content (None while the session or table is still empty)."""

    what: str                                # results, sprint, qualifying or standings
    content: Session | Standings | None


def is_jolpica(body: bytes) -> bool:
    """Whether a JSON document is shaped like Jolpica's (`{"MRData": ...}`), not like NASCAR's feed."""
    return JOLPICA_SHAPE.match(body) is not None


def document_what(body: bytes) -> str:
    """results, sprint, qualifying or standings, by the document's shape (FeedError when it is none of them)."""
    data = _load(body)
    if "StandingsTable" in data:
        return "standings"
    table = data.get("RaceTable")
    races = table.get("Races") if isinstance(table, dict) else None
    if isinstance(races, list) and races and isinstance(races[0], dict):
        found = [what for key, what in ROWS_KEYS.items() if key in races[0]]
        if len(found) == 1:
            return found[0]
    raise FeedError("MRData", "not a Jolpica results, sprint, qualifying or driver standings document")


def parse_document(body: bytes, what: str | None = None) -> Document:
    """Validate a whole document; `what` is found from its shape when not given (a saved file)."""
    what = what or document_what(body)
    if what not in DOCUMENTS:
        raise ValueError(f"unknown Jolpica document {what!r}")
    return Document(what, parse_standings(body) if what == "standings" else parse_session(body, what))


async def write_document(conn: aiosqlite.Connection, document: Document) -> bool:
    """Write a validated document's content inside the caller's transaction; whether the store changed."""
    if isinstance(document.content, Standings):
        return await write_standings(conn, document.content)
    if isinstance(document.content, Session):
        return await write_session(conn, document.content)
    return False


def what_of_kind(kind: str) -> str | None:
    """The Jolpica document a `feed_documents.kind` stands for (None: one of NASCAR's feed documents)."""
    what = kind.removeprefix(KIND_PREFIX)
    return what if kind.startswith(KIND_PREFIX) and what in DOCUMENTS else None


def document_key(document: Document) -> str:
    """The document's row in `feed_documents`: a session's by season and round, the drivers' table by season."""
    content = document.content
    assert content is not None, "only a document with content is kept"
    return str(content.season) if isinstance(content, Standings) else f"{content.season}-{content.round}"


async def import_document(store: Store, body: bytes, what: str | None = None) -> tuple[Document, bool]:
    """Validate and import one document in a single transaction, keeping it (compressed) in `feed_documents` so
    `pitboard db build` replays it onto fresh history; returns the document and whether the store changed."""
    document = parse_document(body, what)
    if document.content is None:
        return document, False
    kind, key = KIND_PREFIX + document.what, document_key(document)
    digest = hashlib.sha256(body).hexdigest()
    async with store.transaction() as conn:
        changed = await write_document(conn, document)
        if await _scalar(conn, "SELECT sha256 FROM feed_documents WHERE kind = ? AND key = ?", (kind, key)) != digest:
            await conn.execute(
                "INSERT OR REPLACE INTO feed_documents (kind, key, sha256, imported_at, body) VALUES (?, ?, ?, ?, ?)",
                (kind, key, digest, datetime.now(UTC).isoformat(), zlib.compress(body)),
            )
    if changed:
        store.forget_names()
    return document, changed
