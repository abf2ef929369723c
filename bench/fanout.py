"""Race-day fan-out: how long one board update and one event take to reach every server. Run with `make fanout`.

    python bench/fanout.py [--servers 5000] [--routes webhook,bot]

The real bot (`bot.pitboard.Pitboard`, auto-sharded: 5,000 servers are 2 shards) runs against the fake Discord with
every server's live updates on, and race-day messages go through the bot's own `bot.live` (`LiveDelivery` over
`WebhookLiveMessenger`), the path race day takes. Each route gets a fresh fake and bot:

- **webhook**: the bot holds Manage Webhooks in every server, so each announcement channel gets one webhook (made
  once: reading the channel's webhooks and creating one, 2 requests on the bot's route, paced at the global limit)
  and every board and event goes through it; webhook requests are outside the bot's global limit.
- **bot**: no Manage Webhooks anywhere, so every request goes through the bot's token, paced by the process's
  `GlobalPacer` at Discord's global limit of 50 per second (the fake enforcing it: a global 429 shows in the table).

Per route: the board's first post is made beforehand with the fake's and the pacer's global limit lifted (it is not
what is measured, and on the bot route it would cost another N / 50 s); then one board update, then one event,
each timed from `publish` until every server's queue is idle. Servers reached are counted from the fake's records.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import discord

from bot.live_delivery import (
    GlobalPacer,
    LiveDelivery,
    ScheduledRace,
    ServerLiveSettings,
    SystemClock,
    WebhookLiveMessenger,
    marker,
)
from bot.pitboard import Pitboard
from cogs.live import DiscordLiveMessenger
from db.store import Store
from testkit.discord_harness import settings_for
from testkit.fakes.discord_server import (
    DISCORD_GLOBAL_RATE_LIMIT,
    MANAGE_WEBHOOKS,
    FakeDiscord,
    RecordedRequest,
    many_guilds,
    redirect_discord_to,
)

GLOBAL_PER_SECOND = DISCORD_GLOBAL_RATE_LIMIT.limit / DISCORD_GLOBAL_RATE_LIMIT.window
WARM_UP_IN_FLIGHT = 50      # the warm-up's bot-route requests under way at once (no window: the fake's limit is off)
RACE = ScheduledRace(key="cup-2026-17", series="cup", name="Chicagoland 400", track="Chicagoland Speedway",
                     starts_at=datetime.now(UTC) - timedelta(minutes=30))


@dataclass(frozen=True)
class Phase:
    route: str
    what: str
    servers: int
    reached: int
    requests: int
    seconds: float
    global_rate_limited: int

    def line(self) -> str:
        rate = self.requests / self.seconds if self.seconds else 0.0
        return (f"{self.route:<8} {self.what:<22} {self.servers:>7} {self.reached:>8} {self.requests:>9} {self.seconds:>9.1f}"
                f" {rate:>8.0f} {self.global_rate_limited:>11}")


HEADER = (f"{'route':<8} {'phase':<22} {'servers':>7} {'reached':>8} {'requests':>9} {'wall s':>9} {'req/s':>8}"
          f" {'global 429s':>11}")


def board(lap: int) -> discord.Embed:
    return discord.Embed(title="Chicagoland 400", description=f"Lap {lap} of 267\n1. Kyle Larson\n2. Denny Hamlin")


def reached_by(fake: FakeDiscord, item: str) -> Callable[[list[RecordedRequest]], int]:
    """Servers (channels) a successful request carrying the item's marker went to."""
    def count(requests: list[RecordedRequest]) -> int:
        channels = set()
        for request in requests:
            embeds = (request.json.get("embeds") or []) if isinstance(request.json, dict) else []
            if request.status is None or request.status >= 300:
                continue
            if not any((embed.get("footer") or {}).get("text", "").endswith(marker(RACE.key, item)) for embed in embeds):
                continue
            parts = request.path.split("/")
            if parts[1] == "webhooks":
                channels.add(fake.webhooks[int(parts[2])].channel_id)
            else:
                channels.add(int(parts[2]))
        return len(channels)
    return count


async def timed(fake: FakeDiscord, delivery: LiveDelivery, route: str, what: str, servers: list[ServerLiveSettings],
                publish: Callable[[], None], reached: Callable[[list[RecordedRequest]], int]) -> Phase:
    """Publish once and wait until every server's queue is idle; what the fake saw meanwhile."""
    seen, globally = len(fake.requests), len(fake.global_rate_limited)
    started = time.perf_counter()
    publish()
    await delivery.settled()
    seconds = time.perf_counter() - started
    requests = fake.requests[seen:]
    return Phase(route, what, len(servers), reached(requests), len(requests), seconds, len(fake.global_rate_limited) - globally)


STARTUP_TIMEOUT = 600.0     # seconds for 5,000 servers' GUILD_CREATEs on a loaded machine


