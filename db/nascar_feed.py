"""NASCAR's official JSON feed (cf.nascar.com): `weekend-feed.json`, `race_list_basic.json` and a race's loop data
(`loopstats/prod/{season}/{series}/{race_id}.json`).

A document is checked whole before it is believed: every value is finite, 64-bit and bounded, every
field we use is typed and range-checked, the rows are consistent with each other, and a finished
race's header counts match the rows it holds (a trimmed or partial document is refused). Any
rejection is a `FeedError` naming the field, and the store is not touched. Feed times are US Eastern
without an offset; they are stored as aware UTC instants.

Loop data names cars by NASCAR's driver id alone, which the bundled history does not hold: each car is matched to
the race's result of the same finishing position, and believed only if its laps, laps led and start agree with that
result and it covers every car the results hold. A later revision of the race's results re-applies the stored loop
data, or drops it when it no longer agrees.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import math
import re
import sqlite3
import zlib
from collections.abc import Iterable
from datetime import UTC, datetime, time, tzinfo
from pathlib import Path
from typing import Any

import aiosqlite

from db.errors import FeedError
from db.ingest import (
    CautionRecord,
    RaceRecord,
    ResultRecord,
    RunRecord,
    RunResultRecord,
    SessionRecord,
    StageRecord,
    StintRecord,
    UpsertOutcome,
    clean_driver_name,
    upsert_race,
)
from db.models import EASTERN, FIRST_SEASON, LAST_SEASON, MAX_RATING
from db.names import normalize
from db.records import Record
from db.series import BY_FEED_ID
from db.store import Store

log = logging.getLogger(__name__)

PLACEHOLDER_YEAR = 1900  # the feed writes 1900-01-01T00:00:00 for "no date"
RACE_FIGURES = ("actual_laps", "cautions", "caution_laps", "lead_changes", "leaders", "margin", "average_mph")

# Bounds, with what the real documents hold (see /work/shared/data/nascar-feed-samples).
MAX_DOCUMENT_BYTES = 4 * 1024 * 1024   # a weekend feed is ~70 KB, a season's race list ~180 KB
MAX_DEPTH = 10                         # containers nested in each other; a weekend feed nests 7 deep
MAX_TEXT = 4_000                       # any string, even one never read; race_comments reach 377 characters
MAX_NAME = 200                         # a string we store (names, team, status, caution comment)
MAX_INT = 2**63 - 1                    # SQLite's INTEGER
MAX_RESULTS = 100                      # a field is at most 43 cars
MAX_STAGES = 4                         # the header has stage_1_laps .. stage_4_laps
MAX_LAPS = 2_000                       # the longest races run 500 laps
MAX_POINTS = 1_000                     # points for one race (a win with stage points is ~60)
MAX_MILES = 1_000                      # the longest race is 600 miles
MAX_MPH = 300
MAX_MARGIN_SECONDS = 600.0
MAX_RACES_PER_SERIES = 100             # a season has ~40
MAX_SESSIONS = 100                     # a weekend schedule lists up to 26 events (2023 race list)
MAX_RUNS = 30                          # practice and qualifying runs of a weekend (rounds and groups)
MAX_LAP_SECONDS = 3_600.0
MAX_PASSES = 10_000                    # green-flag passes of one car in one race (a few hundred at most)
RUN_TYPES = (0, 3)                     # 0 other, 1 practice, 2 qualifying, 3 race (SOURCE.md)
# `margin_of_victory` is seconds as NASCAR prints them (".357", "1.535", "0.018"), empty before the
# race, or a word when the race ended under yellow ("Caution", "Under Caution" in the 2023 race list).
MARGIN_SECONDS = re.compile(r"\d{0,4}\.\d{1,6}|\d{1,4}")
CAUTION_FINISH = {"caution", "under caution"}
PLAIN_KEY = re.compile(r"[A-Za-z0-9_]{1,64}")


class ImportReport(Record):
    kind: str                           # weekend, race_list
    key: str                            # race id or season
    changed: bool                       # False when the identical document was imported before
    races: list[UpsertOutcome]


def _shown(value: Any) -> str:
    """A value from the document as an error message may quote it: one short line."""
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    text = repr(value)
    return text if len(text) <= 40 else text[:39] + "…"


def eastern_to_utc(value: Any, where: str) -> datetime | None:
    """`2023-04-02T15:30:00` (US Eastern wall time) → aware UTC datetime; None for the 1900 placeholder."""
    local = _eastern(value, where)
    return local.astimezone(UTC) if local else None


def _eastern(value: Any, where: str) -> datetime | None:
    """A feed time as an aware US Eastern datetime; None when absent or the 1900 placeholder."""
    return _moment(value, where, EASTERN)


def _utc(value: Any, where: str) -> datetime | None:
    """`2023-04-02T19:30:00` (UTC without an offset, as `start_time_utc` and `run_date_utc` are) → aware UTC datetime;
    None when absent or the 1900 placeholder."""
    return _moment(value, where, UTC)


def _moment(value: Any, where: str, zone: tzinfo) -> datetime | None:
    """A feed time in `zone` (the zone of a time given without an offset); None when absent or the 1900 placeholder."""
    if value in (None, ""):
        return None
    if not isinstance(value, str) or len(value) > 40:
        raise FeedError(where, f"expected a date string, got {_shown(value)}")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as error:
        raise FeedError(where, f"bad date {_shown(value)}") from error
    if moment.year <= PLACEHOLDER_YEAR:
        return None
    if not FIRST_SEASON <= moment.year <= LAST_SEASON:
        raise FeedError(where, f"implausible date {_shown(value)}")
    return moment.replace(tzinfo=zone) if moment.tzinfo is None else moment.astimezone(zone)


def _start(race: _Object) -> tuple[datetime | None, bool]:
    """(start as a UTC instant, whether only its date is known).

    `race_date` is the race's date and time; exactly midnight means the feed knows only the date (the 2023
    All-Star Open: `race_date` 2023-05-21T00:00:00, `date_scheduled` 2023-05-21T17:00:00), and then the
    time of `date_scheduled` is used when it falls on that same day.
    """
    raced = _eastern(race.data.get("race_date"), race.field("race_date"))
    scheduled = _eastern(race.data.get("date_scheduled"), race.field("date_scheduled"))
    start = raced or scheduled
    if start is None:
        return None, False
    if start.time() == time(0) and scheduled and scheduled.date() == start.date() and scheduled.time() != time(0):
        start = scheduled
    return start.astimezone(UTC), start.time() == time(0)


class _Unreadable:
    """A number JSON allows but the store cannot hold (NaN, Infinity, an integer of 20+ digits)."""

    def __init__(self, literal: str):
        self.literal = literal


def _integer_literal(text: str) -> int | _Unreadable:
    # Longer literals are past 64 bits anyway; not converting them also avoids int()'s digit limit.
    return int(text) if len(text.lstrip("-")) <= 19 else _Unreadable(text)


def _child_path(path: str, key: Any) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    step = key if PLAIN_KEY.fullmatch(key) else f"[{_shown(key)}]"
    return f"{path}.{step}" if path and not step.startswith("[") else f"{path}{step}"


Trail = tuple[Any, Any] | None     # (the parent's trail, this value's key or index); None is the document itself


def _trail_path(trail: Trail) -> str:
    """The JSON path a trail leads to ("document" for the document itself), built only for an error message."""
    keys = []
    while trail is not None:
        trail, key = trail
        keys.append(key)
    path = ""
    for key in reversed(keys):
        path = _child_path(path, key)
    return path or "document"


def _value_problem(value: Any) -> str | None:
    """What is wrong with one scalar value (None when nothing is)."""
    kind = type(value)
    if kind is str:
        return f"{len(value):,} characters of text (the limit is {MAX_TEXT:,})" if len(value) > MAX_TEXT else None
    if kind is int:
        return "integer outside 64 bits" if not -MAX_INT - 1 <= value <= MAX_INT else None
    if kind is float:
        return f"{value} is not a finite number" if not math.isfinite(value) else None
    if kind is _Unreadable:
        return f"{value.literal[:40]} is not a finite number within 64 bits"
    return None


def _check_values(document: Any) -> None:
    """Every value in the document, walked without recursion: bounded nesting, finite numbers, 64-bit
    integers, bounded text. What is left (types, ranges, consistency) is checked field by field.

    The walk keeps each container's trail (its parent's and its key), not its path: a path is spelled only for
    the error that names it, which makes the walk about three times faster on real feeds.
    """
    if type(document) is not dict and type(document) is not list:
        if (problem := _value_problem(document)) is not None:
            raise FeedError("document", problem)
        return
    pending: list[tuple[Any, Trail, int]] = [(document, None, 1)]
    while pending:
        container, trail, depth = pending.pop()
        if depth > MAX_DEPTH:
            raise FeedError(_trail_path(trail), f"nested more than {MAX_DEPTH} levels deep")
        if type(container) is dict:
            if any(len(key) > MAX_NAME for key in container):
                longest = max(map(len, container))
                raise FeedError(_trail_path(trail), f"a key of {longest:,} characters")
            children: Iterable[tuple[Any, Any]] = container.items()
        else:
            children = enumerate(container)
        for key, child in children:
            kind = type(child)
            if kind is dict or kind is list:
                pending.append((child, (trail, key), depth + 1))
            elif (kind is str and len(child) <= MAX_TEXT) or child is None or kind is bool:
                continue   # the bulk of a feed: short text, nulls and flags
            elif (problem := _value_problem(child)) is not None:
                raise FeedError(_trail_path((trail, key)), problem)


def _decode(body: bytes) -> Any:
    if len(body) > MAX_DOCUMENT_BYTES:
        raise FeedError("document", f"{len(body):,} bytes (the limit is {MAX_DOCUMENT_BYTES:,})")
    try:
        # json.loads takes NaN, Infinity and 1e400 (= inf) as floats: the hooks and the walk refuse them.
        document = json.loads(body, parse_constant=_Unreadable, parse_int=_integer_literal)
    except RecursionError:
        raise FeedError("document", f"nested more than {MAX_DEPTH} levels deep") from None
    except ValueError as error:  # JSONDecodeError and UnicodeDecodeError
        raise FeedError("document", f"not valid JSON: {error}") from error
    _check_values(document)
    return document


class _Object:
    """One JSON object with typed, range-checked readers; every error names the field's JSON path."""

    def __init__(self, data: Any, where: str):
        if not isinstance(data, dict):
            raise FeedError(where, f"expected an object, got {_shown(data)}")
        self.data = data
        self.where = where

    def field(self, key: str) -> str:
        return f"{self.where}.{key}" if self.where else key

    def optional_int(self, key: str, low: int = 0, high: int = MAX_INT) -> int | None:
        value = self.data.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value != int(value):
            raise FeedError(self.field(key), f"expected a whole number, got {_shown(value)}")
        number = int(value)
        if not low <= number <= high:
            raise FeedError(self.field(key), f"{number} is outside {low}..{high}")
        return number

    def required_int(self, key: str, low: int = 0, high: int = MAX_INT) -> int:
        number = self.optional_int(key, low, high)
        if number is None:
            raise FeedError(self.field(key), "missing")
        return number

    def optional_number(self, key: str, low: float, high: float) -> float | None:
        value = self.data.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise FeedError(self.field(key), f"expected a number, got {_shown(value)}")
        if not low <= value <= high:
            raise FeedError(self.field(key), f"{value} is outside {low}..{high}")
        return float(value)

    def optional_text(self, key: str, limit: int = MAX_NAME) -> str | None:
        """Stripped text (a bare number is taken as its digits); None when absent or empty."""
        value = self.data.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            raise FeedError(self.field(key), f"expected text, got {_shown(value)}")
        text = str(value).strip()
        if len(text) > limit:
            raise FeedError(self.field(key), f"{len(text):,} characters (the limit is {limit})")
        return text or None

    def required_text(self, key: str, limit: int = MAX_NAME) -> str:
        text = self.optional_text(key, limit)
        if text is None:
            raise FeedError(self.field(key), "missing or empty")
        return text

    def flag(self, key: str) -> bool:
        value = self.data.get(key)
        if value is None:
            return False
        if not isinstance(value, bool):
            raise FeedError(self.field(key), f"expected true/false, got {_shown(value)}")
        return value

    def objects(self, key: str, limit: int) -> list[_Object]:
        value = self.data.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise FeedError(self.field(key), f"expected a list, got {_shown(value)}")
        if len(value) > limit:
            raise FeedError(self.field(key), f"{len(value):,} entries (the limit is {limit})")
        return [_Object(item, f"{self.field(key)}[{index}]") for index, item in enumerate(value)]


