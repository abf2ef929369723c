"""The Discord bot: a thin `commands.Bot` that receives its dependencies and loads the cogs."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.feed import FeedClient
from bot.jolpica import JolpicaClient
from bot.live_delivery import Clock, LiveDelivery, MessagePacer, SystemClock
from bot.reddit import RedditPoster
from bot.render import embeds
from bot.settings import Settings
from bot.suggestions import suggestion_buttons
from db.errors import PitboardError
from db.queries import utc_now
from db.store import Store

if TYPE_CHECKING:
    from bot.race_weekend import RaceDayPublisher, RaceWeekend

log = logging.getLogger(__name__)

# Pitboard never joins voice: don't warn at every start that voice libraries are missing.
discord.VoiceClient.warn_nacl = False
discord.VoiceClient.warn_dave = False

# discord.py waits this long after the last GUILD_CREATE before READY (default 2 s). Pitboard needs
# no member chunking, so a short wait is enough and the bot is ready sooner after a restart.
GUILD_READY_TIMEOUT = 0.5

RACE_WEEKEND = "cogs.race_weekend"   # with the feed watcher, when the bot has a feed client; after cogs.live
EXTENSIONS = (
    "cogs.results", "cogs.drivers", "cogs.teams", "cogs.tracks", "cogs.standings", "cogs.schedule", "cogs.config", "cogs.live",
    "cogs.help",
)


class PitboardTree(app_commands.CommandTree):
    """The one error path: every failure becomes an ephemeral reply (a followup if we already answered)."""

    async def on_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        await reply_to_failure(interaction, error)


async def reply_to_failure(interaction: discord.Interaction, error: Exception) -> None:
    """An ephemeral reply saying what went wrong; a name Pitboard could not place gets buttons for its suggestions
    (a click asks again with that name, and a failure then comes back here)."""
    original = getattr(error, "original", error)
    view = None
    if isinstance(original, PitboardError):
        embed = embeds.error(original)
        view = suggestion_buttons(interaction, original, reply_to_failure)
    elif isinstance(error, app_commands.MissingPermissions):
        embed = embeds.error(PitboardError("Only members with **Manage Server** can change Pitboard's settings here."))
    elif isinstance(error, app_commands.NoPrivateMessage):
        embed = embeds.error(PitboardError("That command only works in a server."))
    elif isinstance(error, app_commands.CheckFailure):
        embed = embeds.error(PitboardError("You can't use that command here."))
    else:
        command = interaction.command.qualified_name if interaction.command else "?"
        if interaction.client.is_closed():
            log.info("command /%s interrupted by shutdown", command)
            return
        log.error("command /%s failed", command, exc_info=original)
        embed = embeds.internal_error()
    await send_ephemeral(interaction, embed, view)


async def send_ephemeral(interaction: discord.Interaction, embed: discord.Embed, view: discord.ui.View | None = None) -> None:
    """Answer privately, whether or not the interaction was already responded to."""
    if interaction.client.is_closed():
        return
    extra: dict[str, Any] = {"view": view} if view is not None else {}
    try:
        if interaction.response.is_done():
            await interaction.followup.send(embed=embed, ephemeral=True, **extra)
        else:
            await interaction.response.send_message(embed=embed, ephemeral=True, **extra)
    except discord.HTTPException:
        log.warning("could not deliver an error reply for interaction %s", interaction.id, exc_info=True)


class Pitboard(commands.AutoShardedBot):
    """Pitboard on Discord. Everything it needs comes in through the constructor.

    Auto-sharded: Discord requires a shard per 2,500 servers and says how many in `GET /gateway/bot`; under that it
    is one shard, as a plain `commands.Bot` would be.

    `jolpica`, with `feed`, has the watcher read F1 results after the bundled data from Jolpica.
    `watcher_clock` is the feed watcher's "now", which decides the races it polls and posts (recent ones);
    a replay of a recorded race day passes a fixed moment. `live_clock` drives race-day delivery (TV delays,
    reminders, rate limit windows) and the race weekend's rounds (cogs/race_weekend.py); tests pass a manual one.
    `live` is that delivery while cogs/live.py is loaded, `race_weekend` the loop while cogs/race_weekend.py is.
    `race_day_publishers` are told race day besides Discord (the runner passes the Reddit one when Reddit is configured).
    """

    def __init__(
        self,
        *,
        settings: Settings,
        store: Store,
        feed: FeedClient | None = None,
        jolpica: JolpicaClient | None = None,
        poster: RedditPoster | None = None,
        watcher_clock: Callable[[], datetime] = utc_now,
        live_clock: Clock | None = None,
        race_day_publishers: Sequence[RaceDayPublisher] = (),
        **options,
    ):
        options.setdefault("guild_ready_timeout", GUILD_READY_TIMEOUT)
        live_clock = live_clock or SystemClock()
        # The pacer reads Discord's rate limit headers on race day's own traced session (cogs/live.py), not on the
        # bot's: a trace here would tax every request, each command's reply included (TracedRoute says why).
        message_pacer = MessagePacer(live_clock)
        super().__init__(
            command_prefix=commands.when_mentioned,
            help_command=None,
            intents=discord.Intents(guilds=True),
            allowed_mentions=discord.AllowedMentions.none(),
            tree_cls=PitboardTree,
            **options,
        )
        self.settings = settings
        self.store = store
        self.feed = feed
        self.jolpica = jolpica
        self.poster = poster
        self.watcher_clock = watcher_clock
        self.live_clock = live_clock
        self.message_pacer = message_pacer
        self.live: LiveDelivery | None = None
        self.race_day_publishers = list(race_day_publishers)
        self.race_weekend: RaceWeekend | None = None

    def dispatch(self, event_name: str, /, *args: Any, **kwargs: Any) -> None:
        """Drop events once closing: discord.py's delayed READY runs in a task that `close()` does not cancel,
        and after a shutdown within `guild_ready_timeout` of connecting it would schedule `on_ready` with no
        event loop left (an AttributeError in that task and "coroutine 'Client._run_event' was never awaited")."""
        if self.is_closed():
            return
        super().dispatch(event_name, *args, **kwargs)

    async def setup_hook(self) -> None:
        for extension in EXTENSIONS:
            await self.load_extension(extension)
        if self.feed is not None:
            await self.load_extension("cogs.watcher")
            await self.load_extension(RACE_WEEKEND)

    async def close(self) -> None:
        """Stop the race weekend before the cogs it publishes through (cogs.live's delivery) are unloaded."""
        if RACE_WEEKEND in self.extensions:
            await self.unload_extension(RACE_WEEKEND)
        await super().close()

    async def on_ready(self) -> None:
        log.info("connected as %s to %d servers", self.user, len(self.guilds))
