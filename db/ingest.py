"""The adapter shape every results source produces, and how one race is written into the store.

A source (NASCAR's feed today; IndyCar or IMSA tomorrow) parses its documents into `RaceRecord`s;
`upsert_race` matches the race, its track, drivers and teams to what the store already holds and
writes it in place, so importing the same record twice changes nothing and a revision updates
the race it revises.
"""

from __future__ import annotations

from datetime import datetime

import aiosqlite
from rapidfuzz import fuzz

from db.errors import FeedError
from db.names import normalize
from db.records import Record, field

STATUS_ORDER = {"scheduled": 0, "provisional": 1, "official": 2}
RACE_FIGURE_COLUMNS = (
    "actual_laps", "scheduled_laps", "scheduled_miles", "stage_laps", "cautions", "caution_laps",
    "lead_changes", "leaders", "margin", "average_mph",
)


class ResultRecord(Record):
    finish: int
    start: int | None
    car: str
    driver: str
    driver_source_id: int | None
    team: str | None
    make: str | None
    laps: int | None
    led: int | None                     # None when the source does not say
    status: str | None
    points: int | None


class StageRecord(Record):
    stage: int
    position: int
    driver: str
    driver_source_id: int | None
    car: str | None
    points: int | None


class CautionRecord(Record):
    start_lap: int
    end_lap: int
    reason: str | None
    comment: str | None
    free_pass_car: str | None


class StintRecord(Record):
    start_lap: int
    end_lap: int
    car: str


class SessionRecord(Record):
    """One entry of a race weekend's schedule (practice, qualifying, the race, or an off-track event)."""

    name: str
    notes: str | None
    run_type: int                       # 0 other, 1 practice, 2 qualifying, 3 race
    starts_at: datetime | None


class RunResultRecord(Record):
    position: int
    car: str
    driver: str
    driver_source_id: int | None
    make: str | None
    best_lap_time: float | None         # seconds; None when the car set no time
    best_lap_speed: float | None        # mph; None when the car set no time


class RunRecord(Record):
    """A practice or qualifying run of the weekend and its classification."""

    run_id: int
    run_type: int
    name: str
    starts_at: datetime | None
    results: list[RunResultRecord]


class RaceRecord(Record):
    """One race as a source reports it. `results is None` means the source says nothing about results."""

    series: str
    season: int
    name: str
    track: str
    source_id: str
    status: str
    exhibition: bool = False
    track_source_id: int | None = None
    round: int | None = None
    starts_at: datetime | None = None
    date_only: bool = False             # only the day of `starts_at` is known (it holds midnight Eastern)
    scheduled_laps: int | None = None
    actual_laps: int | None = None
    scheduled_miles: float | None = None
    stage_laps: tuple[int, ...] = ()
    cautions: int | None = None
    caution_laps: int | None = None
    lead_changes: int | None = None
    leaders: int | None = None
    margin: float | None = None         # seconds; None when the race ended under caution or is not run
    average_mph: float | None = None
    winner_source_id: int | None = None
    tv_broadcaster: str | None = None
    radio_broadcaster: str | None = None
    satellite_broadcaster: str | None = None
    pole_source_id: int | None = None   # the pole-sitter's feed driver id, once qualifying (or the rule book) set it
    sessions: list[SessionRecord] = field(default_factory=list)   # empty: the source gave no schedule
    runs: list[RunRecord] = field(default_factory=list)           # empty: the source gave no runs
    results: list[ResultRecord] | None = None
    stages: list[StageRecord] = field(default_factory=list)
    caution_list: list[CautionRecord] = field(default_factory=list)
    stints: list[StintRecord] = field(default_factory=list)


class UpsertOutcome(Record):
    race_id: int
    action: str          # inserted, updated
    status: str
    previous_status: str | None


async def _one(conn: aiosqlite.Connection, sql: str, params=()) -> aiosqlite.Row | None:
    async with conn.execute(sql, params) as cursor:
        return await cursor.fetchone()


async def _inserted(conn: aiosqlite.Connection, sql: str, params: tuple) -> int:
    """Run one INSERT and return the new row's id."""
    async with conn.execute(sql, params) as cursor:
        row_id = cursor.lastrowid
    if row_id is None:
        raise RuntimeError(f"no row id after {sql[:40]!r}")
    return row_id


