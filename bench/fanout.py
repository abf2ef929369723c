"""Race-day fan-out: how long one board update and one event take to reach every server. Run with `make fanout`.

    python bench/fanout.py [--servers 5000] [--bot-route-servers 500]

The real bot (`bot.pitboard.Pitboard`, auto-sharded: 5,000 servers are 2 shards) runs against the fake Discord with
every server's live updates on, and race-day messages go through `bot.live_delivery.LiveDelivery`, the real path:

- (a) the bot's own REST route (`DiscordLiveMessenger`): every request counts against Discord's global limit of 50
  per second per bot token, so N servers take at least N / 50 s. Measured at `--bot-route-servers` (real seconds,
  the fake enforcing the limit), and the bound for `--servers` computed from it;
- (b) one webhook per announcement channel (`WebhookLiveMessenger`, the bot's name and avatar on each message):
  webhook requests count only against each webhook's bucket, so `--servers` is measured as is. Making the webhooks
  is a one-time cost on the bot's route (reading a channel's webhooks, creating one: 2 requests per channel); it is
  computed, and the warm-up runs with the fake's global limit lifted so the measurement is of race day itself.

For each phase: servers reached, requests, wall time, requests per second, 429s (global ones apart).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import discord

from bot.live_delivery import LiveDelivery, LiveMessenger, ScheduledRace, ServerLiveSettings, WebhookLiveMessenger, marker
from bot.pitboard import Pitboard
from db.store import Store
from testkit.discord_harness import running_pitboard
from testkit.fakes.discord_server import DISCORD_GLOBAL_RATE_LIMIT, FakeDiscord, RecordedRequest, many_guilds, redirect_discord_to

GLOBAL_PER_SECOND = DISCORD_GLOBAL_RATE_LIMIT.limit / DISCORD_GLOBAL_RATE_LIMIT.window
WEBHOOK_SETUP_REQUESTS = 2      # per channel, once: read the channel's webhooks, create the bot's
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
    rate_limited: int
    global_rate_limited: int

    def line(self) -> str:
        rate = self.requests / self.seconds if self.seconds else 0.0
        return (f"{self.route:<8} {self.what:<14} {self.servers:>7} {self.reached:>8} {self.requests:>9} {self.seconds:>9.2f}"
                f" {rate:>9.0f} {self.rate_limited:>6} {self.global_rate_limited:>7}")


HEADER = (f"{'route':<8} {'phase':<14} {'servers':>7} {'reached':>8} {'requests':>9} {'wall s':>9} {'req/s':>9}"
          f" {'429s':>6} {'global':>7}")


def board(lap: int) -> discord.Embed:
    return discord.Embed(title="Chicagoland 400", description=f"Lap {lap} of 267\n1. Kyle Larson\n2. Denny Hamlin")


async def timed_phase(fake: FakeDiscord, delivery: LiveDelivery, route: str, what: str, servers: list[ServerLiveSettings],
                      publish: Callable[[], None], reached: Callable[[list[RecordedRequest]], int]) -> Phase:
    """Publish once and wait until every server's queue is idle; what the fake saw meanwhile."""
    seen = len(fake.requests)
    limited, globally = len(fake.rate_limited), len(fake.global_rate_limited)
    started = time.perf_counter()
    publish()
    await delivery.settled()
    seconds = time.perf_counter() - started
    requests = fake.requests[seen:]
    return Phase(route, what, len(servers), reached(requests), len(requests), seconds,
                 len(fake.rate_limited) - limited, len(fake.global_rate_limited) - globally)


def succeeded(method: str, fragment: str) -> Callable[[list[RecordedRequest]], int]:
    def count(requests: list[RecordedRequest]) -> int:
        return sum(1 for request in requests if request.method == method and fragment in request.path
                   and request.status is not None and request.status < 300)
    return count


async def run_route(route: str, count: int, scratch: Path) -> list[Phase]:
    """One fresh fake Discord and bot with `count` servers; the board's first post, one update, one event."""
    guilds = many_guilds(count)
    servers = [ServerLiveSettings(guild_id=guild.id, channel_id=guild.channels[0].id, live_on=True) for guild in guilds]
    async with FakeDiscord(guilds=guilds) as fake, Store.open(scratch / f"{route}.db") as store:
        with redirect_discord_to(fake):
            async with running_pitboard(fake, store) as bot:
                phases = await _deliver(route, fake, bot, servers)
    return phases


