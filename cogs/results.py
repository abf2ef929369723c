"""/winner and /results."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.questions import QUESTIONS
from bot.render import embeds
from cogs.utils import options
from cogs.utils.paginator import send_pages
from db import queries

Year = app_commands.Range[int, queries.FIRST_SEASON, queries.LAST_SEASON]
Round = app_commands.Range[int, 1, 99]


class Results(commands.Cog):
    def __init__(self, bot):
        self.bot = bot

    @app_commands.command(description=QUESTIONS["winner"].description)
    @app_commands.describe(**options.describe("winner"))
    @app_commands.autocomplete(track=options.tracks, series=options.series)
    async def winner(self, interaction: discord.Interaction, track: str, year: Year | None = None, series: str | None = None):
        series = await options.series_or_default(interaction, series)
        answer = await queries.winner(self.bot.store, track, year, series)
        await interaction.response.send_message(embed=embeds.winner(answer))

    @app_commands.command(description=QUESTIONS["results"].description)
    @app_commands.describe(**options.describe("results"))
    @app_commands.autocomplete(track=options.tracks, series=options.series)
    async def results(
        self, interaction: discord.Interaction, track: str, year: Year | None = None, series: str | None = None, round: Round | None = None
    ):
        series = await options.series_or_default(interaction, series)
        answer = await queries.results(self.bot.store, track, year, series, round)
        await send_pages(interaction, embeds.results_pages(answer))


async def setup(bot) -> None:
    await bot.add_cog(Results(bot))
