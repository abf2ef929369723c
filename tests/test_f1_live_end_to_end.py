"""F1 results after the bundled data's end, end to end through the running bot: real discord.py on the fake Discord
(the watcher cog's poll loop, its announcement in the server's channel), the real Jolpica client against the local
fake Jolpica serving F1DB's real 2026 Hungarian Grand Prix, and the real asyncpraw against the fake Reddit. The store
is the real history with that race's results taken out, as if F1DB's data ended before it."""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime, timedelta

import aiohttp
import pytest

from bot.feed import FeedClient
from bot.jolpica import JolpicaClient
from bot.pitboard import Pitboard
from bot.race_day import announcement_embed
from bot.reddit import RedditPoster, RetryPolicy, reddit_client
from bot.runner import run_bot
from bot.settings import RedditSettings, Secret, Settings
from db import guilds, queries
from db.recaps import race_recap
from db.store import Store
from testkit.discord_harness import ANNOUNCE_CHANNEL_ID, embed_text, guild, running_pitboard
from testkit.fakes.discord_server import DEFAULT_GUILD_ID, FakeDiscord, RecordedRequest, redirect_discord_to
from testkit.fakes.feed_server import FakeFeed
from testkit.fakes.jolpica_server import FakeJolpica
from testkit.fakes.reddit_server import FakeReddit, skip_client_sleeps
from testkit.jolpica_documents import forget_results, revised, session_document, session_entries, standings_document

pytestmark = pytest.mark.realdata

SEASON, ROUND = 2026, 11
RESULTS = f"{SEASON}/{ROUND}/results"
SUBREDDIT = "formula1"


class World:
    """The fakes, the store and the watcher's clock; `bot()` starts Pitboard on them (again, for a restart) and waits
    until its watcher loop has asked Jolpica for the race's results once."""

    def __init__(self, store: Store, discord_fake: FakeDiscord, reddit_fake: FakeReddit, jolpica_fake: FakeJolpica,
                 feed: FakeFeed, session: aiohttp.ClientSession, poster: RedditPoster, now: datetime):
        self.store, self.discord_fake, self.reddit_fake, self.jolpica_fake = store, discord_fake, reddit_fake, jolpica_fake
        self.feed, self.session, self.poster, self.now = feed, session, poster, now

    @asynccontextmanager
    async def bot(self) -> AsyncIterator[Pitboard]:
        clock: Callable[[], datetime] = lambda: self.now  # noqa: E731 - the watcher reads the moment the test sets
        async with running_pitboard(
            self.discord_fake, self.store, feed=FeedClient(self.session, self.feed.base_url, timeout=2),
            jolpica=JolpicaClient(self.session, self.jolpica_fake.base_url, timeout=2), poster=self.poster,
            watcher_clock=clock,
        ) as bot:
            cog = bot.get_cog("WatcherCog")
            async with asyncio.timeout(10):
                while not self.jolpica_fake.requests_for(RESULTS):   # the loop's own first poll reached Jolpica
                    await asyncio.sleep(0.02)
                cog.poll.cancel()   # the test drives the next polls itself, one at a time
                while cog.poll.is_running():
                    await asyncio.sleep(0.02)
            yield bot

    def announcements(self) -> list[RecordedRequest]:
        return [request for request in self.discord_fake.channel_messages
                if request.path.endswith(f"/channels/{ANNOUNCE_CHANNEL_ID}/messages")]

    def announcement_edits(self) -> list[RecordedRequest]:
        return [request for request in self.discord_fake.message_edits
                if f"/channels/{ANNOUNCE_CHANNEL_ID}/messages/" in request.path]


