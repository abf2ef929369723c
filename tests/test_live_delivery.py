"""Race-day delivery (bot/live_delivery.py) through the real bot and discord.py against the fake Discord.

Time is a manual clock shared by the delivery and the fake's rate limit windows: TV delays, reminders and
rate limit windows pass when a test advances it, not in real time.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import discord
import pytest

from bot.live_delivery import BUSY_RETRY, LiveDelivery, ScheduledRace, ServerLiveSettings, marked, marker
from bot.pitboard import Pitboard
from db import live_ledger
from db.live_ledger import LiveKey
from db.records import replace
from db.store import Store
from testkit.clock import ManualClock
from testkit.discord_harness import RaceDayGuild, embed_text, race_day_guild, running_pitboard
from testkit.fakes.discord_server import (
    CHANNEL_PUBLIC_THREAD,
    DISCORD_MESSAGE_RATE_LIMIT,
    FakeDiscord,
    RateLimit,
    redirect_discord_to,
)
from testkit.samples import SMALL_CUP, fill_store, rows

START = datetime(2026, 6, 28, 19, 30, tzinfo=UTC)     # the clock starts half an hour before green
GREEN = START + timedelta(minutes=30)
RACE = ScheduledRace(key="cup-2026-17", series="cup", name="Chicagoland 400", track="Chicagoland Speedway", starts_at=GREEN)


def board(lap: int) -> discord.Embed:
    return discord.Embed(title="Chicagoland 400", description=f"Lap {lap} of 267\n1. Kyle Larson\n2. Denny Hamlin")


def event(title: str) -> discord.Embed:
    return discord.Embed(title=title)


def live_on(server: RaceDayGuild, **settings) -> ServerLiveSettings:
    return ServerLiveSettings(guild_id=server.guild_id, channel_id=server.announce_id, live_on=True, **settings)


class RaceDay:
    """One test's world: servers, the fake Discord and a database, on one manual clock."""

    def __init__(self, fake: FakeDiscord, clock: ManualClock, db_path: Path, servers: Sequence[RaceDayGuild]):
        self.fake = fake
        self.clock = clock
        self.db_path = db_path
        self.servers = servers

    @contextlib.asynccontextmanager
    async def bot(self) -> AsyncIterator[Pitboard]:
        """A Pitboard process: its own store handle on the shared database, its own delivery."""
        async with Store.open(self.db_path) as store, running_pitboard(self.fake, store, live_clock=self.clock) as bot:
            yield bot

    async def advance(self, seconds: float, *deliveries: LiveDelivery) -> None:
        self.clock.advance(seconds)
        for delivery in deliveries:
            await delivery.settled()

    def messages(self, channel_id: int) -> list[dict]:
        return self.fake.channel_history(channel_id)

    def marked(self, channel_id: int, item: str) -> list[dict]:
        """The channel's messages carrying the race item's marker."""
        wanted = marker(RACE.key, item)
        return [message for message in self.messages(channel_id)
                if any(embed.get("footer", {}).get("text", "").endswith(wanted) for embed in message["embeds"])]

    def creates_in(self, channel_id: int) -> list:
        return [request for request in self.fake.channel_messages if request.path == f"/channels/{channel_id}/messages"]

    def searches_in(self, channel_id: int) -> list:
        """Reads of the channel's history: how a message sent but never recorded is looked for."""
        return [request for request in self.fake.requests
                if request.method == "GET" and request.path == f"/channels/{channel_id}/messages"]


@contextlib.asynccontextmanager
async def race_day_world(db_path: Path, message_rate_limit: RateLimit = DISCORD_MESSAGE_RATE_LIMIT) -> AsyncIterator[RaceDay]:
    clock = ManualClock(START)
    servers = [race_day_guild(1), race_day_guild(2), race_day_guild(3, manage_events=False)]
    async with Store.open(db_path) as store:   # series names, for /live's option
        await fill_store(store, [("cup", rows(SMALL_CUP))])
    async with FakeDiscord(guilds=[server.guild for server in servers], clock=clock.time,
                           message_rate_limit=message_rate_limit) as fake:
        with redirect_discord_to(fake):
            yield RaceDay(fake, clock, db_path, servers)


@pytest.fixture
async def race_day(empty_db) -> AsyncIterator[RaceDay]:
    async with race_day_world(empty_db) as world:
        yield world


def live(bot: Pitboard) -> LiveDelivery:
    assert bot.live is not None
    return bot.live


