"""A fake Reddit API on 127.0.0.1 for testing code that drives the real Async PRAW.

Configure the real client with ``asyncpraw.Reddit(**fake.client_kwargs())``. That sets
the credentials the fake accepts, points ``oauth_url`` *and* ``reddit_url`` (the token
endpoint lives on the latter) at the fake's plain ``http://`` URL -- asyncprawcore just
``urljoin``s paths onto them, so http is fine -- and disables the PyPI update check.

Timeouts: asyncpraw 8.0.3 never forwards its ``timeout`` setting, and asyncprawcore's
``Session.request`` passes its own per-call timeout (``asyncprawcore.const.TIMEOUT``:
16 s, or ``$PRAWCORE_TIMEOUT`` read at import time) that beats ``Requestor(timeout=)``.
``client_kwargs`` therefore installs :class:`TimeoutRequestor`, whose own timeout wins.

Client sleeps: every response carries generous ``x-ratelimit-*`` headers with a 1 s
reset, which keeps asyncprawcore's header-based pacing at zero (lower
``fake.ratelimit.remaining`` to 0 to make it wait ``reset`` seconds). Retry back-off
(0-2 s, then 2-4 s) and asyncpraw's RATELIMIT waits are real ``asyncio.sleep`` calls;
wrap a test in :func:`skip_client_sleeps` to make them instant and see what they were.

How the real client (asyncpraw 8.0.3, asyncprawcore 4.0.0, aiohttp 3.14) reacts to each
fault, as pinned by ``tests/test_fake_reddit.py``:

===============================  ===================================================
fault                            what the caller sees
===============================  ===================================================
500, 502, 503, 504, 520, 522     retried by asyncprawcore: 3 attempts in all, sleeping
                                 0-2 s, then 2-4 s; then ``asyncprawcore.ServerError``
                                 (``.response.status``). 408 is retried alike but
                                 ends as a plain ``ResponseException``. A retried
                                 POST is sent again: a 5xx *after* Reddit made the
                                 post duplicates it.
429                              ``asyncprawcore.TooManyRequests`` at once, no retry;
                                 ``.retry_after`` is the header *string* or None
                                 (``.message`` is an unawaited bound method).
RATELIMIT in the JSON body       ``asyncpraw.exceptions.RedditAPIException``;
                                 ``.items[0].error_type == "RATELIMIT"``, ``.field ==
                                 "ratelimit"``. If the wait in the message ("N
                                 second(s)/minute(s)"; milliseconds count as 0) is
                                 <= ``ratelimit_seconds`` (default 5), ``Reddit.post``
                                 sleeps wait+1 s after each of up to 3 attempts
                                 (even the last) before raising.
delay beyond the timeout         ``asyncprawcore.RequestException``, whose
                                 ``.original_exception`` is a ``TimeoutError``;
                                 not retried.
dropped connection               ``asyncprawcore.RequestException`` wrapping
                                 ``aiohttp.ServerDisconnectedError``; not retried by
                                 asyncprawcore. aiohttp itself resends an idempotent
                                 request (GET) once, so one dropped GET is invisible.
submit, then drop (or delay)     as above, but the post exists: look it up before
                                 posting again.
SUBREDDIT_NOEXIST / _NOTALLOWED  ``RedditAPIException`` (``field == "sr"``), no retry.
401 on an API call (expired      transparent: token dropped, fetched again, request
token, ``expire_tokens()``)      retried with the back-off above; a third 401 raises
                                 ``asyncprawcore.InvalidToken``.
any error status from the token  plain ``asyncprawcore.ResponseException``
endpoint                         (``.response.status``), never retried.
wrong password                   ``asyncprawcore.OAuthException``, ``.error ==
                                 "invalid_grant"`` (Reddit answers 200).
wrong client id / secret         ``ResponseException`` with status 401.
GET r/{missing}/about            ``asyncprawcore.Redirect``, ``.path ==
                                 "/subreddits/search"``.
===============================  ===================================================
"""

from __future__ import annotations

import asyncio
import base64
import re
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http import HTTPStatus
from types import SimpleNamespace
from typing import Any, NamedTuple
from unittest import mock

