"""The bundled history (on the one full build, `real_db`) and the atomic `db build` (on a few seasons of it)."""

from __future__ import annotations

import csv
import io
import lzma
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

import db.build
from db import queries
from db.build import build_database
from db.history import HISTORY_VARIABLE
from db.nascar_feed import import_file
from db.store import Store
from testkit.samples import RICHMOND_FEED, snapshot

PITBOARD = os.path.join(os.path.dirname(sys.executable), "pitboard")


async def test_bundled_history_counts(real_store):
    counts = {
        key: await real_store.scalar(
            "SELECT count(*) FROM races r JOIN series s ON s.id = r.series_id WHERE s.key = ?", (key,)
        )
        for key in ("cup", "xfinity", "truck")
    }
    assert counts == {"cup": 2822, "xfinity": 1404, "truck": 737}
    assert await real_store.scalar("SELECT min(season) FROM races") == 1949
    assert await real_store.scalar("SELECT count(*) FROM results") > 179_000


async def test_car_number_keeps_leading_zero(real_store):
    cars = {row[0] for row in await real_store.fetchall("SELECT DISTINCT car_number FROM results WHERE car_number LIKE '0%'")}
    assert {"02", "00", "07"} <= cars


async def test_renamed_tracks_merge_and_kinds(real_store):
    atlanta = await real_store.fetchall(
        "SELECT r.season, r.kind FROM races r JOIN tracks t ON t.id = r.track_id "
        "WHERE t.name = 'Atlanta Motor Speedway' AND r.season IN (2021, 2023, 2025)"
    )
    kinds = {(row[0], row[1]) for row in atlanta}
    assert (2021, "oval") in kinds and (2023, "superspeedway") in kinds and (2025, "superspeedway") in kinds
    assert await real_store.scalar("SELECT count(*) FROM tracks WHERE name = 'EchoPark Speedway'") == 0
    portland = await real_store.scalar(
        "SELECT count(*) FROM races r JOIN tracks t ON t.id = r.track_id"
        " WHERE t.name = 'Portland International Raceway' AND r.season >= 2022"
    )
    assert portland == 4  # Xfinity 2022–2025, filed under "Portland Speedway" in the source


async def test_laps_led_the_history_did_not_record_are_unknown_not_zero(real_store):
    """Where the lap leaders were not recorded the source gives every car 0 (the 1973 Daytona 500) or the winner 1 of
    200 laps (Canfield 1951): unknown, every car of the race. Counts that cover most of a race are kept (Dover's fall
    race of 2018: 365 of its 404 laps, Kevin Harvick's 251)."""
    async def laps_led(series: str, season: int, round_: int) -> dict[str, int | None]:
        race = await queries.results(real_store, None, season, series, round_)
        return {line.driver: line.led for line in race.results}

    daytona_1973 = await laps_led("cup", 1973, 2)
    canfield_1951 = await laps_led("cup", 1951, 9)
    assert set(daytona_1973.values()) == set(canfield_1951.values()) == {None}
    assert len(daytona_1973) == 40 and len(canfield_1951) == 38
    dover_2018 = await laps_led("cup", 2018, 30)
    assert dover_2018["Kevin Harvick"] == 251 and dover_2018["Chase Elliott"] == 11 and dover_2018["Denny Hamlin"] == 0
    unknown = await real_store.fetchall(
        "SELECT s.key, count(DISTINCT r.id), min(r.season), max(r.season) FROM results x JOIN races r ON r.id = x.race_id "
        "JOIN series s ON s.id = r.series_id WHERE x.laps_led IS NULL AND s.family = 'nascar' GROUP BY s.key ORDER BY s.key")
    assert [tuple(row) for row in unknown] == [("cup", 194, 1949, 1973), ("xfinity", 20, 1982, 1983)]
    teague = (await queries.driver(real_store, "Marshall Teague", "cup")).series["cup"]
    assert teague.wins == 7 and teague.laps_led is None       # a career that needs them is unknown too


def test_the_build_leaves_the_planner_without_statistics(real_db):
    """Pitboard's statements are planned without statistics. Partial ones (`PRAGMA optimize` analysed only `results`)
    made SQLite read the races still to run (/next, the watcher) through a Bloom filter over every winner: 1.3 → 28 ms."""
    from db.queries import RACE_COLUMNS, RACE_JOINS

    with sqlite3.connect(f"file:{real_db}?mode=ro", uri=True) as conn:
        assert conn.execute("SELECT count(*) FROM sqlite_master WHERE name LIKE 'sqlite_stat%'").fetchone() == (0,)
        plan = conn.execute(f"EXPLAIN QUERY PLAN SELECT {RACE_COLUMNS} {RACE_JOINS} WHERE r.status = 'scheduled' "
                            "AND r.starts_at IS NOT NULL ORDER BY r.starts_at, s.id, r.id").fetchall()
    steps = [step for *_, step in plan]
    assert "SEARCH r USING INDEX races_to_run (starts_at>?)" in steps   # the scheduled races alone (migration 0020)
    assert not [step for step in steps if "BLOOM" in step]


