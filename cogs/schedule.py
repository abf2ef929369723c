"""/next and /schedule."""

from __future__ import annotations

import discord
from discord.ext import commands

from bot.pitboard import Pitboard
from bot.render import embeds
from cogs.utils import Interaction, options
from cogs.utils.paginator import PageTurn, pager, send_pages
from db import queries
from db.errors import NoData


class ScheduleCog(commands.Cog):
    def __init__(self, bot: Pitboard):
        self.bot = bot

    @options.command("next")
    async def next_race(self, interaction: Interaction, track=None, series=None):
        series = await options.series_or_default(interaction, series)
        answer = await queries.next_races(self.bot.store, series, track=track)
        await interaction.response.send_message(embed=embeds.next_races(answer))

    @options.command("schedule")
    async def schedule(self, interaction: Interaction, series=None, season=None):
        series = await options.series_or_default(interaction, series)
        answer = await queries.schedule(self.bot.store, series, season)
        await send_pages(interaction, embeds.schedule(answer), "schedule", f"{answer.series or ALL_SERIES}.{answer.season}")


ALL_SERIES = "all"   # the key of a schedule of every series


@pager("schedule")
async def schedule_pages(bot: Pitboard, key: str) -> list[discord.Embed]:
    """A season's /schedule pages again, for its page buttons, as of now."""
    series, season = key.split(".")
    try:
        return embeds.schedule(await queries.schedule(bot.store, None if series == ALL_SERIES else series, int(season)))
    except NoData:
        return []


async def setup(bot: Pitboard) -> None:
    bot.add_dynamic_items(PageTurn)
    await bot.add_cog(ScheduleCog(bot))
