"""Reads on their own snapshot: commands never see a write transaction's halves, and take one thread hop each."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sqlite3
import subprocess
import sys

import pytest

import testkit.feed_states as day
from bot.questions import ask, parse_slash
from db import guilds, queries
from db.errors import NoData, UnknownName
from db.ingest import upsert_race
from db.models import RaceResults
from db.nascar_feed import import_document, parse_weekend_feed
from db.recaps import recap_facts
from db.store import Store
from testkit.samples import RICHMOND_FEED

REVISIONS = 12   # each with 8 readers asking throughout; `make faults` (revisions) runs many more
READERS = 8
GUILD = 555
NEWCOMER = "Zebulon Quasar"

# Every command, as a user types it (the console and the cogs call the same query functions).
COMMANDS = [
    "/winner richmond 2023",
    "/results richmond year:2023 series:cup round:7",
    "/driver kyle larson",
    "/track richmond",
    "/standings cup season:2023",
    '/h2h "kyle larson" "denny hamlin"',
    "/next",
    "/schedule season:2023",
]


class HopCounter:
    """Counts hops to worker threads: `Store.read` (its reader threads) and `run_in_executor` (`asyncio.to_thread`)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch):
        self.count = 0
        loop = asyncio.get_running_loop()
        hop, read = loop.run_in_executor, Store.read

        def counted(*args):
            self.count += 1
            return hop(*args)

        def counted_read(store, fn, *args):
            self.count += 1
            return read(store, fn, *args)

        monkeypatch.setattr(loop, "run_in_executor", counted)
        monkeypatch.setattr(Store, "read", counted_read)


@pytest.fixture
async def hops(monkeypatch) -> HopCounter:
    return HopCounter(monkeypatch)


def classification(answer: RaceResults) -> list[tuple[int, str]]:
    return [(line.finish, line.driver) for line in answer.results]


async def richmond(store: Store) -> RaceResults:
    return await queries.results(store, "richmond", 2023, "cup", 7)   # the spring race, from the feed


async def test_a_half_written_revision_is_invisible_until_committed(subset_db_copy):
    async with Store.open(subset_db_copy) as store:
        await import_document(store, day.weekend("official"))
        official = classification(await richmond(store))
        revised_record = parse_weekend_feed(json.loads(day.weekend("revised")))
        question, options = parse_slash("/results richmond year:2023 series:cup round:7")

        async with store.transaction() as conn:
            race_id = (await richmond(store)).race.id
            await conn.execute("DELETE FROM results WHERE race_id = ?", (race_id,))
            assert classification(await richmond(store)) == official
            assert classification(await ask(store, question, options)) == official
            await upsert_race(conn, revised_record)  # the new classification, not yet committed
            assert classification(await richmond(store)) == official

        revised = classification(await richmond(store))
        assert revised != official
        assert [finish for finish, _ in revised] == list(range(1, len(official) + 1))
        assert sorted(driver for _, driver in revised) == sorted(driver for _, driver in official)
        assert revised[-1][1] == official[0][1]  # the disqualified winner, now last


async def test_results_during_a_stream_of_revisions_always_show_one_whole_classification(subset_db_copy):
    async with Store.open(subset_db_copy) as store:
        await import_document(store, day.weekend("revised"))
        revised = classification(await richmond(store))
        await import_document(store, day.weekend("official"))
        official = classification(await richmond(store))
        assert len(official) == 37 and revised != official
        importing = True

        async def revisions() -> None:
            nonlocal importing
            for n in range(REVISIONS):
                await import_document(store, day.weekend("revised" if n % 2 == 0 else "official"))
            importing = False

        async def reader() -> list[list[tuple[int, str]]]:
            replies = []
            while importing:
                replies.append(classification(await richmond(store)))  # NoData ("no results yet") fails the test
            return replies

        writer = asyncio.create_task(revisions())
        replies = [reply for replies in await asyncio.gather(*(reader() for _ in range(READERS))) for reply in replies]
        await writer

    assert len(replies) >= READERS
    assert all(reply in (official, revised) for reply in replies)


