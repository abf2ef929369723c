"""/next and /schedule."""

from __future__ import annotations

from discord.ext import commands

from bot.pitboard import Pitboard
from bot.render import embeds
from cogs.utils import Interaction, options
from cogs.utils.paginator import send_pages
from db import queries


class ScheduleCog(commands.Cog):
    def __init__(self, bot: Pitboard):
        self.bot = bot

    @options.command("next")
    async def next_race(self, interaction: Interaction, track=None, series=None):
        series = await options.series_or_default(interaction, series)
        answer = await queries.next_races(self.bot.store, series, track=track)
        await interaction.response.send_message(embed=embeds.next_races(answer))

    @options.command("schedule")
    async def schedule(self, interaction: Interaction, series=None, season=None):
        series = await options.series_or_default(interaction, series)
        answer = await queries.schedule(self.bot.store, series, season)
        await send_pages(interaction, embeds.schedule(answer))


async def setup(bot: Pitboard) -> None:
    await bot.add_cog(ScheduleCog(bot))
