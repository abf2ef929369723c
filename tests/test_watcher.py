"""The feed watcher against a local feed server (recorded real documents) and the real asyncpraw ↔ fake Reddit.

Race day for 2023 Richmond: scheduled → running → official → revised; plus feed faults.
"""

from __future__ import annotations

import aiohttp
import pytest

import testkit.feed_states as day
from bot.feed import FeedClient, FeedUnavailable
from bot.reddit import RedditPoster, RetryPolicy, reddit_client
from bot.settings import RedditSettings, Secret
from bot.watcher import Watcher
from db import guilds
from testkit.fakes.feed_server import FakeFeed, FeedFault
from testkit.fakes.reddit_server import FakeReddit, skip_client_sleeps
from testkit.samples import snapshot

TITLE = "Post-Race Thread: {race_at_track} ({series})"
GUILD = 42


class Clock:
    def __init__(self, moment):
        self.moment = moment

    def __call__(self):
        return self.moment


@pytest.fixture
async def feed():
    async with FakeFeed() as server:
        yield server


@pytest.fixture
async def reddit_fake():
    async with FakeReddit(subreddits=("NASCAR", "pitboard_test")) as server:
        yield server


@pytest.fixture
async def rig(small_store, feed, reddit_fake):
    """A watcher wired to the fakes; the store wants Cup threads in r/NASCAR."""
    await guilds.add_subreddit(small_store, GUILD, "cup", "NASCAR")
    settings = RedditSettings(client_id=reddit_fake.client_id, client_secret=Secret(reddit_fake.client_secret),
                              username=reddit_fake.username, password=Secret(reddit_fake.password))
    clock = Clock(day.BEFORE_START)
    async with (
        aiohttp.ClientSession() as session,
        reddit_client(settings, oauth_url=reddit_fake.url, reddit_url=reddit_fake.url, requestor_kwargs={"timeout": 2}) as reddit,
    ):
        poster = RedditPoster(reddit, small_store, retry=RetryPolicy(attempts=3, base_delay=0, max_delay=0), min_edit_interval=0)
        watcher = Watcher(
            small_store, FeedClient(session, feed.base_url, timeout=1.0), poster=poster, title_template=TITLE, clock=clock
        )
        with skip_client_sleeps():
            yield watcher, clock


async def race_status(store):
    return await store.scalar("SELECT status FROM races WHERE source_id = ?", (str(day.RACE_ID),))


async def test_race_day(rig, feed, reddit_fake, small_store):
    watcher, clock = rig
    feed.serve(day.RACE_LIST_PATH, day.race_list(finished=False, official=False))

    report = await watcher.poll()  # before the start: schedule only
    assert report.imported == ["race_list 2023"] and await race_status(small_store) == "scheduled"
    assert feed.requests_for(day.WEEKEND_PATH) == []

    clock.moment = day.RUNNING
    feed.serve(day.WEEKEND_PATH, day.weekend("running"))
    await watcher.poll()
    assert await race_status(small_store) == "scheduled" and reddit_fake.submissions_in("NASCAR") == []

    clock.moment = day.FINISHED
    feed.serve(day.WEEKEND_PATH, day.weekend("provisional"))
    feed.serve(day.RACE_LIST_PATH, day.race_list(finished=True, official=False))
    await watcher.poll()
    assert await race_status(small_store) == "provisional" and reddit_fake.submissions_in("NASCAR") == []

    feed.serve(day.WEEKEND_PATH, day.weekend("official"))
    feed.serve(day.RACE_LIST_PATH, day.race_list(finished=True, official=True))
    report = await watcher.poll()
    assert await race_status(small_store) == "official"
    [thread] = reddit_fake.submissions_in("NASCAR")
    assert thread.title == "Post-Race Thread: Toyota Owners 400 at Richmond Raceway (Cup)"
    assert "**Kyle Larson** won the Toyota Owners 400 at Richmond Raceway" in thread.selftext
    assert "[](#pitboard:nascar-5274)" in thread.selftext
    assert [outcome.action for outcome in report.published] == ["posted"]

    report = await watcher.poll()  # nothing new: conditional GETs, no post, no edit
    assert report.imported == [] and [o.action for o in report.published] == ["unchanged"]
    assert feed.requests_for(day.WEEKEND_PATH)[-1].status == 304

    clock.moment = day.NEXT_DAY
    feed.serve(day.WEEKEND_PATH, day.weekend("revised"))
    report = await watcher.poll()
    [thread] = reddit_fake.submissions_in("NASCAR")
    assert [o.action for o in report.published] == ["edited"] and len(thread.history) >= 1
    assert "**Josh Berry** won" in thread.selftext and "Kyle Larson" in thread.selftext


