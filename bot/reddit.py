"""The Reddit poster: each race's thread goes to each subreddit once, is never posted twice and never lost.

How it holds against a flaky Reddit, a crash at any moment and other processes posting too:

- Claim first: before it submits or edits, a poster claims the thread's ledger row (db/threads.py)
  with one conditional write. A claim names the poster (a random token) and lapses after `lease`
  seconds unless renewed (before every retry), so two processes never write the same thread at once
  and a poster that died blocks the thread only until its claim lapses.
- Write-ahead: a `pending` ledger row is committed before anything is submitted.
- A write whose outcome is unknown (5xx, 408, timeout, dropped connection) is never sent again
  blindly: `SingleShotWriteRequestor` keeps asyncprawcore from re-sending it and raises
  `UncertainWrite`, and before the next submit the poster looks for the thread's marker
  (bot.render.recap.marker) among the account's recent submissions. A `pending` row left by an
  earlier run or another process is looked for the same way.
- Transient errors are retried with back-off; when the attempts run out the row stays `pending`
  and the next run picks it up. Permanent errors (a missing or banned subreddit, a refused post)
  mark this content `failed`, reported once.
- Errors of the account itself (wrong password or app credentials, a token Reddit keeps refusing,
  403 Forbidden) are not the thread's fault: the row is left as it was and `PostingPaused` stops
  the caller's posting until the next run.
- Revised results edit the existing submission, at most once per `min_edit_interval`.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import random
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import urlparse

import aiohttp
import asyncpraw
import asyncprawcore
from asyncpraw.exceptions import RedditAPIException
from asyncpraw.models import Submission
from asyncprawcore.const import ACCESS_TOKEN_PATH
from asyncprawcore.sessions import Session

from bot.render.recap import marker
from bot.settings import RedditSettings, SettingsError
from db import threads
from db.claims import Claim, new_holder
from db.records import Record, replace
from db.store import Store
from db.threads import ThreadKind, ThreadRecord

log = logging.getLogger(__name__)

RECENT_SUBMISSIONS = 100  # one listing page: where an earlier attempt's post is looked for
WAIT_IN_MESSAGE = re.compile(r"(\d+)\s*(millisecond|second|minute|hour)s?", re.IGNORECASE)
SECONDS_PER_UNIT = {"millisecond": 0.001, "second": 1, "minute": 60, "hour": 3600}
CLAIM_LEASE_SECONDS = 300.0  # a claim lapses this long after it was taken or last renewed

Written = TypeVar("Written")


class Thread(Record):
    key: str          # stable race key, e.g. "nascar-5274" or "truck-2022-r15"
    subreddit: str    # without r/
    title: str
    body: str         # markdown, already contains bot.render.recap.marker(key, kind)
    kind: ThreadKind = ThreadKind.POST   # which of the race's threads (pre-race, live, post-race)

    @property
    def label(self) -> str:
        """`nascar-5274` for the post-race thread, `nascar-5274 live` for the others (as logs name it)."""
        return self.key if self.kind is ThreadKind.POST else f"{self.key} {self.kind}"


HELD_ELSEWHERE = "another process is writing this thread"   # a deferral that needs nothing of the caller


class PublishResult(Record):
    action: str               # posted, recovered, edited, unchanged, deferred (try again later), failed (permanent)
    submission_id: str | None
    url: str | None
    error: str | None = None


@dataclass(frozen=True)
class RetryPolicy:
    """How often one `publish` call tries, and how long it waits in between."""

    attempts: int = 5
    base_delay: float = 2.0
    max_delay: float = 120.0
    jitter: float = 0.25          # up to this fraction of the back-off is added at random

    def __post_init__(self):
        if self.attempts < 1:
            raise ValueError("a retry policy needs at least one attempt")

    def delay(self, retry: int, requested: float | None = None) -> float:
        """Seconds before retry number `retry` (1, 2, …): doubling back-off with jitter, at least
        what Reddit asked for, never more than `max_delay`."""
        backoff = self.base_delay * 2 ** (retry - 1) * (1 + self.jitter * random.random())
        return min(self.max_delay, max(backoff, requested or 0.0))


class PostingPaused(Exception):
    """Reddit refuses the account itself (credentials, token, permission): no thread can be written until
    that is fixed. The thread's ledger row is left as it was (never `failed`); stop posting, try again later."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class UncertainWrite(asyncprawcore.AsyncPrawcoreException):
    """A write got no usable answer (5xx, 408, timeout, dropped connection): Reddit may have applied it."""


