"""A small fake Discord (REST API + gateway) for driving the real discord.py client.

The fake listens on 127.0.0.1 and speaks just enough of Discord's v10 API for a
bot built on ``discord.py``'s ``commands.Bot`` + ``app_commands`` to log in,
connect, sync its command tree, receive interactions and answer them::

    async with FakeDiscord() as fake:
        with redirect_discord_to(fake):
            bot = MyBot(..., guild_ready_timeout=0.05)
            await bot.login(fake.token)
            connect_task = asyncio.create_task(bot.connect())
            await bot.wait_until_ready()
            await bot.tree.sync(guild=discord.Object(fake.default_guild.id))

            handle = await fake.send_slash_command("echo", {"text": "hi"})
            callback = await handle.response()
            assert callback["type"] == 4
            ...
            await bot.close()
            await connect_task

Every REST request is recorded as a :class:`RecordedRequest` in ``fake.requests``.
Routes the fake does not implement answer ``404 {"message": "Unknown route"}``
so a test notices when the bot calls something unexpected.

Gateway frames are sent as plain JSON text frames by default: discord.py asks for
``compress=zlib-stream`` but its ``DiscordWebSocket.received_message`` only
decompresses *binary* frames and parses text frames as they are.  Pass
``compress=True`` to exercise the real zlib-stream path instead.

Note: ``discord.Client`` waits ``guild_ready_timeout`` (default 2 s) after the last
GUILD_CREATE before firing ``on_ready``; pass a small value to the bot in tests.

Race day needs more of Discord, and the fake has it:

- **Rate limits.** Creating and editing channel messages share one bucket per channel
  (``message_rate_limit``, 5 per 5 s by default, as Discord applies to bots). Every such response
  carries Discord's headers (``X-RateLimit-Limit``, ``-Remaining``, ``-Reset``, ``-Reset-After``,
  ``-Bucket``); past the limit the answer is Discord's 429 (``retry_after``, ``global``, ``Retry-After``,
  ``X-RateLimit-Scope`` and the ``Via`` header discord.py checks before it retries), recorded in
  ``fake.rate_limited`` so a test can assert none happened. The windows run on ``clock`` (epoch seconds),
  which a test may replace with a manual one.
- **Mentions.** Each message's ``allowed_mentions`` is kept (``fake.allowed_mentions[message_id]``) and
  ``fake.pings(message_id)`` says who it actually notified, by Discord's rules.
- **Threads and forum posts**: ``POST /channels/{id}/threads`` (a thread in a text channel, or a forum
  post with its first message) and ``POST /channels/{id}/messages/{id}/threads``; a thread is a channel
  that takes messages like any other.
- **Guild scheduled events**: create, get, modify, delete (``/guilds/{id}/scheduled-events``), refused
  with 403 unless the bot holds Manage Events, and with 400 for a start in the past.

Fan-out at scale needs the rest:

- **Many servers and sharding.** ``many_guilds(5000)`` builds servers cheaply (one announcement channel each);
  ``GET /gateway/bot`` recommends one shard per ``GUILDS_PER_SHARD`` (2,500) servers; an IDENTIFY with
  ``shard: [id, count]`` gets READY and GUILD_CREATE for exactly that shard's servers
  (``(guild_id >> 22) % count == id``), one holding more than 2,500 is closed with 4011 (sharding required), and
  several sessions run at once.
- **The global rate limit** of a bot token (``global_rate_limit``, 50 requests per second across every route):
  past it, Discord's 429 with ``"global": true``, ``X-RateLimit-Global`` and ``X-RateLimit-Scope: global``,
  recorded in ``fake.global_rate_limited`` as well. Interaction callbacks and requests authenticated by a webhook
  token in the URL do not count against it, as on Discord.
- **Webhooks**: create (with Manage Webhooks, else 403) and list a channel's (``/channels/{id}/webhooks``), execute
  (``POST /webhooks/{id}/{token}``, ``?wait=true`` answers the message), get and edit a webhook message
  (``/webhooks/{id}/{token}/messages/{id}``); discord.py sends these without the bot's token. Each
  webhook has its own bucket (``webhook_rate_limit``, 5 per 2 s: discord/discord-api-docs#367, where Discord
  staff give 5/2 as the webhook limit). ``delete_webhook`` is a server admin deleting one: it then answers
  404 Unknown Webhook (10015), as Discord does, and its messages stay but can no longer be edited.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import itertools
import json
import math
import mimetypes
import re
import secrets
import socket
import time
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypedDict, Unpack

import discord
import yarl
from aiohttp import BodyPartReader, WSMsgType, web
from aiohttp.typedefs import Handler

API_PREFIX = "/api/v10"
GATEWAY_PATH = "/gateway"
ATTACHMENTS_PATH = "/attachments"

DEFAULT_TOKEN = "fake-bot-token.Pitboard.test"
DEFAULT_APPLICATION_ID = 1_100_000_000_000_000_001
DEFAULT_GUILD_ID = 1_200_000_000_000_000_001
DEFAULT_CHANNEL_ID = 1_200_000_000_000_000_002
DEFAULT_USER_ID = 1_300_000_000_000_000_001

#: What a regular member may do in a regular text channel.
DEFAULT_MEMBER_PERMISSIONS = discord.Permissions(
    view_channel=True,
    send_messages=True,
    send_messages_in_threads=True,
    embed_links=True,
    attach_files=True,
    add_reactions=True,
    use_external_emojis=True,
    read_message_history=True,
    use_application_commands=True,
).value

DISCORD_EPOCH_MS = 1_420_070_400_000
ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024

MANAGE_EVENTS = 1 << 33
MANAGE_WEBHOOKS = 1 << 29
ADMINISTRATOR = 1 << 3

# Channel types.
CHANNEL_TEXT = 0
CHANNEL_NEWS = 5
CHANNEL_PUBLIC_THREAD = 11
CHANNEL_PRIVATE_THREAD = 12
CHANNEL_FORUM = 15
THREAD_TYPES = (10, CHANNEL_PUBLIC_THREAD, CHANNEL_PRIVATE_THREAD)

# Guild scheduled events.
EVENT_PRIVACY_GUILD_ONLY = 2
EVENT_ENTITY_EXTERNAL = 3
EVENT_STATUS_SCHEDULED = 1

MESSAGE_FLAG_EPHEMERAL = 1 << 6
MESSAGE_FLAG_LOADING = 1 << 7

# Discord gateway opcodes.
OP_DISPATCH = 0
OP_HEARTBEAT = 1
OP_IDENTIFY = 2
OP_RESUME = 6
OP_REQUEST_MEMBERS = 8
OP_INVALID_SESSION = 9
OP_HELLO = 10
OP_HEARTBEAT_ACK = 11

# Interaction (request) types.
INTERACTION_APPLICATION_COMMAND = 2
INTERACTION_COMPONENT = 3
INTERACTION_AUTOCOMPLETE = 4

# Interaction callback (response) types.
CALLBACK_CHANNEL_MESSAGE = 4
CALLBACK_DEFERRED_CHANNEL_MESSAGE = 5
CALLBACK_DEFERRED_UPDATE_MESSAGE = 6
CALLBACK_UPDATE_MESSAGE = 7

# Message types.
MESSAGE_DEFAULT = 0
MESSAGE_CHAT_INPUT_COMMAND = 20

# Application command option types.
OPTION_SUB_COMMAND = 1
OPTION_SUB_COMMAND_GROUP = 2
OPTION_STRING = 3
OPTION_INTEGER = 4
OPTION_BOOLEAN = 5
OPTION_USER = 6
OPTION_CHANNEL = 7
OPTION_ROLE = 8
OPTION_MENTIONABLE = 9
OPTION_NUMBER = 10

_COMPACT = (",", ":")
_INVALID_JSON = object()

# How long a test waits for something the bot should do: it ends early when the thing happens, so only a failing
# test waits it out; generous, because a loaded two-core CI machine can take seconds to answer.
WAIT_SECONDS = 30.0


def _dumps(payload: Any) -> str:
    return json.dumps(payload, separators=_COMPACT)


def _now_iso() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat()


def _json_response(payload: Any, status: int = 200) -> web.Response:
    """A response whose Content-Type is exactly ``application/json``.

    discord.py's ``json_or_text`` only decodes bodies whose header is exactly
    that string; ``web.json_response`` would append ``; charset=utf-8``.
    """
    return web.Response(status=status, body=_dumps(payload).encode(), headers={"Content-Type": "application/json"})


def _error(status: int, message: str, code: int) -> web.Response:
    return _json_response({"message": message, "code": code}, status=status)


def _command_form_problems(command: Mapping[str, Any]) -> list[str]:
    """What Discord's bulk overwrite refuses in a slash command (400 Invalid Form Body): names of 1–32 characters,
    descriptions of 1–100, at most 25 options and 25 choices an option."""
    problems = []

    def check(path: str, thing: Mapping[str, Any]) -> None:
        if not 1 <= len(thing.get("name", "")) <= 32:
            problems.append(f"{path}.name: must be 1-32 characters")
        if command.get("type", 1) == 1 and not 1 <= len(thing.get("description", "")) <= 100:
            problems.append(f"{path}.description: must be 1-100 characters (is {len(thing.get('description', ''))})")
        if len(thing.get("options") or []) > 25 or len(thing.get("choices") or []) > 25:
            problems.append(f"{path}: at most 25 options and 25 choices")
        for n, option in enumerate(thing.get("options") or []):
            check(f"{path}.options.{n}", option)

    check(command.get("name", "?"), command)
    return problems


# --------------------------------------------------------------------------- #
# World configuration
# --------------------------------------------------------------------------- #


@dataclass
class FakeUser:
    """A Discord user known to the fake."""

    id: int
    username: str
    global_name: str | None = None
    bot: bool = False

    def payload(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "username": self.username,
            "discriminator": "0",
            "global_name": self.global_name,
            "avatar": None,
            "bot": self.bot,
            "public_flags": 0,
            "flags": 0,
            "banner": None,
            "accent_color": None,
            "avatar_decoration_data": None,
        }


@dataclass
class FakeRole:
    """A guild role; ``permissions`` is the raw permission integer."""

    id: int
    name: str
    permissions: int = 0
    position: int = 0

    def payload(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "name": self.name,
            "permissions": str(self.permissions),
            "position": self.position,
            "color": 0,
            "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
            "hoist": False,
            "managed": False,
            "mentionable": False,
            "icon": None,
            "unicode_emoji": None,
            "flags": 0,
        }


@dataclass
class FakeChannel:
    """A guild channel (type 0 text, 2 voice, 4 category, 5 news, 11/12 thread, 15 forum).

    A thread names its ``parent_id`` (the text or forum channel) and its ``owner_id``.
    """

    id: int
    name: str
    type: int = CHANNEL_TEXT
    position: int = 0
    parent_id: int | None = None
    owner_id: int | None = None
    auto_archive_duration: int = 1440
    message_count: int = 0

    @property
    def is_thread(self) -> bool:
        return self.type in THREAD_TYPES

    def payload(self, guild_id: int) -> dict[str, Any]:
        if self.is_thread:
            return self._thread_payload(guild_id)
        payload: dict[str, Any] = {
            "id": str(self.id),
            "type": self.type,
            "guild_id": str(guild_id),
            "name": self.name,
            "position": self.position,
            "parent_id": str(self.parent_id) if self.parent_id else None,
            "permission_overwrites": [],
            "nsfw": False,
            "topic": None,
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "flags": 0,
        }
        if self.type in (2, 13):  # voice / stage
            payload.update(bitrate=64000, user_limit=0, rtc_region=None)
        if self.type == CHANNEL_FORUM:
            payload.update(available_tags=[], default_reaction_emoji=None, default_thread_rate_limit_per_user=0,
                           default_sort_order=None, default_forum_layout=0, default_auto_archive_duration=1440)
        return payload

    def _thread_payload(self, guild_id: int) -> dict[str, Any]:
        created = _now_iso()
        return {
            "id": str(self.id),
            "type": self.type,
            "guild_id": str(guild_id),
            "parent_id": str(self.parent_id),
            "owner_id": str(self.owner_id),
            "name": self.name,
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "message_count": self.message_count,
            "member_count": 1,
            "total_message_sent": self.message_count,
            "flags": 0,
            "applied_tags": [],
            "thread_metadata": {
                "archived": False,
                "auto_archive_duration": self.auto_archive_duration,
                "archive_timestamp": created,
                "locked": False,
                "invitable": True,
                "create_timestamp": created,
            },
        }


@dataclass
class FakeMember:
    """A guild membership of ``user`` holding ``role_ids``."""

    user: FakeUser
    role_ids: list[int] = field(default_factory=list)
    nick: str | None = None

    def payload(self, *, with_user: bool = True) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "roles": [str(role_id) for role_id in self.role_ids],
            "nick": self.nick,
            "avatar": None,
            "banner": None,
            "joined_at": "2024-01-01T00:00:00.000000+00:00",
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "pending": False,
            "flags": 0,
            "communication_disabled_until": None,
        }
        if with_user:
            payload["user"] = self.user.payload()
        return payload


@dataclass
class FakeGuild:
    """A guild the bot is in. The ``@everyone`` role (id == guild id) is implied."""

    id: int
    name: str = "Pitboard Test Guild"
    channels: list[FakeChannel] = field(default_factory=list)
    roles: list[FakeRole] = field(default_factory=list)
    members: list[FakeMember] = field(default_factory=list)
    owner_id: int = DEFAULT_USER_ID
    locale: str = "en-US"

    def everyone_role(self) -> FakeRole:
        return FakeRole(id=self.id, name="@everyone", permissions=DEFAULT_MEMBER_PERMISSIONS)

    def all_roles(self) -> list[FakeRole]:
        if any(role.id == self.id for role in self.roles):
            return list(self.roles)
        return [self.everyone_role(), *self.roles]

    def member(self, user_id: int) -> FakeMember | None:
        return next((member for member in self.members if member.user.id == user_id), None)


def many_guilds(count: int, *, first_id: int = DEFAULT_GUILD_ID, everyone_may: int = 0) -> list[FakeGuild]:
    """``count`` servers with one announcement channel each, cheaply; their ids step by one millisecond of
    snowflake time, so Discord's shard formula ``(guild_id >> 22) % shards`` spreads them evenly. ``everyone_may``:
    permissions @everyone (the bot included) holds beyond a regular member's, e.g. ``MANAGE_WEBHOOKS``."""
    guilds = []
    for index in range(count):
        guild_id = first_id + (index << 22)
        everyone = FakeRole(id=guild_id, name="@everyone", permissions=DEFAULT_MEMBER_PERMISSIONS | everyone_may)
        roles = [everyone] if everyone_may else []
        guilds.append(FakeGuild(id=guild_id, name=f"Fan server {index + 1}",
                                channels=[FakeChannel(id=guild_id + 1, name="race-day")], roles=roles))
    return guilds


