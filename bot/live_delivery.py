"""How race-day messages reach Discord servers: one live board per server and race, edited in place; event messages
sent once each; the reminder before green; a scheduled event per upcoming race; a thread or forum post per race.

What a board or an event says is decided elsewhere (any `discord.Embed`); this module decides where, when and how
often it goes. The Discord side is the `LiveMessenger` that cogs/live.py implements.

Rules:
- A server with live updates on gets one **board** message per race, created once and then edited in place, never
  posted again (also across a restart: its id is in the ledger, db/live_ledger.py). Boards coalesce: only the
  latest one matters, so one that is still waiting when a newer one is due is dropped.
- Each **event** has a stable key and is sent once per server, across restarts and across processes: its ledger
  row is claimed before the message is sent. A row some earlier holder claimed may hide a message that holder
  sent but did not record, so the bot's recent messages are searched for the event's marker first.
- A server's **TV delay** holds back every board and event for that server by its delay after the moment the feed
  showed it (`at`), nothing earlier: each server has its own queue on the event loop, driven by the `Clock`.
- **Rate limits.** Creating and editing messages in a channel share one Discord bucket (5 per 5 s for bots).
  discord.py obeys the headers but only by sleeping, and a stream of board edits would queue up behind it. So
  every request is paced by `MessagePacer`, one token bucket per channel: seeded from Discord's limits, then
  corrected from the `X-RateLimit-*` headers of each response (observed through aiohttp's tracing hooks, which
  discord.py exposes as `Client(http_trace=...)`, on race day's own HTTP session: `TracedRoute`). One request of
  each window is kept in hand: discord.py sleeps out a whole window when it sees a bucket at 0, and the pacer never
  lets it get there. Events go before boards.
  Over every channel, the bot token's **global limit** (50 requests per second) is kept by one `GlobalPacer` per
  process, which every bot-route request takes a slot of: servers take turns, a server's waiting boards coalesce to
  the latest, and a fan-out to thousands of servers meets no global 429.
- **Webhooks** (`WebhookLiveMessenger`, the bot's messenger): where the bot holds Manage Webhooks in a server's live
  channel, messages go through the bot's webhook there, off the global limit (see that class).
- **The ledger at scale**: an object never tried before is read, claimed and recorded in batches shared by every
  server's queue (one transaction per step for an event reaching thousands of servers).
- A **kept message** (the pre-race embed, `keep`) is sent once per race and server to the race's channel, like an
  event (ledger kind `event`, its item name as key, its content hash as the row's state), and edited in place when
  its content changes. It is not held back by the TV delay: nothing in it spoils the race.
- **Reminders**: at green minus the server's minutes, one message in its announcement channel, mentioning the
  server's role and nothing else (`AllowedMentions(roles=[role])` for that message only); no role, no mention.
- **Scheduled events**: where a server turned them on and the bot may manage events, one Discord scheduled event
  per upcoming race of the server's series, created once, moved when the start changes, deleted on cancellation.
- **Race threads**: a server that chose `thread` (a thread in its announcement channel) or `forum` (a post in its
  forum channel) gets one per race, created once, and the race's board and events go there.
- Nothing Pitboard sends pings anyone but the reminder's role: `AllowedMentions.none()` everywhere else.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import logging
import re
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Generic, Literal, Protocol, TypeVar

import aiohttp
import discord

from bot.race_day import Undeliverable
from bot.reddit import CLAIM_LEASE_SECONDS, content_hash
from bot.render import embeds, safe
from db import live_ledger
from db.claims import instant, new_holder
from db.guilds import GuildSettings
from db.live_ledger import LiveKey, LiveObject
from db.records import Record
from db.store import Store

log = logging.getLogger(__name__)

RaceThreads = Literal["channel", "thread", "forum"]

NO_PINGS = discord.AllowedMentions.none()
# Discord's bucket for a bot creating or editing messages in one channel; the headers correct it.
CHANNEL_MESSAGE_LIMIT = 5
CHANNEL_MESSAGE_WINDOW = timedelta(seconds=5)
KEPT_IN_HAND = 1                            # requests of each window the pacer never spends (see the module docstring)
BUSY_RETRY = timedelta(seconds=5)           # another holder is making the object: look again this much later
RACE_DURATION = timedelta(hours=4)          # a scheduled event's end: Discord requires one for an external event
THREAD_ARCHIVE_MINUTES: Literal[1440] = 1440    # a race thread archives a day after its last message
THREAD_NAME_LIMIT = 100
_CHANNEL_MESSAGES = re.compile(r"/channels/(\d+)/messages(?:/\d+)?$")


# --------------------------------------------------------------------------- #
# Plain inputs
# --------------------------------------------------------------------------- #


class ServerLiveSettings(Record):
    """One server's race-day settings, as `from_guild` reads them from its /config settings."""

    guild_id: int
    channel_id: int | None                  # the announcement channel
    live_on: bool = False
    delay_seconds: int = 0                  # TV delay: everything live is held back this long
    reminder_minutes: int | None = None     # remind this long before green; None: no reminder
    reminder_role_id: int | None = None     # the one role a reminder mentions; None: it mentions nobody
    events_on: bool = False                 # keep a Discord scheduled event per upcoming race
    race_threads: RaceThreads = "channel"
    forum_channel_id: int | None = None     # where `forum` posts go
    series: str | None = None               # the server follows only this series; None: every series

    @classmethod
    def from_guild(cls, settings: GuildSettings) -> ServerLiveSettings:
        return cls(
            guild_id=settings.guild_id,
            channel_id=settings.announce_channel_id,
            live_on=settings.live_updates,
            delay_seconds=settings.tv_delay_seconds,
            reminder_minutes=settings.reminder_minutes,
            reminder_role_id=settings.reminder_role_id,
            events_on=settings.scheduled_events,
            race_threads=settings.race_threads,
            forum_channel_id=settings.forum_channel_id,
            series=settings.default_series,
        )

    @property
    def delay(self) -> timedelta:
        return timedelta(seconds=self.delay_seconds)

    def follows(self, series: str) -> bool:
        return self.series in (None, series)


class ScheduledRace(Record):
    """A race as race day needs it: from the schedule now, from the lifecycle later."""

    key: str                # bot.posting.race_key
    series: str
    name: str
    track: str
    starts_at: datetime     # the green flag as scheduled
    cancelled: bool = False


class DiscordEvent(Record):
    """What a race's Discord scheduled event shows."""

    name: str
    location: str
    description: str
    starts_at: datetime
    ends_at: datetime


class ServerBoard(Record):
    """The board a server sees now (TV delay applied), for /live."""

    race: ScheduledRace
    embed: discord.Embed
    channel_id: int | None      # where the server's board message is, if it has one


# --------------------------------------------------------------------------- #
# Pure builders
# --------------------------------------------------------------------------- #


def marker(race_key: str, item: str) -> str:
    """Ends the footer of a race-day message, so one whose sending was not recorded can be found again."""
    return f"pitboard:{race_key}:{item}"


