"""/help."""

from __future__ import annotations

from discord.ext import commands

from bot.pitboard import Pitboard
from bot.questions import answer_help
from bot.render import embeds
from cogs.utils import Interaction, options


class HelpCog(commands.Cog):
    def __init__(self, bot: Pitboard):
        self.bot = bot

    @options.command("help")
    async def help(self, interaction: Interaction, command=None):
        """Every command, or one command's options (`/help command:h2h`); an unknown name is answered as every
        PitboardError is (bot/pitboard.py)."""
        await interaction.response.send_message(embed=embeds.help(await answer_help(command=command)), ephemeral=True)


async def setup(bot: Pitboard) -> None:
    await bot.add_cog(HelpCog(bot))
