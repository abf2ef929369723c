"""/config: a server's announcement channel, default series and subreddits per series.

Hidden from members without Manage Server by default permissions, and checked again at run time:
default permissions are only a hint that server admins can override.
"""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.render import embeds
from cogs.utils import options
from db import guilds
from db.errors import BadOption


class AnnouncementChannel(app_commands.Transformer):
    """A text or announcement channel option, passed on unresolved.

    discord.py's own `discord.TextChannel` option fails inside the library (an internal error, logged)
    when the channel is not one of this server's; the command checks it instead and refuses cleanly.
    """

    @property
    def type(self) -> discord.AppCommandOptionType:
        return discord.AppCommandOptionType.channel

    @property
    def channel_types(self) -> list[discord.ChannelType]:
        return [discord.ChannelType.text, discord.ChannelType.news]

    async def transform(self, interaction: discord.Interaction, value: app_commands.AppCommandChannel) -> app_commands.AppCommandChannel:
        return value


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class ConfigCog(commands.GroupCog, group_name="config", group_description="Pitboard settings for this server (Manage Server)"):
    def __init__(self, bot):
        self.bot = bot
        super().__init__()

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if interaction.guild_id is None:
            raise app_commands.NoPrivateMessage()
        if not interaction.permissions.manage_guild:
            raise app_commands.MissingPermissions(["manage_guild"])
        return True

    async def _reply(self, interaction: discord.Interaction, note: str) -> None:
        settings = await guilds.get(self.bot.store, interaction.guild_id)
        embed = embeds.guild_settings(settings)
        if interaction.response.is_done():
            await interaction.followup.send(note or None, embed=embed, ephemeral=True)
        else:
            await interaction.response.send_message(note, embed=embed, ephemeral=True)

    @staticmethod
    async def _before_write(interaction: discord.Interaction) -> None:
        """Acknowledge a valid change at once: its write may wait for the write lock (up to 30 s while `db build`
        swaps data in), longer than the 3 s Discord allows for a first reply. Input is checked before this."""
        await interaction.response.defer(ephemeral=True, thinking=True)

    @app_commands.command(name="show", description="Show this server's Pitboard settings")
    async def show(self, interaction: discord.Interaction):
        await self._reply(interaction, "")

    @app_commands.command(name="channel", description="Where post-race announcements go (leave empty to turn them off)")
    @app_commands.describe(channel="Text channel for announcements")
    async def channel(
        self, interaction: discord.Interaction,
        channel: app_commands.Transform[app_commands.AppCommandChannel, AnnouncementChannel] | None = None,
    ):
        target = channel.resolve() if channel else None   # looked up among this server's channels only
        if channel and not isinstance(target, discord.TextChannel):
            raise BadOption("Announcements need a text channel of this server that Pitboard can see.")
        await self._before_write(interaction)
        await guilds.set_announce_channel(self.bot.store, interaction.guild_id, target.id if target else None)
        await self._reply(interaction, f"Announcements go to {target.mention}." if target else "Announcements are off.")

    @app_commands.command(name="series", description="The series this server cares about most (used when a command names none)")
    @app_commands.describe(series="cup, xfinity or truck; leave empty for all series")
    @app_commands.autocomplete(series=options.series)
    async def series(self, interaction: discord.Interaction, series: str | None = None):
        key = (await self.bot.store.names()).series_key(series) if series else None
        await self._before_write(interaction)
        await guilds.set_default_series(self.bot.store, interaction.guild_id, key)
        await self._reply(interaction, f"Default series: {key}." if key else "No default series.")

    @app_commands.command(name="subreddit-add", description="Post this series' post-race threads to a subreddit")
    @app_commands.describe(series="cup, xfinity or truck", subreddit="Subreddit name, e.g. NASCAR")
    @app_commands.autocomplete(series=options.series)
    async def subreddit_add(self, interaction: discord.Interaction, series: str, subreddit: str):
        key = (await self.bot.store.names()).series_key(series)
        name = guilds.clean_subreddit(subreddit)
        await self._before_write(interaction)
        added = await guilds.add_subreddit(self.bot.store, interaction.guild_id, key, name)
        await self._reply(interaction, f"Added r/{name} for {key}." if added else f"r/{name} was already set for {key}.")

    @app_commands.command(name="subreddit-remove", description="Stop posting this series' threads to a subreddit")
    @app_commands.describe(series="cup, xfinity or truck", subreddit="Subreddit name")
    @app_commands.autocomplete(series=options.series)
    async def subreddit_remove(self, interaction: discord.Interaction, series: str, subreddit: str):
        key = (await self.bot.store.names()).series_key(series)
        name = guilds.clean_subreddit(subreddit)
        await self._before_write(interaction)
        removed = await guilds.remove_subreddit(self.bot.store, interaction.guild_id, key, name)
        await self._reply(interaction, f"Removed r/{name} for {key}." if removed else f"r/{name} was not set for {key}.")


async def setup(bot) -> None:
    await bot.add_cog(ConfigCog(bot))
