"""Test support shared by tests/ and bench/: the recorded feed samples, a tiny hand-made history in the bundled
files' own format, a few seasons of the real history as a PITBOARD_HISTORY directory, and helpers to fill a store
and to snapshot a whole database."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

from db.f1db import bundled_rows as bundled_f1_rows
from db.history import SERIES_FILES, Reference, add_curated_tracks, load_history, load_reference, read_series_rows
from db.store import Store

FEED_SAMPLES = Path(__file__).resolve().parent.parent / "tests" / "data" / "feed"
RICHMOND_FEED = FEED_SAMPLES / "weekend-feed_2023_cup_5274_richmond.json"
SONOMA_FEED = FEED_SAMPLES / "weekend-feed_2026_cup_5617_sonoma_trimmed.json"
RACE_LIST_2023 = FEED_SAMPLES / "race_list_basic_2023.json"
ATLANTA_LOOPSTATS = FEED_SAMPLES / "loopstats_2023_xfinity_5314.json"   # 2023 Xfinity at Atlanta, race 5314

COLUMNS = (
    "Season,Race,Track,Name,Length,Surface,Finish,Start,Car,Driver,Make,Pts,Laps,Led,Status,Team,S1,S2,Rating,Win,Seg Points"
)

# A tiny history in the bundled files' own format. Hand-checked figures in test_queries.py.
SMALL_TRUCK = """
2021,1,Mid-Ohio Sports Car Course,Alpha 150 at Mid-Ohio,2.258,road,1,2,7,Alice Able,Chevrolet,55,67,30,running,Able Racing,1,2,,1,
2021,1,Mid-Ohio Sports Car Course,Alpha 150 at Mid-Ohio,2.258,road,2,1,02,Bob Baker,Ford,40,67,20,running,Baker Bros,2,1,,0,
2021,1,Mid-Ohio Sports Car Course,Alpha 150 at Mid-Ohio,2.258,road,3,3,2,Carl Smith,Toyota,35,67,17,running,Smith Team,3,3,,0,
2021,1,Mid-Ohio Sports Car Course,Alpha 150 at Mid-Ohio,2.258,road,4,4,44,Dan Smith,Toyota,10,40,0,accident,Smith Team,,,,0,
2021,2,Daytona International Speedway,Beta 250,2.5,paved,1,1,02,Bob Baker,Ford,50,100,60,running,Baker Bros,,,,1,
2021,2,Daytona International Speedway,Beta 250,2.5,paved,2,3,7,Alice Able,Chevrolet,40,100,40,running,Able Racing,,,,0,
2021,2,Daytona International Speedway,Beta 250,2.5,paved,3,2,2,Carl Smith,Toyota,35,100,0,running,Smith Team,,,,0,
2021,2,Daytona International Speedway,Beta 250,2.5,paved,4,4,44,Dan Smith,Toyota,30,99,0,running,Smith Team,,,,0,
2022,1,Mid-Ohio Sports Car Course,Alpha 150 at Mid-Ohio,2.258,road,1,3,2,Carl Smith,Toyota,50,67,40,running,Smith Team,,,,1,
2022,1,Mid-Ohio Sports Car Course,Alpha 150 at Mid-Ohio,2.258,road,2,1,7,Alice Able,Chevrolet,45,67,27,running,Able Racing,,,,0,
2022,1,Mid-Ohio Sports Car Course,Alpha 150 at Mid-Ohio,2.258,road,3,2,02,Bob Baker,Ford,35,67,0,running,Baker Bros,,,,0,
2022,1,Mid-Ohio Sports Car Course,Alpha 150 at Mid-Ohio,2.258,road,4,4,44,Dan Smith,Toyota,5,12,0,engine,Smith Team,,,,0,
"""
SMALL_CUP = """
2022,1,Mid-Ohio Sports Car Course,Gamma 200,2.258,road,1,1,7,Alice Able,Chevrolet,60,90,90,running,Able Racing,,,,1,
2022,1,Mid-Ohio Sports Car Course,Gamma 200,2.258,road,2,2,02,Bob Baker,Ford,40,90,0,running,Baker Bros,,,,0,
"""


# Seasons of the bundled history that build-semantics tests build from (about 8% of NASCAR's rows, and F1's races of
# the same seasons): 2001 and 2002 for edits a rebuild must undo, 2023 for the recorded feeds (Richmond) and
# first-run questions (/winner dega 2023 cup), and the newest, as in the whole history: NASCAR's 2025 and F1's 2026
# calendar (bench/faults.py's build scenario takes the newest out of an "older bundle", apart from the feeds' season;
# Jolpica's documents fill 2026's rounds).
SUBSET_SEASONS = ("2001", "2002", "2023", "2025", "2026")
F1_BY_RACE = ("race_results", "qualifying_results", "sprint_results")
F1_BY_YEAR = ("races", "driver_standings", "constructor_standings")
F1_WHOLE = ("circuits", "grands_prix", "drivers", "constructors", "engine_manufacturers")


def write_history_subset(directory: Path, seasons: tuple[str, ...] = SUBSET_SEASONS) -> Path:
    """Write the bundled history's rows of `seasons` as a directory shaped like db/data/ for PITBOARD_HISTORY
    (history/<series>_series.csv and f1/<file>.csv, uncompressed; F1's people, teams and circuits whole), return it."""
    for series, name in SERIES_FILES.items():
        _write_csv(directory / "history" / name.removesuffix(".xz"), COLUMNS.split(","),
                   (row for row in read_series_rows(series) if row["Season"] in seasons))
    f1_races = {row["id"] for row in bundled_f1_rows("races") if row["year"] in seasons}
    for name in (*F1_BY_RACE, *F1_BY_YEAR, *F1_WHOLE):
        kept = (
            row for row in bundled_f1_rows(name)
            if name in F1_WHOLE or (row["race_id"] in f1_races if name in F1_BY_RACE else row["year"] in seasons)
        )
        _write_csv(directory / "f1" / f"{name}.csv", None, kept)
    return directory


def _write_csv(path: Path, columns: list[str] | None, kept: Iterator[dict[str, str]]) -> None:
    """`kept` rows under `columns` (None: the first row's keys) into a new CSV file at `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    first = next(kept, None)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, columns or list(first or {}))
        writer.writeheader()
        if first is not None:
            writer.writerow(first)
        writer.writerows(kept)


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(COLUMNS + "\n" + text.strip() + "\n")))


async def fill_store(store: Store, series_rows: list[tuple[str, list[dict[str, str]]]]) -> None:
    reference = Reference()
    async with store.transaction():
        await load_reference(store, reference)
        await load_history(store, reference, series_rows)
        await add_curated_tracks(store, reference)


async def snapshot(store: Store) -> dict[str, list[tuple]]:
    """Every row of every table, to prove that something did not change the database."""
    tables = [row[0] for row in await store.fetchall("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
    return {table: [tuple(row) for row in await store.fetchall(f"SELECT * FROM {table} ORDER BY 1, 2")] for table in tables}


def richmond_loopstats(feed: dict) -> bytes:
    """Loop data made for the recorded Richmond weekend feed: each car's laps, laps led and start as its result says,
    made-up but plausible figures besides (no real loop data of that race was recorded)."""
    race = feed["weekend_race"][0]
    drivers = [{
        "driver_id": row["driver_id"], "ps": row["finishing_position"], "start_ps": row["starting_position"],
        "laps": row["laps_completed"], "lead_laps": row["laps_led"], "rating": 150 - 2.5 * row["finishing_position"],
        "avg_ps": float(row["finishing_position"]), "passes_gf": 10, "passed_gf": 10, "quality_passes": 5,
        "fast_laps": 1, "top15_laps": min(100, row["laps_completed"]),
    } for row in race["results"]]
    return json.dumps([{"race_id": race["race_id"], "series_id": race["series_id"], "act_laps": race["actual_laps"],
                        "drivers": drivers}]).encode()