def marked(embed: discord.Embed, race_key: str, item: str) -> discord.Embed:
    """A copy of `embed` whose footer ends with the item's marker."""
    copy = embed.copy()
    footer = f"{copy.footer.text} · " if copy.footer.text else ""
    copy.set_footer(text=footer + marker(race_key, item), icon_url=copy.footer.icon_url)
    return embeds.fit(copy)


def green_flag_time(race: ScheduledRace) -> str:
    """Discord timestamps: each reader sees their own time zone."""
    stamp = int(race.starts_at.timestamp())
    return f"<t:{stamp}:t> (<t:{stamp}:R>)"


def reminder_message(race: ScheduledRace, role_id: int | None) -> tuple[str, discord.Embed]:
    """The reminder's text (mentioning the role, if any) and its embed."""
    content = f"<@&{role_id}> " if role_id is not None else ""
    content += f"**{safe.discord(race.name)}** goes green {green_flag_time(race)}."
    embed = discord.Embed(title=f"Green flag soon: {safe.plain(race.name)}", description=f"{safe.discord(race.track)}\n"
                          f"Green flag {green_flag_time(race)}", colour=embeds.BRAND)
    return content, marked(embed, race.key, "reminder")


def race_header(race: ScheduledRace) -> discord.Embed:
    """The first message of a race's forum post: the board and the race's events follow it."""
    embed = discord.Embed(title=safe.plain(race.name), colour=embeds.BRAND,
                          description=f"{safe.discord(race.track)}\nGreen flag {green_flag_time(race)}\n\n"
                                      "The live board below is edited as the race runs; race events follow it.")
    return marked(embed, race.key, "header")


def thread_name(race: ScheduledRace) -> str:
    return safe.plain(race.name)[:THREAD_NAME_LIMIT] or race.key


def discord_event(race: ScheduledRace) -> DiscordEvent:
    return DiscordEvent(
        name=safe.plain(race.name)[:100],
        location=safe.plain(race.track)[:100],
        description=f"{safe.plain(race.name)} at {safe.plain(race.track)}: follow it live here with Pitboard.",
        starts_at=race.starts_at,
        ends_at=race.starts_at + RACE_DURATION,
    )


# --------------------------------------------------------------------------- #
# Time
# --------------------------------------------------------------------------- #


class Clock(Protocol):
    """Now, and sleeping until a moment: the system clock in the bot, a manual one in tests."""

    def now(self) -> datetime: ...

    async def sleep_until(self, moment: datetime) -> None: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    async def sleep_until(self, moment: datetime) -> None:
        await asyncio.sleep(max((moment - self.now()).total_seconds(), 0.0))


# --------------------------------------------------------------------------- #
# Rate limits
# --------------------------------------------------------------------------- #


@dataclass
class _Bucket:
    limit: int = CHANNEL_MESSAGE_LIMIT
    remaining: int = CHANNEL_MESSAGE_LIMIT
    resets_at: datetime | None = None       # None: no window running (as far as we know)


class MessagePacer:
    """A token bucket per channel for creating and editing messages (see "Rate limits" in the module docstring).

    Seeded with Discord's limit; each response's `X-RateLimit-*` headers then say the truth (`observe`). Only one
    request per channel is in flight at a time (each server's queue sends in turn), so the headers of a response
    describe the window as it stands when the next request is decided.
    """

    def __init__(self, clock: Clock):
        self.clock = clock
        self.bot_route = GlobalPacer(clock)     # the bot token's global limit, shared by every channel
        self._buckets: dict[int, _Bucket] = {}

    def _bucket(self, channel_id: int) -> _Bucket:
        bucket = self._buckets.setdefault(channel_id, _Bucket())
        if bucket.resets_at is not None and self.clock.now() >= bucket.resets_at:
            bucket.remaining, bucket.resets_at = bucket.limit, None
        return bucket

    def ready_at(self, channel_id: int) -> datetime | None:
        """When the next request to the channel may go: None for now."""
        bucket = self._bucket(channel_id)
        return None if bucket.remaining > KEPT_IN_HAND else bucket.resets_at

    def take(self, channel_id: int) -> None:
        """Count a request about to be sent."""
        bucket = self._bucket(channel_id)
        if bucket.resets_at is None:
            bucket.resets_at = self.clock.now() + CHANNEL_MESSAGE_WINDOW
        bucket.remaining -= 1

    def observe(self, channel_id: int, limit: int, remaining: int, reset_after: float) -> None:
        """What Discord said of the channel's bucket in a response."""
        bucket = self._bucket(channel_id)
        bucket.limit, bucket.remaining = limit, remaining
        bucket.resets_at = self.clock.now() + timedelta(seconds=reset_after)

    def trace_config(self) -> aiohttp.TraceConfig:
        """Hooks for a discord.py HTTP session (`Client(http_trace=...)`, `TracedRoute`'s) that feed `observe` and
        `bot_route`."""
        trace = aiohttp.TraceConfig()
        trace.on_request_end.append(self._on_request_end)
        return self.bot_route.hook(trace)

    async def _on_request_end(
        self, session: aiohttp.ClientSession, context: SimpleNamespace, params: aiohttp.TraceRequestEndParams
    ) -> None:
        found = _CHANNEL_MESSAGES.search(params.url.path)
        headers = params.response.headers
        if found is None or params.method not in ("POST", "PATCH") or "X-RateLimit-Remaining" not in headers:
            return
        try:
            limit, remaining = int(headers["X-RateLimit-Limit"]), int(headers["X-RateLimit-Remaining"])
            reset_after = float(headers["X-RateLimit-Reset-After"])
        except (KeyError, ValueError):
            log.debug("unreadable rate limit headers on %s %s", params.method, params.url.path)
            return
        self.observe(int(found.group(1)), limit, remaining, reset_after)


class TracedRoute:
    """Race-day delivery's own HTTP session to Discord, with the bot's token: the only session that is traced.

    Why: aiohttp's tracing (`Client(http_trace=...)`, the one hook discord.py offers on its requests) is set per
    session, and on the bot's own session every request pays it, each slash command's reply included: trace contexts,
    a dozen signal sends and our hooks, the larger part of what Pitboard cost over an empty discord.py bot per
    command (bench/bench.py discord). What the trace is for is race day's alone: the channel-message rate limit
    headers `MessagePacer` reads and the global 429s `GlobalPacer` obeys. So the bot's own race-day messages (send,
    edit, history) go through a second `discord.Client`, logged in over HTTP only (no gateway) with the same token and
    traced; everything else the bot does stays on its untraced session. Discord's global limit counts per token, not
    per session: `GlobalPacer` still counts both, as every race-day request on either takes one of its slots.
    Threads, forum posts, scheduled events and webhook management need the bot's cache (channel types, permissions)
    and stay on the bot's session: a global 429 there is obeyed by discord.py itself, and by the pacer from its next
    message on. Webhook messages never needed the trace (off the global limit, their own buckets).

    Logged in on first use (two requests: the bot's user and its application), so a bot that delivers nothing never
    opens it.
    """

    def __init__(self, pacer: MessagePacer, token: str):
        self._client = discord.Client(intents=discord.Intents.none(), http_trace=pacer.trace_config(),
                                      allowed_mentions=NO_PINGS)
        self._token = token
        self._login = asyncio.Lock()

    async def client(self) -> discord.Client:
        """The route's client, logged in."""
        if self._client.user is None:
            async with self._login:
                if self._client.user is None:
                    await self._client.login(self._token)
        return self._client

    async def close(self) -> None:
        await self._client.close()


