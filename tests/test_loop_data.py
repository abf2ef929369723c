"""NASCAR's loop data (driver rating, running position, passes, fastest laps): the real 2023 Xfinity document for
Atlanta matched to the bundled history's results and shown by /results, the recap and the Reddit thread; documents
refused with the store as it was; a revision of the results re-applying it or dropping it; a rebuild keeping it;
the watcher reading it from the local feed."""

from __future__ import annotations

import copy
import json
import logging
import re

import aiohttp
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.cli import main
from bot.feed import FeedClient
from bot.render import embeds, jsondata, recap, text
from bot.watcher import Watcher
from db import queries
from db.build import build_database
from db.errors import FeedError
from db.history import HistorySource
from db.nascar_feed import import_document, import_file, parse_loopstats
from db.recaps import recap_facts
from db.store import Store
from testkit.fakes.feed_server import FakeFeed
from testkit.feed_states import NEXT_DAY
from testkit.samples import ATLANTA_LOOPSTATS, RACE_LIST_2023, RICHMOND_FEED, richmond_loopstats, snapshot

REAL = json.loads(ATLANTA_LOOPSTATS.read_text())


def document(changed=None) -> bytes:
    """The real Atlanta loop data, changed by `changed(race)` first."""
    race = copy.deepcopy(REAL)
    if changed:
        changed(race[0])
    return json.dumps(race).encode()


@pytest.fixture
async def atlanta(subset_db_copy):
    """A few seasons of the bundled history with the 2023 race list, which names the Xfinity race at Atlanta feed
    race 5314."""
    async with Store.open(subset_db_copy) as store:
        await import_file(store, RACE_LIST_2023)
        yield store


async def loop_rows(store: Store) -> int:
    return await store.scalar("SELECT count(*) FROM loop_stats")


async def test_the_real_loop_data_matches_the_history_and_every_answer_shows_it(atlanta):
    report = await import_file(atlanta, ATLANTA_LOOPSTATS)
    assert (report.kind, report.key, report.changed) == ("loopstats", "5314", True)
    details = await queries.results(atlanta, "atlanta", 2023, "xfinity", 5)
    assert len(details.loop_data) == 38
    best = details.loop_data[0]
    assert (best.driver, best.car, best.finish, best.rating, best.fastest_laps, best.quality_passes) == (
        "Austin Hill", "21", 1, 141.29, 4, 39)
    assert [line.rating for line in details.loop_data] == sorted((line.rating for line in details.loop_data), reverse=True)
    shown = text.results(details).splitlines()
    at = shown.index("Loop data, best 10 driver ratings:")
    assert re.split(r"  +", shown[at + 1].strip()) == ["Rating", "#", "Driver", "Fin", "Avg pos", "Fast laps", "Q passes",
                                                       "Top-15 laps"]
    assert shown[at + 3].split() == ["141.3", "21", "Austin", "Hill", "1", "4.3", "4", "39", "153"]
    assert shown[at + 13].startswith("Rating: NASCAR's driver rating")          # after the best ten: what they mean
    pages = [page.to_dict() for page in embeds.results(details)]
    assert {"name": "Best driver ratings", "value": "Austin Hill 141.3 · Parker Kligerman 118.0 · Daniel Hemric 106.8",
            "inline": False} in pages[0]["fields"]
    loop_page = pages[-1]   # after the classification's pages: the best ten, phone-wide
    assert loop_page["description"].startswith("Loop data, best driver ratings\n```")
    assert "141.3  21  Austin Hill" in loop_page["description"]
    assert loop_page["footer"]["text"].startswith(f"Page {len(pages)}/{len(pages)} · ")
    assert jsondata.results(details)["loop_data"][0]["rating"] == 141.29
    facts = await recap_facts(atlanta, details)
    assert "driver rating of 141.3 was the race's best." in " ".join(recap.paragraphs(facts))   # opening as the prose flows
    assert "## Loop data\n\n| Rating | # | Driver |" in recap.reddit_body(facts, "key")
    assert " 141.3  21  Austin Hill " in recap.text_recap(facts).split("Rating   #  Driver")[-1]


async def test_the_same_document_twice_changes_nothing(atlanta):
    await import_file(atlanta, ATLANTA_LOOPSTATS)
    assert not (await import_file(atlanta, ATLANTA_LOOPSTATS)).changed and await loop_rows(atlanta) == 38


def _second(race, key, value):
    race["drivers"][1][key] = value


