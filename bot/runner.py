"""Running the Discord bot (`pitboard run`) and registering its commands (`pitboard sync`)."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

import aiohttp
import discord

from bot.feed import FeedClient
from bot.jolpica import JolpicaClient
from bot.live_delivery import Clock
from bot.pitboard import Pitboard
from bot.race_weekend import RaceDayPublisher
from bot.reddit import RedditPoster, reddit_client
from bot.reddit_race_day import RedditRaceDay
from bot.settings import Secret, Settings
from db.build import ensure_database
from db.locks import InstanceRunning, run_lock
from db.queries import utc_now
from db.store import Store

log = logging.getLogger(__name__)

# Young container objects the garbage collector lets pile up before a pass while the bot serves (CPython's default is
# 700). Each command allocates a few hundred that die with it (the interaction, its payloads, its task), so at the
# default a pass ran every few commands and cost ~15% of a command's CPU (`bench/bench.py discord`); at this
# threshold passes are rare and each stays small (the long-lived heap is frozen first).
SERVING_GC_THRESHOLD = 20_000


def serving_gc() -> None:
    """`pitboard run`'s garbage-collector settings, once everything is loaded: freeze what lives for the whole process
    (imports, the bot, the name index) out of collection passes, and collect young objects less often."""
    gc.freeze()
    _, middle, oldest = gc.get_threshold()
    gc.set_threshold(SERVING_GC_THRESHOLD, middle, oldest)


class RedactSecrets(logging.Filter):
    """Replace any secret's value in a log record with `***` (belt and braces: we never log them)."""

    def __init__(self, *secrets: Secret):
        super().__init__()
        self.values = [secret.reveal() for secret in secrets if secret]

    def filter(self, record: logging.LogRecord) -> bool:
        if self.values:
            message = record.getMessage()
            if any(value in message for value in self.values):
                for value in self.values:
                    message = message.replace(value, "***")
                record.msg, record.args = message, None
        return True


def setup_logging(settings: Settings, *secrets: Secret) -> None:
    discord.utils.setup_logging(level=getattr(logging, settings.log_level))
    for handler in logging.getLogger().handlers:
        handler.addFilter(RedactSecrets(*secrets))


def _token_or_exit(settings: Settings) -> str | None:
    if not settings.discord_token:
        print("pitboard: DISCORD_TOKEN is not set. Put it in .env (see .env.example) or the environment.", file=sys.stderr)
        return None
    return settings.discord_token.reveal()


@contextlib.asynccontextmanager
async def assembled_bot(
    settings: Settings,
    *,
    watcher_clock: Callable[[], datetime] = utc_now,
    live_clock: Clock | None = None,
    reddit_options: Mapping[str, Any] | None = None,
    **bot_options: Any,
) -> AsyncIterator[Pitboard]:
    """The bot as `pitboard run` serves it, not connected yet: the store, the feed client (when watching), Reddit
    (when configured) with race day's Reddit side, all closed on the way out.

    `live_clock` drives race day (delivery, the race weekend's rounds, Reddit's edit interval); a replay or a test
    passes a manual one. `reddit_options` go to `reddit_client` (tests point it at the fake Reddit); `bot_options`
    to the bot (discord.py's own).
    """
    async with contextlib.AsyncExitStack() as resources:
        store = await resources.enter_async_context(Store.open(settings.db_path))
        feed = poster = jolpica = None
        if settings.watch:
            headers = {"User-Agent": settings.reddit.user_agent}
            session = await resources.enter_async_context(aiohttp.ClientSession(headers=headers))
            feed = FeedClient(session, settings.feed_url)
            if settings.watch_f1:
                jolpica = JolpicaClient(session, settings.jolpica_url)
        # Race day beyond Discord: the Reddit side (pre-race and live threads, linked to the post-race one).
        race_day_publishers: list[RaceDayPublisher] = []
        if settings.reddit.configured:
            reddit = await resources.enter_async_context(reddit_client(settings.reddit, **(reddit_options or {})))
            clock = time.time if live_clock is None else _epoch_seconds(live_clock)
            sleep = asyncio.sleep if live_clock is None else _sleeping(live_clock)
            poster = RedditPoster(reddit, store, clock=clock, sleep=sleep)
            race_day_publishers.append(RedditRaceDay(poster, settings.race_day, sleep=sleep))
        elif settings.watch:
            log.info("Reddit is not configured (%s): post-race threads will not be posted", ", ".join(settings.reddit.missing()))
        bot = await resources.enter_async_context(
            Pitboard(settings=settings, store=store, feed=feed, jolpica=jolpica, poster=poster, watcher_clock=watcher_clock,
                     live_clock=live_clock, race_day_publishers=race_day_publishers, **bot_options)
        )
        yield bot


