"""The fake Discord at fan-out scale, with few servers: shards split the servers, the bot's global limit, webhooks."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import aiohttp
import discord
import pytest

from bot.live_delivery import LiveDelivery, ScheduledRace, ServerLiveSettings, WebhookLiveMessenger
from db.store import Store
from testkit.clock import ManualClock
from testkit.discord_harness import running_pitboard
from testkit.fakes.discord_server import FakeDiscord, many_guilds, redirect_discord_to, shard_of

START = datetime(2026, 6, 28, 19, 0, tzinfo=UTC)


@pytest.fixture
async def fake_and_clock() -> AsyncIterator[tuple[FakeDiscord, ManualClock]]:
    clock = ManualClock(START)
    async with FakeDiscord(guilds=many_guilds(6), clock=clock.time) as fake:
        yield fake, clock


async def identify(fake: FakeDiscord, session: aiohttp.ClientSession, shard: tuple[int, int] | None) -> list[int]:
    """The servers one gateway session is given (GUILD_CREATE), or [] when the fake closes it."""
    async with session.ws_connect(fake.gateway_url) as ws:
        await ws.receive_json()   # HELLO
        identify = {"token": fake.token, "intents": 1, "properties": {}}
        await ws.send_json({"op": 2, "d": {**identify, **({"shard": list(shard)} if shard else {})}})
        guild_ids: list[int] = []
        while True:
            message = await ws.receive()
            if message.type is not aiohttp.WSMsgType.TEXT:
                return guild_ids
            payload = json.loads(message.data)
            if payload["t"] == "GUILD_CREATE":
                guild_ids.append(int(payload["d"]["id"]))
            if len(guild_ids) == len(fake.shard_guilds(shard)):
                return guild_ids


async def test_two_shards_split_the_servers_by_discords_formula(fake_and_clock) -> None:
    fake, _ = fake_and_clock
    async with aiohttp.ClientSession() as session:
        first, second = await identify(fake, session, (0, 2)), await identify(fake, session, (1, 2))
    assert first and second
    assert sorted(first + second) == sorted(fake.guilds)
    assert {shard_of(guild_id, 2) for guild_id in first} == {0}
    assert {shard_of(guild_id, 2) for guild_id in second} == {1}


async def test_past_2500_servers_the_gateway_recommends_shards_and_refuses_one_session() -> None:
    async with FakeDiscord(guilds=many_guilds(2501)) as fake, aiohttp.ClientSession() as session:
        headers = {"Authorization": f"Bot {fake.token}"}
        async with session.get(f"{fake.base_url}/gateway/bot", headers=headers) as response:
            assert (await response.json())["shards"] == 2
        async with session.ws_connect(fake.gateway_url) as ws:
            await ws.receive_json()
            await ws.send_json({"op": 2, "d": {"token": fake.token, "intents": 1, "properties": {}}})
            await ws.receive()
            assert ws.close_code == 4011   # sharding required


async def test_the_51st_request_in_a_second_is_a_global_429_and_webhooks_do_not_count(fake_and_clock) -> None:
    fake, clock = fake_and_clock
    channel_id = next(iter(fake.guilds.values())).channels[0].id
    bot = {"Authorization": f"Bot {fake.token}"}
    async with aiohttp.ClientSession() as session:
        webhooks = f"{fake.base_url}/channels/{channel_id}/webhooks"
        async with session.post(webhooks, json={"name": "Pitboard"}, headers=bot) as made:
            webhook = await made.json()
        statuses = []
        for _ in range(49):          # with the webhook's creation, the second's 50 requests
            async with session.get(f"{fake.base_url}/users/@me", headers=bot) as response:
                statuses.append(response.status)
        async with session.get(f"{fake.base_url}/users/@me", headers=bot) as refused:
            body, refused_headers = await refused.json(), refused.headers
        execute = f"{fake.base_url}/webhooks/{webhook['id']}/{webhook['token']}?wait=true"
        async with session.post(execute, json={"content": "green flag", "username": "Pitboard"}) as executed:
            message = await executed.json()
            executed_status = executed.status
        clock.advance(1)
        async with session.get(f"{fake.base_url}/users/@me", headers=bot) as later:
            later_status = later.status

    assert statuses == [200] * 49
    assert body["global"] is True and refused.status == 429
    assert (refused_headers["X-RateLimit-Global"], refused_headers["X-RateLimit-Scope"]) == ("true", "global")
    assert len(fake.global_rate_limited) == 1
    assert executed_status == 200             # a webhook is outside the bot's global limit
    assert (message["author"]["username"], message["webhook_id"]) == ("Pitboard", webhook["id"])
    assert later_status == 200                # a new second


async def test_a_webhook_has_its_own_bucket_of_5_per_2_seconds(fake_and_clock) -> None:
    fake, clock = fake_and_clock
    channel_id = next(iter(fake.guilds.values())).channels[0].id
    async with aiohttp.ClientSession() as session:
        async with session.post(f"{fake.base_url}/channels/{channel_id}/webhooks", json={"name": "Pitboard"},
                                headers={"Authorization": f"Bot {fake.token}"}) as made:
            webhook = await made.json()
        execute = f"{fake.base_url}/webhooks/{webhook['id']}/{webhook['token']}"
        statuses = []
        for lap in range(6):
            async with session.post(execute, json={"content": f"lap {lap}"}) as response:
                statuses.append(response.status)
        clock.advance(2)
        async with session.post(execute, json={"content": "again"}) as response:
            statuses.append(response.status)
    assert statuses == [204] * 5 + [429, 204]
    assert fake.global_rate_limited == []


async def test_webhook_delivery_posts_once_edits_in_place_and_keeps_the_bots_name(tmp_path) -> None:
    guilds = many_guilds(3)
    servers = [ServerLiveSettings(guild_id=guild.id, channel_id=guild.channels[0].id, live_on=True) for guild in guilds]
    race = ScheduledRace(key="cup-2026-17", series="cup", name="Chicagoland 400", track="Chicagoland Speedway",
                         starts_at=datetime.now(UTC) - timedelta(minutes=5))
    async with FakeDiscord(guilds=guilds) as fake, Store.open(tmp_path / "pitboard.db") as store:
        with redirect_discord_to(fake):
            async with running_pitboard(fake, store) as bot:
                assert bot.live is not None
                delivery = LiveDelivery(store, WebhookLiveMessenger(bot, bot.live.messenger), pacer=bot.message_pacer)
                try:
                    for lap in (1, 2):
                        delivery.publish(race, discord.Embed(title=f"Lap {lap}"), [], datetime.now(UTC), servers)
                        await delivery.settled()
                    delivery.publish(race, None, [("caution-1", discord.Embed(title="Caution"))], datetime.now(UTC), servers)
                    await delivery.settled()
                finally:
                    await delivery.close()

    assert len(fake.webhooks) == 3                                        # one per announcement channel
    assert len(fake.webhook_messages) == 6 and len(fake.webhook_edits) == 3   # board + event each; the board edited
    assert fake.channel_messages == [] and fake.rate_limited == []
    for server in servers:
        history = fake.channel_history(server.channel_id or 0)
        assert [message["embeds"][0]["title"] for message in history] == ["Lap 2", "Caution"]
        assert {message["author"]["username"] for message in history} == {"Pitboard"}