async def test_board_is_created_once_then_edited_in_place_at_one_update_a_second_without_a_429(race_day):
    server = race_day.servers[0]
    settings = [live_on(server)]
    async with race_day.bot() as bot:
        delivery = live(bot)
        for lap in range(1, 61):    # a minute of boards, one a second
            delivery.publish(RACE, board(lap), [], race_day.clock.now(), settings)
            await race_day.advance(1, delivery)
        await race_day.advance(5, delivery)

    [message] = race_day.marked(server.announce_id, "board")
    assert "Lap 60 of 267" in embed_text(message["embeds"][0])            # the latest board stands
    assert len(race_day.creates_in(server.announce_id)) == 1              # created once
    edits = [request for request in race_day.fake.message_edits if request.path.endswith(f"/messages/{message['id']}")]
    assert 40 <= len(edits) < 60                                          # edited as often as the limit allows, boards coalesced
    assert race_day.fake.rate_limited == []                               # never past the limit,
    remaining = [int(request.response_headers["X-RateLimit-Remaining"]) for request in race_day.fake.requests
                 if request.path.startswith(f"/channels/{server.announce_id}/messages")]
    assert min(remaining) == 1                                            # nor to it: discord.py would stall the channel


async def test_pacing_follows_the_limit_discord_reports_not_only_the_documented_one(empty_db):
    async with race_day_world(empty_db, RateLimit(limit=3, window=5.0)) as race_day:
        server = race_day.servers[0]
        async with race_day.bot() as bot:
            for lap in range(1, 21):
                live(bot).publish(RACE, board(lap), [], race_day.clock.now(), [live_on(server)])
                await race_day.advance(1, live(bot))
            await race_day.advance(5, live(bot))

        [message] = race_day.marked(server.announce_id, "board")
        assert "Lap 20 of 267" in embed_text(message["embeds"][0])
        assert race_day.fake.rate_limited == []
        remaining = [int(request.response_headers["X-RateLimit-Remaining"]) for request in race_day.fake.requests
                     if request.path.startswith(f"/channels/{server.announce_id}/messages")]
        assert min(remaining) == 1


async def test_board_is_edited_not_posted_again_after_a_restart_mid_race(race_day):
    server = race_day.servers[0]
    settings = [live_on(server)]
    async with race_day.bot() as bot:
        live(bot).publish(RACE, board(100), [("green", event("Green flag"))], race_day.clock.now(), settings)
        await race_day.advance(1, live(bot))
    async with race_day.bot() as bot:                                     # the bot restarts mid-race
        live(bot).publish(RACE, board(101), [("green", event("Green flag")), ("caution-1", event("Caution"))],
                          race_day.clock.now(), settings)
        await race_day.advance(1, live(bot))

    [message] = race_day.marked(server.announce_id, "board")
    assert "Lap 101 of 267" in embed_text(message["embeds"][0])
    assert len(race_day.marked(server.announce_id, "green")) == 1
    assert len(race_day.marked(server.announce_id, "caution-1")) == 1
    assert len(race_day.creates_in(server.announce_id)) == 3              # one board, two events: nothing again
    assert race_day.searches_in(server.announce_id) == []                 # the ledger knew: no channel search needed


async def test_an_event_sent_by_a_process_that_died_before_recording_it_is_found_not_sent_again(race_day):
    server = race_day.servers[0]
    settings = [live_on(server)]
    green = LiveKey(RACE.key, server.guild_id, "event", "green")
    async with race_day.bot() as bot:
        # The dead process claimed the event for a second, sent it, and died before recording it.
        now = race_day.clock.now()
        assert await live_ledger.claim(bot.store, green, server.announce_id, "dead-holder", now, now + timedelta(seconds=1))
        await bot.get_partial_messageable(server.announce_id).send(embed=marked(event("Green flag"), RACE.key, "green"))
        await race_day.advance(2)                                         # its claim lapses

        live(bot).publish(RACE, None, [("green", event("Green flag"))], race_day.clock.now(), settings)
        await race_day.advance(0, live(bot))
        recorded = await live_ledger.get(bot.store, green)

    [message] = race_day.marked(server.announce_id, "green")
    assert recorded is not None and recorded.object_id == int(message["id"])