def _margin(race: _Object) -> float | None:
    """Seconds between the winner and second place; None before the race or after a finish under caution."""
    key = "margin_of_victory"
    value = race.data.get(key)
    if value is None or (isinstance(value, str) and value.strip().casefold() in {"", *CAUTION_FINISH}):
        return None
    printed = isinstance(value, str) and MARGIN_SECONDS.fullmatch(value.strip())
    if printed or isinstance(value, (int, float)) and not isinstance(value, bool):
        seconds = float(value)
    else:
        raise FeedError(race.field(key), f"expected seconds such as '.357', got {_shown(value)}")
    if not 0 <= seconds <= MAX_MARGIN_SECONDS:
        raise FeedError(race.field(key), f"{seconds} seconds is outside 0..{MAX_MARGIN_SECONDS:g}")
    return seconds


def _header(race: _Object) -> dict[str, Any]:
    """Fields shared by the race list and the weekend feed."""
    series_id = race.required_int("series_id")
    if series_id not in BY_FEED_ID:
        raise FeedError(race.field("series_id"), f"unknown series {series_id}")
    scheduled_laps = race.optional_int("scheduled_laps", 0, MAX_LAPS) or None
    scheduled_miles = race.optional_number("scheduled_distance", 0, MAX_MILES) or None
    stage_laps = tuple(laps for laps in (race.optional_int(f"stage_{n}_laps", 0, MAX_LAPS) for n in range(1, 5)) if laps)
    starts_at, date_only = _start(race)
    return {
        "series": BY_FEED_ID[series_id].key,
        "season": race.required_int("race_season", FIRST_SEASON, LAST_SEASON),
        "name": race.required_text("race_name"),
        "track": race.required_text("track_name"),
        "source_id": str(race.required_int("race_id", 1)),
        "exhibition": race.optional_int("race_type_id") == 2,
        "track_source_id": race.optional_int("track_id") or None,
        "starts_at": starts_at,
        "date_only": date_only,
        "scheduled_laps": scheduled_laps,
        "actual_laps": race.optional_int("actual_laps", 0, MAX_LAPS) or None,
        "scheduled_miles": scheduled_miles,
        "stage_laps": stage_laps,
        "cautions": race.optional_int("number_of_cautions", 0, MAX_LAPS),
        "caution_laps": race.optional_int("number_of_caution_laps", 0, MAX_LAPS),
        "lead_changes": race.optional_int("number_of_lead_changes", 0, MAX_LAPS),
        "leaders": race.optional_int("number_of_leaders", 0, MAX_RESULTS),
        "margin": _margin(race),
        "average_mph": race.optional_number("average_speed", 0, MAX_MPH) or None,
        "tv_broadcaster": race.optional_text("television_broadcaster"),
        "radio_broadcaster": race.optional_text("radio_broadcaster"),
        "satellite_broadcaster": race.optional_text("satellite_radio_broadcaster"),
        "pole_source_id": race.optional_int("pole_winner_driver_id") or None,   # 0 before qualifying
        "sessions": _sessions(race),
    }