@pytest.mark.parametrize(
    "fault",
    [FeedFault(status=500), FeedFault(status=503), FeedFault(delay=3.0), FeedFault(drop=True)],
    ids=["500", "503", "slow", "dropped"],
)
async def test_feed_down_raises_for_backoff_and_changes_nothing(rig, feed, small_store, fault):
    watcher, clock = rig
    feed.serve(day.RACE_LIST_PATH, day.race_list(finished=False, official=False))
    # aiohttp itself re-sends a GET once on a dropped keep-alive connection, so drop both tries.
    feed.fail_next(day.RACE_LIST_PATH, fault, times=2 if fault.drop else 1)
    before = await snapshot(small_store)
    with pytest.raises(FeedUnavailable):
        await watcher.poll()
    assert await snapshot(small_store) == before
    report = await watcher.poll()  # and the next poll works
    assert report.imported == ["race_list 2023"]


@pytest.mark.parametrize(
    "broken",
    [
        lambda: day.weekend("official")[:4000],  # truncated JSON
        lambda: day.weekend("official").replace(b'"finishing_position": 5,', b'"finishing_position": "5th",'),  # wrong type
        lambda: day.weekend("official").replace(b'"finishing_position": 12,', b'"finishing_position": 1,'),  # partial/duplicate
        lambda: b"{}",  # empty document
    ],
    ids=["truncated", "wrong-type", "duplicate-position", "empty"],
)
async def test_malformed_weekend_feed_is_logged_and_skipped(rig, feed, reddit_fake, small_store, broken, caplog):
    watcher, clock = rig
    feed.serve(day.RACE_LIST_PATH, day.race_list(finished=True, official=True))
    await watcher.poll()
    clock.moment = day.FINISHED
    feed.serve(day.WEEKEND_PATH, broken())
    before = await snapshot(small_store)
    report = await watcher.poll()
    assert report.rejected and "database unchanged" in caplog.text
    assert await snapshot(small_store) == before and reddit_fake.submissions_in("NASCAR") == []
    feed.serve(day.WEEKEND_PATH, day.weekend("official"))  # the fixed document arrives: ingested and posted
    await watcher.poll()
    assert len(reddit_fake.submissions_in("NASCAR")) == 1


async def test_watcher_without_reddit_still_ingests(small_store, feed):
    async with aiohttp.ClientSession() as session:
        watcher = Watcher(
            small_store, FeedClient(session, feed.base_url), poster=None, title_template=TITLE, clock=Clock(day.FINISHED)
        )
        feed.serve(day.RACE_LIST_PATH, day.race_list(finished=True, official=True))
        feed.serve(day.WEEKEND_PATH, day.weekend("official"))
        await watcher.poll()
    assert await race_status(small_store) == "official"


async def test_conditional_requests(rig, feed):
    watcher, clock = rig
    feed.serve(day.RACE_LIST_PATH, day.race_list(finished=False, official=False))
    await watcher.poll()
    await watcher.poll()
    first, second = feed.requests_for(day.RACE_LIST_PATH)
    assert (first.if_none_match, first.status) == (None, 200)
    assert second.if_none_match and second.status == 304
