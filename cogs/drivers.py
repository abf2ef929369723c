"""/driver and /h2h."""

from __future__ import annotations

from discord.ext import commands

from bot.pitboard import Pitboard
from bot.render import charts, embeds
from cogs.utils import Interaction, options
from db import queries
from db.models import DriverAtTrack

CHART = "driver.png"


class DriversCog(commands.Cog):
    def __init__(self, bot: Pitboard):
        self.bot = bot

    @options.command("driver")
    async def driver(self, interaction: Interaction, name, series=None, year=None, track=None):
        answer = await queries.driver(self.bot.store, name, series, year, track)
        if isinstance(answer, DriverAtTrack):
            await interaction.response.send_message(embed=embeds.driver_at_track(answer))
        else:
            await options.send_with_chart(interaction, answer, embeds.driver, charts.driver_chart, CHART)

    @options.command("h2h")
    async def h2h(self, interaction: Interaction, driver1, driver2=None, series=None, track=None, year=None):
        answer = await queries.h2h(self.bot.store, driver1, driver2, series, track, year)
        await interaction.response.send_message(embed=embeds.h2h(answer))


async def setup(bot: Pitboard) -> None:
    await bot.add_cog(DriversCog(bot))
