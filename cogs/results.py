"""/winner, /results and /qualifying."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import discord
from discord.ext import commands

from bot.pitboard import Pitboard
from bot.render import embeds
from cogs.utils import Interaction, options
from cogs.utils.paginator import PageTurn, pager, send_pages
from db import queries
from db.errors import NoData
from db.models import RaceResults, race_key

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
        pages, key = await self._answer(interaction, queries.results, _pages_and_key, track, year, series, round)
        await send_pages(interaction, pages, "results", key)

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


def _pages_and_key(answer: RaceResults) -> tuple[list[discord.Embed], str]:
    return embeds.results(answer), race_key(answer.race)


@pager("results")
async def results_pages(bot: Pitboard, key: str) -> list[discord.Embed]:
    """A race's /results pages again, for its page buttons (without the question's "also matching" note)."""

    async def pages() -> list[discord.Embed]:
        return embeds.results(await queries.results_of_race(bot.store, key))

    try:
        return await bot.store.remembered(("results_of_race", key), pages)
    except NoData:
        return []


async def setup(bot: Pitboard) -> None:
    bot.add_dynamic_items(PageTurn)
    await bot.add_cog(ResultsCog(bot))
