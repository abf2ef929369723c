"""Every query on a small hand-checked fixture, and facts from the real bundled history."""

from __future__ import annotations

import inspect

import pytest

from db import queries
from db.errors import AmbiguousName, BadOption, NoData
from db.models import RaceSummary, ResultLine, race_key
from db.nascar_feed import import_file
from db.records import FrozenRecordError, fields
from db.store import Store
from testkit.samples import RICHMOND_FEED, fill_store, rows


async def test_winner_latest_of_each_series(small_store):
    answer = await queries.winner(small_store, "mid-ohio")
    assert [(r.season, r.series, r.winner) for r in answer.races] == [(2022, "cup", "Alice Able"), (2022, "truck", "Carl Smith")]


async def test_winner_with_year_lists_every_series(small_store):
    answer = await queries.winner(small_store, "moh", year=2022)
    assert [(r.series, r.winner) for r in answer.races] == [("cup", "Alice Able"), ("truck", "Carl Smith")]


async def test_winner_in_one_series(small_store):
    answer = await queries.winner(small_store, "Mid Ohio", series="trucks")
    race = answer.races[0]
    assert (race.season, race.winner, race.winner_start, race.winner_led, race.laps, race.pole) == (
        2022,
        "Carl Smith",
        3,
        40,
        67,
        "Alice Able",
    )


async def test_winner_nothing_that_year_says_when_races_were(small_store):
    with pytest.raises(NoData) as raised:
        await queries.winner(small_store, "mid-ohio", year=2019)
    assert "2021 to 2022" in raised.value.message


async def test_results_full_classification(small_store):
    answer = await queries.results(small_store, "mid-ohio", 2021, "truck")
    assert answer.race.name == "Alpha 150 at Mid-Ohio" and answer.race.field_size == 4
    assert [(r.finish, r.car, r.driver) for r in answer.results] == [
        (1, "7", "Alice Able"), (2, "02", "Bob Baker"), (3, "2", "Carl Smith"), (4, "44", "Dan Smith"),
    ]
    dan = answer.results[3]
    assert (dan.laps, dan.status, dan.points, dan.team, dan.make) == (40, "accident", 10, "Smith Team", "Toyota")
    assert answer.results[0].stage_finishes == (1, 2)
    assert [[line.driver for line in stage.results] for stage in answer.stages] == [
        ["Alice Able", "Bob Baker", "Carl Smith"], ["Bob Baker", "Alice Able", "Carl Smith"],
    ]


async def test_results_by_round_and_other_matches(small_store):
    answer = await queries.results(small_store, "mid-ohio", 2022)
    assert answer.race.series == "cup"
    assert [(r.series, r.season) for r in answer.other_races] == [("truck", 2022)]
    with pytest.raises(NoData):
        await queries.results(small_store, "mid-ohio", 2022, "truck", round=5)


async def test_driver_career(small_store):
    career = await queries.driver(small_store, "alice able")
    assert list(career.series) == ["cup", "truck"]
    truck = career.series["truck"]
    assert (truck.starts, truck.wins, truck.top5, truck.top10, truck.poles, truck.laps_led, truck.dnfs) == (3, 1, 3, 3, 1, 97, 0)
    assert truck.avg_start == pytest.approx(2.0) and truck.avg_finish == pytest.approx(5 / 3)
    assert (truck.first_win.season, truck.first_win.track) == (2021, "Mid-Ohio Sports Car Course")
    assert [(s.season, s.starts, s.wins) for s in truck.seasons] == [(2021, 2, 1), (2022, 1, 0)]
    assert career.series["cup"].laps_led == 90


async def test_driver_dnfs_and_series_filter(small_store):
    career = await queries.driver(small_store, "dan smith", series="truck")
    truck = career.series["truck"]
    assert (truck.dnfs, truck.wins, truck.first_win, truck.latest_win) == (2, 0, None, None)
    with pytest.raises(NoData):
        await queries.driver(small_store, "dan smith", series="cup")


async def test_ambiguous_driver(small_store):
    with pytest.raises(AmbiguousName) as raised:
        await queries.driver(small_store, "smith")
    assert set(raised.value.suggestions) == {"Carl Smith", "Dan Smith"}


async def test_track_record(small_store):
    record = await queries.track(small_store, "mid-ohio")
    truck = record.series["truck"]
    assert (truck.races, truck.first_season, truck.last_season, truck.wins_from_pole) == (2, 2021, 2022, 0)
    assert [(w.season, w.driver) for w in truck.winners] == [(2022, "Carl Smith"), (2021, "Alice Able")]
    assert {(t.driver, t.count) for t in truck.most_wins} == {("Carl Smith", 1), ("Alice Able", 1)}
    assert {(t.driver, t.count) for t in truck.most_poles} == {("Bob Baker", 1), ("Alice Able", 1)}
    assert record.series["cup"].wins_from_pole == 1
    assert record.kind == "road"


