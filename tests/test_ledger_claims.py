"""Two writers on one database never post a thread or an announcement twice, whatever the interleaving.

Each writer has its own store (its own SQLite connection, as a second process has) and its own client:
the real asyncpraw against the fake Reddit, the real discord.py bot against the fake Discord. Claims in
the ledgers decide who writes; a claim whose holder died lapses and the next writer adopts what was made.
"""

from __future__ import annotations

import asyncio
import os
import random
import sys
from datetime import timedelta
from pathlib import Path

import discord
import pytest

from bot.race_day import Announcer, AnnounceResult, announcement_embed, announcement_marker, deliveries
from bot.reddit import RedditPoster, RetryPolicy, Thread, content_hash, reddit_client
from bot.render.recap import marker
from bot.settings import RedditSettings, Secret
from cogs.watcher import ChannelMessenger
from db import announcements, guilds, queries, threads
from db.models import race_key
from db.queries import utc_now
from db.recaps import recap_facts
from db.store import Store
from testkit.discord_harness import ANNOUNCE_CHANNEL_ID, guild, running_pitboard
from testkit.fakes.discord_server import DEFAULT_GUILD_ID, FakeChannel, FakeDiscord, FakeGuild, redirect_discord_to
from testkit.fakes.reddit_server import FakeReddit, skip_client_sleeps

ROOT = Path(__file__).resolve().parents[1]
SUBREDDITS = ("NASCAR", "Trucks")
SUBMIT = "/api/submit"
TIMEOUT = 0.5
POLICY = RetryPolicy(attempts=3, base_delay=0.01, max_delay=0.01, jitter=0)
OTHER_GUILD_ID = 1_200_000_000_000_000_101
OTHER_CHANNEL_ID = 1_200_000_000_000_000_102


def thread(key: str, subreddit: str, revision: int = 1) -> Thread:
    return Thread(key, subreddit, f"Post-Race Thread: {key}", f"Results, revision {revision}.\n\n{marker(key)}")


def posts_of(fake: FakeReddit, key: str, subreddit: str) -> list:
    return [s for s in fake.submissions_in(subreddit) if marker(key) in s.selftext]


@pytest.fixture
async def fake_reddit():
    async with FakeReddit(subreddits=SUBREDDITS) as server:
        with skip_client_sleeps():
            yield server


@pytest.fixture
async def two_stores(tmp_path):
    """Two connections to one database file, as two processes have."""
    async with Store.open(tmp_path / "shared.db") as first, Store.open(tmp_path / "shared.db") as second:
        yield first, second


def settings_of(fake: FakeReddit) -> RedditSettings:
    return RedditSettings(fake.client_id, Secret(fake.client_secret), fake.username, Secret(fake.password))


# --------------------------------------------------------------------------- Reddit


FAULTS = [dict(delay=0.05), dict(delay=0.05), dict(status=503, commit=True), dict(drop=True, commit=True), dict(status=500)]


async def test_two_posters_on_one_database_post_each_thread_once(fake_reddit, two_stores):
    rng = random.Random(8)
    keys = [f"cup-2026-r{n}" for n in range(1, 5)]
    wanted = [(key, subreddit) for key in keys for subreddit in SUBREDDITS]
    revision = {key: 1 for key in keys}
    actions: list[tuple[str, str | None]] = []

    async def no_sleep(seconds: float) -> None:
        await asyncio.sleep(0)

    async with (
        reddit_client(
            settings_of(fake_reddit), oauth_url=fake_reddit.url, reddit_url=fake_reddit.url, requestor_kwargs={"timeout": TIMEOUT}
        ) as first,
        reddit_client(
            settings_of(fake_reddit), oauth_url=fake_reddit.url, reddit_url=fake_reddit.url, requestor_kwargs={"timeout": TIMEOUT}
        ) as second,
    ):
        posters = [RedditPoster(client, store, retry=POLICY, min_edit_interval=0, sleep=no_sleep)
                   for client, store in zip((first, second), two_stores, strict=True)]

        async def publish_after_a_while(poster: RedditPoster, wanted_thread: Thread) -> None:
            await asyncio.sleep(rng.random() * 0.03)
            result = await poster.publish(wanted_thread)
            actions.append((result.action, result.error))

        for round_number in range(8):
            if round_number == 4:
                revision.update({key: 2 for key in rng.sample(keys, 2)})
            rng.shuffle(wanted)
            for _ in range(rng.randint(1, 4)):
                fake_reddit.fail_next(SUBMIT, **rng.choice(FAULTS))
            await asyncio.gather(*(
                publish_after_a_while(poster, thread(key, subreddit, revision[key]))
                for key, subreddit in wanted for poster in posters
            ))
        for key, subreddit in wanted:  # a quiet round settles whatever was deferred
            await posters[rng.randrange(2)].publish(thread(key, subreddit, revision[key]))

    assert ("deferred", "another process is writing this thread") in actions   # the posters did collide
    for key, subreddit in wanted:
        [post] = posts_of(fake_reddit, key, subreddit)
        assert post.selftext == thread(key, subreddit, revision[key]).body
        row = await threads.get(two_stores[0], key, subreddit)
        assert (row.state, row.submission_id, row.claimed_by) == ("posted", post.id, None)


