"""F1 results after the bundled data's end: the real Jolpica client and the watcher against the local fake Jolpica,
which serves documents built from F1DB's real 2026 results (testkit.jolpica_documents), posting through the real
asyncpraw against the fake Reddit. The store is the real history with 2026 round 11 (Hungary) taken out, as if
F1DB's data ended before it."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import aiohttp
import pytest

from bot.feed import FeedClient, FeedUnavailable
from bot.jolpica import ATTEMPTS, HOURLY, JolpicaClient, JolpicaUnavailable, RateLimiter
from bot.reddit import RedditPoster, RetryPolicy, reddit_client
from bot.settings import RedditSettings, Secret
from bot.watcher import Watcher
from db import guilds
from db.errors import FeedError
from db.f1db import bundled_rows
from db.jolpica import parse_session, parse_standings
from db.store import Store
from testkit.fakes.feed_server import FakeFeed
from testkit.fakes.jolpica_server import FakeJolpica, JolpicaFault
from testkit.fakes.reddit_server import FakeReddit, skip_client_sleeps
from testkit.jolpica_documents import forget_results, revised, session_document, session_entries, standings_document

pytestmark = pytest.mark.realdata

SEASON, ROUND = 2026, 11
RESULTS, QUALIFYING, STANDINGS = f"{SEASON}/{ROUND}/results", f"{SEASON}/{ROUND}/qualifying", f"{SEASON}/{ROUND}/driverstandings"
TITLE = "Post-Race Thread: {race} ({series})"
GUILD = 42


def f1db_classification() -> list[tuple[str, str]]:
    """F1DB's own rows for the race: (position or status code, driver id), in its order."""
    [race_id] = [row["id"] for row in bundled_rows("races") if (row["year"], row["round"]) == (str(SEASON), str(ROUND))]
    return [(row["position"], row["driverId"]) for row in bundled_rows("race_results") if row["race_id"] == race_id]


class Clock:
    def __init__(self, moment: datetime):
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment


class SteppedClock:
    """Monotonic time that only moves when someone sleeps: waits are recorded, never taken."""

    def __init__(self):
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
def waits() -> SteppedClock:
    return SteppedClock()


@pytest.fixture
async def rig(subset_db_copy, waits):
    async with Store.open(subset_db_copy) as store:
        await forget_results(store, SEASON, ROUND)
        await guilds.add_subreddit(store, GUILD, "f1", "formula1")
        start = datetime.fromisoformat(await store.scalar(
            "SELECT r.starts_at FROM races r JOIN series s ON s.id = r.series_id "
            "WHERE s.key = 'f1' AND r.season = ? AND r.round = ?",
            (SEASON, ROUND),
        ))
        async with FakeJolpica() as jolpica_fake, FakeFeed() as feed, FakeReddit(subreddits=("formula1",)) as reddit_fake:
            settings = RedditSettings(client_id=reddit_fake.client_id, client_secret=Secret(reddit_fake.client_secret),
                                      username=reddit_fake.username, password=Secret(reddit_fake.password))
            reddit_session = reddit_client(
                settings, oauth_url=reddit_fake.url, reddit_url=reddit_fake.url, requestor_kwargs={"timeout": 2}
            )
            async with aiohttp.ClientSession() as session, reddit_session as reddit:
                retry = RetryPolicy(attempts=3, base_delay=0, max_delay=0)
                poster = RedditPoster(reddit, store, retry=retry, min_edit_interval=0)
                limiter = RateLimiter(clock=waits, sleep=waits.sleep)
                client = JolpicaClient(session, jolpica_fake.base_url, limiter=limiter, sleep=waits.sleep, timeout=2)
                clock = Clock(start + timedelta(hours=1))
                watcher = Watcher(store, FeedClient(session, feed.base_url, timeout=1.0), poster=poster, title_template=TITLE,
                                  clock=clock, jolpica=client)
                with skip_client_sleeps():
                    yield watcher, clock, store, jolpica_fake, reddit_fake


def publish_race(jolpica_fake: FakeJolpica) -> None:
    jolpica_fake.serve(RESULTS, session_document(SEASON, ROUND))
    jolpica_fake.serve(QUALIFYING, session_document(SEASON, ROUND, "qualifying"))
    jolpica_fake.serve(STANDINGS, standings_document(SEASON, ROUND))


