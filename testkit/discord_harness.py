"""Starting the real Pitboard bot (real discord.py client, real cogs) against the local fake Discord."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from bot.pitboard import Pitboard
from bot.settings import Secret, Settings
from db.store import Store
from testkit.fakes.discord_server import (
    CALLBACK_DEFERRED_CHANNEL_MESSAGE,
    CHANNEL_FORUM,
    DEFAULT_APPLICATION_ID,
    DEFAULT_CHANNEL_ID,
    DEFAULT_GUILD_ID,
    DEFAULT_MEMBER_PERMISSIONS,
    DEFAULT_USER_ID,
    MANAGE_EVENTS,
    WAIT_SECONDS,
    FakeChannel,
    FakeDiscord,
    FakeGuild,
    FakeMember,
    FakeRole,
    FakeUser,
)

ANNOUNCE_CHANNEL_ID = 1_200_000_000_000_000_010
# Race-day servers (`race_day_guild`): ids are these plus the server's number, so several can coexist.
RACE_DAY_GUILD_ID = 1_400_000_000_000_000_000
MANAGE_GUILD = 1 << 5
SEND_AND_READ = (1 << 10) | (1 << 11) | (1 << 14) | (1 << 15) | (1 << 16)   # view, send, embed, attach, history


def guild() -> FakeGuild:
    tester = FakeUser(id=DEFAULT_USER_ID, username="tester", global_name="Tester")
    return FakeGuild(
        id=DEFAULT_GUILD_ID,
        channels=[FakeChannel(id=DEFAULT_CHANNEL_ID, name="general"),
                  FakeChannel(id=ANNOUNCE_CHANNEL_ID, name="race-day", position=1)],
        members=[FakeMember(tester)],
        owner_id=tester.id,
    )


@dataclass(frozen=True)
class RaceDayGuild:
    """A race-day server and the ids a test needs."""

    guild: FakeGuild
    general_id: int
    announce_id: int
    forum_id: int
    fans_role_id: int       # the role a reminder may mention
    staff_role_id: int      # a role nothing may ping
    bot_role_id: int

    @property
    def guild_id(self) -> int:
        return self.guild.id


def race_day_guild(number: int = 1, *, manage_events: bool = True) -> RaceDayGuild:
    """A server with an announcement channel, a forum, a role to remind and another role nobody may ping; the bot
    holds Manage Events through a role of its own unless `manage_events` is False."""
    base = RACE_DAY_GUILD_ID + number * 100
    general_id, announce_id, forum_id, fans_role_id, staff_role_id, bot_role_id = (base + n for n in range(1, 7))
    tester = FakeUser(id=DEFAULT_USER_ID, username="tester", global_name="Tester")
    server = FakeGuild(
        id=base,
        name=f"Race fans {number}",
        channels=[FakeChannel(id=general_id, name="general"), FakeChannel(id=announce_id, name="race-day", position=1),
                  FakeChannel(id=forum_id, name="race-threads", type=CHANNEL_FORUM, position=2)],
        roles=[FakeRole(id=fans_role_id, name="Race fans"), FakeRole(id=staff_role_id, name="Staff"),
               FakeRole(id=bot_role_id, name="Pitboard", permissions=DEFAULT_MEMBER_PERMISSIONS | MANAGE_EVENTS)],
        members=[FakeMember(tester, role_ids=[fans_role_id]),
                 FakeMember(FakeUser(id=DEFAULT_APPLICATION_ID, username="Pitboard", bot=True),
                            role_ids=[bot_role_id] if manage_events else [])],
        owner_id=tester.id,
    )
    return RaceDayGuild(server, general_id, announce_id, forum_id, fans_role_id, staff_role_id, bot_role_id)


def settings_for(fake: FakeDiscord, db_path: Path) -> Settings:
    return Settings(db_path=db_path, discord_token=Secret(fake.token))


@contextlib.asynccontextmanager
async def running_pitboard(fake: FakeDiscord, store: Store, **bot_options) -> AsyncIterator[Pitboard]:
    """Log in, connect, wait for READY and sync the commands globally; always close afterwards."""
    bot = Pitboard(settings=settings_for(fake, store.path), store=store, guild_ready_timeout=0.05, **bot_options)
    connection: asyncio.Task | None = None
    try:
        await bot.login(fake.token)
        connection = asyncio.create_task(bot.connect())
        await asyncio.wait_for(bot.wait_until_ready(), timeout=WAIT_SECONDS)
        await bot.tree.sync()
        yield bot
    finally:
        await bot.close()
        if connection is not None:
            await asyncio.wait_for(connection, timeout=WAIT_SECONDS)


def embed_text(embed: dict) -> str:
    """Everything a reader sees in an embed, as one string."""
    parts = [embed.get("title", ""), embed.get("description", ""), embed.get("footer", {}).get("text", "")]
    for field in embed.get("fields", []):
        parts += [field["name"], field["value"]]
    return "\n".join(parts)



async def settled_reply(interaction) -> dict:
    """The message an interaction finally answered with: the callback's data, or the followup after a deferral."""
    callback = await interaction.response()
    if callback["type"] == CALLBACK_DEFERRED_CHANNEL_MESSAGE:
        [followup] = await interaction.followups()
        return followup
    return callback["data"]
