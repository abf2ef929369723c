"""/live, and the Discord side of race-day delivery (bot/live_delivery.py decides what goes where, and when)."""

from __future__ import annotations

import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot.live_delivery import NO_PINGS, THREAD_ARCHIVE_MINUTES, DiscordEvent, LiveDelivery, TracedRoute, WebhookLiveMessenger
from bot.pitboard import Pitboard
from bot.race_day import Undeliverable
from bot.race_weekend import live_answer
from bot.render import embeds
from bot.render.live import no_race_embed
from cogs.utils import Interaction, options

log = logging.getLogger(__name__)

RECENT_MESSAGES = 50   # how far back in a channel an unrecorded race-day message is looked for


class DiscordLiveMessenger:
    """Race-day messages, threads and scheduled events through the bot (the `LiveMessenger` of a running bot).

    Messages go through partial messageables, so a thread made a moment ago needs no cache entry, and through
    `route` when there is one: race day's own traced session, whose headers pace the messages (`TracedRoute`).
    Without it (`route=None`), through the bot's own session.
    """

    def __init__(self, bot: discord.Client, route: TracedRoute | None = None):
        self.bot = bot
        self.route = route

    async def _channel(self, channel_id: int) -> discord.PartialMessageable:
        client = self.bot if self.route is None else await self.route.client()
        return client.get_partial_messageable(channel_id)

    async def send(
        self, channel_id: int, embed: discord.Embed, *, content: str | None = None, mentions: discord.AllowedMentions = NO_PINGS
    ) -> int:
        try:
            message = await (await self._channel(channel_id)).send(content, embed=embed, allowed_mentions=mentions)
        except discord.HTTPException as error:
            raise Undeliverable(f"Discord refused the message in channel {channel_id}: {error}") from error
        return message.id

    async def edit(self, channel_id: int, message_id: int, embed: discord.Embed) -> None:
        message = (await self._channel(channel_id)).get_partial_message(message_id)
        try:
            await message.edit(embed=embed, allowed_mentions=NO_PINGS)
        except discord.HTTPException as error:
            raise Undeliverable(f"Discord refused to edit message {message_id}: {error}") from error

    async def find(self, channel_id: int, marker: str) -> int | None:
        assert self.bot.user is not None
        channel = await self._channel(channel_id)
        try:
            async for message in channel.history(limit=RECENT_MESSAGES):
                footers = (embed.footer.text or "" for embed in message.embeds)
                if message.author.id == self.bot.user.id and any(footer.endswith(marker) for footer in footers):
                    return message.id
        except discord.HTTPException as error:
            raise Undeliverable(f"could not read channel {channel_id}'s recent messages: {error}") from error
        return None

    async def open_thread(self, channel_id: int, name: str) -> int:
        channel = self.bot.get_channel(channel_id)
        if not isinstance(channel, discord.TextChannel):
            raise Undeliverable(f"race threads need a text channel; {channel_id} is not one")
        try:
            thread = await channel.create_thread(
                name=name, type=discord.ChannelType.public_thread, auto_archive_duration=THREAD_ARCHIVE_MINUTES
            )
        except discord.HTTPException as error:
            raise Undeliverable(f"Discord refused a thread in channel {channel_id}: {error}") from error
        return thread.id

    async def open_forum_post(self, forum_id: int, name: str, embed: discord.Embed) -> int:
        forum = self.bot.get_channel(forum_id)
        if not isinstance(forum, discord.ForumChannel):
            raise Undeliverable(f"race forum posts need a forum channel; {forum_id} is not one")
        try:
            post = await forum.create_thread(name=name, embed=embed, allowed_mentions=NO_PINGS,
                                             auto_archive_duration=THREAD_ARCHIVE_MINUTES)
        except discord.HTTPException as error:
            raise Undeliverable(f"Discord refused a post in forum {forum_id}: {error}") from error
        return post.thread.id

    def can_manage_events(self, guild_id: int) -> bool:
        guild = self.bot.get_guild(guild_id)
        return guild is not None and guild.me.guild_permissions.manage_events

    async def create_event(self, guild_id: int, event: DiscordEvent) -> int:
        guild = self._guild(guild_id)
        try:
            created = await guild.create_scheduled_event(
                name=event.name, start_time=event.starts_at, end_time=event.ends_at, location=event.location,
                description=event.description, entity_type=discord.EntityType.external,
                privacy_level=discord.PrivacyLevel.guild_only,
            )
        except discord.HTTPException as error:
            raise Undeliverable(f"Discord refused a scheduled event in server {guild_id}: {error}") from error
        return created.id

    async def move_event(self, guild_id: int, event_id: int, event: DiscordEvent) -> None:
        guild = self._guild(guild_id)
        try:
            scheduled = await guild.fetch_scheduled_event(event_id)
            await scheduled.edit(start_time=event.starts_at, end_time=event.ends_at, location=event.location)
        except discord.HTTPException as error:
            raise Undeliverable(f"Discord refused to move scheduled event {event_id}: {error}") from error

    async def delete_event(self, guild_id: int, event_id: int) -> None:
        guild = self._guild(guild_id)
        try:
            scheduled = await guild.fetch_scheduled_event(event_id)
            await scheduled.delete()
        except discord.NotFound:
            return  # someone deleted it already
        except discord.HTTPException as error:
            raise Undeliverable(f"Discord refused to delete scheduled event {event_id}: {error}") from error

    def _guild(self, guild_id: int) -> discord.Guild:
        guild = self.bot.get_guild(guild_id)
        if guild is None:
            raise Undeliverable(f"the bot is not in server {guild_id}")
        return guild


class LiveCog(commands.Cog, name="Live"):
    """Owns the bot's race-day delivery (`bot.live`) while loaded, and answers /live from it."""

    def __init__(self, bot: Pitboard):
        self.bot = bot
        self.route: TracedRoute | None = None   # race day's traced session (set when loaded)

    async def cog_load(self) -> None:
        pacer = self.bot.message_pacer
        token = self.bot.settings.discord_token
        self.route = TracedRoute(pacer, token.reveal()) if token else None
        messenger = WebhookLiveMessenger(self.bot, DiscordLiveMessenger(self.bot, self.route), self.bot.store, pacer.bot_route)
        self.bot.live = LiveDelivery(self.bot.store, messenger, clock=self.bot.live_clock, pacer=pacer)

    async def cog_unload(self) -> None:
        delivery, self.bot.live = self.bot.live, None
        if delivery is not None:
            await delivery.close()
        if self.route is not None:
            await self.route.close()

    @app_commands.command(name="live", description="The running order of the race that is live now")
    @app_commands.describe(series="cup, xfinity or truck (any series when left out)")
    @app_commands.autocomplete(series=options.series)
    async def live(self, interaction: Interaction, series: str | None = None) -> None:
        if series:
            series = (await self.bot.store.names()).series_key(series)
        else:
            series = await options.series_or_default(interaction, None)
        answer = await live_answer(self.bot.store, self.bot.live, series, interaction.guild_id, self.bot.live_clock.now())
        board = answer.board
        if board is None:
            await interaction.response.send_message(embed=no_race_embed(answer.next_race), ephemeral=True,
                                                    allowed_mentions=NO_PINGS)
            return
        # Where the server's board already stands, the answer is for the asker only: the channel has it.
        already_here = board.channel_id is not None and board.channel_id == interaction.channel_id
        await interaction.response.send_message(embed=embeds.fit(board.embed.copy()), ephemeral=already_here,
                                                allowed_mentions=NO_PINGS)


async def setup(bot: Pitboard) -> None:
    await bot.add_cog(LiveCog(bot))