def shard_of(guild_id: int, shard_count: int) -> int:
    """The shard that carries a server, by Discord's formula."""
    return (guild_id >> 22) % shard_count


@dataclass
class FakeWebhook:
    """An incoming webhook of a channel, made by the bot; executed by its token, without the bot's."""

    id: int
    token: str
    guild_id: int
    channel_id: int
    name: str
    avatar: str | None
    creator: FakeUser
    application_id: int

    def payload(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "type": 1,
            "guild_id": str(self.guild_id),
            "channel_id": str(self.channel_id),
            "name": self.name,
            "avatar": self.avatar,
            "token": self.token,
            "application_id": str(self.application_id),
            "user": self.creator.payload(),
        }


# --------------------------------------------------------------------------- #
# Recording and waiting
# --------------------------------------------------------------------------- #


@dataclass
class RecordedRequest:
    """One REST request as it arrived; ``path`` is relative to ``/api/v10``."""

    method: str
    path: str
    query: dict[str, str]
    json: Any = None
    files: list[tuple[str, bytes]] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    status: int | None = None
    error: str | None = None  # the fake's error body, for 4xx answers
    response_headers: dict[str, str] = field(default_factory=dict)   # the rate limit headers the fake answered with

    def __str__(self) -> str:
        outcome = f"{self.status} {self.error}" if self.error else str(self.status)
        return f"{self.method} {self.path} -> {outcome}"


_RECORD_KEY = web.RequestKey("record", RecordedRequest)


@dataclass(frozen=True)
class RateLimit:
    """``limit`` requests per ``window`` seconds, in a bucket of its own per channel."""

    limit: int
    window: float


#: Discord's limit on a bot creating or editing messages in one channel (not published by Discord; what its
#: headers show in practice).
DISCORD_MESSAGE_RATE_LIMIT = RateLimit(limit=5, window=5.0)
MESSAGE_BUCKET_HASH = "f6a3c2e1b0d94e8c"   # one opaque hash for the route group, as Discord sends
#: Discord's global limit on a bot token: 50 requests per second across all routes (interactions excepted).
DISCORD_GLOBAL_RATE_LIMIT = RateLimit(limit=50, window=1.0)
#: A webhook's own bucket: 5 executions or edits per 2 s (discord/discord-api-docs#367).
DISCORD_WEBHOOK_RATE_LIMIT = RateLimit(limit=5, window=2.0)
WEBHOOK_BUCKET_HASH = "0b8e5d7a9c3f1e24"
#: Discord requires a shard per 2,500 servers; a session holding more is closed with 4011.
GUILDS_PER_SHARD = 2500
CLOSE_SHARDING_REQUIRED = 4011


@dataclass
class _Window:
    resets_at: float   # clock seconds
    used: int = 0


@dataclass(frozen=True)
class Pings:
    """Whom a message notified: Discord pings what its content mentions and its ``allowed_mentions`` permit."""

    everyone: bool
    roles: frozenset[int]
    users: frozenset[int]

    @property
    def anyone(self) -> bool:
        return self.everyone or bool(self.roles) or bool(self.users)


_USER_MENTION = re.compile(r"<@!?(\d+)>")
_ROLE_MENTION = re.compile(r"<@&(\d+)>")
_EVERYONE_MENTION = re.compile(r"@(everyone|here)\b")


def pings_of(content: str, allowed_mentions: Mapping[str, Any] | None) -> Pings:
    """Discord's rule: without ``allowed_mentions`` every mention in the content pings; with it, only the kinds
    listed in ``parse`` and the ids listed in ``roles``/``users``."""
    parse = {"everyone", "roles", "users"} if allowed_mentions is None else set(allowed_mentions.get("parse") or [])
    listed_roles = {int(role) for role in (allowed_mentions or {}).get("roles") or []}
    listed_users = {int(user) for user in (allowed_mentions or {}).get("users") or []}
    roles = {int(role) for role in _ROLE_MENTION.findall(content)}
    users = {int(user) for user in _USER_MENTION.findall(content)}
    return Pings(
        everyone="everyone" in parse and bool(_EVERYONE_MENTION.search(content)),
        roles=frozenset(role for role in roles if "roles" in parse or role in listed_roles),
        users=frozenset(user for user in users if "users" in parse or user in listed_users),
    )


class _Signal:
    """Lets coroutines wait until a condition holds; call notify() after each change.

    The fake's waits take a `timeout` themselves (ruff's ASYNC109 would have callers use `asyncio.timeout`)
    so that a wait that times out can say what it was waiting for and what the fake saw meanwhile.
    """

    def __init__(self) -> None:
        self._waiters: list[tuple[Callable[[], bool], asyncio.Future[None]]] = []

    def notify(self) -> None:
        if not self._waiters:
            return
        pending = []
        for condition, future in self._waiters:
            if future.done():
                continue
            if condition():
                future.set_result(None)
            else:
                pending.append((condition, future))
        self._waiters = pending

    async def wait_until(self, condition: Callable[[], bool], timeout: float, describe: Callable[[], str]) -> None:  # noqa: ASYNC109 (see _Signal)
        if condition():
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append((condition, future))
        try:
            await asyncio.wait_for(future, timeout)
        except TimeoutError:
            raise TimeoutError(describe()) from None


class InvocationContext(TypedDict, total=False):
    """Who invokes an interaction, and where (see ``FakeDiscord.send_slash_command``)."""

    guild_id: int
    channel_id: int
    dm: bool
    user: FakeUser
    roles: Sequence[int]
    permissions: int | str
    app_permissions: int | str
    locale: str