# Two races a season at one track: Carl Smith has the most poles; Will Zane and Alice Able one each in 2021, Will's
# the later (round 8), so he ranks before Alice whatever the alphabet says. The wins are the other way round.
TIED_AT_MARTINSVILLE = """
2019,5,Martinsville Speedway,Spring 300,0.526,paved,1,1,2,Carl Smith,Toyota,40,300,100,running,Smith Team,,,,1,
2019,5,Martinsville Speedway,Spring 300,0.526,paved,2,2,7,Alice Able,Chevrolet,35,300,0,running,Able Racing,,,,0,
2020,5,Martinsville Speedway,Spring 300,0.526,paved,1,1,2,Carl Smith,Toyota,40,300,100,running,Smith Team,,,,1,
2020,5,Martinsville Speedway,Spring 300,0.526,paved,2,2,7,Alice Able,Chevrolet,35,300,0,running,Able Racing,,,,0,
2021,3,Martinsville Speedway,Spring 300,0.526,paved,1,2,9,Will Zane,Ford,40,300,100,running,Zane Motorsports,,,,1,
2021,3,Martinsville Speedway,Spring 300,0.526,paved,2,1,7,Alice Able,Chevrolet,35,300,0,running,Able Racing,,,,0,
2021,8,Martinsville Speedway,Fall 300,0.526,paved,1,2,7,Alice Able,Chevrolet,40,300,100,running,Able Racing,,,,1,
2021,8,Martinsville Speedway,Fall 300,0.526,paved,2,1,9,Will Zane,Ford,35,300,0,running,Zane Motorsports,,,,0,
"""


async def test_track_ties_rank_the_more_recent_first(tmp_path):
    async with Store.open(tmp_path / "pitboard.db") as store:
        await fill_store(store, [("cup", rows(TIED_AT_MARTINSVILLE))])
        cup = (await queries.track(store, "martinsville", "cup")).series["cup"]
    assert [(t.driver, t.count) for t in cup.most_poles] == [("Carl Smith", 2), ("Will Zane", 1), ("Alice Able", 1)]
    assert [(t.driver, t.count) for t in cup.most_wins] == [("Carl Smith", 2), ("Alice Able", 1), ("Will Zane", 1)]


async def test_standings_from_race_points(small_store):
    table = await queries.standings(small_store, "truck", 2021)
    assert [(r.position, r.driver, r.points, r.behind) for r in table.rows] == [
        (1, "Alice Able", 95, 0), (2, "Bob Baker", 90, 5), (3, "Carl Smith", 70, 25), (4, "Dan Smith", 40, 55),
    ]
    assert table.races_counted == 2 and table.progression["Alice Able"] == [55, 95]
    assert "not the official" in table.note
    latest = await queries.standings(small_store, "truck")
    assert latest.season == 2022


async def test_head_to_head(small_store):
    truck = await queries.h2h(small_store, "alice", "bob baker", "truck")
    assert truck.races == 3
    assert (truck.first.ahead, truck.second.ahead, truck.first.wins, truck.second.wins) == (2, 1, 1, 1)
    assert truck.first.avg_finish == pytest.approx(5 / 3) and truck.second.avg_finish == pytest.approx(2.0)
    every = await queries.h2h(small_store, "alice", "bob baker")
    assert (every.races, every.first.ahead) == (4, 3)
    with pytest.raises(BadOption):
        await queries.h2h(small_store, "alice", "Alice Able")


@pytest.mark.parametrize("year", [1800, 3000])
async def test_year_out_of_range(small_store, year):
    with pytest.raises(BadOption):
        await queries.winner(small_store, "mid-ohio", year=year)


# --- facts from the real bundled history ---------------------------------------------------------

async def test_real_2022_truck_mid_ohio(real_store):
    answer = await queries.results(real_store, "mid-ohio", 2022, "truck")
    race = answer.race
    assert (race.winner, race.winner_car, race.winner_team, race.winner_start) == (
        "Parker Kligerman",
        "75",
        "Henderson Motorsports",
        2,
    )
    assert (race.winner_led, race.laps) == (56, 67)
    heim = next(r for r in answer.results if r.driver == "Corey Heim")
    assert (heim.start, heim.finish, heim.status, heim.laps, heim.car) == (1, 26, "transmission", 60, "51")
    assert answer.stages[0].results[0].driver == "Parker Kligerman"