def _sessions(race: _Object) -> list[SessionRecord]:
    """The weekend schedule (`schedule[]`), in the feed's order; its times are UTC."""
    return [
        SessionRecord(
            name=entry.required_text("event_name"),
            notes=entry.optional_text("notes", MAX_TEXT),
            run_type=entry.required_int("run_type", *RUN_TYPES),
            starts_at=_utc(entry.data.get("start_time_utc"), entry.field("start_time_utc")),
        )
        for entry in race.objects("schedule", MAX_SESSIONS)
    ]


def _runs(top: _Object, race_id: int) -> list[RunRecord]:
    """The weekend's practice and qualifying runs (`weekend_runs[]`) of this race, with their classifications.

    A run naming another race id is not this race's and is left out (whatever it is, it must not block the
    race's results). Within a run, a position and a driver (by feed id or name) appear once. A time or speed
    of 0 is a car that set none (the rule-book lineup of Richmond 2023 is all zeros): None.
    """
    runs = []
    run_ids: dict[int, str] = {}
    for run in top.objects("weekend_runs", MAX_RUNS):
        run_id = run.required_int("weekend_run_id", 1)
        if run.optional_int("race_id", 1) not in (None, race_id):
            continue
        if run_id in run_ids:
            raise FeedError(run.field("weekend_run_id"), f"run {run_id} is listed twice (also {run_ids[run_id]})")
        run_ids[run_id] = run.where
        lines = []
        taken: dict[Any, str] = {}
        for line in run.objects("results", MAX_RESULTS):
            if line.optional_int("run_id") not in (None, run_id):
                raise FeedError(line.field("run_id"), f"result of run {line.data.get('run_id')}, listed under run {run_id}")
            position = line.required_int("finishing_position", 1, MAX_RESULTS)
            driver = line.required_text("driver_name")
            if not clean_driver_name(driver):
                raise FeedError(line.field("driver_name"), f"{_shown(driver)} is no name once cleaned")
            driver_source_id = line.optional_int("driver_id") or None
            identities: list[tuple[str, Any]] = [("position", position), ("name", clean_driver_name(driver))]
            if driver_source_id is not None:
                identities.append(("id", driver_source_id))
            for identity in identities:
                if identity in taken:
                    field = {"position": "finishing_position", "name": "driver_name", "id": "driver_id"}[identity[0]]
                    raise FeedError(line.field(field), f"{_shown(identity[1])} is given twice (also {taken[identity]})")
                taken[identity] = line.where
            lines.append(RunResultRecord(
                position=position,
                car=line.required_text("car_number"),
                driver=driver,
                driver_source_id=driver_source_id,
                make=line.optional_text("manufacturer"),
                best_lap_time=line.optional_number("best_lap_time", 0, MAX_LAP_SECONDS) or None,
                best_lap_speed=line.optional_number("best_lap_speed", 0, MAX_MPH) or None,
            ))
        runs.append(RunRecord(
            run_id=run_id,
            run_type=run.required_int("run_type", *RUN_TYPES),
            name=run.required_text("run_name"),
            starts_at=_utc(run.data.get("run_date_utc"), run.field("run_date_utc")),
            results=sorted(lines, key=lambda line: line.position),
        ))
    return runs


