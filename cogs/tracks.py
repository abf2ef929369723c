"""/track."""

from __future__ import annotations

from discord.ext import commands

from bot.pitboard import Pitboard
from bot.render import embeds
from cogs.utils import Interaction, options
from db import queries


class TracksCog(commands.Cog):
    def __init__(self, bot: Pitboard):
        self.bot = bot

    @options.command("track")
    async def track(self, interaction: Interaction, name, series=None):
        series = await options.series_or_default(interaction, series)
        answer = await queries.track(self.bot.store, name, series)
        await interaction.response.send_message(embed=embeds.track(answer))


async def setup(bot: Pitboard) -> None:
    await bot.add_cog(TracksCog(bot))
