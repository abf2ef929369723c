"""One replayed race through the bot as `pitboard run` assembles it (issue 11, "Done when").

`bot.runner.assembled_bot` builds the store, the feed client, Reddit and the bot from Settings, exactly as `pitboard
run` does; here its Discord is the fake Discord (real discord.py), its Reddit the fake Reddit (real asyncpraw), its feed
the local feed server playing the recorded 2026 Chicagoland race frame by frame, and its race-day clock a manual one.
The race weekend's own loop and the feed watcher's own poll do the rest: the pre-race post and thread, the reminder,
the live board with its events, the live thread, the post-race thread; a second process takes over mid-race.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from bot.pitboard import Pitboard
from bot.race_weekend import PRE_RACE_ITEM, RaceWeekend
from bot.reddit_race_day import RedditRaceDay
from bot.runner import assembled_bot
from bot.settings import RaceDaySettings, RedditSettings, Secret, Settings
from db import guilds, lifecycle
from db.lifecycle import RaceState
from db.store import Store
from testkit.clock import ManualClock
from testkit.discord_harness import embed_text, race_day_guild
from testkit.fakes.discord_server import FakeDiscord, redirect_discord_to
from testkit.fakes.feed_server import FakeFeed
from testkit.fakes.reddit_server import FakeReddit, SubmissionRecord, skip_client_sleeps
from testkit.race_weekend import (
    FRAMES,
    GREEN,
    RACE_KEY,
    RACE_LIST,
    REMINDER_MINUTES,
    TV_DELAY,
    WEEKEND_FEED,
    AnnounceChannels,
    item_of,
    lap_of,
    moment,
    official_weekend_feed,
    race_entry,
    race_list,
    set_up_two_servers,
)

START = GREEN - timedelta(hours=2)
SUBREDDIT = "NASCAR"
RESTART_AT_LAP = 100                # the first process stops here; a second one takes over on the same database
LIVE_THREAD_EDIT_SECONDS = 60
SUBMIT = "/api/submit"


@dataclass(kw_only=True)
class RaceDay(AnnounceChannels):
    reddit: FakeReddit
    feed: FakeFeed
    settings: Settings

    @contextlib.asynccontextmanager
    async def process(self) -> AsyncIterator[tuple[Pitboard, RaceWeekend]]:
        """A `pitboard run` process on the fakes, connected, after its race weekend's first round."""
        reddit = {"oauth_url": self.reddit.url, "reddit_url": self.reddit.url, "requestor_kwargs": {"timeout": 2}}
        async with assembled_bot(self.settings, watcher_clock=self.clock.now, live_clock=self.clock, reddit_options=reddit,
                                 guild_ready_timeout=0.05) as bot:
            await bot.login(self.discord.token)
            connection = asyncio.create_task(bot.connect())
            try:
                await asyncio.wait_for(bot.wait_until_ready(), timeout=10)
                assert bot.race_weekend is not None
                await bot.race_weekend.wait_for_tick(1)
                await self.settle(bot)
                yield bot, bot.race_weekend
            finally:
                await bot.close()
                await asyncio.wait_for(connection, timeout=10)

    async def official(self, bot: Pitboard) -> None:
        """NASCAR makes the race official; the feed watcher's poll reads it (and posts the post-race thread)."""
        self.feed.serve(RACE_LIST, race_list(race_entry(tv="CW", official=True)))
        self.feed.serve(WEEKEND_FEED, official_weekend_feed())
        watcher = bot.get_cog("WatcherCog")
        assert watcher is not None
        await watcher.poll()   # type: ignore[attr-defined]

    def threads(self) -> dict[str, SubmissionRecord]:
        """The subreddit's submissions by title prefix (Pre-Race, Live Thread, Post-Race Thread)."""
        return {record.title.split(":")[0]: record for record in self.reddit.submissions_in(SUBREDDIT)}


@contextlib.asynccontextmanager
async def race_day(small_db: Path, tmp_path: Path) -> AsyncIterator[RaceDay]:
    db_path = tmp_path / "pitboard.db"
    shutil.copy(small_db, db_path)
    live_now, delayed = race_day_guild(1), race_day_guild(2)
    async with Store.open(db_path) as store:
        await set_up_two_servers(store, live_now, delayed)
        await guilds.add_subreddit(store, live_now.guild_id, "xfinity", SUBREDDIT)
    clock = ManualClock(START)
    async with (FakeFeed() as feed, FakeDiscord(guilds=[live_now.guild, delayed.guild], clock=clock.time) as discord_fake,
                FakeReddit(subreddits=(SUBREDDIT,), clock=clock.time) as reddit_fake):
        feed.serve(RACE_LIST, race_list())
        feed.play(FRAMES)
        settings = Settings(
            db_path=db_path, discord_token=Secret(discord_fake.token), feed_url=feed.base_url,
            watch_f1=False,     # a NASCAR race day: no F1 results to fetch (and only loopback hosts in tests)
            reddit=RedditSettings(client_id=reddit_fake.client_id, client_secret=Secret(reddit_fake.client_secret),
                                  username=reddit_fake.username, password=Secret(reddit_fake.password)),
            race_day=RaceDaySettings(live_reddit_thread=True, live_thread_edit_seconds=LIVE_THREAD_EDIT_SECONDS),
        )
        with redirect_discord_to(discord_fake), skip_client_sleeps():
            yield RaceDay(discord=discord_fake, reddit=reddit_fake, feed=feed, clock=clock, settings=settings,
                          servers=[live_now, delayed])


