"""Race day on Reddit (bot/reddit_race_day.py): pre-race, live and post-race threads, once each, linked.

The real asyncpraw client talks to the local fake Reddit; the boards are the real Chicagoland replay's, read by the
real feed parser; the post-race thread comes from the existing path (bot/posting.publish_recap). Time is one manual
clock shared by the poster, the publisher's waits and the fake Reddit's edit timestamps.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import asyncpraw
import pytest

from bot.live_race import LiveBoard, live_board
from bot.posting import publish_recap
from bot.reddit import RedditPoster, RetryPolicy, reddit_client
from bot.reddit_race_day import RedditRaceDay
from bot.settings import RaceDaySettings, RedditSettings, Secret
from db import guilds, threads
from db.live_feed import load_replay, read_live_race
from db.models import RaceSummary, RecapFacts
from db.nascar_feed import import_document
from db.prerace import PreRace, prerace
from db.queries import race_details
from db.recaps import recap_facts
from db.records import replace
from db.store import Store, bundled_migrations
from db.threads import ThreadKind
from testkit.fakes.reddit_server import FakeReddit, SubmissionRecord, skip_client_sleeps
from testkit.replays import CHICAGOLAND
from testkit.samples import RICHMOND_FEED

SUBREDDITS = ("NASCAR", "CupRacing")
SUBMIT = "/api/submit"
EDIT = "/api/editusertext"
START = 1_780_000_000.0          # the manual clock's epoch seconds at the start of a test
TITLE_TEMPLATE = "Post-Race Thread: {race_at_track} ({series})"


class Clock:
    """Epoch seconds that move only when a test, or a wait of the publisher, moves them."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class World:
    fake: FakeReddit
    store: Store
    clock: Clock
    reddit: asyncpraw.Reddit

    def publisher(self, *, live_thread: bool = True, edit_seconds: int = 60) -> RedditRaceDay:
        """A process's Reddit race day: its own poster (its own claim token) on the shared store."""
        poster = RedditPoster(self.reddit, self.store, retry=RetryPolicy(attempts=2, base_delay=0, jitter=0),
                              clock=self.clock, sleep=self.clock.sleep)
        settings = RaceDaySettings(live_reddit_thread=live_thread, live_thread_edit_seconds=edit_seconds)
        return RedditRaceDay(poster, settings, sleep=self.clock.sleep)

    def threads_in(self, subreddit: str) -> dict[str, SubmissionRecord]:
        """The subreddit's submissions by title prefix (Pre-Race, Live Thread, Post-Race Thread)."""
        return {record.title.split(":")[0]: record for record in self.fake.submissions_in(subreddit)}


@pytest.fixture
async def world(small_store) -> AsyncIterator[World]:
    await import_document(small_store, RICHMOND_FEED.read_bytes())
    for guild_id, subreddit in enumerate(SUBREDDITS, start=1):
        await guilds.add_subreddit(small_store, guild_id, "cup", subreddit)
    clock = Clock()
    async with FakeReddit(subreddits=SUBREDDITS, clock=clock) as fake:
        settings = RedditSettings(client_id=fake.client_id, client_secret=Secret(fake.client_secret),
                                  username=fake.username, password=Secret(fake.password))
        client = reddit_client(settings, oauth_url=fake.url, reddit_url=fake.url, requestor_kwargs={"timeout": 2})
        with skip_client_sleeps():
            async with client as reddit:
                yield World(fake, small_store, clock, reddit)


@pytest.fixture(scope="module")
def boards() -> list[tuple[float, LiveBoard]]:
    """The Chicagoland replay's boards with the second of the race each was served at."""
    return [(frame.seconds, live_board(read_live_race(frame.documents["live-feed.json"]))) for frame in load_replay(CHICAGOLAND)]


async def richmond(store: Store) -> PreRace:
    return await prerace(store, "richmond", 2023)


async def post_race(store: Store, race: RaceSummary) -> RecapFacts:
    return await recap_facts(store, await race_details(store, race))


async def run_race(world: World, publisher: RedditRaceDay, race: RaceSummary, boards: list[tuple[float, LiveBoard]]) -> None:
    """Every board at its moment of the race, then the checkered flag's final edit once the interval allows it."""
    green = world.clock.now
    for seconds, board in boards:
        world.clock.now = max(world.clock.now, green + seconds)
        await publisher.live(race, board, ())
    await publisher.finished(race, boards[-1][1])
    await publisher.settled()


