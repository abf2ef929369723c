"""Typed settings, read once from the environment and an optional `.env` file.

Secrets (tokens, passwords) are held as `Secret` so they never show up in a repr or a log line.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from db.records import Record, field
from db.snapshot import default_db_path

# The fields a Reddit thread title may use (bot/render/recap.py `title` fills them).
TITLE_FIELDS = ("race", "track", "race_at_track", "series", "series_name", "season", "round", "winner", "date")


class SettingsError(Exception):
    """A setting is missing or malformed; the message names it."""


class Secret:
    """A string that prints as `***`. Call `.reveal()` where the real value is needed."""

    __slots__ = ("_value",)

    def __init__(self, value: str):
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __repr__(self) -> str:
        return "Secret('***')" if self._value else "Secret('')"

    __str__ = __repr__


DEFAULT_FEED_URL = "https://cf.nascar.com/cacher"
DEFAULT_JOLPICA_URL = "https://api.jolpi.ca/ergast/f1"   # F1 results after the bundled data's end
DEFAULT_USER_AGENT = "python:pitboard:0.1 (race-results bot; https://github.com/pitboard)"


def _no_secret() -> Secret:
    return Secret("")


class RedditSettings(Record):
    """Reddit's credentials and where to post."""

    client_id: str = ""
    client_secret: Secret = field(default_factory=_no_secret)
    username: str = ""
    password: Secret = field(default_factory=_no_secret)
    user_agent: str = DEFAULT_USER_AGENT
    title_template: str = "Post-Race Thread: {race_at_track} ({series})"

    @property
    def configured(self) -> bool:
        return bool(self.client_id and self.client_secret and self.username and self.password)

    def missing(self) -> list[str]:
        names = {
            "REDDIT_CLIENT_ID": self.client_id, "REDDIT_CLIENT_SECRET": self.client_secret,
            "REDDIT_USERNAME": self.username, "REDDIT_PASSWORD": self.password,
        }
        return [name for name, value in names.items() if not value]


MIN_LIVE_POLL_SECONDS = 2            # NASCAR's feed is undocumented and unlicensed: keep the request volume low
MIN_LIVE_THREAD_EDIT_SECONDS = 60    # Reddit: edit a live thread at most once a minute


class RaceDaySettings(Record):
    """The race weekend: when the pre-race content goes out, how often the live feed is polled, the live Reddit thread."""

    live_poll_seconds: int = 5
    pre_race_hours: int = 24                 # the pre-race post and embed, this long before the green flag
    live_reddit_thread: bool = False         # a live race thread on each configured subreddit, its body the live board
    live_thread_edit_seconds: int = MIN_LIVE_THREAD_EDIT_SECONDS


class Settings(Record):
    """Everything Pitboard reads from the environment."""

    db_path: Path
    log_level: str = "INFO"
    discord_token: Secret = field(default_factory=_no_secret)
    discord_dev_guild: int | None = None
    reddit: RedditSettings = field(default_factory=RedditSettings)
    feed_url: str = DEFAULT_FEED_URL
    feed_poll_seconds: int = 300
    watch: bool = True
    watch_f1: bool = True                   # with `watch`: poll Jolpica for F1 results after the bundled data
    jolpica_url: str = DEFAULT_JOLPICA_URL
    race_day: RaceDaySettings = field(default_factory=RaceDaySettings)

    @classmethod
    def load(
        cls, env_file: Path | None = Path(".env"), environ: Mapping[str, str] | None = None, db_path: Path | None = None
    ) -> Settings:
        """Environment variables win over `.env`; `.env` is optional. A `db_path` given (`--db`) wins over both, and
        spares finding the per-user default (platformdirs costs a console command ~20 ms)."""
        values: dict[str, str] = {}
        if env_file is not None and env_file.is_file():
            from dotenv import dotenv_values  # only when there is a .env to read: it costs every command ~10 ms

            values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
        values.update(os.environ if environ is None else environ)
        reader = _Reader(values)
        db = reader.text("PITBOARD_DB")
        return cls(
            db_path=db_path or (Path(db).expanduser() if db else default_db_path()),
            log_level=reader.choice("PITBOARD_LOG_LEVEL", ("DEBUG", "INFO", "WARNING", "ERROR"), "INFO"),
            discord_token=Secret(reader.text("DISCORD_TOKEN")),
            discord_dev_guild=reader.integer("DISCORD_DEV_GUILD"),
            reddit=RedditSettings(
                client_id=reader.text("REDDIT_CLIENT_ID"),
                client_secret=Secret(reader.text("REDDIT_CLIENT_SECRET")),
                username=reader.text("REDDIT_USERNAME"),
                password=Secret(reader.text("REDDIT_PASSWORD")),
                user_agent=reader.text("REDDIT_USER_AGENT") or DEFAULT_USER_AGENT,
                title_template=reader.template("REDDIT_TITLE_TEMPLATE", RedditSettings.title_template, TITLE_FIELDS),
            ),
            feed_url=(reader.text("PITBOARD_FEED_URL") or DEFAULT_FEED_URL).rstrip("/"),
            feed_poll_seconds=reader.bounded("PITBOARD_FEED_POLL_SECONDS", 300, 1, 24 * 3600),
            watch=reader.flag("PITBOARD_WATCH", True),
            watch_f1=reader.flag("PITBOARD_WATCH_F1", True),
            jolpica_url=(reader.text("PITBOARD_JOLPICA_URL") or DEFAULT_JOLPICA_URL).rstrip("/"),
            race_day=_race_day(reader),
        )


