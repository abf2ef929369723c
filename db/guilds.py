"""Per-server settings (/config): announcement channel, default series, subreddits per series, and race day
(live updates, TV delay, reminder and its role, Discord scheduled events, where a race's messages go)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any, Literal, get_args
from weakref import WeakKeyDictionary

from db.errors import BadOption
from db.records import Record, field
from db.store import Snapshot, Store

SUBREDDIT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_]{1,20}")
MAX_SUBREDDITS_PER_SERIES = 5
MAX_TV_DELAY_SECONDS = 600
MAX_REMINDER_MINUTES = 24 * 60
RaceThreads = Literal["channel", "thread", "forum"]   # the announcement channel, a thread in it per race, a forum post per race
RACE_THREAD_MODES: tuple[RaceThreads, ...] = get_args(RaceThreads)


class GuildSettings(Record):
    guild_id: int
    announce_channel_id: int | None = None
    default_series: str | None = None
    subreddits: dict[str, list[str]] = field(default_factory=dict)   # series → subreddits
    live_updates: bool = False                  # live board and race events while a race runs
    tv_delay_seconds: int = 0                   # every live message held back this long (0..600)
    reminder_minutes: int | None = None         # a reminder this long before the green flag; None: no reminder
    reminder_role_id: int | None = None         # the one role the reminder mentions; None: it mentions nobody
    scheduled_events: bool = False              # a Discord scheduled event per upcoming race of the server's series
    race_threads: RaceThreads = "channel"
    forum_channel_id: int | None = None         # set exactly when race_threads is "forum"


def clean_subreddit(text: str) -> str:
    """`r/NASCAR`, `/r/NASCAR` or `NASCAR` (spaces around it allowed) → `NASCAR`; anything else,
    a line break included, is a clear error."""
    name = text.strip(" ")
    for prefix in ("https://www.reddit.com/r/", "https://reddit.com/r/", "/r/", "r/"):
        if name.lower().startswith(prefix):
            name = name[len(prefix):]
    name = name.strip("/")
    if not SUBREDDIT_NAME.fullmatch(name):
        raise BadOption("A subreddit name is 2–21 letters, digits or underscores, like `NASCAR` (no spaces).")
    return name


class _SettingsCache:
    """One store's settings by server. Every command reads them (the default series), /config rarely writes them.

    The setters below are the only writers of these tables (the bot's /config; `db build` carries them over
    unchanged), so they invalidate after committing. A read that was under way while a setter committed may
    hold the old settings: `generation` tells it not to cache them.
    """

    def __init__(self):
        self.by_guild: dict[int, GuildSettings] = {}
        self.generation = 0

    def forget(self, guild_id: int) -> None:
        self.by_guild.pop(guild_id, None)
        self.generation += 1


_caches: WeakKeyDictionary[Store, _SettingsCache] = WeakKeyDictionary()


def _cache(store: Store) -> _SettingsCache:
    cache = _caches.get(store)   # every command comes here: no throwaway `_SettingsCache` as `setdefault` would build
    if cache is None:
        cache = _caches[store] = _SettingsCache()
    return cache


async def get(store: Store, guild_id: int) -> GuildSettings:
    """A server's settings, from memory after the first read (refreshed whenever /config changes them)."""
    cache = _cache(store)
    cached = cache.by_guild.get(guild_id)
    if cached is not None:
        return cached
    generation = cache.generation
    settings = await store.read(_read_settings, guild_id)
    if cache.generation == generation:
        cache.by_guild[guild_id] = settings
    return settings


SETTINGS_COLUMNS = (
    "guild_id, announce_channel_id, default_series, live_updates, tv_delay_seconds, reminder_minutes, reminder_role_id, "
    "scheduled_events, race_threads, forum_channel_id"
)


def _settings(row: Any, subreddits: dict[str, list[str]]) -> GuildSettings:
    """GuildSettings from a row of SETTINGS_COLUMNS."""
    return GuildSettings(
        guild_id=row["guild_id"], announce_channel_id=row["announce_channel_id"], default_series=row["default_series"],
        subreddits=subreddits, live_updates=bool(row["live_updates"]), tv_delay_seconds=row["tv_delay_seconds"],
        reminder_minutes=row["reminder_minutes"], reminder_role_id=row["reminder_role_id"],
        scheduled_events=bool(row["scheduled_events"]), race_threads=row["race_threads"],
        forum_channel_id=row["forum_channel_id"],
    )


def _read_settings(snapshot: Snapshot, guild_id: int) -> GuildSettings:
    row = snapshot.fetchone(f"SELECT {SETTINGS_COLUMNS} FROM guild_settings WHERE guild_id = ?", (guild_id,))
    subreddits: dict[str, list[str]] = {}
    for series, subreddit in snapshot.fetchall(
        "SELECT series, subreddit FROM guild_subreddits WHERE guild_id = ? ORDER BY series, subreddit COLLATE NOCASE", (guild_id,)
    ):
        subreddits.setdefault(series, []).append(subreddit)
    if row is None:
        return GuildSettings(guild_id, subreddits=subreddits)
    return _settings(row, subreddits)


async def _upsert(store: Store, guild_id: int, **values: int | str | None) -> None:
    """Write some settings columns (our own names, never user input) of one server in one transaction."""
    columns = ", ".join(values)
    marks = ", ".join("?" for _ in values)
    updates = ", ".join(f"{column} = excluded.{column}" for column in values)
    async with store.transaction() as conn:
        await conn.execute(
            f"INSERT INTO guild_settings (guild_id, {columns}, updated_at) VALUES (?, {marks}, ?) "
            f"ON CONFLICT (guild_id) DO UPDATE SET {updates}, updated_at = excluded.updated_at",
            (guild_id, *values.values(), datetime.now(UTC).isoformat()),
        )
    _cache(store).forget(guild_id)