async def test_build_is_idempotent(subset_db, subset_db_copy):
    """Rebuilding a first build (the shared subset_db, on a copy) leaves every row as it was."""
    async with Store.open(subset_db) as first:
        before = await snapshot(first)
    await build_database(subset_db_copy, show_progress=False)
    async with Store.open(subset_db_copy) as second:
        assert await snapshot(second) == before


async def test_crashed_build_leaves_old_database(subset_db_copy, monkeypatch):
    async with Store.open(subset_db_copy) as store:
        before = await snapshot(store)

    async def explode(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(db.build, "load_history", explode)
    with pytest.raises(OSError):
        await build_database(subset_db_copy, show_progress=False)
    async with Store.open(subset_db_copy) as store:
        assert await snapshot(store) == before
        assert await store.scalar("PRAGMA integrity_check") == "ok"
    assert not [p for p in subset_db_copy.parent.iterdir() if ".build-" in p.name]


async def test_stale_build_files_are_removed(subset_db_copy):
    stale = subset_db_copy.with_name(f".{subset_db_copy.name}.build-99999")
    stale.write_bytes(b"half a database")
    await build_database(subset_db_copy, show_progress=False)
    assert not stale.exists()


async def test_rebuild_replays_imported_feeds(subset_db_copy):
    async with Store.open(subset_db_copy) as store:
        await import_file(store, RICHMOND_FEED)
    report = await build_database(subset_db_copy, show_progress=False)
    assert report.feeds_replayed == 1
    async with Store.open(subset_db_copy) as store:
        row = await store.fetchone("SELECT cautions, source FROM races WHERE source_id = '5274'")
        assert tuple(row) == (8, "feed")


async def test_rebuild_keeps_settings_and_ledgers(subset_db_copy):
    from db import announcements, guilds
    from db.announcements import Announcement

    async with Store.open(subset_db_copy) as store:
        await guilds.set_announce_channel(store, 7, 70)
        await guilds.add_subreddit(store, 7, "cup", "NASCAR")
        await announcements.record(store, Announcement("nascar-5274", 7, 70, 700, "hash"))
    report = await build_database(subset_db_copy, show_progress=False)
    assert report.state_rows_kept == 3
    async with Store.open(subset_db_copy) as store:
        settings = await guilds.get(store, 7)
        assert (settings.announce_channel_id, settings.subreddits) == (70, {"cup": ["NASCAR"]})
        assert (await announcements.get(store, "nascar-5274", 7)).message_id == 700


def pitboard_with_history(history: Path, database: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [PITBOARD, "--db", str(database), *args], capture_output=True, text=True, timeout=300,
        env={**os.environ, HISTORY_VARIABLE: str(history)},
    )


def test_db_build_takes_its_history_from_pitboard_history(history_subset_dir, tmp_path):
    """A directory shaped like db/data/: a series without a file has no history, no f1/ folder means no F1, and a
    file may be xz-compressed like the bundled ones or plain."""
    history = tmp_path / "history"
    (history / "history").mkdir(parents=True)
    truck = (history_subset_dir / "history" / "truck_series.csv").read_bytes()
    (history / "history" / "truck_series.csv.xz").write_bytes(lzma.compress(truck))
    database = tmp_path / "pitboard.db"
    built = pitboard_with_history(history, database, "db", "build")
    assert built.returncode == 0, built.stderr
    races = {(row["Season"], row["Race"]) for row in csv.DictReader(io.StringIO(truck.decode()))}
    conn = sqlite3.connect(database)
    try:
        by_series = dict(conn.execute("SELECT s.key, count(*) FROM races r JOIN series s ON s.id = r.series_id GROUP BY s.key"))
    finally:
        conn.close()
    assert by_series == {"truck": len(races)}
    answered = pitboard_with_history(history, database, "ask", "/winner mid-ohio 2023")
    assert answered.returncode == 0 and "Corey Heim" in answered.stdout


def test_a_pitboard_history_without_history_files_is_one_line(tmp_path):
    database = tmp_path / "pitboard.db"
    refused = pitboard_with_history(tmp_path, database, "db", "build")
    assert refused.returncode != 0 and not database.exists()
    assert refused.stderr.count("\n") == 1 and f"{HISTORY_VARIABLE}={tmp_path} holds neither" in refused.stderr
