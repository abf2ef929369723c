"""Self-test of the fake Reddit server, driven by the real Async PRAW client.

Besides proving the fake works, the fault tests pin down what the real client raises
for each failure, so the poster can be written against known behaviour.
"""

import aiohttp
import asyncpraw
import asyncprawcore
import pytest
from asyncpraw.exceptions import RedditAPIException

from testkit.fakes.reddit_server import ClientSleep, FakeReddit, ratelimit_error, skip_client_sleeps

SUBREDDIT = "pitboard_test"
SUBMIT = "/api/submit"
TIMEOUT = 0.5


@pytest.fixture
async def fake():
    async with FakeReddit(subreddits=(SUBREDDIT,)) as server:
        yield server


@pytest.fixture
async def reddit(fake):
    async with asyncpraw.Reddit(**fake.client_kwargs(timeout=TIMEOUT)) as client:
        yield client


@pytest.fixture
def client_sleeps():
    with skip_client_sleeps() as sleeps:
        yield sleeps


async def submit(reddit, subreddit=SUBREDDIT, title="Race results", selftext="body"):
    return await (await reddit.subreddit(subreddit)).submit(title, selftext=selftext)


async def test_authenticates_with_password_grant(fake, reddit):
    me = await reddit.user.me()

    assert me.name == fake.username
    [token_request] = fake.requests_to("/api/v1/access_token")
    assert token_request.form["grant_type"] == "password"
    assert token_request.form["username"] == fake.username
    assert fake.requests_to("/api/v1/me")[0].headers["Authorization"].startswith("bearer ")


async def test_wrong_password_raises_oauth_invalid_grant(fake):
    async with asyncpraw.Reddit(**fake.client_kwargs(password="wrong")) as reddit:
        with pytest.raises(asyncprawcore.OAuthException) as caught:
            await reddit.user.me()
    assert caught.value.error == "invalid_grant"


async def test_wrong_client_secret_raises_401(fake):
    async with asyncpraw.Reddit(**fake.client_kwargs(client_secret="wrong")) as reddit:
        with pytest.raises(asyncprawcore.ResponseException) as caught:
            await reddit.user.me()
    assert caught.value.response.status == 401


async def test_submit_edit_list_and_load(fake, reddit):
    marker = "<!-- pitboard:race=5274 -->"

    submission = await submit(reddit, title="Richmond results", selftext=f"{marker}\nfirst draft")
    await submission.edit(f"{marker}\nfinal results")

    record = fake.submissions[submission.id]
    assert (record.subreddit, record.title, record.author) == (SUBREDDIT, "Richmond results", fake.username)
    assert [r.selftext for r in record.history] == [f"{marker}\nfirst draft", f"{marker}\nfinal results"]
    assert submission.selftext == f"{marker}\nfinal results"
    assert fake.submissions_in(SUBREDDIT) == [record]
    submit_form = fake.requests_to(SUBMIT)[0].form
    assert (submit_form["kind"], submit_form["sr"], submit_form["api_type"]) == ("self", SUBREDDIT, "json")

    me = await reddit.user.me()
    found = [s async for s in me.submissions.new(limit=5) if marker in s.selftext]
    assert [s.id for s in found] == [submission.id]
    assert found[0].permalink == record.permalink

    loaded = await reddit.submission(submission.id)
    assert (loaded.title, loaded.selftext, loaded.subreddit.display_name) == (
        "Richmond results",
        f"{marker}\nfinal results",
        SUBREDDIT,
    )
    assert loaded.edited == record.edited_utc
    assert loaded.author.name == fake.username

    [info] = [s async for s in reddit.info(fullnames=[record.fullname])]
    assert info.id == submission.id


async def test_listing_is_newest_first_and_honours_limit(fake, reddit):
    for hour in range(7):
        fake.seed_submission(SUBREDDIT, f"Race {hour}", created_utc=1_700_000_000 + 3600 * hour)
    fake.seed_submission(SUBREDDIT, "Someone else's thread", author="another_user")
    redditor = await reddit.redditor(fake.username)

    newest = [s.title async for s in redditor.submissions.new(limit=3)]
    everything = [s.title async for s in redditor.submissions.new(limit=None)]

    assert newest == ["Race 6", "Race 5", "Race 4"]
    assert everything == [f"Race {hour}" for hour in reversed(range(7))]
    first_listing = fake.requests_to(f"/user/{fake.username}/submitted")[0]
    assert (first_listing.query["limit"], first_listing.query["sort"]) == ("3", "new")


async def test_listing_pages_with_after(fake, reddit):
    for index in range(105):
        fake.seed_submission(SUBREDDIT, f"Thread {index}", created_utc=1_700_000_000 + index)
    redditor = await reddit.redditor(fake.username)

    titles = [s.title async for s in redditor.submissions.new(limit=None)]

    assert len(titles) == 105
    assert titles[0] == "Thread 104"
    pages = fake.requests_to(f"/user/{fake.username}/submitted")
    assert [("after" in page.query) for page in pages] == [False, True]