class SingleShotWriteRequestor(asyncprawcore.Requestor):
    """A Requestor that sends each write once: an unclear outcome raises `UncertainWrite`.

    asyncprawcore's Session re-sends a request after a 5xx/408 answer or a connection error,
    which duplicates a post Reddit had already made. Raising an exception that is not a
    `RequestException` from here, before the Session sees the response, turns that off for
    writes. GETs, and the token request (which writes nothing), keep the normal retries.
    This requestor's own `timeout` applies to every request (asyncprawcore's per-call default
    would otherwise win), so `requestor_kwargs={"timeout": …}` works.
    """

    @asynccontextmanager
    async def request(self, *args: Any, **kwargs: Any) -> AsyncIterator[aiohttp.ClientResponse]:
        method, url = args[0], args[1]   # asyncprawcore passes both positionally, as aiohttp's request takes them
        kwargs["timeout"] = self.timeout  # not asyncprawcore's per-call value: this requestor's own wins
        call = super().request(*args, **kwargs)
        path = urlparse(url).path.rstrip("/")
        if method.upper() == "GET" or path == ACCESS_TOKEN_PATH:
            async with call as response:
                yield response
            return
        try:
            async with call as response:
                if response.status not in Session.RETRY_STATUSES:
                    yield response
                    return
                outcome = f"HTTP {response.status}"
        except asyncprawcore.RequestException as error:  # no answer, or the answer broke off
            raise UncertainWrite(f"{method} {path}: {_describe_request_error(error)}") from error
        raise UncertainWrite(f"{method} {path}: {outcome}")


def reddit_client(settings: RedditSettings, **overrides: Any) -> asyncpraw.Reddit:
    """Production client from settings (check_for_updates=False, requestor_class=SingleShotWriteRequestor);
    tests pass oauth_url/reddit_url/requestor_kwargs via overrides."""
    if not settings.configured:
        raise SettingsError(f"Reddit posting needs {', '.join(settings.missing())}")
    requestor_class = overrides.get("requestor_class", SingleShotWriteRequestor)
    if not issubclass(requestor_class, SingleShotWriteRequestor):
        raise ValueError(
            f"requestor_class {requestor_class.__name__} would let asyncprawcore re-send posts; leave it out "
            "(requestor_kwargs={'timeout': …} sets the timeout) or subclass SingleShotWriteRequestor"
        )
    options: dict[str, Any] = {
        "client_id": settings.client_id,
        "client_secret": settings.client_secret.reveal(),
        "username": settings.username,
        "password": settings.password.reveal(),
        "user_agent": settings.user_agent,
        "check_for_updates": False,
        "requestor_class": SingleShotWriteRequestor,
    }
    return asyncpraw.Reddit(**(options | overrides))


class Failure(Record):
    """What went wrong with one attempt, as far as retrying is concerned."""

    description: str
    permanent: bool = False          # this thread's content will never be accepted
    account: bool = False            # the account cannot write at all now (credentials, permission)
    uncertain: bool = False          # a write may have been applied
    requested_wait: float | None = None
    stale_token: bool = False        # an access token refused: the next attempt fetches a new one


