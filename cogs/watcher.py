"""The feed watcher as a background task of the bot, and the post-race announcements it sends."""

from __future__ import annotations

import logging

import discord
from discord.ext import commands, tasks

from bot.feed import FeedUnavailable
from bot.posting import race_key
from bot.reddit import PublishResult, content_hash
from bot.render import embeds
from bot.watcher import Watcher
from db import announcements, guilds
from db.announcements import Announcement
from db.models import RecapFacts

log = logging.getLogger(__name__)

MAX_BACKOFF_SECONDS = 3600


class FeedWatcher(commands.Cog):
    def __init__(self, bot):
        self.bot = bot
        self.failures = 0
        self.watcher = Watcher(
            bot.store, bot.feed, poster=bot.poster, title_template=bot.settings.reddit.title_template, announce=self.announce,
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
            log.warning("NASCAR feed unavailable (%s); next try in %d s", error, delay)
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

    async def announce(self, facts: RecapFacts, published: list[PublishResult]) -> None:
        """A short recap in each server's announcement channel: sent once, edited when results change."""
        race = facts.details.race
        key = race_key(race)
        url = next((outcome.url for outcome in published if outcome.url), None)
        embed = embeds.recap_embed(facts, url)
        digest = content_hash(embed.title or "", str(embed.to_dict()))
        for guild_id, channel_id, default_series in await guilds.announce_channels(self.bot.store):
            if default_series and default_series != race.series:
                continue
            sent = await announcements.get(self.bot.store, key, guild_id)
            if sent and sent.content_hash == digest:
                continue
            channel = self.bot.get_channel(channel_id)
            if not isinstance(channel, discord.abc.Messageable):
                log.warning("announcement channel %s of server %s is gone", channel_id, guild_id)
                continue
            try:
                if sent and sent.channel_id == channel_id:
                    await channel.get_partial_message(sent.message_id).edit(embed=embed)
                    message_id = sent.message_id
                else:
                    message_id = (await channel.send(embed=embed)).id
            except discord.HTTPException as error:
                log.warning("could not announce %s in server %s: %s", key, guild_id, error)
                continue
            await announcements.record(self.bot.store, Announcement(key, guild_id, channel_id, message_id, digest))


async def setup(bot) -> None:
    await bot.add_cog(FeedWatcher(bot))
