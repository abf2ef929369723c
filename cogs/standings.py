"""/standings."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.questions import QUESTIONS
from bot.render import charts, embeds
from cogs.utils import options
from db import queries

CHART = "standings.png"
Season = app_commands.Range[int, queries.FIRST_SEASON, queries.LAST_SEASON]


class StandingsCog(commands.Cog, name="Standings"):
    def __init__(self, bot):
        self.bot = bot

    @app_commands.command(description=QUESTIONS["standings"].description)
    @app_commands.describe(**options.describe("standings"))
    @app_commands.autocomplete(series=options.series)
    async def standings(self, interaction: discord.Interaction, series: str, season: Season | None = None):
        answer = await queries.standings(self.bot.store, series, season)
        await options.send_with_chart(interaction, answer, embeds.standings, charts.standings_chart, CHART)


async def setup(bot) -> None:
    await bot.add_cog(StandingsCog(bot))
