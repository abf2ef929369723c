"""Race-day fan-out on the fake Discord, with few servers: the bot's webhooks (made once, stored, made again when a
server admin deletes one, the bot's route without the permission), the process-wide global pacer, batched claims."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import aiohttp
import discord

from bot.live_delivery import (
    GlobalPacer,
    LiveDelivery,
    MessagePacer,
    ScheduledRace,
    ServerLiveSettings,
    SystemClock,
    WebhookLiveMessenger,
    marker,
)
from cogs.live import DiscordLiveMessenger
from db import live_ledger
from db.live_ledger import LiveKey, LiveObject
from db.store import Store
from testkit.clock import ManualClock
from testkit.discord_harness import running_pitboard
from testkit.fakes.discord_server import MANAGE_WEBHOOKS, FakeDiscord, RateLimit, many_guilds, redirect_discord_to

RACE = ScheduledRace(key="cup-2026-17", series="cup", name="Chicagoland 400", track="Chicagoland Speedway",
                     starts_at=datetime.now(UTC) - timedelta(minutes=5))


def servers_of(fake: FakeDiscord) -> list[ServerLiveSettings]:
    return [ServerLiveSettings(guild_id=guild.id, channel_id=guild.channels[0].id, live_on=True)
            for guild in fake.guilds.values()]


async def publish(delivery: LiveDelivery, servers: Sequence[ServerLiveSettings], board: str | None, *events: str) -> None:
    delivery.publish(RACE, discord.Embed(title=board) if board else None,
                     [(event, discord.Embed(title=event)) for event in events], datetime.now(UTC), servers)
    await delivery.settled()


def with_marker(fake: FakeDiscord, channel_id: int, item: str) -> list[dict]:
    return [message for message in fake.channel_history(channel_id)
            if any((embed.get("footer") or {}).get("text", "").endswith(marker(RACE.key, item)) for embed in message["embeds"])]


async def test_the_bot_sends_and_edits_through_one_webhook_per_channel_under_its_own_name(empty_db) -> None:
    async with FakeDiscord(guilds=many_guilds(3, everyone_may=MANAGE_WEBHOOKS)) as fake, \
            Store.open(empty_db) as store:
        servers = servers_of(fake)
        with redirect_discord_to(fake):
            async with running_pitboard(fake, store) as bot:
                assert bot.live is not None
                for lap in (1, 2):
                    await publish(bot.live, servers, f"Lap {lap}")
                await publish(bot.live, servers, None, "caution-1")
            stored = await live_ledger.webhooks(store)
            async with running_pitboard(fake, store) as bot:     # a restart: the stored webhooks, none made again
                assert bot.live is not None
                await publish(bot.live, servers, "Lap 3", "caution-1")

    assert len(fake.webhooks) == 3 and set(stored) == {server.channel_id for server in servers}
    assert {hook.name for hook in fake.webhooks.values()} == {fake.bot_user.username}
    assert fake.channel_messages == [] and fake.rate_limited == []       # nothing through the bot's own route
    assert len(fake.webhook_messages) == 6 and len(fake.webhook_edits) == 3 + 3   # board + event; the board edited
    for server in servers:
        assert server.channel_id is not None
        history = fake.channel_history(server.channel_id)
        assert [message["embeds"][0]["title"] for message in history] == ["Lap 3", "caution-1"]
        assert {message["author"]["username"] for message in history} == {fake.bot_user.username}
        assert not any(fake.pings(int(message["id"])).anyone for message in history)
    assert all(request.json["allowed_mentions"]["parse"] == [] for request in fake.webhook_messages + fake.webhook_edits)


async def test_without_manage_webhooks_the_bot_route_is_used(empty_db) -> None:
    async with FakeDiscord(guilds=many_guilds(2)) as fake, Store.open(empty_db) as store:
        servers = servers_of(fake)
        with redirect_discord_to(fake):
            async with running_pitboard(fake, store) as bot:
                assert bot.live is not None
                await publish(bot.live, servers, "Lap 1", "caution-1")
                await publish(bot.live, servers, "Lap 2")
    assert fake.webhooks == {} and fake.webhook_messages == []
    assert not [request for request in fake.requests if request.path.endswith("/webhooks")]   # not even asked
    assert len(fake.channel_messages) == 4
    for server in servers:
        assert server.channel_id is not None
        assert [message["embeds"][0]["title"] for message in fake.channel_history(server.channel_id)] == ["caution-1", "Lap 2"]


async def test_a_deleted_webhook_is_made_again_and_no_event_is_lost_or_doubled(empty_db) -> None:
    async with FakeDiscord(guilds=many_guilds(2, everyone_may=MANAGE_WEBHOOKS)) as fake, \
            Store.open(empty_db) as store:
        servers = servers_of(fake)
        deleted_server, kept_server = servers
        assert deleted_server.channel_id is not None and kept_server.channel_id is not None
        with redirect_discord_to(fake):
            async with running_pitboard(fake, store) as bot:
                assert bot.live is not None
                await publish(bot.live, servers, "Lap 1", "green")
                first = next(hook for hook in fake.webhooks.values() if hook.channel_id == deleted_server.channel_id)
                fake.delete_webhook(first.id)                                        # a server admin deletes it
                await publish(bot.live, servers, None, "caution-1")
                await publish(bot.live, servers, None, "caution-1")                  # the feed repeats itself
                await publish(bot.live, servers, "Lap 2")
            stored = await live_ledger.webhooks(store)

    replacement = next(hook for hook in fake.webhooks.values() if hook.channel_id == deleted_server.channel_id)
    assert replacement.id != first.id and stored[deleted_server.channel_id].webhook_id == replacement.id
    for server in servers:
        assert server.channel_id is not None
        for event in ("green", "caution-1"):
            assert len(with_marker(fake, server.channel_id, event)) == 1, (server, event)
    # The old board, sent by the deleted webhook, can be edited by nobody: a new board replaces it, once.
    boards = with_marker(fake, deleted_server.channel_id, "board")
    assert [message["embeds"][0]["title"] for message in boards] == ["Lap 1", "Lap 2"]
    assert boards[1]["webhook_id"] == str(replacement.id)
    assert [message["embeds"][0]["title"] for message in with_marker(fake, kept_server.channel_id, "board")] == ["Lap 2"]
    assert fake.channel_messages == []


async def test_a_deleted_webhook_without_the_permission_left_falls_back_to_the_bot(empty_db) -> None:
    async with FakeDiscord(guilds=many_guilds(1, everyone_may=MANAGE_WEBHOOKS)) as fake, \
            Store.open(empty_db) as store:
        servers = servers_of(fake)
        guild = next(iter(fake.guilds.values()))
        with redirect_discord_to(fake):
            async with running_pitboard(fake, store) as bot:
                assert bot.live is not None
                await publish(bot.live, servers, "Lap 1", "green")
                fake.delete_webhook(next(iter(fake.webhooks)))
                guild.roles = []                                   # and Manage Webhooks taken away
                await publish(bot.live, servers, None, "caution-1")
    channel_id = guild.channels[0].id
    assert fake.webhooks == {}
    caution = with_marker(fake, channel_id, "caution-1")
    assert len(caution) == 1 and "webhook_id" not in caution[0]         # sent by the bot itself
    assert len(with_marker(fake, channel_id, "green")) == 1


async def test_the_global_pacer_keeps_300_servers_on_the_bot_route_clear_of_global_429s(empty_db) -> None:
    """The fake's global limit scaled to 20 per 0.1 s (the pacer told 18, leaving the bot's other requests their
    headroom as GLOBAL_HEADROOM does), so the test takes seconds, not 12."""
    scaled = RateLimit(limit=20, window=0.1)
    async with FakeDiscord(guilds=many_guilds(300), global_rate_limit=scaled) as fake, \
            Store.open(empty_db) as store:
        servers = servers_of(fake)
        with redirect_discord_to(fake):
            async with running_pitboard(fake, store) as bot:
                clock = SystemClock()
                bot_route = GlobalPacer(clock, limit=scaled.limit - 2, window=timedelta(seconds=scaled.window))
                messenger = WebhookLiveMessenger(bot, DiscordLiveMessenger(bot), store, bot_route)
                delivery = LiveDelivery(store, messenger, clock=clock, pacer=MessagePacer(clock))
                try:
                    await publish(delivery, servers, "Lap 1", "green")
                    await publish(delivery, servers, "Lap 2")
                finally:
                    await delivery.close()
    assert fake.global_rate_limited == [] and fake.rate_limited == []
    assert len(fake.channel_messages) == 600
    assert sum(1 for request in fake.requests if request.method == "PATCH" and request.status == 200) == 300


async def test_an_event_is_claimed_for_many_servers_in_one_batch_and_only_once(empty_db) -> None:
    now = datetime.now(UTC)
    keys = [LiveKey(RACE.key, guild_id, "event", "caution-1") for guild_id in range(1, 1201)]
    async with Store.open(empty_db) as store:
        first = await live_ledger.claim_new(store, [(key, 7) for key in keys], "one", now, now + timedelta(minutes=5))
        again = await live_ledger.claim_new(store, [(key, 7) for key in keys], "two", now, now + timedelta(minutes=5))
        await live_ledger.record_many(store, [LiveObject(key, 7, 1000 + key.guild_id) for key in keys[:600]], "one")
        rows = await live_ledger.get_many(store, keys)
        unmade = keys[600]
        other_holder = await live_ledger.claim(store, unmade, 7, "two", now, now + timedelta(minutes=5))
        made_again = await live_ledger.claim(store, keys[0], 7, "two", now, now + timedelta(minutes=5))
    assert first == set(keys) and again == set()
    assert len(rows) == 1200 and sum(row.made for row in rows.values()) == 600
    assert rows[keys[0]].object_id == 1001
    assert other_holder is None                 # still "one"'s claim: not made, not released
    assert made_again is not None and not made_again.first   # released by record_many (and made: never made again)


async def test_the_global_pacer_gives_a_slot_back_one_window_after_its_response_and_obeys_a_global_429() -> None:
    clock = ManualClock(datetime(2026, 6, 28, 19, 0, tzinfo=UTC))
    pacer = GlobalPacer(clock, limit=2, window=timedelta(seconds=1))
    order: list[str] = []

    async def request(name: str, answered_after: float = 0.0) -> None:
        async with pacer.slot():
            order.append(name)
            clock.advance(answered_after)

    await request("a", answered_after=0.5)      # sent at 0 s, answered at 0.5 s: its slot is back at 1.5 s
    await request("b")                          # sent and answered at 0.5 s: back at 1.5 s too
    third = asyncio.create_task(request("c"))
    await turns()
    clock.advance(0.9)                          # 1.4 s: a window after the first request, not after its answer
    await turns()
    assert order == ["a", "b"]
    clock.advance(0.1)
    await turns()
    assert order == ["a", "b", "c"]
    pacer.observe_global(retry_after=2.0)       # someone else spent the token: a global 429, retry after 2 s
    fourth = asyncio.create_task(request("d"))
    clock.advance(1.0)                          # 2.5 s: c's slot is back, but the 429's 2 s are not over
    await turns()
    assert order == ["a", "b", "c"]
    clock.advance(1.0)
    await asyncio.gather(third, fourth)
    assert order == ["a", "b", "c", "d"]


async def turns() -> None:
    """Let woken tasks run."""
    for _ in range(5):
        await asyncio.sleep(0)


async def test_a_global_429_seen_on_the_wire_stops_the_bot_route_for_its_retry_after() -> None:
    clock = ManualClock(datetime(2026, 6, 28, 19, 0, tzinfo=UTC))
    pacer = GlobalPacer(clock)
    async with FakeDiscord(guilds=many_guilds(1), global_rate_limit=RateLimit(limit=1, window=3.0), clock=clock.time) as fake, \
            aiohttp.ClientSession(trace_configs=[pacer.hook(aiohttp.TraceConfig())]) as session:
        bot = {"Authorization": f"Bot {fake.token}"}
        statuses = []
        for _ in range(2):        # another user of the token: the second request is a global 429 (retry after 3 s)
            async with session.get(f"{fake.base_url}/users/@me", headers=bot) as response:
                statuses.append(response.status)
    waiting = asyncio.create_task(take_a_slot(pacer))
    clock.advance(2.0)
    await turns()
    assert statuses == [200, 429] and not waiting.done()
    clock.advance(1.0)
    await asyncio.wait_for(waiting, timeout=5)


async def take_a_slot(pacer: GlobalPacer) -> None:
    async with pacer.slot():
        pass
