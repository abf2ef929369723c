"""Race day end to end: the real bot (discord.py ↔ fake Discord) with its feed watcher task reading the
local feed server and posting through the real asyncpraw ↔ fake Reddit."""

from __future__ import annotations

import aiohttp
import pytest

import testkit.feed_states as day
from bot.feed import FeedClient
from bot.reddit import RedditPoster, RetryPolicy, reddit_client
from bot.settings import RedditSettings, Secret
from db import guilds
from testkit.discord_harness import ANNOUNCE_CHANNEL_ID, guild, running_pitboard
from testkit.fakes.discord_server import DEFAULT_GUILD_ID, FakeDiscord, redirect_discord_to
from testkit.fakes.feed_server import FakeFeed
from testkit.fakes.reddit_server import FakeReddit, skip_client_sleeps


@pytest.fixture
async def world(small_store):
    async with (
        FakeDiscord(guilds=[guild()]) as discord_fake,
        FakeReddit(subreddits=("NASCAR",)) as reddit_fake,
        FakeFeed() as feed,
    ):
        await guilds.set_announce_channel(small_store, DEFAULT_GUILD_ID, ANNOUNCE_CHANNEL_ID)
        await guilds.add_subreddit(small_store, DEFAULT_GUILD_ID, "cup", "NASCAR")
        settings = RedditSettings(client_id=reddit_fake.client_id, client_secret=Secret(reddit_fake.client_secret),
                                  username=reddit_fake.username, password=Secret(reddit_fake.password))
        with redirect_discord_to(discord_fake), skip_client_sleeps():
            async with (
                aiohttp.ClientSession() as session,
                reddit_client(
                    settings, oauth_url=reddit_fake.url, reddit_url=reddit_fake.url, requestor_kwargs={"timeout": 2}
                ) as reddit,
            ):
                poster = RedditPoster(
                    reddit, small_store, retry=RetryPolicy(attempts=3, base_delay=0, max_delay=0), min_edit_interval=0
                )
                clock = {"now": day.FINISHED}
                async with running_pitboard(
                    discord_fake,
                    small_store,
                    feed=FeedClient(session, feed.base_url, timeout=2),
                    poster=poster,
                    watcher_clock=lambda: clock["now"],
                ) as bot:
                    yield bot, discord_fake, reddit_fake, feed, clock


def announcements(discord_fake):
    return [
        request for request in discord_fake.channel_messages if request.path.endswith(f"/channels/{ANNOUNCE_CHANNEL_ID}/messages")
    ]


async def test_official_race_is_posted_announced_and_revised(world):
    bot, discord_fake, reddit_fake, feed, clock = world
    watcher_cog = bot.get_cog("WatcherCog")
    assert watcher_cog.poll.is_running()  # the discord.ext.tasks background task

    feed.serve(day.RACE_LIST_PATH, day.race_list(finished=True, official=True))
    feed.serve(day.WEEKEND_PATH, day.weekend("official"))
    await watcher_cog.poll()

    [thread] = reddit_fake.submissions_in("NASCAR")
    [announcement] = announcements(discord_fake)
    embed = announcement.json["embeds"][0]
    assert embed["title"] == "🏁 2023 Cup R7 · Toyota Owners 400"
    assert "**Kyle Larson** won the Toyota Owners 400 at Richmond Raceway" in embed["description"]
    assert any(thread.id in field["value"] for field in embed["fields"])  # links the Reddit thread
    assert announcement.json["allowed_mentions"] == {"parse": []}

    await watcher_cog.poll()  # a second poll changes nothing anywhere
    assert len(reddit_fake.submissions_in("NASCAR")) == 1 and len(announcements(discord_fake)) == 1

    clock["now"] = day.NEXT_DAY
    feed.serve(day.WEEKEND_PATH, day.weekend("revised"))
    await watcher_cog.poll()
    [thread] = reddit_fake.submissions_in("NASCAR")
    assert "**Josh Berry** won" in thread.selftext and thread.history
    assert len(announcements(discord_fake)) == 1
    [edit] = [request for request in discord_fake.message_edits if f"/channels/{ANNOUNCE_CHANNEL_ID}/messages/" in request.path]
    assert "Josh Berry" in edit.json["embeds"][0]["description"]