async def _all(conn: aiosqlite.Connection, sql: str, params=()) -> list[aiosqlite.Row]:
    async with conn.execute(sql, params) as cursor:
        return list(await cursor.fetchall())


def guess_track_kind(name: str) -> str:
    """Kind for a track the store has never seen (the feed does not say)."""
    lowered = name.casefold()
    if "dirt" in lowered:
        return "dirt"
    if any(word in lowered for word in ("road course", "street", "circuit", "grand prix", "raceway park road")):
        return "road"
    return "oval"


async def track_id_for(conn: aiosqlite.Connection, name: str, source_id: int | None) -> int:
    """The store's track for a source's track, by source id, then name or alias; created if new, its length unknown
    (NASCAR's race list and weekend feed state none, and a scheduled distance over the laps is no length)."""
    if source_id is not None:
        row = await _one(conn, "SELECT id FROM tracks WHERE feed_track_id = ?", (source_id,))
        if row:
            return row[0]
    row = await _one(conn, "SELECT track_id FROM track_aliases WHERE alias = ?", (normalize(name),))
    if row:
        track_id = row[0]
        if source_id is not None:
            await conn.execute(
                "UPDATE tracks SET feed_track_id = ? WHERE id = ? AND feed_track_id IS NULL", (source_id, track_id)
            )
        return track_id
    track_id = await _inserted(
        conn, "INSERT INTO tracks (name, kind, feed_track_id) VALUES (?, ?, ?)", (name, guess_track_kind(name), source_id),
    )
    await conn.execute("INSERT OR IGNORE INTO track_aliases (alias, track_id) VALUES (?, ?)", (normalize(name), track_id))
    return track_id


def clean_driver_name(name: str) -> str:
    """A driver's name as stored: without the feed's markers (`(i)` not eligible for points, `#` rookie, `*`)."""
    return " ".join(name.replace("(i)", "").replace("#", "").replace("*", "").split())


async def driver_id_for(conn: aiosqlite.Connection, name: str, source_id: int | None) -> int:
    """The store's driver for a source's driver: same source id, else same (normalized) name or alias,
    else the same name once cleaned. A cleaned name that the store holds for a driver with another
    source id is two people colliding: refused (FeedError), never merged.
    """
    if source_id is not None:
        row = await _one(conn, "SELECT id FROM drivers WHERE feed_driver_id = ?", (source_id,))
        if row:
            return row[0]
    row = await _one(conn, "SELECT driver_id FROM driver_aliases WHERE alias = ?", (normalize(name),))
    if row:
        driver_id = row[0]
        if source_id is not None:
            await conn.execute(
                "UPDATE drivers SET feed_driver_id = ? WHERE id = ? AND feed_driver_id IS NULL", (source_id, driver_id)
            )
        return driver_id
    clean_name = clean_driver_name(name)
    row = await _one(conn, "SELECT id, feed_driver_id FROM drivers WHERE name = ?", (clean_name,))
    if row:
        if row[1] is not None and source_id is not None and row[1] != source_id:
            raise FeedError("driver_fullname", f"{name!r} (id {source_id}) collides with the stored {clean_name!r} (id {row[1]})")
        if source_id is not None:
            await conn.execute(
                "UPDATE drivers SET feed_driver_id = ? WHERE id = ? AND feed_driver_id IS NULL", (source_id, row[0])
            )
        return row[0]
    driver_id = await _inserted(conn, "INSERT INTO drivers (name, feed_driver_id) VALUES (?, ?)", (clean_name, source_id))
    await conn.execute("INSERT OR IGNORE INTO driver_aliases (alias, driver_id) VALUES (?, ?)", (normalize(name), driver_id))
    return driver_id


async def team_id_for(conn: aiosqlite.Connection, name: str | None) -> int | None:
    if not name:
        return None
    row = await _one(conn, "SELECT id FROM teams WHERE name = ?", (name,))
    if row:
        return row[0]
    async with conn.execute("INSERT INTO teams (name) VALUES (?)", (name,)) as cursor:
        return cursor.lastrowid