async def run_publisher(fake: FakeReddit, db_path: Path, wanted: Thread) -> asyncio.subprocess.Process:
    environment = {**os.environ, "REDDIT_CLIENT_ID": fake.client_id, "REDDIT_CLIENT_SECRET": fake.client_secret,
                   "REDDIT_USERNAME": fake.username, "REDDIT_PASSWORD": fake.password}
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "testkit.reddit_publish_process", fake.url, str(db_path),
        wanted.key, wanted.subreddit, wanted.title, wanted.body,
        env=environment, cwd=ROOT, stdout=asyncio.subprocess.PIPE,
    )


async def test_two_processes_publishing_the_same_thread_post_it_once(fake_reddit, two_stores):
    rng = random.Random(85)
    store = two_stores[0]
    for round_number in range(3):
        wanted = thread(f"xfinity-2026-r{round_number}", rng.choice(SUBREDDITS))
        fake_reddit.fail_next(SUBMIT, delay=rng.choice([0.0, 0.3, 0.6]))
        first = await run_publisher(fake_reddit, store.path, wanted)
        await asyncio.sleep(rng.random() * 0.5)
        second = await run_publisher(fake_reddit, store.path, wanted)
        async with asyncio.timeout(60):
            outputs = [(await child.communicate())[0].decode().strip() for child in (first, second)]

        assert sorted(outputs) in (["deferred", "posted"], ["posted", "unchanged"])
        [post] = posts_of(fake_reddit, wanted.key, wanted.subreddit)
        row = await threads.get(store, wanted.key, wanted.subreddit)
        assert (row.state, row.submission_id, row.claimed_by) == ("posted", post.id, None)
    assert len(fake_reddit.submissions) == 3


# --------------------------------------------------------------------------- Discord


def other_guild() -> FakeGuild:
    return FakeGuild(id=OTHER_GUILD_ID, name="Second", channels=[FakeChannel(id=OTHER_CHANNEL_ID, name="announcements")])


@pytest.fixture
async def discord_fake():
    async with FakeDiscord(guilds=[guild(), other_guild()]) as server:
        with redirect_discord_to(server):
            yield server


@pytest.fixture
async def shared_small_store(small_store):
    """The small history, and a second connection to it."""
    await guilds.set_announce_channel(small_store, DEFAULT_GUILD_ID, ANNOUNCE_CHANNEL_ID)
    await guilds.set_announce_channel(small_store, OTHER_GUILD_ID, OTHER_CHANNEL_ID)
    async with Store.open(small_store.path) as second:
        yield small_store, second


@pytest.fixture
async def bot(discord_fake, shared_small_store):
    async with running_pitboard(discord_fake, shared_small_store[0]) as running:
        yield running


class Jittery:
    """The bot's real messenger, reached after a random pause (so two announcers interleave differently)."""

    def __init__(self, messenger: ChannelMessenger, rng: random.Random):
        self.messenger = messenger
        self.rng = rng

    async def send(self, channel_id: int, embed: discord.Embed) -> int:
        await asyncio.sleep(self.rng.random() * 0.02)
        return await self.messenger.send(channel_id, embed)

    async def edit(self, channel_id: int, message_id: int, embed: discord.Embed) -> None:
        await asyncio.sleep(self.rng.random() * 0.02)
        await self.messenger.edit(channel_id, message_id, embed)

    async def find(self, channel_id: int, marker_text: str) -> int | None:
        await asyncio.sleep(self.rng.random() * 0.02)
        return await self.messenger.find(channel_id, marker_text)