def _race_day(reader: _Reader) -> RaceDaySettings:
    defaults = RaceDaySettings()
    return RaceDaySettings(
        live_poll_seconds=reader.bounded("PITBOARD_LIVE_POLL_SECONDS", defaults.live_poll_seconds, MIN_LIVE_POLL_SECONDS, 300),
        pre_race_hours=reader.bounded("PITBOARD_PRE_RACE_HOURS", defaults.pre_race_hours, 1, 7 * 24),
        live_reddit_thread=reader.flag("PITBOARD_LIVE_REDDIT_THREAD", defaults.live_reddit_thread),
        live_thread_edit_seconds=reader.bounded(
            "PITBOARD_LIVE_THREAD_EDIT_SECONDS", defaults.live_thread_edit_seconds, MIN_LIVE_THREAD_EDIT_SECONDS, 3600
        ),
    )


class _Reader:
    def __init__(self, values: Mapping[str, str]):
        self.values = values

    def text(self, name: str, default: str = "") -> str:
        return self.values.get(name, default).strip()

    def integer(self, name: str, default: int | None = None) -> int | None:
        raw = self.text(name)
        if not raw:
            return default
        try:
            return int(raw)
        except ValueError:
            raise SettingsError(f"{name} must be a whole number, got {raw!r}") from None

    def bounded(self, name: str, default: int, low: int, high: int) -> int:
        number = self.integer(name, default)
        assert number is not None  # a default is given
        if not low <= number <= high:
            raise SettingsError(f"{name} must be between {low} and {high}, got {number}")
        return number

    def flag(self, name: str, default: bool) -> bool:
        raw = self.text(name).casefold()
        if not raw:
            return default
        if raw in ("1", "true", "yes", "on"):
            return True
        if raw in ("0", "false", "no", "off"):
            return False
        raise SettingsError(f"{name} must be true or false, got {raw!r}")

    def template(self, name: str, default: str, fields: tuple[str, ...]) -> str:
        """A `str.format` template that uses only `fields` (checked now, not when the first thread is titled)."""
        raw = self.text(name) or default
        try:
            raw.format(**dict.fromkeys(fields, ""))
        except (KeyError, IndexError, ValueError) as error:
            problem = f"unknown field {{{error.args[0]}}}" if isinstance(error, KeyError) else str(error)
            raise SettingsError(f"{name} cannot be used ({problem}); its fields are "
                                + ", ".join(f"{{{field}}}" for field in fields)) from None
        return raw

    def choice(self, name: str, allowed: tuple[str, ...], default: str) -> str:
        raw = self.text(name).upper() or default
        if raw not in allowed:
            raise SettingsError(f"{name} must be one of {', '.join(allowed)}, got {raw!r}")
        return raw
