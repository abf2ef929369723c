"""F1 drivers who share a name with a different NASCAR driver (db/data/f1/namesakes.csv): stored under a unique name
(`Jim Clark (1936)`), named in every answer as fans know them (`Jim Clark`), and told apart wherever both are named."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from bot.questions import ask, parse_slash
from bot.render import embeds, jsondata, text
from db import queries
from db.errors import AmbiguousName, NoData
from db.f1db import bundled_rows, curated_rows
from db.store import Store, bundled_migrations

pytestmark = pytest.mark.realdata

F1_CLARK, NASCAR_CLARK = "Jim Clark (F1, 1960–1968)", "Jim Clark (Cup, 1952–1954)"


async def answer(store, typed: str):
    question, options = parse_slash(typed)
    return await ask(store, question, options)


def pitboard(database, *argv: str) -> str:
    """`pitboard …` in its own process, as a user runs it."""
    script = os.path.join(os.path.dirname(sys.executable), "pitboard")
    done = subprocess.run([script, *argv], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PITBOARD_DB": str(database)})
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_a_namesake_s_race_report_names_him_as_fans_know_him(real_db):
    """Reims 1963, a Clark win: the thread (terminal and Reddit markdown) says Jim Clark, never his stored name."""
    report = pitboard(real_db, "thread", "reims", "--year", "1963", "--series", "f1")
    assert "Jim Clark won the French Grand Prix at Reims-Gueux for Team Lotus." in " ".join(report.split())
    markdown = pitboard(real_db, "thread", "reims", "--year", "1963", "--series", "f1", "--markdown")
    assert "| 1 | 18 | Jim Clark | Team Lotus |" in markdown
    assert "1936" not in report + markdown


async def test_results_standings_leaders_and_driver_name_him_as_fans_know_him(real_store):
    details = await answer(real_store, "/results reims 1963")
    assert (details.race.winner, details.race.pole, details.results[0].driver) == ("Jim Clark",) * 3
    assert jsondata.results(details)["race"]["winner"] == "Jim Clark"
    standings = await answer(real_store, "/standings f1 1963")
    assert standings.rows[0].driver == "Jim Clark"
    leaders = await answer(real_store, "/leaders wins f1")
    assert "Jim Clark" in [line.driver for line in leaders.rows]
    career = await answer(real_store, "/driver jim clark f1")
    assert text.driver(career).splitlines()[0] == "Jim Clark (born Mar 4, 1936)"
    assert embeds.driver(career).title == "Jim Clark" and jsondata.driver(career)["driver"] == "Jim Clark"
    for shown in (text.results(details), text.standings(standings), text.leaders(leaders), text.driver(career)):
        assert "(1936)" not in shown


async def test_driver_jim_clark_asks_which_telling_them_apart(real_store):
    """Both are exactly "Jim Clark": it asks, each choice labelled by series and seasons, and each choice (a button on
    Discord, a completion) reads back as that driver."""
    with pytest.raises(AmbiguousName) as asked:
        await answer(real_store, "/driver jim clark")
    assert asked.value.suggestions == [F1_CLARK, NASCAR_CLARK]       # the one with more starts first
    f1, nascar = [await queries.driver(real_store, choice) for choice in asked.value.suggestions]
    assert (f1.driver, list(f1.series)) == ("Jim Clark", ["f1"])
    assert (nascar.driver, list(nascar.series)) == ("Jim Clark", ["cup"])
    names = await real_store.names()
    assert names.driver_labels("jim clar")[:2] == [F1_CLARK, NASCAR_CLARK]


@pytest.mark.parametrize(("typed", "series"), [
    ("/driver jim clark f1", "f1"), ("/driver jim clark series:f1", "f1"), ("/driver f1 jim clark", "f1"),
    ("/driver jim clark 1963", "f1"),                                   # the one who raced that season
    ("/driver jim clark cup", "cup"), ("/driver jim clark 1954", "cup"),
])
async def test_a_series_or_a_season_picks_the_namesake(real_store, typed, series):
    career = await answer(real_store, typed)
    assert (career.driver, list(career.series)) == ("Jim Clark", [series])


async def test_the_stored_name_still_finds_him(real_store):
    """`jim clark 1936` (his stored name's alias) is the F1 Jim Clark, not Jim Clark in 1936."""
    career = await queries.driver(real_store, "jim clark 1936")
    assert list(career.series) == ["f1"]


@pytest.mark.parametrize("namesake", curated_rows("namesakes"), ids=lambda row: row["f1db_driver"])
async def test_every_namesake_is_named_as_f1db_names_him_and_asked_for(real_store, namesake):
    known = next(row["name"] for row in bundled_rows("drivers") if row["id"] == namesake["f1db_driver"])
    assert known != namesake["name"]
    with pytest.raises(AmbiguousName) as asked:
        await queries.driver(real_store, known)
    assert len(asked.value.suggestions) == 2 and all(choice.startswith(f"{known} (") for choice in asked.value.suggestions)
    assert any(choice.startswith(f"{known} (F1, ") for choice in asked.value.suggestions)
    career = await queries.driver(real_store, known, series="f1")
    assert career.driver == known and list(career.series) == ["f1"]


async def test_an_h2h_of_namesakes_tells_them_apart(real_store):
    """`jim clark vs jim clark` asks which pair, each half labelled; a pair picked reads back, and the answer names
    them by their labels (they never met)."""
    with pytest.raises(AmbiguousName) as asked:
        await answer(real_store, "/h2h jim clark vs jim clark")
    assert asked.value.suggestions == [f"{F1_CLARK} and {NASCAR_CLARK}", f"{NASCAR_CLARK} and {F1_CLARK}"]
    with pytest.raises(NoData) as never:
        await queries.h2h(real_store, asked.value.suggestions[0])
    assert never.value.message == f"{F1_CLARK} and {NASCAR_CLARK} never started the same race."
    with pytest.raises(NoData) as never:
        await answer(real_store, '/h2h "jim clark cup" "jim clark f1"')
    assert never.value.message.startswith(f"{NASCAR_CLARK} and {F1_CLARK} never started the same race")


async def test_an_h2h_with_one_namesake_names_him_plainly(real_store):
    duel = await answer(real_store, "/h2h jim clark graham hill")
    assert (duel.first.driver, duel.second.driver) == ("Jim Clark", "Graham Hill")
    assert "Jim Clark ahead" in text.h2h(duel) and "(F1" not in json.dumps(jsondata.h2h(duel))


@pytest.mark.parametrize(("question", "clark", "rival"), [
    ('/h2h "jim clark" "graham hill"', F1_CLARK, "Graham Hill"),        # rivals of nine seasons: only the F1 one met him
    ('/h2h "jim clark" "lee petty"', NASCAR_CLARK, "Lee Petty"),
    ('/h2h "graham hill" "jim clark"', F1_CLARK, "Graham Hill"),
])
async def test_a_namesake_named_beside_a_rival_is_the_one_who_raced_him(real_store, question, clark, rival):
    """Two names given apart: a name several drivers share means the one who raced the other, as `/h2h jim clark graham
    hill` already read it (it had answered "Jim Clark and Graham Hill never started the same race": the NASCAR one)."""
    duel, labelled = await answer(real_store, question), await queries.h2h(real_store, clark, rival)
    assert {duel.first.driver, duel.second.driver} == {"Jim Clark", rival}
    assert duel.races == labelled.races > 0 and duel.latest_meetings == labelled.latest_meetings


async def test_a_namesake_who_met_neither_way_is_asked_about(real_store):
    with pytest.raises(AmbiguousName):
        await answer(real_store, '/h2h "jim clark" "kyle larson"')


async def test_an_existing_database_is_migrated_to_the_names_a_build_gives(tmp_path, real_store):
    """A database built before migration 0025 stored the namesakes by their unique names only: migrated, each shows
    the name a fresh build gives him; NASCAR's own told-apart names (`Jack Smith (Ohio)`) are the source's, kept."""
    path = tmp_path / "old.db"
    namesakes = curated_rows("namesakes")
    async with Store.open(path, migrations=bundled_migrations()[:24]) as store, store.transaction() as conn:
        await conn.executemany("INSERT INTO drivers (name, f1db_id) VALUES (?, ?)",
                               [(row["name"], row["f1db_driver"]) for row in namesakes])
        await conn.executemany("INSERT INTO drivers (name) VALUES (?)", [("Jim Clark",), ("Jack Smith (Ohio)",)])
    async with Store.open(path) as store:
        migrated = dict(await store.fetchall("SELECT name, shown_name FROM drivers"))
    built = dict(await real_store.fetchall(
        "SELECT name, shown_name FROM drivers WHERE known_as IS NOT NULL OR name IN ('Jim Clark', 'Jack Smith (Ohio)')"
    ))
    assert migrated == built
    assert built["Jim Clark (1936)"] == built["Jim Clark"] == "Jim Clark" and built["Jack Smith (Ohio)"] == "Jack Smith (Ohio)"
    assert len(built) == len(namesakes) + 2
