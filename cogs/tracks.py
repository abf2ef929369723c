"""/track."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.questions import QUESTIONS
from bot.render import embeds
from cogs.utils import options
from db import queries


class Tracks(commands.Cog):
    def __init__(self, bot):
        self.bot = bot

    @app_commands.command(description=QUESTIONS["track"].description)
    @app_commands.describe(**options.describe("track"))
    @app_commands.autocomplete(name=options.tracks, series=options.series)
    async def track(self, interaction: discord.Interaction, name: str, series: str | None = None):
        series = await options.series_or_default(interaction, series)
        answer = await queries.track(self.bot.store, name, series)
        await interaction.response.send_message(embed=embeds.track(answer))


async def setup(bot) -> None:
    await bot.add_cog(Tracks(bot))
