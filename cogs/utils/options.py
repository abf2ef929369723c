"""Option metadata and autocomplete, taken from the shared question definitions in bot/questions.py."""

from __future__ import annotations

import asyncio
import io
from typing import Callable

import discord
from discord import app_commands

from bot.questions import QUESTIONS
from db import guilds

MAX_CHOICES = 25
CHOICE_LIMIT = 100


def describe(command: str) -> dict[str, str]:
    """`@app_commands.describe(**describe("winner"))`: descriptions written once, in bot/questions.py."""
    return {option.name: option.description for option in QUESTIONS[command].options}


def _choices(labels: list[str]) -> list[app_commands.Choice[str]]:
    return [app_commands.Choice(name=label[:CHOICE_LIMIT], value=label[:CHOICE_LIMIT]) for label in labels[:MAX_CHOICES]]


async def tracks(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    names = await interaction.client.store.names()
    return _choices([track.name for track in names.track_choices(current, MAX_CHOICES)])


async def drivers(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    names = await interaction.client.store.names()
    return _choices([driver.name for driver in names.driver_choices(current, MAX_CHOICES)])


async def series(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    names = await interaction.client.store.names()
    return [app_commands.Choice(name=info.name, value=info.key) for info in names.series_choices(current, MAX_CHOICES)]


async def series_or_default(interaction: discord.Interaction, series: str | None) -> str | None:
    """The series the user typed, else the server's default from /config (if any)."""
    if series or interaction.guild_id is None:
        return series
    return (await guilds.get(interaction.client.store, interaction.guild_id)).default_series


async def send_with_chart(
    interaction: discord.Interaction,
    answer,
    embed: Callable[..., discord.Embed],
    chart: Callable[..., bytes | None],
    filename: str,
) -> None:
    """Defer, render the chart in a worker thread (the event loop never blocks), send embed and picture."""
    await interaction.response.defer(thinking=True)
    png = await asyncio.to_thread(chart, answer)
    if png:
        await interaction.followup.send(embed=embed(answer, chart_name=filename), file=discord.File(io.BytesIO(png), filename=filename))
    else:
        await interaction.followup.send(embed=embed(answer))