async def test_one_replayed_race_drives_discord_and_reddit_once_each_across_a_restart(small_db, tmp_path):
    async with race_day(small_db, tmp_path) as day:
        live_now, delayed = day.servers
        frames = iter(FRAMES)
        async with day.process() as (bot, weekend):
            # Two hours before green: the pre-race embed in both servers, the pre-race thread, a scheduled event.
            assert (await lifecycle.load(bot.store, RACE_KEY)).state is RaceState.PRE_RACE
            for server in day.servers:
                assert day.items(server) == [PRE_RACE_ITEM]
            assert list(day.threads()) == ["Pre-Race"]
            [scheduled] = day.discord.scheduled_events.values()
            assert scheduled["guild_id"] == str(live_now.guild_id)
            # The reminder, on time, in the one server that set it.
            await day.step(bot, weekend, GREEN - timedelta(minutes=REMINDER_MINUTES))
            assert day.items(live_now) == [PRE_RACE_ITEM, "reminder"] and day.items(delayed) == [PRE_RACE_ITEM]
            for frame in frames:
                day.feed.advance_to(frame.seconds)
                await day.step(bot, weekend, moment(frame))
                if lap_of(frame) == RESTART_AT_LAP:
                    break
            assert (await lifecycle.load(bot.store, RACE_KEY)).state is RaceState.LIVE
            assert sorted(day.threads()) == ["Live Thread", "Pre-Race"]
        async with day.process() as (bot, weekend):   # another process, in the middle of the race
            for frame in frames:
                day.feed.advance_to(frame.seconds)
                await day.step(bot, weekend, moment(frame))
            assert (await lifecycle.load(bot.store, RACE_KEY)).state is RaceState.FINISHED
            await day.step(bot, weekend, day.clock.now() + timedelta(minutes=30))
            await day.official(bot)
            await day.step(bot, weekend, day.clock.now() + timedelta(minutes=2))
            await day.official(bot)           # a later poll: the links the edit interval held back
            [reddit_side] = [publisher for publisher in bot.race_day_publishers if isinstance(publisher, RedditRaceDay)]
            await reddit_side.settled()
            assert (await lifecycle.load(bot.store, RACE_KEY)).state is RaceState.OFFICIAL

        # Discord: one pre-race post, one reminder, one board edited all race long, each event once, in both servers.
        events = {}
        for server in day.servers:
            items = day.items(server)
            assert items.count("board") == 1 and items.count(PRE_RACE_ITEM) == 1 and len(items) == len(set(items)), items
            recaps = [message for message in day.discord.channel_history(server.announce_id) if item_of(message) is None]
            assert len(recaps) == 1 and "Brandon Jones" in embed_text(recaps[0]["embeds"][0])   # the post-race announcement
            events[server.guild_id] = [item for item in items if item.startswith(f"{RACE_KEY}:")]
        assert events[live_now.guild_id] == events[delayed.guild_id]
        kinds = [event.split(":")[1] for event in events[live_now.guild_id]]
        assert kinds[0] == "green" and kinds[-1] == "checkered" and "catch-up" not in kinds
        assert {"caution", "stage-end", "leader", "restart", "white"} <= set(kinds)
        day.assert_held_back(live_now, delayed, [*events[live_now.guild_id], "board"], timedelta(seconds=TV_DELAY))
        day.assert_only_the_reminder_pinged(live_now.fans_role_id)

        # Reddit: three threads posted once each, linked to each other; the live one edited at most once a minute.
        made = day.threads()
        assert sorted(made) == ["Live Thread", "Post-Race Thread", "Pre-Race"]
        assert len(day.reddit.requests_to(SUBMIT)) == 3
        url = {name: f"https://www.reddit.com/r/{SUBREDDIT}/comments/{record.id}/" for name, record in made.items()}
        pre, live, post = made["Pre-Race"], made["Live Thread"], made["Post-Race Thread"]
        assert f"[Live thread]({url['Live Thread']}) · [Post-race thread]({url['Post-Race Thread']})" in pre.selftext
        assert f"[Pre-race thread]({url['Pre-Race']}) · [Post-race thread]({url['Post-Race Thread']})" in live.selftext
        assert f"[Pre-race thread]({url['Pre-Race']}) · [Live thread]({url['Live Thread']})" in post.selftext
        assert "Lap 201 of 201" in live.selftext and "Brandon Jones" in post.selftext
        live_edits = [revision.at for revision in live.history]
        assert len(live_edits) > 20
        gaps = [later - earlier for earlier, later in zip(live_edits, live_edits[1:], strict=False)]
        assert min(gaps) >= LIVE_THREAD_EDIT_SECONDS
        checkered = [message for message in day.discord.channel_history(live_now.announce_id)
                     if item_of(message) == events[live_now.guild_id][-1]]
        assert "Brandon Jones" in embed_text(checkered[0]["embeds"][0])
