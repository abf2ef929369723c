"""The bot process the benchmark measures: the real `run_bot`, pointed at the local fake Discord.

Usage: python bench/discord_bot_process.py API_BASE GATEWAY_URL TOKEN DB_PATH
Prints `ready <seconds since start>` when READY arrives; exits 0 on SIGTERM.
"""

from __future__ import annotations

import time

STARTED = time.perf_counter()

import asyncio  # noqa: E402  (the clock above must start before the imports are paid for)
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

import discord  # noqa: E402
import yarl  # noqa: E402

from bot.pitboard import Pitboard  # noqa: E402
from bot.runner import run_bot  # noqa: E402
from bot.settings import Secret, Settings  # noqa: E402


def main() -> int:
    api_base, gateway, token, db_path = sys.argv[1:5]
    discord.http.Route.BASE = api_base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway)

    original_on_ready = Pitboard.on_ready

    async def on_ready(self) -> None:
        await original_on_ready(self)
        print(f"ready {time.perf_counter() - STARTED:.3f}", flush=True)

    Pitboard.on_ready = on_ready
    settings = Settings(db_path=Path(db_path), discord_token=Secret(token), log_level="WARNING", watch=False)
    return asyncio.run(run_bot(settings))


if __name__ == "__main__":
    sys.exit(main())