GLOBAL_LIMIT = 50                           # Discord's global limit: requests per second per bot token
# Race day leaves part of each second to the bot's requests it does not pace (start-up, a cog's REST calls, scheduled
# events): with the whole limit taken, one of those landing in a full window meets a global 429.
GLOBAL_HEADROOM = 5
GLOBAL_WINDOW = timedelta(seconds=1)


class GlobalPacer:
    """Discord's global limit on the bot's token (50 requests per second over every route), kept by the process:
    every bot-route request of race-day delivery takes a slot (`async with pacer.slot():`), so a fan-out to
    thousands of servers never meets a global 429.

    A slot is given back one window after its request's *response* came: Discord counts a request when it arrives,
    somewhere between taking the slot and the response, so no window of Discord's can hold more than `limit` of ours
    however late the event loop sends them. Waiters are served first come, first served (an asyncio lock is fair),
    and each server's queue waits with one request at a time: servers take turns. A global 429 (someone else
    spending the same token: another process, a cog) stops every slot until its `retry_after` (`observe_global`,
    fed by `trace_config`'s hook).
    """

    def __init__(self, clock: Clock, limit: int = GLOBAL_LIMIT - GLOBAL_HEADROOM, window: timedelta = GLOBAL_WINDOW):
        self.clock = clock
        self.limit = limit
        self.window = window
        self._in_flight = 0
        self._cooling: deque[datetime] = deque()        # when each finished request's slot comes back, in order
        self._paused_until: datetime | None = None
        self._turn = asyncio.Lock()
        self._finished = asyncio.Event()

    def _free(self, now: datetime) -> int:
        while self._cooling and self._cooling[0] <= now:
            self._cooling.popleft()
        return self.limit - self._in_flight - len(self._cooling)

    @contextlib.asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold one of the window's requests for the duration of the block (one request to Discord)."""
        async with self._turn:
            while True:
                now = self.clock.now()
                if self._paused_until is not None and now < self._paused_until:
                    await self.clock.sleep_until(self._paused_until)
                elif self._free(now) > 0:
                    break
                elif self._cooling:
                    await self.clock.sleep_until(self._cooling[0])
                else:
                    self._finished.clear()
                    await self._finished.wait()
            self._in_flight += 1
        try:
            yield
        finally:
            self._in_flight -= 1
            self._cooling.append(self.clock.now() + self.window)
            self._finished.set()

    def observe_global(self, retry_after: float) -> None:
        """Discord answered a global 429: nothing goes until it has passed."""
        until = self.clock.now() + timedelta(seconds=retry_after)
        if self._paused_until is None or until > self._paused_until:
            self._paused_until = until

    def hook(self, trace: aiohttp.TraceConfig) -> aiohttp.TraceConfig:
        """Add the hook that feeds `observe_global` to discord.py's HTTP tracing; the same `trace`."""
        trace.on_request_end.append(self._on_request_end)
        return trace

    async def _on_request_end(
        self, session: aiohttp.ClientSession, context: SimpleNamespace, params: aiohttp.TraceRequestEndParams
    ) -> None:
        headers = params.response.headers
        if params.response.status != 429 or headers.get("X-RateLimit-Global", "").lower() != "true":
            return
        try:
            retry_after = float(headers.get("Retry-After", "1"))
        except ValueError:
            retry_after = 1.0
        log.warning("a global 429 from Discord: bot-route delivery waits %.1f s", retry_after)
        self.observe_global(retry_after)


# --------------------------------------------------------------------------- #
# Discord, as the delivery uses it
# --------------------------------------------------------------------------- #


class LiveMessenger(Protocol):
    """Discord as race day uses it (cogs/live.py). Each method raises `Undeliverable` when Discord refuses."""

    async def send(
        self, channel_id: int, embed: discord.Embed, *, content: str | None = None, mentions: discord.AllowedMentions = NO_PINGS
    ) -> int:
        """Send a message; its id."""

    async def edit(self, channel_id: int, message_id: int, embed: discord.Embed) -> None:
        """Replace the message's embed (no mentions)."""

    async def find(self, channel_id: int, marker: str) -> int | None:
        """The id of the bot's own recent message in the channel whose embed footer ends with `marker`."""

    async def open_thread(self, channel_id: int, name: str) -> int:
        """Start a public thread in a text channel; its id."""

    async def open_forum_post(self, forum_id: int, name: str, embed: discord.Embed) -> int:
        """Start a forum post whose first message is `embed`; the post's (thread's) id."""

    def can_manage_events(self, guild_id: int) -> bool:
        """Whether the bot holds Manage Events in the server."""

    async def create_event(self, guild_id: int, event: DiscordEvent) -> int:
        """Create a guild scheduled event; its id."""

    async def move_event(self, guild_id: int, event_id: int, event: DiscordEvent) -> None:
        """Give the scheduled event a new start and end."""

    async def delete_event(self, guild_id: int, event_id: int) -> None:
        """Delete the scheduled event (gone already counts as deleted)."""


class _Busy(Undeliverable):
    """Another holder (another process) is making this object now: look again later."""

    def __init__(self, key: LiveKey):
        super().__init__(f"another process is making the {key.kind} {key.item!r} of {key.race_key} in server {key.guild_id}")


class MessageGone(Undeliverable):
    """The message can no longer be edited (the webhook that sent it was deleted): send a new one instead."""


class _Later(Exception):
    """The channel's rate limit window is spent: try again at `when`."""

    def __init__(self, when: datetime):
        super().__init__(f"rate limited until {when.isoformat()}")
        self.when = when


_In = TypeVar("_In")
_Out = TypeVar("_Out")


