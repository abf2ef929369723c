"""The bot processes the benchmark measures, pointed at the local fake Discord.

Usage: python bench/discord_bot_process.py API_BASE GATEWAY_URL TOKEN DB_PATH [--empty] [--profile FILE]

Without --empty: the real `run_bot` (Pitboard, its cogs and store; no watcher). With --empty: the floor, a bare
discord.py bot with the same /winner and /results commands answering a constant embed, so the two differ only
in what Pitboard does. Prints `ready <seconds since start>` when READY arrives; exits 0 on SIGTERM. With
--profile FILE the process runs under cProfile from READY on (start-up left out) and writes its statistics to FILE on
exit (the event loop's thread only, timed in its CPU time so that waits for a core on a loaded machine do not count:
where the CPU a command costs goes, e.g. `python -m pstats FILE`).
"""

from __future__ import annotations

import time

STARTED = time.perf_counter()

import asyncio  # noqa: E402  (the clock above must start before the imports are paid for)
import cProfile  # noqa: E402
import signal  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

import discord  # noqa: E402
import yarl  # noqa: E402
from discord import app_commands  # noqa: E402

from bot.pitboard import Pitboard  # noqa: E402
from bot.runner import run_bot, serving_gc  # noqa: E402
from bot.settings import Secret, Settings  # noqa: E402

CONSTANT = discord.Embed(title="2023 Cup R31 · YellaWood 500 — Talladega Superspeedway", description="**Ryan Blaney** won.")


PROFILE: cProfile.Profile | None = None   # set by --profile; enabled at READY


def say_ready() -> None:
    print(f"ready {time.perf_counter() - STARTED:.3f}", flush=True)
    if PROFILE is not None:
        PROFILE.enable()


class EmptyBot(discord.Client):
    """The floor: discord.py answering the benchmark's commands with a constant."""

    def __init__(self) -> None:
        super().__init__(intents=discord.Intents(guilds=True))
        self.tree = app_commands.CommandTree(self)

        @self.tree.command(name="winner", description="constant")
        async def winner(interaction: discord.Interaction, track: str, year: int | None = None, series: str | None = None):
            await interaction.response.send_message(embed=CONSTANT)

        @self.tree.command(name="results", description="constant")
        async def results(interaction: discord.Interaction, track: str, year: int | None = None, series: str | None = None):
            await interaction.response.send_message(embed=CONSTANT)

    async def on_ready(self) -> None:
        say_ready()


async def run_empty_bot(token: str) -> int:
    async with EmptyBot() as bot:
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGTERM, lambda: loop.create_task(bot.close()))
        await bot.start(token)
    return 0


def main() -> int:
    api_base, gateway, token, db_path = sys.argv[1:5]
    options = sys.argv[5:]
    if "--profile" in options:
        global PROFILE
        PROFILE = cProfile.Profile(time.thread_time)
        try:
            return serve(api_base, gateway, token, db_path, "--empty" in options)
        finally:
            PROFILE.disable()
            PROFILE.dump_stats(options[options.index("--profile") + 1])
    return serve(api_base, gateway, token, db_path, "--empty" in options)


def serve(api_base: str, gateway: str, token: str, db_path: str, empty: bool) -> int:
    discord.http.Route.BASE = api_base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway)
    if empty:
        return asyncio.run(run_empty_bot(token))

    original_on_ready = Pitboard.on_ready

    async def on_ready(self) -> None:
        await original_on_ready(self)
        say_ready()

    Pitboard.on_ready = on_ready
    settings = Settings(db_path=Path(db_path), discord_token=Secret(token), log_level="WARNING", watch=False)
    return asyncio.run(run_bot(settings, before_serving=serving_gc))  # as `pitboard run` does


if __name__ == "__main__":
    sys.exit(main())
