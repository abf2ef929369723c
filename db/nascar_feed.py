"""NASCAR's official JSON feed (cf.nascar.com): `weekend-feed.json` and `race_list_basic.json`.

Documents are validated completely before anything is written; a malformed or partial document
raises FeedError and the store is not touched. Feed times are US Eastern without an offset; they
are stored as aware UTC instants.
"""

from __future__ import annotations

import hashlib
import json
import logging
import zlib
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiosqlite

from db.errors import FeedError
from db.ingest import CautionRecord, RaceRecord, ResultRecord, StageRecord, StintRecord, UpsertOutcome, upsert_race
from db.store import Store

log = logging.getLogger(__name__)

EASTERN = ZoneInfo("America/New_York")
SERIES_BY_FEED_ID = {1: "cup", 2: "xfinity", 3: "truck"}
PLACEHOLDER_YEAR = 1900  # the feed writes 1900-01-01T00:00:00 for "no date"
RACE_FIGURES = ("actual_laps", "cautions", "caution_laps", "lead_changes", "leaders", "margin", "average_mph")


@dataclass(frozen=True)
class ImportReport:
    kind: str                           # weekend, race_list
    key: str                            # race id or season
    changed: bool                       # False when the identical document was imported before
    races: list[UpsertOutcome]


def eastern_to_utc(value: Any, where: str) -> datetime | None:
    """`2023-04-02T15:30:00` (US Eastern wall time) → aware UTC datetime; None for the 1900 placeholder."""
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise FeedError(f"{where}: expected a date string, got {type(value).__name__}")
    try:
        local = datetime.fromisoformat(value)
    except ValueError as error:
        raise FeedError(f"{where}: bad date {value!r}") from error
    if local.year <= PLACEHOLDER_YEAR:
        return None
    if local.tzinfo is None:
        local = local.replace(tzinfo=EASTERN)
    return local.astimezone(timezone.utc)


class _Fields:
    """Typed access to one JSON object, with the path in every error message."""

    def __init__(self, data: Any, where: str):
        if not isinstance(data, dict):
            raise FeedError(f"{where}: expected an object, got {type(data).__name__}")
        self.data = data
        self.where = where

    def _get(self, key: str, required: bool) -> Any:
        if key not in self.data:
            if required:
                raise FeedError(f"{self.where}: missing {key!r}")
            return None
        return self.data[key]

    def int(self, key: str, required: bool = True) -> int | None:
        value = self._get(key, required)
        if value is None:
            if required:
                raise FeedError(f"{self.where}.{key}: missing value")
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value != int(value):
            raise FeedError(f"{self.where}.{key}: expected a whole number, got {value!r}")
        return int(value)

    def float(self, key: str) -> float | None:
        value = self._get(key, False)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise FeedError(f"{self.where}.{key}: expected a number, got {value!r}")
        return float(value)

    def str(self, key: str, required: bool = True) -> str | None:
        value = self._get(key, required)
        if value is None:
            if required:
                raise FeedError(f"{self.where}.{key}: missing value")
            return None
        if not isinstance(value, (str, int)) or isinstance(value, bool):
            raise FeedError(f"{self.where}.{key}: expected text, got {value!r}")
        return str(value).strip()

    def bool(self, key: str) -> bool:
        value = self._get(key, False)
        if value is None:
            return False
        if not isinstance(value, bool):
            raise FeedError(f"{self.where}.{key}: expected true/false, got {value!r}")
        return value

    def list(self, key: str) -> list:
        value = self._get(key, False)
        if value is None:
            return []
        if not isinstance(value, list):
            raise FeedError(f"{self.where}.{key}: expected a list, got {type(value).__name__}")
        return value


def _positive(value: int | None) -> int | None:
    return value if value and value > 0 else None


