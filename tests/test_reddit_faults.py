"""The Reddit poster against a misbehaving Reddit: every fault ends with exactly one thread, recorded.

The real asyncpraw client talks to the local fake Reddit; the fake's docstring lists how the
client reacts to each fault. Faults marked `commit` make the post stick although the client
sees an error, which is where a naive retry would post twice.
"""

from __future__ import annotations

import asyncio
import os
import random
import sys
import time
from pathlib import Path

import pytest

from bot.reddit import CLAIM_LEASE_SECONDS, PostingPaused, RedditPoster, RetryPolicy, Thread, content_hash, reddit_client
from bot.render.recap import marker
from bot.settings import RedditSettings, Secret
from db import threads
from db.store import Store
from testkit.fakes.reddit_server import FakeReddit, Fault, ratelimit_error, skip_client_sleeps

ROOT = Path(__file__).resolve().parents[1]
SUBREDDIT = "pitboard_test"
SUBMIT = "/api/submit"
EDIT = "/api/editusertext"
TIMEOUT = 0.3
SLOW = TIMEOUT * 20   # held past the client's timeout; the fake drops it when the client hangs up
POLICY = RetryPolicy(attempts=3, base_delay=0.01, max_delay=600, jitter=0)


def thread(key: str = "nascar-5274", subreddit: str = SUBREDDIT, revision: int = 1) -> Thread:
    return Thread(key, subreddit, f"Post-Race Thread: {key}", f"Results, revision {revision}.\n\n{marker(key)}")


@pytest.fixture
async def fake():
    async with FakeReddit(subreddits=(SUBREDDIT, "NASCAR", "Trucks")) as server:
        yield server


@pytest.fixture
async def reddit(fake):
    settings = RedditSettings(fake.client_id, Secret(fake.client_secret), fake.username, Secret(fake.password))
    async with reddit_client(settings, oauth_url=fake.url, reddit_url=fake.url, requestor_kwargs={"timeout": TIMEOUT}) as client:
        yield client


@pytest.fixture
async def store(empty_db):
    async with Store.open(empty_db) as store:
        yield store


@pytest.fixture
def client_sleeps():
    with skip_client_sleeps() as logged:
        yield logged


@pytest.fixture
def sleeps():
    return []


@pytest.fixture
def clock():
    return [time.time()]


@pytest.fixture
def poster(reddit, store, sleeps, clock, client_sleeps):
    async def sleep(seconds):
        sleeps.append(seconds)

    return RedditPoster(reddit, store, retry=POLICY, clock=lambda: clock[0], sleep=sleep)


def listing_path(fake: FakeReddit) -> str:
    return f"/user/{fake.username}/submitted"


async def assert_one_thread_recorded(fake: FakeReddit, store: Store, thread: Thread) -> str:
    """Exactly one submission carries the thread's marker, and the ledger has its id; returns the id."""
    [record] = [s for s in fake.submissions_in(thread.subreddit) if marker(thread.key) in s.selftext]
    row = await threads.get(store, thread.key, thread.subreddit)
    assert (row.state, row.submission_id) == ("posted", record.id)
    return record.id


FAULTS = {
    "500": dict(status=500),
    "502": dict(status=502),
    "503": dict(status=503),
    "408": dict(status=408),
    "429 retry-after": dict(status=429, retry_after=7),
    "RATELIMIT body": dict(api_error=ratelimit_error("9 minutes")),
    "slow answer": dict(delay=SLOW),
    "dropped connection": dict(drop=True),
    "committed then 502": dict(status=502, commit=True),
    "committed then 503": dict(status=503, commit=True),
    "committed then dropped": dict(drop=True, commit=True),
    "committed then timeout": dict(delay=SLOW, commit=True),
}
SERVER_WAITS = {"429 retry-after": 7, "RATELIMIT body": 540}


@pytest.mark.parametrize("fault", FAULTS)
async def test_one_fault_on_submit_still_posts_exactly_once(fake, store, poster, sleeps, client_sleeps, fault):
    fake.fail_next(SUBMIT, **FAULTS[fault])

    result = await poster.publish(thread())

    submission_id = await assert_one_thread_recorded(fake, store, thread())
    committed = FAULTS[fault].get("commit", False)
    assert (result.action, result.submission_id) == ("recovered" if committed else "posted", submission_id)
    assert len(fake.requests_to(SUBMIT)) == (1 if committed else 2)
    assert [s for s in client_sleeps if s.kind == "retry"] == []  # asyncprawcore re-sent nothing
    assert sleeps == [SERVER_WAITS.get(fault, POLICY.base_delay)]