def _status(finished: bool, inspection_complete: bool) -> str:
    if not finished:
        return "scheduled"
    return "official" if inspection_complete else "provisional"


def _check_laps(field: str, laps: int, race_laps: int | None, what: str) -> None:
    if race_laps is not None and laps > race_laps:
        raise FeedError(field, f"{what} {laps}, but the race ran {race_laps} laps")


def _results(race: _Object, race_laps: int | None) -> list[ResultRecord]:
    """One row per finishing position 1..n and per driver; laps led within laps completed and the race."""
    results = []
    positions: dict[int, str] = {}
    drivers: dict[tuple[str, Any], str] = {}     # feed id, stored name, alias → the row that has it
    for row in race.objects("results", MAX_RESULTS):
        finish = row.required_int("finishing_position", 1, MAX_RESULTS)
        if finish in positions:
            raise FeedError(row.field("finishing_position"), f"position {finish} is given twice (also {positions[finish]})")
        positions[finish] = row.where
        driver = row.required_text("driver_fullname")
        driver_source_id = row.optional_int("driver_id") or None
        if not clean_driver_name(driver):
            raise FeedError(row.field("driver_fullname"), f"{_shown(driver)} is no name once cleaned")
        identities: list[tuple[str, Any]] = [("name", clean_driver_name(driver)), ("alias", normalize(driver))]
        if driver_source_id is not None:
            identities.append(("id", driver_source_id))
        for identity in identities:
            if identity in drivers:
                field = row.field("driver_id" if identity[0] == "id" else "driver_fullname")
                raise FeedError(field, f"{_shown(driver)} is the same driver as {drivers[identity]}")
            drivers[identity] = row.where
        laps = row.optional_int("laps_completed", 0, MAX_LAPS)
        led = row.optional_int("laps_led", 0, MAX_LAPS)     # None: the feed does not know, which is not 0
        if laps is not None:
            _check_laps(row.field("laps_completed"), laps, race_laps, "completed")
            if led is not None and led > laps:
                raise FeedError(row.field("laps_led"), f"led {led} laps but completed {laps}")
        if led is not None:
            _check_laps(row.field("laps_led"), led, race_laps, "led")
        status = "disqualified" if row.flag("disqualified") else row.optional_text("finishing_status")
        results.append(ResultRecord(
            finish=finish,
            start=row.optional_int("starting_position", 0, MAX_RESULTS) or None,
            car=row.required_text("car_number"),
            driver=driver,
            driver_source_id=driver_source_id,
            team=row.optional_text("team_name"),
            make=row.optional_text("car_make"),
            laps=laps,
            led=led,
            status=status.lower() if status else None,
            points=row.optional_int("points_earned", -MAX_POINTS, MAX_POINTS),
        ))
    if sorted(positions) != list(range(1, len(positions) + 1)):
        raise FeedError(race.field("results"), f"finishing positions are not 1..{len(positions)} (partial document?)")
    total_led = sum(result.led for result in results if result.led is not None)
    _check_laps(race.field("results"), total_led, race_laps, "laps led add up to")
    return results