def _header(race: _Fields) -> dict[str, Any]:
    """Fields shared by the race list and the weekend feed."""
    series_id = race.int("series_id")
    if series_id not in SERIES_BY_FEED_ID:
        raise FeedError(f"{race.where}.series_id: unknown series {series_id}")
    season = race.int("race_season")
    if not 1949 <= season <= 2100:
        raise FeedError(f"{race.where}.race_season: implausible season {season}")
    name = race.str("race_name")
    track = race.str("track_name")
    if not name or not track:
        raise FeedError(f"{race.where}: race or track name is empty")
    scheduled_laps = _positive(race.int("scheduled_laps", False))
    scheduled_miles = race.float("scheduled_distance") or None
    stage_laps = tuple(
        laps for laps in (race.int(f"stage_{n}_laps", False) for n in range(1, 5)) if laps and laps > 0
    )
    margin = race.str("margin_of_victory", False) or None
    return {
        "series": SERIES_BY_FEED_ID[series_id],
        "season": season,
        "name": name,
        "track": track,
        "source_id": str(race.int("race_id")),
        "exhibition": race.int("race_type_id", False) == 2,
        "track_source_id": race.int("track_id", False),
        "track_length_mi": round(scheduled_miles / scheduled_laps, 3) if scheduled_miles and scheduled_laps else None,
        "starts_at": eastern_to_utc(race.data.get("race_date") or race.data.get("date_scheduled"), f"{race.where}.race_date"),
        "scheduled_laps": scheduled_laps,
        "actual_laps": _positive(race.int("actual_laps", False)),
        "scheduled_miles": scheduled_miles,
        "stage_laps": stage_laps,
        "cautions": race.int("number_of_cautions", False),
        "caution_laps": race.int("number_of_caution_laps", False),
        "lead_changes": race.int("number_of_lead_changes", False),
        "leaders": race.int("number_of_leaders", False),
        "margin": margin,
        "average_mph": race.float("average_speed") or None,
    }


def _status(finished: bool, inspection_complete: bool) -> str:
    if not finished:
        return "scheduled"
    return "official" if inspection_complete else "provisional"


def _results(race: _Fields) -> list[ResultRecord]:
    results = []
    for index, item in enumerate(race.list("results")):
        row = _Fields(item, f"{race.where}.results[{index}]")
        status = row.str("finishing_status", False)
        if row.bool("disqualified"):
            status = "disqualified"
        results.append(ResultRecord(
            finish=row.int("finishing_position"),
            start=_positive(row.int("starting_position", False)),
            car=row.str("car_number"),
            driver=row.str("driver_fullname"),
            driver_source_id=row.int("driver_id", False),
            team=row.str("team_name", False) or None,
            make=row.str("car_make", False) or None,
            laps=row.int("laps_completed", False),
            led=row.int("laps_led", False) or 0,
            status=status.lower() if status else None,
            points=row.int("points_earned", False),
        ))
    positions = sorted(result.finish for result in results)
    if positions and positions != list(range(1, len(positions) + 1)):
        raise FeedError(f"{race.where}.results: finishing positions are not 1..{len(positions)} (partial feed?)")
    if any(not result.driver or not result.car for result in results):
        raise FeedError(f"{race.where}.results: a result has no driver or car number")
    return results


def parse_weekend_feed(document: Any) -> RaceRecord:
    """`weekend-feed.json` → one RaceRecord with results, stages, cautions and leader stints."""
    top = _Fields(document, "weekend-feed")
    races = top.list("weekend_race")
    if len(races) != 1:
        raise FeedError(f"weekend-feed.weekend_race: expected one race, found {len(races)}")
    race = _Fields(races[0], "weekend_race[0]")
    header = _header(race)
    results = _results(race)
    stages = []
    for index, item in enumerate(race.list("stage_results")):
        stage = _Fields(item, f"weekend_race[0].stage_results[{index}]")
        number = stage.int("stage_number")
        for position_index, entry in enumerate(stage.list("results")):
            line = _Fields(entry, f"{stage.where}.results[{position_index}]")
            stages.append(StageRecord(
                stage=number,
                position=line.int("finishing_position"),
                driver=line.str("driver_fullname"),
                driver_source_id=line.int("driver_id", False),
                car=line.str("car_number", False),
                points=line.int("stage_points", False),
            ))
    cautions = []
    for index, item in enumerate(race.list("caution_segments")):
        caution = _Fields(item, f"weekend_race[0].caution_segments[{index}]")
        cautions.append(CautionRecord(
            start_lap=caution.int("start_lap"),
            end_lap=caution.int("end_lap"),
            reason=caution.str("reason", False) or None,
            comment=caution.str("comment", False) or None,
            free_pass_car=caution.str("beneficiary_car_number", False) or None,
        ))
    stints = []
    for index, item in enumerate(race.list("race_leaders")):
        stint = _Fields(item, f"weekend_race[0].race_leaders[{index}]")
        start, end = stint.int("start_lap"), stint.int("end_lap")
        if end == 0:  # the lap-0 entry names the pole-sitter, not a leader
            continue
        stints.append(StintRecord(start_lap=start, end_lap=end, car=stint.str("car_number")))
    winner = next((result for result in results if result.finish == 1), None)
    return RaceRecord(
        **header,
        status=_status(bool(results), race.bool("inspection_complete")),
        winner_source_id=winner.driver_source_id if winner else None,
        results=results,
        stages=stages,
        caution_list=cautions,
        stints=stints,
    )


