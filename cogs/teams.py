"""/team."""

from __future__ import annotations

from discord.ext import commands

from bot.pitboard import Pitboard
from bot.render import embeds
from cogs.utils import Interaction, options
from db import queries


class TeamsCog(commands.Cog):
    def __init__(self, bot: Pitboard):
        self.bot = bot

    @options.command("team")
    async def team(self, interaction: Interaction, name, series=None, year=None, track=None):
        """Every series the team raced in unless one is given (like /driver, the server's default series is not used)."""
        answer = await queries.team(self.bot.store, name, series, year, track)
        await interaction.response.send_message(embed=embeds.team(answer))


async def setup(bot: Pitboard) -> None:
    await bot.add_cog(TeamsCog(bot))
