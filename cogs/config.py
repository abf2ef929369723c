"""/config: a server's announcement channel, default series, subreddits per series and race-day settings
(live updates, TV delay, reminder, scheduled events, race threads).

Hidden from members without Manage Server by default permissions, and checked again at run time:
default permissions are only a hint that server admins can override.
"""

from __future__ import annotations

from typing import Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.pitboard import Pitboard
from bot.render import embeds
from cogs.utils import Interaction, options
from db import guilds
from db.errors import BadOption

OnOff = Literal["on", "off"]
NEEDS_ANNOUNCE_CHANNEL = " Race-day messages go to the announcement channel: set one with `/config channel`."


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

    async def transform(
        self, interaction: discord.Interaction, value: app_commands.AppCommandChannel
    ) -> app_commands.AppCommandChannel:
        return value


class ForumChannelOption(AnnouncementChannel):
    """A forum channel option, passed on unresolved and checked by the command (see AnnouncementChannel)."""

    @property
    def channel_types(self) -> list[discord.ChannelType]:
        return [discord.ChannelType.forum]


async def reminder_choices(interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
    """Common reminder times, and `off`, matching what is typed so far."""
    shown = [("off", "off"), ("15 minutes", "15"), ("30 minutes", "30"), ("60 minutes", "60"), ("2 hours", "120")]
    typed = current.strip().casefold()
    return [app_commands.Choice(name=name, value=value) for name, value in shown if typed in name or typed in value]


def _server(interaction: discord.Interaction) -> int:
    """The server the command came from (every /config command is guild-only)."""
    if interaction.guild_id is None:
        raise app_commands.NoPrivateMessage()
    return interaction.guild_id


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class ConfigCog(commands.GroupCog, group_name="config", group_description="Pitboard settings for this server (Manage Server)"):
    def __init__(self, bot: Pitboard):
        self.bot = bot
        super().__init__()

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        _server(interaction)
        if not interaction.permissions.manage_guild:
            raise app_commands.MissingPermissions(["manage_guild"])
        return True

    async def _reply(self, interaction: Interaction, note: str, *, race_day: bool = False) -> None:
        """The settings as they are now, after `note`; a race-day change without an announcement channel says it needs one."""
        settings = await guilds.get(self.bot.store, _server(interaction))
        if race_day and settings.announce_channel_id is None:
            note += NEEDS_ANNOUNCE_CHANNEL
        embed = embeds.guild_settings(settings)
        if interaction.response.is_done():
            await interaction.followup.send(note, embed=embed, ephemeral=True)
        else:
            await interaction.response.send_message(note, embed=embed, ephemeral=True)

    @staticmethod
    async def _before_write(interaction: Interaction) -> None:
        """Acknowledge a valid change at once: its write may wait for the write lock (up to 30 s while `db build`
        swaps data in), longer than the 3 s Discord allows for a first reply. Input is checked before this."""
        await interaction.response.defer(ephemeral=True, thinking=True)

    @app_commands.command(name="show", description="Show this server's Pitboard settings")
    async def show(self, interaction: Interaction):
        await self._reply(interaction, "")

    @app_commands.command(name="channel", description="Where post-race announcements go (leave empty to turn them off)")
    @app_commands.describe(channel="Text channel for announcements")
    async def channel(
        self, interaction: Interaction,
        channel: app_commands.Transform[app_commands.AppCommandChannel, AnnouncementChannel] | None = None,
    ):
        target = channel.resolve() if channel else None   # looked up among this server's channels only
        if channel and not isinstance(target, discord.TextChannel):
            raise BadOption("Announcements need a text channel of this server that Pitboard can see.")
        await self._before_write(interaction)
        await guilds.set_announce_channel(self.bot.store, _server(interaction), target.id if target else None)
        await self._reply(interaction, f"Announcements go to {target.mention}." if target else "Announcements are off.")

    @app_commands.command(name="series", description="The series this server cares about most (used when a command names none)")
    @app_commands.describe(series="cup, xfinity or truck; leave empty for all series")
    @app_commands.autocomplete(series=options.series)
    async def series(self, interaction: Interaction, series: str | None = None):
        key = (await self.bot.store.names()).series_key(series) if series else None
        await self._before_write(interaction)
        await guilds.set_default_series(self.bot.store, _server(interaction), key)
        await self._reply(interaction, f"Default series: {key}." if key else "No default series.")

    @app_commands.command(name="subreddit-add", description="Post this series' post-race threads to a subreddit")
    @app_commands.describe(series="cup, xfinity or truck", subreddit="Subreddit name, e.g. NASCAR")
    @app_commands.autocomplete(series=options.series)
    async def subreddit_add(self, interaction: Interaction, series: str, subreddit: str):
        key = (await self.bot.store.names()).series_key(series)
        name = guilds.clean_subreddit(subreddit)
        await self._before_write(interaction)
        added = await guilds.add_subreddit(self.bot.store, _server(interaction), key, name)
        await self._reply(interaction, f"Added r/{name} for {key}." if added else f"r/{name} was already set for {key}.")

    @app_commands.command(name="subreddit-remove", description="Stop posting this series' threads to a subreddit")
    @app_commands.describe(series="cup, xfinity or truck", subreddit="Subreddit name")
    @app_commands.autocomplete(series=options.series)
    async def subreddit_remove(self, interaction: Interaction, series: str, subreddit: str):
        key = (await self.bot.store.names()).series_key(series)
        name = guilds.clean_subreddit(subreddit)
        await self._before_write(interaction)
        removed = await guilds.remove_subreddit(self.bot.store, _server(interaction), key, name)
        await self._reply(interaction, f"Removed r/{name} for {key}." if removed else f"r/{name} was not set for {key}.")

    @app_commands.command(name="live", description="A live race board and race events in this server while a race runs")
    @app_commands.describe(state="on or off")
    async def live(self, interaction: Interaction, state: OnOff):
        await self._before_write(interaction)
        await guilds.set_live_updates(self.bot.store, _server(interaction), state == "on")
        await self._reply(interaction, f"Live updates are {state}.", race_day=state == "on")

    @app_commands.command(name="delay", description="Hold back every live message to match your TV stream")
    @app_commands.describe(seconds=f"0 to {guilds.MAX_TV_DELAY_SECONDS} seconds")
    async def delay(self, interaction: Interaction, seconds: app_commands.Range[int, 0, guilds.MAX_TV_DELAY_SECONDS]):
        guilds.check_tv_delay(seconds)   # Discord enforces the range in its client; a raw request may not
        await self._before_write(interaction)
        await guilds.set_tv_delay(self.bot.store, _server(interaction), seconds)
        await self._reply(interaction, f"Live messages wait {seconds} s." if seconds else "Live messages are not delayed.")

    @app_commands.command(name="reminder", description="A reminder before each green flag, optionally mentioning one role")
    @app_commands.describe(minutes="Minutes before the green flag, or off", role="The one role to mention (none: no mention)")
    @app_commands.autocomplete(minutes=reminder_choices)
    async def reminder(self, interaction: Interaction, minutes: str, role: discord.Role | None = None):
        guild_id = _server(interaction)
        before_green = guilds.reminder_minutes(minutes)
        if before_green is None and role is not None:
            raise BadOption("A reminder that is off mentions nobody: leave the role out.")
        if role is not None and (role.is_default() or interaction.guild is None or interaction.guild.get_role(role.id) is None):
            raise BadOption("Choose a role of this server to mention; Pitboard never mentions @everyone.")
        await self._before_write(interaction)
        await guilds.set_reminder(self.bot.store, guild_id, before_green, role.id if role else None)
        if before_green is None:
            await self._reply(interaction, "Reminders are off.")
            return
        mention = f", mentioning {role.mention}" if role else ", mentioning nobody"
        await self._reply(interaction, f"A reminder goes out {before_green} min before each green flag{mention}.", race_day=True)

    @app_commands.command(name="events", description="A Discord scheduled event for each upcoming race (needs Manage Events)")
    @app_commands.describe(state="on or off")
    async def events(self, interaction: Interaction, state: OnOff):
        if state == "on" and not interaction.app_permissions.manage_events:
            raise BadOption("Pitboard needs the Manage Events permission in this server to keep scheduled events.")
        await self._before_write(interaction)
        await guilds.set_scheduled_events(self.bot.store, _server(interaction), state == "on")
        await self._reply(interaction, f"Scheduled events are {state}.")

    @app_commands.command(name="race-threads", description="Where race messages go: the channel, a thread per race, a forum post")
    @app_commands.describe(mode="channel, thread or forum", forum_channel="The forum for a post per race (with forum only)")
    @app_commands.rename(forum_channel="forum-channel")
    async def race_threads(
        self, interaction: Interaction, mode: guilds.RaceThreads,
        forum_channel: app_commands.Transform[app_commands.AppCommandChannel, ForumChannelOption] | None = None,
    ):
        forum = forum_channel.resolve() if forum_channel else None   # looked up among this server's channels only
        if forum_channel and not isinstance(forum, discord.ForumChannel):
            raise BadOption("Race posts need a forum channel of this server that Pitboard can see.")
        if mode == "forum" and forum is None:
            raise BadOption("Name the forum for a post per race: `/config race-threads forum forum-channel:#races`.")
        if mode != "forum" and forum is not None:
            raise BadOption("A forum channel goes with `forum` only.")
        await self._before_write(interaction)
        await guilds.set_race_threads(self.bot.store, _server(interaction), mode, forum.id if forum else None)
        if forum is not None:
            await self._reply(interaction, f"Each race gets a post in {forum.mention}.")
        elif mode == "thread":
            await self._reply(interaction, "Each race gets a thread in the announcement channel.", race_day=True)
        else:
            await self._reply(interaction, "Race messages go to the announcement channel.", race_day=True)


async def setup(bot: Pitboard) -> None:
    await bot.add_cog(ConfigCog(bot))