def parse_race_list(document: Any) -> list[RaceRecord]:
    """`race_list_basic.json` → the season's races (no results), with rounds from the date order."""
    top = _Fields(document, "race_list")
    records = []
    for series_key in ("series_1", "series_2", "series_3"):
        entries = top.list(series_key)
        parsed = []
        for index, item in enumerate(entries):
            race = _Fields(item, f"race_list.{series_key}[{index}]")
            header = _header(race)
            winner = race.int("winner_driver_id", False)
            if not winner:  # before the race the list carries zeros, not figures
                header.update(dict.fromkeys(RACE_FIGURES))
            parsed.append({**header, "winner_source_id": winner or None, "status": _status(bool(winner), race.bool("inspection_complete"))})
        points_races = sorted(
            (entry for entry in parsed if not entry["exhibition"]),
            key=lambda entry: (entry["starts_at"] or datetime.max.replace(tzinfo=timezone.utc), int(entry["source_id"])),
        )
        for round_number, entry in enumerate(points_races, start=1):
            entry["round"] = round_number
        records.extend(RaceRecord(**entry) for entry in parsed)
    if not records:
        raise FeedError("race_list: no races in any series")
    return records


def document_kind(document: Any) -> str:
    if isinstance(document, dict) and "weekend_race" in document:
        return "weekend"
    if isinstance(document, dict) and any(key in document for key in ("series_1", "series_2", "series_3")):
        return "race_list"
    raise FeedError("not a weekend-feed.json or race_list_basic.json document")


def _decode(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise FeedError(f"not valid JSON: {error}") from error


async def import_document(store: Store, body: bytes) -> ImportReport:
    """Validate and import one feed document in a single transaction; unchanged documents are skipped."""
    document = _decode(body)
    kind = document_kind(document)
    if kind == "weekend":
        records = [parse_weekend_feed(document)]
        key = records[0].source_id
    else:
        records = parse_race_list(document)
        key = str(records[0].season)
    digest = hashlib.sha256(body).hexdigest()
    known = await store.scalar("SELECT sha256 FROM feed_documents WHERE kind = ? AND key = ?", (kind, key))
    if known == digest:
        return ImportReport(kind, key, False, [])
    async with store.transaction() as conn:
        if kind == "weekend" and not records[0].results:
            await _refuse_to_drop_results(conn, records[0])
        outcomes = [await upsert_race(conn, record) for record in records]
        await conn.execute(
            "INSERT OR REPLACE INTO feed_documents (kind, key, sha256, imported_at, body) VALUES (?, ?, ?, ?, ?)",
            (kind, key, digest, datetime.now(timezone.utc).isoformat(), zlib.compress(body)),
        )
    store.forget_names()
    return ImportReport(kind, key, True, outcomes)


async def _refuse_to_drop_results(conn: aiosqlite.Connection, record: RaceRecord) -> None:
    """A weekend feed without results for a race that has them is a glitch, not a revision: it would delete them."""
    async with conn.execute(
        "SELECT count(*) FROM results x JOIN races r ON r.id = x.race_id WHERE r.source_id = ?", (record.source_id,)
    ) as cursor:
        (held,) = await cursor.fetchone()
    if held:
        raise FeedError(f"weekend-feed {record.source_id}: no results, but the race has {held}; keeping them (partial feed?)")


async def import_file(store: Store, path: Path) -> ImportReport:
    return await import_document(store, Path(path).read_bytes())


async def replay_documents(store: Store, old_database: Path) -> int:
    """Re-import every feed document recorded in another database (used by `db build`), oldest first."""
    await store.conn.execute("ATTACH DATABASE ? AS old", (str(old_database),))
    try:
        rows = await store.conn.execute_fetchall("SELECT body FROM old.feed_documents ORDER BY imported_at, kind DESC")
    finally:
        await store.conn.execute("DETACH DATABASE old")
    replayed = 0
    for row in rows:
        try:
            await import_document(store, zlib.decompress(row["body"]))
            replayed += 1
        except FeedError as error:
            log.warning("skipped a stored feed document that no longer imports: %s", error)
    return replayed