def _stages(race: _Object) -> list[StageRecord]:
    """Stage top tens; one row per (stage, position) and per driver within a stage."""
    stages = []
    taken: dict[tuple[int, Any], str] = {}
    for stage in race.objects("stage_results", MAX_STAGES):
        number = stage.required_int("stage_number", 1, MAX_STAGES)
        for line in stage.objects("results", MAX_RESULTS):
            position = line.required_int("finishing_position", 1, MAX_RESULTS)
            driver = line.required_text("driver_fullname")
            driver_source_id = line.optional_int("driver_id") or None
            for key, identity in (("finishing_position", position), ("driver_fullname", normalize(driver))):
                if (number, identity) in taken:
                    also = taken[number, identity]
                    raise FeedError(line.field(key), f"stage {number} lists {_shown(identity)} twice (also {also})")
                taken[number, identity] = line.where
            stages.append(StageRecord(
                stage=number,
                position=position,
                driver=driver,
                driver_source_id=driver_source_id,
                car=line.optional_text("car_number"),
                points=line.optional_int("stage_points", 0, MAX_POINTS),
            ))
    return stages


def _lap_span(item: _Object, race_laps: int | None) -> tuple[int, int]:
    start, end = item.required_int("start_lap", 0, MAX_LAPS), item.required_int("end_lap", 0, MAX_LAPS)
    if end < start:
        raise FeedError(item.field("end_lap"), f"lap {end} is before the start lap {start}")
    _check_laps(item.field("end_lap"), end, race_laps, "ends on lap")
    return start, end


def _cautions(race: _Object, race_laps: int | None) -> list[CautionRecord]:
    cautions = []
    seen: dict[tuple[int, int], str] = {}
    for caution in race.objects("caution_segments", MAX_LAPS):
        span = _lap_span(caution, race_laps)
        if span in seen:
            raise FeedError(caution.field("start_lap"), f"laps {span[0]}-{span[1]} are listed twice (also {seen[span]})")
        seen[span] = caution.where
        cautions.append(CautionRecord(
            start_lap=span[0],
            end_lap=span[1],
            reason=caution.optional_text("reason"),
            comment=caution.optional_text("comment"),
            free_pass_car=caution.optional_text("beneficiary_car_number"),
        ))
    return cautions


def _stints(race: _Object, race_laps: int | None) -> list[StintRecord]:
    stints = []
    seen: dict[tuple[int, str], str] = {}
    for stint in race.objects("race_leaders", MAX_LAPS + 1):
        start, end = _lap_span(stint, race_laps)
        car = stint.required_text("car_number")
        if end == 0:  # the lap-0 entry names the pole-sitter, not a leader
            continue
        if (start, car) in seen:
            also = seen[start, car]
            raise FeedError(stint.field("start_lap"), f"car {_shown(car)} from lap {start} is listed twice (also {also})")
        seen[start, car] = stint.where
        stints.append(StintRecord(start_lap=start, end_lap=end, car=car))
    return stints


