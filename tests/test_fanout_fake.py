"""The fake Discord at fan-out scale, with few servers: shards split the servers, the bot's global limit, webhooks."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import aiohttp
import pytest

from testkit.clock import ManualClock
from testkit.fakes.discord_server import MANAGE_WEBHOOKS, FakeDiscord, many_guilds, shard_of

START = datetime(2026, 6, 28, 19, 0, tzinfo=UTC)


@pytest.fixture
async def fake_and_clock() -> AsyncIterator[tuple[FakeDiscord, ManualClock]]:
    clock = ManualClock(START)
    async with FakeDiscord(guilds=many_guilds(6, everyone_may=MANAGE_WEBHOOKS), clock=clock.time) as fake:
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


async def test_creating_a_webhook_needs_manage_webhooks() -> None:
    async with FakeDiscord(guilds=many_guilds(1)) as fake, aiohttp.ClientSession() as session:
        channel_id = next(iter(fake.guilds.values())).channels[0].id
        async with session.post(f"{fake.base_url}/channels/{channel_id}/webhooks", json={"name": "Pitboard"},
                                headers={"Authorization": f"Bot {fake.token}"}) as refused:
            assert (refused.status, (await refused.json())["code"]) == (403, 50013)
    assert fake.webhooks == {}
