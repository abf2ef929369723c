"""Text from the data, made safe to show: one printable line, and markup escaped for where it goes.

Every string that comes from the feed or the history (driver, team, car number, make, status, race
and track names, caution comments, series names) passes through this module before it is rendered;
our own prose does not need to. `plain` is the base of all targets (the terminal, JSON, chart labels,
code blocks); `reddit` and `discord` escape it further so a name is shown as the text it is, never as a
heading, list, table cell, link, spoiler, entity or mention.
"""

from __future__ import annotations

import functools
import operator
import re
import unicodedata
from datetime import datetime
from typing import Any, TypeVar, cast

from db.records import Record, replace

T = TypeVar("T")

# Terminal control sequences, removed whole so no `[31m` residue is left behind: CSI (colours, cursor
# moves, erase), string commands up to their terminator (OSC: titles and hyperlinks; DCS, SOS, PM, APC),
# and the other two-character escapes (ESC c resets the terminal). Both the 7-bit (ESC …) and the
# 8-bit C1 forms; an unterminated string command swallows the rest, as a terminal would.
_TERMINAL_SEQUENCE = (
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[ -/]*[0-~]"
)
# Control (Cc), format (Cf: bidi overrides and isolates, zero-width space and joiners, BOM, soft
# hyphen) and lone surrogates (Cs, which cannot even be encoded for output).
_INVISIBLE = frozenset({"Cc", "Cf", "Cs"})


@functools.cache
def _regex(pattern: str) -> re.Pattern[str]:
    """A pattern of this module, compiled on first use: compiling them all at import took about a twentieth of
    `pitboard ask`'s start, which seldom needs one."""
    return re.compile(pattern)


ESCAPED_TEXTS = 8192   # distinct texts whose escaping each of plain, discord and reddit remembers


@functools.lru_cache(maxsize=ESCAPED_TEXTS)
def plain(text: str | None) -> str:
    """One printable line: escape sequences and invisible characters removed, whitespace runs
    (newlines included) collapsed to one space, trimmed. What the terminal and JSON show."""
    if not text:
        return ""
    if text.isprintable():   # the usual case: nothing to remove, at most spaces to tidy
        if text[0] != " " and text[-1] != " " and "  " not in text:
            return text
    else:
        text = _regex(_TERMINAL_SEQUENCE).sub("", text)
        text = "".join(ch for ch in text if ch.isspace() or unicodedata.category(ch) not in _INVISIBLE)
    return " ".join(text.split())


_SCALARS = frozenset({int, float, bool, type(None), datetime})


def plain_data(value: T) -> T:
    """A query answer (records, lists, tuples, dicts) with every string in it `plain`.

    Parts with nothing to change are returned as they are, not copied: answers are never mutated.
    Renderers neutralise each string where they show it; this is for whole documents (JSON).
    """
    return cast(T, _plain_any(value))   # same type out: every change is made through the value's own type


def _plain_any(value: Any) -> Any:
    kind = type(value)
    if kind is str:
        return plain(value)
    if kind in _SCALARS:
        return value
    if kind is list or kind is tuple:
        items = [item if type(item) in _SCALARS else _plain_any(item) for item in value]
        if all(map(operator.is_, items, value)):
            return value
        return items if kind is list else tuple(items)
    if kind is dict:
        pairs = [(_plain_any(key), _plain_any(item)) for key, item in value.items()]
        unchanged = zip(pairs, value.items(), strict=True)
        if all(key is old_key and item is old_item for (key, item), (old_key, old_item) in unchanged):
            return value
        return dict(pairs)
    changes = {}
    for name in _init_fields(kind):
        old = getattr(value, name)
        old_kind = type(old)
        if old_kind in _SCALARS:
            continue
        new = plain(old) if old_kind is str else _plain_any(old)
        if new is not old:
            changes[name] = new
    return replace(value, **changes) if changes else value


def _init_fields(cls: type) -> tuple[str, ...]:
    """The fields a record is built from (none for any other type)."""
    return cls._fields if issubclass(cls, Record) else ()


