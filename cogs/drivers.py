"""/driver and /h2h."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.questions import QUESTIONS
from bot.render import charts, embeds
from cogs.utils import options
from db import queries

CHART = "driver.png"


class Drivers(commands.Cog):
    def __init__(self, bot):
        self.bot = bot

    @app_commands.command(description=QUESTIONS["driver"].description)
    @app_commands.describe(**options.describe("driver"))
    @app_commands.autocomplete(name=options.drivers, series=options.series)
    async def driver(self, interaction: discord.Interaction, name: str, series: str | None = None):
        answer = await queries.driver(self.bot.store, name, series)
        await options.send_with_chart(interaction, answer, embeds.driver, charts.driver_chart, CHART)

    @app_commands.command(description=QUESTIONS["h2h"].description)
    @app_commands.describe(**options.describe("h2h"))
    @app_commands.autocomplete(driver1=options.drivers, driver2=options.drivers, series=options.series)
    async def h2h(self, interaction: discord.Interaction, driver1: str, driver2: str, series: str | None = None):
        answer = await queries.h2h(self.bot.store, driver1, driver2, series)
        await interaction.response.send_message(embed=embeds.h2h(answer))


async def setup(bot) -> None:
    await bot.add_cog(Drivers(bot))
