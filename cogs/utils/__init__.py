"""Helpers shared by the cogs: autocomplete, option descriptions, pagination, chart files."""

from typing import TypeAlias

import discord

from bot.pitboard import Pitboard

# What every cog command receives: `interaction.client` is the Pitboard bot (its store, live delivery, settings).
# A runtime alias, not a TYPE_CHECKING one: discord.py evaluates command annotations when it builds the commands.
Interaction: TypeAlias = discord.Interaction[Pitboard]
