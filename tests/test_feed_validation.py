"""Feeds checked before they are believed: each rule with a real document mutated, refused with the field
named and the database untouched; every complete real sample still imports; rounds are never guessed."""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pytest

import db.nascar_feed
from db import queries
from db.errors import FeedError
from db.nascar_feed import import_document, import_file, parse_race_list
from db.store import Store
from testkit.samples import ATLANTA_LOOPSTATS, FEED_SAMPLES, RACE_LIST_2023, RICHMOND_FEED, SONOMA_FEED, snapshot

RAW = "@@raw@@"   # a placeholder whose JSON string is replaced by raw text json.dumps cannot write (1e400)


def richmond() -> dict:
    return json.loads(RICHMOND_FEED.read_text())


def encoded(document: Any, raw: str = "") -> bytes:
    return json.dumps(document).replace(json.dumps(RAW), raw).encode()


def mutated(change: Callable[[dict], Any], raw: str = "") -> bytes:
    """The real Richmond 2023 weekend feed with one change made to its race."""
    document = richmond()
    change(document["weekend_race"][0])
    return encoded(document, raw)


def result(race: dict, index: int) -> dict:
    return race["results"][index]


def more_results(race: dict, count: int) -> None:
    template = race["results"][-1]
    for extra in range(len(race["results"]), count):
        race["results"].append({**template, "finishing_position": extra + 1, "driver_id": 90_000 + extra,
                                "driver_fullname": f"Extra Driver {extra}", "laps_led": 0})


def trim_cautions(race: dict) -> None:
    race["caution_segments"] = race["caution_segments"][:1]
    race["number_of_cautions"] = 3


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


# (case, document, JSON path of the field that must be named)
REFUSED = [
    ("NaN", mutated(lambda r: result(r, 0).update(laps_led=RAW), "NaN"), "weekend_race[0].results[0].laps_led"),
    ("Infinity", mutated(lambda r: result(r, 0).update(laps_led=RAW), "-Infinity"), "weekend_race[0].results[0].laps_led"),
    ("1e400", mutated(lambda r: r.update(average_speed=RAW), "1e400"), "weekend_race[0].average_speed"),
    ("2**63", mutated(lambda r: result(r, 2).update(points_earned=2**63)), "weekend_race[0].results[2].points_earned"),
    ("a 40-digit integer", mutated(lambda r: r.update(race_id=RAW), "9" * 40), "weekend_race[0].race_id"),
    (
        "NaN in a field we never read",
        mutated(lambda r: r.update(pole_winner_speed=RAW), "NaN"),
        "weekend_race[0].pole_winner_speed",
    ),
    ("-100 laps led", mutated(lambda r: result(r, 5).update(laps_led=-100)), "weekend_race[0].results[5].laps_led"),
    (
        "led more laps than completed",
        mutated(lambda r: result(r, 36).update(laps_led=350)),
        "weekend_race[0].results[36].laps_led",
    ),
    (
        "completed more laps than the race",
        mutated(lambda r: result(r, 5).update(laps_completed=450)),
        "weekend_race[0].results[5].laps_completed",
    ),
    ("laps led add up past the race", mutated(lambda r: result(r, 4).update(laps_led=300)), "weekend_race[0].results"),
    (
        "duplicate driver",
        mutated(lambda r: r["results"].__setitem__(1, {**result(r, 0), "finishing_position": 2})),
        "weekend_race[0].results[1].driver_fullname",
    ),
    ("duplicate driver id", mutated(lambda r: result(r, 1).update(driver_id=4030)), "weekend_race[0].results[1].driver_id"),
    (
        "duplicate finishing position",
        mutated(lambda r: result(r, 1).update(finishing_position=1)),
        "weekend_race[0].results[1].finishing_position",
    ),
    (
        "duplicate stage position",
        mutated(lambda r: r["stage_results"][0]["results"][1].update(finishing_position=1)),
        "weekend_race[0].stage_results[0].results[1].finishing_position",
    ),
    (
        "duplicate caution segment",
        mutated(lambda r: r["caution_segments"].__setitem__(1, r["caution_segments"][0])),
        "weekend_race[0].caution_segments[1].start_lap",
    ),
    ("101 results", mutated(lambda r: more_results(r, 101)), "weekend_race[0].results"),
    (
        "a 2,000-character string",
        mutated(lambda r: result(r, 3).update(team_name="x" * 2000)),
        "weekend_race[0].results[3].team_name",
    ),
    (
        "5,000 characters in a field we never read",
        mutated(lambda r: r.update(race_comments="x" * 5000)),
        "weekend_race[0].race_comments",
    ),
    (
        "a 500-character driver name",
        mutated(lambda r: result(r, 3).update(driver_fullname="x" * 500)),
        "weekend_race[0].results[3].driver_fullname",
    ),
    (
        "a 300-character key",
        mutated(lambda r: result(r, 4).update({"k" * 300: 1})),
        "weekend_race[0].results[4]",
    ),
    ("10,000-deep nesting", mutated(lambda r: result(r, 0).update(sponsor=RAW), nested(10_000)), "document"),
    (
        "20-deep nesting",
        mutated(lambda r: result(r, 0).update(sponsor=RAW), nested(20)),
        "weekend_race[0].results[0].sponsor" + "[0]" * 5,
    ),  # the 11th container
    (
        "header 36 cars, 3 results (the real trimmed Sonoma 2026 sample)",
        SONOMA_FEED.read_bytes(),
        "weekend_race[0].number_of_cars_in_field",
    ),
    ("header 3 cautions, 1 segment", mutated(trim_cautions), "weekend_race[0].number_of_cautions"),
    (
        "header 11 leaders, race_leaders trimmed",
        mutated(lambda r: r.update(race_leaders=r["race_leaders"][:5])),
        "weekend_race[0].number_of_leaders",
    ),
    (
        "drivers that collide once cleaned",
        mutated(
            lambda r: (result(r, 0).update(driver_fullname="Kyle(i)Larson"), result(r, 1).update(driver_fullname="KyleLarson"))
        ),
        "weekend_race[0].results[1].driver_fullname",
    ),
    (
        "a rookie mark makes no new driver",
        mutated(lambda r: result(r, 1).update(driver_fullname="Kyle Larson #")),
        "weekend_race[0].results[1].driver_fullname",
    ),
    (
        "margin [click](https://x)",
        mutated(lambda r: r.update(margin_of_victory="[click](https://x)")),
        "weekend_race[0].margin_of_victory",
    ),
    (
        "negative caution lap",
        mutated(lambda r: r["caution_segments"][0].update(start_lap=-1)),
        "weekend_race[0].caution_segments[0].start_lap",
    ),
    ("a date past the seasons", mutated(lambda r: r.update(race_date="9999-12-31T23:59:59")), "weekend_race[0].race_date"),
    ("too large", b" " * (db.nascar_feed.MAX_DOCUMENT_BYTES + 1) + RICHMOND_FEED.read_bytes(), "document"),
]


