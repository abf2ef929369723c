"""/standings and /leaders."""

from __future__ import annotations

from discord.ext import commands

from bot.pitboard import Pitboard
from bot.render import charts, embeds
from cogs.utils import Interaction, options
from db import queries

CHART = "standings.png"


class StandingsCog(commands.Cog):
    def __init__(self, bot: Pitboard):
        self.bot = bot

    @options.command("standings")
    async def standings(self, interaction: Interaction, series=None, season=None, round=None):
        series = await options.series_or_default(interaction, series)
        answer = await queries.standings(self.bot.store, series, season, round)
        await options.send_with_chart(interaction, answer, embeds.standings, charts.standings_chart, CHART)

    @options.command("leaders")
    async def leaders(self, interaction: Interaction, stat=None, series=None, season=None):
        series = await options.series_or_default(interaction, series)
        answer = await queries.leaders(self.bot.store, stat, series, season)
        await interaction.response.send_message(embed=embeds.leaders(answer))


async def setup(bot: Pitboard) -> None:
    await bot.add_cog(StandingsCog(bot))