@pytest.mark.parametrize(("change", "field", "problem"), [
    (lambda race: race["drivers"].pop(), "[0].drivers", "37 cars, but the race has 38 results (partial document?)"),
    (lambda race: race["drivers"][0].update(lead_laps=102), "[0].drivers[0].lead_laps",
     "102 for the car that finished 1, whose result says 103"),
    (lambda race: race["drivers"][0].update(laps=162), "[0].drivers[0].laps", "162 for the car that finished 1"),
    (lambda race: _second(race, "ps", 1), "[0].drivers[1].ps", "position 1 is given twice"),
    (lambda race: _second(race, "rating", 151.2), "[0].drivers[1].rating", "151.2 is outside 0.0..150.0"),
    (lambda race: _second(race, "fast_laps", 200), "[0].drivers[1].fast_laps", "200 is outside 0..163"),
    (lambda race: race.update(series_id=1), "[0].series_id", "race 5314 is a xfinity race, not cup"),
    (lambda race: race.update(race_id=999999), "[0].race_id", "race 999999 is not in the store"),
    (lambda race: race.update(act_laps=170), "[0].act_laps", "170 laps, but the race ran 163"),
])
async def test_a_document_that_disagrees_is_refused_and_the_store_is_untouched(atlanta, change, field, problem):
    before = await snapshot(atlanta)
    with pytest.raises(FeedError) as refused:
        await import_document(atlanta, document(change))
    assert refused.value.field == field and problem in refused.value.problem
    assert await snapshot(atlanta) == before


any_value = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False),
                     st.text(max_size=5), st.lists(st.integers(), max_size=2), st.dictionaries(st.text(max_size=3), st.none()))


@given(st.data())
def test_any_value_in_any_field_is_read_or_refused_as_a_feed_error(data):
    """Whatever a field holds, the parser reads it or refuses it naming the field: nothing else escapes it."""
    race = copy.deepcopy(REAL)[0]
    where = data.draw(st.sampled_from([race, *race["drivers"]]))
    where[data.draw(st.sampled_from(sorted(where)))] = data.draw(any_value)
    try:
        parse_loopstats([race])
    except FeedError as refused:
        assert refused.field.startswith("[0]")


async def test_non_numbers_are_refused_before_anything_is_read(atlanta):
    body = document().replace(b'"rating": 141.29', b'"rating": NaN', 1)
    assert b"NaN" in body
    with pytest.raises(FeedError, match="not a finite number"):
        await import_document(atlanta, body)
    assert await loop_rows(atlanta) == 0


async def test_a_revision_of_the_results_reapplies_the_loop_data_or_drops_it(small_store, caplog):
    feed, store = json.loads(RICHMOND_FEED.read_text()), small_store
    await import_file(store, RICHMOND_FEED)
    await import_document(store, richmond_loopstats(feed))
    assert await loop_rows(store) == 37
    feed["weekend_race"][0]["results"][5]["team_name"] = "Renamed Racing"     # results rewritten, laps the same
    await import_document(store, json.dumps(feed).encode())
    assert await loop_rows(store) == 37
    feed["weekend_race"][0]["results"][36]["laps_completed"] -= 1            # now the loop data disagrees
    with caplog.at_level(logging.WARNING, logger="db.nascar_feed"):
        await import_document(store, json.dumps(feed).encode())
    assert await loop_rows(store) == 0
    assert "race 5274: its loop data no longer agrees with its results" in caplog.text


async def test_a_rebuild_keeps_the_loop_data(subset_db_copy, history_subset):
    async with Store.open(subset_db_copy) as store:
        await import_file(store, RACE_LIST_2023)
        await import_file(store, ATLANTA_LOOPSTATS)
    await build_database(subset_db_copy, show_progress=False, history=HistorySource(history_subset))
    async with Store.open(subset_db_copy) as store:
        assert await loop_rows(store) == 38
        details = await queries.results(store, "atlanta", 2023, "xfinity", 5)
        assert details.loop_data[0].driver == "Austin Hill"


async def test_the_watcher_reads_a_race_s_loop_data_from_the_feed(small_store):
    feed, store = json.loads(RICHMOND_FEED.read_text()), small_store
    async with FakeFeed() as server, aiohttp.ClientSession() as session:
        await import_file(store, RICHMOND_FEED)
        server.serve("2023/1/5274/weekend-feed.json", RICHMOND_FEED.read_bytes())
        watcher = Watcher(store, FeedClient(session, server.base_url, timeout=2.0), poster=None, title_template="{race}",
                          clock=lambda: NEXT_DAY)
        await watcher.poll()                      # not published yet: nothing, and no trouble
        assert await loop_rows(store) == 0 and server.requests_for("loopstats/prod/2023/1/5274.json")[0].status == 404
        server.serve("loopstats/prod/2023/1/5274.json", richmond_loopstats(feed))
        report = await watcher.poll()
        assert "loopstats 5274" in report.imported and await loop_rows(store) == 37
        details = await queries.results(store, "richmond", 2023, "cup")
        assert details.loop_data[0].driver == details.results[0].driver


def test_pitboard_import_takes_loop_data_and_names_what_it_refused(subset_db_copy, tmp_path, capsys):
    partial = tmp_path / "5314.json"
    partial.write_bytes(document(lambda race: race["drivers"].pop()))
    assert main(["--db", str(subset_db_copy), "import", str(RACE_LIST_2023), str(partial), str(ATLANTA_LOOPSTATS)]) == 1
    shown = capsys.readouterr()
    assert f"{ATLANTA_LOOPSTATS}: loop data of race 5314: stored" in shown.out
    assert (f"{partial}: not imported, database unchanged: [0].drivers: 37 cars, but the race has 38 results "
            "(partial document?)") in shown.err
