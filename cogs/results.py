"""/winner, /results and /qualifying."""

from __future__ import annotations

import discord
from discord.ext import commands

from bot.pitboard import Pitboard
from bot.render import embeds
from cogs.utils import Interaction, options
from cogs.utils.paginator import send_pages
from db import queries


class ResultsCog(commands.Cog):
    """The answers depend only on the data and the options (no clock, no reader), so each rendered answer is
    remembered until the data changes (`Store.remembered`): a question asked again costs no query and no rendering."""

    def __init__(self, bot: Pitboard):
        self.bot = bot

    @options.command("winner")
    async def winner(self, interaction: Interaction, track=None, year=None, series=None, round=None):
        series = await options.series_or_default(interaction, series)
        embed = await self.bot.store.remembered(
            ("/winner", track, year, series, round), lambda: self._winner(track, year, series, round)
        )
        await interaction.response.send_message(embed=embed)

    @options.command("results")
    async def results(self, interaction: Interaction, track=None, year=None, series=None, round=None):
        series = await options.series_or_default(interaction, series)
        pages = await self.bot.store.remembered(
            ("/results", track, year, series, round), lambda: self._results(track, year, series, round)
        )
        await send_pages(interaction, pages)

    @options.command("qualifying")
    async def qualifying(self, interaction: Interaction, track=None, year=None, series=None, round=None):
        series = await options.series_or_default(interaction, series)
        embed = await self.bot.store.remembered(
            ("/qualifying", track, year, series, round), lambda: self._qualifying(track, year, series, round)
        )
        await interaction.response.send_message(embed=embed)

    async def _winner(self, track: str | None, year: int | None, series: str | None, round: int | None) -> discord.Embed:
        return embeds.winner(await queries.winner(self.bot.store, track, year, series, round))

    async def _results(self, track: str | None, year: int | None, series: str | None, round: int | None) -> list[discord.Embed]:
        return embeds.results(await queries.results(self.bot.store, track, year, series, round))

    async def _qualifying(self, track: str | None, year: int | None, series: str | None, round: int | None) -> discord.Embed:
        return embeds.qualifying(await queries.qualifying(self.bot.store, track, year, series, round))


async def setup(bot: Pitboard) -> None:
    await bot.add_cog(ResultsCog(bot))
