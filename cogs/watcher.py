"""The feed watcher as a background task of the bot, and the Discord side of its announcements.

What is announced where, and when it is edited, is decided in bot/race_day.py; this cog only sends,
edits and finds messages as it is told.
"""

from __future__ import annotations

import logging

import discord
from discord.ext import commands, tasks

from bot.feed import FeedUnavailable
from bot.pitboard import Pitboard
from bot.race_day import Announcer, Undeliverable
from bot.watcher import Watcher

log = logging.getLogger(__name__)

MAX_BACKOFF_SECONDS = 3600
RECENT_MESSAGES = 50   # how far back in a channel an unrecorded announcement is looked for


class ChannelMessenger:
    """Announcement messages in the bot's channels (the `bot.race_day.Messenger` of a running bot)."""

    def __init__(self, bot: discord.Client):
        self.bot = bot

    async def send(self, channel_id: int, embed: discord.Embed) -> int:
        channel = self._channel(channel_id)
        try:
            return (await channel.send(embed=embed)).id
        except discord.HTTPException as error:
            raise Undeliverable(f"Discord refused the message in channel {channel_id}: {error}") from error

    async def edit(self, channel_id: int, message_id: int, embed: discord.Embed) -> None:
        channel = self._channel(channel_id)
        try:
            await channel.get_partial_message(message_id).edit(embed=embed)
        except discord.HTTPException as error:
            raise Undeliverable(f"Discord refused to edit message {message_id}: {error}") from error

    async def find(self, channel_id: int, marker: str) -> int | None:
        channel = self._channel(channel_id)
        me = self.bot.user
        if me is None:   # not logged in: nothing of ours can be found
            return None
        try:
            async for message in channel.history(limit=RECENT_MESSAGES):
                ours = message.author.id == me.id
                if ours and any((embed.footer.text or "").endswith(marker) for embed in message.embeds):
                    return message.id
        except discord.HTTPException as error:
            raise Undeliverable(f"could not read channel {channel_id}'s recent messages: {error}") from error
        return None

    def _channel(self, channel_id: int) -> discord.TextChannel:
        channel = self.bot.get_channel(channel_id)
        if not isinstance(channel, discord.TextChannel):
            raise Undeliverable(f"announcement channel {channel_id} is gone")
        return channel


class WatcherCog(commands.Cog):
    """The feed watcher's poll loop (loaded only when the bot has a feed client)."""

    def __init__(self, bot: Pitboard):
        if bot.feed is None:
            raise ValueError("the feed watcher needs the bot's feed client")
        self.bot = bot
        self.failures = 0
        self.watcher = Watcher(
            bot.store, bot.feed, poster=bot.poster, title_template=bot.settings.reddit.title_template,
            announcer=Announcer(bot.store, ChannelMessenger(bot)), clock=bot.watcher_clock, jolpica=bot.jolpica,
        )
        self.poll.change_interval(seconds=bot.settings.feed_poll_seconds)

    async def cog_load(self) -> None:
        self.poll.start()

    async def cog_unload(self) -> None:
        self.poll.cancel()

    @tasks.loop(seconds=300)
    async def poll(self) -> None:
        try:
            await self.watcher.poll()
        except FeedUnavailable as error:
            self.failures += 1
            delay = min(self.bot.settings.feed_poll_seconds * 2 ** self.failures, MAX_BACKOFF_SECONDS)
            log.warning("feed unavailable (%s); next try in %d s", error, delay)
            self.poll.change_interval(seconds=delay)
            return
        except Exception:  # the watcher must outlive any one bad poll
            log.exception("feed poll failed")
            return
        if self.failures:
            self.failures = 0
            self.poll.change_interval(seconds=self.bot.settings.feed_poll_seconds)

    @poll.before_loop
    async def before_poll(self) -> None:
        await self.bot.wait_until_ready()


async def setup(bot: Pitboard) -> None:
    await bot.add_cog(WatcherCog(bot))