async def _find_race(conn: aiosqlite.Connection, series_id: int, track_id: int, record: RaceRecord) -> aiosqlite.Row | None:
    """The stored race this record describes: same source id, else the same race from history."""
    row = await _one(conn, "SELECT id, status, source FROM races WHERE source_id = ?", (record.source_id,))
    if row:
        return row
    candidates = await _all(
        conn,
        "SELECT id, status, source, name, round FROM races WHERE series_id = ? AND season = ? AND track_id = ? "
        "AND source_id IS NULL AND exhibition = ? ORDER BY round",
        (series_id, record.season, track_id, int(record.exhibition)),
    )
    if not candidates:
        return None
    if record.round is not None:
        for candidate in candidates:
            if candidate["round"] == record.round:
                return candidate
    wanted = normalize(record.name)
    scored = sorted(candidates, key=lambda c: -fuzz.token_set_ratio(wanted, normalize(c["name"])))
    if len(candidates) == 1 or fuzz.token_set_ratio(wanted, normalize(scored[0]["name"])) >= 80:
        return scored[0]
    return None


async def upsert_race(conn: aiosqlite.Connection, record: RaceRecord) -> UpsertOutcome:
    """Write one race (inside the caller's transaction). Status never moves backwards."""
    series = await _one(conn, "SELECT id FROM series WHERE key = ?", (record.series,))
    if series is None:
        raise ValueError(f"unknown series {record.series!r}")
    series_id = series[0]
    track_id = await track_id_for(conn, record.track, record.track_source_id)
    track = await _one(conn, "SELECT kind FROM tracks WHERE id = ?", (track_id,))
    if track is None:
        raise RuntimeError(f"track {track_id} vanished inside the transaction")
    track_kind = track[0]
    existing = await _find_race(conn, series_id, track_id, record)
    previous_status = existing["status"] if existing else None
    status = record.status
    if previous_status and STATUS_ORDER[previous_status] > STATUS_ORDER[status]:
        status = previous_status
    header = {
        "series_id": series_id,
        "season": record.season,
        "name": record.name,
        "track_id": track_id,
        "starts_at": record.starts_at.isoformat() if record.starts_at else None,
        "date_only": int(record.date_only) if record.starts_at else None,
        "scheduled_laps": record.scheduled_laps,
        "actual_laps": record.actual_laps,
        "scheduled_miles": record.scheduled_miles,
        "stage_laps": ",".join(str(laps) for laps in record.stage_laps) or None,
        "cautions": record.cautions,
        "caution_laps": record.caution_laps,
        "lead_changes": record.lead_changes,
        "leaders": record.leaders,
        "margin": record.margin,
        "average_mph": record.average_mph,
        "status": status,
        "exhibition": int(record.exhibition),
        "source_id": record.source_id,
        "winner_feed_id": record.winner_source_id,
        "tv_broadcaster": record.tv_broadcaster,
        "radio_broadcaster": record.radio_broadcaster,
        "satellite_broadcaster": record.satellite_broadcaster,
        "pole_feed_id": record.pole_source_id,
    }
    if record.results is not None:
        header["source"] = "feed"
    if existing:
        race_id = existing["id"]
        if record.round is not None:
            header["round"] = record.round
        if record.results is None and existing["source"] == "feed":
            # A schedule never overrides figures that came with full results.
            for column in RACE_FIGURE_COLUMNS:
                header.pop(column)
        # Keep what we know when a source leaves a field empty (a race list has no caution counts).
        assignments = ", ".join(f"{column} = coalesce(?, {column})" for column in header)
        await conn.execute(f"UPDATE races SET {assignments} WHERE id = ?", (*header.values(), race_id))
        action = "updated"
    else:
        # The round comes from the source's schedule (a race list) or the history, never a guess:
        # a race known only from its results waits with no round until a schedule names it.
        header["round"] = None if record.exhibition else record.round
        header["kind"] = track_kind
        header.setdefault("source", "feed")
        columns = ", ".join(header)
        marks = ", ".join("?" for _ in header)
        async with conn.execute(f"INSERT INTO races ({columns}) VALUES ({marks})", tuple(header.values())) as cursor:
            race_id = cursor.lastrowid
        action = "inserted"
    if record.results is not None:
        await _replace_children(conn, race_id, record)
    await _replace_weekend(conn, race_id, record)
    return UpsertOutcome(race_id, action, status, previous_status)


