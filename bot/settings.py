"""Typed settings, read once from the environment and an optional `.env` file.

Secrets (tokens, passwords) are held as `Secret` so they never show up in a repr or a log line.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from dotenv import dotenv_values

from db.store import default_db_path


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


@dataclass(frozen=True)
class Settings:
    db_path: Path
    log_level: str = "INFO"
    discord_token: Secret = field(default_factory=lambda: Secret(""))
    discord_dev_guild: int | None = None

    @classmethod
    def load(cls, env_file: Path | None = Path(".env"), environ: Mapping[str, str] | None = None) -> "Settings":
        """Environment variables win over `.env`; `.env` is optional."""
        values: dict[str, str] = {}
        if env_file is not None and env_file.is_file():
            values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
        values.update(os.environ if environ is None else environ)
        reader = _Reader(values)
        db = reader.text("PITBOARD_DB")
        return cls(
            db_path=Path(db).expanduser() if db else default_db_path(),
            log_level=reader.choice("PITBOARD_LOG_LEVEL", ("DEBUG", "INFO", "WARNING", "ERROR"), "INFO"),
            discord_token=Secret(reader.text("DISCORD_TOKEN")),
            discord_dev_guild=reader.integer("DISCORD_DEV_GUILD"),
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

    def choice(self, name: str, allowed: tuple[str, ...], default: str) -> str:
        raw = self.text(name).upper() or default
        if raw not in allowed:
            raise SettingsError(f"{name} must be one of {', '.join(allowed)}, got {raw!r}")
        return raw