def _check_complete(race: _Object, header: dict[str, Any], results: list[ResultRecord],
                    cautions: list[CautionRecord], stints: list[StintRecord]) -> None:
    """A finished race's header counts match the rows the document holds; otherwise it is partial.

    Checked against every weekend feed in /work/shared/data/nascar-feed-samples (the race list has no
    rows to count): rNascar23-2023/weekend-feed_2023_cup_5274_richmond.json, complete, passes every rule
    (37 cars = 37 results, 8 cautions = 8 segments, 11 leaders = 11 cars in race_leaders);
    nascar-analytics-2026/weekend-feed.json, Sonoma, trimmed by its capturer to 3 of 36 cars, is refused,
    as it must be. Lead changes and caution laps also match Richmond, but how NASCAR counts them in
    every case one sample cannot show, so they are not rules. Before the finish the lists are empty while
    the header counts run, so only a race with results is checked.
    """
    if not results:
        return
    field_size = race.optional_int("number_of_cars_in_field", 0, MAX_RESULTS)
    if field_size is not None and field_size != len(results):
        raise FeedError(race.field("number_of_cars_in_field"),
                        f"says {field_size} cars, the document holds {len(results)} results (partial document?)")
    if header["cautions"] is not None and header["cautions"] != len(cautions):
        raise FeedError(race.field("number_of_cautions"),
                        f"says {header['cautions']}, the document holds {len(cautions)} caution segments (partial document?)")
    # Whether a pole-sitter who never led a lap counts as a leader, the samples cannot tell: either count passes.
    leaders = {stint.car for stint in stints}
    pole = {
        entry.required_text("car_number")
        for entry in race.objects("race_leaders", MAX_LAPS + 1)
        if entry.required_int("end_lap") == 0
    }
    if header["leaders"] is not None and header["leaders"] not in (len(leaders), len(leaders | pole)):
        raise FeedError(race.field("number_of_leaders"),
                        f"says {header['leaders']}, race_leaders names {len(leaders)} cars (partial document?)")


def parse_weekend_feed(document: Any) -> RaceRecord:
    """`weekend-feed.json` → one RaceRecord with results, stages, cautions and leader stints."""
    top = _Object(document, "")
    races = top.objects("weekend_race", 1)
    if len(races) != 1:
        raise FeedError("weekend_race", f"expected one race, found {len(races)}")
    race = races[0]
    header = _header(race)
    race_laps = header["actual_laps"]
    results = _results(race, race_laps)
    cautions = _cautions(race, race_laps)
    stints = _stints(race, race_laps)
    _check_complete(race, header, results, cautions, stints)
    winner = next((result for result in results if result.finish == 1), None)
    return RaceRecord(
        **header,
        status=_status(bool(results), race.flag("inspection_complete")),
        winner_source_id=winner.driver_source_id if winner else None,
        results=results,
        stages=_stages(race),
        caution_list=cautions,
        stints=stints,
        runs=_runs(top, int(header["source_id"])),
    )


def parse_race_list(document: Any) -> list[RaceRecord]:
    """`race_list_basic.json` → the season's races (no results), with rounds from the date order."""
    top = _Object(document, "")
    records: list[RaceRecord] = []
    listed: dict[str, str] = {}
    for series_key in ("series_1", "series_2", "series_3"):
        parsed = []
        for race in top.objects(series_key, MAX_RACES_PER_SERIES):
            header = _header(race)
            if header["source_id"] in listed:
                also = listed[header["source_id"]]
                raise FeedError(race.field("race_id"), f"race {header['source_id']} is listed twice (also {also})")
            listed[header["source_id"]] = race.where
            winner = race.optional_int("winner_driver_id") or None
            if not winner:  # before the race the list carries zeros, not figures
                header.update(dict.fromkeys(RACE_FIGURES))
            status = _status(bool(winner), race.flag("inspection_complete"))
            parsed.append({**header, "winner_source_id": winner, "status": status})
        points_races = sorted(
            (entry for entry in parsed if not entry["exhibition"]),
            key=lambda entry: (entry["starts_at"] or datetime.max.replace(tzinfo=UTC), int(entry["source_id"])),
        )
        for round_number, entry in enumerate(points_races, start=1):
            entry["round"] = round_number
        records.extend(RaceRecord(**entry) for entry in parsed)
    if not records:
        raise FeedError("document", "no races in any series")
    return records


class LoopCar(Record):
    """One car's loop data, as the document gives it."""

    finish: int
    laps: int
    laps_led: int
    start: int | None
    rating: float
    avg_position: float
    best_position: int | None
    worst_position: int | None
    mid_position: int | None
    closing_position: int | None
    green_flag_passes: int
    green_flag_passed: int
    quality_passes: int
    fastest_laps: int
    top15_laps: int


class LoopStats(Record):
    """A race's loop data: every car that ran, by finishing position."""

    source_id: str
    series: str
    laps: int
    lines: list[LoopCar]


