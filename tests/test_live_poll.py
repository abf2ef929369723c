"""The live feed over HTTP: the real feed client polling the local feed server through a replayed race, and
`pitboard live --replay` as a user runs it."""

from __future__ import annotations

import os
import subprocess
import sys

import aiohttp

from bot.feed import FeedClient, LivePoller
from bot.live_race import EventKind, events_between
from db.live_feed import Flag, LiveRace, load_replay
from testkit.fakes.feed_server import FakeFeed, FeedFault
from testkit.replays import CHICAGOLAND

LIVE_FEED = "live/feeds/live-feed.json"
FLAGS = "live/feeds/live-flag-data.json"


async def test_polling_a_replayed_race_honours_304_and_sees_every_event():
    frames = load_replay(CHICAGOLAND)
    async with FakeFeed() as feed, aiohttp.ClientSession() as session:
        feed.play(frames)
        poller = LivePoller(FeedClient(session, feed.base_url), interval=5.0)
        state = await poller.poll()
        assert state.race is not None and state.race.flag is Flag.PRE_RACE and not state.interrupted
        assert poller.delay == 5.0
        await poller.poll()                       # nothing moved: both documents answered 304
        assert [request.status for request in feed.requests_for(LIVE_FEED)] == [200, 304]
        assert [request.status for request in feed.requests_for(FLAGS)] == [200, 304]
        previous: LiveRace | None = None
        events = []
        for frame in frames[1:]:
            feed.advance_to(frame.seconds)
            state = await poller.poll()
            assert state.race is not None
            events += events_between(previous, state.race, state.flags, state.notes)
            previous = state.race
        assert previous is not None and previous.lap == 201 and previous.flag is Flag.CHECKERED
        assert len({event.key for event in events}) == len(events)
        assert events[-1].kind is EventKind.CHECKERED and events[-1].driver == "Brandon Jones"
        # The flag history changes far less often than the live feed: most of its polls were 304s.
        flag_statuses = [request.status for request in feed.requests_for(FLAGS)]
        assert flag_statuses.count(304) > 150 and flag_statuses.count(200) == 18   # one per flag change
        # The lap notes of this race are not published: a 404 is "nothing yet", not a failure.
        assert all(request.status == 404 for request in feed.requests if request.path.endswith("lap-notes.json"))


async def test_outage_shows_interrupted_backs_off_and_recovers():
    frames = load_replay(CHICAGOLAND)
    async with FakeFeed() as feed, aiohttp.ClientSession() as session:
        feed.play(frames, clock=frames[50].seconds)
        poller = LivePoller(FeedClient(session, feed.base_url, timeout=2.0), interval=5.0, max_interval=30.0)
        good = await poller.poll()
        assert good.race is not None and good.race.lap == 49
        feed.advance_to(frames[60].seconds)
        feed.fail_next(LIVE_FEED, FeedFault(status=503), times=3)
        delays = []
        for _ in range(3):
            state = await poller.poll()
            assert state.interrupted and state.race == good.race       # the last good document is kept
            delays.append(poller.delay)
        assert delays == [10.0, 20.0, 30.0]
        feed.fail_next(LIVE_FEED, FeedFault(truncate=500))            # a broken document is refused, then fetched whole
        assert (await poller.poll()).interrupted
        recovered = await poller.poll()
        assert not recovered.interrupted and recovered.race is not None and recovered.race.lap == 59 and poller.delay == 5.0


def test_pitboard_live_replay_prints_the_race_and_the_winner(real_db):
    script = os.path.join(os.path.dirname(sys.executable), "pitboard")
    done = subprocess.run(
        # as fast as the machine plays it: what is checked is what the board says, not its pace
        [script, "live", "--replay", str(CHICAGOLAND), "--speed", "1000000"], capture_output=True, text=True, timeout=120,
        env={**os.environ, "PITBOARD_DB": str(real_db)},
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("L0    Green flag: Cuervo 300 is under way, Connor Zilisch (#1) leads the field.")
    checkered = next(line for line in lines if "Checkered flag" in line)
    assert "Brandon Jones (#20) wins the Cuervo 300!" in checkered and "the first at Chicagoland Speedway" in checkered
    assert "Lap 201 of 201 · Checkered" in done.stdout and "Traceback" not in done.stderr


def test_pitboard_live_refuses_a_directory_without_a_race(tmp_path, real_db):
    script = os.path.join(os.path.dirname(sys.executable), "pitboard")
    done = subprocess.run([script, "live", "--replay", str(tmp_path)], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PITBOARD_DB": str(real_db)})
    assert done.returncode == 1 and "is not a recorded race" in done.stderr