# Reddit markdown (snudown on old Reddit, a CommonMark dialect on new Reddit). A backslash before
# ASCII punctuation shows that character and nothing else in both (snudown's char_escape accepts
# \ ` * _ { } [ ] ( ) # + - . ! : | & < > / ^ ~), so an escaped name reads exactly as the original.
#
# Autolinks are broken with the same invisible escapes. snudown starts its r/ and u/ autolinks
# (with or without the leading slash) at the `/`, and its URL autolinks at `://`: an escaped `/` is
# consumed by the escape instead, so `u\/someone` and `https:\/\/evil.example` show as typed but link
# nowhere. Reddit only notifies a user for a u/ link in the rendered post, so no link, no
# notification. `www.` and e-mail autolinks need a literal `.` in the domain: `www\.` and `a@b\.c`.
# Both parsers split table rows on every `|` before reading escapes, so a `|` in the data is written
# as the entity `&#124;`, which shows as `|`; an `&` from the data is escaped so `&#x200b;` stays text.
_REDDIT_ESCAPES = {char: "\\" + char for char in "\\`*_{}[]()#~^<>&/"} | {"|": "&#124;"}
_REDDIT_SPECIAL = "[" + re.escape("".join(_REDDIT_ESCAPES)) + "]"
_REDDIT_LINK_DOT = r"(?i)((?<![a-z0-9])www|@[\w-]*)\."
_LIST_START = r"^(?:([-+])|(\d+)\.)"   # `- x`, `+ x`, `1. x`: a list where a value opens a line


def _escape_list_start(match: re.Match[str]) -> str:
    return "\\" + match[1] if match[1] else match[2] + "\\."


@functools.lru_cache(maxsize=ESCAPED_TEXTS)
def reddit(text: str | None) -> str:
    """Data text for Reddit markdown: shows as written, never as markup, link or mention."""
    return escape_reddit_markdown(plain(text))


# Every character the rules below react to: a line without any (most names) is returned as it is.
_REDDIT_REACTS = r"[\\`*_{}\[\]()#~^<>&/|.]|^[+-]"


def escape_reddit_markdown(line: str) -> str:
    """The escaping of `reddit`, for a line that is already `plain` (a table cell built once)."""
    if not _regex(_REDDIT_REACTS).search(line):
        return line
    escaped = _regex(_REDDIT_SPECIAL).sub(lambda match: _REDDIT_ESCAPES[match[0]], line)
    escaped = _regex(_REDDIT_LINK_DOT).sub(r"\1\\.", escaped)
    return _regex(_LIST_START).sub(_escape_list_start, escaped)


# Discord markdown escapes the same way: a backslash before punctuation shows the character. The
# characters that mark up anywhere (* _ ` ~ | and \) are escaped as discord.utils.escape_markdown does,
# and so are [ and ]: escape_markdown escapes only the first `[` of the widest `[…](…)` it finds, leaving
# the markup inside it and any later masked link live. `<` starts timestamps, custom emoji and user,
# role and channel mentions. A value that opens a line could start a heading (`#`), a list or `-#`
# subtext (`-`, `+`, `1.`) or a quote (`>`). Discord links bare URLs: `https\://` shows `https://` but
# does not link. Mentions never ping (the bot sends with AllowedMentions.none(), and embeds cannot),
# but _MENTION breaks @everyone, @here and @id with a zero-width space anyway (discord.utils.escape_mentions'
# pattern, copied: importing discord.py would cost the terminal console a third of a second).
_DISCORD_SPECIAL = r"[\\*_`~|\[\]<>]"
_DISCORD_LINE_START = r"^#"
_URL_SCHEME = r"(?i)\b([a-z][a-z0-9+.-]*):(?=//)"
_MENTION = r"@(everyone|here|[!&]?[0-9]{17,20})"


@functools.lru_cache(maxsize=ESCAPED_TEXTS)   # the same names (tracks, drivers, teams) are escaped over and over
def discord(text: str | None) -> str:
    """Data text for Discord markdown: shows as written, never as markup, link or mention."""
    return escape_discord_markdown(plain(text))


# Every character the rules below react to: a line without any (most names) is returned as it is.
_DISCORD_REACTS = r"[\\*_`~|\[\]<>:@]|^(?:[#+-]|\d)"


def escape_discord_markdown(line: str) -> str:
    """The escaping of `discord`, for a line that is already `plain` (or a piece of one)."""
    return escape_discord_rules(line) if _regex(_DISCORD_REACTS).search(line) else line


def escape_discord_rules(line: str) -> str:
    """Every rule of `escape_discord_markdown`, applied whether or not the line needs them."""
    escaped = _regex(_DISCORD_SPECIAL).sub(r"\\\g<0>", line)
    escaped = _regex(_LIST_START).sub(_escape_list_start, _regex(_DISCORD_LINE_START).sub(r"\\#", escaped))
    return _regex(_MENTION).sub("@\u200b\\1", _regex(_URL_SCHEME).sub(r"\1\\:", escaped))
