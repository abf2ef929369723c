"""What an official race is owed, decided in one place: a Reddit thread per subreddit, an announcement per server.

The watcher asks `deliveries` where a race goes; the Reddit poster (bot/reddit.py) writes the threads and
the `Announcer` below the announcements. The Discord cog only sends, edits and looks up messages as the
`Messenger` it implements is told.

Rules:
- A race's thread goes to every subreddit some server configured for its series (`/config subreddit-add`).
- Its announcement goes to every server with an announcement channel (`/config channel`), except that a
  server which chose a default series (`/config series`) hears only about that series' races.
- An announcement is sent once per race and server and edited when the recap (or its thread link) changes;
  moving the announcement channel sends it again in the new channel.
- Before it sends or edits, an announcer claims the ledger row (db/announcements.py); a row it did not
  create may hide a message whose sender died before recording it, so it first looks for the bot's own
  recent message carrying the race's marker (in the embed footer) and adopts it instead of sending again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Protocol

import discord

from bot.posting import recap_race
from bot.reddit import CLAIM_LEASE_SECONDS, content_hash, thread_url
from bot.render import embeds
from db import announcements, guilds, threads
from db.announcements import Announcement
from db.claims import Claim, new_holder
from db.guilds import AnnounceChannel
from db.models import RaceSummary, race_key
from db.queries import utc_now
from db.recaps import F1RecapFacts, Recap
from db.records import Record
from db.store import Store

log = logging.getLogger(__name__)


class Deliveries(Record):
    subreddits: list[str]                   # where the race's thread goes
    channels: list[AnnounceChannel]         # where its announcement goes


async def deliveries(store: Store, race: RaceSummary) -> Deliveries:
    """Where an official race is posted and announced (see the rules in the module docstring)."""
    subreddits = await guilds.subreddits_for(store, race.series)
    channels = [channel for channel in await guilds.announce_channels(store) if channel.default_series in (None, race.series)]
    return Deliveries(subreddits, channels)


def announcement_marker(key: str) -> str:
    """Ends the footer of a race's announcement, so a message whose sending was not recorded can be found again."""
    return f"pitboard:{key}"


def announcement_embed(facts: Recap, thread_link: str | None) -> discord.Embed:
    """The race's announcement in its family's shape: F1's race report, or NASCAR's recap."""
    if isinstance(facts, F1RecapFacts):
        embed = embeds.f1_recap_embed(facts, thread_link)
    else:
        embed = embeds.recap_embed(facts, thread_link)
    embed.set_footer(text=f"{embed.footer.text} · {announcement_marker(race_key(recap_race(facts)))}")
    return embeds.fit(embed)


class Undeliverable(Exception):
    """Discord would not take the message here (channel gone, no permission, refused): try again next poll."""


class Messenger(Protocol):
    """Discord as the announcer uses it (cogs/watcher.py)."""

    async def send(self, channel_id: int, embed: discord.Embed) -> int:
        """Send the embed; the new message's id."""

    async def edit(self, channel_id: int, message_id: int, embed: discord.Embed) -> None:
        """Replace the message's embed."""

    async def find(self, channel_id: int, marker: str) -> int | None:
        """The id of the bot's own recent message in the channel whose embed footer ends with `marker`."""


class AnnounceResult(Record):
    guild_id: int
    action: str                 # sent, edited, recovered, unchanged, busy (another announcer has it), undeliverable
    message_id: int | None


class Announcer:
    """Sends and edits races' announcements through `messenger`, keeping the ledger in `store`.

    Its claims in the ledger name it by a random token of its own; `lease` is how long a claim lasts
    without renewal.
    """

    def __init__(
        self,
        store: Store,
        messenger: Messenger,
        *,
        lease: timedelta = timedelta(seconds=CLAIM_LEASE_SECONDS),
        clock: Callable[[], datetime] = utc_now,
    ):
        self.store = store
        self.messenger = messenger
        self.holder = new_holder()
        self.lease = lease
        self.clock = clock

    async def announce(self, facts: Recap, channels: list[AnnounceChannel]) -> list[AnnounceResult]:
        """Bring the race's announcement in each channel up to date (linking its Reddit thread once posted)."""
        key = race_key(recap_race(facts))
        links = [
            thread_url(thread.subreddit, thread.submission_id)
            for thread in await threads.submitted_for_race(self.store, key)
            if thread.submission_id is not None
        ]
        embed = announcement_embed(facts, links[0] if links else None)
        digest = content_hash(embed.title or "", str(embed.to_dict()))
        results = []
        for channel in channels:
            result = await self._deliver(key, channel, embed, digest)
            level = logging.DEBUG if result.action == "unchanged" else logging.INFO
            log.log(level, "announcement of %s in server %s: %s", key, channel.guild_id, result.action)
            results.append(result)
        return results

    async def _deliver(self, key: str, channel: AnnounceChannel, embed: discord.Embed, digest: str) -> AnnounceResult:
        known = await announcements.get(self.store, key, channel.guild_id)
        if known is not None and self._up_to_date(known, channel, digest):
            return AnnounceResult(channel.guild_id, "unchanged", known.message_id)
        now = self.clock()
        claim = await announcements.claim(
            self.store, key, channel.guild_id, channel.channel_id, digest, self.holder, now, now + self.lease
        )
        if claim is None:
            return AnnounceResult(channel.guild_id, "busy", None)
        try:
            return await self._deliver_claimed(key, channel, embed, digest, claim)
        except Undeliverable as problem:
            log.warning("could not announce %s in server %s: %s", key, channel.guild_id, problem)
            return AnnounceResult(channel.guild_id, "undeliverable", None)
        finally:
            await announcements.release_claim(self.store, key, channel.guild_id, self.holder)

    async def _deliver_claimed(
        self, key: str, channel: AnnounceChannel, embed: discord.Embed, digest: str, claim: Claim
    ) -> AnnounceResult:
        known = await announcements.get(self.store, key, channel.guild_id)  # as the previous holder left it
        assert known is not None, "a claim always leaves the announcement's row"
        if self._up_to_date(known, channel, digest):
            return AnnounceResult(channel.guild_id, "unchanged", known.message_id)
        if known.sent and known.channel_id == channel.channel_id:
            action, message_id = "edited", known.message_id
        else:
            # A row this claim did not create may stand for a message sent by a holder that died before recording it.
            found = None if claim.first else await self.messenger.find(channel.channel_id, announcement_marker(key))
            action, message_id = ("recovered", found) if found is not None else ("sent", None)
        if not await announcements.renew_claim(self.store, key, channel.guild_id, self.holder, self.clock() + self.lease):
            return AnnounceResult(channel.guild_id, "busy", None)
        if message_id is None:
            message_id = await self.messenger.send(channel.channel_id, embed)
        else:
            await self.messenger.edit(channel.channel_id, message_id, embed)
        await announcements.record(self.store, Announcement(key, channel.guild_id, channel.channel_id, message_id, digest))
        return AnnounceResult(channel.guild_id, action, message_id)

    @staticmethod
    def _up_to_date(known: Announcement, channel: AnnounceChannel, digest: str) -> bool:
        return known.sent and known.channel_id == channel.channel_id and known.content_hash == digest