def edit_times(record: SubmissionRecord) -> list[float]:
    return [revision.at for revision in record.history]


async def test_pre_race_live_and_post_threads_once_each_linked_both_ways(world, boards):
    publisher = world.publisher()
    full = await richmond(world.store)
    race = full.race
    await publisher.pre_race(race, replace(full, lineup=None, pole=None))     # before qualifying
    world.clock.now += 3600
    await publisher.pre_race(race, full)                                      # the lineup arrives: an edit
    world.clock.now += 3600
    await run_race(world, publisher, race, boards)
    world.clock.now += 1800
    await publish_recap(publisher.poster, await post_race(world.store, race), list(SUBREDDITS), TITLE_TEMPLATE)
    world.clock.now += 120
    await publish_recap(publisher.poster, await post_race(world.store, race), list(SUBREDDITS), TITLE_TEMPLATE)

    for subreddit in SUBREDDITS:
        made = world.threads_in(subreddit)
        assert sorted(made) == ["Live Thread", "Post-Race Thread", "Pre-Race"]
        assert len(world.fake.submissions_in(subreddit)) == 3
        pre, live, post = made["Pre-Race"], made["Live Thread"], made["Post-Race Thread"]
        url = {name: f"https://www.reddit.com/r/{subreddit}/comments/{record.id}/" for name, record in made.items()}
        assert "Alex Bowman" not in pre.history[0].selftext and "| 1 | #48 | Alex Bowman | Chevrolet |" in pre.selftext
        assert f"[Live thread]({url['Live Thread']}) · [Post-race thread]({url['Post-Race Thread']})" in pre.selftext
        assert f"[Pre-race thread]({url['Pre-Race']}) · [Post-race thread]({url['Post-Race Thread']})" in live.selftext
        assert f"[Pre-race thread]({url['Pre-Race']}) · [Live thread]({url['Live Thread']})" in post.selftext
        assert "Lap 201 of 201" in live.selftext and "Checkered" in live.selftext    # the final board is shown
        live_edits = edit_times(live)
        assert len(live_edits) > 10                                                  # the board moved along
        assert all(later - earlier >= 60 for earlier, later in zip(live_edits, live_edits[1:], strict=False))
    assert len(world.fake.requests_to(SUBMIT)) == 3 * len(SUBREDDITS)


async def test_a_board_between_edits_waits_and_the_newest_one_is_written(world, boards):
    publisher = world.publisher()
    race = (await richmond(world.store)).race
    (_, first), (_, second), (_, third) = boards[100:103]
    await publisher.live(race, first, ())
    world.clock.now += 20
    await publisher.live(race, second, ())
    world.clock.now += 20
    await publisher.live(race, third, ())
    [live] = world.fake.submissions_in("NASCAR")
    assert live.history == live.history[:1] and f"Lap {first.lap} of" in live.selftext

    world.clock.now += 20                               # a minute after the first write: the newest board, once
    await publisher.live(race, third, ())
    written = zip((first, third), live.history, strict=True)
    assert [revision.selftext.count(f"Lap {board.lap} of") for board, revision in written] == [1, 1]
    assert f"Lap {second.lap} of" not in "".join(revision.selftext for revision in live.history)


async def test_a_restart_posts_and_edits_nothing_twice(world, boards):
    race_day = world.publisher()
    full = await richmond(world.store)
    await race_day.pre_race(full.race, full)
    world.clock.now += 600
    await run_race(world, race_day, full.race, boards[-5:])
    writes = len(world.fake.requests_to(SUBMIT)) + len(world.fake.requests_to(EDIT))

    restarted = world.publisher()                     # a new process on the same store
    world.clock.now += 600
    await restarted.pre_race(full.race, full)
    await restarted.live(full.race, boards[-1][1], ())
    await restarted.finished(full.race, boards[-1][1])
    await restarted.settled()

    assert len(world.fake.requests_to(SUBMIT)) + len(world.fake.requests_to(EDIT)) == writes
    assert sorted(world.threads_in("NASCAR")) == ["Live Thread", "Pre-Race"]


