"""/leaders on the bundled history: each figure as /driver counts it, ties, and what the data cannot rank."""

from __future__ import annotations

import sqlite3

import pytest

from bot.questions import ask, parse_slash
from bot.render import text
from db import queries
from db.errors import BadOption, NoData, UnknownName


@pytest.mark.parametrize(("stat", "series", "field"), [
    ("wins", "cup", "wins"), ("starts", "xfinity", "starts"), ("top 5s", "truck", "top5"), ("laps led", "truck", "laps_led"),
    ("poles", "cup", "poles"),          # NASCAR: the car that started first
    ("poles", "f1", "poles"),           # F1: qualifying P1, as /driver counts them
    ("titles", "f1", "championships"),
    ("podiums", "f1", "podiums"),
    ("dnfs", "cup", "dnfs"), ("retirements", "f1", "dnfs"),
])
async def test_each_figure_is_the_one_driver_shows(real_store, stat, series, field):
    board = await queries.leaders(real_store, stat, series)
    assert len(board.rows) >= 10 and [row.value for row in board.rows] == sorted((row.value for row in board.rows), reverse=True)
    for row in board.rows[:3]:
        career = (await queries.driver(real_store, row.driver, series)).series[series]
        assert (row.value, row.starts) == (getattr(career, field), career.starts), row.driver
        assert (row.first_season, row.last_season) == (career.first_season, career.last_season)


async def test_laps_led_count_the_races_that_have_them_and_say_which(real_store, real_db):
    """Cup's laps led are unknown for 194 races of 1949–1973: the board adds up the counts the data has, says so, and
    /driver's career total, which would need the unknown ones, stays unknown."""
    board = await queries.leaders(real_store, "laps led", "cup")
    assert board.note.startswith("Laps led: the data has them for 2,628 of its 2,822 races (every race from 1974 on);")
    petty = board.rows[0]
    with sqlite3.connect(real_db) as conn:
        known = conn.execute(
            "SELECT sum(x.laps_led), count(*) - count(x.laps_led) FROM results x JOIN races r ON r.id = x.race_id "
            "JOIN drivers d ON d.id = x.driver_id JOIN series s ON s.id = r.series_id "
            "WHERE d.name = 'Richard Petty' AND s.key = 'cup' AND r.exhibition = 0").fetchone()
    assert (petty.driver, petty.value) == ("Richard Petty", known[0]) and known[1] > 0
    assert (await queries.driver(real_store, "Richard Petty", "cup")).series["cup"].laps_led is None
    assert "every race counted" in (await queries.leaders(real_store, "laps led", "cup", 1974)).note


async def test_a_season_board_shares_ranks_and_counts_the_ties_that_did_not_fit(real_store, real_db):
    board = await queries.leaders(real_store, "starts", "cup", 1992)
    with sqlite3.connect(real_db) as conn:
        full_season = conn.execute(
            "SELECT count(*) FROM (SELECT x.driver_id FROM results x JOIN races r ON r.id = x.race_id "
            "JOIN series s ON s.id = r.series_id WHERE s.key = 'cup' AND r.season = 1992 AND r.exhibition = 0 "
            "GROUP BY x.driver_id HAVING count(*) = 29)").fetchone()[0]
    assert {(row.rank, row.value) for row in board.rows} == {(1, 29)}
    assert len(board.rows) == queries.LEADER_ROWS_WITH_TIES and board.more_tied == full_season - len(board.rows) > 0
    wins = await queries.leaders(real_store, "cup wins", season=2024)
    assert [(row.rank, row.driver, row.value) for row in wins.rows[:3]] == [
        (1, "Kyle Larson", 6), (2, "Joey Logano", 4), (3, "Christopher Bell", 3)]
    assert [row.rank for row in wins.rows[2:7]] == [3] * 5 and wins.rows[7].rank == 8   # five share third


async def test_everyone_tied_with_the_tenth_is_listed(real_store):
    """Monaco's poles: the tenth has two, and so do seven more; all eight are listed, none left as `…and 2 more tied`."""
    question, options = parse_slash("/leaders poles at monaco f1")
    board = await ask(real_store, question, options)
    assert [row.value for row in board.rows[9:]] == [2] * 8 and board.more_tied == 0
    assert "more tied" not in text.leaders(board)


@pytest.mark.parametrize("typed", ["cup wins", "wins cup", "most wins in the winston cup", "CUP"])
async def test_the_series_may_stand_anywhere_among_the_figure_s_words(real_store, typed):
    board = await queries.leaders(real_store, typed)
    assert (board.series, board.stat, board.rows[0].driver) == ("cup", "wins", "Richard Petty")


async def test_what_the_data_cannot_rank_is_said_not_guessed(real_store):
    with pytest.raises(NoData, match="holds no NASCAR Cup Series champions"):
        await queries.leaders(real_store, "titles", "cup")     # standings here are computed, not official
    with pytest.raises(NoData, match="No Formula 1 driver has any laps led"):
        await queries.leaders(real_store, "laps led", "f1")    # F1DB has no laps led: unknown, not zero
    with pytest.raises(BadOption, match="Name a series"):
        await queries.leaders(real_store, "wins")
    with pytest.raises(UnknownName) as unknown:
        await queries.leaders(real_store, "fastest laps", "f1")
    assert unknown.value.suggestions    # the figures it can rank by


@pytest.mark.parametrize("typed", ["/leaders cup wins since 2020", "/leaders wins since 2020 cup", "/leaders cup wins from 2020"])
async def test_since_a_season_counts_that_season_and_every_later_one(real_store, real_db, typed):
    question, options = parse_slash(typed)
    board = await ask(real_store, question, options)
    with sqlite3.connect(real_db) as conn:
        wins = conn.execute(
            "SELECT d.name, count(*) FROM results x JOIN races r ON r.id = x.race_id JOIN series s ON s.id = r.series_id "
            "JOIN drivers d ON d.id = x.driver_id WHERE s.key = 'cup' AND r.season >= 2020 AND r.exhibition = 0 "
            "AND x.finish = 1 GROUP BY d.name ORDER BY 2 DESC LIMIT 3").fetchall()
    assert [(row.driver, row.value) for row in board.rows[:3]] == wins
    assert board.season is None and board.first_season == 2020 and text.leaders(board).startswith(
        f"NASCAR Cup Series: most wins, 2020–{board.last_season}")