class _Batched(Generic[_In, _Out]):
    """One call per item, one `run` per batch: the calls made while a batch is being run wait for the next one, so an
    event due at once in thousands of servers' queues costs a few transactions, not thousands."""

    def __init__(self, run: Callable[[list[_In]], Awaitable[list[_Out]]]):
        self._run = run
        self._waiting: list[tuple[_In, asyncio.Future[_Out]]] = []
        self._task: asyncio.Task[None] | None = None

    async def __call__(self, item: _In) -> _Out:
        answer: asyncio.Future[_Out] = asyncio.get_running_loop().create_future()
        self._waiting.append((item, answer))
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._drain(), name="live delivery ledger batch")
        return await answer

    async def _drain(self) -> None:
        while self._waiting:
            await asyncio.sleep(0)      # the queues ready in this turn of the event loop join the batch
            batch, self._waiting = self._waiting, []
            try:
                answers = await self._run([item for item, _ in batch])
            except Exception as error:
                for _, answer in batch:
                    if not answer.done():
                        answer.set_exception(error)
                continue
            for (_, answer), result in zip(batch, answers, strict=True):
                if not answer.done():
                    answer.set_result(result)

    async def close(self) -> None:
        """Wait for the batch being run (its callers may be gone; its transaction still ends)."""
        if self._task is not None:
            await self._task


# --------------------------------------------------------------------------- #
# Each server's queue
# --------------------------------------------------------------------------- #


@dataclass
class _Board:
    race: ScheduledRace
    embed: discord.Embed
    at: datetime                # the feed moment it shows
    server: ServerLiveSettings


@dataclass
class _Event:
    race: ScheduledRace
    key: str
    embed: discord.Embed
    server: ServerLiveSettings


@dataclass
class _Reminder:
    race: ScheduledRace
    server: ServerLiveSettings


@dataclass
class _Kept:
    """A message of the race that is kept up to date (the pre-race embed): sent once, edited when it changes."""

    race: ScheduledRace
    item: str
    embed: discord.Embed
    server: ServerLiveSettings


_Item = _Board | _Event | _Reminder | _Kept


@dataclass(order=True)
class _Held:
    due: datetime
    order: int
    item: _Item = field(compare=False)


class _ServerQueue:
    """One server's delayed queue and sender: items wait until they are due, then go out as the pacer allows."""

    def __init__(self, delivery: LiveDelivery, guild_id: int):
        self.delivery = delivery
        self.guild_id = guild_id
        self._held: list[_Held] = []
        self._events: deque[_Event | _Kept] = deque()
        self._boards: dict[str, _Board] = {}            # race key -> the latest due board not sent yet
        self._sent: dict[str, datetime] = {}             # race key -> the feed moment of the board last sent
        self._reminders: deque[_Reminder] = deque()
        self._wake = asyncio.Event()
        self._nap: tuple[datetime | None, asyncio.Future[object]] | None = None
        self._task = asyncio.create_task(self._run(), name=f"live delivery for server {guild_id}")

    def hold(self, due: datetime, item: _Item) -> None:
        heapq.heappush(self._held, _Held(due, next(self.delivery._order), item))
        self._wake.set()

    def drop_reminders(self, race_key: str) -> None:
        self._held = [held for held in self._held if not (isinstance(held.item, _Reminder) and held.item.race.key == race_key)]
        heapq.heapify(self._held)

    def drop_race(self, race_key: str) -> None:
        self._held = [held for held in self._held if held.item.race.key != race_key]
        heapq.heapify(self._held)
        self._events = deque(event for event in self._events if event.race.key != race_key)
        self._boards.pop(race_key, None)
        self._sent.pop(race_key, None)

    @property
    def stalled(self) -> bool:
        """Nothing can happen here until the clock moves on or something new is held."""
        if self._nap is None or self._wake.is_set() or self._nap[1].done():
            return False
        until = self._nap[0]
        return until is None or self.delivery.clock.now() < until

    async def close(self) -> None:
        self._task.cancel()
        try:
            await self._task
        except asyncio.CancelledError:
            if not self._task.cancelled():  # our own caller is being cancelled, not just the queue
                raise

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            now = self.delivery.clock.now()
            self._release(now)
            job = self._next_job()
            if job is None:
                await self._sleep(self._held[0].due if self._held else None)
                continue
            destination, item = job
            ready_at = self.delivery.pacer.ready_at(destination)
            if ready_at is not None:
                self._put_back(item)
                await self._sleep(min([ready_at, *([self._held[0].due] if self._held else [])]))
                continue
            await self._deliver(item)

    def _release(self, now: datetime) -> None:
        """Move what is due out of the delay queue; a newer board replaces a waiting one."""
        while self._held and self._held[0].due <= now:
            item = heapq.heappop(self._held).item
            if isinstance(item, _Board):
                self._keep_latest(item)
            elif isinstance(item, _Event | _Kept):
                self._events.append(item)
            else:
                self._reminders.append(item)

    def _next_job(self) -> tuple[int, _Item] | None:
        """The next item to send and the channel it goes to: reminders, then events in order, then boards."""
        item: _Item
        if self._reminders:
            item = self._reminders.popleft()
            channel_id = item.server.channel_id
        elif self._events:
            item = self._events.popleft()
            channel_id = self.delivery._known_destination(item.race, item.server)
        elif self._boards:
            item = self._boards.pop(next(iter(self._boards)))
            channel_id = self.delivery._known_destination(item.race, item.server)
        else:
            return None
        # A race thread not made yet is made by the delivery itself; its parent's bucket paces that first step.
        return (channel_id or item.server.channel_id or 0), item

    def _put_back(self, item: _Item) -> None:
        if isinstance(item, _Reminder):
            self._reminders.appendleft(item)
        elif isinstance(item, _Event | _Kept):
            self._events.appendleft(item)
        else:
            self._keep_latest(item)

    def _keep_latest(self, board: _Board) -> None:
        """Boards coalesce: of a race's boards waiting to be sent, only the one of the latest feed moment stays, and
        one older than the board already shown (a retried one) never goes out."""
        waiting = self._boards.get(board.race.key)
        sent = self._sent.get(board.race.key)
        if (waiting is None or waiting.at <= board.at) and (sent is None or sent < board.at):
            self._boards[board.race.key] = board

    async def _deliver(self, item: _Item) -> None:
        try:
            if isinstance(item, _Reminder):
                await self.delivery._send_reminder(item)
            elif isinstance(item, _Event):
                await self.delivery._send_event(item)
            elif isinstance(item, _Kept):
                await self.delivery._send_kept(item)
            else:
                await self.delivery._send_board(item)
                self._sent[item.race.key] = item.at
        except _Busy:
            self.hold(self.delivery.clock.now() + BUSY_RETRY, item)
        except _Later as later:
            self.hold(later.when, item)
        except Undeliverable as problem:
            log.warning("live delivery to server %s failed: %s", self.guild_id, problem)
        except Exception:  # one bad item must not stop the server's queue
            log.exception("live delivery to server %s failed", self.guild_id)

    async def _sleep(self, until: datetime | None) -> None:
        """Until `until`, or until something new is held, whichever comes first."""
        waiters: list[asyncio.Future[object]] = [asyncio.ensure_future(self._wake.wait())]
        if until is not None:
            waiters.append(asyncio.ensure_future(self.delivery.clock.sleep_until(until)))
        either: asyncio.Future[object] = asyncio.ensure_future(asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED))
        self._nap = (until, either)
        self.delivery._changed()
        try:
            await either
        finally:
            for waiter in waiters:
                waiter.cancel()
            either.cancel()
            self._nap = None
            self.delivery._changed()