class InteractionHandle:
    """An interaction the fake dispatched; await what the bot answered."""

    def __init__(self, fake: FakeDiscord, payload: dict[str, Any]) -> None:
        self._fake = fake
        self.payload = payload
        self.id = int(payload["id"])
        self.token: str = payload["token"]
        self.callback: RecordedRequest | None = None
        self.followup_requests: list[RecordedRequest] = []
        self.edit_requests: list[RecordedRequest] = []
        self.original_message_id: int | None = None
        self._signal = _Signal()

    @property
    def name(self) -> str:
        data = self.payload["data"]
        return data.get("name") or data.get("custom_id", "?")

    @property
    def original_message(self) -> dict[str, Any]:
        """The current state of the response message, as the fake stores it."""
        message = self._fake.messages.get(self.original_message_id or 0)
        if message is None:
            raise LookupError(f"interaction {self.name!r} has no (undeleted) response message")
        return message

    async def response(self, timeout: float = WAIT_SECONDS) -> dict[str, Any]:  # noqa: ASYNC109 (see _Signal)
        """The interaction callback body (``{"type": ..., "data": {...}}``)."""
        await self._wait(lambda: self.callback is not None, "an interaction callback", timeout)
        assert self.callback is not None
        return self.callback.json

    async def followups(self, count: int = 1, timeout: float = WAIT_SECONDS) -> list[dict[str, Any]]:  # noqa: ASYNC109 (see _Signal)
        """The bodies of the first ``count`` followup messages (waits for them)."""
        await self._wait(lambda: len(self.followup_requests) >= count, f"{count} followup(s)", timeout)
        return [request.json for request in self.followup_requests[:count]]

    async def edits(self, count: int = 1, timeout: float = WAIT_SECONDS) -> list[dict[str, Any]]:  # noqa: ASYNC109 (see _Signal)
        """The bodies of the first ``count`` edits of this interaction's messages."""
        await self._wait(lambda: len(self.edit_requests) >= count, f"{count} message edit(s)", timeout)
        return [request.json for request in self.edit_requests[:count]]

    async def _wait(self, condition: Callable[[], bool], what: str, timeout: float) -> None:  # noqa: ASYNC109 (see _Signal)
        def describe() -> str:
            return (
                f"no {what} for interaction {self.name!r} (id {self.id}) within {timeout}s; "
                f"recent error responses: {self._fake.describe_errors()}"
            )

        await self._signal.wait_until(condition, timeout, describe)

    def _record_callback(self, request: RecordedRequest) -> None:
        self.callback = request
        self._signal.notify()

    def _record(self, bucket: list[RecordedRequest], request: RecordedRequest) -> None:
        bucket.append(request)
        self._signal.notify()


# --------------------------------------------------------------------------- #
# Gateway
# --------------------------------------------------------------------------- #


@dataclass
class _GatewaySession:
    session_id: str
    sequence: int = 0
    shard: tuple[int, int] | None = None    # (shard id, shard count) as identified; None: unsharded


class _GatewayConnection:
    """One websocket; optionally zlib-stream compressed like discord.py requests."""

    def __init__(self, ws: web.WebSocketResponse, *, compress: bool) -> None:
        self.ws = ws
        self.session: _GatewaySession | None = None
        self._compressor = zlib.compressobj() if compress else None

    async def send(self, payload: dict[str, Any]) -> None:
        text = _dumps(payload)
        if self._compressor is None:
            await self.ws.send_str(text)
            return
        # aiohttp writes uncompressed frames synchronously, so frames leave in the
        # order they were compressed even when several tasks send concurrently.
        frame = self._compressor.compress(text.encode()) + self._compressor.flush(zlib.Z_SYNC_FLUSH)
        await self.ws.send_bytes(frame)


# --------------------------------------------------------------------------- #
# The fake
# --------------------------------------------------------------------------- #


