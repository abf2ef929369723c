"""The pre-race post of one race: a Discord embed, the Reddit markdown and the terminal text, from one `PreRace`.

The sections are built once (`_sections`) with the target's escaping and time format, then laid out per
target. Times are Discord timestamps (each reader's own zone) in the embed, elsewhere in the series' zone: US Eastern
with UTC for NASCAR, UTC for F1. The start is NASCAR's green flag, F1's race start (its weekend's "Race" session).
What the data lacks is left out, never shown as 0: no laps, no stages, no broadcasters, no lineup line
until qualifying sets it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import discord

from bot.render import safe
from bot.render.race_threads import ThreadLinks, links_line, relinked
from bot.render.recap import PLAIN, REDDIT, Markup, marker, race_at_track
from bot.render.words import (
    KIND_WORDS,
    broadcast_line,
    car,
    credit_text,
    eastern_time,
    plural,
    race_day,
    series_short,
)
from db.models import EASTERN
from db.prerace import PreRace
from db.records import Record
from db.series import SERIES
from db.threads import ThreadKind

# The line of the Reddit body that links the race's other threads until they exist; the Reddit race day
# (bot/reddit_race_day.py) rewrites it (`with_thread_links`) once the live and post-race threads are up.
THREAD_LINKS_PLACEHOLDER = links_line(ThreadLinks(), ThreadKind.PRE)
BRAND = discord.Colour(0xE8B400)
DISCORD = Markup(safe.discord, lambda text: f"**{text}**")
FIELD_VALUE_LIMIT = 1024


class Section(Record):
    heading: str
    lines: list[str]


def _discord_time(moment: datetime) -> str:
    stamp = int(moment.timestamp())
    return f"<t:{stamp}:F> (<t:{stamp}:R>)"


def _eastern_and_utc(moment: datetime) -> str:
    return f"{eastern_time(moment)} ({moment.astimezone(UTC):%H:%M} UTC)"


def _series_time(pre: PreRace) -> Callable[[datetime], str]:
    """How the post writes a time outside Discord: US Eastern with UTC after it, or the series' own zone (F1: UTC)."""
    zone = pre.race.zone
    return _eastern_and_utc if zone == EASTERN else lambda moment: eastern_time(moment, zone)


def _source(pre: PreRace) -> str:
    """The data credit, as answers and race reports give it (words.credit_text): NASCAR's history and feed, or the
    series' own (F1DB's, CC BY 4.0, which F1 posts must show)."""
    return credit_text([pre.race.series], [pre.race])


def _start_word(pre: PreRace) -> str:
    """What the start is called: F1's race start (its weekend's "Race" session, as /next lists it), NASCAR's green flag."""
    series = SERIES.get(pre.race.series)
    return "Race start" if series is not None and series.family == "f1" else "Green flag"


def _season_line(pre: PreRace) -> str:
    """`NASCAR Cup Series, 2023, round 7`, as the post-race thread's header: the series named once."""
    race = pre.race
    which = f"round {race.round}" if race.round else "exhibition" if race.exhibition else ""
    return ", ".join(part for part in (race.series_name, str(race.season), which) if part)


def _track_line(pre: PreRace, m: Markup) -> str:
    race = pre.race
    kind = KIND_WORDS.get(race.track_kind, race.track_kind)
    shape = f"{race.track_length_mi:g}-mile {kind}" if race.track_length_mi else kind
    return f"{m.escape(race.track)}, {shape}"


def _distance_line(pre: PreRace) -> str:
    race = pre.race
    parts = []
    if race.scheduled_laps:
        parts.append(plural(race.scheduled_laps, "lap"))
    if race.stage_laps:
        parts.append("stages of " + " / ".join(str(laps) for laps in race.stage_laps) + " laps")
    return ", ".join(parts)


def _green_line(pre: PreRace, when: Callable[[datetime], str]) -> str:
    race = pre.race
    if race.starts_at is None:
        return ""
    return f"{_start_word(pre)}: {race_day(race) if race.date_only else when(race.starts_at)}"


def called_off_line(pre: PreRace, m: Markup, when: Callable[[datetime], str]) -> str:
    """`Cancelled: …` or `Postponed: …` when the race is, else empty."""
    if pre.cancelled:
        return m.bold("Cancelled") + ": NASCAR has taken this race off the schedule."
    if pre.postponed_from is not None and pre.race.starts_at is not None:
        return m.bold("Postponed") + f" from {when(pre.postponed_from)} to {when(pre.race.starts_at)}."
    return ""


def _summary(pre: PreRace, m: Markup, when: Callable[[datetime], str]) -> list[str]:
    """The race's facts, each line only when the data has it; a cancellation or postponement first."""
    lines = [called_off_line(pre, m, when), _season_line(pre), _track_line(pre, m),
             _distance_line(pre), _green_line(pre, when) if not pre.cancelled else "", broadcast_line(pre.broadcasters, m)]
    return [line for line in lines if line]


