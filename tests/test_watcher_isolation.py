"""The watcher keeps going: one race's trouble never stalls the others, and Reddit's refusal of the account
defers posting (logged once) instead of failing threads for good.

The real feed client reads the local feed server, the real asyncpraw posts to the fake Reddit. Race day is
the 2023 Richmond weekend: the Cup race (5274) and the Xfinity race the day before (5316, built from the
Cup document), both official, both wanted in r/NASCAR.
"""

from __future__ import annotations

import json
import logging

import aiohttp
import discord
import pytest

import testkit.feed_states as day
from bot.feed import FeedClient, FeedUnavailable
from bot.race_day import Announcer, Undeliverable
from bot.reddit import RedditPoster, RetryPolicy, reddit_client
from bot.settings import RedditSettings, Secret
from bot.watcher import Watcher
from db import guilds, threads
from testkit.fakes.feed_server import FakeFeed, FeedFault
from testkit.fakes.reddit_server import FakeReddit, skip_client_sleeps

TITLE = "Post-Race Thread: {race_at_track} ({series})"
GUILD = 42
XFINITY_RACE_ID = 5316
XFINITY_PATH = f"2023/2/{XFINITY_RACE_ID}/weekend-feed.json"
CUP_KEY, XFINITY_KEY = f"nascar-{day.RACE_ID}", f"nascar-{XFINITY_RACE_ID}"


def race_list() -> bytes:
    """Both Richmond races finished and official."""
    document = json.loads(day.race_list(finished=True, official=True))
    entry = next(race for race in document["series_2"] if race["race_id"] == XFINITY_RACE_ID)
    entry.update(winner_driver_id=day.LARSON, inspection_complete=True)
    return json.dumps(document).encode()


def xfinity_weekend(state: str = "official", poison: bool = False) -> bytes:
    """The Cup document (`official` or `revised`) relabelled as the Xfinity race; `poison` puts an integer
    past 2^63 in a result."""
    document = json.loads(day.weekend(state))
    race = document["weekend_race"][0]
    race.update(race_id=XFINITY_RACE_ID, series_id=2, race_name="ToyotaCare 250", inspection_complete=True,
                race_date="2023-04-01T13:00:00", date_scheduled="2023-04-01T13:00:00")
    for line in race["results"]:
        line.update(series_id=2, race_id=XFINITY_RACE_ID)
    if poison:
        race["results"][3]["laps_completed"] = 2**64
    return json.dumps(document).encode()


def reddit_settings(fake: FakeReddit, password: str | None = None) -> RedditSettings:
    return RedditSettings(fake.client_id, Secret(fake.client_secret), fake.username, Secret(password or fake.password))


@pytest.fixture
async def feed():
    async with FakeFeed() as server:
        server.serve(day.RACE_LIST_PATH, race_list())
        server.serve(day.WEEKEND_PATH, day.weekend("official"))
        server.serve(XFINITY_PATH, xfinity_weekend())
        yield server


@pytest.fixture
async def reddit_fake():
    async with FakeReddit(subreddits=("NASCAR", "Trucks")) as server:
        yield server


@pytest.fixture
async def session():
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
async def watcher_for(small_store, feed, reddit_fake, session):
    """A watcher wired to the fakes at race end, posting with `password` (the right one by default)."""
    clients = []

    async def make(password: str | None = None, announcer: Announcer | None = None) -> Watcher:
        reddit = reddit_client(reddit_settings(reddit_fake, password), oauth_url=reddit_fake.url, reddit_url=reddit_fake.url,
                               requestor_kwargs={"timeout": 2})
        clients.append(reddit)
        poster = RedditPoster(reddit, small_store, retry=RetryPolicy(attempts=2, base_delay=0, max_delay=0), min_edit_interval=0)
        return Watcher(small_store, FeedClient(session, feed.base_url, timeout=2), poster=poster, title_template=TITLE,
                       announcer=announcer, clock=lambda: day.FINISHED)

    with skip_client_sleeps():
        yield make
    for reddit in clients:
        await reddit.close()


async def wants(store, series: str, *subreddits: str) -> None:
    for subreddit in subreddits:
        await guilds.add_subreddit(store, GUILD, series, subreddit)