def classify(error: Exception) -> Failure:
    """Sort an asyncpraw/asyncprawcore exception into permanent, account, transient or uncertain."""
    if isinstance(error, UncertainWrite):
        return Failure(str(error), uncertain=True)
    if isinstance(error, RedditAPIException):
        description = "; ".join(f"{item.error_type}: {item.message}" for item in error.items)
        ratelimited = [item for item in error.items if item.error_type == "RATELIMIT"]
        if ratelimited:
            return Failure(description, requested_wait=_wait_in_message(ratelimited[0].message or ""))
        return Failure(description, permanent=True)
    if isinstance(error, asyncprawcore.TooManyRequests):
        return Failure(f"HTTP 429, retry after {error.retry_after or '?'} s", requested_wait=_seconds(error.retry_after))
    if isinstance(error, asyncprawcore.RequestException):
        return Failure(_describe_request_error(error))
    if isinstance(error, asyncprawcore.BadJSON):
        return Failure(f"unreadable answer (HTTP {error.response.status})", uncertain=True)
    if isinstance(error, asyncprawcore.InvalidToken):
        # A 401 on asyncprawcore's last attempt: the token it cleared may only have expired (after two 5xx, say), so
        # the poster tries once more with a new one; refused again, it is the account's.
        return Failure("access token rejected", account=True, stale_token=True)
    if isinstance(error, asyncprawcore.OAuthException):  # e.g. invalid_grant: wrong username or password
        return Failure(f"bad credentials ({error.error})", account=True)
    if isinstance(error, (asyncprawcore.Forbidden, asyncprawcore.InsufficientScope)):
        return Failure(f"HTTP {error.response.status}: the account may not do that", account=True)
    if isinstance(error, asyncprawcore.Redirect):  # asking about a subreddit that does not exist
        return Failure(f"redirected to {error.path}", permanent=True)
    if isinstance(error, asyncprawcore.ResponseException):
        status = error.response.status
        if status == 401:  # from the token endpoint: wrong client id or secret
            return Failure("bad credentials (HTTP 401)", account=True)
        return Failure(f"HTTP {status}", permanent=not (status >= 500 or status in Session.RETRY_STATUSES))
    return Failure(f"{type(error).__name__}: {error}", permanent=True)


def _describe_request_error(error: asyncprawcore.RequestException) -> str:
    original = error.original_exception
    if isinstance(original, TimeoutError):
        return "timed out"
    return f"connection failed ({type(original).__name__})"


def _seconds(text: str | None) -> float | None:
    try:
        return float(text) if text else None
    except ValueError:  # an HTTP date: fall back to the back-off
        return None


def _wait_in_message(message: str) -> float | None:
    """"try again in 9 minutes" → 540."""
    found = WAIT_IN_MESSAGE.search(message)
    return None if found is None else int(found.group(1)) * SECONDS_PER_UNIT[found.group(2).lower()]


def content_hash(title: str, body: str) -> str:
    return hashlib.sha256(f"{title}\0{body}".encode()).hexdigest()


def thread_url(subreddit: str, submission_id: str) -> str:
    return f"https://www.reddit.com/r/{subreddit}/comments/{submission_id}/"


