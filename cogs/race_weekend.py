"""The race weekend as a background task of the bot (bot/race_weekend.py decides everything; this cog only wires it)."""

from __future__ import annotations

import asyncio

from discord.ext import commands

from bot.pitboard import Pitboard
from bot.race_weekend import DiscordRaceDay, RaceWeekend


class RaceWeekendCog(commands.Cog):
    """Runs `RaceWeekend` (loaded after cogs.live, and only when the bot has a feed client)."""

    def __init__(self, bot: Pitboard):
        if bot.feed is None or bot.live is None:
            raise ValueError("the race weekend needs the bot's feed client and its race-day delivery (cogs.live)")
        self.bot = bot
        discord_side = DiscordRaceDay(bot.store, bot.live)
        self.weekend = RaceWeekend(
            bot.store, bot.feed, [discord_side, *bot.race_day_publishers], settings=bot.settings.race_day,
            clock=bot.live_clock, schedule_keepers=[discord_side],
        )
        self._task: asyncio.Task[None] | None = None

    async def cog_load(self) -> None:
        self.bot.race_weekend = self.weekend
        self._task = asyncio.create_task(self._run(), name="race weekend")

    async def cog_unload(self) -> None:
        self.bot.race_weekend = None
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                if not self._task.cancelled():  # our own caller is being cancelled, not just the loop
                    raise

    async def _run(self) -> None:
        await self.bot.wait_until_ready()
        await self.weekend.run()


async def setup(bot: Pitboard) -> None:
    await bot.add_cog(RaceWeekendCog(bot))