async def test_two_processes_on_one_database_send_each_event_once(race_day):
    server = race_day.servers[0]
    settings = [live_on(server)]
    # Two events, the board and the second process's edit of it: one rate limit window of the channel, shared by both.
    events = [(f"caution-{n}", event(f"Caution {n}")) for n in range(1, 3)]
    async with race_day.bot() as first, race_day.bot() as second:
        for delivery in (live(first), live(second)):
            delivery.publish(RACE, board(50), events, race_day.clock.now(), settings)
        for _ in range(4):   # a process that found the other one busy looks again after BUSY_RETRY
            await race_day.advance(BUSY_RETRY.total_seconds(), live(first), live(second))

    for key, _ in events:
        assert len(race_day.marked(server.announce_id, key)) == 1, key
    assert len(race_day.marked(server.announce_id, "board")) == 1
    assert race_day.searches_in(server.announce_id) == []
    assert race_day.fake.rate_limited == []


async def test_tv_delay_holds_back_the_board_and_events_by_the_server_setting(race_day):
    prompt, delayed = race_day.servers[0], race_day.servers[1]
    settings = [live_on(prompt), live_on(delayed, delay_seconds=30)]
    async with race_day.bot() as bot:
        delivery = live(bot)
        delivery.publish(RACE, board(1), [("green", event("Green flag"))], race_day.clock.now(), settings)
        await race_day.advance(0, delivery)
        assert len(race_day.messages(prompt.announce_id)) == 2
        assert race_day.messages(delayed.announce_id) == []
        assert delivery.current_board("cup", delayed.guild_id) is None        # /live there would spoil it too

        await race_day.advance(29, delivery)
        assert race_day.messages(delayed.announce_id) == []                   # nothing a second early

        await race_day.advance(1, delivery)
        assert len(race_day.marked(delayed.announce_id, "green")) == 1
        assert len(race_day.marked(delayed.announce_id, "board")) == 1
        shown = delivery.current_board("cup", delayed.guild_id)
        assert shown is not None and "Lap 1 of" in (shown.embed.description or "")


async def test_reminder_mentions_exactly_its_role_once_and_nothing_else_pings(race_day):
    with_role, without_role = race_day.servers[0], race_day.servers[1]
    settings = [live_on(with_role, reminder_minutes=15, reminder_role_id=with_role.fans_role_id),
                live_on(without_role, reminder_minutes=15)]
    async with race_day.bot() as bot:
        delivery = live(bot)
        delivery.schedule_reminders(RACE, settings)
        await race_day.advance(14 * 60, delivery)                              # 16 minutes before green
        assert race_day.messages(with_role.announce_id) == []
        await race_day.advance(60, delivery)                                   # 15 minutes before green
        delivery.schedule_reminders(RACE, settings)                            # the lifecycle asks again: still once
        await race_day.advance(60, delivery)
        # The race itself, with text that would ping if anything were allowed to.
        loud = discord.Embed(title="Caution", description=f"@everyone <@&{with_role.staff_role_id}> <@{with_role.guild_id}>")
        delivery.publish(RACE, board(1), [("caution-1", loud)], race_day.clock.now(), settings)
        await race_day.advance(1, delivery)

    [reminder] = race_day.marked(with_role.announce_id, "reminder")
    assert race_day.fake.allowed_mentions[int(reminder["id"])] == {"parse": [], "roles": [with_role.fans_role_id]}
    assert race_day.fake.pings(int(reminder["id"])).roles == {with_role.fans_role_id}
    [silent] = race_day.marked(without_role.announce_id, "reminder")
    assert "<@&" not in silent["content"]
    for message_id, message in race_day.fake.messages.items():
        if message is not reminder:
            assert not race_day.fake.pings(message_id).anyone, message
            assert race_day.fake.allowed_mentions[message_id] == {"parse": []}


async def test_reminder_is_not_sent_after_green_and_not_for_a_cancelled_race(race_day):
    server = race_day.servers[0]
    settings = [live_on(server, reminder_minutes=10, reminder_role_id=server.fans_role_id)]
    async with race_day.bot() as bot:
        delivery = live(bot)
        delivery.schedule_reminders(replace(RACE, cancelled=True), settings)
        late = replace(RACE, key="cup-2026-16", starts_at=START - timedelta(minutes=5))
        delivery.schedule_reminders(late, settings)
        await race_day.advance(30 * 60, delivery)
    assert race_day.messages(server.announce_id) == []