def _sections(pre: PreRace, m: Markup, when: Callable[[datetime], str]) -> list[Section]:
    sections = []
    if pre.schedule:
        sections.append(Section("Weekend schedule", [
            m.bold(m.escape(session.name)) + (f": {when(session.starts_at)}" if session.starts_at else "")
            + (f" ({m.escape(session.notes)})" if session.notes else "")
            for session in pre.schedule
        ]))
    if pre.pole:
        pole_car = next((entry.car for entry in pre.lineup or [] if entry.driver == pre.pole), None)
        pole = f"Pole: {m.bold(m.escape(pre.pole))}" + (f" ({m.escape(car(pole_car))})" if pole_car else "")
        sections.append(Section("Starting lineup", [pole]))
    if pre.past_winners:
        sections.append(Section(f"Last winners here ({pre.race.series_name})", [
            f"{winner.season}: {m.bold(m.escape(winner.driver))} ({m.escape(winner.race)})" for winner in pre.past_winners
        ]))
    if pre.best_here:
        sections.append(Section(best_here_heading(pre), [
            f"{m.bold(m.escape(line.driver))}: {plural(line.wins, 'win')}, {plural(line.top5, 'top 5', 'top 5s')} "
            f"in {plural(line.starts, 'start')}"
            for line in pre.best_here
        ]))
    return sections


def best_here_heading(pre: PreRace) -> str:
    """What the best-here list is of: the race's field where the data has it, else the series' active drivers (and
    what makes one active)."""
    if pre.best_of_field:
        return "Best in the field here"
    return f"Best active drivers here ({series_short(pre.race.series)} starters since {pre.race.season - 1})"


def title(pre: PreRace) -> str:
    return f"Pre-Race: {race_at_track(pre.race)} ({pre.race.season})"


def _lineup_rows(pre: PreRace, escape: Callable[[str], str]) -> list[tuple[str, str, str, str]]:
    return [
        (str(entry.position), car(escape(entry.car)), escape(entry.driver), escape(entry.make or ""))
        for entry in pre.lineup or []
    ]


def prerace_embed(pre: PreRace) -> discord.Embed:
    """The pre-race embed for a server's announcement channel (or its thread / forum post)."""
    summary = "\n".join(_summary(pre, DISCORD, _discord_time))
    embed = discord.Embed(title=safe.plain(title(pre))[:256], description=summary, colour=BRAND)
    for section in _sections(pre, DISCORD, _discord_time):
        lines = list(section.lines)
        if section.heading == "Starting lineup":
            rows = _lineup_rows(pre, safe.discord)
            lines += [f"`{position:>2}` {number} {driver}" for position, number, driver, _ in rows]
        embed.add_field(name=section.heading, value=_fit_lines(lines, FIELD_VALUE_LIMIT), inline=False)
    embed.set_footer(text=_source(pre))
    return embed


def _fit_lines(lines: list[str], limit: int) -> str:
    """Whole lines up to `limit` characters, the rest counted in a last line."""
    shown: list[str] = []
    for index, line in enumerate(lines):
        rest = f"… and {len(lines) - index} more"
        if sum(len(kept) + 1 for kept in shown) + len(line) + len(rest) + 1 > limit:
            return "\n".join([*shown, rest])
        shown.append(line)
    return "\n".join(shown)


def prerace_markdown(pre: PreRace) -> str:
    """The Reddit post's body: times in the series' zone (`_series_time`), the lineup as a table, and the thread-links line."""
    when = _series_time(pre)
    blocks = ["\n\n".join(_summary(pre, REDDIT, when))]
    for section in _sections(pre, REDDIT, when):
        block = f"## {section.heading}\n\n" + "\n".join(f"* {line}" for line in section.lines)
        if section.heading == "Starting lineup" and pre.lineup:
            table = ["| Pos | # | Driver | Make |", "|--:|--:|:--|:--|"]
            table += [f"| {' | '.join(row)} |" for row in _lineup_rows(pre, safe.reddit)]
            block += "\n\n" + "\n".join(table)
        blocks.append(block)
    blocks += [THREAD_LINKS_PLACEHOLDER, f"*{_source(pre)}*"]
    return "\n\n".join(blocks) + "\n"


def with_thread_links(body: str, live_thread: str | None, post_race_thread: str | None) -> str:
    """The Reddit body with its links line linking the race's live and post-race threads (those that exist)."""
    return relinked(body, ThreadLinks(live=live_thread, post=post_race_thread), ThreadKind.PRE)


def reddit_body(pre: PreRace, thread_key: str, links: ThreadLinks) -> str:
    """The pre-race thread as posted: the markdown linking the race's other threads, and the thread's marker."""
    return relinked(prerace_markdown(pre), links, ThreadKind.PRE) + f"\n{marker(thread_key, ThreadKind.PRE)}\n"


def prerace_text(pre: PreRace) -> str:
    """The terminal rendering: plain text, times in the series' zone (`_series_time`)."""
    when = _series_time(pre)
    lines = [safe.plain(title(pre)), "", *_summary(pre, PLAIN, when)]
    for section in _sections(pre, PLAIN, when):
        lines += ["", section.heading, *(f"  {line}" for line in section.lines)]
        if section.heading == "Starting lineup":
            rows = _lineup_rows(pre, safe.plain)
            widths = [max((len(row[column]) for row in rows), default=0) for column in range(4)]
            lines += [f"  {position:>{widths[0]}}  {number:>{widths[1]}}  {driver:<{widths[2]}}  {make}".rstrip()
                      for position, number, driver, make in rows]
    lines += ["", _source(pre)]
    return "\n".join(lines)
