"""Driver figures checked against the raw CSV of the bundled history: NASCAR's driver rating, which it holds for every
car from 2005 (careers, a season race by race, a record at a track, a race's best ten, head-to-heads, the rating
leaderboard; averages say how many starts they cover, a recap names the race's best only when every car has a rating,
and loop data from the feed becomes the result's rating), the starts since a driver's latest win, and the runs of wins
a recap tells."""

from __future__ import annotations

import csv
import io
import json
import lzma
import re
from collections import Counter
from importlib import resources

import pytest

from bot.cli import main
from bot.render import embeds, recap, text
from db import queries
from db.models import WinTallies
from db.nascar_feed import import_document, import_file
from db.recaps import recap_facts
from testkit.samples import RICHMOND_FEED, richmond_loopstats


@pytest.fixture(scope="module")
def raw() -> dict[str, list[dict[str, str]]]:
    """The bundled history's rows as the CSV files hold them, per series."""
    history = resources.files("db.data") / "history"
    return {
        series: list(csv.DictReader(io.StringIO(lzma.decompress((history / f"{series}_series.csv.xz").read_bytes()).decode())))
        for series in ("cup", "xfinity", "truck")
    }


def rated(rows: list[dict[str, str]]) -> tuple[float | None, int]:
    """The average of the rows' ratings on NASCAR's scale (the history's stray 0.0 values are none), and their count."""
    ratings = [float(row["Rating"]) for row in rows if row["Rating"].strip() and 0 < float(row["Rating"]) <= 150]
    return (sum(ratings) / len(ratings) if ratings else None), len(ratings)


@pytest.mark.parametrize("driver", ["Jeff Gordon", "Kyle Larson", "Parker Kligerman", "Richard Petty"])
async def test_a_career_s_average_rating_is_the_raw_data_s(real_store, raw, driver):
    career = await queries.driver(real_store, driver)
    for key, rows in raw.items():
        mine = [row for row in rows if row["Driver"] == driver]
        if not mine:
            assert key not in career.series
            continue
        average, count = rated(mine)
        line = career.series[key]
        assert (line.rated, line.starts) == (count, len(mine))
        assert line.avg_rating == pytest.approx(average) if average is not None else line.avg_rating is None


async def test_a_season_race_by_race_has_each_race_s_rating(real_store, raw):
    career = await queries.driver(real_store, "kligerman", "truck", 2022)
    season = career.series["truck"].season
    assert season is not None
    rows = sorted((row for row in raw["truck"] if row["Driver"] == "Parker Kligerman" and row["Season"] == "2022"),
                  key=lambda row: int(row["Race"]))
    assert [(race.round, race.rating) for race in season.races] == [(int(row["Race"]), float(row["Rating"])) for row in rows]
    assert season.avg_rating == pytest.approx(rated(rows)[0]) and season.rated == season.starts == len(rows)
    shown = text.driver(career)
    assert "avg rating 94.1" in shown and "Rating" in shown.split("race by race:")[1].splitlines()[1]


async def test_a_record_at_a_track_averages_the_ratings_there(real_store, raw):
    at = await queries.driver(real_store, "larson at bristol", "cup")
    mine = [row for row in raw["cup"] if row["Driver"] == "Kyle Larson" and row["Track"] == "Bristol Motor Speedway"]
    average, count = rated(mine)
    assert at.series["cup"].avg_rating == pytest.approx(average) and at.series["cup"].rated == count == len(mine)
    assert f"{average:.1f}" in text.driver_at_track(at)


async def test_an_average_over_part_of_a_career_says_which_part(real_store):
    gordon = await queries.driver(real_store, "jeff gordon")
    shown = text.driver(gordon)
    assert "averaged over the starts that have one (Cup 404 of 805 starts)" in shown
    xfinity_row = next(line for line in shown.splitlines() if line.startswith("Xfinity"))
    assert xfinity_row.split()[-1] == "15"   # its DNFs: no Xfinity start has a rating, its cell is empty
    field = next(field for field in embeds.driver(gordon).fields if "Cup" in (field.name or ""))
    assert "avg rating 97.9 (404 of 805 starts)" in (field.value or "")
    f1 = text.driver(await queries.driver(real_store, "hamilton"))
    assert "Rating" not in f1 and "rating" not in f1    # F1DB has no driver rating: nothing is said of one