async def test_faults_outlasting_the_attempts_defer_and_the_next_run_posts(fake, store, poster):
    fake.fail_next(SUBMIT, status=503, times=POLICY.attempts)

    deferred = await poster.publish(thread())

    assert (deferred.action, deferred.submission_id, deferred.error) == ("deferred", None, "POST /api/submit: HTTP 503")
    row = await threads.get(store, thread().key, SUBREDDIT)
    assert (row.state, row.attempts, row.last_error) == ("pending", POLICY.attempts, deferred.error)
    assert fake.submissions == {}
    assert (await poster.publish(thread())).action == "posted"
    await assert_one_thread_recorded(fake, store, thread())


async def test_post_made_while_the_listing_is_down_is_recovered_later(fake, store, poster, sleeps):
    fake.fail_next(SUBMIT, status=502, commit=True)
    fake.fail_next(listing_path(fake), status=429, times=POLICY.attempts - 1)

    deferred = await poster.publish(thread())

    assert deferred.action == "deferred"
    assert sleeps == [POLICY.base_delay, 1]  # back-off, then the listing's retry-after
    assert (await poster.publish(thread())).action == "recovered"
    await assert_one_thread_recorded(fake, store, thread())
    assert len(fake.requests_to(SUBMIT)) == 1


async def test_ratelimit_wait_is_capped_by_the_policy(fake, reddit, store, sleeps):
    async def sleep(seconds):
        sleeps.append(seconds)

    poster = RedditPoster(reddit, store, retry=RetryPolicy(attempts=2, base_delay=0.01, max_delay=120, jitter=0), sleep=sleep)
    fake.fail_next(SUBMIT, api_error=ratelimit_error("9 minutes"))

    assert (await poster.publish(thread())).action == "posted"
    assert sleeps == [120]


@pytest.mark.parametrize("fault", ["500", "dropped connection", "slow answer"])
async def test_transient_fault_on_edit_is_retried(fake, store, poster, clock, fault):
    await poster.publish(thread(revision=1))
    clock[0] += 3600
    fake.fail_next(EDIT, **FAULTS[fault])

    result = await poster.publish(thread(revision=2))

    assert result.action == "edited"
    [record] = fake.submissions_in(SUBREDDIT)
    assert record.selftext == thread(revision=2).body
    assert len(fake.requests_to(SUBMIT)) == 1


async def test_forbidden_edit_pauses_posting_and_is_tried_again(fake, store, poster, clock):
    await poster.publish(thread(revision=1))
    clock[0] += 3600
    fake.fail_next(EDIT, status=403)

    with pytest.raises(PostingPaused, match="403"):
        await poster.publish(thread(revision=2))

    assert len(fake.requests_to(EDIT)) == 1
    row = await threads.get(store, thread().key, SUBREDDIT)
    assert (row.state, row.content_hash) == ("posted", content_hash(thread().title, thread(revision=1).body))
    assert (await poster.publish(thread(revision=2))).action == "edited"
    [record] = fake.submissions_in(SUBREDDIT)
    assert record.selftext == thread(revision=2).body


async def test_a_token_expired_behind_two_server_errors_is_renewed_not_taken_for_the_account(fake, reddit, store, poster):
    """asyncprawcore raises InvalidToken when a 401 lands on its last attempt, here after a 500 and a 502: the token had
    only expired (fault run seed 12). The poster tries once more, with a new token, and posts; no pause."""
    await reddit.user.me()                          # the client holds a token (and knows its user)...
    fake.expire_tokens()                            # ... and the token expires
    fake.fail_next(SUBMIT, status=500)              # an uncertain submit: the next attempt looks for it first
    fake.fail_next(listing_path(fake), status=500)  # ... and that look meets a 500, a 502, then the 401
    fake.fail_next(listing_path(fake), status=502)

    result = await poster.publish(thread())

    assert result.action == "posted"
    await assert_one_thread_recorded(fake, store, thread())
    looks = [request.fault for request in fake.requests_to(listing_path(fake))]
    assert looks == [Fault(status=500), Fault(status=502), None, None]   # the 401, then the look with a new token