def _epoch_seconds(clock: Clock) -> Callable[[], float]:
    return lambda: clock.now().timestamp()


def _sleeping(clock: Clock) -> Callable[[float], Awaitable[None]]:
    async def sleep(seconds: float) -> None:
        await clock.sleep_until(clock.now() + timedelta(seconds=seconds))
    return sleep


async def run_bot(
    settings: Settings,
    *,
    before_serving: Callable[[], None] | None = None,
    watcher_clock: Callable[[], datetime] = utc_now,
) -> int:
    """Serve slash commands (and watch the feed) until SIGINT/SIGTERM; everything is closed on the way out.

    `before_serving` runs once everything is open, just before connecting to Discord (`pitboard run`
    passes `serving_gc`: process-wide settings that library callers such as tests must not inherit).
    `watcher_clock`: the feed watcher's "now" (see Pitboard); a replay of a recorded race day fixes it.
    """
    token = _token_or_exit(settings)
    if token is None:
        return 2
    await ensure_database(settings.db_path, thorough=True)
    async with contextlib.AsyncExitStack() as resources:
        try:
            resources.enter_context(run_lock(settings.db_path))  # before the store and any connection
        except InstanceRunning as running:
            holder = f" (pid {running.holder_pid})" if running.holder_pid else ""
            print(f"pitboard: another pitboard run is already using {settings.db_path}{holder}; stop it first", file=sys.stderr)
            return 2
        bot = await resources.enter_async_context(assembled_bot(settings, watcher_clock=watcher_clock))
        await bot.store.names()  # load the name index now, not on the first command
        if before_serving is not None:
            before_serving()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, _shutdown, bot, signum)
        try:
            await bot.start(token)
        except discord.LoginFailure:
            print("pitboard: Discord rejected the token in DISCORD_TOKEN (reset it in the Developer Portal).", file=sys.stderr)
            return 2
        finally:
            for signum in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(signum)
    log.info("shut down cleanly")
    return 0


def _shutdown(bot: Pitboard, signum: int) -> None:
    log.info("received %s, shutting down", signal.Signals(signum).name)
    asyncio.get_running_loop().create_task(bot.close())


async def sync_commands(settings: Settings, guild_id: int | None) -> int:
    """Register the slash commands with Discord: globally, or instantly in one server."""
    token = _token_or_exit(settings)
    if token is None:
        return 2
    await ensure_database(settings.db_path)
    async with Store.open(settings.db_path) as store, Pitboard(settings=settings, store=store) as bot:
        try:
            await bot.login(token)
        except discord.LoginFailure:
            print("pitboard: Discord rejected the token in DISCORD_TOKEN.", file=sys.stderr)
            return 2
        if guild_id:
            guild = discord.Object(guild_id)
            bot.tree.copy_global_to(guild=guild)
            synced = await bot.tree.sync(guild=guild)
            where = f"server {guild_id} (available now)"
        else:
            synced = await bot.tree.sync()
            where = "all servers (Discord may take up to an hour to show them)"
    print(f"Synced {len(synced)} commands to {where}: " + ", ".join(f"/{command.name}" for command in synced))
    return 0
