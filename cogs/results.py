"""/winner, /results and /qualifying."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from discord.ext import commands

from bot.pitboard import Pitboard
from bot.render import embeds
from cogs.utils import Interaction, options
from cogs.utils.paginator import send_pages
from db import queries

R = TypeVar("R")


class ResultsCog(commands.Cog):
    """The answers depend only on the data and the options (no clock, no reader), so each rendered answer is
    remembered until the data changes (`Store.remembered`): a question asked again costs no query and no rendering."""

    def __init__(self, bot: Pitboard):
        self.bot = bot

    @options.command("winner")
    async def winner(self, interaction: Interaction, track=None, year=None, series=None, round=None):
        embed = await self._answer(interaction, queries.winner, embeds.winner, track, year, series, round)
        await interaction.response.send_message(embed=embed)

    @options.command("results")
    async def results(self, interaction: Interaction, track=None, year=None, series=None, round=None):
        pages = await self._answer(interaction, queries.results, embeds.results, track, year, series, round)
        await send_pages(interaction, pages)

    @options.command("qualifying")
    async def qualifying(self, interaction: Interaction, track=None, year=None, series=None, round=None):
        embed = await self._answer(interaction, queries.qualifying, embeds.qualifying, track, year, series, round)
        await interaction.response.send_message(embed=embed)

    async def _answer(
        self, interaction: Interaction, query: Callable[..., Awaitable[Any]], render: Callable[[Any], R],
        track: str | None, year: int | None, series: str | None, round: int | None,
    ) -> R:
        """The rendered answer to a question about one race, remembered under the command and its options (after the
        server's default series) until the data changes."""
        series = await options.series_or_default(interaction, series)

        async def answer() -> R:
            return render(await query(self.bot.store, track, year, series, round))

        return await self.bot.store.remembered((query.__name__, track, year, series, round), answer)


async def setup(bot: Pitboard) -> None:
    await bot.add_cog(ResultsCog(bot))