class RedditPoster:
    """Publishes race threads through `reddit`, keeping the ledger in `store` (see module docstring).

    Its claims in the ledger name it by a random token of its own; `lease` is how long a claim lasts
    without renewal.
    """

    def __init__(
        self,
        reddit: asyncpraw.Reddit,
        store: Store,
        *,
        retry: RetryPolicy = RetryPolicy(),
        min_edit_interval: float = 60.0,
        lease: float = CLAIM_LEASE_SECONDS,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ):
        self.reddit = reddit
        self.store = store
        self.retry = retry
        self.min_edit_interval = min_edit_interval
        self.holder = new_holder()
        self.lease = lease
        self.clock = clock
        self.sleep = sleep
        self._locks: dict[tuple[str, ThreadKind, str], asyncio.Lock] = {}

    async def publish(self, thread: Thread) -> PublishResult:
        """Post, recover, edit or leave alone the thread, as the ledger and Reddit require.

        Raises PostingPaused when Reddit refuses the account itself (see the module docstring).
        """
        if marker(thread.key, thread.kind) not in thread.body:
            raise ValueError(f"the body of {thread.key} lacks its marker {marker(thread.key, thread.kind)}")
        lock = self._locks.setdefault((thread.key, thread.kind, thread.subreddit.casefold()), asyncio.Lock())
        async with lock:
            result = await self._publish(thread)
        level = logging.DEBUG if result.action == "unchanged" else logging.INFO
        error = f" ({result.error})" if result.error else ""
        log.log(level, "r/%s %s: %s%s", thread.subreddit, thread.label, result.action, error)
        return result

    async def _publish(self, thread: Thread) -> PublishResult:
        content = content_hash(thread.title, thread.body)
        row = await threads.get(self.store, thread.key, thread.subreddit, thread.kind)
        if row is not None and (settled := self._settled(row, content)):
            return settled
        claim = await threads.claim(
            self.store, thread.key, thread.subreddit, thread.title, content, self.holder, self._now(), self._lease_end(),
            thread.kind,
        )
        if claim is None:
            return self._result("deferred", row, HELD_ELSEWHERE)
        try:
            return await self._publish_claimed(thread, content, claim)
        finally:
            await threads.release_claim(self.store, thread.key, thread.subreddit, self.holder, thread.kind)

    async def _publish_claimed(self, thread: Thread, content: str, claim: Claim) -> PublishResult:
        row = await self._claimed_row(thread)  # as the previous holder left it
        if settled := self._settled(row, content):
            return settled
        if row.submission_id is not None:
            return await self._revise(row, thread, content)
        await threads.begin(self.store, thread.key, thread.subreddit, thread.title, content, self._now(), thread.kind)
        # A row this claim did not create means an earlier attempt may have posted before it could record the outcome.
        return await self._submit(thread, content, look_first=not claim.first)

    async def _claimed_row(self, thread: Thread) -> ThreadRecord:
        """The thread's ledger row, which taking the claim has written (ledger rows are never deleted)."""
        row = await threads.get(self.store, thread.key, thread.subreddit, thread.kind)
        if row is None:
            raise LookupError(f"the ledger row of {thread.key} in r/{thread.subreddit} is gone while claimed")
        return row

    def _settled(self, row: ThreadRecord, content: str) -> PublishResult | None:
        """The answer when this content was already written (`unchanged`) or refused for good (`failed`)."""
        if row.content_hash != content or row.state == "pending":
            return None
        return self._result("unchanged", row) if row.state == "posted" else self._result("failed", row, row.last_error)

    async def _submit(self, thread: Thread, content: str, *, look_first: bool) -> PublishResult:
        async def find_or_submit(uncertain: bool) -> tuple[Submission, bool]:
            """(the submission, whether an earlier attempt had made it)."""
            if look_first or uncertain:
                found = await self._find(thread)
                if found is not None:
                    return found, True
            await threads.count_attempt(self.store, thread.key, thread.subreddit, thread.kind)
            subreddit = await self.reddit.subreddit(thread.subreddit)
            return await subreddit.submit(thread.title, selftext=thread.body), False

        outcome = await self._retrying(thread, content, None, find_or_submit)
        if isinstance(outcome, PublishResult):
            return outcome
        submission, made_earlier = outcome
        if made_earlier:
            return await self._recover(thread, content, submission)
        await threads.mark_posted(
            self.store, thread.key, thread.subreddit, submission.id, thread.title, content, self._now(), thread.kind, thread.body
        )
        return PublishResult("posted", submission.id, thread_url(thread.subreddit, submission.id))

    async def _find(self, thread: Thread) -> Submission | None:
        """The oldest of the account's recent submissions in the subreddit that carries the thread's marker."""
        wanted = marker(thread.key, thread.kind)
        me = await self.reddit.user.me()
        if me is None:  # a read-only client: it cannot have posted anything
            raise PostingPaused("the Reddit client is not logged in as a user")
        matches = [
            submission
            async for submission in me.submissions.new(limit=RECENT_SUBMISSIONS)
            if submission.subreddit.display_name.casefold() == thread.subreddit.casefold() and wanted in submission.selftext
        ]
        return matches[-1] if matches else None

    async def _recover(self, thread: Thread, content: str, found: Submission) -> PublishResult:
        """Adopt an earlier attempt's post, then bring its body up to date (at once: it was never edited)."""
        found_hash = content_hash(found.title, found.selftext)
        await threads.mark_posted(
            self.store, thread.key, thread.subreddit, found.id, found.title, found_hash, self._now(), thread.kind, found.selftext
        )
        row = await self._claimed_row(thread)
        if row.content_hash == content:
            return self._result("recovered", row)
        revised = await self._revise(row, thread, content, wait_for_interval=False)
        return replace(revised, action="recovered") if revised.action == "edited" else revised

    async def _revise(
        self, row: ThreadRecord, thread: Thread, content: str, *, wait_for_interval: bool = True
    ) -> PublishResult:
        """Edit the existing submission's body (Reddit titles cannot change); edits are safe to repeat."""
        last_write = row.last_written_at
        if wait_for_interval and last_write is not None:
            waited = (self._now() - last_write).total_seconds()
            if waited < self.min_edit_interval:
                wait = f"last written {waited:.0f} s ago; edits wait {self.min_edit_interval:.0f} s"
                return self._result("deferred", row, wait)

        async def edit(uncertain: bool) -> None:
            del uncertain  # an edit is safe to repeat
            await threads.count_attempt(self.store, thread.key, thread.subreddit, thread.kind)
            submission = await self.reddit.submission(row.submission_id, fetch=False)
            await submission.edit(thread.body)

        outcome = await self._retrying(thread, content, row, edit)
        if isinstance(outcome, PublishResult):
            return outcome
        await threads.mark_edited(self.store, thread.key, thread.subreddit, content, self._now(), thread.kind, thread.body)
        return self._result("edited", row)

    async def _retrying(
        self, thread: Thread, content: str, row: ThreadRecord | None, write: Callable[[bool], Awaitable[Written]]
    ) -> Written | PublishResult:
        """What `write` returns once it succeeds, or the result that ends the attempts: `failed` on a permanent
        error, `deferred` when the attempts ran out or the claim was lost. Transient errors are retried after a
        back-off (renewing the claim first); `write` is told whether an earlier attempt may have been applied.
        Raises PostingPaused on an error of the account itself."""
        attempt, uncertain, token_renewed = 1, False, False
        while True:
            try:
                return await write(uncertain)
            except (asyncprawcore.AsyncPrawcoreException, RedditAPIException) as error:
                failure = classify(error)
            if failure.permanent:
                return await self._fail(thread, content, failure, row)
            await threads.record_error(self.store, thread.key, thread.subreddit, failure.description, thread.kind)
            if failure.account and not (failure.stale_token and not token_renewed):
                raise PostingPaused(failure.description)
            token_renewed = token_renewed or failure.stale_token
            uncertain = uncertain or failure.uncertain
            if attempt == self.retry.attempts:
                return self._result("deferred", row, failure.description)
            await self._pause(thread, attempt, failure)
            renewed = await threads.renew_claim(
                self.store, thread.key, thread.subreddit, self.holder, self._lease_end(), thread.kind
            )
            if not renewed:
                return self._result("deferred", row, "claim lapsed and another process took over this thread")
            attempt += 1

    async def _pause(self, thread: Thread, retry: int, failure: Failure) -> None:
        seconds = self.retry.delay(retry, failure.requested_wait)
        log.info("r/%s %s: %s; retrying in %.1f s", thread.subreddit, thread.label, failure.description, seconds)
        await self.sleep(seconds)

    async def _fail(self, thread: Thread, content: str, failure: Failure, row: ThreadRecord | None) -> PublishResult:
        await threads.mark_failed(self.store, thread.key, thread.subreddit, content, failure.description, thread.kind)
        log.warning("r/%s %s: giving up on this version of the thread: %s", thread.subreddit, thread.label, failure.description)
        return self._result("failed", row, failure.description)

    def _result(self, action: str, row: ThreadRecord | None, error: str | None = None) -> PublishResult:
        if row is None or row.submission_id is None:
            return PublishResult(action, None, None, error)
        return PublishResult(action, row.submission_id, thread_url(row.subreddit, row.submission_id), error)

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self.clock(), UTC)

    def _lease_end(self) -> datetime:
        return datetime.fromtimestamp(self.clock() + self.lease, UTC)