import asyncpraw.reddit
from aiohttp import web
from asyncprawcore import Requestor
from asyncprawcore.sessions import FiniteRetryStrategy

JSON = dict[str, Any]
ACCESS_TOKEN_PATH = "/api/v1/access_token"
MAX_TITLE_LENGTH = 300
MAX_SELFTEXT_LENGTH = 40_000
DEFAULT_LISTING_LIMIT = 25
MAX_LISTING_LIMIT = 100


class TimeoutRequestor(Requestor):
    """An asyncprawcore ``Requestor`` whose ``timeout`` applies to every request."""

    def request(self, *args: Any, timeout: float | None = None, **kwargs: Any):
        """Issue the request with this requestor's timeout, ignoring the per-call one."""
        del timeout  # asyncprawcore's per-call value; this requestor's own wins
        return super().request(*args, timeout=self.timeout, **kwargs)


class ClientSleep(NamedTuple):
    """A back-off the client would have slept: ``kind`` is "retry" or "ratelimit"."""

    kind: str
    seconds: float


@contextmanager
def skip_client_sleeps() -> Iterator[list[ClientSleep]]:
    """Make the client's retry and RATELIMIT sleeps instant, yielding a log of them."""
    sleeps: list[ClientSleep] = []

    async def retry_sleep(strategy: FiniteRetryStrategy) -> None:
        seconds = strategy._sleep_seconds()  # noqa: SLF001 - the value it would sleep
        if seconds is not None:
            sleeps.append(ClientSleep("retry", seconds))
        await asyncio.sleep(0)

    async def ratelimit_sleep(seconds: float) -> None:
        sleeps.append(ClientSleep("ratelimit", seconds))
        await asyncio.sleep(0)

    with (
        mock.patch.object(FiniteRetryStrategy, "sleep", retry_sleep),
        mock.patch.object(asyncpraw.reddit, "asyncio", SimpleNamespace(sleep=ratelimit_sleep)),
    ):
        yield sleeps


def ratelimit_error(wait: str = "1 second") -> tuple[str, str, str]:
    """Return Reddit's RATELIMIT error triple, e.g. for ``fail_next(api_error=...)``."""
    return ("RATELIMIT", f"you are doing that too much. try again in {wait}.", "ratelimit")


@dataclass(frozen=True)
class Fault:
    """One scripted misbehaviour for one request (see :meth:`FakeReddit.fail_next`)."""

    status: int | None = None
    retry_after: float | None = None
    api_error: tuple[str, str, str] | None = None
    delay: float = 0.0
    drop: bool = False
    commit: bool = False


@dataclass(frozen=True)
class RecordedRequest:
    """A request as the fake received it; ``path`` has no trailing slash."""

    method: str
    path: str
    query: dict[str, str]
    form: dict[str, str]
    headers: dict[str, str]
    at: float
    fault: Fault | None


@dataclass(frozen=True)
class Revision:
    """One version of a submission's body and when it was written."""

    selftext: str
    at: float


@dataclass
class SubmissionRecord:
    """A self post held by the fake.

    ``history[0]`` is the body as first submitted, later entries are edits;
    ``submit_form`` is the form the client posted; ``sequence`` orders equal timestamps.
    """

    id: str
    subreddit: str
    title: str
    author: str
    created_utc: float
    history: list[Revision]
    submit_form: dict[str, str] = field(default_factory=dict)
    sequence: int = 0

    @property
    def fullname(self) -> str:
        """The ``t3_`` fullname."""
        return f"t3_{self.id}"

    @property
    def selftext(self) -> str:
        """The current body."""
        return self.history[-1].selftext

    @property
    def edited_utc(self) -> float | None:
        """When the body was last edited, or None if never."""
        return self.history[-1].at if len(self.history) > 1 else None

    @property
    def permalink(self) -> str:
        """Reddit-style permalink, e.g. ``/r/sub/comments/abc/some_title/``."""
        slug = re.sub(r"[^a-z0-9]+", "_", self.title.lower()).strip("_")[:50].rstrip("_")
        return f"/r/{self.subreddit}/comments/{self.id}/{slug}/"


@dataclass
class SubredditRecord:
    """A subreddit; ``banned`` means the bot account may not post there."""

    display_name: str
    id: str
    banned: bool = False