async def test_live_thread_is_off_by_default(world, boards):
    publisher = RedditRaceDay(world.publisher().poster, RaceDaySettings())
    full = await richmond(world.store)
    await publisher.pre_race(full.race, full)
    await run_race(world, publisher, full.race, boards[-3:])
    assert sorted(world.threads_in("NASCAR")) == ["Pre-Race"]


async def test_an_auth_error_pauses_and_a_later_call_posts(world, boards):
    publisher = world.publisher()
    full = await richmond(world.store)
    world.fake.fail_next(SUBMIT, status=403)

    await publisher.pre_race(full.race, full)          # Reddit refuses the account: nothing is posted, nothing fails
    assert world.fake.submissions_in("NASCAR") == [] and world.fake.submissions_in("CupRacing") == []
    assert [row.state for row in await threads.all_threads(world.store)] == ["pending"]

    await publisher.live(full.race, boards[0][1], ())  # the next call writes what waited, and the live thread
    for subreddit in SUBREDDITS:
        assert sorted(world.threads_in(subreddit)) == ["Live Thread", "Pre-Race"]
        row = await threads.get(world.store, (await threads.all_threads(world.store))[0].race_key, subreddit, ThreadKind.PRE)
        assert row is not None and row.state == "posted"


async def test_old_post_race_threads_keep_their_ledger_rows(tmp_path):
    """Migration 0014: a ledger row written before it is the race's post-race thread, found by the old key."""
    path = tmp_path / "old.db"
    before = [migration for migration in bundled_migrations() if migration[0] <= 12]
    async with Store.open(path, migrations=before) as old, old.transaction() as conn:
        await conn.execute("INSERT INTO reddit_threads (race_key, subreddit, state, submission_id, title, content_hash, "
                           "created_at) VALUES ('nascar-5274', 'NASCAR', 'posted', 'abc', 'Post-Race', 'h', '2026-01-01')")
    async with Store.open(path) as store:
        row = await threads.get(store, "nascar-5274", "nascar")
        assert row is not None and (row.kind, row.submission_id, row.body) == (ThreadKind.POST, "abc", None)
        assert await threads.get(store, "nascar-5274", "NASCAR", ThreadKind.PRE) is None


async def test_the_final_board_is_written_when_the_interval_allows_without_another_call(world, boards):
    publisher = world.publisher()
    race = (await richmond(world.store)).race
    (_, before_last), (_, final) = boards[-2:]
    await publisher.live(race, before_last, ())
    world.clock.now += 10
    await publisher.finished(race, final)
    [live] = world.fake.submissions_in("NASCAR")
    assert len(live.history) == 1 and "Checkered" not in live.selftext

    await publisher.settled()                          # waits on the injected clock, no call from the race weekend

    assert [round(at - START) for at in edit_times(live)] == [0, 60]
    assert "Lap 201 of 201" in live.selftext and "Checkered" in live.selftext


@pytest.mark.parametrize("edit_seconds", [60, 150])
async def test_live_thread_edits_keep_the_configured_interval(world, boards, edit_seconds):
    publisher = world.publisher(edit_seconds=edit_seconds)
    race = (await richmond(world.store)).race
    await run_race(world, publisher, race, boards[:40])

    [live] = world.fake.submissions_in("NASCAR")
    gaps = [later - earlier for earlier, later in zip(edit_times(live), edit_times(live)[1:], strict=False)]
    assert gaps and min(gaps) >= edit_seconds
    assert f"Lap {boards[39][1].lap} of" in live.selftext      # the last board of the run is the one shown


async def test_a_cancelled_race_edits_its_pre_race_threads_and_posts_none_where_there_was_none(world):
    publisher = world.publisher()
    full = await richmond(world.store)
    await publisher.pre_race(full.race, full)
    await guilds.add_subreddit(world.store, 3, "cup", "LateSubreddit")   # configured after the pre-race thread went out
    world.clock.now += 600
    await publisher.cancelled(full.race, replace(full, cancelled=True), True)

    for subreddit in SUBREDDITS:
        [pre] = world.fake.submissions_in(subreddit)
        assert "Cancelled" not in pre.history[0].selftext and "**Cancelled**" in pre.selftext
    assert world.fake.submissions_in("LateSubreddit") == []
    assert len(world.fake.requests_to(SUBMIT)) == len(SUBREDDITS)