async def race_facts(store: Store, track: str, year: int, series: str):
    return await recap_facts(store, await queries.results(store, track, year, series))


def announcements_of(fake: FakeDiscord, key: str) -> dict[str, list[dict]]:
    """Messages in each channel whose embed carries the race's marker, by channel id."""
    found: dict[str, list[dict]] = {}
    for message in fake.messages.values():
        if any(embed.get("footer", {}).get("text", "").endswith(announcement_marker(key)) for embed in message["embeds"]):
            found.setdefault(message["channel_id"], []).append(message)
    return found


async def test_two_announcers_on_one_database_send_one_message_per_race_and_server(discord_fake, bot, shared_small_store):
    rng = random.Random(5274)
    races = [await race_facts(shared_small_store[0], track, year, series)
             for track, year, series in [("mid-ohio", 2022, "cup"), ("mid-ohio", 2022, "truck"), ("daytona", 2021, "truck")]]
    announcers = [Announcer(store, Jittery(ChannelMessenger(bot), rng)) for store in shared_small_store]
    results: list[AnnounceResult] = []

    async def announce_after_a_while(announcer: Announcer, facts) -> None:
        await asyncio.sleep(rng.random() * 0.03)
        results.extend(await announcer.announce(facts, (await deliveries(announcer.store, facts.details.race)).channels))

    for round_number in range(6):
        if round_number == 3:  # a thread is posted for one race: its announcements gain the link (edited, not sent again)
            await threads.begin(shared_small_store[0], race_key(races[0].details.race), "NASCAR", "t", "h", utc_now())
            await threads.mark_posted(
                shared_small_store[0], race_key(races[0].details.race), "NASCAR", "abc123", "t", "h", utc_now()
            )
        await asyncio.gather(*(announce_after_a_while(announcer, facts) for facts in rng.sample(races, len(races))
                               for announcer in announcers))

    assert {"sent", "edited", "unchanged", "busy"} <= {result.action for result in results}
    for facts in races:
        key = race_key(facts.details.race)
        by_channel = announcements_of(discord_fake, key)
        assert sorted(by_channel) == sorted([str(ANNOUNCE_CHANNEL_ID), str(OTHER_CHANNEL_ID)])
        for messages in by_channel.values():
            [message] = messages
            assert message["embeds"][0] == announcement_embed(facts, "https://www.reddit.com/r/NASCAR/comments/abc123/"
                                                              if facts is races[0] else None).to_dict()
    assert len(discord_fake.channel_messages) == len(races) * 2


async def test_announcement_whose_sender_died_is_found_and_adopted_once_its_claim_lapses(discord_fake, bot, shared_small_store):
    store = shared_small_store[0]
    facts = await race_facts(store, "mid-ohio", 2022, "cup")
    key = race_key(facts.details.race)
    embed = announcement_embed(facts, None)
    digest = content_hash(embed.title or "", str(embed.to_dict()))
    messenger = ChannelMessenger(bot)
    died_at = utc_now()
    # The dead announcer claimed the row and sent the message, then died before recording its id.
    await announcements.claim(
        store, key, DEFAULT_GUILD_ID, ANNOUNCE_CHANNEL_ID, digest, "dead-holder", died_at, died_at + timedelta(minutes=5)
    )
    sent_id = await messenger.send(ANNOUNCE_CHANNEL_ID, embed)
    channels = [
        channel for channel in (await deliveries(store, facts.details.race)).channels if channel.guild_id == DEFAULT_GUILD_ID
    ]

    while_claimed = await Announcer(store, messenger).announce(facts, channels)
    after_lease = await Announcer(store, messenger, clock=lambda: died_at + timedelta(minutes=6)).announce(facts, channels)

    assert [(r.action, r.message_id) for r in while_claimed] == [("busy", None)]
    assert [(r.action, r.message_id) for r in after_lease] == [("recovered", sent_id)]
    assert len(discord_fake.channel_messages) == 1
    recorded = await announcements.get(store, key, DEFAULT_GUILD_ID)
    assert (recorded.message_id, recorded.content_hash) == (sent_id, digest)