def threads_in(fake: FakeReddit, subreddit: str, key: str) -> list:
    return [s for s in fake.submissions_in(subreddit) if f"#pitboard:{key})" in s.selftext]


async def test_poisoned_weekend_feed_skips_only_its_race_and_is_fetched_whole_next_poll(
    small_store, feed, reddit_fake, watcher_for, caplog
):
    await wants(small_store, "cup", "NASCAR")
    await wants(small_store, "xfinity", "NASCAR")
    feed.serve(XFINITY_PATH, xfinity_weekend(poison=True))
    watcher = await watcher_for()

    first = await watcher.poll()
    second = await watcher.poll()

    assert first.rejected == second.rejected == [feed.base_url + "/" + XFINITY_PATH]
    assert [o.action for o in first.published] == ["posted"]     # the Cup race went on
    assert len(threads_in(reddit_fake, "NASCAR", CUP_KEY)) == 1 and threads_in(reddit_fake, "NASCAR", XFINITY_KEY) == []
    poisoned = feed.requests_for(XFINITY_PATH)
    assert [(r.if_none_match, r.status) for r in poisoned] == [(None, 200), (None, 200)]   # its ETag was forgotten
    assert feed.requests_for(day.WEEKEND_PATH)[-1].status == 304  # the good one's was kept
    assert (
        f"rejected, database unchanged: {feed.base_url}/{XFINITY_PATH}: weekend_race[0].results[3].laps_completed" in caplog.text
    )

    feed.serve(XFINITY_PATH, xfinity_weekend())  # the feed is fixed: imported and posted on the next poll
    third = await watcher.poll()
    assert third.rejected == [] and "weekend 5316" in " ".join(third.imported)
    assert len(threads_in(reddit_fake, "NASCAR", XFINITY_KEY)) == 1 and len(threads_in(reddit_fake, "NASCAR", CUP_KEY)) == 1


class FailingForOneRace:
    """Discord refusing one race's announcement with an unexpected error (a bug's stand-in); the rest is delivered."""

    def __init__(self, failing_key: str):
        self.failing_key = failing_key
        self.sent: list[str] = []

    async def send(self, channel_id: int, embed: discord.Embed) -> int:
        if embed.footer.text.endswith(self.failing_key):
            raise RuntimeError("unexpected trouble")
        self.sent.append(embed.footer.text)
        return len(self.sent)

    async def edit(self, channel_id: int, message_id: int, embed: discord.Embed) -> None:
        raise Undeliverable("not expected in this test")

    async def find(self, channel_id: int, marker: str) -> int | None:
        return None


async def test_an_exception_with_one_race_is_logged_with_the_race_and_the_others_go_on(
    small_store, reddit_fake, watcher_for, caplog
):
    await wants(small_store, "cup", "NASCAR")
    await wants(small_store, "xfinity", "NASCAR")
    await guilds.set_announce_channel(small_store, GUILD, 4242)
    messenger = FailingForOneRace(XFINITY_KEY)   # the Xfinity race comes first (it started a day earlier)
    watcher = await watcher_for(announcer=Announcer(small_store, messenger))

    report = await watcher.poll()

    assert report.failed_races == [XFINITY_KEY]
    assert "nascar-5316 (2023 ToyotaCare 250): could not post or announce; the other races go on" in caplog.text
    assert [text.rsplit(" ", 1)[-1] for text in messenger.sent] == [f"pitboard:{CUP_KEY}"]
    assert len(threads_in(reddit_fake, "NASCAR", CUP_KEY)) == 1 and len(threads_in(reddit_fake, "NASCAR", XFINITY_KEY)) == 1