def test_a_race_s_best_ratings_are_the_raw_data_s_and_nothing_else(real_db, raw, capsys):
    assert main(["--db", str(real_db), "ask", "--json", "/results mid-ohio 2022 truck"]) == 0
    shown = json.loads(capsys.readouterr().out)["loop_data"]
    rows = [row for row in raw["truck"] if row["Season"] == "2022" and row["Track"].startswith("Mid-Ohio")]
    expected = sorted(((float(row["Rating"]), row["Driver"], int(row["Finish"])) for row in rows),
                      key=lambda rating: (-rating[0], rating[2]))
    assert [(line["rating"], line["driver"], line["finish"]) for line in shown] == expected
    assert all(line["avg_position"] is None and line["quality_passes"] is None for line in shown)   # the history lacks them


def test_a_recap_names_the_best_rating_only_when_every_car_has_one(real_db, capsys):
    assert main(["--db", str(real_db), "thread", "mid-ohio", "--year", "2022", "--series", "truck"]) == 0
    assert "Kligerman had a perfect driver rating, 150.0." in capsys.readouterr().out
    # 2017 Cup race 32 at Kansas: one car of 40 has no rating, so none can be called the race's best
    assert main(["--db", str(real_db), "thread", "kansas", "--year", "2017", "--series", "cup", "--round", "32"]) == 0
    recap = capsys.readouterr().out
    assert "driver rating" not in recap.split("Pos ")[0]
    assert "Loop data" not in recap or "Rating" in recap    # the ratings it has are still listed


async def test_loop_data_from_the_feed_is_the_result_s_rating_and_leaves_with_it(small_store):
    feed, store = json.loads(RICHMOND_FEED.read_text()), small_store
    await import_file(store, RICHMOND_FEED)
    winner = feed["weekend_race"][0]["results"][0]
    assert winner["finishing_position"] == 1
    await import_document(store, richmond_loopstats(feed))
    career = await queries.driver(store, winner["driver_fullname"], "cup", 2023)
    season = career.series["cup"].season
    assert season is not None and [race.rating for race in season.races] == [147.5]   # 150 - 2.5 × 1st
    feed["weekend_race"][0]["results"][36]["laps_completed"] -= 1    # a revision the loop data no longer agrees with
    await import_document(store, json.dumps(feed).encode())
    season = (await queries.driver(store, winner["driver_fullname"], "cup", 2023)).series["cup"].season
    assert season is not None and season.rated == 0 and season.avg_rating is None