async def stored_order(store: Store) -> list[tuple[str | None, str]]:
    rows = await store.fetchall(
        """SELECT x.finish, x.status_code, d.f1db_id FROM results x JOIN drivers d ON d.id = x.driver_id
           JOIN races r ON r.id = x.race_id JOIN series s ON s.id = r.series_id
           WHERE s.key = 'f1' AND r.season = ? AND r.round = ? ORDER BY x.finish""",
        (SEASON, ROUND),
    )
    return [(row["status_code"] or str(row["finish"]), row["f1db_id"]) for row in rows]


async def test_new_race_is_ingested_posted_once_and_edited_on_revision(rig):
    watcher, clock, store, jolpica_fake, reddit_fake = rig
    drivers_before = await store.scalar("SELECT count(*) FROM drivers")

    report = await watcher.poll()   # an hour after the start: no results yet, and nothing else is asked
    assert report.imported == [] and reddit_fake.submissions_in("formula1") == []
    assert [request.path for request in jolpica_fake.requests] == [RESULTS]
    assert jolpica_fake.requests[0].query == "limit=100"

    clock.moment += timedelta(days=1)
    publish_race(jolpica_fake)
    report = await watcher.poll()
    # The season's table is F1DB's current one already (the same figures): read, and left as it is.
    assert report.imported == [f"jolpica results {SEASON}-{ROUND}", f"jolpica qualifying {SEASON}-{ROUND}"]
    assert jolpica_fake.requests_for(STANDINGS)[-1].status == 200
    # Every driver mapped onto F1DB's own (Ergast ids like `antonelli` included), no new driver rows.
    assert await stored_order(store) == [(code, driver) for code, driver in f1db_classification() if code not in ("DNS", "DNQ")]
    assert await store.scalar("SELECT count(*) FROM drivers") == drivers_before
    [thread] = reddit_fake.submissions_in("formula1")
    first = next(session_entries(SEASON, ROUND))
    assert f"**{first['Driver']['givenName']} {first['Driver']['familyName']}** won the" in thread.selftext
    assert f"[](#pitboard:f1-{SEASON}-{ROUND})" in thread.selftext
    assert "| Pos | No | Driver | Team | Laps | Time/Gap | Points |" in thread.selftext
    assert [outcome.action for outcome in report.published] == ["posted"]

    report = await watcher.poll()   # nothing new: conditional requests, no post, no edit
    assert report.imported == [] and [outcome.action for outcome in report.published] == ["unchanged"]
    assert jolpica_fake.requests_for(RESULTS)[-1].status == 304

    clock.moment += timedelta(days=1)
    entries = list(session_entries(SEASON, ROUND))
    jolpica_fake.serve(RESULTS, session_document(SEASON, ROUND, entries=revised(entries, entries[1]["Driver"]["code"], 3)))
    report = await watcher.poll()
    assert report.imported == [f"jolpica results {SEASON}-{ROUND}"]
    original = [driver for _, driver in f1db_classification()]
    order = [driver for _, driver in await stored_order(store)]
    assert order[4] == original[1] and order[1:4] == original[2:5]   # the penalised driver dropped three places
    [thread] = reddit_fake.submissions_in("formula1")
    assert [outcome.action for outcome in report.published] == ["edited"] and len(thread.history) == 2
    assert len(reddit_fake.submissions_in("formula1")) == 1


async def test_a_partial_document_is_refused_and_the_store_unchanged(rig):
    watcher, clock, store, jolpica_fake, reddit_fake = rig
    clock.moment += timedelta(days=1)
    entries = list(session_entries(SEASON, ROUND))
    jolpica_fake.serve(RESULTS, session_document(SEASON, ROUND, entries=entries[:12], total=len(entries)))
    report = await watcher.poll()
    assert report.rejected and RESULTS in report.rejected[0]
    assert await stored_order(store) == [] and reddit_fake.submissions_in("formula1") == []

    publish_race(jolpica_fake)   # the whole document later: read again in full (the refused one's ETag was forgotten)
    await watcher.poll()
    assert len(await stored_order(store)) > 12 and len(reddit_fake.submissions_in("formula1")) == 1


async def test_429_waits_as_told_then_succeeds(rig, waits):
    watcher, clock, store, jolpica_fake, reddit_fake = rig
    clock.moment += timedelta(days=1)
    publish_race(jolpica_fake)
    jolpica_fake.fail_next(RESULTS, JolpicaFault(429, retry_after="7"))
    await watcher.poll()
    assert [request.status for request in jolpica_fake.requests_for(RESULTS)] == [429, 200]
    assert waits.slept[0] == 7.0   # the retry waited as Retry-After said, and no longer
    assert len(reddit_fake.submissions_in("formula1")) == 1