async def set_announce_channel(store: Store, guild_id: int, channel_id: int | None) -> None:
    await _upsert(store, guild_id, announce_channel_id=channel_id)


async def set_default_series(store: Store, guild_id: int, series: str | None) -> None:
    await _upsert(store, guild_id, default_series=series)


async def set_live_updates(store: Store, guild_id: int, on: bool) -> None:
    await _upsert(store, guild_id, live_updates=int(on))


def check_tv_delay(seconds: int) -> int:
    if not 0 <= seconds <= MAX_TV_DELAY_SECONDS:
        raise BadOption(f"The TV delay is 0 to {MAX_TV_DELAY_SECONDS} seconds.")
    return seconds


async def set_tv_delay(store: Store, guild_id: int, seconds: int) -> None:
    await _upsert(store, guild_id, tv_delay_seconds=check_tv_delay(seconds))


def reminder_minutes(text: str) -> int | None:
    """`/config reminder` input: whole minutes before the green flag (1..1440), or `off` → None."""
    word = text.strip().casefold()
    if word in ("off", "none", "no"):
        return None
    if not word.isascii() or not word.isdigit() or not 1 <= int(word) <= MAX_REMINDER_MINUTES:
        raise BadOption(f"A reminder is 1 to {MAX_REMINDER_MINUTES} minutes before the green flag (e.g. `30`), or `off`.")
    return int(word)


async def set_reminder(store: Store, guild_id: int, minutes: int | None, role_id: int | None) -> None:
    """A reminder `minutes` before green mentioning `role_id` (None: nobody); minutes None turns it off, role too."""
    if minutes is not None and not 1 <= minutes <= MAX_REMINDER_MINUTES:
        raise BadOption(f"A reminder is 1 to {MAX_REMINDER_MINUTES} minutes before the green flag.")
    await _upsert(store, guild_id, reminder_minutes=minutes, reminder_role_id=role_id if minutes is not None else None)


async def set_scheduled_events(store: Store, guild_id: int, on: bool) -> None:
    await _upsert(store, guild_id, scheduled_events=int(on))


async def set_race_threads(store: Store, guild_id: int, mode: RaceThreads, forum_channel_id: int | None = None) -> None:
    """Where a race's messages go; a forum post per race needs the forum, the other modes take none."""
    if mode not in RACE_THREAD_MODES:
        raise BadOption(f"Race threads are one of {', '.join(RACE_THREAD_MODES)}.")
    if (mode == "forum") != (forum_channel_id is not None):
        raise BadOption("Choose a forum channel with `forum`, and only with `forum`.")
    await _upsert(store, guild_id, race_threads=mode, forum_channel_id=forum_channel_id)


async def add_subreddit(store: Store, guild_id: int, series: str, subreddit: str) -> bool:
    """True if added, False if it was already there."""
    name = clean_subreddit(subreddit)
    async with store.transaction() as conn:
        async with conn.execute(
            "SELECT count(*) FROM guild_subreddits WHERE guild_id = ? AND series = ?", (guild_id, series)
        ) as cursor:
            counted = await cursor.fetchone()
        if counted is not None and counted[0] >= MAX_SUBREDDITS_PER_SERIES:
            raise BadOption(f"A server can post each series to at most {MAX_SUBREDDITS_PER_SERIES} subreddits.")
        cursor = await conn.execute(
            "INSERT OR IGNORE INTO guild_subreddits (guild_id, series, subreddit) VALUES (?, ?, ?)", (guild_id, series, name)
        )
    _cache(store).forget(guild_id)
    return cursor.rowcount == 1


async def remove_subreddit(store: Store, guild_id: int, series: str, subreddit: str) -> bool:
    name = clean_subreddit(subreddit)
    async with store.transaction() as conn:
        cursor = await conn.execute(
            "DELETE FROM guild_subreddits WHERE guild_id = ? AND series = ? AND subreddit = ? COLLATE NOCASE",
            (guild_id, series, name),
        )
    _cache(store).forget(guild_id)
    return cursor.rowcount == 1


async def subreddits_for(store: Store, series: str) -> list[str]:
    """Every subreddit some server wants this series' threads in (each once, case-insensitively)."""
    rows = await store.fetchall(
        "SELECT min(subreddit) FROM guild_subreddits WHERE series = ? GROUP BY lower(subreddit) ORDER BY lower(subreddit)",
        (series,),
    )
    return [row[0] for row in rows]


class AnnounceChannel(Record):
    guild_id: int
    channel_id: int
    default_series: str | None


async def race_day_servers(store: Store) -> list[GuildSettings]:
    """Every server that wants something on race day (live updates, a reminder or scheduled events), by server id.

    Subreddits are not read here (race day on Discord does not need them): `subreddits` is empty.
    """
    rows = await store.fetchall(
        f"SELECT {SETTINGS_COLUMNS} FROM guild_settings "
        "WHERE live_updates = 1 OR reminder_minutes IS NOT NULL OR scheduled_events = 1 ORDER BY guild_id"
    )
    return [_settings(row, {}) for row in rows]


async def announce_channels(store: Store) -> list[AnnounceChannel]:
    """Every server with an announcement channel, with its default series."""
    rows = await store.fetchall(
        "SELECT guild_id, announce_channel_id, default_series FROM guild_settings WHERE announce_channel_id IS NOT NULL "
        "ORDER BY guild_id"
    )
    return [AnnounceChannel(row[0], row[1], row[2]) for row in rows]