async def _deliver(route: str, fake: FakeDiscord, bot: Pitboard, servers: list[ServerLiveSettings]) -> list[Phase]:
    assert bot.live is not None
    messenger: LiveMessenger = bot.live.messenger
    phases = []
    if route == "webhook":
        webhooks = WebhookLiveMessenger(bot, messenger)
        messenger = webhooks
        fake.global_rate_limit = None          # the one-time warm-up is computed, not measured (see the docstring)
        started = time.perf_counter()
        await asyncio.gather(*(webhooks.webhook(server.channel_id) for server in servers if server.channel_id is not None))
        print(f"  webhooks made for {len(fake.webhooks)} channels in {time.perf_counter() - started:.1f} s with the global limit"
              f" lifted; on Discord: {len(servers) * WEBHOOK_SETUP_REQUESTS / GLOBAL_PER_SECOND:.0f} s, once")
        fake.global_rate_limit = DISCORD_GLOBAL_RATE_LIMIT
    delivery = LiveDelivery(bot.store, messenger, pacer=bot.message_pacer)
    created, edited = ("POST", "/webhooks/") if route == "webhook" else ("POST", "/messages")
    edit_method, edit_path = ("PATCH", "/webhooks/") if route == "webhook" else ("PATCH", "/messages/")
    try:
        now = datetime.now(UTC)
        phases.append(await timed_phase(fake, delivery, route, "board posted", servers,
                                        lambda: delivery.publish(RACE, board(1), [], now, servers), succeeded(created, edited)))
        phases.append(await timed_phase(fake, delivery, route, "board update", servers,
                                        lambda: delivery.publish(RACE, board(2), [], datetime.now(UTC), servers),
                                        succeeded(edit_method, edit_path)))
        caution = [("caution-1", discord.Embed(title="Caution", description="Debris in turn 3"))]
        phases.append(await timed_phase(fake, delivery, route, "event", servers,
                                        lambda: delivery.publish(RACE, None, caution, datetime.now(UTC), servers),
                                        succeeded(created, edited)))
    finally:
        await delivery.close()
    missing = [server.guild_id for server in servers
               if not any(marker(RACE.key, "caution-1") in (embed.get("footer") or {}).get("text", "")
                          for message in fake.channel_history(server.channel_id or 0) for embed in message["embeds"])]
    if missing:
        print(f"  {route}: {len(missing)} of {len(servers)} servers never got the event")
    return phases


async def main(servers: int, bot_route_servers: int) -> None:
    logging.basicConfig(level=logging.ERROR)
    print(f"Discord's global limit: {GLOBAL_PER_SECOND:.0f} requests/s per bot token; "
          f"{servers} servers = {-(-servers // 2500)} shard(s)")
    with tempfile.TemporaryDirectory() as scratch:
        bot_phases = await run_route("bot", bot_route_servers, Path(scratch))
        webhook_phases = await run_route("webhook", servers, Path(scratch))
    print(HEADER)
    for phase in [*bot_phases, *webhook_phases]:
        print(phase.line())
    print()
    for phase in bot_phases[1:]:
        measured = phase.reached / phase.seconds if phase.seconds else 0.0
        print(f"bot route, {phase.what}: {measured:.0f} servers/s measured at {phase.servers}; {servers} servers need at least "
              f"{servers / GLOBAL_PER_SECOND:.0f} s (one request each at {GLOBAL_PER_SECOND:.0f}/s)")
    for phase in webhook_phases[1:]:
        print(f"webhook route, {phase.what}: {phase.reached} of {phase.servers} servers in {phase.seconds:.1f} s "
              f"(this process's own speed; Discord's per-webhook bucket is not the limit)")
    print("\nPast one process: the global limit is per bot token, so shards in several processes share the same 50/s "
          "(the bot route stays at >= servers/50 s however it is split, and the processes must share one limiter); "
          "webhook requests are outside it, so webhook delivery grows with processes until each channel's own bucket.")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--servers", type=int, default=5000, help="servers for the webhook route (default 5000)")
    parser.add_argument("--bot-route-servers", type=int, default=500, help="servers for the bot's own route (default 500)")
    arguments = parser.parse_args()
    asyncio.run(main(arguments.servers, arguments.bot_route_servers))
