"""Per-server settings (/config): announcement channel, default series, subreddits per series."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from weakref import WeakKeyDictionary

from db.errors import BadOption
from db.store import Snapshot, Store

SUBREDDIT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_]{1,20}")
MAX_SUBREDDITS_PER_SERIES = 5


@dataclass(frozen=True)
class GuildSettings:
    guild_id: int
    announce_channel_id: int | None = None
    default_series: str | None = None
    subreddits: dict[str, list[str]] = field(default_factory=dict)   # series → subreddits


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
    return _caches.setdefault(store, _SettingsCache())


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


def _read_settings(snapshot: Snapshot, guild_id: int) -> GuildSettings:
    row = snapshot.fetchone("SELECT announce_channel_id, default_series FROM guild_settings WHERE guild_id = ?", (guild_id,))
    subreddits: dict[str, list[str]] = {}
    for series, subreddit in snapshot.fetchall(
        "SELECT series, subreddit FROM guild_subreddits WHERE guild_id = ? ORDER BY series, subreddit COLLATE NOCASE", (guild_id,)
    ):
        subreddits.setdefault(series, []).append(subreddit)
    if row is None:
        return GuildSettings(guild_id, subreddits=subreddits)
    return GuildSettings(guild_id, row["announce_channel_id"], row["default_series"], subreddits)


async def _upsert(store: Store, guild_id: int, column: str, value) -> None:
    async with store.transaction() as conn:
        await conn.execute(
            f"INSERT INTO guild_settings (guild_id, {column}, updated_at) VALUES (?, ?, ?) "
            f"ON CONFLICT (guild_id) DO UPDATE SET {column} = excluded.{column}, updated_at = excluded.updated_at",
            (guild_id, value, datetime.now(UTC).isoformat()),
        )
    _cache(store).forget(guild_id)


async def set_announce_channel(store: Store, guild_id: int, channel_id: int | None) -> None:
    await _upsert(store, guild_id, "announce_channel_id", channel_id)


async def set_default_series(store: Store, guild_id: int, series: str | None) -> None:
    await _upsert(store, guild_id, "default_series", series)


async def add_subreddit(store: Store, guild_id: int, series: str, subreddit: str) -> bool:
    """True if added, False if it was already there."""
    name = clean_subreddit(subreddit)
    async with store.transaction() as conn:
        async with conn.execute(
            "SELECT count(*) FROM guild_subreddits WHERE guild_id = ? AND series = ?", (guild_id, series)
        ) as cursor:
            (count,) = await cursor.fetchone()
        if count >= MAX_SUBREDDITS_PER_SERIES:
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
            "DELETE FROM guild_subreddits WHERE guild_id = ? AND series = ? AND subreddit = ? COLLATE NOCASE", (guild_id, series, name)
        )
    _cache(store).forget(guild_id)
    return cursor.rowcount == 1


async def subreddits_for(store: Store, series: str) -> list[str]:
    """Every subreddit some server wants this series' threads in (each once, case-insensitively)."""
    rows = await store.fetchall(
        "SELECT min(subreddit) FROM guild_subreddits WHERE series = ? GROUP BY lower(subreddit) ORDER BY lower(subreddit)", (series,)
    )
    return [row[0] for row in rows]


@dataclass(frozen=True)
class AnnounceChannel:
    guild_id: int
    channel_id: int
    default_series: str | None


async def announce_channels(store: Store) -> list[AnnounceChannel]:
    """Every server with an announcement channel, with its default series."""
    rows = await store.fetchall(
        "SELECT guild_id, announce_channel_id, default_series FROM guild_settings WHERE announce_channel_id IS NOT NULL "
        "ORDER BY guild_id"
    )
    return [AnnounceChannel(row[0], row[1], row[2]) for row in rows]