@pytest.mark.parametrize("command", COMMANDS)
async def test_every_command_reads_in_one_hop(real_store, hops, command):
    await real_store.names()  # loaded once per process, before any command
    question, options = parse_slash(command)
    hops.count = 0
    with contextlib.suppress(NoData):  # the bundled history has no dated races (/next): "none" is read in one hop too
        await ask(real_store, question, options)
    assert hops.count == 1


async def test_recap_facts_read_in_one_hop(real_store, hops):
    details = await queries.results(real_store, "mid-ohio", 2022, "truck")
    hops.count = 0
    facts = await recap_facts(real_store, details)
    assert hops.count == 1 and facts.winner.driver == "Parker Kligerman"


async def test_names_imported_by_another_process_resolve_without_restart(subset_db_copy, tmp_path):
    document = json.loads(day.weekend("official"))
    last = document["weekend_race"][0]["results"][-1]
    last.update(driver_fullname=NEWCOMER, driver_id=999_999)
    feed = tmp_path / "weekend-feed.json"
    feed.write_text(json.dumps(document))

    async with Store.open(subset_db_copy) as store:
        with pytest.raises(UnknownName):
            await queries.driver(store, NEWCOMER)
        names = await store.names()
        await guilds.set_default_series(store, GUILD, "cup")  # a commit that adds no name
        assert await store.names() is names  # ... keeps the loaded index

        script = os.path.join(os.path.dirname(sys.executable), "pitboard")
        done = await asyncio.to_thread(
            subprocess.run, [script, "--db", str(subset_db_copy), "import", str(feed)], capture_output=True, text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr

        career = await queries.driver(store, "zebulon quasar")
        assert career.driver == NEWCOMER and career.series["cup"].starts == 1


async def test_a_race_imported_by_another_process_is_found_by_its_name_without_restart(subset_db_copy):
    """Every driver and the track are known already: only the race is new (Richmond's 2023 Cup races are taken out of
    the history, so that the feed's spring race is not matched to the summer one)."""
    with contextlib.closing(sqlite3.connect(subset_db_copy)) as db, db:
        richmond = [row[0] for row in db.execute(
            "SELECT r.id FROM races r JOIN tracks t ON t.id = r.track_id JOIN series s ON s.id = r.series_id "
            "WHERE t.name = 'Richmond Raceway' AND s.key = 'cup' AND r.season = 2023"
        )]
        assert len(richmond) == 2
        for race_id in richmond:
            for table in ("results", "stage_results", "cautions", "leader_stints", "races"):
                db.execute(f"DELETE FROM {table} WHERE {'id' if table == 'races' else 'race_id'} = ?", (race_id,))

    async with Store.open(subset_db_copy) as store:
        with pytest.raises(UnknownName):
            await queries.winner(store, "toyota owners 400")
        script = os.path.join(os.path.dirname(sys.executable), "pitboard")
        done = await asyncio.to_thread(
            subprocess.run, [script, "--db", str(subset_db_copy), "import", str(RICHMOND_FEED)], capture_output=True,
            text=True, timeout=120,
        )
        assert done.returncode == 0, done.stderr

        answer = await queries.winner(store, "toyota owners 400")
        assert [(race.season, race.name, race.winner) for race in answer.races] == [(2023, "Toyota Owners 400", "Kyle Larson")]


async def test_server_settings_are_read_once_and_refreshed_by_config(small_store, hops):
    assert (await guilds.get(small_store, GUILD)).default_series is None
    hops.count = 0
    assert (await guilds.get(small_store, GUILD)).default_series is None
    assert hops.count == 0

    await guilds.set_default_series(small_store, GUILD, "truck")
    assert (await guilds.get(small_store, GUILD)).default_series == "truck"
    await guilds.add_subreddit(small_store, GUILD, "truck", "r/NASCAR")
    assert (await guilds.get(small_store, GUILD)).subreddits == {"truck": ["NASCAR"]}
    await guilds.remove_subreddit(small_store, GUILD, "truck", "NASCAR")
    assert (await guilds.get(small_store, GUILD)).subreddits == {}
    await guilds.set_default_series(small_store, GUILD, None)
    assert (await guilds.get(small_store, GUILD)).default_series is None