@dataclass
class RateLimit:
    """The ``x-ratelimit-*`` header values sent with every response."""

    remaining: float = 999.0
    used: int = 1
    reset: int = 1

    def headers(self) -> dict[str, str]:
        """Render as response headers."""
        return {
            "x-ratelimit-remaining": f"{self.remaining:.1f}",
            "x-ratelimit-used": str(self.used),
            "x-ratelimit-reset": str(self.reset),
        }


def _base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    text = ""
    while number:
        number, digit = divmod(number, 36)
        text = digits[digit] + text
    return text or "0"


def _normalize(path: str) -> str:
    return "/" + path.strip("/")


def _error_response(status: int, headers: dict[str, str] | None = None) -> web.Response:
    """Reddit's ``{"message", "error"}`` error; a 401 says why, as asyncprawcore expects."""
    try:
        message = HTTPStatus(status).phrase
    except ValueError:
        message = "Error"
    headers = dict(headers or {})
    if status == HTTPStatus.UNAUTHORIZED:
        headers["www-authenticate"] = 'Bearer realm="reddit", error="invalid_token"'
    return web.json_response({"message": message, "error": status}, status=status, headers=headers)


def _listing(children: list[JSON], after: str | None = None) -> JSON:
    return {
        "kind": "Listing",
        "data": {"after": after, "before": None, "dist": len(children), "children": children},
    }


Handler = Callable[..., Awaitable[web.StreamResponse]]