async def _stored_driver(conn: aiosqlite.Connection, name: str, source_id: int | None, where: str) -> int:
    """driver_id_for, with a collision named by the record's path (`results[3].driver`)."""
    try:
        return await driver_id_for(conn, name, source_id)
    except FeedError as collision:
        raise FeedError(where, collision.problem) from None


async def _replace_children(conn: aiosqlite.Connection, race_id: int, record: RaceRecord) -> None:
    for table in ("results", "stage_results", "cautions", "leader_stints"):
        await conn.execute(f"DELETE FROM {table} WHERE race_id = ?", (race_id,))
    result_rows = []
    drivers_seen: dict[int, str] = {}
    for index, result in enumerate(record.results or []):
        where = f"results[{index}].driver"
        driver_id = await _stored_driver(conn, result.driver, result.driver_source_id, where)
        if driver_id in drivers_seen:
            raise FeedError(where, f"{result.driver!r} is the stored driver of {drivers_seen[driver_id]}, listed twice")
        drivers_seen[driver_id] = where
        team_id = await team_id_for(conn, result.team)
        result_rows.append((
            race_id, result.finish, result.start, result.car, driver_id, team_id, result.make,
            result.laps, result.led, result.status, result.points,
        ))
    await conn.executemany(
        "INSERT INTO results (race_id, finish, start, car_number, driver_id, team_id, make, laps, laps_led, status, points) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        result_rows,
    )
    stage_rows = []
    for index, stage in enumerate(record.stages):
        driver_id = await _stored_driver(conn, stage.driver, stage.driver_source_id, f"stages[{index}].driver")
        stage_rows.append((race_id, stage.stage, stage.position, driver_id, stage.car, stage.points))
    await conn.executemany(
        "INSERT INTO stage_results (race_id, stage, position, driver_id, car_number, points) VALUES (?, ?, ?, ?, ?, ?)",
        stage_rows,
    )
    await conn.executemany(
        "INSERT INTO cautions (race_id, start_lap, end_lap, reason, comment, free_pass_car) VALUES (?, ?, ?, ?, ?, ?)",
        [(race_id, c.start_lap, c.end_lap, c.reason, c.comment, c.free_pass_car) for c in record.caution_list],
    )
    await conn.executemany(
        "INSERT INTO leader_stints (race_id, start_lap, end_lap, car_number) VALUES (?, ?, ?, ?)",
        [(race_id, s.start_lap, s.end_lap, s.car) for s in record.stints],
    )


async def _replace_weekend(conn: aiosqlite.Connection, race_id: int, record: RaceRecord) -> None:
    """The weekend schedule and runs, each replaced when the record carries some (a race list often has no schedule,
    and a weekend feed before practice has no runs: what is known is kept)."""
    if record.sessions:
        await conn.execute("DELETE FROM weekend_sessions WHERE race_id = ?", (race_id,))
        await conn.executemany(
            "INSERT INTO weekend_sessions (race_id, position, name, notes, run_type, starts_at) VALUES (?, ?, ?, ?, ?, ?)",
            [
                (race_id, position, session.name, session.notes, session.run_type,
                 session.starts_at.isoformat() if session.starts_at else None)
                for position, session in enumerate(record.sessions, start=1)
            ],
        )
    if not record.runs:
        return
    await conn.execute("DELETE FROM run_results WHERE race_id = ?", (race_id,))
    await conn.execute("DELETE FROM weekend_runs WHERE race_id = ?", (race_id,))
    for run_index, run in enumerate(record.runs):
        await conn.execute(
            "INSERT INTO weekend_runs (race_id, run_id, run_type, name, starts_at) VALUES (?, ?, ?, ?, ?)",
            (race_id, run.run_id, run.run_type, run.name, run.starts_at.isoformat() if run.starts_at else None),
        )
        rows = []
        for index, line in enumerate(run.results):
            where = f"weekend_runs[{run_index}].results[{index}].driver"
            driver_id = await _stored_driver(conn, line.driver, line.driver_source_id, where)
            rows.append(
                (race_id, run.run_id, line.position, line.car, driver_id, line.make, line.best_lap_time, line.best_lap_speed)
            )
        await conn.executemany(
            "INSERT INTO run_results (race_id, run_id, position, car_number, driver_id, make, best_lap_time, best_lap_speed) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