def parse_loopstats(document: Any) -> LoopStats:
    """A loopstats document (a list holding one race) → its loop data: one car per finishing position 1..n and per
    driver, figures within the laps run, a driver rating within NASCAR's 0–150."""
    if not isinstance(document, list) or len(document) != 1:
        raise FeedError("document", "expected the loop data of one race")
    race = _Object(document[0], "[0]")
    series = BY_FEED_ID.get(race.required_int("series_id", 1, MAX_INT))
    if series is None:
        raise FeedError(race.field("series_id"), f"{race.data.get('series_id')} is not Cup, Xfinity or Truck")
    race_laps = race.required_int("act_laps", 0, MAX_LAPS)
    lines: list[LoopCar] = []
    positions: set[int] = set()
    drivers: set[int] = set()
    for row in race.objects("drivers", MAX_RESULTS):
        finish = row.required_int("ps", 1, MAX_RESULTS)
        driver = row.required_int("driver_id", 1)
        for value, seen, what in ((finish, positions, "position"), (driver, drivers, "driver")):
            if value in seen:
                raise FeedError(row.field("ps" if what == "position" else "driver_id"), f"{what} {value} is given twice")
            seen.add(value)
        laps = row.required_int("laps", 0, MAX_LAPS)
        _check_laps(row.field("laps"), laps, race_laps, "completed")
        counted = {key: row.required_int(key, 0, laps) for key in ("lead_laps", "fast_laps", "top15_laps")}
        lines.append(LoopCar(
            finish=finish, laps=laps, laps_led=counted["lead_laps"], start=row.optional_int("start_ps", 1, MAX_RESULTS),
            rating=_required_number(row, "rating", 0.0, MAX_RATING),
            avg_position=_required_number(row, "avg_ps", 1.0, float(MAX_RESULTS)),
            best_position=row.optional_int("best_ps", 1, MAX_RESULTS),
            worst_position=row.optional_int("worst_ps", 1, MAX_RESULTS),
            mid_position=row.optional_int("mid_ps", 1, MAX_RESULTS),
            closing_position=row.optional_int("closing_ps", 1, MAX_RESULTS),
            green_flag_passes=row.required_int("passes_gf", 0, MAX_PASSES),
            green_flag_passed=row.required_int("passed_gf", 0, MAX_PASSES),
            quality_passes=row.required_int("quality_passes", 0, MAX_PASSES),
            fastest_laps=counted["fast_laps"], top15_laps=counted["top15_laps"],
        ))
    if not lines:
        raise FeedError(race.field("drivers"), "no cars")
    if sorted(positions) != list(range(1, len(positions) + 1)):
        raise FeedError(race.field("drivers"), f"finishing positions are not 1..{len(positions)} (partial document?)")
    _check_laps(race.field("drivers"), sum(line.laps_led for line in lines), race_laps, "laps led add up to")
    return LoopStats(str(race.required_int("race_id", 1)), series.key, race_laps, sorted(lines, key=lambda line: line.finish))


def _required_number(row: _Object, key: str, low: float, high: float) -> float:
    number = row.optional_number(key, low, high)
    if number is None:
        raise FeedError(row.field(key), "missing")
    return number


async def write_loopstats(conn: aiosqlite.Connection, loop: LoopStats) -> None:
    """Store a race's loop data (inside the caller's transaction), each car on the result of its finishing position.

    Refused, the store untouched, unless the race is in the store with results, in the same series, for exactly as
    many cars, and each car's laps, laps led and start equal its result's (where the result knows them)."""
    async with conn.execute(
        "SELECT r.id, s.key, r.actual_laps FROM races r JOIN series s ON s.id = r.series_id WHERE r.source_id = ?",
        (loop.source_id,),
    ) as cursor:
        race = await cursor.fetchone()
    if race is None:
        raise FeedError("[0].race_id", f"race {loop.source_id} is not in the store: import its race list or weekend feed first")
    race_id, series, race_laps = race
    if series != loop.series:
        raise FeedError("[0].series_id", f"race {loop.source_id} is a {series} race, not {loop.series}")
    if race_laps is not None and race_laps != loop.laps:
        raise FeedError("[0].act_laps", f"{loop.laps} laps, but the race ran {race_laps}")
    async with conn.execute("SELECT finish, id, laps, laps_led, start FROM results WHERE race_id = ?", (race_id,)) as cursor:
        results = {row[0]: row[1:] for row in await cursor.fetchall()}
    if len(results) != len(loop.lines):
        held = f"{len(results)} results" if results else "no results yet"
        raise FeedError("[0].drivers", f"{len(loop.lines)} cars, but the race has {held} (partial document?)")
    rows = []
    for index, line in enumerate(loop.lines):
        result = results.get(line.finish)
        if result is None:
            raise FeedError(f"[0].drivers[{index}].ps", f"no result finished {line.finish}")
        result_id, laps, led, start = result
        for key, theirs, ours in (("laps", line.laps, laps), ("lead_laps", line.laps_led, led), ("start_ps", line.start, start)):
            if theirs is not None and ours is not None and theirs != ours:
                raise FeedError(f"[0].drivers[{index}].{key}",
                                f"{theirs} for the car that finished {line.finish}, whose result says {ours}")
        rows.append((race_id, result_id, line.rating, line.avg_position, line.best_position, line.worst_position,
                     line.mid_position, line.closing_position, line.green_flag_passes, line.green_flag_passed,
                     line.quality_passes, line.fastest_laps, line.top15_laps))
    await conn.execute("DELETE FROM loop_stats WHERE race_id = ?", (race_id,))
    await conn.executemany(
        "INSERT INTO loop_stats (race_id, result_id, rating, avg_position, best_position, worst_position, mid_position, "
        "closing_position, green_flag_passes, green_flag_passed, quality_passes, fastest_laps, top15_laps) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows,
    )
    # Each result's driver rating, where careers and seasons average it with the history's (results.rating).
    await conn.executemany("UPDATE results SET rating = ? WHERE id = ?", [(row[2], row[1]) for row in rows])