def board(rows: list[dict[str, str]]) -> list[tuple[str, float, int]]:
    """The best average driver ratings the raw rows give, among drivers rated in at least half the races that have
    ratings (at most 100): (driver, average, rated starts), best first."""
    rated_rows = [row for row in rows if row["Rating"].strip() and 0 < float(row["Rating"]) <= 150]
    races = {(row["Season"], row["Race"]) for row in rated_rows}
    needed = min(100, (len(races) + 1) // 2)
    by_driver: dict[str, list[float]] = {}
    for row in rated_rows:
        by_driver.setdefault(row["Driver"], []).append(float(row["Rating"]))
    qualified = [(driver, sum(ratings) / len(ratings), len(ratings)) for driver, ratings in by_driver.items()
                 if len(ratings) >= needed]
    return sorted(qualified, key=lambda line: -line[1])


@pytest.mark.parametrize(("typed", "series", "season", "track"), [
    ("rating", "cup", 2024, None),
    ("best driver rating", "truck", None, None),
    ("avg rating at bristol", "cup", None, "Bristol Motor Speedway"),
])
async def test_the_rating_leaderboard_is_the_raw_data_s(real_store, raw, typed, series, season, track):
    answer = await queries.leaders(real_store, typed, series, season)
    rows = [row for row in raw[series] if (season is None or row["Season"] == str(season))
            and (track is None or row["Track"] == track)]
    expected = board(rows)[:len(answer.rows)]
    assert [(line.driver, line.starts) for line in answer.rows] == [(driver, starts) for driver, _, starts in expected]
    assert [line.value for line in answer.rows] == pytest.approx([average for _, average, _ in expected])
    assert answer.first_season >= 2005 and "best average driver rating" in text.leaders(answer)


@pytest.mark.parametrize(("typed", "said"), [
    ("/leaders rating f1", "The data holds no Formula 1 driver ratings: NASCAR's loop data has them, from 2005."),
    ("/leaders rating cup 1990", "The data holds no NASCAR Cup Series driver ratings in 1990"),
])
def test_a_rating_board_the_data_cannot_rank_is_said_not_guessed(real_db, capsys, typed, said):
    assert main(["--db", str(real_db), "ask", typed]) == 1
    assert said in capsys.readouterr().err


@pytest.mark.parametrize(("first", "second", "typed"), [
    ("Denny Hamlin", "Joey Logano", "hamlin logano"),
    ("Kurt Busch", "Jeff Gordon", "kurt busch|jeff gordon"),   # many of their races before 2005: the count is said
])
async def test_a_head_to_head_averages_the_ratings_of_the_races_both_have_one(real_store, raw, first, second, typed):
    driver1, _, driver2 = typed.partition("|")
    answer = await queries.h2h(real_store, driver1, driver2 or None)
    starts = {name: {(series, row["Season"], row["Race"]): row for series, rows in raw.items() for row in rows
                     if row["Driver"] == name} for name in (first, second)}
    together = starts[first].keys() & starts[second].keys()
    both = [race for race in together if rated([starts[first][race]])[1] and rated([starts[second][race]])[1]]
    assert (answer.races, answer.rated) == (len(together), len(both))
    for side, name in ((answer.first, first), (answer.second, second)):
        assert side.avg_rating == pytest.approx(rated([starts[name][race] for race in both])[0])
    label = "Avg rating" if len(both) == len(together) else f"Avg rating ({len(both)} races)"
    assert label in text.h2h(answer)


async def test_a_head_to_head_without_ratings_shows_none(real_store):
    answer = await queries.h2h(real_store, "senna", "prost")
    assert answer.rated == 0 and answer.first.avg_rating is None and "rating" not in text.h2h(answer)


@pytest.mark.parametrize(("driver", "series"), [("Kyle Busch", "cup"), ("Parker Kligerman", "truck"), ("Jeff Gordon", "cup")])
async def test_the_starts_since_a_latest_win_are_the_raw_data_s(real_store, raw, driver, series):
    rows = sorted((int(row["Season"]), int(row["Race"]), row["Win"]) for row in raw[series] if row["Driver"] == driver)
    latest = max(race for race in rows if race[2] == "1")
    since = sum(1 for race in rows if race[:2] > latest[:2])
    career = (await queries.driver(real_store, driver, series)).series[series]
    assert career.latest_win is not None and (career.latest_win.season, career.latest_win.round) == latest[:2]
    assert career.starts_since_win == since
    assert (f", {since} starts since" in text.driver(await queries.driver(real_store, driver, series))) == (since > 1)


def raw_tallies(rows: list[dict[str, str]]) -> dict[tuple[int, int], WinTallies]:
    """Each race's (season, round) → what its win added up to, from the raw rows: the winner's wins in the season so far
    and whether no one had as many; the series' races he had won in a row (rounds one after another); his wins at the
    track and whether no one had as many; and the track's races he had won in a row, counted only when the series'
    run does not already hold every one of them."""
    winners: dict[tuple[int, int], str | None] = {}
    tracks: dict[tuple[int, int], str] = {}
    for row in rows:
        key = (int(row["Season"]), int(row["Race"]))
        tracks[key] = row["Track"]
        winners.setdefault(key, None)
        if row["Finish"].strip() == "1":
            winners[key] = row["Driver"]
    order = sorted(winners)
    tallies = {}
    for i, key in enumerate(order):
        winner = winners[key]
        series_run = [key]
        for earlier in reversed(order[:i]):
            later = series_run[-1]
            follows = earlier == (later[0], later[1] - 1) or (earlier[0] == later[0] - 1 and later[1] == 1)
            if winners[earlier] != winner or not follows:
                break
            series_run.append(earlier)
        at_track = [other for other in order[:i + 1] if tracks[other] == tracks[key]]
        track_run = []
        for earlier in reversed(at_track):
            if winners[earlier] != winner:
                break
            track_run.append(earlier)
        season = Counter(winners[other] for other in order[:i + 1] if other[0] == key[0])
        there = Counter(winners[other] for other in at_track)
        tallies[key] = WinTallies(
            season_wins=season[winner], most_season_wins=all(n < season[winner] for d, n in season.items() if d != winner),
            in_a_row=len(series_run), track_wins=there[winner],
            most_track_wins=all(n < there[winner] for d, n in there.items() if d != winner),
            track_in_a_row=1 if set(track_run) <= set(series_run) else len(track_run),
        )
    return tallies


def raw_career_bests(rows: list[dict[str, str]]) -> dict[tuple[int, int], set[tuple[str, int, int]]]:
    """Each race's (season, round) → its finishers from 2nd to 10th who bettered every earlier start of theirs in the
    series, as (driver, finish, previous best), from the raw rows."""
    races: dict[tuple[int, int], list[tuple[str, int]]] = {}
    for row in rows:
        if row["Finish"].strip():   # a row without a finish is an entry that never started
            races.setdefault((int(row["Season"]), int(row["Race"])), []).append((row["Driver"], int(row["Finish"])))
    best_so_far: dict[str, int] = {}
    bests = {}
    for key in sorted(races):
        bests[key] = {(driver, finish, best_so_far[driver]) for driver, finish in races[key]
                      if 2 <= finish <= 10 and driver in best_so_far and finish < best_so_far[driver]}
        for driver, finish in races[key]:
            best_so_far[driver] = min(finish, best_so_far.get(driver, finish))
    return bests


@pytest.mark.parametrize(("series", "season", "round_", "told"), [
    ("cup", 1967, 46, "Petty now has 27 Cup Series wins in 1967, more than any other driver. Petty has now won 10 Cup "
                      "Series races in a row. It was Petty's fourth Cup Series win at North Wilkesboro Speedway."),
    # three sentences in a row opening "It was": the third takes its other opening
    ("cup", 1984, 5, "It was Waltrip's first Cup Series win of 1984. Waltrip has now won nine Cup Series races at "
                     "Bristol Motor Speedway, the last seven in a row."),
    ("cup", 2020, 22, "Harvick now has six Cup Series wins in 2020, more than any other driver. Harvick has now won two "
                      "Cup Series races in a row. It was Harvick's fifth Cup Series win at Michigan International "
                      "Speedway, the third in a row."),
    ("xfinity", 2020, 15, "Cindric has now won two Xfinity Series races in a row."),   # Kentucky's two are that run
    ("xfinity", 2025, 26, "Zilisch now has nine Xfinity Series wins in 2025, more than any other driver. Zilisch has now "
                          "won four Xfinity Series races in a row."),
    # both of the season's wins are the run's: one sentence, not "now has two wins in 2024" besides
    ("truck", 2024, 18, "It was Riggs' second career Truck Series win, the first at Bristol Motor Speedway. Riggs has now "
                        "won two Truck Series races in a row. "),
    ("cup", 1967, 47, None),   # the race after Petty's ten
])
async def test_a_recap_tells_what_a_win_adds_up_to_as_the_raw_data_has_it(real_store, raw, series, season, round_, told):
    facts = await recap_facts(real_store, await queries.results(real_store, None, season, series, round_))
    assert facts.tallies == raw_tallies(raw[series])[(season, round_)]
    prose = " ".join(" ".join(recap.paragraphs(facts)).split())
    runs_told = re.compile(r"in a row|straight|has won the last")
    if told:
        assert told in prose and prose.count(f"wins in {season}") == told.count(f"wins in {season}")
        assert len(runs_told.findall(prose)) == len(runs_told.findall(told))
    else:
        assert not runs_told.search(prose)


async def test_every_sampled_race_s_tallies_and_career_bests_are_the_raw_data_s(real_store, raw):
    """Every 120th race of each series, 1949 to 2025: what its recap says the win adds up to, and who had a career-best
    finish, are the raw rows'."""
    for series, rows in raw.items():
        tallies, bests = raw_tallies(rows), raw_career_bests(rows)
        for season, round_ in sorted(tallies)[::120]:
            facts = await recap_facts(real_store, await queries.results(real_store, None, season, series, round_))
            assert facts.tallies == tallies[(season, round_)], (series, season, round_)
            told = {(best.result.driver, best.result.finish, best.previous_best) for best in facts.career_bests}
            assert told == bests[(season, round_)], (series, season, round_)


async def test_a_career_best_finish_is_told_as_the_raw_data_has_it(real_store, raw):
    """Mid-Ohio 2022 (Truck): Colby Howard's ninth bettered his earlier best, 11th; no one else in the top ten did."""
    key = next((int(row["Season"]), int(row["Race"])) for row in raw["truck"]
               if row["Season"] == "2022" and row["Track"].startswith("Mid-Ohio"))
    assert raw_career_bests(raw["truck"])[key] == {("Colby Howard", 9, 11)}
    facts = await recap_facts(real_store, await queries.results(real_store, "mid-ohio", 2022, "truck"))
    prose = " ".join(" ".join(recap.paragraphs(facts)).split())
    assert "Colby Howard's ninth place was a career-best Truck Series finish (previously 11th)." in prose