async def test_wrong_password_defers_every_poll_logged_once_and_the_right_one_posts(
    small_store, reddit_fake, watcher_for, caplog
):
    await wants(small_store, "cup", "NASCAR", "Trucks")
    await wants(small_store, "xfinity", "NASCAR")
    watcher = await watcher_for(password="wrong")

    with caplog.at_level(logging.INFO):
        reports = [await watcher.poll() for _ in range(3)]

    assert [report.posting_paused for report in reports] == ["bad credentials (invalid_grant)"] * 3
    assert len(reddit_fake.requests_to("/api/v1/access_token")) == 3   # one try per poll, then the poll stops posting
    outage_lines = [r for r in caplog.records if "invalid_grant" in r.getMessage() and r.levelno >= logging.INFO]
    assert [(r.levelno, r.getMessage()) for r in outage_lines] == [
        (
            logging.WARNING,
            "Reddit posting deferred: bad credentials (invalid_grant). No thread is marked failed; trying again every poll.",
        )
    ]
    assert [row.state for row in await threads.all_threads(small_store)] == ["pending"]
    assert reddit_fake.submissions == {}

    fixed = await watcher_for()   # restarted with the right password
    report = await fixed.poll()
    assert report.posting_paused is None and sorted(o.action for o in report.published) == ["posted"] * 3
    assert [
        len(threads_in(reddit_fake, sub, key)) for sub, key in [("NASCAR", CUP_KEY), ("Trucks", CUP_KEY), ("NASCAR", XFINITY_KEY)]
    ] == [1, 1, 1]
    assert {row.state for row in await threads.all_threads(small_store)} == {"posted"}


async def test_reddit_outage_is_reported_again_after_posting_worked(small_store, reddit_fake, watcher_for, caplog):
    await wants(small_store, "cup", "NASCAR")
    watcher = await watcher_for()
    reddit_fake.fail_next("/api/submit", status=403)
    with caplog.at_level(logging.INFO, logger="bot.watcher"):
        paused = await watcher.poll()
        posted = await watcher.poll()
    assert (paused.posting_paused, [o.action for o in posted.published]) == ("HTTP 403: the account may not do that", ["posted"])
    assert [r.levelname for r in caplog.records if "Reddit posting" in r.getMessage()] == ["WARNING", "INFO"]
    assert "Reddit posting works again" in caplog.text


async def test_missing_and_banned_subreddits_fail_reported_once_and_the_others_post(
    small_store, reddit_fake, watcher_for, caplog
):
    reddit_fake.add_subreddit("closed_club", banned=True)
    await wants(small_store, "cup", "closed_club", "NASCAR", "no_such_place")
    watcher = await watcher_for()

    with caplog.at_level(logging.INFO):
        reports = [await watcher.poll() for _ in range(3)]

    assert [o.action for o in reports[0].published] == ["failed", "posted", "failed"]
    assert [o.action for o in reports[2].published] == ["failed", "unchanged", "failed"]
    states = {row.subreddit: (row.state, row.last_error.split(":")[0] if row.last_error else None)
              for row in await threads.all_threads(small_store)}
    assert states == {"closed_club": ("failed", "SUBREDDIT_NOTALLOWED"), "NASCAR": ("posted", None),
                      "no_such_place": ("failed", "SUBREDDIT_NOEXIST")}
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 2 and all("giving up on this version of the thread" in line for line in warnings)
    assert len(reddit_fake.requests_to("/api/submit")) == 3


async def test_one_weekend_feed_down_still_lets_the_other_races_through_then_asks_for_backoff(
    small_store, feed, reddit_fake, watcher_for
):
    await wants(small_store, "cup", "NASCAR")
    await wants(small_store, "xfinity", "NASCAR")
    watcher = await watcher_for()
    await watcher.poll()  # both races known and posted
    [xfinity_before] = [post.selftext for post in threads_in(reddit_fake, "NASCAR", XFINITY_KEY)]
    feed.serve(day.WEEKEND_PATH, day.weekend("revised"))
    feed.serve(XFINITY_PATH, xfinity_weekend("revised"))
    feed.fail_next(XFINITY_PATH, FeedFault(status=503))   # the Xfinity race is read first

    with pytest.raises(FeedUnavailable):
        await watcher.poll()

    [cup] = threads_in(reddit_fake, "NASCAR", CUP_KEY)
    assert "**Josh Berry** won" in cup.selftext     # the Cup revision was imported and the thread edited
    [xfinity] = threads_in(reddit_fake, "NASCAR", XFINITY_KEY)
    assert xfinity.selftext == xfinity_before   # its revision waits for the feed to answer
    feed.faults.clear()
    await watcher.poll()
    assert "**Josh Berry** won" in threads_in(reddit_fake, "NASCAR", XFINITY_KEY)[0].selftext
