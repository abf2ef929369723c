"""A local stand-in for NASCAR's feed (cf.nascar.com/cacher) serving recorded documents.

Documents are set per path and can be changed between polls (scheduled → running → official →
revised). Answers carry an ETag and honour If-None-Match with 304, like the real CDN. Faults are
scripted per path: a status code, a delay, a truncated body, or a dropped connection.

The live endpoints (`/live/feeds/live-feed.json`, `/live/feeds/live-flag-data.json`) are keyed
`live/feeds/<name>`, a race's loop data (`/loopstats/prod/2023/2/5314.json`) `loopstats/prod/2023/2/5314.json`.
`play(frames)` serves a recorded race (db.live_feed.load_replay) frame by frame: the frame shown is the last one
whose `seconds` the test's clock (`advance_to`) has reached.
"""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass, field

from aiohttp import web

from db.live_feed import ReplayFrame

LIVE_PREFIX = "live/feeds/"
LOOPSTATS_PREFIX = "loopstats/"


@dataclass
class FeedFault:
    status: int | None = None          # answer with this status instead of the document
    delay: float = 0.0                 # wait this long first (longer than the client timeout = a timeout)
    truncate: int | None = None        # send only the first N bytes (with a matching ETag: a "valid" broken file)
    drop: bool = False                 # close the connection without answering


@dataclass
class FeedRequest:
    path: str
    if_none_match: str | None
    status: int


@dataclass
class FakeFeed:
    documents: dict[str, bytes] = field(default_factory=dict)
    requests: list[FeedRequest] = field(default_factory=list)
    faults: dict[str, list[FeedFault]] = field(default_factory=dict)
    port: int = 0
    frames: list[ReplayFrame] = field(default_factory=list)
    clock: float = 0.0

    async def start(self) -> FakeFeed:
        app = web.Application()
        app.router.add_get("/cacher/{path:.*}", self._serve)
        app.router.add_get("/live/feeds/{path:.*}", self._serve_live)
        app.router.add_get("/loopstats/{path:.*}", self._serve_loopstats)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]
        return self

    async def close(self) -> None:
        await self._runner.cleanup()

    async def __aenter__(self) -> FakeFeed:
        return await self.start()

    async def __aexit__(self, *exc_info) -> None:
        await self.close()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/cacher"

    def serve(self, path: str, body: bytes | None) -> None:
        """Publish (or with None, withdraw) the document at `path`, e.g. `2023/race_list_basic.json`."""
        if body is None:
            self.documents.pop(path, None)
        else:
            self.documents[path] = body

    def play(self, frames: list[ReplayFrame], clock: float = 0.0) -> None:
        """Serve a recorded race's live documents, from the frame at `clock` on."""
        self.frames = list(frames)
        self.clock = clock

    def advance_to(self, seconds: float) -> None:
        self.clock = seconds

    def frame_now(self) -> ReplayFrame | None:
        shown = [frame for frame in self.frames if frame.seconds <= self.clock]
        return shown[-1] if shown else None

    def fail_next(self, path: str, fault: FeedFault, times: int = 1) -> None:
        self.faults.setdefault(path, []).extend([fault] * times)

    def requests_for(self, path: str) -> list[FeedRequest]:
        return [request for request in self.requests if request.path == path]

    async def _serve_live(self, request: web.Request) -> web.StreamResponse:
        return await self._serve(request, LIVE_PREFIX + request.match_info["path"])

    async def _serve_loopstats(self, request: web.Request) -> web.StreamResponse:
        return await self._serve(request, LOOPSTATS_PREFIX + request.match_info["path"])

    def _document(self, path: str) -> bytes | None:
        if path in self.documents:
            return self.documents[path]
        frame = self.frame_now() if path.startswith(LIVE_PREFIX) else None
        return frame.documents.get(path.removeprefix(LIVE_PREFIX)) if frame else None

    async def _serve(self, request: web.Request, path: str | None = None) -> web.StreamResponse:
        path = path or request.match_info["path"]
        if_none_match = request.headers.get("If-None-Match")
        fault = self.faults[path].pop(0) if self.faults.get(path) else None
        if fault and fault.delay:
            await asyncio.sleep(fault.delay)
        if fault and fault.drop:
            self.requests.append(FeedRequest(path, if_none_match, 0))
            request.transport.close()
            return web.Response()
        if fault and fault.status:
            self.requests.append(FeedRequest(path, if_none_match, fault.status))
            return web.Response(status=fault.status, text="upstream trouble")
        body = self._document(path)
        if body is None:
            self.requests.append(FeedRequest(path, if_none_match, 404))
            return web.Response(status=404, text="Not Found")
        if fault and fault.truncate is not None:
            body = body[: fault.truncate]
        etag = '"' + hashlib.md5(body).hexdigest() + '"'
        if if_none_match == etag:
            self.requests.append(FeedRequest(path, if_none_match, 304))
            return web.Response(status=304, headers={"ETag": etag})
        self.requests.append(FeedRequest(path, if_none_match, 200))
        return web.Response(body=body, content_type="application/json", headers={"ETag": etag})