@pytest.mark.parametrize(("case", "body", "field"), REFUSED, ids=[case for case, _, _ in REFUSED])
async def test_refused_with_the_field_named_and_nothing_written(small_store, case, body, field):
    before = await snapshot(small_store)
    with pytest.raises(FeedError) as refusal:
        await import_document(small_store, body)
    assert refusal.value.field == field
    assert "\n" not in str(refusal.value) and str(refusal.value).startswith(field + ": ")
    assert await snapshot(small_store) == before


async def test_duplicate_race_in_a_race_list_is_refused(small_store):
    document = json.loads(RACE_LIST_2023.read_text())
    document["series_2"].append(document["series_1"][3])
    before = await snapshot(small_store)
    with pytest.raises(FeedError) as refusal:
        await import_document(small_store, json.dumps(document).encode())
    assert refusal.value.field == f"series_2[{len(document['series_2']) - 1}].race_id"
    assert await snapshot(small_store) == before


async def test_a_name_colliding_with_a_stored_driver_is_refused(small_store):
    """`Zed(i)Zebra` cleans to the stored `ZedZebra`, whom the feed knows under another id: two people, never merged."""
    first = richmond()
    first["weekend_race"][0]["results"][36].update(driver_fullname="ZedZebra", driver_id=777)
    await import_document(small_store, json.dumps(first).encode())
    second = richmond()
    race = second["weekend_race"][0]
    race["race_id"] = 99_999
    race["results"][36].update(driver_fullname="Zed(i)Zebra", driver_id=888)
    before = await snapshot(small_store)
    with pytest.raises(FeedError) as refusal:
        await import_document(small_store, json.dumps(second).encode())
    assert refusal.value.field == "results[36].driver" and "777" in refusal.value.problem
    assert await snapshot(small_store) == before


async def test_an_unexpected_error_in_validation_is_refused_and_logged(small_store, monkeypatch, caplog):
    def broken(race):
        raise ZeroDivisionError("a validation bug")

    monkeypatch.setattr(db.nascar_feed, "_stages", broken)
    before = await snapshot(small_store)
    with caplog.at_level(logging.ERROR, logger="db.nascar_feed"), pytest.raises(FeedError) as refusal:
        await import_file(small_store, RICHMOND_FEED)
    assert refusal.value.field == "document" and "ZeroDivisionError" in refusal.value.problem
    assert any(record.exc_info and record.exc_info[0] is ZeroDivisionError for record in caplog.records)
    assert await snapshot(small_store) == before


async def test_a_constraint_the_validation_missed_is_refused_and_logged(small_store, monkeypatch, caplog):
    async def conflicting(conn, record):
        raise sqlite3.IntegrityError("UNIQUE constraint failed: drivers.name")

    monkeypatch.setattr(db.nascar_feed, "upsert_race", conflicting)
    before = await snapshot(small_store)
    with caplog.at_level(logging.ERROR, logger="db.nascar_feed"), pytest.raises(FeedError) as refusal:
        await import_file(small_store, RICHMOND_FEED)
    assert refusal.value.field == "document"
    assert any(record.exc_info and record.exc_info[0] is sqlite3.IntegrityError for record in caplog.records)
    assert await snapshot(small_store) == before