async def test_5xx_backs_off_then_gives_up_until_the_next_poll(rig, waits):
    watcher, clock, store, jolpica_fake, reddit_fake = rig
    clock.moment += timedelta(days=1)
    publish_race(jolpica_fake)
    jolpica_fake.fail_next(RESULTS, JolpicaFault(503), times=ATTEMPTS)
    with pytest.raises(FeedUnavailable):
        await watcher.poll()
    assert [request.status for request in jolpica_fake.requests_for(RESULTS)] == [503] * ATTEMPTS
    assert waits.slept[:ATTEMPTS - 1] == [1.0, 2.0, 4.0][: ATTEMPTS - 1]   # doubling backoff between attempts
    assert await stored_order(store) == []
    await watcher.poll()
    assert len(reddit_fake.submissions_in("formula1")) == 1


async def test_an_unknown_driver_becomes_a_new_driver(rig):
    watcher, clock, store, jolpica_fake, reddit_fake = rig
    clock.moment += timedelta(days=1)
    entries = list(session_entries(SEASON, ROUND))
    entries[-1] = {**entries[-1], "Driver": {"driverId": "rookie_newman", "code": "NEW", "permanentNumber": "99",
                                             "givenName": "Rookie", "familyName": "Newman"}}
    jolpica_fake.serve(RESULTS, session_document(SEASON, ROUND, entries=entries))
    await watcher.poll()
    assert await store.scalar("SELECT count(*) FROM drivers WHERE name = 'Rookie Newman' AND code = 'NEW'") == 1
    assert len(await stored_order(store)) == len(entries) - sum(1 for code, _ in f1db_classification() if code in ("DNS", "DNQ"))


# ------------------------------------------------------------------ validation, without the store


def document(**changes) -> bytes:
    body = json.loads(session_document(SEASON, ROUND))
    first = body["MRData"]["RaceTable"]["Races"][0]["Results"][0]
    first.update(changes)
    return json.dumps(body).encode()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"laps": "99999"}, "MRData.RaceTable.Races[0].Results[0].laps"),
        ({"points": "-5"}, "MRData.RaceTable.Races[0].Results[0].points"),
        ({"position": "2", "positionText": "2"}, "MRData.RaceTable.Races[0].Results"),
        ({"positionText": "Q"}, "MRData.RaceTable.Races[0].Results[0].positionText"),
        ({"Driver": {"driverId": "Max Verstappen!", "givenName": "Max", "familyName": "Verstappen"}},
         "MRData.RaceTable.Races[0].Results[0].Driver.driverId"),
        ({"number": "x" * 500}, "MRData.RaceTable.Races[0].Results[0].number"),
    ],
)
def test_implausible_values_are_refused_by_field(changes, field):
    with pytest.raises(FeedError) as refused:
        parse_session(document(**changes), "results")
    assert refused.value.field == field


def test_documents_parse_and_an_empty_table_means_no_results_yet():
    parsed = parse_session(session_document(SEASON, ROUND), "results")
    assert parsed is not None and (parsed.season, parsed.round) == (SEASON, ROUND)
    assert parse_session(b'{"MRData": {"total": "0", "RaceTable": {"Races": []}}}', "results") is None
    standings = parse_standings(standings_document(SEASON, ROUND))
    assert standings is not None and standings.lines[0].position == 1
    with pytest.raises(FeedError):
        parse_session(b"{not json", "results")


# ------------------------------------------------------------------ the client-side rate limiter


async def test_rate_limiter_allows_a_burst_of_four_then_four_a_second():
    clock = SteppedClock()
    limiter = RateLimiter(clock=clock, sleep=clock.sleep)
    for _ in range(4):
        await limiter.acquire()
    assert clock.slept == []
    await limiter.acquire()
    assert clock.slept == [pytest.approx(0.25)]


async def test_rate_limiter_refuses_past_the_hourly_budget():
    clock = SteppedClock()
    limiter = RateLimiter(clock=clock, sleep=clock.sleep)
    for _ in range(HOURLY):
        await limiter.acquire()
    with pytest.raises(JolpicaUnavailable):
        await limiter.acquire()
    clock.now += 3600
    await limiter.acquire()   # the hour has passed