# --------------------------------------------------------------------------- #
# The delivery
# --------------------------------------------------------------------------- #


class LiveDelivery:
    """Race-day messages for every server (see the rules in the module docstring).

    Its claims in the ledger name it by a random token of its own; `lease` is how long a claim lasts unrenewed.
    Call `close()` when done: it stops every server's queue.
    """

    def __init__(
        self,
        store: Store,
        messenger: LiveMessenger,
        *,
        clock: Clock | None = None,
        pacer: MessagePacer | None = None,
        lease: timedelta = timedelta(seconds=CLAIM_LEASE_SECONDS),
    ):
        self.store = store
        self.messenger = messenger
        self.clock: Clock = clock or SystemClock()
        self.pacer = pacer or MessagePacer(self.clock)
        self.lease = lease
        self.holder = new_holder()
        self._order = itertools.count()
        self._queues: dict[int, _ServerQueue] = {}
        self._settings: dict[int, ServerLiveSettings] = {}
        self._boards: dict[str, deque[tuple[datetime, discord.Embed]]] = {}    # race key -> boards by feed moment
        self._races: dict[str, ScheduledRace] = {}                             # races with a board, by key
        self._board_messages: dict[tuple[str, int], tuple[int, int]] = {}      # (race, server) -> board channel, message
        self._destinations: dict[tuple[str, int], int] = {}                    # (race, server) -> channel or thread
        self._change = asyncio.Event()
        self._ledger_get = _Batched(self._get_batch)
        self._claim_first = _Batched(self._claim_batch)
        self._record = _Batched(self._record_batch)

    # -- what the lifecycle calls ------------------------------------------------------------

    def publish(
        self,
        race: ScheduledRace,
        board: discord.Embed | None,
        events: Sequence[tuple[str, discord.Embed]],
        at: datetime,
        servers: Sequence[ServerLiveSettings],
    ) -> None:
        """The race as the feed showed it at `at`: its board (None: unchanged) and new events (stable key, embed).
        Each server with live updates on gets them `at` + its delay; repeating an event already sent is harmless."""
        self._remember(servers)
        if board is not None:
            self._races[race.key] = race
            self._keep_board(race.key, at, board)
        for server in servers:
            if not (server.live_on and server.follows(race.series)):
                continue
            queue = self._queue(server.guild_id)
            due = at + server.delay
            for key, embed in events:
                queue.hold(due, _Event(race, key, embed, server))
            if board is not None:
                queue.hold(due, _Board(race, board, at, server))

    def keep(self, race: ScheduledRace, item: str, embed: discord.Embed, servers: Sequence[ServerLiveSettings]) -> None:
        """The race's `item` message (the pre-race embed) as it should read now, in each server's race channel: sent
        once, edited when its content changes, left alone when it does not (no TV delay: nothing in it spoils)."""
        self._remember(servers)
        now = self.clock.now()
        for server in servers:
            if server.follows(race.series) and (server.channel_id is not None or server.race_threads == "forum"):
                self._queue(server.guild_id).hold(now, _Kept(race, item, embed, server))

    def schedule_reminders(self, race: ScheduledRace, servers: Sequence[ServerLiveSettings]) -> None:
        """Hold each server's reminder of the race until green minus its minutes (replacing one held before: the start
        may have moved); a cancelled race has none."""
        self._remember(servers)
        for server in servers:
            if server.guild_id in self._queues:
                self._queues[server.guild_id].drop_reminders(race.key)
            if race.cancelled or server.reminder_minutes is None or server.channel_id is None or not server.follows(race.series):
                continue
            due = race.starts_at - timedelta(minutes=server.reminder_minutes)
            self._queue(server.guild_id).hold(due, _Reminder(race, server))

    async def sync_scheduled_events(self, races: Sequence[ScheduledRace], servers: Sequence[ServerLiveSettings]) -> list[str]:
        """Bring each server's Discord scheduled events in line with the races; what was done, one line per change."""
        done = []
        for server in servers:
            if not server.events_on:
                continue
            if not self.messenger.can_manage_events(server.guild_id):
                log.info("server %s wants scheduled events but the bot may not manage them", server.guild_id)
                continue
            for race in races:
                if server.follows(race.series):
                    try:
                        action = await self._sync_event(race, server.guild_id)
                    except Undeliverable as problem:   # busy elsewhere, or refused: the next sync tries again
                        log.warning("scheduled event of %s in server %s: %s", race.key, server.guild_id, problem)
                        continue
                    if action:
                        done.append(f"{action} {race.key} in {server.guild_id}")
        return done

    def finish(self, race_key: str) -> None:
        """The race is over for race day: forget its boards (so /live says no race is live) and whatever still waits."""
        self._boards.pop(race_key, None)
        self._races.pop(race_key, None)
        for queue in self._queues.values():
            queue.drop_race(race_key)

    async def race_channel(self, race: ScheduledRace, server: ServerLiveSettings) -> int:
        """Where the race's messages go in the server: its thread or forum post (made once), else the announcement
        channel. Pre-race content can go there too. `Undeliverable` when there is nowhere yet (no channel set, Discord
        refused, another process is making the thread): try again later."""
        known = self._known_destination(race, server)
        if known is not None:
            return known
        if server.race_threads == "channel":
            return self._announcement_channel(server)
        key = LiveKey(race.key, server.guild_id, "thread")
        parent = server.forum_channel_id if server.race_threads == "forum" else server.channel_id
        if parent is None:
            raise Undeliverable(f"server {server.guild_id} chose {server.race_threads} race threads but set no channel for them")
        made = await self._make_once(key, parent, lambda: self._open_thread(race, server.race_threads, parent))
        self._destinations[(race.key, server.guild_id)] = made.object_id
        return made.object_id

    def current_board(self, series: str | None, guild_id: int | None) -> ServerBoard | None:
        """The board of the series' live race (the latest started, any series when None) as the server sees it now,
        its TV delay applied; None when no race is live."""
        races = [race for key, race in self._races.items() if key in self._boards and (series is None or race.series == series)]
        if not races:
            return None
        race = max(races, key=lambda race: race.starts_at)
        settings = self._settings.get(guild_id) if guild_id is not None else None
        delay = settings.delay if settings is not None else timedelta(0)
        now = self.clock.now()
        shown = [embed for at, embed in self._boards[race.key] if at + delay <= now]
        if not shown:
            return None
        board_message = self._board_messages.get((race.key, guild_id)) if guild_id is not None else None
        return ServerBoard(race, shown[-1], board_message[0] if board_message else None)

    async def settled(self) -> None:
        """Wait until nothing more can happen without the clock moving on (for tests and an orderly shutdown).

        Queues found stalled are not looked at again until the end, where all are checked once more (one may have
        been woken meanwhile): with thousands of servers, each change costs a look at one queue, not at all of them."""
        while True:
            busy = deque(self._queues.values())
            while busy:
                if busy[0].stalled:
                    busy.popleft()
                    continue
                self._change.clear()
                await self._change.wait()
            if all(queue.stalled for queue in self._queues.values()):
                return

    async def close(self) -> None:
        queues, self._queues = list(self._queues.values()), {}
        for queue in queues:
            await queue.close()
        for batched in (self._ledger_get, self._claim_first, self._record):
            await batched.close()

    # -- bookkeeping -------------------------------------------------------------------------

    def _remember(self, servers: Sequence[ServerLiveSettings]) -> None:
        self._settings.update((server.guild_id, server) for server in servers)

    def _queue(self, guild_id: int) -> _ServerQueue:
        if guild_id not in self._queues:
            self._queues[guild_id] = _ServerQueue(self, guild_id)
        return self._queues[guild_id]

    def _changed(self) -> None:
        self._change.set()

    def _keep_board(self, race_key: str, at: datetime, board: discord.Embed) -> None:
        """Keep the boards some server may still be due to see; the newest every server already sees suffices."""
        boards = self._boards.setdefault(race_key, deque())
        boards.append((at, board))
        longest = max((server.delay for server in self._settings.values()), default=timedelta(0))
        now = self.clock.now()
        while len(boards) > 1 and boards[1][0] + longest <= now:
            boards.popleft()

    def _known_destination(self, race: ScheduledRace, server: ServerLiveSettings) -> int | None:
        if server.race_threads == "channel":
            return server.channel_id
        return self._destinations.get((race.key, server.guild_id))

    @staticmethod
    def _announcement_channel(server: ServerLiveSettings) -> int:
        if server.channel_id is None:
            raise Undeliverable(f"server {server.guild_id} has live updates on but no announcement channel")
        return server.channel_id

    # -- sending -----------------------------------------------------------------------------

    def _pace(self, channel_id: int) -> None:
        """Count a request to the channel, or `_Later` when its window is spent."""
        ready_at = self.pacer.ready_at(channel_id)
        if ready_at is not None:
            raise _Later(ready_at)
        self.pacer.take(channel_id)

    async def _paced_send(
        self, channel_id: int, embed: discord.Embed, content: str | None = None, mentions: discord.AllowedMentions = NO_PINGS
    ) -> int:
        self._pace(channel_id)
        return await self.messenger.send(channel_id, embed, content=content, mentions=mentions)

    async def _paced_edit(self, channel_id: int, message_id: int, embed: discord.Embed) -> None:
        self._pace(channel_id)
        await self.messenger.edit(channel_id, message_id, embed)

    async def _send_board(self, board: _Board) -> None:
        race, guild_id = board.race, board.server.guild_id
        embed = marked(board.embed, race.key, "board")
        known = self._board_messages.get((race.key, guild_id))
        if known is None:
            channel_id = await self.race_channel(race, board.server)
            made = await self._make_once(LiveKey(race.key, guild_id, "board"), channel_id,
                                         lambda: self._paced_send(channel_id, embed),
                                         find=lambda: self.messenger.find(channel_id, marker(race.key, "board")))
            known = self._board_messages[(race.key, guild_id)] = (made.channel_id or channel_id, made.object_id)
            if made.fresh:
                return
        try:        # made before (by an earlier run, or found unrecorded): bring it up to date
            await self._paced_edit(*known, embed)
        except MessageGone as gone:
            log.info("the board of %s in server %s is posted again: %s", race.key, guild_id, gone)
            await self._post_board_again(race, guild_id, known[0], embed)

    async def _post_board_again(self, race: ScheduledRace, guild_id: int, channel_id: int, embed: discord.Embed) -> None:
        """The board's message can no longer be edited: a new one replaces it, in the ledger too (under its claim)."""
        key = LiveKey(race.key, guild_id, "board")
        del self._board_messages[(race.key, guild_id)]
        now = self.clock.now()
        if await live_ledger.claim(self.store, key, channel_id, self.holder, now, now + self.lease) is None:
            raise _Busy(key)
        try:
            message_id = await self._paced_send(channel_id, embed)
            await live_ledger.record(self.store, LiveObject(key, channel_id, message_id))
        finally:
            await live_ledger.release_claim(self.store, key, self.holder)
        self._board_messages[(race.key, guild_id)] = (channel_id, message_id)

    async def _send_event(self, event: _Event) -> None:
        race, guild_id = event.race, event.server.guild_id
        channel_id = await self.race_channel(race, event.server)
        embed = marked(event.embed, race.key, event.key)
        await self._make_once(LiveKey(race.key, guild_id, "event", event.key), channel_id,
                              lambda: self._paced_send(channel_id, embed),
                              find=lambda: self.messenger.find(channel_id, marker(race.key, event.key)))

    async def _send_kept(self, kept: _Kept) -> None:
        """Send the message once (its ledger row holds its content hash), then edit it when the content changed."""
        race, guild_id = kept.race, kept.server.guild_id
        channel_id = await self.race_channel(race, kept.server)
        embed = marked(kept.embed, race.key, kept.item)
        digest = content_hash(embed.title or "", str(embed.to_dict()))
        key = LiveKey(race.key, guild_id, "event", kept.item)
        made = await self._make_once(key, channel_id, lambda: self._paced_send(channel_id, embed),
                                     find=lambda: self.messenger.find(channel_id, marker(race.key, kept.item)), state=digest)
        known = await live_ledger.get(self.store, key)
        if made.fresh or known is None or known.state == digest:
            return
        message_channel = made.channel_id or channel_id
        await self._paced_edit(message_channel, made.object_id, embed)
        await live_ledger.record(self.store, LiveObject(key, message_channel, made.object_id, digest))

    async def _send_reminder(self, reminder: _Reminder) -> None:
        race, server = reminder.race, reminder.server
        if self.clock.now() >= race.starts_at:
            log.info("reminder of %s in server %s skipped: the race has started", race.key, server.guild_id)
            return
        channel_id = self._announcement_channel(server)
        content, embed = reminder_message(race, server.reminder_role_id)
        mentions = discord.AllowedMentions(
            everyone=False, users=False, replied_user=False,
            roles=[discord.Object(server.reminder_role_id)] if server.reminder_role_id is not None else False,
        )
        await self._make_once(LiveKey(race.key, server.guild_id, "reminder", instant(race.starts_at)), channel_id,
                              lambda: self._paced_send(channel_id, embed, content, mentions),
                              find=lambda: self.messenger.find(channel_id, marker(race.key, "reminder")))

    async def _open_thread(self, race: ScheduledRace, mode: RaceThreads, parent: int) -> int:
        if mode == "forum":
            return await self.messenger.open_forum_post(parent, thread_name(race), race_header(race))
        return await self.messenger.open_thread(parent, thread_name(race))

    async def _sync_event(self, race: ScheduledRace, guild_id: int) -> str | None:
        key = LiveKey(race.key, guild_id, "scheduled_event")
        known = await live_ledger.get(self.store, key)
        start = instant(race.starts_at)
        if race.cancelled:
            return await self._change_event(race, key, "deleted") if known is not None and known.made else None
        if known is not None and known.made:
            return None if known.state == start else await self._change_event(race, key, "moved")
        if race.starts_at <= self.clock.now():
            return None
        made = await self._make_once(key, None, lambda: self.messenger.create_event(guild_id, discord_event(race)), state=start)
        return "created" if made.fresh else None

    async def _change_event(self, race: ScheduledRace, key: LiveKey, action: Literal["moved", "deleted"]) -> str | None:
        """Move or delete the race's scheduled event, under its ledger row's claim."""
        now = self.clock.now()
        if await live_ledger.claim(self.store, key, None, self.holder, now, now + self.lease) is None:
            raise _Busy(key)
        try:
            known = await live_ledger.get(self.store, key)   # as the previous holder left it
            if known is None or known.object_id is None:
                return None
            if action == "deleted":
                await self.messenger.delete_event(key.guild_id, known.object_id)
                await live_ledger.record(self.store, LiveObject(key, None, None, "deleted"))
            elif known.state != instant(race.starts_at):
                await self.messenger.move_event(key.guild_id, known.object_id, discord_event(race))
                await live_ledger.record(self.store, LiveObject(key, None, known.object_id, instant(race.starts_at)))
            else:
                return None
            return action
        finally:
            await live_ledger.release_claim(self.store, key, self.holder)

    # -- the ledger --------------------------------------------------------------------------

    async def _get_batch(self, keys: list[LiveKey]) -> list[LiveObject | None]:
        found = await live_ledger.get_many(self.store, keys)
        return [found.get(key) for key in keys]

    async def _claim_batch(self, keys: list[tuple[LiveKey, int | None]]) -> list[bool]:
        """Whether each object was claimed `first`; of one key asked twice in a batch, only the first ask is."""
        now = self.clock.now()
        claimed = await live_ledger.claim_new(self.store, keys, self.holder, now, now + self.lease)
        answers = []
        for key, _ in keys:
            answers.append(key in claimed)
            claimed.discard(key)
        return answers

    async def _record_batch(self, made: list[LiveObject]) -> list[None]:
        await live_ledger.record_many(self.store, made, self.holder)
        return [None] * len(made)

    async def _make_once(
        self,
        key: LiveKey,
        channel_id: int | None,
        make: Callable[[], Awaitable[int]],
        *,
        find: Callable[[], Awaitable[int | None]] | None = None,
        state: str = "",
    ) -> _Made:
        """Make the object unless the ledger says it was made: claim its row, look for an unrecorded earlier attempt
        (`find`, when the row was not new), make it, record it. Raises `_Busy` while another holder has the row.

        The common case, an object never tried before, is read, claimed and recorded in batches shared with every
        other server's queue (`_Batched`): one transaction per step for an event going to thousands of servers."""
        known = await self._ledger_get(key)
        if known is not None and known.object_id is not None:
            return _Made(known.channel_id, known.object_id, fresh=False)
        if known is None and await self._claim_first((key, channel_id)):   # never tried before: nothing to find
            try:
                object_id = await make()
            except BaseException:
                await live_ledger.release_claim(self.store, key, self.holder)
                raise
            await self._record(LiveObject(key, channel_id, object_id, state))
            return _Made(channel_id, object_id, fresh=True)
        now = self.clock.now()
        claim = await live_ledger.claim(self.store, key, channel_id, self.holder, now, now + self.lease)
        if claim is None:
            raise _Busy(key)
        try:
            known = await live_ledger.get(self.store, key)   # as the previous holder left it
            if known is not None and known.object_id is not None:
                return _Made(known.channel_id, known.object_id, fresh=False)
            found = None if claim.first or find is None else await find()
            if found is not None:
                await live_ledger.record(self.store, LiveObject(key, channel_id, found, state))
                return _Made(channel_id, found, fresh=False)
            if not await live_ledger.renew_claim(self.store, key, self.holder, self.clock.now() + self.lease):
                raise _Busy(key)
            object_id = await make()
            await live_ledger.record(self.store, LiveObject(key, channel_id, object_id, state))
            return _Made(channel_id, object_id, fresh=True)
        finally:
            await live_ledger.release_claim(self.store, key, self.holder)