@pytest.fixture
async def world(real_store_copy) -> AsyncIterator[World]:
    store = real_store_copy
    await forget_results(store, SEASON, ROUND)
    await guilds.set_announce_channel(store, DEFAULT_GUILD_ID, ANNOUNCE_CHANNEL_ID)
    await guilds.set_default_series(store, DEFAULT_GUILD_ID, "f1")   # this server hears about F1 only
    await guilds.add_subreddit(store, DEFAULT_GUILD_ID, "f1", SUBREDDIT)
    start = datetime.fromisoformat(await store.scalar(
        "SELECT r.starts_at FROM races r JOIN series s ON s.id = r.series_id WHERE s.key = 'f1' AND r.season = ? "
        "AND r.round = ?", (SEASON, ROUND),
    ))
    async with (
        FakeDiscord(guilds=[guild()]) as discord_fake, FakeReddit(subreddits=(SUBREDDIT,)) as reddit_fake,
        FakeJolpica() as jolpica_fake, FakeFeed() as feed,
    ):
        settings = RedditSettings(client_id=reddit_fake.client_id, client_secret=Secret(reddit_fake.client_secret),
                                  username=reddit_fake.username, password=Secret(reddit_fake.password))
        with redirect_discord_to(discord_fake), skip_client_sleeps():
            async with (
                aiohttp.ClientSession() as session,
                reddit_client(settings, oauth_url=reddit_fake.url, reddit_url=reddit_fake.url,
                              requestor_kwargs={"timeout": 2}) as reddit,
            ):
                poster = RedditPoster(reddit, store, retry=RetryPolicy(attempts=3, base_delay=0, max_delay=0),
                                      min_edit_interval=0)
                yield World(store, discord_fake, reddit_fake, jolpica_fake, feed, session, poster,
                            start + timedelta(hours=1))


async def test_new_f1_race_is_announced_and_posted_once_then_edited_on_revision_and_not_repeated_after_restart(world):
    entries = list(session_entries(SEASON, ROUND))
    winner, second = entries[0], entries[1]
    async with world.bot() as bot:
        cog = bot.get_cog("WatcherCog")
        assert world.announcements() == [] and world.reddit_fake.submissions_in(SUBREDDIT) == []

        world.now += timedelta(days=1)
        world.jolpica_fake.serve(RESULTS, session_document(SEASON, ROUND))
        world.jolpica_fake.serve(f"{SEASON}/{ROUND}/qualifying", session_document(SEASON, ROUND, "qualifying"))
        world.jolpica_fake.serve(f"{SEASON}/{ROUND}/driverstandings", standings_document(SEASON, ROUND))
        await cog.poll()

        [thread] = world.reddit_fake.submissions_in(SUBREDDIT)
        [announcement] = world.announcements()
        embed = announcement.json["embeds"][0]
        text = embed_text(embed)
        race_name = await world.store.scalar(
            "SELECT r.name FROM races r JOIN series s ON s.id = r.series_id WHERE s.key = 'f1' AND r.season = ? "
            "AND r.round = ?", (SEASON, ROUND),
        )
        assert embed["title"].startswith("🏁 2026 F1 R11") and race_name in embed["title"]
        winner_name = f"{winner['Driver']['givenName']} {winner['Driver']['familyName']}"
        assert f"**{winner_name}** won the {race_name}" in embed["description"]
        assert f"for {winner['Constructor']['name']}" in embed["description"]          # the constructor
        assert f"{second['Driver']['familyName']} finished second" in embed["description"]   # the podium
        [top] = [field for field in embed["fields"] if field["name"] == "Top 10"]
        assert "Team" in top["value"] and "Time/Gap" in top["value"] and winner["Driver"]["familyName"] in top["value"]
        assert any(thread.id in field["value"] for field in embed["fields"])            # links the Reddit thread
        assert "Jolpica" in embed["footer"]["text"] and embed["footer"]["text"].endswith(f"pitboard:f1-{SEASON}-{ROUND}")
        for nascar_word in ("Stage", "stage", "car #", "Led", "caution"):
            assert nascar_word not in text
        assert f"**{winner_name}** won the" in thread.selftext
        assert announcement.json["allowed_mentions"] == {"parse": []}

        await cog.poll()   # nothing new: no second thread, message or edit
        assert len(world.reddit_fake.submissions_in(SUBREDDIT)) == 1 and len(world.announcements()) == 1
        assert world.announcement_edits() == []

        world.now += timedelta(days=1)   # the stewards' penalty: the runner-up drops three places
        world.jolpica_fake.serve(RESULTS, session_document(SEASON, ROUND, entries=revised(entries, second["Driver"]["code"], 3)))
        await cog.poll()
        [thread] = world.reddit_fake.submissions_in(SUBREDDIT)
        assert len(thread.history) == 2 and len(world.announcements()) == 1
        [edit] = world.announcement_edits()
        assert f"{entries[2]['Driver']['familyName']} finished second" in edit.json["embeds"][0]["description"]
        assert f"{entries[2]['Driver']['familyName']} finished second" in thread.selftext

    async with world.bot() as bot:   # a restart: a new client reads every document again, and nothing is repeated
        await bot.get_cog("WatcherCog").poll()
        assert world.jolpica_fake.requests_for(RESULTS)[-1].status == 200
    [thread] = world.reddit_fake.submissions_in(SUBREDDIT)
    assert len(thread.history) == 2
    assert len(world.announcements()) == 1 and len(world.announcement_edits()) == 1


