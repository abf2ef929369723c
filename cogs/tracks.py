"""/track."""

from __future__ import annotations

import discord
from discord.ext import commands

from bot.render import embeds
from cogs.utils import options
from db import queries


class Tracks(commands.Cog):
    def __init__(self, bot):
        self.bot = bot

    @options.command("track")
    async def track(self, interaction: discord.Interaction, name, series=None):
        series = await options.series_or_default(interaction, series)
        answer = await queries.track(self.bot.store, name, series)
        await interaction.response.send_message(embed=embeds.track(answer))


async def setup(bot) -> None:
    await bot.add_cog(Tracks(bot))