async def test_real_driver_season_asked_for(real_store):
    """Kyle Larson's 2021 Cup season (10 wins, 20 top 5, 26 top 10, 2,581 laps led) beside his career; a year only
    finds that season, the career stays whole."""
    career = await queries.driver(real_store, "larson", year=2021)
    cup = career.series["cup"]
    assert (cup.season.starts, cup.season.wins, cup.season.top5, cup.season.top10, cup.season.laps_led) == (36, 10, 20, 26, 2581)
    assert cup.starts > 36 and career.series["xfinity"].season is None     # no Xfinity start in 2021
    assert cup.season.position is None and cup.season.points is None       # NASCAR: no official table in the data


async def test_real_kligerman_third_truck_win(real_store):
    truck = (await queries.driver(real_store, "kligerman", "truck")).series["truck"]
    assert truck.wins == 3
    assert (truck.first_win.season, truck.first_win.track) == (2012, "Talladega Superspeedway")
    assert (truck.latest_win.season, truck.latest_win.round) == (2022, 15)


async def test_real_winner_mid_ohio_latest_of_each_series(real_store):
    answer = await queries.winner(real_store, "mid-ohio")
    assert [(r.season, r.series, r.winner) for r in answer.races] == [
        (2023, "truck", "Corey Heim"),
        (2021, "xfinity", "A.J. Allmendinger"),
    ]


async def test_real_daytona_track_record(real_store):
    record = await queries.track(real_store, "daytona", "cup")
    cup = record.series["cup"]
    assert cup.most_wins[0].driver == "Richard Petty" and cup.first_season == 1959
    assert cup.winners[0].season == 2025


@pytest.mark.parametrize("row_type", [ResultLine, RaceSummary])
def test_fast_constructor_takes_every_field_in_order(row_type):
    """`fast` must stay in step with the record: a field added to one and not the other fails here."""
    assert list(inspect.signature(row_type.fast).parameters) == list(fields(row_type))


async def test_rows_built_fast_equal_rows_built_by_init_and_stay_frozen(small_store):
    answer = await queries.results(small_store, "mid-ohio", 2022, "cup")
    race, line = answer.race, answer.results[0]
    assert race == RaceSummary(**vars(race)) and line == ResultLine(**vars(line))
    assert hash(line) == hash(ResultLine(**vars(line)))   # equal rows stay interchangeable as keys
    with pytest.raises(FrozenRecordError):
        line.finish = 2   # type: ignore[misc]  # the point: frozen
    with pytest.raises(FrozenRecordError):
        race.winner = "someone else"   # type: ignore[misc]  # the point: frozen


async def test_standings_after_the_last_round_are_the_season_s(real_store):
    """Standings to a round count the races through it: through the season's last, the season's own table."""
    season = await queries.standings(real_store, "cup", 2024)
    through = await queries.standings(real_store, "cup", 2024, 36)
    assert through.rows == season.rows and through.progression == season.progression and through.through == 36
    early = await queries.standings(real_store, "cup", 2024, 10)
    assert early.races_counted == 10 and early.rows[0].driver == "Kyle Larson" and early.rows[0].points == 357
    assert early.progression["Kyle Larson"] == season.progression["Kyle Larson"][:10]


@pytest.mark.parametrize(("key", "race"), [("truck-2022-r15", "O'Reilly Auto Parts 150 at Mid-Ohio"),
                                           ("f1-2024-16", "Italian Grand Prix")])
async def test_a_race_is_found_again_by_its_lasting_key(real_store, key, race):
    """What a /results page button holds: the race's key (NASCAR's race id, or series, season and round), never the
    row id a rebuild renumbers."""
    answer = await queries.results_of_race(real_store, key)
    assert answer.race.name == race and race_key(answer.race) == key and answer.results


@pytest.mark.parametrize("key", ["cup-2024-r99", "nascar-999999999", "f1-2024-r16", "not a key"])
async def test_a_key_of_no_race_is_no_data(real_store, key):
    with pytest.raises(NoData):
        await queries.results_of_race(real_store, key)


async def test_a_feed_race_is_found_again_by_nascar_s_race_id(real_store_copy):
    """A race the feed brought in keys by NASCAR's race id (`nascar-5274`), which a rebuild keeps."""
    await import_file(real_store_copy, RICHMOND_FEED)
    asked = await queries.results(real_store_copy, "richmond", 2023, "cup", 7)
    key = race_key(asked.race)
    assert key == "nascar-5274"
    found = await queries.results_of_race(real_store_copy, key)
    assert found.race.id == asked.race.id and len(found.results) == len(asked.results) == 37