# Every real weekend feed and race list in tests/data/feed (copies of /work/shared/data/nascar-feed-samples).
COMPLETE_SAMPLES = ["weekend-feed_2023_cup_5274_richmond.json", "race_list_basic_2023.json"]


def test_the_samples_are_all_accounted_for():
    documents = {path.name for path in FEED_SAMPLES.glob("*.json")} - {"schedule-feed_2026.json"}
    # the trimmed Sonoma feed is refused above; the Atlanta loop data is tested in test_loop_data.py
    assert documents == {*COMPLETE_SAMPLES, SONOMA_FEED.name, ATLANTA_LOOPSTATS.name}


@pytest.mark.parametrize("name", COMPLETE_SAMPLES)
async def test_every_complete_real_sample_imports(subset_db_copy, name):
    async with Store.open(subset_db_copy) as store:
        report = await import_file(store, FEED_SAMPLES / name)
        assert report.changed and report.races
        assert await store.scalar("PRAGMA integrity_check") == "ok"


def test_margins_are_numbers_or_nothing():
    """Seconds as numbers; a finish under caution ("Caution", "Under Caution") has no margin."""
    by_id = {record.source_id: record for record in parse_race_list(json.loads(RACE_LIST_2023.read_text()))}
    assert by_id["5270"].margin == 0.622 and by_id["5266"].margin == 0.018
    assert by_id["5268"].margin is None and by_id["5343"].margin is None  # Daytona 500 and a Truck race under caution
    assert by_id["5274"].margin is None  # not run yet


async def test_margin_reaches_the_reader_as_a_number(subset_db_copy):
    async with Store.open(subset_db_copy) as store:
        await import_file(store, RICHMOND_FEED)
        answer = await queries.results(store, "richmond", 2023, "cup", 7)
    assert answer.race.margin == 1.535


def sonoma_made_consistent() -> dict:
    """The trimmed Sonoma 2026 sample with its header counts made to match the three cars it holds."""
    document = json.loads(SONOMA_FEED.read_text())
    race = document["weekend_race"][0]
    race.update(number_of_cars_in_field=3, number_of_cautions=2, number_of_leaders=2)
    return document


async def test_a_new_race_gets_its_round_from_a_race_list_never_a_guess(subset_db_copy):
    """2026 Sonoma, a race the history does not have: no round until a race list places it. `Shane Van
    Gisbergen` is the history's `Shane van Gisbergen`. A season of round-less feed races is no default."""
    document = sonoma_made_consistent()
    async with Store.open(subset_db_copy) as store:
        svg = await store.scalar("SELECT id FROM drivers WHERE name = 'Shane van Gisbergen'")
        report = await import_document(store, json.dumps(document).encode())
        assert report.races[0].action == "inserted"
        winner = await store.fetchone(
            "SELECT x.driver_id, r.round, r.kind FROM results x JOIN races r ON r.id = x.race_id "
            "WHERE r.source_id = '5617' AND x.finish = 1"
        )
        assert tuple(winner) == (svg, None, "road")
        assert (await queries.standings(store, "cup")).season == 2025

        header = {key: value for key, value in document["weekend_race"][0].items() if not isinstance(value, list)}
        await import_document(store, json.dumps({"series_1": [{**header, "winner_driver_id": 4469}]}).encode())
        assert await store.scalar("SELECT round FROM races WHERE source_id = '5617'") == 1
        assert (await queries.standings(store, "cup")).season == 2026


def test_import_reports_each_refused_file_and_goes_on(subset_db_copy, tmp_path):
    """`pitboard import good bad good`: both good files imported, one line naming the field, exit 1."""
    bad = tmp_path / "poisoned.json"
    bad.write_bytes(mutated(lambda r: result(r, 0).update(laps_led=RAW), "NaN"))
    script = os.path.join(os.path.dirname(sys.executable), "pitboard")
    done = subprocess.run(
        [script, "import", str(RICHMOND_FEED), str(bad), str(RACE_LIST_2023)], capture_output=True, text=True, timeout=120,
        env={**os.environ, "PITBOARD_DB": str(subset_db_copy)},
    )
    assert done.returncode == 1, done.stderr
    refused = [line for line in done.stderr.splitlines() if str(bad) in line]
    assert len(refused) == 1 and "weekend_race[0].results[0].laps_led" in refused[0]
    imported = [line for line in done.stdout.splitlines() if "weekend 5274" in line or "race_list 2023" in line]
    assert len(imported) == 2
    with sqlite3.connect(subset_db_copy) as conn:
        kept = conn.execute("SELECT kind, key FROM feed_documents ORDER BY kind").fetchall()
    assert kept == [("race_list", "2023"), ("weekend", "5274")]


def test_import_of_good_files_exits_zero(subset_db_copy):
    script = os.path.join(os.path.dirname(sys.executable), "pitboard")
    done = subprocess.run(
        [script, "import", str(RICHMOND_FEED), str(RACE_LIST_2023)], capture_output=True, text=True, timeout=120,
        env={**os.environ, "PITBOARD_DB": str(subset_db_copy)},
    )
    assert done.returncode == 0, done.stderr