async def test_scheduled_events_are_created_moved_and_deleted_once(race_day):
    keen, not_interested, not_allowed = race_day.servers
    settings = [live_on(keen, events_on=True), live_on(not_interested), live_on(not_allowed, events_on=True)]
    later = replace(RACE, key="cup-2026-18", name="Pocono 400", track="Pocono Raceway", starts_at=GREEN + timedelta(days=7))
    async with race_day.bot() as bot:
        delivery = live(bot)
        assert await delivery.sync_scheduled_events([RACE, later], settings) == [
            f"created {RACE.key} in {keen.guild_id}", f"created {later.key} in {keen.guild_id}"]
        assert await delivery.sync_scheduled_events([RACE, later], settings) == []

        rain_delay = replace(RACE, starts_at=GREEN + timedelta(days=1))
        assert await delivery.sync_scheduled_events([rain_delay, later], settings) == [f"moved {RACE.key} in {keen.guild_id}"]
        assert await delivery.sync_scheduled_events([rain_delay, later], settings) == []

        assert await delivery.sync_scheduled_events([rain_delay, replace(later, cancelled=True)], settings) == [
            f"deleted {later.key} in {keen.guild_id}"]
        assert await delivery.sync_scheduled_events([rain_delay, replace(later, cancelled=True)], settings) == []

    [remaining] = race_day.fake.scheduled_events.values()
    assert (remaining["guild_id"], remaining["name"]) == (str(keen.guild_id), "Chicagoland 400")
    assert datetime.fromisoformat(remaining["scheduled_start_time"]) == GREEN + timedelta(days=1)
    assert remaining["entity_metadata"] == {"location": "Chicagoland Speedway"}
    event_requests = [request for request in race_day.fake.requests if "/scheduled-events" in request.path]
    assert [request.method for request in event_requests if request.method != "GET"] == ["POST", "POST", "PATCH", "DELETE"]
    assert not any(str(not_allowed.guild_id) in request.path for request in event_requests)


@pytest.mark.parametrize("mode", ["thread", "forum"])
async def test_race_thread_is_made_once_and_carries_the_board_and_events(race_day, mode):
    server = race_day.servers[0]
    settings = [live_on(server, race_threads=mode, forum_channel_id=server.forum_id)]
    async with race_day.bot() as bot:
        live(bot).publish(RACE, board(1), [("green", event("Green flag"))], race_day.clock.now(), settings)
        await race_day.advance(1, live(bot))
    async with race_day.bot() as bot:   # a restart: the same thread again
        live(bot).publish(RACE, board(2), [("caution-1", event("Caution"))], race_day.clock.now(), settings)
        await race_day.advance(1, live(bot))

    [thread] = race_day.fake.threads
    assert (thread.name, thread.type) == ("Chicagoland 400", CHANNEL_PUBLIC_THREAD)
    assert thread.parent_id == (server.forum_id if mode == "forum" else server.announce_id)
    assert race_day.messages(server.announce_id) == []                    # nothing in the channel itself
    [board_message] = race_day.marked(thread.id, "board")
    assert "Lap 2 of" in embed_text(board_message["embeds"][0])
    assert len(race_day.marked(thread.id, "green")) == len(race_day.marked(thread.id, "caution-1")) == 1
    assert len(race_day.marked(thread.id, "header")) == (1 if mode == "forum" else 0)


async def test_live_command_shows_the_board_privately_where_it_already_stands(race_day):
    server = race_day.servers[0]
    settings = [live_on(server)]
    async with race_day.bot() as bot:
        quiet = await race_day.fake.send_slash_command("live", guild_id=server.guild_id, channel_id=server.general_id)
        answer = await quiet.response()
        assert answer["data"]["flags"] & 64 and "No race is live" in embed_text(answer["data"]["embeds"][0])

        live(bot).publish(RACE, board(7), [], race_day.clock.now(), settings)
        await race_day.advance(1, live(bot))
        elsewhere = await (await race_day.fake.send_slash_command(
            "live", {"series": "cup"}, guild_id=server.guild_id, channel_id=server.general_id)).response()
        assert not elsewhere["data"].get("flags") and "Lap 7 of" in embed_text(elsewhere["data"]["embeds"][0])
        here = await (await race_day.fake.send_slash_command(
            "live", guild_id=server.guild_id, channel_id=server.announce_id)).response()
        assert here["data"]["flags"] & 64 and "Lap 7 of" in embed_text(here["data"]["embeds"][0])

        live(bot).finish(RACE.key)
        after = await (await race_day.fake.send_slash_command(
            "live", guild_id=server.guild_id, channel_id=server.general_id)).response()
        assert "No race is live" in embed_text(after["data"]["embeds"][0])