class FakeReddit:
    """A local HTTP server speaking enough of Reddit's OAuth API for a posting bot."""

    def __init__(
        self,
        *,
        username: str = "pitboard_bot",
        password: str = "correct-horse",
        client_id: str = "fake-client-id",
        client_secret: str = "fake-client-secret",
        subreddits: Iterable[str] = ("pitboard_test",),
        clock: Callable[[], float] = time.time,
    ) -> None:
        """Set up an empty site with the bot account and ``subreddits``."""
        self.username = username
        self.password = password
        self.client_id = client_id
        self.client_secret = client_secret
        self.clock = clock
        self.ratelimit = RateLimit()
        self.submissions: dict[str, SubmissionRecord] = {}
        self.subreddits: dict[str, SubredditRecord] = {}
        self.requests: list[RecordedRequest] = []
        self._faults: dict[str, deque[Fault]] = {}
        self._tokens: dict[str, str] = {}
        self._users: dict[str, tuple[str, str]] = {}
        self._counter = 0
        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = [
            ("GET", re.compile(r"/api/v1/me"), self._me),
            ("POST", re.compile(r"/api/submit"), self._submit),
            ("POST", re.compile(r"/api/editusertext"), self._edit),
            ("GET", re.compile(r"/api/info"), self._info),
            ("GET", re.compile(r"/user/(?P<name>[^/]+)/submitted"), self._user_submitted),
            ("GET", re.compile(r"/comments/(?P<submission_id>[a-z0-9]+)(?:/[^/]*)?"), self._comments),
            ("GET", re.compile(r"/r/(?P<name>[^/]+)/about"), self._subreddit_about),
        ]
        self._user(username)
        for name in subreddits:
            self.add_subreddit(name)

    async def start(self) -> FakeReddit:
        """Start serving on a free port of 127.0.0.1."""
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(
            app, access_log=None, handler_cancellation=True, shutdown_timeout=0.1
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self._port = self._runner.addresses[0][1]
        return self

    async def close(self) -> None:
        """Stop serving, cancelling any request still being delayed."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeReddit:
        """Start the server."""
        return await self.start()

    async def __aexit__(self, *_exc: object) -> None:
        """Close the server."""
        await self.close()

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:54321``; use for oauth_url and reddit_url."""
        if self._port is None:
            raise RuntimeError("FakeReddit is not started")
        return f"http://127.0.0.1:{self._port}"

    def client_kwargs(self, *, timeout: float = 5.0, **overrides: Any) -> dict[str, Any]:
        """Keyword arguments for ``asyncpraw.Reddit`` pointed at this fake."""
        return {
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "username": self.username,
            "password": self.password,
            "user_agent": f"python:pitboard-tests:v0 (by u/{self.username})",
            "oauth_url": self.url,
            "reddit_url": self.url,
            "check_for_updates": False,
            "requestor_class": TimeoutRequestor,
            "requestor_kwargs": {"timeout": timeout},
            **overrides,
        }

    def add_subreddit(self, name: str, *, banned: bool = False) -> SubredditRecord:
        """Create a subreddit; ``banned=True`` forbids the bot account from posting."""
        record = SubredditRecord(display_name=name, id=self._next_id(), banned=banned)
        self.subreddits[name.lower()] = record
        return record

    def seed_submission(
        self,
        subreddit: str,
        title: str,
        selftext: str = "",
        *,
        author: str | None = None,
        created_utc: float | None = None,
    ) -> SubmissionRecord:
        """Add a pre-existing self post to a known subreddit (by the bot unless ``author``)."""
        return self._create_submission(
            self.subreddits[subreddit.lower()],
            title,
            selftext,
            author=self._user(author or self.username)[0],
            created_utc=self.clock() if created_utc is None else created_utc,
        )

    def submissions_in(self, subreddit: str) -> list[SubmissionRecord]:
        """Submissions in ``subreddit`` (any case), oldest first."""
        return [s for s in self.submissions.values() if s.subreddit.lower() == subreddit.lower()]

    def requests_to(self, path: str, method: str | None = None) -> list[RecordedRequest]:
        """Recorded requests for ``path`` (trailing slash optional), optionally by method."""
        path = _normalize(path)
        return [r for r in self.requests if r.path == path and method in (None, r.method)]

    def fail_next(
        self,
        path: str,
        *,
        times: int = 1,
        status: int | None = None,
        retry_after: float | None = None,
        api_error: tuple[str, str, str] | None = None,
        delay: float = 0.0,
        drop: bool = False,
        commit: bool = False,
    ) -> None:
        """Script the next ``times`` requests to ``path`` (faults queue up in order).

        ``status``: answer with that HTTP status and Reddit's ``{"message", "error"}``
        body (429 also gets ``retry-after``, default 1 s). ``api_error``: answer 200
        with ``{"json": {"errors": [api_error]}}``. ``drop``: close the connection
        without answering. ``delay``: wait that long first (a delay alone then answers
        normally). ``commit``: handle the request for real first, so its effect sticks
        even though the client sees the fault.
        """
        if sum((status is not None, api_error is not None, drop)) > 1:
            raise ValueError("choose at most one of status, api_error, drop")
        if status == HTTPStatus.TOO_MANY_REQUESTS and retry_after is None:
            retry_after = 1
        fault = Fault(status, retry_after, api_error, delay, drop, commit)
        self._faults.setdefault(_normalize(path), deque()).extend([fault] * times)

    def pending_faults(self) -> dict[str, int]:
        """Scripted faults not yet consumed, counted per path."""
        return {path: len(queue) for path, queue in self._faults.items() if queue}

    def expire_tokens(self) -> None:
        """Invalidate every issued access token (the next API call gets a 401)."""
        self._tokens.clear()

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        path = _normalize(request.path)
        fault = self._faults[path].popleft() if self._faults.get(path) else None
        form = dict(await request.post()) if request.method == "POST" else {}
        recorded = RecordedRequest(
            method=request.method,
            path=path,
            query=dict(request.query),
            form={key: str(value) for key, value in form.items()},
            headers=dict(request.headers),
            at=time.monotonic(),
            fault=fault,
        )
        self.requests.append(recorded)
        response = await self._respond(recorded, fault)
        if response is None:
            if request.transport is not None:
                request.transport.close()
            return web.Response()
        response.headers.update(self.ratelimit.headers())
        return response

    async def _respond(self, request: RecordedRequest, fault: Fault | None) -> web.StreamResponse | None:
        """Build the response, applying ``fault``; None means drop the connection."""
        if fault is None:
            return await self._dispatch(request)
        response = await self._dispatch(request) if fault.commit else None
        if fault.delay:
            await asyncio.sleep(fault.delay)
        if fault.drop:
            return None
        if fault.status is not None:
            headers = {"retry-after": f"{fault.retry_after:g}"} if fault.retry_after else {}
            return _error_response(fault.status, headers)
        if fault.api_error is not None:
            return web.json_response({"json": {"errors": [list(fault.api_error)]}})
        return response if response is not None else await self._dispatch(request)

    async def _dispatch(self, request: RecordedRequest) -> web.StreamResponse:
        if (request.method, request.path) == ("POST", ACCESS_TOKEN_PATH):
            return self._access_token(request)
        if self._bearer_user(request) is None:
            return _error_response(401)
        for method, pattern, handler in self._routes:
            match = pattern.fullmatch(request.path)
            if match and method == request.method:
                return await handler(request, **match.groupdict())
        return _error_response(404)

    def _bearer_user(self, request: RecordedRequest) -> str | None:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        return self._tokens.get(token) if scheme.lower() == "bearer" else None

    def _access_token(self, request: RecordedRequest) -> web.StreamResponse:
        scheme, _, encoded = request.headers.get("Authorization", "").partition(" ")
        credentials = base64.b64decode(encoded).decode() if scheme == "Basic" else ""
        if credentials != f"{self.client_id}:{self.client_secret}":
            return _error_response(401)
        form = request.form
        if form.get("grant_type") != "password":
            return web.json_response({"error": "unsupported_grant_type"})
        if (form.get("username"), form.get("password")) != (self.username, self.password):
            return web.json_response({"error": "invalid_grant"})
        token = f"fake-token-{self._next_id()}"
        self._tokens[token] = self.username
        return web.json_response(
            {"access_token": token, "token_type": "bearer", "expires_in": 86400, "scope": "*"}
        )

    async def _me(self, request: RecordedRequest) -> web.StreamResponse:
        name, user_id = self._user(self.username)
        return web.json_response({
            "name": name,
            "id": user_id,
            "created_utc": 1_600_000_000.0,
            "link_karma": 1,
            "comment_karma": 0,
            "total_karma": 1,
            "is_suspended": False,
            "has_verified_email": True,
        })

    async def _submit(self, request: RecordedRequest) -> web.StreamResponse:
        form = request.form
        subreddit = self.subreddits.get(form.get("sr", "").lower())
        title, text = form.get("title", ""), form.get("text", "")
        errors = []
        if subreddit is None:
            errors.append(["SUBREDDIT_NOEXIST", "that subreddit doesn't exist", "sr"])
        elif subreddit.banned:
            errors.append(["SUBREDDIT_NOTALLOWED", "you aren't allowed to post there.", "sr"])
        if form.get("kind") != "self":
            errors.append(["INVALID_OPTION", "that option is not valid", "kind"])
        if not title.strip():
            errors.append(["NO_TEXT", "we need something here", "title"])
        elif len(title) > MAX_TITLE_LENGTH:
            errors.append(["TOO_LONG", f"this is too long (max: {MAX_TITLE_LENGTH})", "title"])
        if len(text) > MAX_SELFTEXT_LENGTH:
            errors.append(["TOO_LONG", f"this is too long (max: {MAX_SELFTEXT_LENGTH})", "text"])
        if errors:
            return web.json_response({"json": {"errors": errors}})
        assert subreddit is not None
        record = self._create_submission(
            subreddit, title, text, author=self.username, created_utc=self.clock(), submit_form=form
        )
        return web.json_response({
            "json": {
                "errors": [],
                "data": {
                    "url": f"https://www.reddit.com{record.permalink}",
                    "drafts_count": 0,
                    "id": record.id,
                    "name": record.fullname,
                },
            }
        })

    async def _edit(self, request: RecordedRequest) -> web.StreamResponse:
        thing_id, text = request.form.get("thing_id", ""), request.form.get("text", "")
        record = self.submissions.get(thing_id.removeprefix("t3_")) if thing_id.startswith("t3_") else None
        if record is None:
            return _error_response(404)
        if record.author != self._bearer_user(request):
            return _error_response(403)
        if len(text) > MAX_SELFTEXT_LENGTH:
            error = ["TOO_LONG", f"this is too long (max: {MAX_SELFTEXT_LENGTH})", "text"]
            return web.json_response({"json": {"errors": [error]}})
        record.history.append(Revision(text, self.clock()))
        return web.json_response({"json": {"errors": [], "data": {"things": [self._thing(record)]}}})

    async def _info(self, request: RecordedRequest) -> web.StreamResponse:
        fullnames = [name for name in request.query.get("id", "").split(",") if name.startswith("t3_")]
        records = [self.submissions.get(name.removeprefix("t3_")) for name in fullnames]
        return web.json_response(_listing([self._thing(r) for r in records if r is not None]))

    async def _user_submitted(self, request: RecordedRequest, name: str) -> web.StreamResponse:
        if name.lower() not in self._users:
            return _error_response(404)
        newest_first = sorted(
            (s for s in self.submissions.values() if s.author.lower() == name.lower()),
            key=lambda s: (s.created_utc, s.sequence),
            reverse=True,
        )
        after = request.query.get("after")
        if after:
            fullnames = [s.fullname for s in newest_first]
            newest_first = newest_first[fullnames.index(after) + 1 :] if after in fullnames else []
        limit = min(max(int(request.query.get("limit", DEFAULT_LISTING_LIMIT)), 1), MAX_LISTING_LIMIT)
        page = newest_first[:limit]
        next_after = page[-1].fullname if len(newest_first) > limit else None
        return web.json_response(_listing([self._thing(s) for s in page], after=next_after))

    async def _comments(self, request: RecordedRequest, submission_id: str) -> web.StreamResponse:
        record = self.submissions.get(submission_id)
        if record is None:
            return _error_response(404)
        return web.json_response([_listing([self._thing(record)]), _listing([])])

    async def _subreddit_about(self, request: RecordedRequest, name: str) -> web.StreamResponse:
        subreddit = self.subreddits.get(name.lower())
        if subreddit is None:
            return web.Response(status=302, headers={"Location": f"/subreddits/search.json?q={name}"})
        return web.json_response({
            "kind": "t5",
            "data": {
                "display_name": subreddit.display_name,
                "display_name_prefixed": f"r/{subreddit.display_name}",
                "id": subreddit.id,
                "name": f"t5_{subreddit.id}",
                "title": subreddit.display_name,
                "url": f"/r/{subreddit.display_name}/",
                "subreddit_type": "public",
                "subscribers": 1,
                "created_utc": 1_500_000_000.0,
                "user_is_banned": subreddit.banned,
            },
        })

    def _next_id(self) -> str:
        self._counter += 1
        return _base36(36**6 + self._counter)

    def _user(self, name: str) -> tuple[str, str]:
        """Return (canonical name, id) for ``name``, registering it if new."""
        return self._users.setdefault(name.lower(), (name, self._next_id()))

    def _create_submission(
        self,
        subreddit: SubredditRecord,
        title: str,
        selftext: str,
        *,
        author: str,
        created_utc: float,
        submit_form: dict[str, str] | None = None,
    ) -> SubmissionRecord:
        record = SubmissionRecord(
            id=self._next_id(),
            subreddit=subreddit.display_name,
            title=title,
            author=author,
            created_utc=created_utc,
            history=[Revision(selftext, created_utc)],
            submit_form=dict(submit_form or {}),
            sequence=len(self.submissions),
        )
        self.submissions[record.id] = record
        return record

    def _thing(self, record: SubmissionRecord) -> JSON:
        """Render ``record`` as Reddit's ``{"kind": "t3", "data": {...}}``."""
        subreddit = self.subreddits[record.subreddit.lower()]
        return {
            "kind": "t3",
            "data": {
                "id": record.id,
                "name": record.fullname,
                "title": record.title,
                "selftext": record.selftext,
                "author": record.author,
                "author_fullname": f"t2_{self._user(record.author)[1]}",
                "subreddit": subreddit.display_name,
                "subreddit_id": f"t5_{subreddit.id}",
                "subreddit_name_prefixed": f"r/{subreddit.display_name}",
                "created_utc": record.created_utc,
                "created": record.created_utc,
                "edited": record.edited_utc or False,
                "permalink": record.permalink,
                "url": f"https://www.reddit.com{record.permalink}",
                "domain": f"self.{subreddit.display_name}",
                "is_self": True,
                "score": 1,
                "num_comments": 0,
                "over_18": False,
                "spoiler": False,
                "locked": False,
                "stickied": False,
            },
        }
