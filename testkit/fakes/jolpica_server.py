"""A local stand-in for the Jolpica F1 API (api.jolpi.ca/ergast/f1) serving documents a test sets.

Paths are Jolpica's without the prefix and query: `2026/11/results`, `2026/11/driverstandings`. A path with no
document answers as Jolpica does before a race's results are in: 200 with an empty table (`total` 0). Answers carry
an ETag and honour If-None-Match with 304. Faults are scripted per path: a status (429 with Retry-After, 5xx) for
the next requests.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from aiohttp import web


@dataclass
class JolpicaFault:
    status: int                        # 429, 500, 503…
    retry_after: str | None = None     # the Retry-After header of a 429


@dataclass
class JolpicaRequest:
    path: str
    query: str
    if_none_match: str | None
    status: int


def empty_document(path: str) -> bytes:
    """What Jolpica answers for a session without results yet, or a season without a table."""
    table: dict[str, dict[str, object]]
    if path.endswith("driverstandings"):
        table = {"StandingsTable": {"StandingsLists": []}}
    else:
        season, round_ = path.split("/")[:2]
        table = {"RaceTable": {"season": season, "round": round_, "Races": []}}
    return json.dumps({"MRData": {"series": "f1", "limit": "100", "offset": "0", "total": "0", **table}}).encode()


def runner_port(runner: web.AppRunner) -> int:
    """The port the runner's one site listens on."""
    return int(runner.addresses[0][1])


@dataclass
class FakeJolpica:
    documents: dict[str, bytes] = field(default_factory=dict)
    requests: list[JolpicaRequest] = field(default_factory=list)
    faults: dict[str, list[JolpicaFault]] = field(default_factory=dict)
    port: int = 0

    async def __aenter__(self) -> FakeJolpica:
        app = web.Application()
        app.router.add_get("/ergast/f1/{path:.*}", self._serve)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = runner_port(self._runner)
        return self

    async def __aexit__(self, *exc_info) -> None:
        await self._runner.cleanup()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/ergast/f1"

    def serve(self, path: str, body: bytes | None) -> None:
        """Publish (or with None, withdraw) the document at `path`, e.g. `2026/11/results`."""
        if body is None:
            self.documents.pop(path, None)
        else:
            self.documents[path] = body

    def fail_next(self, path: str, fault: JolpicaFault, times: int = 1) -> None:
        self.faults.setdefault(path, []).extend([fault] * times)

    def requests_for(self, path: str) -> list[JolpicaRequest]:
        return [request for request in self.requests if request.path == path]

    async def _serve(self, request: web.Request) -> web.StreamResponse:
        path = request.match_info["path"].strip("/")
        if_none_match = request.headers.get("If-None-Match")
        fault = self.faults[path].pop(0) if self.faults.get(path) else None
        if fault is not None:
            self.requests.append(JolpicaRequest(path, request.query_string, if_none_match, fault.status))
            headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
            text = "slow down" if fault.status == 429 else "upstream trouble"
            return web.Response(status=fault.status, text=text, headers=headers)
        body = self.documents.get(path) or empty_document(path)
        etag = '"' + hashlib.md5(body).hexdigest() + '"'
        if if_none_match == etag:
            self.requests.append(JolpicaRequest(path, request.query_string, if_none_match, 304))
            return web.Response(status=304, headers={"ETag": etag})
        self.requests.append(JolpicaRequest(path, request.query_string, if_none_match, 200))
        return web.Response(body=body, content_type="application/json", headers={"ETag": etag})
