"""NASCAR feed adapter: field-by-field parsing, idempotent and revising imports, malformed documents."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime

import pytest

from db import queries
from db.errors import FeedError
from db.nascar_feed import eastern_to_utc, import_document, import_file, parse_race_list, parse_weekend_feed
from db.store import Store
from testkit.samples import RACE_LIST_2023, RICHMOND_FEED, snapshot


def richmond() -> dict:
    return json.loads(RICHMOND_FEED.read_text())


def test_weekend_feed_fields():
    record = parse_weekend_feed(richmond())
    assert (record.series, record.season, record.name, record.track) == ("cup", 2023, "Toyota Owners 400", "Richmond Raceway")
    assert record.source_id == "5274" and record.track_source_id == 26
    assert record.starts_at == datetime(2023, 4, 2, 19, 30, tzinfo=UTC)  # 15:30 EDT
    assert (record.scheduled_laps, record.actual_laps, record.stage_laps) == (400, 400, (70, 160, 170))
    assert (record.cautions, record.caution_laps, record.lead_changes, record.leaders) == (8, 54, 22, 11)
    assert record.margin == 1.535 and record.scheduled_miles == 300   # 300 miles over 400 laps: no length (not stated)
    assert not hasattr(record, "track_length_mi")
    assert record.status == "provisional"  # inspection_complete is false in this capture
    assert len(record.results) == 37
    larson = record.results[0]
    assert (larson.finish, larson.start, larson.car, larson.driver, larson.driver_source_id) == (1, 9, "5", "Kyle Larson", 4030)
    assert (larson.team, larson.make, larson.laps, larson.led, larson.status, larson.points) == (
        "Hendrick Motorsports", "Chevrolet", 400, 93, "running", 52,
    )
    assert len(record.caution_list) == 8
    assert record.caution_list[1].comment == "#11, 15 Incident Turn 1"
    assert len(record.stints) == 22  # the lap-0 pole entry is not a stint
    assert [s.stage for s in record.stages].count(1) == 10
    assert record.stages[0].driver == "William Byron" and record.stages[0].points == 10


@pytest.mark.parametrize(
    ("wall_time", "utc"),
    [
        ("2023-03-11T15:30:00", datetime(2023, 3, 11, 20, 30, tzinfo=UTC)),  # EST, day before DST
        ("2023-03-12T15:30:00", datetime(2023, 3, 12, 19, 30, tzinfo=UTC)),  # EDT, DST started
        ("2023-11-04T15:30:00", datetime(2023, 11, 4, 19, 30, tzinfo=UTC)),  # EDT, day before DST ends
        ("2023-11-05T15:30:00", datetime(2023, 11, 5, 20, 30, tzinfo=UTC)),  # EST again
        ("1900-01-01T00:00:00", None),  # the feed's "no date"
    ],
)
def test_eastern_times_become_utc_across_dst(wall_time, utc):
    assert eastern_to_utc(wall_time, "test") == utc


async def test_import_matches_history_race_and_drivers(subset_db_copy):
    async with Store.open(subset_db_copy) as store:
        history_id = await store.scalar(
            "SELECT r.id FROM races r JOIN series s ON s.id = r.series_id WHERE s.key = 'cup' AND season = 2023 AND round = 7"
        )
        drivers_before = await store.scalar("SELECT count(*) FROM drivers")
        report = await import_file(store, RICHMOND_FEED)
        assert report.changed and report.races[0].race_id == history_id and report.races[0].action == "updated"
        assert await store.scalar("SELECT count(*) FROM drivers") == drivers_before  # every feed driver matched history
        assert await store.scalar("SELECT feed_driver_id FROM drivers WHERE name = 'Kyle Larson'") == 4030
        answer = await queries.results(store, "richmond", 2023, "cup", 7)
        assert answer.race.cautions == 8 and answer.race.lead_changes == 22 and answer.race.status == "official"
        assert len(answer.cautions) == 8 and len(answer.leader_stints) == 22


async def test_same_feed_twice_changes_nothing(subset_db_copy):
    """Not one row of any table (on a few seasons of the history with this race's: a snapshot of it all is quick)."""
    async with Store.open(subset_db_copy) as store:
        await import_file(store, RICHMOND_FEED)
        before = await snapshot(store)
        report = await import_file(store, RICHMOND_FEED)
        assert not report.changed
        assert await snapshot(store) == before


async def test_revised_feed_updates_race_in_place(subset_db_copy):
    revised = richmond()
    results = revised["weekend_race"][0]["results"]
    winner, second = results[0], results[1]
    winner.update(finishing_position=37, finishing_status="Disqualified", disqualified=True)
    second["finishing_position"] = 1
    for later in results[2:]:
        later["finishing_position"] -= 1
    async with Store.open(subset_db_copy) as store:
        first = await import_file(store, RICHMOND_FEED)
        races_before = await store.scalar("SELECT count(*) FROM races")
        report = await import_document(store, json.dumps(revised).encode())
        assert report.changed and report.races[0].race_id == first.races[0].race_id
        assert await store.scalar("SELECT count(*) FROM races") == races_before
        answer = await queries.results(store, "richmond", 2023, "cup", 7)
        assert answer.race.winner == second["driver_fullname"]
        assert answer.results[-1].driver == "Kyle Larson" and answer.results[-1].status == "disqualified"
        assert len(answer.results) == 37


def _broken_documents():
    good = richmond()
    wrong_type = copy.deepcopy(good)
    wrong_type["weekend_race"][0]["results"][3]["finishing_position"] = "first"
    missing_field = copy.deepcopy(good)
    del missing_field["weekend_race"][0]["results"][0]["driver_fullname"]
    partial = copy.deepcopy(good)
    del partial["weekend_race"][0]["results"][10:20]
    no_race = {"weekend_race": [], "weekend_runs": []}
    bad_series = copy.deepcopy(good)
    bad_series["weekend_race"][0]["series_id"] = 9
    return {
        "truncated": RICHMOND_FEED.read_bytes()[:5000],
        "not json": b"<html>502 Bad Gateway</html>",
        "wrong type": json.dumps(wrong_type).encode(),
        "missing field": json.dumps(missing_field).encode(),
        "partial results": json.dumps(partial).encode(),
        "no race": json.dumps(no_race).encode(),
        "unknown series": json.dumps(bad_series).encode(),
        "a list": b"[1, 2, 3]",
    }


@pytest.mark.parametrize("case", list(_broken_documents()))
async def test_malformed_feed_leaves_database_untouched(small_store, case):
    before = await snapshot(small_store)
    with pytest.raises(FeedError):
        await import_document(small_store, _broken_documents()[case])
    assert await snapshot(small_store) == before


async def test_failure_inside_the_write_rolls_back(small_store, monkeypatch):
    """A crash between the first and the last row of an import leaves nothing behind."""
    import db.ingest

    calls = {"n": 0}
    real_team_id_for = db.ingest.team_id_for

    async def failing_team_id_for(conn, name):
        calls["n"] += 1
        if calls["n"] == 20:
            raise RuntimeError("simulated crash mid-import")
        return await real_team_id_for(conn, name)

    monkeypatch.setattr(db.ingest, "team_id_for", failing_team_id_for)
    before = await snapshot(small_store)
    with pytest.raises(RuntimeError):
        await import_file(small_store, RICHMOND_FEED)
    assert await snapshot(small_store) == before


def test_race_list_rounds_statuses_and_exhibitions():
    records = parse_race_list(json.loads(RACE_LIST_2023.read_text()))
    cup = [r for r in records if r.series == "cup"]
    assert (
        len(cup) == 41 and sum(r.series == "xfinity" for r in records) == 33 and sum(r.series == "truck" for r in records) == 23
    )
    clash = next(r for r in cup if r.source_id == "5259")
    assert clash.exhibition and clash.round is None and clash.status == "official"
    daytona = next(r for r in cup if r.source_id == "5268")
    assert daytona.round == 1 and daytona.name == "DAYTONA 500" and daytona.winner_source_id == 3888
    richmond_race = next(r for r in cup if r.source_id == "5274")
    assert richmond_race.round == 7 and richmond_race.status == "scheduled" and richmond_race.cautions is None


async def test_race_list_does_not_undo_results(subset_db_copy):
    async with Store.open(subset_db_copy) as store:
        await import_file(store, RICHMOND_FEED)
        report = await import_file(store, RACE_LIST_2023)
        assert len(report.races) == 97
        row = await store.fetchone("SELECT status, cautions, lead_changes, starts_at FROM races WHERE source_id = '5274'")
        assert tuple(row) == ("official", 8, 22, "2023-04-02T19:30:00+00:00")
        daytona = await store.fetchone(
            "SELECT r.source_id, r.source FROM races r JOIN series s ON s.id = r.series_id "
            "WHERE s.key = 'cup' AND r.season = 2023 AND r.round = 1"
        )
        assert tuple(daytona) == ("5268", "history")


async def test_integrity_check_is_clean_after_an_import(subset_db_copy):
    async with Store.open(subset_db_copy) as store:
        await import_file(store, RICHMOND_FEED)
        assert await store.scalar("PRAGMA integrity_check") == "ok"


async def test_feed_without_results_never_wipes_a_race_that_has_them(small_store):
    """A glitching feed (empty results for a finished race) is refused, not taken as a revision."""
    await import_file(small_store, RICHMOND_FEED)
    empty = richmond()
    empty["weekend_race"][0]["results"] = []
    before = await snapshot(small_store)
    with pytest.raises(FeedError):
        await import_document(small_store, json.dumps(empty).encode())
    assert await snapshot(small_store) == before
