"""/team on the real bundled store: constructors and NASCAR teams by name, their records checked against F1DB's own
rows (the bundled files), the name rules (an exact name, words, the only winner among several), through the question
registry, the CLI and the real discord.py client against the fake Discord.

Counting rules (db.queries._read_team): a start is a race with a car of the team's classified (non-starters are
not), a win a race one of its cars won, a podium a podium place (a one-two counts twice, a 1950s shared car once),
a pole qualifying P1 (the car that started first where F1DB has no qualifying), a title an official P1 of a finished
season.
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys

import pytest

from bot.questions import ask, parse_slash
from bot.render import embeds, jsondata, text
from db.errors import AmbiguousName, NoData
from db.f1db import NOT_STARTED, bundled_rows
from testkit.discord_harness import embed_text, guild, running_pitboard
from testkit.fakes.discord_server import FakeDiscord, redirect_discord_to

pytestmark = pytest.mark.realdata

RUNNING_SEASON = 2026   # F1DB's current season: no title yet


def pitboard_ask(database, *argv: str) -> tuple[int, str, str]:
    """`pitboard ask …` in its own process, as a user runs it."""
    script = os.path.join(os.path.dirname(sys.executable), "pitboard")
    done = subprocess.run([script, "ask", *argv], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PITBOARD_DB": str(database)})
    return done.returncode, done.stdout, done.stderr


async def answer(store, typed: str):
    question, options = parse_slash(typed)
    return await ask(store, question, options)


@functools.cache
def f1db_rows(table: str) -> tuple[dict[str, str], ...]:
    """One bundled F1DB table's rows, decompressed once per worker: the oracle below reads three for each constructor."""
    return tuple(bundled_rows(table))


def f1db_constructor(constructor: str) -> tuple[int, int, int, int, int]:
    """(starts, wins, podiums, poles, titles) for one constructor, from F1DB's rows as bundled."""
    starts, wins, podiums = set(), set(), set()
    grid_pole: dict[str, str] = {}
    for row in f1db_rows("race_results"):
        if row["gridPosition"] == "1":
            grid_pole[row["race_id"]] = row["constructorId"]
        if row["constructorId"] != constructor or row["position"] in NOT_STARTED:
            continue
        starts.add(row["race_id"])
        if row["position"] in ("1", "2", "3"):
            podiums.add((row["race_id"], row["position"]))
            if row["position"] == "1":
                wins.add(row["race_id"])
    qualifying_pole = {
        row["race_id"]: row["constructorId"] for row in f1db_rows("qualifying_results") if row["position"] == "1"
    }
    poles = sum(1 for race in starts if qualifying_pole.get(race, grid_pole.get(race)) == constructor)
    titles = {
        row["year"] for row in f1db_rows("constructor_standings")
        if row["constructorId"] == constructor and row["position"] == "1" and int(row["year"]) < RUNNING_SEASON
    }
    return len(starts), len(wins), len(podiums), poles, len(titles)


@pytest.mark.parametrize(("typed", "constructor"), [
    ("/team ferrari", "ferrari"), ("/team red bull", "red-bull"), ("/team mclaren", "mclaren"),
    ("/team williams", "williams"), ("/team mercedes", "mercedes"), ("/team scuderia toro rosso", "toro-rosso"),
])
async def test_constructor_record_matches_f1db(real_store, typed, constructor):
    record = (await answer(real_store, typed)).series["f1"]
    assert (record.starts, record.wins, record.podiums, record.poles, record.titles) == f1db_constructor(constructor)


async def test_ferrari_first_and_latest_win_and_its_winners(real_store):
    team = await answer(real_store, "/team ferrari")
    assert (team.team, team.full_name, list(team.series)) == ("Ferrari", "Scuderia Ferrari", ["f1"])
    record = team.series["f1"]
    assert (record.first_win.season, record.first_win.name) == (1951, "British Grand Prix")   # González at Silverstone
    assert record.top_drivers[0].driver == "Michael Schumacher" and record.top_drivers[0].count == 72
    assert record.seasons == []     # no year asked


async def test_a_season_line_with_the_official_place(real_store):
    season = (await answer(real_store, "/team red bull 2021")).series["f1"].seasons
    assert [(s.season, s.starts, s.wins, s.position, s.points) for s in season] == [(2021, 22, 11, 2, 585.5)]
    assert season[0].drivers == ("Max Verstappen", "Sergio Pérez")
    assert "2021: 22 starts, 11 wins, 23 podiums, 9 poles · 2nd, 585.5 points · Max Verstappen, Sergio Pérez" in text.team(
        await answer(real_store, "/team red bull 2021"))


async def test_a_year_the_team_did_not_race(real_store):
    with pytest.raises(NoData, match="did not race in 1990"):
        await answer(real_store, "/team red bull 1990")


