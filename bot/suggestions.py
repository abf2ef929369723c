"""Buttons under a "which one?" reply: a click asks the same command again with the name it picks.

`/winner charlotte` answers "could be more than one track" with its suggestions (the oval, the Roval); each becomes
a button, and a click runs /winner again with that name in the option that failed, answering in the channel as the
command would have; `/winner indy 2021` ("that year the races were at the road course") offers the road course the same way. Only
names that read back as themselves are offered (tracks, drivers, pairs of drivers, series, teams), and only when the
option that failed can be told: the one whose value is the text the error names.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any

import discord
from discord import app_commands

from db.errors import PitboardError

PICKABLE = frozenset({"track", "driver", "pair of drivers", "series", "team"})
MAX_BUTTONS = 5             # one row
BUTTON_LABEL_LIMIT = 80     # Discord's
PICK_TIMEOUT = 600


class Suggestions(discord.ui.View):
    """One button per suggestion; a click re-runs `command` with `option` set to it."""

    def __init__(self, command: app_commands.Command, options: dict[str, Any], option: str, choices: list[str],
                 on_failure: Callable[[discord.Interaction, Exception], Awaitable[None]]):
        super().__init__(timeout=PICK_TIMEOUT)
        self.command, self.options, self.option, self.on_failure = command, options, option, on_failure
        for choice in choices[:MAX_BUTTONS]:
            button: discord.ui.Button = discord.ui.Button(label=choice[:BUTTON_LABEL_LIMIT], style=discord.ButtonStyle.primary)
            button.callback = functools.partial(self._pick, choice)  # type: ignore[method-assign]
            self.add_item(button)

    async def _pick(self, choice: str, interaction: discord.Interaction) -> None:
        options = {**self.options, self.option: choice}
        if self.command.binding is not None:
            await self.command.callback(self.command.binding, interaction, **options)
        else:
            await self.command.callback(interaction, **options)  # type: ignore[call-arg]

    async def on_error(self, interaction: discord.Interaction, error: Exception, item: discord.ui.Item[Any]) -> None:
        await self.on_failure(interaction, error)


def suggestion_buttons(
    interaction: discord.Interaction, failure: PitboardError,
    on_failure: Callable[[discord.Interaction, Exception], Awaitable[None]],
) -> Suggestions | None:
    """The buttons for `failure`'s suggestions, when its kind of name can be picked and its option told apart."""
    if failure.what not in PICKABLE or failure.typed is None or not failure.suggestions:
        return None
    command = interaction.command
    if not isinstance(command, app_commands.Command):
        return None
    options = {name: value for name, value in interaction.namespace}   # (a Namespace answers None to `.keys`)
    option = next((name for name, value in options.items() if value == failure.typed), None)
    if option is None:
        return None
    return Suggestions(command, options, option, failure.suggestions, on_failure)
