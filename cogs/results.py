"""/winner and /results."""

from __future__ import annotations

from discord.ext import commands

from bot.pitboard import Pitboard
from bot.render import embeds
from cogs.utils import Interaction, options
from cogs.utils.paginator import send_pages
from db import queries


class ResultsCog(commands.Cog):
    def __init__(self, bot: Pitboard):
        self.bot = bot

    @options.command("winner")
    async def winner(self, interaction: Interaction, track, year=None, series=None):
        series = await options.series_or_default(interaction, series)
        answer = await queries.winner(self.bot.store, track, year, series)
        await interaction.response.send_message(embed=embeds.winner(answer))

    @options.command("results")
    async def results(self, interaction: Interaction, track, year=None, series=None, round=None):
        series = await options.series_or_default(interaction, series)
        answer = await queries.results(self.bot.store, track, year, series, round)
        await send_pages(interaction, embeds.results(answer))


async def setup(bot: Pitboard) -> None:
    await bot.add_cog(ResultsCog(bot))
