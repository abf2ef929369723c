"""/next and /schedule."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.questions import QUESTIONS
from bot.render import embeds
from cogs.utils import options
from cogs.utils.paginator import send_pages
from db import queries

Season = app_commands.Range[int, queries.FIRST_SEASON, queries.LAST_SEASON]


class ScheduleCog(commands.Cog, name="Schedule"):
    def __init__(self, bot):
        self.bot = bot

    @app_commands.command(name="next", description=QUESTIONS["next"].description)
    @app_commands.describe(**options.describe("next"))
    @app_commands.autocomplete(series=options.series)
    async def next_race(self, interaction: discord.Interaction, series: str | None = None):
        series = await options.series_or_default(interaction, series)
        answer = await queries.next_races(self.bot.store, series)
        await interaction.response.send_message(embed=embeds.next_races(answer))

    @app_commands.command(description=QUESTIONS["schedule"].description)
    @app_commands.describe(**options.describe("schedule"))
    @app_commands.autocomplete(series=options.series)
    async def schedule(self, interaction: discord.Interaction, series: str | None = None, season: Season | None = None):
        series = await options.series_or_default(interaction, series)
        answer = await queries.schedule(self.bot.store, series, season)
        await send_pages(interaction, embeds.schedule_pages(answer))


async def setup(bot) -> None:
    await bot.add_cog(ScheduleCog(bot))