class _Made(Record):
    channel_id: int | None
    object_id: int
    fresh: bool             # made just now (not found in the ledger or in the channel)


# --------------------------------------------------------------------------- #
# Webhooks: the route off the bot's global limit
# --------------------------------------------------------------------------- #


WEBHOOK_HISTORY = 50    # how far back in a channel an unrecorded race-day message is looked for
UNKNOWN_WEBHOOK = 10015  # Discord's error code: the webhook was deleted
NOT_THE_AUTHOR = 50005   # Discord's error code: "Cannot edit a message authored by another user"
WEBHOOK_REQUESTS_IN_FLIGHT = 50     # webhook requests under way at once: the process's connections stay bounded


class WebhookLiveMessenger:
    """The bot's `LiveMessenger`: race-day messages in text channels go through one webhook per channel where the bot
    holds Manage Webhooks there, through the bot itself (`fallback`) elsewhere; threads, forum posts and scheduled
    events always through the bot. Every request on the bot's route takes a slot of `bot_route`, the process's
    keeper of Discord's global limit.

    Why: every request with the bot's token counts against Discord's global limit of 50 per second, so one board
    edit for 5,000 servers takes 100 s through the bot; a webhook request is authenticated by the webhook's own token
    in its URL, counts only against that webhook's bucket, and so 5,000 servers are reached as fast as the process
    can send (bench/fanout.py measures both). The webhook is made once per channel, named after the bot with its
    avatar, and stored (db/live_ledger.py), and each message carries the bot's current name and avatar, so members
    still see Pitboard. A message is edited through the webhook that sent it; one the bot sent itself (before it
    had the webhook) through the bot.

    A webhook a server admin deleted answers "Unknown Webhook": it is forgotten and a new one made (or, without the
    permission, the bot's route taken) before the message goes, so the message is not lost and, having been
    claimed in the ledger, goes once. A message the deleted webhook sent can no longer be edited by anyone:
    `edit` says so with `MessageGone`.
    """

    def __init__(self, client: discord.Client, fallback: LiveMessenger, store: Store, bot_route: GlobalPacer):
        self.client = client
        self.fallback = fallback
        self.store = store
        self.bot_route = bot_route
        self._stored: dict[int, live_ledger.StoredWebhook] | None = None    # loaded on first use
        self._loading = asyncio.Lock()
        self._webhooks: dict[int, discord.Webhook] = {}
        self._making: dict[int, asyncio.Lock] = {}
        self._in_flight = asyncio.Semaphore(WEBHOOK_REQUESTS_IN_FLIGHT)     # off the global limit, but not unbounded

    async def webhook(self, channel_id: int) -> discord.Webhook | None:
        """The bot's webhook of a text channel (made on first use); None where there is none to be had: not a text
        channel (a thread), no Manage Webhooks there, or Discord refused one."""
        if channel_id in self._webhooks:
            return self._webhooks[channel_id]
        channel = self.client.get_channel(channel_id)
        if not isinstance(channel, discord.TextChannel):
            return None
        async with self._making.setdefault(channel_id, asyncio.Lock()):
            if channel_id not in self._webhooks:
                stored = (await self._stored_webhooks()).get(channel_id)
                if stored is not None:
                    self._webhooks[channel_id] = discord.Webhook.partial(stored.webhook_id, stored.token, client=self.client)
                elif channel.permissions_for(channel.guild.me).manage_webhooks:
                    made = await self._make_webhook(channel)
                    if made is not None:
                        self._webhooks[channel_id] = made
        return self._webhooks.get(channel_id)

    async def _stored_webhooks(self) -> dict[int, live_ledger.StoredWebhook]:
        """The stored webhooks, read once (every server's first message asks at the same moment)."""
        async with self._loading:
            if self._stored is None:
                self._stored = await live_ledger.webhooks(self.store)
        return self._stored

    async def _make_webhook(self, channel: discord.TextChannel) -> discord.Webhook | None:
        """One of the bot's webhooks of the channel (an earlier one if Discord still has it), stored; None when
        Discord refuses."""
        me = self.client.user
        assert me is not None
        try:
            async with self.bot_route.slot():
                existing = await channel.webhooks()
            ours = [hook for hook in existing if hook.user is not None and hook.user.id == me.id and hook.token]
            if ours:
                made = ours[0]
            else:
                avatar = await me.avatar.read() if me.avatar is not None else None
                async with self.bot_route.slot():
                    made = await channel.create_webhook(name=me.name, avatar=avatar, reason="Pitboard's race-day messages")
        except discord.HTTPException as error:
            log.warning("no webhook in channel %s, the bot's route instead: %s", channel.id, error)
            return None
        assert made.token is not None
        stored = live_ledger.StoredWebhook(channel.id, made.id, made.token)
        await live_ledger.remember_webhook(self.store, stored)
        if self._stored is not None:
            self._stored[channel.id] = stored
        return made

    async def _forget(self, channel_id: int, hook: discord.Webhook) -> None:
        log.info("the webhook of channel %s was deleted: forgotten", channel_id)
        if self._webhooks.get(channel_id) is hook:
            del self._webhooks[channel_id]
        if self._stored is not None and channel_id in self._stored and self._stored[channel_id].webhook_id == hook.id:
            del self._stored[channel_id]
        await live_ledger.forget_webhook(self.store, channel_id, hook.id)

    async def send(
        self, channel_id: int, embed: discord.Embed, *, content: str | None = None, mentions: discord.AllowedMentions = NO_PINGS
    ) -> int:
        me = self.client.user
        assert me is not None
        for _ in range(2):      # a webhook deleted meanwhile: once more with a new one
            hook = await self.webhook(channel_id)
            if hook is None:
                break
            try:
                async with self._in_flight:
                    message = await hook.send(content or discord.utils.MISSING, embed=embed, allowed_mentions=mentions,
                                              wait=True, username=me.display_name, avatar_url=me.display_avatar.url)
            except discord.NotFound as error:
                if error.code != UNKNOWN_WEBHOOK:
                    raise Undeliverable(f"Discord refused the webhook message in channel {channel_id}: {error}") from error
                await self._forget(channel_id, hook)
                continue
            except discord.HTTPException as error:
                raise Undeliverable(f"Discord refused the webhook message in channel {channel_id}: {error}") from error
            return message.id
        async with self.bot_route.slot():
            return await self.fallback.send(channel_id, embed, content=content, mentions=mentions)

    async def edit(self, channel_id: int, message_id: int, embed: discord.Embed) -> None:
        hook = await self.webhook(channel_id)
        if hook is not None:
            try:
                async with self._in_flight:
                    await hook.edit_message(message_id, embed=embed, allowed_mentions=NO_PINGS)
                return
            except discord.NotFound as error:
                if error.code == UNKNOWN_WEBHOOK:
                    await self._forget(channel_id, hook)
                    raise MessageGone(f"message {message_id} was sent by a webhook since deleted") from error
                # otherwise not the webhook's message: one the bot sent itself before it had the webhook, or one an
                # earlier (deleted) webhook sent, which the bot may not edit either (NOT_THE_AUTHOR below)
            except discord.HTTPException as error:
                raise Undeliverable(f"Discord refused to edit webhook message {message_id}: {error}") from error
        try:
            async with self.bot_route.slot():
                await self.fallback.edit(channel_id, message_id, embed)
        except Undeliverable as error:
            if isinstance(error.__cause__, discord.Forbidden) and error.__cause__.code == NOT_THE_AUTHOR:
                raise MessageGone(f"message {message_id} was sent by a webhook the bot no longer has") from error
            raise

    async def find(self, channel_id: int, marker: str) -> int | None:
        hook = await self.webhook(channel_id)
        if hook is None or self.client.user is None:
            async with self.bot_route.slot():
                return await self.fallback.find(channel_id, marker)
        authors = {self.client.user.id, hook.id}
        try:
            async with self.bot_route.slot():
                history = [message async for message in
                           self.client.get_partial_messageable(channel_id).history(limit=WEBHOOK_HISTORY)]
        except discord.HTTPException as error:
            raise Undeliverable(f"could not read channel {channel_id}'s recent messages: {error}") from error
        for message in history:
            footers = (embed.footer.text or "" for embed in message.embeds)
            if message.author.id in authors and any(footer.endswith(marker) for footer in footers):
                return message.id
        return None

    async def open_thread(self, channel_id: int, name: str) -> int:
        async with self.bot_route.slot():
            return await self.fallback.open_thread(channel_id, name)

    async def open_forum_post(self, forum_id: int, name: str, embed: discord.Embed) -> int:
        async with self.bot_route.slot():
            return await self.fallback.open_forum_post(forum_id, name, embed)

    def can_manage_events(self, guild_id: int) -> bool:
        return self.fallback.can_manage_events(guild_id)

    async def create_event(self, guild_id: int, event: DiscordEvent) -> int:
        async with self.bot_route.slot():
            return await self.fallback.create_event(guild_id, event)

    async def move_event(self, guild_id: int, event_id: int, event: DiscordEvent) -> None:
        async with self.bot_route.slot(), self.bot_route.slot():     # two requests: the event is read, then edited
            await self.fallback.move_event(guild_id, event_id, event)

    async def delete_event(self, guild_id: int, event_id: int) -> None:
        async with self.bot_route.slot():
            await self.fallback.delete_event(guild_id, event_id)