async def _reapply_loopstats(conn: aiosqlite.Connection, source_id: str) -> None:
    """After new results for a race: its stored loop data again on them, or none when it no longer agrees."""
    async with conn.execute("SELECT body FROM feed_documents WHERE kind = 'loopstats' AND key = ?", (source_id,)) as cursor:
        stored = await cursor.fetchone()
    if stored is None:
        return
    try:
        await write_loopstats(conn, parse_loopstats(_decode(zlib.decompress(stored[0]))))
    except FeedError as error:
        log.warning("race %s: its loop data no longer agrees with its results and is not shown: %s", source_id, error)


def document_kind(document: Any) -> str:
    if isinstance(document, dict) and "weekend_race" in document:
        return "weekend"
    if isinstance(document, dict) and any(key in document for key in ("series_1", "series_2", "series_3")):
        return "race_list"
    if isinstance(document, list) and document and isinstance(document[0], dict) and "drivers" in document[0]:
        return "loopstats"
    raise FeedError("document", "not a weekend-feed.json, race_list_basic.json or loopstats document")


Parsed = list[RaceRecord] | LoopStats


def parse_document(body: bytes) -> tuple[str, str, Parsed]:
    """Decode and validate a document → (kind, key, what it holds). Every refusal is a FeedError.

    Anything else raised here is a gap in the validation that hostile input found: it is logged
    with its traceback (a bug to fix) and the document is refused like any other.
    """
    try:
        document = _decode(body)
        kind = document_kind(document)
        if kind == "weekend":
            records = [parse_weekend_feed(document)]
            return kind, records[0].source_id, records
        if kind == "loopstats":
            loop = parse_loopstats(document)
            return kind, loop.source_id, loop
        records = parse_race_list(document)
        return kind, str(records[0].season), records
    except FeedError:
        raise
    except Exception as error:
        log.exception("feed document refused: validation raised %s (a validation gap to fix)", type(error).__name__)
        raise FeedError("document", f"could not be read ({type(error).__name__})") from error


async def write_document(conn: aiosqlite.Connection, kind: str, parsed: Parsed) -> list[UpsertOutcome]:
    """Write a parsed document inside the caller's transaction (an import, or a build's late document)."""
    if isinstance(parsed, LoopStats):
        await write_loopstats(conn, parsed)
        return []
    if kind == "weekend" and not parsed[0].results:
        await _refuse_to_drop_results(conn, parsed[0])
    outcomes = [await upsert_race(conn, record) for record in parsed]
    for record in parsed:
        if record.results:
            await _reapply_loopstats(conn, record.source_id)
    return outcomes


async def import_document(store: Store, body: bytes) -> ImportReport:
    """Validate and import one feed document in a single transaction; unchanged documents are skipped."""
    kind, key, parsed = parse_document(body)
    digest = hashlib.sha256(body).hexdigest()
    known = await store.scalar("SELECT sha256 FROM feed_documents WHERE kind = ? AND key = ?", (kind, key))
    if known == digest:
        return ImportReport(kind, key, False, [])
    try:
        async with store.transaction() as conn:
            outcomes = await write_document(conn, kind, parsed)
            await conn.execute(
                "INSERT OR REPLACE INTO feed_documents (kind, key, sha256, imported_at, body) VALUES (?, ?, ?, ?, ?)",
                (kind, key, digest, datetime.now(UTC).isoformat(), zlib.compress(body)),
            )
    except sqlite3.IntegrityError as error:
        log.exception("feed document %s %s refused: it broke a store constraint (a validation gap to fix)", kind, key)
        raise FeedError("document", f"conflicts with the store ({error})") from error
    store.forget_names()
    return ImportReport(kind, key, True, outcomes)


async def _refuse_to_drop_results(conn: aiosqlite.Connection, record: RaceRecord) -> None:
    """A weekend feed without results for a race that has them is a glitch, not a revision: it would delete them."""
    async with conn.execute(
        "SELECT count(*) FROM results x JOIN races r ON r.id = x.race_id WHERE r.source_id = ?", (record.source_id,)
    ) as cursor:
        counted = await cursor.fetchone()
    held = counted[0] if counted else 0
    if held:
        raise FeedError("weekend_race[0].results",
                        f"empty, but race {record.source_id} has {held} results; keeping them (partial document?)")


async def import_file(store: Store, path: Path) -> ImportReport:
    return await import_document(store, await asyncio.to_thread(Path(path).read_bytes))
