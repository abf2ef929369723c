"""Discord commands built from the shared question registry in bot/questions.py, and autocomplete.

`@options.command("winner")` turns a cog method into the /winner slash command with the registry's
description, option types, descriptions, ranges and autocomplete, so Discord and the terminal
console cannot drift apart. The method's parameters must be the registry's options, in order.
"""

from __future__ import annotations

import asyncio
import inspect
import io
from collections.abc import Callable
from typing import Any, Optional

import discord
from discord import app_commands

from bot.questions import QUESTIONS, Option
from cogs.utils import Interaction
from db import guilds, queries

MAX_CHOICES = 25
CHOICE_LIMIT = 100


def describe(command: str) -> dict[str, str]:
    """Option descriptions of a command, written once in bot/questions.py."""
    return {option.name: option.description for option in QUESTIONS[command].options}


def command(name: str) -> Callable:
    """Decorator: the registry's /`name` command around a cog method `(self, interaction, <options>)`."""
    question = QUESTIONS[name]

    def decorate(callback: Callable) -> app_commands.Command:
        parameters = list(inspect.signature(callback).parameters.values())[2:]
        declared = [(p.name, p.default is inspect.Parameter.empty) for p in parameters]
        wanted = [(option.name, option.required) for option in question.options]
        if declared != wanted:
            raise TypeError(f"/{name}: {callback.__qualname__} takes {declared}, the registry says {wanted}")
        for option in question.options:
            callback.__annotations__[option.name] = _annotation(option)
        callback = app_commands.describe(**describe(name))(callback)
        completions = {option.name: AUTOCOMPLETE[option.lookup] for option in question.options if option.lookup}
        if completions:
            callback = app_commands.autocomplete(**completions)(callback)
        return app_commands.command(name=question.name, description=question.description)(callback)

    return decorate


def _annotation(option: Option) -> Any:
    """The parameter annotation discord.py reads to build the option (a runtime typing object)."""
    kind: Any = option.kind
    if option.kind is int and (option.minimum is not None or option.maximum is not None):
        kind = app_commands.Range[int, option.minimum, option.maximum]
    return kind if option.required else Optional[kind]  # noqa: UP045 (a runtime annotation object: `kind | None` is not one)


def _choices(labels: list[str]) -> list[app_commands.Choice[str]]:
    return [app_commands.Choice(name=label[:CHOICE_LIMIT], value=label[:CHOICE_LIMIT]) for label in labels[:MAX_CHOICES]]


async def places(interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
    names = await interaction.client.store.names()
    return _choices(names.place_choices(current, MAX_CHOICES))


async def drivers(interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
    names = await interaction.client.store.names()
    return _choices(names.driver_labels(current, MAX_CHOICES))


async def teams(interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
    names = await interaction.client.store.names()
    return _choices(names.team_labels(current, MAX_CHOICES))


async def series(interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
    names = await interaction.client.store.names()
    return [app_commands.Choice(name=label[:CHOICE_LIMIT], value=key) for label, key in names.series_labels(current, MAX_CHOICES)]


async def stats(interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
    """/leaders' figures (a fixed list) whose name holds what is typed."""
    typed = current.strip().casefold()
    return _choices([stat.label for stat in queries.LEADER_STATS.values() if typed in stat.label or typed in stat.key])


async def commands(interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
    """The commands /help tells (every question's name) that hold what is typed."""
    typed = current.strip().removeprefix("/").casefold()
    return _choices([name for name in QUESTIONS if typed in name])


AUTOCOMPLETE = {"place": places, "driver": drivers, "team": teams, "series": series, "stat": stats, "command": commands}


async def series_or_default(interaction: Interaction, series: str | None) -> str | None:
    """The series the user typed, else the server's default from /config (if any)."""
    if series or interaction.guild_id is None:
        return series
    return (await guilds.get(interaction.client.store, interaction.guild_id)).default_series


async def send_with_chart(
    interaction: Interaction,
    answer,
    embed: Callable[..., discord.Embed],
    chart: Callable[..., bytes | None],
    filename: str,
) -> None:
    """Defer, render the chart in a worker thread (the event loop never blocks), send embed and picture."""
    await interaction.response.defer(thinking=True)
    png = await asyncio.to_thread(chart, answer)
    if png:
        picture = discord.File(io.BytesIO(png), filename=filename)
        await interaction.followup.send(embed=embed(answer, chart_name=filename), file=picture)
    else:
        await interaction.followup.send(embed=embed(answer))
