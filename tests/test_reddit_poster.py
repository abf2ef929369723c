"""The Reddit poster on a well-behaved Reddit: post once, leave alone, edit, refuse for good.

The real asyncpraw client talks to the local fake Reddit (testkit/fakes/reddit_server.py).
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from datetime import UTC, datetime

import pytest

from bot import cli
from bot.reddit import PostingPaused, RedditPoster, RetryPolicy, Thread, content_hash, reddit_client
from bot.render.recap import marker
from bot.settings import RedditSettings, Secret
from db import threads
from db.build import build_database
from db.records import replace
from db.store import Store
from testkit.fakes.reddit_server import FakeReddit, skip_client_sleeps

SUBREDDIT = "pitboard_test"
SUBMIT = "/api/submit"
EDIT = "/api/editusertext"
KEY = "nascar-5274"


class Clock:
    def __init__(self):
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


def thread(key: str = KEY, subreddit: str = SUBREDDIT, revision: int = 1) -> Thread:
    body = f"**Richmond**, revision {revision}\n\n---\n\n^(Posted by Pitboard.) {marker(key)}"
    return Thread(key, subreddit, f"Post-Race Thread: {key}", body)


def fake_settings(fake: FakeReddit, password: str | None = None) -> RedditSettings:
    return RedditSettings(
        client_id=fake.client_id,
        client_secret=Secret(fake.client_secret),
        username=fake.username,
        password=Secret(password or fake.password),
    )


async def leave_pending(store: Store, thread: Thread) -> None:
    """The ledger as an earlier run leaves it when it dies between recording `pending` and the outcome."""
    await threads.begin(
        store, thread.key, thread.subreddit, thread.title, content_hash(thread.title, thread.body), datetime.now(UTC)
    )


@pytest.fixture
async def fake():
    async with FakeReddit(subreddits=(SUBREDDIT, "NASCAR")) as server:
        yield server


@pytest.fixture
async def reddit(fake):
    async with reddit_client(
        fake_settings(fake), oauth_url=fake.url, reddit_url=fake.url, requestor_kwargs={"timeout": 2}
    ) as client:
        yield client


@pytest.fixture
async def store(empty_db):
    async with Store.open(empty_db) as store:
        yield store


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def sleeps():
    return []


@pytest.fixture
def poster(reddit, store, clock, sleeps):
    async def sleep(seconds):
        sleeps.append(seconds)

    with skip_client_sleeps():
        yield RedditPoster(reddit, store, retry=RetryPolicy(attempts=3, base_delay=0.01, jitter=0), clock=clock, sleep=sleep)


async def test_posts_once_and_records_it(fake, store, poster):
    result = await poster.publish(thread())

    [record] = fake.submissions_in(SUBREDDIT)
    assert (result.action, result.submission_id) == ("posted", record.id)
    assert result.url == f"https://www.reddit.com/r/{SUBREDDIT}/comments/{record.id}/"
    assert (record.title, record.selftext) == (thread().title, thread().body)
    row = await threads.get(store, KEY, SUBREDDIT)
    assert (row.state, row.submission_id, row.attempts, row.last_error) == ("posted", record.id, 1, None)
    assert row.content_hash == content_hash(thread().title, thread().body)
    assert row.posted_at is not None and row.edited_at is None


async def test_same_content_again_is_unchanged_without_asking_reddit(fake, poster):
    first = await poster.publish(thread())
    requests_before = len(fake.requests)

    again = await poster.publish(thread())

    assert (again.action, again.submission_id, again.url) == ("unchanged", first.submission_id, first.url)
    assert len(fake.requests) == requests_before
    assert len(fake.requests_to(SUBMIT)) == 1


async def test_revised_body_edits_the_same_submission(fake, store, poster, clock):
    first = await poster.publish(thread(revision=1))
    clock.now += 61

    revised = await poster.publish(thread(revision=2))

    assert (revised.action, revised.submission_id) == ("edited", first.submission_id)
    [record] = fake.submissions_in(SUBREDDIT)
    assert [revision.selftext for revision in record.history] == [thread(revision=1).body, thread(revision=2).body]
    assert len(fake.requests_to(SUBMIT)) == 1
    row = await threads.get(store, KEY, SUBREDDIT)
    assert (row.state, row.content_hash) == ("posted", content_hash(thread().title, thread(revision=2).body))
    assert row.edited_at is not None


async def test_edit_too_soon_is_deferred_until_the_interval_passed(fake, store, poster, clock):
    await poster.publish(thread(revision=1))
    clock.now += 30

    too_soon = await poster.publish(thread(revision=2))

    assert too_soon.action == "deferred"
    assert fake.requests_to(EDIT) == []
    clock.now += 31
    assert (await poster.publish(thread(revision=2))).action == "edited"
    clock.now += 10
    assert (await poster.publish(thread(revision=3))).action == "deferred"
    assert [r.selftext for r in fake.submissions_in(SUBREDDIT)[0].history] == [thread(revision=n).body for n in (1, 2)]


@pytest.mark.parametrize(
    ("subreddit", "error_type"), [("no_such_place", "SUBREDDIT_NOEXIST"), ("strict", "SUBREDDIT_NOTALLOWED")]
)
async def test_permanent_error_fails_once_without_retrying(fake, store, poster, sleeps, caplog, subreddit, error_type):
    fake.add_subreddit("strict", banned=True)

    with caplog.at_level(logging.INFO, logger="bot.reddit"):
        result = await poster.publish(thread(subreddit=subreddit))
        requests_before = len(fake.requests)
        again = await poster.publish(thread(subreddit=subreddit))

    assert (result.action, result.submission_id) == ("failed", None)
    assert error_type in result.error
    assert (again.action, again.error) == ("failed", result.error)
    assert len(fake.requests) == requests_before
    assert len(fake.requests_to(SUBMIT)) == 1
    assert sleeps == []
    row = await threads.get(store, KEY, subreddit)
    assert (row.state, row.last_error) == ("failed", result.error)
    assert [r.levelno for r in caplog.records if r.levelno >= logging.WARNING] == [logging.WARNING]


async def test_failed_thread_is_tried_again_with_revised_content(fake, poster):
    assert (await poster.publish(thread(subreddit="Trucks"))).action == "failed"
    fake.add_subreddit("Trucks")

    assert (await poster.publish(thread(subreddit="Trucks"))).action == "failed"
    revised = await poster.publish(thread(subreddit="Trucks", revision=2))

    assert revised.action == "posted"
    assert [r.selftext for r in fake.submissions_in("Trucks")] == [thread(revision=2).body]


async def test_wrong_password_pauses_posting_without_failing_and_the_right_one_posts(fake, store, clock):
    async with reddit_client(fake_settings(fake, password="wrong"), oauth_url=fake.url, reddit_url=fake.url) as reddit:
        poster = RedditPoster(reddit, store, retry=RetryPolicy(attempts=3, base_delay=0), clock=clock)
        with pytest.raises(PostingPaused, match="invalid_grant"):
            await poster.publish(thread())
        with pytest.raises(PostingPaused, match="invalid_grant"):  # tried again, never given up on
            await poster.publish(thread())

    assert len(fake.requests_to("/api/v1/access_token")) == 2 and fake.submissions == {}
    row = await threads.get(store, KEY, SUBREDDIT)
    assert (row.state, row.submission_id, row.claimed_by) == ("pending", None, None)
    assert "invalid_grant" in row.last_error
    async with reddit_client(fake_settings(fake), oauth_url=fake.url, reddit_url=fake.url) as reddit:  # restarted, fixed
        result = await RedditPoster(reddit, store, clock=clock).publish(thread())
    [record] = fake.submissions_in(SUBREDDIT)
    assert (result.action, result.submission_id) == ("posted", record.id)


async def test_wrong_app_secret_pauses_posting(fake, store, clock):
    settings = replace(fake_settings(fake), client_secret=Secret("wrong"))
    async with reddit_client(settings, oauth_url=fake.url, reddit_url=fake.url) as reddit:
        with pytest.raises(PostingPaused, match="HTTP 401"):
            await RedditPoster(reddit, store, clock=clock).publish(thread())
    assert (await threads.get(store, KEY, SUBREDDIT)).state == "pending"


async def test_forbidden_submit_pauses_posting(fake, store, poster, sleeps):
    fake.fail_next(SUBMIT, status=403)

    with pytest.raises(PostingPaused, match="403"):
        await poster.publish(thread())

    assert sleeps == [] and fake.submissions == {}
    assert (await threads.get(store, KEY, SUBREDDIT)).state == "pending"
    assert (await poster.publish(thread())).action == "posted"


async def test_two_subreddits_get_one_thread_each(fake, store, poster):
    results = [await poster.publish(thread(subreddit=name)) for name in (SUBREDDIT, "NASCAR", SUBREDDIT, "NASCAR")]

    assert [result.action for result in results] == ["posted", "posted", "unchanged", "unchanged"]
    assert [len(fake.submissions_in(name)) for name in (SUBREDDIT, "NASCAR")] == [1, 1]
    assert {row.subreddit for row in await threads.all_threads(store)} == {SUBREDDIT, "NASCAR"}


async def test_subreddit_names_share_a_ledger_row_whatever_their_case(fake, store, poster):
    posted = await poster.publish(thread(subreddit="NASCAR"))

    again = await poster.publish(thread(subreddit="nascar"))

    assert (again.action, again.submission_id) == ("unchanged", posted.submission_id)
    assert [(row.race_key, row.subreddit) for row in await threads.all_threads(store)] == [(KEY, "NASCAR")]
    assert len(fake.submissions_in("NASCAR")) == 1


async def test_pending_row_looks_for_an_earlier_post_before_submitting(fake, store, poster, clock):
    earlier = fake.seed_submission(SUBREDDIT, thread().title, thread().body)
    fake.seed_submission("NASCAR", thread().title, thread().body)  # same race, other subreddit: not ours
    await leave_pending(store, thread())

    result = await poster.publish(thread())

    assert (result.action, result.submission_id) == ("recovered", earlier.id)
    assert fake.requests_to(SUBMIT) == [] and fake.requests_to(EDIT) == []
    assert (await threads.get(store, KEY, SUBREDDIT)).state == "posted"


async def test_recovered_post_with_older_content_is_edited_at_once(fake, store, poster):
    earlier = fake.seed_submission(SUBREDDIT, thread().title, thread(revision=1).body)
    await leave_pending(store, thread())

    result = await poster.publish(thread(revision=2))

    assert (result.action, result.submission_id) == ("recovered", earlier.id)
    assert earlier.selftext == thread(revision=2).body
    assert fake.requests_to(SUBMIT) == []
    row = await threads.get(store, KEY, SUBREDDIT)
    assert (row.state, row.content_hash) == ("posted", content_hash(thread().title, thread(revision=2).body))


async def test_pending_row_without_an_earlier_post_posts(fake, store, poster):
    await leave_pending(store, thread())

    result = await poster.publish(thread())

    assert result.action == "posted"
    assert len(fake.requests_to(f"/user/{fake.username}/submitted")) == 1
    assert len(fake.submissions_in(SUBREDDIT)) == 1


async def test_body_without_its_marker_is_refused(poster):
    with pytest.raises(ValueError, match="marker"):
        await poster.publish(Thread(KEY, SUBREDDIT, "Title", "no marker here"))


async def test_logs_name_the_thread_and_never_a_secret(fake, poster, caplog):
    with caplog.at_level(logging.DEBUG):
        await poster.publish(thread())

    assert f"r/{SUBREDDIT} {KEY}: posted" in caplog.text
    assert fake.password not in caplog.text and fake.client_secret not in caplog.text


async def test_ledger_survives_a_database_rebuild(reddit, history_subset, tmp_path):
    path = tmp_path / "rebuilt.db"
    async with Store.open(path) as store:
        posted = await RedditPoster(reddit, store).publish(thread())

    await build_database(path, show_progress=False)

    async with Store.open(path) as rebuilt:
        row = await threads.get(rebuilt, KEY, SUBREDDIT)
        assert await rebuilt.scalar("SELECT count(*) FROM races") > 0
    assert (row.state, row.submission_id) == ("posted", posted.submission_id)


@pytest.fixture
def fake_in_its_own_loop():
    """The fake Reddit served from a thread of its own, for the CLI (which runs its own event loop)."""
    loop = asyncio.new_event_loop()
    serving = threading.Thread(target=loop.run_forever, daemon=True)
    serving.start()
    server = asyncio.run_coroutine_threadsafe(FakeReddit(subreddits=("NASCAR",)).start(), loop).result()
    yield server
    asyncio.run_coroutine_threadsafe(server.close(), loop).result()
    loop.call_soon_threadsafe(loop.stop)
    serving.join()
    loop.close()


def test_thread_post_with_a_wrong_password_says_so_in_one_line_and_posts_once_fixed(
    fake_in_its_own_loop, small_store, capsys, monkeypatch, tmp_path
):
    fake = fake_in_its_own_loop
    monkeypatch.chdir(tmp_path)  # no .env here
    # `pitboard thread --post` imports reddit_client from bot.reddit when it posts
    monkeypatch.setattr(
        "bot.reddit.reddit_client", lambda settings: reddit_client(settings, oauth_url=fake.url, reddit_url=fake.url)
    )
    for name, value in [
        ("PITBOARD_DB", str(small_store.path)),
        ("REDDIT_CLIENT_ID", fake.client_id),
        ("REDDIT_CLIENT_SECRET", fake.client_secret),
        ("REDDIT_USERNAME", fake.username),
        ("REDDIT_PASSWORD", "wrong"),
    ]:
        monkeypatch.setenv(name, value)
    command = ["thread", "mid-ohio", "--year", "2022", "--series", "truck", "--post", "--subreddit", "NASCAR"]

    status = cli.main(command)
    out, err = capsys.readouterr()
    assert (status, out) == (1, "")
    assert err.splitlines() == ["pitboard: not posted, Reddit refuses the account: bad credentials (invalid_grant). "
                                "Nothing is marked failed: fix the REDDIT_* settings and run again."]

    monkeypatch.setenv("REDDIT_PASSWORD", fake.password)
    status = cli.main(command)
    out, err = capsys.readouterr()
    [post] = fake.submissions_in("NASCAR")
    assert (status, out, err) == (0, f"r/NASCAR: posted https://www.reddit.com/r/NASCAR/comments/{post.id}/\n", "")