async def test_subreddit_about(fake, reddit):
    fake.add_subreddit("NASCAR", banned=True)

    subreddit = await reddit.subreddit("nascar", fetch=True)

    assert (subreddit.display_name, subreddit.user_is_banned) == ("NASCAR", True)
    with pytest.raises(asyncprawcore.Redirect) as caught:
        await reddit.subreddit("no_such_place", fetch=True)
    assert caught.value.path == "/subreddits/search"


async def test_every_response_carries_ratelimit_headers(fake):
    async with aiohttp.ClientSession() as session, session.get(f"{fake.url}/api/v1/me") as response:
        assert response.status == 401
        assert response.headers["x-ratelimit-remaining"] == "999.0"
        assert {"x-ratelimit-used", "x-ratelimit-reset"} <= {name.lower() for name in response.headers}


async def test_missing_subreddit_is_a_reddit_api_exception(fake, reddit):
    with pytest.raises(RedditAPIException) as caught:
        await submit(reddit, subreddit="no_such_place")

    [item] = caught.value.items
    assert (item.error_type, item.field) == ("SUBREDDIT_NOEXIST", "sr")
    assert fake.submissions == {}


async def test_banned_subreddit_is_a_reddit_api_exception(fake, reddit):
    fake.add_subreddit("strict", banned=True)

    with pytest.raises(RedditAPIException) as caught:
        await submit(reddit, subreddit="strict")

    [item] = caught.value.items
    assert (item.error_type, item.field) == ("SUBREDDIT_NOTALLOWED", "sr")


async def test_single_500_is_retried_transparently(fake, reddit, client_sleeps):
    fake.fail_next(SUBMIT, status=500)

    submission = await submit(reddit)

    assert submission.id in fake.submissions
    assert [r.fault is not None for r in fake.requests_to(SUBMIT)] == [True, False]
    assert [s.kind for s in client_sleeps] == ["retry"]
    assert 0 <= client_sleeps[0].seconds <= 2


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (500, asyncprawcore.ServerError),
        (502, asyncprawcore.ServerError),
        (503, asyncprawcore.ServerError),
        (504, asyncprawcore.ServerError),
        (408, asyncprawcore.ResponseException),
    ],
)
async def test_persistent_5xx_raises_after_three_attempts(fake, reddit, client_sleeps, status, error):
    fake.fail_next(SUBMIT, status=status, times=3)

    with pytest.raises(error) as caught:
        await submit(reddit)

    assert caught.value.response.status == status
    assert len(fake.requests_to(SUBMIT)) == 3
    assert [s.kind for s in client_sleeps] == ["retry", "retry"]
    assert 0 <= client_sleeps[0].seconds <= 2 <= client_sleeps[1].seconds <= 4
    assert fake.submissions == {}


async def test_5xx_after_the_post_was_made_duplicates_it(fake, reddit, client_sleeps):
    fake.fail_next(SUBMIT, status=502, commit=True)

    await submit(reddit)

    assert len(fake.submissions_in(SUBREDDIT)) == 2


async def test_429_raises_too_many_requests_without_retry(fake, reddit):
    fake.fail_next(SUBMIT, status=429, retry_after=7)

    with pytest.raises(asyncprawcore.TooManyRequests) as caught:
        await submit(reddit)

    assert caught.value.retry_after == "7"
    assert caught.value.response.status == 429
    assert len(fake.requests_to(SUBMIT)) == 1


async def test_ratelimit_body_beyond_ratelimit_seconds_raises(fake):
    fake.fail_next(SUBMIT, api_error=ratelimit_error("9 minutes"))

    async with asyncpraw.Reddit(**fake.client_kwargs()) as reddit:
        with pytest.raises(RedditAPIException) as caught:
            await submit(reddit)

    [item] = caught.value.items
    assert (item.error_type, item.field) == ("RATELIMIT", "ratelimit")
    assert "9 minutes" in item.message
    assert len(fake.requests_to(SUBMIT)) == 1


async def test_ratelimit_body_within_ratelimit_seconds_is_slept_off(fake, client_sleeps):
    fake.fail_next(SUBMIT, api_error=ratelimit_error("3 seconds"))

    async with asyncpraw.Reddit(**fake.client_kwargs(ratelimit_seconds=5)) as reddit:
        submission = await submit(reddit)

    assert submission.id in fake.submissions
    assert client_sleeps == [ClientSleep("ratelimit", 4)]