async def test_nascar_team_series_by_series(real_store):
    """A NASCAR team: the same command, its series as data; no titles (NASCAR publishes no official table here)."""
    team = await answer(real_store, "/team hendrick")
    assert team.team == "Hendrick Motorsports" and list(team.series) == ["cup", "xfinity", "truck"]
    cup = team.series["cup"]
    assert cup.titles is None and (cup.first_win.season, cup.first_win.name) == (1986, "Daytona 500")
    assert cup.top_drivers[0].driver == "Jeff Gordon"
    assert "title" not in text.team(team) and jsondata.team(team)["series"]["cup"]["titles"] is None


@pytest.mark.parametrize(("typed", "team", "also"), [
    ("/team red bull", "Red Bull", ("Team Red Bull",)),      # the exact name, not NASCAR's Team Red Bull
    ("/team gibbs", "Joe Gibbs Racing", ("Don Gibbs Racing", "Shorty Gibbs (Owner)")),   # the only winner of the Gibbses
    ("/team rb f1", "RB", ()),                               # a series typed after the name narrows it
    ("/team penske f1", "Penske", ()),
])
async def test_team_names(real_store, typed, team, also):
    found = await answer(real_store, typed)
    assert (found.team, found.also) == (team, also)


@pytest.mark.parametrize(("typed", "choices"), [
    ("/team lotus", {"Team Lotus", "Lotus F1 Team", "Lotus Racing"}),   # Team Lotus and Lotus F1 Team both won
    ("/team rb", {"RB", "R.B. McIntosh (Owner)", "R.B. Chumley (Owner)"}),   # `R.B.` reads as `rb` too
    ("/team penske", {"Team Penske", "Penske Racing"}),   # the F1 Penske by name; NASCAR's Team Penske won more
])
async def test_ambiguous_team_names_ask(real_store, typed, choices):
    with pytest.raises(AmbiguousName) as asked:
        await answer(real_store, typed)
    assert choices <= set(asked.value.suggestions)


def test_team_from_the_cli(real_db):
    status, out, err = pitboard_ask(real_db, "--json", "/team mclaren 2024")
    assert status == 0, err
    document = json.loads(out)
    assert document["command"] == "team" and document["team"] == "McLaren"
    (season,) = document["series"]["f1"]["seasons"]
    assert (season["season"], season["position"], season["points"]) == (2024, 1, 666)


async def test_team_embed_and_autocomplete_through_discord(real_store):
    await real_store.names()    # loaded once per process, before the first command: not inside the reply's deadline
    async with FakeDiscord(guilds=[guild()]) as fake:
        with redirect_discord_to(fake):
            async with running_pitboard(fake, real_store):
                callback = await (await fake.send_slash_command("team", {"name": "ferrari", "year": 2004})).response()
                embed = callback["data"]["embeds"][0]
                assert embed["title"] == "Ferrari" and embed["description"] == "Scuderia Ferrari"
                shown = embed_text(embed)
                assert "**2004: 18 starts, 15 wins" in shown and "1st, 262 points" in shown
                choices = (await (await fake.send_autocomplete("team", {"name": "mcla"}, focused="name")).response())
                assert choices["data"]["choices"][0]["name"] == "McLaren"


async def test_embed_names_the_others_a_name_matched(real_store):
    shown = embed_text(embeds.team(await answer(real_store, "/team red bull")).to_dict())
    assert "Also matching" in shown and "/team team red bull" in shown


@pytest.mark.parametrize(("typed", "place", "series", "wins", "top"), [
    ("/team hendrick at martinsville", "Martinsville Speedway", "cup", 29, ["Jeff Gordon", "Jimmie Johnson"]),
    ("/team ferrari at monza", "Autodromo Nazionale Monza", "f1", 20, ["Michael Schumacher"]),
    ("/team gibbs bristol", "Bristol Motor Speedway", "cup", 16, ["Kyle Busch"]),   # a place without `at`
])
async def test_a_team_at_a_track(real_store, typed, place, series, wins, top):
    question, options = parse_slash(typed)
    found = await ask(real_store, question, options)
    record = found.series[series]
    assert (found.place, record.wins) == (place, wins) and [t.driver for t in record.top_drivers[:len(top)]] == top
    assert record.titles is None                    # titles are won over seasons, not at a track
    assert text.render(found).splitlines()[0].endswith(f" at {place}")
    assert embeds.team(found).title.endswith(f" at {place}") and jsondata.team(found)["track"] == place


async def test_a_team_that_never_raced_there_is_told_so(real_store):
    question, options = parse_slash("/team ferrari at daytona")
    with pytest.raises(NoData, match="Ferrari has no starts at Daytona International Speedway in the data."):
        await ask(real_store, question, options)