async def test_pitboard_run_watches_f1_through_the_jolpica_url_of_its_settings(subset_db_copy):
    """`pitboard run`'s wiring (bot/runner.py): the settings' Jolpica URL reaches the watcher, which asks it for a
    race after the bundled data's end (2026 round 12, no results in F1DB) an hour after its start."""
    async with Store.open(subset_db_copy) as store:
        start = datetime.fromisoformat(await store.scalar(
            "SELECT r.starts_at FROM races r JOIN series s ON s.id = r.series_id WHERE s.key = 'f1' AND r.season = 2026 "
            "AND r.round = 12",
        ))
    async with FakeDiscord(guilds=[guild()]) as discord_fake, FakeFeed() as feed, FakeJolpica() as jolpica_fake:
        settings = Settings.load(env_file=None, environ={
            "PITBOARD_DB": str(subset_db_copy), "DISCORD_TOKEN": discord_fake.token, "PITBOARD_FEED_URL": feed.base_url,
            "PITBOARD_JOLPICA_URL": jolpica_fake.base_url + "/",
        })
        with redirect_discord_to(discord_fake):
            running = asyncio.create_task(run_bot(settings, watcher_clock=lambda: start + timedelta(hours=1)))
            async with asyncio.timeout(10):
                while not jolpica_fake.requests:
                    await asyncio.sleep(0.05)
            os.kill(os.getpid(), signal.SIGTERM)
            assert await asyncio.wait_for(running, timeout=10) == 0
    assert [request.path for request in jolpica_fake.requests] == ["2026/12/results"]


async def test_an_f1_announcement_is_the_race_report_in_f1_words(real_store):
    """The announcement embed of an F1 race (Monza 2024, from F1DB): winner and constructor, the podium with the gap,
    the pole-sitter's race, retirements with reasons, F1's columns; nothing of NASCAR's recap."""
    details = await queries.results(real_store, "monza", 2024, "f1", None)
    embed = announcement_embed(await race_recap(real_store, details), "https://www.reddit.com/r/formula1/comments/abc/").to_dict()
    assert embed["title"] == "🏁 2024 F1 R16 · Italian Grand Prix"
    assert embed["description"] == (
        "**Charles Leclerc** won the Italian Grand Prix at Autodromo Nazionale Monza for Ferrari. "
        "It was Leclerc's seventh Formula 1 win. Leclerc now has two Formula 1 wins in 2024. It was Leclerc's second "
        "Formula 1 win at Autodromo Nazionale Monza. Leclerc started fourth on the grid.\n\n"
        "Oscar Piastri finished second, 2.664 seconds behind, and pole-sitter Lando Norris third.\n\n"
        "One driver retired: Yuki Tsunoda (overheating, 7 laps)."
    )
    [top, thread] = embed["fields"]
    header, _, *rows = top["value"].strip("`\n").splitlines()
    assert header.split() == ["Pos", "No", "Driver", "Team", "Time/Gap", "Points"] and len(rows) == 10
    assert rows[1].split() == ["2", "81", "Oscar", "Piastri", "McLaren", "+2.664", "18"]
    assert thread == {"name": "Post-race thread", "value": "https://www.reddit.com/r/formula1/comments/abc/", "inline": False}
    assert embed["footer"]["text"] == "Autodromo Nazionale Monza · Data: F1DB (CC BY 4.0) · pitboard:f1-2024-16"