class FakeDiscord:
    """Fake Discord REST API and gateway on 127.0.0.1 (see the module docstring)."""

    def __init__(
        self,
        *,
        token: str = DEFAULT_TOKEN,
        application_id: int = DEFAULT_APPLICATION_ID,
        bot_name: str = "Pitboard",
        guilds: Sequence[FakeGuild] | None = None,
        default_user: FakeUser | None = None,
        heartbeat_interval_ms: int = 41_250,
        compress: bool = False,
        message_rate_limit: RateLimit | None = DISCORD_MESSAGE_RATE_LIMIT,
        global_rate_limit: RateLimit | None = DISCORD_GLOBAL_RATE_LIMIT,
        webhook_rate_limit: RateLimit | None = DISCORD_WEBHOOK_RATE_LIMIT,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.token = token
        self.application_id = application_id
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.compress = compress
        self.message_rate_limit = message_rate_limit
        self.global_rate_limit = global_rate_limit
        self.webhook_rate_limit = webhook_rate_limit
        self.clock = clock
        self.bot_user = FakeUser(id=application_id, username=bot_name, bot=True)
        self.default_user = default_user or FakeUser(id=DEFAULT_USER_ID, username="tester", global_name="Tester")
        self.guilds: dict[int, FakeGuild] = {guild.id: guild for guild in guilds or [self._default_guild()]}
        self.users: dict[int, FakeUser] = {self.bot_user.id: self.bot_user, self.default_user.id: self.default_user}
        self._channels: dict[int, tuple[FakeGuild, FakeChannel]] = {}
        self._roles: dict[int, tuple[FakeGuild, FakeRole]] = {}
        for guild in self.guilds.values():
            self._channels.update((channel.id, (guild, channel)) for channel in guild.channels)
            self._roles.update((role.id, (guild, role)) for role in guild.all_roles())
            self.users.update((member.user.id, member.user) for member in guild.members)

        self.requests: list[RecordedRequest] = []
        self.callbacks: list[RecordedRequest] = []
        self.followups: list[RecordedRequest] = []
        self.channel_messages: list[RecordedRequest] = []
        self.message_edits: list[RecordedRequest] = []
        self.unknown_routes: list[RecordedRequest] = []
        self.gateway_received: list[dict[str, Any]] = []
        self.messages: dict[int, dict[str, Any]] = {}
        self.interactions: dict[int, InteractionHandle] = {}
        self.rate_limited: list[RecordedRequest] = []            # requests answered 429
        self.global_rate_limited: list[RecordedRequest] = []     # of those, the ones past the bot's global limit
        self.webhooks: dict[int, FakeWebhook] = {}               # webhooks that exist now, by id
        self._deleted_webhooks: set[int] = set()
        self.webhook_messages: list[RecordedRequest] = []        # webhook executions
        self.webhook_edits: list[RecordedRequest] = []           # edits of webhook messages
        self.allowed_mentions: dict[int, Any] = {}                # message id -> allowed_mentions it was sent with
        self.threads: list[FakeChannel] = []                      # threads and forum posts the bot started
        self.scheduled_events: dict[int, dict[str, Any]] = {}     # guild scheduled events that exist now

        self._interactions_by_token: dict[str, InteractionHandle] = {}
        self._global_commands: dict[tuple[int, str], dict[str, Any]] = {}
        self._guild_commands: dict[int, dict[tuple[int, str], dict[str, Any]]] = {}
        self._unsynced_command_ids: dict[str, int] = {}
        self._dm_channel_ids: dict[int, int] = {}
        self._attachment_bytes: dict[int, bytes] = {}
        self._windows: dict[tuple[str, int], _Window] = {}     # (bucket kind, channel/webhook/0) -> window
        self._sessions: dict[str, _GatewaySession] = {}
        self._connections: set[_GatewayConnection] = set()
        self._active: _GatewayConnection | None = None             # the last session identified or resumed
        self._shard_sessions: dict[int, _GatewayConnection] = {}   # shard id -> its live session
        self._requests_signal = _Signal()
        self._gateway_signal = _Signal()
        self._snowflake_counter = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self.port: int | None = None

    def _default_guild(self) -> FakeGuild:
        return FakeGuild(
            id=DEFAULT_GUILD_ID,
            channels=[FakeChannel(id=DEFAULT_CHANNEL_ID, name="general")],
            members=[FakeMember(self.default_user)],
            owner_id=self.default_user.id,
        )

    # -- lifecycle ------------------------------------------------------------

    async def start(self) -> None:
        """Bind 127.0.0.1 on a free port and start serving."""
        app = web.Application(middlewares=[self._record_and_authorize], client_max_size=ATTACHMENT_SIZE_LIMIT * 3)
        self._add_routes(app.router)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        # A deep accept backlog: with the default 128, bursts of concurrent interaction
        # callbacks overflow it and the kernel retries the SYNs a whole second later.
        await web.SockSite(self._runner, sock, backlog=4096).start()

    async def close(self) -> None:
        """Drop gateway connections and stop the server."""
        for connection in list(self._connections):
            await connection.ws.close(code=1001, message=b"fake Discord shutting down")
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeDiscord:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    @property
    def base_url(self) -> str:
        """What ``discord.http.Route.BASE`` should be, e.g. ``http://127.0.0.1:PORT/api/v10``."""
        return f"http://127.0.0.1:{self.port}{API_PREFIX}"

    @property
    def gateway_url(self) -> str:
        """What ``DiscordWebSocket.DEFAULT_GATEWAY`` should be."""
        return f"ws://127.0.0.1:{self.port}{GATEWAY_PATH}"

    @property
    def default_guild(self) -> FakeGuild:
        return next(iter(self.guilds.values()))

    def synced_commands(self, guild_id: int | None = None) -> list[dict[str, Any]]:
        """Commands last synced globally (``guild_id=None``) or to a guild."""
        store = self._global_commands if guild_id is None else self._guild_commands.get(guild_id, {})
        return list(store.values())

    def error_responses(self) -> list[RecordedRequest]:
        """Requests the fake answered with a 4xx/5xx status."""
        return [request for request in self.requests if request.status is not None and request.status >= 400]

    def describe_errors(self, limit: int = 5) -> str:
        errors = self.error_responses()[-limit:]
        return ", ".join(map(str, errors)) or "none"

    def pings(self, message_id: int) -> Pings:
        """Whom the message notified when it was sent."""
        message = self.messages[message_id]
        return pings_of(message["content"], self.allowed_mentions.get(message_id))

    def channel_history(self, channel_id: int) -> list[dict[str, Any]]:
        """The messages of a channel (or thread) that exist now, oldest first."""
        return sorted(
            (message for message in self.messages.values() if message["channel_id"] == str(channel_id)),
            key=lambda message: int(message["id"]),
        )

    def add_channel(self, guild: FakeGuild, channel: FakeChannel) -> None:
        """Make a channel (or thread) known, as if Discord had created it."""
        guild.channels.append(channel)
        self._channels[channel.id] = (guild, channel)

    async def wait_for_request(
        self, predicate: Callable[[RecordedRequest], bool], *, timeout: float = WAIT_SECONDS  # noqa: ASYNC109 (see _Signal)
    ) -> RecordedRequest:
        """The first recorded (answered) request matching ``predicate``, past or future."""
        position = 0
        found: list[RecordedRequest] = []

        def matched() -> bool:
            nonlocal position
            while position < len(self.requests):
                request = self.requests[position]
                if request.status is None:  # still being handled
                    return False
                position += 1
                if predicate(request):
                    found.append(request)
                    return True
            return False

        await self._requests_signal.wait_until(
            matched, timeout, lambda: f"no matching request within {timeout}s; seen {len(self.requests)}"
        )
        return found[0]

    # -- gateway --------------------------------------------------------------

    async def wait_connected(self, timeout: float = WAIT_SECONDS) -> None:  # noqa: ASYNC109 (see _Signal)
        """Wait until a client has identified or resumed on the gateway."""
        await self._gateway_signal.wait_until(
            lambda: self._active is not None, timeout, lambda: f"no gateway session within {timeout}s"
        )

    async def wait_shards(self, count: int, timeout: float = WAIT_SECONDS) -> None:  # noqa: ASYNC109 (see _Signal)
        """Wait until ``count`` shards have identified or resumed."""
        await self._gateway_signal.wait_until(
            lambda: len(self._shard_sessions) >= count, timeout,
            lambda: f"{len(self._shard_sessions)} of {count} shards connected within {timeout}s",
        )

    def recommended_shards(self) -> int:
        """What ``GET /gateway/bot`` recommends: one shard per 2,500 servers."""
        return max(1, math.ceil(len(self.guilds) / GUILDS_PER_SHARD))

    def shard_guilds(self, shard: tuple[int, int] | None) -> list[FakeGuild]:
        """The servers a session identified with ``shard`` carries (all of them unsharded)."""
        if shard is None:
            return list(self.guilds.values())
        shard_id, shard_count = shard
        return [guild for guild in self.guilds.values() if shard_of(guild.id, shard_count) == shard_id]

    async def disconnect_gateway(self, code: int = 4000) -> None:
        """Close the active gateway websocket with ``code`` (the client should RESUME)."""
        connection = self._require_connection()
        self._active = None
        await connection.ws.close(code=code, message=b"disconnected by the test")

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Send a DISPATCH (op 0) event such as ``GUILD_MEMBER_ADD`` to the client (to the shard of its
        ``guild_id``, when sharded)."""
        guild_id = data.get("guild_id")
        await self._send_dispatch(self._require_connection(int(guild_id) if guild_id else None), event, data)

    def _require_connection(self, guild_id: int | None = None) -> _GatewayConnection:
        """The session that carries ``guild_id``'s events: its shard's, else the last one connected."""
        for connection in self._shard_sessions.values():
            shard = connection.session.shard if connection.session else None
            if guild_id is not None and shard is not None and shard_of(guild_id, shard[1]) == shard[0]:
                return connection
        if self._active is None:
            raise RuntimeError("no client is connected to the fake gateway")
        return self._active

    async def _send_dispatch(self, connection: _GatewayConnection, event: str, data: Any) -> None:
        session = connection.session
        assert session is not None, "dispatch before IDENTIFY/RESUME"
        session.sequence += 1
        await connection.send({"op": OP_DISPATCH, "t": event, "s": session.sequence, "d": data})

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(timeout=2.0)
        await ws.prepare(request)
        compress = self.compress and request.query.get("compress") == "zlib-stream"
        connection = _GatewayConnection(ws, compress=compress)
        self._connections.add(connection)
        try:
            await connection.send(
                {"op": OP_HELLO, "d": {"heartbeat_interval": self.heartbeat_interval_ms}, "s": None, "t": None}
            )
            async for message in ws:
                if message.type is not WSMsgType.TEXT:
                    continue
                payload = json.loads(message.data)
                self.gateway_received.append(payload)
                await self._handle_gateway_payload(connection, payload)
        finally:
            self._connections.discard(connection)
            if self._active is connection:
                self._active = None
            for shard_id, shard_connection in list(self._shard_sessions.items()):
                if shard_connection is connection:
                    del self._shard_sessions[shard_id]
        return ws

    async def _handle_gateway_payload(self, connection: _GatewayConnection, payload: dict[str, Any]) -> None:
        op, data = payload.get("op"), payload.get("d") or {}
        if op == OP_HEARTBEAT:
            await connection.send({"op": OP_HEARTBEAT_ACK, "d": None, "s": None, "t": None})
        elif op == OP_IDENTIFY:
            await self._identify(connection, data)
        elif op == OP_RESUME:
            await self._resume(connection, data)
        elif op == OP_REQUEST_MEMBERS:
            await self._send_member_chunk(connection, data)

    async def _identify(self, connection: _GatewayConnection, data: dict[str, Any]) -> None:
        if data.get("token") != self.token:
            await connection.ws.close(code=4004, message=b"Authentication failed.")
            return
        shard = (int(data["shard"][0]), int(data["shard"][1])) if "shard" in data else None
        guilds = self.shard_guilds(shard)
        if len(guilds) > GUILDS_PER_SHARD:
            await connection.ws.close(code=CLOSE_SHARDING_REQUIRED, message=b"Sharding required.")
            return
        session = _GatewaySession(session_id=secrets.token_hex(16), shard=shard)
        self._sessions[session.session_id] = session
        connection.session = session
        ready: dict[str, Any] = {
            "v": 10,
            "user": {**self.bot_user.payload(), "verified": True, "mfa_enabled": False},
            "guilds": [{"id": str(guild.id), "unavailable": True} for guild in guilds],
            "session_id": session.session_id,
            "session_type": "normal",
            "resume_gateway_url": self.gateway_url,
            "application": {"id": str(self.application_id), "flags": 0},
            "private_channels": [],
            "relationships": [],
            "presences": [],
        }
        if "shard" in data:
            ready["shard"] = data["shard"]
        await self._send_dispatch(connection, "READY", ready)
        for guild in guilds:
            await self._send_dispatch(connection, "GUILD_CREATE", self._guild_create_payload(guild))
        self._activate(connection)

    async def _resume(self, connection: _GatewayConnection, data: dict[str, Any]) -> None:
        if data.get("token") != self.token:
            await connection.ws.close(code=4004, message=b"Authentication failed.")
            return
        session = self._sessions.get(data.get("session_id", ""))
        if session is None:
            await connection.send({"op": OP_INVALID_SESSION, "d": False, "s": None, "t": None})
            return
        connection.session = session
        await self._send_dispatch(connection, "RESUMED", {})
        self._activate(connection)

    def _activate(self, connection: _GatewayConnection) -> None:
        self._active = connection
        if connection.session is not None and connection.session.shard is not None:
            self._shard_sessions[connection.session.shard[0]] = connection
        self._gateway_signal.notify()

    async def _send_member_chunk(self, connection: _GatewayConnection, data: dict[str, Any]) -> None:
        guild = self.guilds.get(int(data["guild_id"]))
        if guild is None:
            return
        wanted = {int(user_id) for user_id in data.get("user_ids") or []}
        query = (data.get("query") or "").lower()
        members = [
            member.payload()
            for member in self._members_with_bot(guild)
            if (not wanted or member.user.id in wanted) and member.user.username.lower().startswith(query)
        ]
        if data.get("limit"):
            members = members[: data["limit"]]
        chunk = {"guild_id": str(guild.id), "members": members, "chunk_index": 0, "chunk_count": 1, "not_found": []}
        if data.get("nonce"):
            chunk["nonce"] = data["nonce"]
        await self._send_dispatch(connection, "GUILD_MEMBERS_CHUNK", chunk)

    def _members_with_bot(self, guild: FakeGuild) -> list[FakeMember]:
        members = list(guild.members)
        if guild.member(self.bot_user.id) is None:
            members.append(FakeMember(self.bot_user))
        return members

    def _guild_create_payload(self, guild: FakeGuild) -> dict[str, Any]:
        members = [member.payload() for member in self._members_with_bot(guild)]
        return {
            "id": str(guild.id),
            "name": guild.name,
            "owner_id": str(guild.owner_id),
            "unavailable": False,
            "large": False,
            "member_count": len(members),  # == cached members, so discord.py needs no chunking
            "joined_at": "2024-01-01T00:00:00.000000+00:00",
            "preferred_locale": guild.locale,
            "features": [],
            "roles": [role.payload() for role in guild.all_roles()],
            "channels": [channel.payload(guild.id) for channel in guild.channels],
            "members": members,
            "threads": [],
            "presences": [],
            "voice_states": [],
            "emojis": [],
            "stickers": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
            "icon": None,
            "banner": None,
            "splash": None,
            "description": None,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "system_channel_id": None,
            "system_channel_flags": 0,
        }

    # -- driving interactions ---------------------------------------------------

    async def send_slash_command(
        self,
        name: str,
        options: Mapping[str, Any] | None = None,
        *,
        subcommand: str | None = None,
        **context: Unpack[InvocationContext],
    ) -> InteractionHandle:
        """Dispatch a CHAT_INPUT command; ``subcommand`` is ``"sub"`` or ``"group sub"``.

        Option values are typed from the synced command schema (falling back to the
        Python type); users, channels and roles may be given as ids or Fake* objects
        and end up in ``data.resolved``.
        """
        data = self._command_data(name, options or {}, subcommand, focused=None, context=context)
        return await self._send_interaction(INTERACTION_APPLICATION_COMMAND, data, context)

    async def send_autocomplete(
        self,
        name: str,
        options: Mapping[str, Any],
        *,
        focused: str,
        subcommand: str | None = None,
        **context: Unpack[InvocationContext],
    ) -> InteractionHandle:
        """Dispatch an autocomplete request; ``focused`` names the option being typed."""
        if focused not in options:
            raise ValueError(f"focused option {focused!r} must be one of the options {list(options)}")
        data = self._command_data(name, options, subcommand, focused=focused, context=context)
        return await self._send_interaction(INTERACTION_AUTOCOMPLETE, data, context)

    async def send_component(
        self,
        custom_id: str,
        message_id: int | str,
        *,
        component_type: int = 2,
        values: Sequence[str] | None = None,
        **context: Unpack[InvocationContext],
    ) -> InteractionHandle:
        """Dispatch a click (or select, with ``values``) on a component of a stored message."""
        try:
            message = self.messages[int(message_id)]
        except KeyError:
            raise ValueError(f"message {message_id} is unknown to the fake") from None
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": component_type}
        if values is not None:
            data["values"] = list(values)
        if "dm" not in context and "guild_id" in message:
            context = {"guild_id": int(message["guild_id"]), "channel_id": int(message["channel_id"]), **context}
        return await self._send_interaction(INTERACTION_COMPONENT, data, context, message=message)

    async def _send_interaction(
        self,
        interaction_type: int,
        data: dict[str, Any],
        context: InvocationContext,
        message: dict[str, Any] | None = None,
    ) -> InteractionHandle:
        payload = self._interaction_payload(interaction_type, data, context)
        connection = self._require_connection(int(payload["guild_id"]) if "guild_id" in payload else None)
        if message is not None:
            payload["message"] = message
        handle = InteractionHandle(self, payload)
        self.interactions[handle.id] = handle
        self._interactions_by_token[handle.token] = handle
        await self._send_dispatch(connection, "INTERACTION_CREATE", payload)
        return handle

    def _interaction_payload(
        self, interaction_type: int, data: dict[str, Any], context: InvocationContext
    ) -> dict[str, Any]:
        user = context.get("user", self.default_user)
        self.users.setdefault(user.id, user)
        interaction_id = self._next_snowflake()
        payload: dict[str, Any] = {
            "id": str(interaction_id),
            "application_id": str(self.application_id),
            "type": interaction_type,
            "data": data,
            "token": f"{interaction_id}.{secrets.token_hex(8)}",
            "version": 1,
            "locale": context.get("locale", "en-US"),
            "app_permissions": str(int(context.get("app_permissions", DEFAULT_MEMBER_PERMISSIONS))),
            "entitlements": [],
            "entitlement_sku_ids": [],
            "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
        }
        if context.get("dm", False):
            channel_id = context.get("channel_id") or self._dm_channel_ids.setdefault(user.id, self._next_snowflake())
            payload.update(
                channel_id=str(channel_id),
                channel={"id": str(channel_id), "type": 1, "recipients": [user.payload()], "flags": 0},
                user=user.payload(),
                context=1,
                authorizing_integration_owners={"0": "0"},
            )
            return payload

        guild = self.guilds[context.get("guild_id", self.default_guild.id)]
        channel = self._channel(context.get("channel_id") or self._first_text_channel(guild).id)
        member = guild.member(user.id) or FakeMember(user)
        roles = context.get("roles", member.role_ids)
        permissions = str(int(context.get("permissions", DEFAULT_MEMBER_PERMISSIONS)))
        payload.update(
            guild_id=str(guild.id),
            guild={"id": str(guild.id), "locale": guild.locale, "features": []},
            guild_locale=guild.locale,
            channel_id=str(channel.id),
            channel={**channel.payload(guild.id), "permissions": permissions},
            member={**FakeMember(user, list(roles), member.nick).payload(), "permissions": permissions},
            context=0,
            authorizing_integration_owners={"0": str(guild.id)},
        )
        return payload

    def _command_data(
        self,
        name: str,
        values: Mapping[str, Any],
        subcommand: str | None,
        *,
        focused: str | None,
        context: InvocationContext,
    ) -> dict[str, Any]:
        guild_id = None if context.get("dm", False) else context.get("guild_id", self.default_guild.id)
        schema, command_guild_id = self._find_command(name, guild_id)
        path = subcommand.split() if subcommand else []
        schema_options = schema["options"] if schema else []
        path_types = []
        for index, part in enumerate(path):
            option = self._schema_option(schema_options, part)
            default_type = OPTION_SUB_COMMAND if index == len(path) - 1 else OPTION_SUB_COMMAND_GROUP
            path_types.append(option["type"] if option else default_type)
            schema_options = option.get("options", []) if option else []

        guild = self.guilds[guild_id] if guild_id is not None else None
        resolved: dict[str, dict[str, Any]] = {}
        options = []
        for option_name, value in values.items():
            declared = self._schema_option(schema_options, option_name)
            option_type = declared["type"] if declared else _infer_option_type(value)
            wire_value = self._option_value(option_type, value, guild, resolved)
            option = {"name": option_name, "type": option_type, "value": wire_value}
            if option_name == focused:
                option["focused"] = True
            options.append(option)
        for part, part_type in reversed(list(zip(path, path_types, strict=True))):
            options = [{"name": part, "type": part_type, "options": options}]

        command_id = schema["id"] if schema else self._unsynced_command_ids.setdefault(name, self._next_snowflake())
        data: dict[str, Any] = {"id": str(command_id), "name": name, "type": 1, "options": options}
        if command_guild_id is not None:
            data["guild_id"] = str(command_guild_id)
        if resolved:
            data["resolved"] = resolved
        return data

    def _find_command(self, name: str, guild_id: int | None) -> tuple[dict[str, Any] | None, int | None]:
        """The synced schema for ``name`` and the guild it was synced to (None = global)."""
        if guild_id is not None:
            schema = self._guild_commands.get(guild_id, {}).get((1, name))
            if schema is not None:
                return schema, guild_id
        return self._global_commands.get((1, name)), None

    @staticmethod
    def _schema_option(options: list[dict[str, Any]], name: str) -> dict[str, Any] | None:
        return next((option for option in options if option["name"] == name), None)

    def _option_value(
        self, option_type: int, value: Any, guild: FakeGuild | None, resolved: dict[str, dict[str, Any]]
    ) -> Any:
        """The wire value of an option; snowflake types also fill ``resolved``."""
        if option_type not in (OPTION_USER, OPTION_CHANNEL, OPTION_ROLE, OPTION_MENTIONABLE):
            return value
        snowflake = int(getattr(value, "id", value))
        if option_type == OPTION_MENTIONABLE:
            option_type = OPTION_USER if snowflake in self.users or isinstance(value, FakeUser) else OPTION_ROLE
        if option_type == OPTION_USER:
            user = value if isinstance(value, FakeUser) else self.users.get(snowflake)
            if user is None:
                raise ValueError(f"unknown user {snowflake}; pass a FakeUser")
            resolved.setdefault("users", {})[str(snowflake)] = user.payload()
            member = guild.member(snowflake) if guild else None
            if member is not None:
                member_payload = {**member.payload(with_user=False), "permissions": str(DEFAULT_MEMBER_PERMISSIONS)}
                resolved.setdefault("members", {})[str(snowflake)] = member_payload
        elif option_type == OPTION_CHANNEL:
            channel_guild, channel = self._channels.get(snowflake, (None, None))
            if channel is None or channel_guild is None:
                raise ValueError(f"unknown channel {snowflake}")
            partial = {**channel.payload(channel_guild.id), "permissions": str(DEFAULT_MEMBER_PERMISSIONS)}
            resolved.setdefault("channels", {})[str(snowflake)] = partial
        else:
            if snowflake not in self._roles:
                raise ValueError(f"unknown role {snowflake}")
            resolved.setdefault("roles", {})[str(snowflake)] = self._roles[snowflake][1].payload()
        return str(snowflake)

    def _channel(self, channel_id: int) -> FakeChannel:
        try:
            return self._channels[channel_id][1]
        except KeyError:
            raise ValueError(f"unknown channel {channel_id}") from None

    @staticmethod
    def _first_text_channel(guild: FakeGuild) -> FakeChannel:
        return next(channel for channel in guild.channels if channel.type == 0)

    def _next_snowflake(self) -> int:
        milliseconds = int(time.time() * 1000) - DISCORD_EPOCH_MS
        return (milliseconds << 22) | (next(self._snowflake_counter) & 0x3FFFFF)

    # -- REST: plumbing ---------------------------------------------------------

    def _add_routes(self, router: web.UrlDispatcher) -> None:
        api = API_PREFIX
        webhook_message = api + "/webhooks/{app_id}/{token}/messages/{message_id}"
        channel_message = api + "/channels/{channel_id}/messages/{message_id}"
        router.add_get(GATEWAY_PATH, self._gateway)
        router.add_get(ATTACHMENTS_PATH + "/{attachment_id}/{filename}", self._get_attachment)
        router.add_get(api + "/users/@me", self._get_current_user)
        router.add_get(api + "/oauth2/applications/@me", self._get_application)
        router.add_get(api + "/gateway", self._get_gateway)
        router.add_get(api + "/gateway/bot", self._get_gateway)
        router.add_get(api + "/applications/{app_id}/commands", self._get_commands)
        router.add_put(api + "/applications/{app_id}/commands", self._put_commands)
        router.add_get(api + "/applications/{app_id}/guilds/{guild_id}/commands", self._get_commands)
        router.add_put(api + "/applications/{app_id}/guilds/{guild_id}/commands", self._put_commands)
        router.add_post(api + "/interactions/{interaction_id}/{token}/callback", self._interaction_callback)
        router.add_post(api + "/webhooks/{app_id}/{token}", self._post_to_webhook)
        router.add_get(webhook_message, self._get_webhook_message)
        router.add_patch(webhook_message, self._edit_webhook_message)
        router.add_delete(webhook_message, self._delete_webhook_message)
        router.add_post(api + "/channels/{channel_id}/webhooks", self._create_webhook)
        router.add_get(api + "/channels/{channel_id}/webhooks", self._get_channel_webhooks)
        router.add_get(api + "/channels/{channel_id}", self._get_channel)
        router.add_post(api + "/channels/{channel_id}/messages", self._post_channel_message)
        router.add_get(api + "/channels/{channel_id}/messages", self._get_channel_messages)
        router.add_get(channel_message, self._get_channel_message)
        router.add_patch(channel_message, self._edit_channel_message)
        router.add_delete(channel_message, self._delete_channel_message)
        router.add_post(api + "/channels/{channel_id}/threads", self._start_thread)
        router.add_post(channel_message + "/threads", self._start_thread_from_message)
        scheduled_event = api + "/guilds/{guild_id}/scheduled-events/{event_id}"
        router.add_get(api + "/guilds/{guild_id}/scheduled-events", self._list_scheduled_events)
        router.add_post(api + "/guilds/{guild_id}/scheduled-events", self._create_scheduled_event)
        router.add_get(scheduled_event, self._get_scheduled_event)
        router.add_patch(scheduled_event, self._edit_scheduled_event)
        router.add_delete(scheduled_event, self._delete_scheduled_event)
        router.add_route("*", "/{tail:.*}", self._unknown_route)

    @web.middleware
    async def _record_and_authorize(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Record every REST request and enforce ``Authorization: Bot <token>``."""
        if request.path == GATEWAY_PATH:
            return await handler(request)
        record = await _read_request(request)
        self.requests.append(record)
        request[_RECORD_KEY] = record
        if record.json is _INVALID_JSON:
            response: web.StreamResponse = _error(400, "The request body contains invalid JSON.", 50109)
        elif _needs_bot_token(request.path) and request.headers.get("Authorization") != f"Bot {self.token}":
            response = _error(401, "401: Unauthorized", 0)
        else:
            global_refusal = self._take_global_slot() if _needs_bot_token(request.path) else None
            bucket = self._route_bucket(request)
            refusal = global_refusal or (None if bucket is None else self._take_slot(bucket))
            if refusal is not None:
                response = refusal
                self.rate_limited.append(record)
                if global_refusal is not None:
                    self.global_rate_limited.append(record)
            else:
                try:
                    response = await handler(request)
                except Exception as exc:  # a body the fake cannot digest is the bot's bug, not a crash
                    response = _error(400, f"Invalid Form Body (fake Discord: {exc!r})", 50035)
                if bucket is not None:
                    response.headers.update(self._rate_limit_headers(bucket))
        record.status = response.status
        record.response_headers = {name: value for name, value in response.headers.items() if name.startswith("X-RateLimit")}
        if response.status >= 400 and isinstance(response, web.Response):
            record.error = response.text
        self._requests_signal.notify()
        return response

    # -- rate limits ----------------------------------------------------------------

    def _route_bucket(self, request: web.Request) -> tuple[str, int] | None:
        """The per-route bucket a request draws on: a channel's for creating or editing its messages, a webhook's
        for executing it or editing its messages; None for the rest."""
        route = request.match_info.route
        canonical = route.resource.canonical if route.resource is not None else ""
        messages = API_PREFIX + "/channels/{channel_id}/messages"
        if self.message_rate_limit is not None and (request.method, canonical) in (
            ("POST", messages), ("PATCH", messages + "/{message_id}")
        ):
            return ("channel", int(request.match_info["channel_id"]))
        webhook = API_PREFIX + "/webhooks/{app_id}/{token}"
        webhook_id = int(request.match_info.get("app_id", 0))
        if self.webhook_rate_limit is not None and webhook_id in self.webhooks and (request.method, canonical) in (
            ("POST", webhook), ("PATCH", webhook + "/messages/{message_id}")
        ):
            return ("webhook", webhook_id)
        return None

    def _limit(self, bucket: tuple[str, int]) -> RateLimit:
        limits = {"channel": self.message_rate_limit, "webhook": self.webhook_rate_limit, "global": self.global_rate_limit}
        limit = limits[bucket[0]]
        assert limit is not None
        return limit

    def _window(self, bucket: tuple[str, int]) -> _Window:
        now = self.clock()
        window = self._windows.get(bucket)
        if window is None or now >= window.resets_at:
            window = self._windows[bucket] = _Window(resets_at=now + self._limit(bucket).window)
        return window

    def _take_global_slot(self) -> web.Response | None:
        """Count a request made with the bot's token against its global limit, or Discord's global 429."""
        if self.global_rate_limit is None:
            return None
        bucket = ("global", 0)
        window = self._window(bucket)
        if window.used < self.global_rate_limit.limit:
            window.used += 1
            return None
        retry_after = round(max(window.resets_at - self.clock(), 0.0), 3)
        response = _json_response(
            {"message": "You are being rate limited.", "retry_after": retry_after, "global": True, "code": 0}, status=429
        )
        response.headers.update({"Retry-After": str(math.ceil(retry_after)), "X-RateLimit-Global": "true",
                                 "X-RateLimit-Scope": "global", "Via": "1.1 google"})
        return response

    def _take_slot(self, bucket: tuple[str, int]) -> web.Response | None:
        """Count the request in its bucket's window, or Discord's 429 when the window is spent."""
        window = self._window(bucket)
        if window.used < self._limit(bucket).limit:
            window.used += 1
            return None
        retry_after = round(max(window.resets_at - self.clock(), 0.0), 3)
        response = _json_response(
            {"message": "You are being rate limited.", "retry_after": retry_after, "global": False, "code": 0}, status=429
        )
        response.headers.update(self._rate_limit_headers(bucket))
        response.headers.update({"Retry-After": str(math.ceil(retry_after)), "X-RateLimit-Scope": "user", "Via": "1.1 google"})
        return response

    def _rate_limit_headers(self, bucket: tuple[str, int]) -> dict[str, str]:
        limit = self._limit(bucket)
        window = self._window(bucket)
        return {
            "X-RateLimit-Limit": str(limit.limit),
            "X-RateLimit-Remaining": str(limit.limit - window.used),
            "X-RateLimit-Reset": f"{window.resets_at:.3f}",
            "X-RateLimit-Reset-After": f"{max(window.resets_at - self.clock(), 0.0):.3f}",
            "X-RateLimit-Bucket": MESSAGE_BUCKET_HASH if bucket[0] == "channel" else WEBHOOK_BUCKET_HASH,
        }

    async def _unknown_route(self, request: web.Request) -> web.Response:
        self.unknown_routes.append(request[_RECORD_KEY])
        return _error(404, "Unknown route", 0)

    # -- REST: identity and commands -------------------------------------------

    async def _get_current_user(self, request: web.Request) -> web.Response:
        return _json_response({**self.bot_user.payload(), "verified": True, "mfa_enabled": False, "locale": "en-US"})

    async def _get_application(self, request: web.Request) -> web.Response:
        owner = self.users.get(self.default_guild.owner_id, self.default_user)
        return _json_response(
            {
                "id": str(self.application_id),
                "name": self.bot_user.username,
                "description": "",
                "icon": None,
                "bot_public": True,
                "bot_require_code_grant": False,
                "owner": owner.payload(),
                "team": None,
                "verify_key": "0" * 64,
                "flags": 0,
                "summary": "",
                "interactions_endpoint_url": None,
                "bot": self.bot_user.payload(),
                "integration_types_config": {"0": {}},
            }
        )

    async def _get_gateway(self, request: web.Request) -> web.Response:
        return _json_response(
            {
                "url": self.gateway_url,
                "shards": self.recommended_shards(),
                "session_start_limit": {"total": 1000, "remaining": 1000, "reset_after": 0, "max_concurrency": 1},
            }
        )

    def _command_store(self, request: web.Request) -> dict[tuple[int, str], dict[str, Any]] | web.Response:
        if int(request.match_info["app_id"]) != self.application_id:
            return _error(403, "Missing Access", 50001)
        guild_id = request.match_info.get("guild_id")
        if guild_id is None:
            return self._global_commands
        if int(guild_id) not in self.guilds:
            return _error(403, "Missing Access", 50001)
        return self._guild_commands.setdefault(int(guild_id), {})

    async def _get_commands(self, request: web.Request) -> web.Response:
        store = self._command_store(request)
        if isinstance(store, web.Response):
            return store
        return _json_response(list(store.values()))

    async def _put_commands(self, request: web.Request) -> web.Response:
        """Bulk overwrite: keep ids of commands that keep their name, like Discord."""
        store = self._command_store(request)
        if isinstance(store, web.Response):
            return store
        guild_id = request.match_info.get("guild_id")
        problems = [problem for command in request[_RECORD_KEY].json for problem in _command_form_problems(command)]
        if problems:
            return _json_response({"message": "Invalid Form Body", "code": 50035, "errors": problems}, status=400)
        synced = {}
        for command in request[_RECORD_KEY].json:
            key = (command.get("type", 1), command["name"])
            previous = store.get(key)
            synced[key] = {
                "options": [],
                "default_member_permissions": None,
                "nsfw": False,
                **command,
                "type": key[0],
                "id": previous["id"] if previous else str(self._next_snowflake()),
                "application_id": str(self.application_id),
                "version": str(self._next_snowflake()),
                **({"guild_id": guild_id} if guild_id else {}),
            }
        store.clear()
        store.update(synced)
        return _json_response(list(synced.values()))

    # -- REST: interactions and webhooks ----------------------------------------

    async def _interaction_callback(self, request: web.Request) -> web.Response:
        record = request[_RECORD_KEY]
        handle = self.interactions.get(int(request.match_info["interaction_id"]))
        if handle is None or handle.token != request.match_info["token"]:
            return _error(404, "Unknown interaction", 10062)
        if handle.callback is not None:
            return _error(400, "Interaction has already been acknowledged.", 40060)
        self.callbacks.append(record)
        callback_type = record.json["type"]
        data = record.json.get("data") or {}
        message = None
        if callback_type == CALLBACK_CHANNEL_MESSAGE:
            message = self._create_message(handle.payload, data, record.files, interaction=handle)
        elif callback_type == CALLBACK_DEFERRED_CHANNEL_MESSAGE:
            flags = MESSAGE_FLAG_LOADING | (data.get("flags", 0) & MESSAGE_FLAG_EPHEMERAL)
            message = self._create_message(handle.payload, {"flags": flags}, [], interaction=handle)
        elif callback_type in (CALLBACK_DEFERRED_UPDATE_MESSAGE, CALLBACK_UPDATE_MESSAGE):
            message = self.messages.get(int(handle.payload.get("message", {}).get("id", 0)))
            if message is None:
                return _error(404, "Unknown Message", 10008)
            if callback_type == CALLBACK_UPDATE_MESSAGE:
                self._edit_message(message, data, record.files)
        if message is not None:
            handle.original_message_id = int(message["id"])
        handle._record_callback(record)
        return _json_response(self._callback_response(handle, callback_type, message))

    def _callback_response(
        self, handle: InteractionHandle, callback_type: int, message: dict[str, Any] | None
    ) -> dict[str, Any]:
        """The ``with_response=1`` body discord.py turns into an InteractionCallbackResponse."""
        interaction: dict[str, Any] = {"id": str(handle.id), "type": handle.payload["type"]}
        resource: dict[str, Any] = {"type": callback_type}
        if message is not None:
            interaction.update(
                response_message_id=message["id"],
                response_message_loading=bool(message["flags"] & MESSAGE_FLAG_LOADING),
                response_message_ephemeral=bool(message["flags"] & MESSAGE_FLAG_EPHEMERAL),
            )
            if callback_type in (CALLBACK_CHANNEL_MESSAGE, CALLBACK_UPDATE_MESSAGE):
                resource["message"] = message
        return {"interaction": interaction, "resource": resource}

    def _webhook_interaction(self, request: web.Request) -> InteractionHandle | web.Response:
        handle = self._interactions_by_token.get(request.match_info["token"])
        if handle is None or int(request.match_info["app_id"]) != self.application_id:
            return _error(404, "Unknown Webhook", 10015)
        return handle

    def _webhook_message(self, request: web.Request) -> tuple[InteractionHandle, dict[str, Any]] | web.Response:
        handle = self._webhook_interaction(request)
        if isinstance(handle, web.Response):
            return handle
        raw_id = request.match_info["message_id"]
        message_id = handle.original_message_id if raw_id == "@original" else int(raw_id)
        message = self.messages.get(message_id) if message_id is not None else None
        if message is None:
            return _error(404, "Unknown Message", 10008)
        return handle, message

    async def _post_followup(self, request: web.Request) -> web.Response:
        """A followup message; the first one after a deferral fills the loading message."""
        handle = self._webhook_interaction(request)
        if isinstance(handle, web.Response):
            return handle
        record = request[_RECORD_KEY]
        self.followups.append(record)
        original = self.messages.get(handle.original_message_id or 0)
        if original is not None and original["flags"] & MESSAGE_FLAG_LOADING:
            self._edit_message(original, record.json, record.files)
            message = original
        else:
            message = self._create_message(handle.payload, record.json, record.files, interaction=handle)
        handle._record(handle.followup_requests, record)
        return _json_response(message)

    async def _get_webhook_message(self, request: web.Request) -> web.Response:
        if self._is_channel_webhook(request):
            message = self._channel_webhook_message(request)
            return message if isinstance(message, web.Response) else _json_response(message)
        found = self._webhook_message(request)
        return found if isinstance(found, web.Response) else _json_response(found[1])

    async def _edit_webhook_message(self, request: web.Request) -> web.Response:
        if self._is_channel_webhook(request):
            return await self._edit_channel_webhook_message(request)
        found = self._webhook_message(request)
        if isinstance(found, web.Response):
            return found
        handle, message = found
        record = request[_RECORD_KEY]
        self._edit_message(message, record.json, record.files)
        self.message_edits.append(record)
        handle._record(handle.edit_requests, record)
        return _json_response(message)

    async def _delete_webhook_message(self, request: web.Request) -> web.Response:
        if self._is_channel_webhook(request):
            message = self._channel_webhook_message(request)
            if isinstance(message, web.Response):
                return message
            del self.messages[int(message["id"])]
            return web.Response(status=204)
        found = self._webhook_message(request)
        if isinstance(found, web.Response):
            return found
        del self.messages[int(found[1]["id"])]
        return web.Response(status=204)

    # -- REST: channel webhooks -----------------------------------------------------

    async def _create_webhook(self, request: web.Request) -> web.Response:
        found = self._channels.get(int(request.match_info["channel_id"]))
        if found is None:
            return _error(404, "Unknown Channel", 10003)
        guild, channel = found
        if not self.bot_permissions(guild) & (MANAGE_WEBHOOKS | ADMINISTRATOR):
            return _error(403, "Missing Permissions", 50013)
        body = request[_RECORD_KEY].json or {}
        name = body.get("name")
        if not isinstance(name, str) or not 1 <= len(name) <= 80 or "discord" in name.lower() or "clyde" in name.lower():
            return _error(400, "Invalid Form Body (name: 1-80 characters, not containing 'discord' or 'clyde')", 50035)
        avatar = secrets.token_hex(16) if body.get("avatar") else None   # Discord stores the image, answers its hash
        webhook = FakeWebhook(id=self._next_snowflake(), token=secrets.token_urlsafe(48), guild_id=guild.id,
                              channel_id=channel.id, name=name, avatar=avatar, creator=self.bot_user,
                              application_id=self.application_id)
        self.webhooks[webhook.id] = webhook
        return _json_response(webhook.payload())

    async def _get_channel_webhooks(self, request: web.Request) -> web.Response:
        channel_id = int(request.match_info["channel_id"])
        if channel_id not in self._channels:
            return _error(404, "Unknown Channel", 10003)
        return _json_response([webhook.payload() for webhook in self.webhooks.values() if webhook.channel_id == channel_id])

    def delete_webhook(self, webhook_id: int) -> None:
        """A server admin deletes the webhook: executing it, or editing its messages, answers Unknown Webhook; its
        messages stay in the channel."""
        del self.webhooks[webhook_id]
        self._deleted_webhooks.add(webhook_id)

    def _is_channel_webhook(self, request: web.Request) -> bool:
        """Whether ``/webhooks/{id}/{token}`` names a channel's webhook (one that exists or was deleted), not an
        interaction."""
        webhook_id = int(request.match_info["app_id"])
        return webhook_id in self.webhooks or webhook_id in self._deleted_webhooks

    def _executed_webhook(self, request: web.Request) -> FakeWebhook | web.Response:
        webhook = self.webhooks.get(int(request.match_info["app_id"]))
        if webhook is None or webhook.token != request.match_info["token"]:
            return _error(404, "Unknown Webhook", 10015)
        return webhook

    async def _post_to_webhook(self, request: web.Request) -> web.Response:
        """``/webhooks/{id}/{token}``: a channel webhook's execution, or an interaction's followup."""
        if self._is_channel_webhook(request):
            return await self._execute_webhook(request)
        return await self._post_followup(request)

    async def _execute_webhook(self, request: web.Request) -> web.Response:
        """A message in the webhook's channel, shown under the name (and avatar) the body asks for."""
        webhook = self._executed_webhook(request)
        if isinstance(webhook, web.Response):
            return webhook
        record = request[_RECORD_KEY]
        body = record.json or {}
        self.webhook_messages.append(record)
        where = {"guild_id": str(webhook.guild_id), "channel_id": str(webhook.channel_id)}
        message = self._create_message(where, body, record.files)
        author = FakeUser(id=webhook.id, username=body.get("username") or webhook.name, bot=True).payload()
        message.update(author={**author, "avatar": webhook.avatar}, webhook_id=str(webhook.id),
                       application_id=str(webhook.application_id))
        self._channel(webhook.channel_id).message_count += 1
        if request.query.get("wait") in ("true", "True", "1"):
            return _json_response(message)
        return web.Response(status=204)

    def _channel_webhook_message(self, request: web.Request) -> dict[str, Any] | web.Response:
        webhook = self._executed_webhook(request)
        if isinstance(webhook, web.Response):
            return webhook
        message = self.messages.get(int(request.match_info["message_id"]))
        if message is None or message.get("webhook_id") != str(webhook.id):
            return _error(404, "Unknown Message", 10008)
        return message

    async def _edit_channel_webhook_message(self, request: web.Request) -> web.Response:
        message = self._channel_webhook_message(request)
        if isinstance(message, web.Response):
            return message
        record = request[_RECORD_KEY]
        self._edit_message(message, record.json or {}, record.files)
        self.webhook_edits.append(record)
        return _json_response(message)

    # -- REST: channels -----------------------------------------------------------

    def _channel_message(self, request: web.Request) -> dict[str, Any] | web.Response:
        message = self.messages.get(int(request.match_info["message_id"]))
        if message is None or message["channel_id"] != request.match_info["channel_id"]:
            return _error(404, "Unknown Message", 10008)
        return message

    async def _get_channel(self, request: web.Request) -> web.Response:
        found = self._channels.get(int(request.match_info["channel_id"]))
        if found is None:
            return _error(404, "Unknown Channel", 10003)
        guild, channel = found
        return _json_response(channel.payload(guild.id))

    async def _post_channel_message(self, request: web.Request) -> web.Response:
        found = self._channels.get(int(request.match_info["channel_id"]))
        if found is None:
            return _error(404, "Unknown Channel", 10003)
        guild, channel = found
        record = request[_RECORD_KEY]
        self.channel_messages.append(record)
        channel.message_count += 1
        where = {"guild_id": str(guild.id), "channel_id": str(channel.id)}
        return _json_response(self._create_message(where, record.json, record.files))

    async def _get_channel_messages(self, request: web.Request) -> web.Response:
        """A channel's history, newest first: ``limit`` (1-100, default 50) messages ``before`` an id."""
        channel_id = request.match_info["channel_id"]
        if int(channel_id) not in self._channels:
            return _error(404, "Unknown Channel", 10003)
        limit = min(max(int(request.query.get("limit", 50)), 1), 100)
        before = int(request.query.get("before", 0)) or None
        newest_first = sorted(
            (message for message_id, message in self.messages.items()
             if message["channel_id"] == channel_id and (before is None or message_id < before)),
            key=lambda message: int(message["id"]), reverse=True,
        )
        return _json_response(newest_first[:limit])

    async def _get_channel_message(self, request: web.Request) -> web.Response:
        message = self._channel_message(request)
        return message if isinstance(message, web.Response) else _json_response(message)

    async def _edit_channel_message(self, request: web.Request) -> web.Response:
        message = self._channel_message(request)
        if isinstance(message, web.Response):
            return message
        if "webhook_id" in message:     # the bot may edit only its own messages; a webhook's is the webhook's
            return _error(403, "Cannot edit a message authored by another user", 50005)
        record = request[_RECORD_KEY]
        self._edit_message(message, record.json, record.files)
        self.message_edits.append(record)
        return _json_response(message)

    async def _delete_channel_message(self, request: web.Request) -> web.Response:
        message = self._channel_message(request)
        if isinstance(message, web.Response):
            return message
        del self.messages[int(message["id"])]
        return web.Response(status=204)

    # -- REST: threads and forum posts ------------------------------------------------

    async def _start_thread(self, request: web.Request) -> web.Response:
        """A thread in a text channel, or a forum post (a thread with its first message) in a forum channel."""
        found = self._channels.get(int(request.match_info["channel_id"]))
        if found is None:
            return _error(404, "Unknown Channel", 10003)
        guild, parent = found
        body = request[_RECORD_KEY].json
        if parent.type == CHANNEL_FORUM:
            if not isinstance(body.get("message"), dict):
                return _error(400, "Invalid Form Body (message: required for a forum post)", 50035)
            thread = self._open_thread(guild, parent, body, thread_type=CHANNEL_PUBLIC_THREAD, thread_id=self._next_snowflake())
            # A forum post's first message has the post's (thread's) id, like on Discord.
            where = {"guild_id": str(guild.id), "channel_id": str(thread.id)}
            message = self._create_message(where, body["message"], request[_RECORD_KEY].files, message_id=thread.id)
            thread.message_count += 1
            await self._announce_thread(guild, thread)
            return _json_response({**thread.payload(guild.id), "message": message})
        if parent.type not in (CHANNEL_TEXT, CHANNEL_NEWS):
            return _error(400, "Cannot execute action on this channel type", 50024)
        thread_type = int(body.get("type") or CHANNEL_PRIVATE_THREAD)   # Discord's default when no type is given
        thread = self._open_thread(guild, parent, body, thread_type=thread_type, thread_id=self._next_snowflake())
        await self._announce_thread(guild, thread)
        return _json_response(thread.payload(guild.id))

    async def _start_thread_from_message(self, request: web.Request) -> web.Response:
        """A public thread on a message; it takes the message's id, like on Discord."""
        message = self._channel_message(request)
        if isinstance(message, web.Response):
            return message
        guild, parent = self._channels[int(message["channel_id"])]
        if any(channel.id == int(message["id"]) for channel in self.threads):
            return _error(400, "A thread has already been created for this message", 160004)
        thread = self._open_thread(guild, parent, request[_RECORD_KEY].json, thread_type=CHANNEL_PUBLIC_THREAD,
                                   thread_id=int(message["id"]))
        message["thread"] = thread.payload(guild.id)
        await self._announce_thread(guild, thread)
        return _json_response(thread.payload(guild.id))

    def _open_thread(
        self, guild: FakeGuild, parent: FakeChannel, body: Mapping[str, Any], *, thread_type: int, thread_id: int
    ) -> FakeChannel:
        name = body.get("name")
        if not isinstance(name, str) or not 1 <= len(name) <= 100:
            raise ValueError("name: must be 1-100 characters")
        thread = FakeChannel(id=thread_id, name=name, type=thread_type, parent_id=parent.id, owner_id=self.bot_user.id,
                             auto_archive_duration=int(body.get("auto_archive_duration") or 1440))
        self.add_channel(guild, thread)
        self.threads.append(thread)
        return thread

    async def _announce_thread(self, guild: FakeGuild, thread: FakeChannel) -> None:
        """THREAD_CREATE to the connected client, as Discord tells a thread's creator."""
        if self._active is not None:
            created = {**thread.payload(guild.id), "newly_created": True}
            await self._send_dispatch(self._require_connection(guild.id), "THREAD_CREATE", created)

    # -- REST: guild scheduled events ----------------------------------------------------

    def _events_guild(self, request: web.Request) -> FakeGuild | web.Response:
        guild = self.guilds.get(int(request.match_info["guild_id"]))
        if guild is None:
            return _error(404, "Unknown Guild", 10004)
        if not self.bot_permissions(guild) & (MANAGE_EVENTS | ADMINISTRATOR):
            return _error(403, "Missing Permissions", 50013)
        return guild

    def bot_permissions(self, guild: FakeGuild) -> int:
        """The bot's server-wide permissions: @everyone's and those of its roles."""
        member = guild.member(self.bot_user.id)
        held = {guild.id, *(member.role_ids if member else [])}
        permissions = 0
        for role in guild.all_roles():
            if role.id in held:
                permissions |= role.permissions
        return permissions

    def _scheduled_event(self, request: web.Request) -> dict[str, Any] | web.Response:
        event = self.scheduled_events.get(int(request.match_info["event_id"]))
        if event is None or event["guild_id"] != request.match_info["guild_id"]:
            return _error(404, "Unknown Guild Scheduled Event", 10070)
        return event

    def _check_event_times(self, event: Mapping[str, Any]) -> web.Response | None:
        start = datetime.datetime.fromisoformat(event["scheduled_start_time"])
        if start.timestamp() < self.clock():
            return _error(400, "Invalid Form Body (scheduled_start_time: Cannot schedule event in the past.)", 50035)
        if event["entity_type"] == EVENT_ENTITY_EXTERNAL:
            if not (event.get("entity_metadata") or {}).get("location") or not event.get("scheduled_end_time"):
                return _error(400, "Invalid Form Body (an external event needs a location and an end time)", 50035)
            if datetime.datetime.fromisoformat(event["scheduled_end_time"]) <= start:
                return _error(400, "Invalid Form Body (scheduled_end_time: must be after the start)", 50035)
        return None

    async def _list_scheduled_events(self, request: web.Request) -> web.Response:
        guild = self._events_guild(request)
        if isinstance(guild, web.Response):
            return guild
        return _json_response([event for event in self.scheduled_events.values() if event["guild_id"] == str(guild.id)])

    async def _create_scheduled_event(self, request: web.Request) -> web.Response:
        guild = self._events_guild(request)
        if isinstance(guild, web.Response):
            return guild
        body = request[_RECORD_KEY].json
        missing = [key for key in ("name", "scheduled_start_time", "privacy_level", "entity_type") if key not in body]
        if missing:
            return _error(400, f"Invalid Form Body ({', '.join(missing)}: required)", 50035)
        if body["privacy_level"] != EVENT_PRIVACY_GUILD_ONLY:
            return _error(400, "Invalid Form Body (privacy_level: must be 2, guild only)", 50035)
        event_id = self._next_snowflake()
        event = {
            "id": str(event_id),
            "guild_id": str(guild.id),
            "channel_id": body.get("channel_id"),
            "creator_id": str(self.bot_user.id),
            "creator": self.bot_user.payload(),
            "name": body["name"],
            "description": body.get("description"),
            "scheduled_start_time": body["scheduled_start_time"],
            "scheduled_end_time": body.get("scheduled_end_time"),
            "privacy_level": body["privacy_level"],
            "status": EVENT_STATUS_SCHEDULED,
            "entity_type": body["entity_type"],
            "entity_id": None,
            "entity_metadata": body.get("entity_metadata"),
            "user_count": 0,
            "image": None,
        }
        refusal = self._check_event_times(event)
        if refusal is not None:
            return refusal
        self.scheduled_events[event_id] = event
        return _json_response(event)

    async def _get_scheduled_event(self, request: web.Request) -> web.Response:
        guild = self._events_guild(request)
        if isinstance(guild, web.Response):
            return guild
        event = self._scheduled_event(request)
        return event if isinstance(event, web.Response) else _json_response(event)

    async def _edit_scheduled_event(self, request: web.Request) -> web.Response:
        guild = self._events_guild(request)
        if isinstance(guild, web.Response):
            return guild
        event = self._scheduled_event(request)
        if isinstance(event, web.Response):
            return event
        editable = ("channel_id", "entity_metadata", "name", "privacy_level", "scheduled_start_time", "scheduled_end_time",
                    "status", "description", "entity_type")
        edited = {**event, **{key: value for key, value in request[_RECORD_KEY].json.items() if key in editable}}
        refusal = self._check_event_times(edited)
        if refusal is not None:
            return refusal
        event.update(edited)
        return _json_response(event)

    async def _delete_scheduled_event(self, request: web.Request) -> web.Response:
        guild = self._events_guild(request)
        if isinstance(guild, web.Response):
            return guild
        event = self._scheduled_event(request)
        if isinstance(event, web.Response):
            return event
        del self.scheduled_events[int(event["id"])]
        return web.Response(status=204)

    async def _get_attachment(self, request: web.Request) -> web.Response:
        content = self._attachment_bytes.get(int(request.match_info["attachment_id"]))
        if content is None:
            return web.Response(status=404)
        return web.Response(body=content, content_type="application/octet-stream")

    # -- messages ---------------------------------------------------------------------

    def _create_message(
        self,
        where: Mapping[str, Any],
        body: Mapping[str, Any],
        files: list[tuple[str, bytes]],
        *,
        interaction: InteractionHandle | None = None,
        message_id: int | None = None,
    ) -> dict[str, Any]:
        """Store and return a message created in ``where`` (a payload with channel/guild ids)."""
        message_id = message_id or self._next_snowflake()
        message: dict[str, Any] = {
            "id": str(message_id),
            "channel_id": where["channel_id"],
            "type": MESSAGE_DEFAULT,
            "author": self.bot_user.payload(),
            "content": body.get("content") or "",
            "embeds": body.get("embeds") or [],
            "components": body.get("components") or [],
            "attachments": self._attachments(body, files, previous=[]),
            "flags": body.get("flags") or 0,
            "timestamp": _now_iso(),
            "edited_timestamp": None,
            "tts": bool(body.get("tts", False)),
            "pinned": False,
        }
        self.allowed_mentions[message_id] = body.get("allowed_mentions")
        pings = pings_of(message["content"], body.get("allowed_mentions"))
        message.update(
            mention_everyone=pings.everyone,
            mention_roles=[str(role) for role in sorted(pings.roles)],
            mentions=[self.users[user].payload() for user in sorted(pings.users) if user in self.users],
        )
        if "guild_id" in where:
            message["guild_id"] = where["guild_id"]
        if interaction is not None:
            message.update(
                type=MESSAGE_CHAT_INPUT_COMMAND,
                webhook_id=str(self.application_id),
                application_id=str(self.application_id),
                interaction_metadata={
                    "id": str(interaction.id),
                    "type": interaction.payload["type"],
                    "user": interaction.payload.get("member", interaction.payload).get("user"),
                    "authorizing_integration_owners": interaction.payload["authorizing_integration_owners"],
                },
            )
        self.messages[message_id] = message
        return message

    def _edit_message(self, message: dict[str, Any], body: Mapping[str, Any], files: list[tuple[str, bytes]]) -> None:
        """Apply an edit; ephemerality is kept and the loading state cleared, like Discord."""
        for key in ("content", "embeds", "components"):
            if key in body:
                message[key] = body[key] if body[key] is not None else ("" if key == "content" else [])
        if "attachments" in body or files:
            message["attachments"] = self._attachments(body, files, previous=message["attachments"])
        flags = body.get("flags", message["flags"]) or 0
        message["flags"] = (flags | (message["flags"] & MESSAGE_FLAG_EPHEMERAL)) & ~MESSAGE_FLAG_LOADING
        message["edited_timestamp"] = _now_iso()

    def _attachments(
        self, body: Mapping[str, Any], files: list[tuple[str, bytes]], *, previous: list[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        """Attachment objects for a message body.

        discord.py lists new uploads as ``{"id": <index of files[n]>, "filename": ...}``
        and kept attachments with their real snowflake id.
        """
        requested = body.get("attachments")
        if requested is None:
            requested = [{"id": index} for index in range(len(files))]
        kept = {attachment["id"]: attachment for attachment in previous}
        result = []
        for entry in requested:
            index = int(entry["id"])
            if index < len(files):
                filename, content = files[index]
                result.append(self._store_attachment(entry.get("filename", filename), content, entry))
            elif str(index) in kept:
                result.append(kept[str(index)])
        return result

    def _store_attachment(self, filename: str, content: bytes, entry: Mapping[str, Any]) -> dict[str, Any]:
        attachment_id = self._next_snowflake()
        self._attachment_bytes[attachment_id] = content
        url = f"http://127.0.0.1:{self.port}{ATTACHMENTS_PATH}/{attachment_id}/{filename}"
        attachment = {
            "id": str(attachment_id),
            "filename": filename,
            "size": len(content),
            "url": url,
            "proxy_url": url,
            "content_type": mimetypes.guess_type(filename)[0] or "application/octet-stream",
        }
        if "description" in entry:
            attachment["description"] = entry["description"]
        return attachment


# --------------------------------------------------------------------------- #
# Request parsing and client redirection
# --------------------------------------------------------------------------- #


def _needs_bot_token(path: str) -> bool:
    """Interaction callbacks and ``/webhooks/{id}/{token}`` authenticate by token in the URL."""
    if not path.startswith(API_PREFIX + "/"):
        return False
    if path.startswith(API_PREFIX + "/interactions/"):
        return False
    return not (path.startswith(API_PREFIX + "/webhooks/") and path.count("/") >= 5)


async def _read_request(request: web.Request) -> RecordedRequest:
    """Parse a JSON or multipart (``payload_json`` + ``files[n]``) request into a record."""
    path = request.path.removeprefix(API_PREFIX)
    headers = {name: value for name, value in request.headers.items() if name.lower() != "authorization"}
    record = RecordedRequest(method=request.method, path=path, query=dict(request.query), headers=headers)
    if request.content_type == "multipart/form-data":
        reader = await request.multipart()
        async for part in reader:
            if not isinstance(part, BodyPartReader):  # discord.py never nests multiparts
                continue
            if part.name == "payload_json":
                record.json = _parse_json(await part.read())
            else:
                record.files.append((part.filename or part.name or "", bytes(await part.read())))
    elif request.body_exists:
        raw = await request.read()
        record.json = _parse_json(raw) if request.content_type == "application/json" else raw.decode(errors="replace")
    return record


def _parse_json(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return _INVALID_JSON


def _infer_option_type(value: Any) -> int:
    """The option type Discord would use for a Python value (commands not synced)."""
    if isinstance(value, bool):
        return OPTION_BOOLEAN
    if isinstance(value, int):
        return OPTION_INTEGER
    if isinstance(value, float):
        return OPTION_NUMBER
    if isinstance(value, FakeUser):
        return OPTION_USER
    if isinstance(value, FakeChannel):
        return OPTION_CHANNEL
    if isinstance(value, FakeRole):
        return OPTION_ROLE
    return OPTION_STRING


@contextlib.contextmanager
def redirect_discord_to(fake: FakeDiscord) -> Iterator[None]:
    """Point discord.py's REST base and gateway URL at ``fake``; restore them afterwards."""
    from discord.gateway import DiscordWebSocket
    from discord.http import Route

    previous_base, previous_gateway = Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
    Route.BASE = fake.base_url
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fake.gateway_url)
    try:
        yield
    finally:
        Route.BASE = previous_base
        DiscordWebSocket.DEFAULT_GATEWAY = previous_gateway