@contextlib.asynccontextmanager
async def started_pitboard(fake: FakeDiscord, store: Store, count: int) -> AsyncIterator[Pitboard]:
    """The bot connected with every server cached (`on_ready` may come before the last GUILD_CREATE of thousands, and
    a channel not cached yet would take no webhook); always closed afterwards."""
    bot = Pitboard(settings=settings_for(fake, store.path), store=store, guild_ready_timeout=2.0)
    connection: asyncio.Task[None] | None = None
    try:
        await bot.login(fake.token)
        connection = asyncio.create_task(bot.connect())
        async with asyncio.timeout(STARTUP_TIMEOUT):
            await bot.wait_until_ready()
            while len(bot.guilds) < count:
                await asyncio.sleep(0.1)
        yield bot
    finally:
        await bot.close()
        if connection is not None:
            await asyncio.wait_for(connection, timeout=60)


async def run_route(route: str, count: int, scratch: Path) -> list[Phase]:
    guilds = many_guilds(count, everyone_may=MANAGE_WEBHOOKS if route == "webhook" else 0)
    servers = [ServerLiveSettings(guild_id=guild.id, channel_id=guild.channels[0].id, live_on=True) for guild in guilds]
    async with FakeDiscord(guilds=guilds) as fake, Store.open(scratch / f"{route}.db") as store:
        with redirect_discord_to(fake):
            started = time.perf_counter()
            async with started_pitboard(fake, store, count) as bot:
                print(f"{route}: connected in {time.perf_counter() - started:.0f} s", flush=True)
                print(f"{route}: {len(bot.guilds)} servers on {bot.shard_count} shards", flush=True)
                return await deliver(route, fake, bot, servers)


async def deliver(route: str, fake: FakeDiscord, bot: Pitboard, servers: list[ServerLiveSettings]) -> list[Phase]:
    assert bot.live is not None
    started = time.perf_counter()
    fake.global_rate_limit = None      # the board's first post (and the webhooks) beforehand: not what is measured
    clock = SystemClock()
    in_flight_only = GlobalPacer(clock, limit=WARM_UP_IN_FLIGHT, window=timedelta(0))
    unpaced = WebhookLiveMessenger(bot, DiscordLiveMessenger(bot), bot.store, in_flight_only)
    first = LiveDelivery(bot.store, unpaced, clock=clock, pacer=bot.message_pacer)
    try:
        first.publish(RACE, board(1), [], datetime.now(UTC), servers)
        await first.settled()
    finally:
        await first.close()
    fake.global_rate_limit = DISCORD_GLOBAL_RATE_LIMIT
    made = f", {len(fake.webhooks)} webhooks made" if route == "webhook" else ""
    print(f"{route}: first board posted{made} in {time.perf_counter() - started:.1f} s (global limit lifted)", flush=True)
    await asyncio.sleep(DISCORD_GLOBAL_RATE_LIMIT.window)     # the fake's window of the warm-up is over
    delivery = bot.live           # the bot's own delivery, its pacer at Discord's global limit
    update = await timed(fake, delivery, route, "board update", servers,
                         lambda: delivery.publish(RACE, board(2), [], datetime.now(UTC), servers), reached_by(fake, "board"))
    print(update.line(), flush=True)
    caution = [("caution-1", discord.Embed(title="Caution", description="Debris in turn 3"))]
    event = await timed(fake, delivery, route, "event", servers,
                        lambda: delivery.publish(RACE, None, caution, datetime.now(UTC), servers), reached_by(fake, "caution-1"))
    print(event.line(), flush=True)
    return [update, event]


async def main(servers: int, routes: list[str]) -> None:
    logging.basicConfig(level=logging.ERROR)
    print(f"Discord's global limit: {GLOBAL_PER_SECOND:.0f} requests/s per bot token; "
          f"{servers} servers = {-(-servers // 2500)} shard(s)", flush=True)
    phases = []
    with tempfile.TemporaryDirectory() as scratch:
        for route in routes:
            phases += await run_route(route, servers, Path(scratch))
    print()
    print(HEADER)
    for phase in phases:
        print(phase.line())
    print()
    for phase in phases:
        floor = f"; the global limit's floor: {phase.servers / GLOBAL_PER_SECOND:.0f} s" if phase.route == "bot" else ""
        per_second = phase.reached / phase.seconds if phase.seconds else 0.0
        print(f"{phase.route} route, {phase.what}: {phase.reached} of {phase.servers} servers in {phase.seconds:.1f} s"
              f" ({per_second:.0f} servers/s), {phase.global_rate_limited} global 429s{floor}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--servers", type=int, default=5000, help="servers with live updates on (default 5000)")
    parser.add_argument("--routes", default="webhook,bot", help="routes to measure, in order (default webhook,bot)")
    arguments = parser.parse_args()
    asyncio.run(main(arguments.servers, arguments.routes.split(",")))