async def test_a_token_refused_again_after_renewal_pauses_posting(fake, store, poster):
    fake.fail_next(SUBMIT, status=500)
    for _ in range(2):   # the first look ends on a 401 after two 5xx; the look with a new token too
        for status in (500, 502, 401):
            fake.fail_next(listing_path(fake), status=status)

    with pytest.raises(PostingPaused, match="access token rejected"):
        await poster.publish(thread())
    assert fake.submissions_in(SUBREDDIT) == []


async def test_killed_between_submit_and_record_is_recovered_by_the_next_run(fake, store):
    fake.fail_next(SUBMIT, commit=True, delay=60)
    environment = {
        **os.environ,
        "REDDIT_CLIENT_ID": fake.client_id,
        "REDDIT_CLIENT_SECRET": fake.client_secret,
        "REDDIT_USERNAME": fake.username,
        "REDDIT_PASSWORD": fake.password,
    }
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "testkit.reddit_publish_process", fake.url, str(store.path),
        thread().key, thread().subreddit, thread().title, thread().body,
        env=environment, cwd=ROOT, stdout=asyncio.subprocess.PIPE,
    )
    try:
        async with asyncio.timeout(20):
            while not fake.submissions_in(SUBREDDIT):
                await asyncio.sleep(0.02)
    finally:
        child.kill()
    assert await child.wait() == -9
    assert await child.stdout.read() == b""
    row = await threads.get(store, thread().key, SUBREDDIT)
    assert (row.state, row.submission_id) == ("pending", None) and row.claimed_by is not None

    async with reddit_client(
        RedditSettings(fake.client_id, Secret(fake.client_secret), fake.username, Secret(fake.password)),
        oauth_url=fake.url, reddit_url=fake.url,
    ) as reddit:
        while_claimed = await RedditPoster(reddit, store).publish(thread())  # the dead process's claim still runs
        after_lease = time.time() + CLAIM_LEASE_SECONDS + 1
        result = await RedditPoster(reddit, store, clock=lambda: after_lease).publish(thread())
    assert (while_claimed.action, while_claimed.error) == ("deferred", "another process is writing this thread")

    [record] = fake.submissions_in(SUBREDDIT)
    assert (result.action, result.submission_id) == ("recovered", record.id)
    assert await assert_one_thread_recorded(fake, store, thread()) == record.id
    assert len(fake.requests_to(SUBMIT)) == 1


RANDOM_FAULTS = [
    (SUBMIT, dict(status=500)),
    (SUBMIT, dict(status=503, commit=True)),
    (SUBMIT, dict(status=502, commit=True)),
    (SUBMIT, dict(drop=True)),
    (SUBMIT, dict(drop=True, commit=True)),
    (SUBMIT, dict(status=429, retry_after=2)),
    (SUBMIT, dict(api_error=ratelimit_error("3 minutes"))),
    (SUBMIT, dict(delay=SLOW, commit=True)),
    (EDIT, dict(status=503)),
    (EDIT, dict(drop=True, commit=True)),
    ("LISTING", dict(status=503)),
    ("LISTING", dict(status=429)),
    ("LISTING", dict(drop=True)),
]


async def test_random_faults_never_duplicate_or_lose_a_thread(fake, store, poster, clock):
    rng = random.Random(5274)
    subreddits = [SUBREDDIT, "NASCAR", "Trucks"]
    keys = [f"cup-2024-r{n}" for n in range(1, 9)]
    wanted = [(key, subreddit) for key in keys for subreddit in subreddits]
    revision = {key: 1 for key in keys}
    faulty_rounds, rounds = 4, 7
    actions = []
    for round_number in range(rounds):
        clock[0] += 3600
        if round_number == 2:
            revision.update({key: 2 for key in rng.sample(keys, 4)})
        rng.shuffle(wanted)
        for key, subreddit in wanted:
            if round_number < faulty_rounds:
                for _ in range(rng.choice([0, 0, 1, 1, 2, 3])):
                    path, fault = rng.choice(RANDOM_FAULTS)
                    fake.fail_next(listing_path(fake) if path == "LISTING" else path, **fault)
                if rng.random() < 0.1:
                    fake.expire_tokens()
            actions.append((await poster.publish(thread(key, subreddit, revision[key]))).action)

    assert {"posted", "recovered", "edited", "deferred", "unchanged"} <= set(actions)
    assert len(fake.submissions) == len(wanted)
    for key, subreddit in wanted:
        await assert_one_thread_recorded(fake, store, thread(key, subreddit))
        [record] = [s for s in fake.submissions_in(subreddit) if marker(key) in s.selftext]
        assert record.selftext == thread(key, subreddit, revision[key]).body