async def test_ratelimit_body_three_times_raises_after_sleeping_three_times(fake, client_sleeps):
    fake.fail_next(SUBMIT, api_error=ratelimit_error("1 second"), times=3)

    async with asyncpraw.Reddit(**fake.client_kwargs(ratelimit_seconds=5)) as reddit:
        with pytest.raises(RedditAPIException):
            await submit(reddit)

    assert client_sleeps == [ClientSleep("ratelimit", 2)] * 3
    assert len(fake.requests_to(SUBMIT)) == 3


async def test_slow_response_raises_request_exception_with_timeout(fake, reddit):
    fake.fail_next(SUBMIT, delay=TIMEOUT * 10)

    with pytest.raises(asyncprawcore.RequestException) as caught:
        await submit(reddit)

    assert isinstance(caught.value.original_exception, TimeoutError)
    assert len(fake.requests_to(SUBMIT)) == 1
    assert fake.submissions == {}


async def test_slow_response_within_timeout_succeeds(fake, reddit):
    fake.fail_next(SUBMIT, delay=TIMEOUT / 5)

    submission = await submit(reddit)

    assert submission.id in fake.submissions


async def test_submit_then_timeout_leaves_the_post_in_place(fake, reddit):
    fake.fail_next(SUBMIT, delay=TIMEOUT * 10, commit=True)

    with pytest.raises(asyncprawcore.RequestException):
        await submit(reddit, title="Did it post?")

    assert [s.title for s in fake.submissions_in(SUBREDDIT)] == ["Did it post?"]


async def test_dropped_connection_raises_request_exception(fake, reddit):
    fake.fail_next(SUBMIT, drop=True)

    with pytest.raises(asyncprawcore.RequestException) as caught:
        await submit(reddit)

    assert isinstance(caught.value.original_exception, aiohttp.ServerDisconnectedError)
    assert len(fake.requests_to(SUBMIT)) == 1
    assert fake.submissions == {}


async def test_submit_then_drop_leaves_the_post_in_place(fake, reddit):
    fake.fail_next(SUBMIT, drop=True, commit=True)

    with pytest.raises(asyncprawcore.RequestException) as caught:
        await submit(reddit, title="Did it post?")

    assert isinstance(caught.value.original_exception, aiohttp.ServerDisconnectedError)
    [record] = fake.submissions_in(SUBREDDIT)
    me = await reddit.user.me()
    assert [s.id async for s in me.submissions.new(limit=1)] == [record.id]


async def test_one_dropped_get_is_resent_by_aiohttp(fake, reddit):
    fake.fail_next("/api/v1/me", drop=True)

    me = await reddit.user.me()

    assert me.name == fake.username
    assert len(fake.requests_to("/api/v1/me")) == 2


async def test_expired_token_is_refreshed_transparently(fake, reddit, client_sleeps):
    await reddit.user.me()
    fake.expire_tokens()

    await submit(reddit)

    assert len(fake.requests_to("/api/v1/access_token")) == 2
    assert len(fake.requests_to(SUBMIT)) == 2


async def test_persistent_401_raises_invalid_token(fake, reddit, client_sleeps):
    fake.fail_next("/api/v1/me", status=401, times=3)

    with pytest.raises(asyncprawcore.InvalidToken):
        await reddit.user.me()

    assert len(fake.requests_to("/api/v1/access_token")) == 3


async def test_token_endpoint_error_is_a_plain_response_exception(fake, reddit):
    fake.fail_next("/api/v1/access_token", status=503)

    with pytest.raises(asyncprawcore.ResponseException) as caught:
        await reddit.user.me()

    assert not isinstance(caught.value, asyncprawcore.ServerError)
    assert caught.value.response.status == 503
    assert len(fake.requests_to("/api/v1/access_token")) == 1


async def test_slow_response_after_commit_within_timeout_posts_once(fake, reddit):
    fake.fail_next(SUBMIT, delay=TIMEOUT / 5, commit=True)

    await submit(reddit)

    assert len(fake.submissions) == 1


async def test_faults_are_consumed_in_order(fake, reddit, client_sleeps):
    fake.fail_next(SUBMIT, status=503)
    fake.fail_next(SUBMIT, status=429)
    fake.fail_next(SUBMIT, drop=True)

    with pytest.raises(asyncprawcore.TooManyRequests):
        await submit(reddit)
    assert fake.pending_faults() == {SUBMIT: 1}
    with pytest.raises(asyncprawcore.RequestException):
        await submit(reddit)

    assert [r.fault.status for r in fake.requests_to(SUBMIT)] == [503, 429, None]
    assert fake.pending_faults() == {}


async def test_over_long_body_is_rejected_like_reddit(fake, reddit):
    with pytest.raises(RedditAPIException) as caught:
        await submit(reddit, selftext="x" * 40_001)

    assert [(i.error_type, i.field) for i in caught.value.items] == [("TOO_LONG", "text")]
