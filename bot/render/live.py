"""The live board and race events, rendered: terminal text and `rich`, Discord embeds, Reddit markdown.

Each thing shown is built once from the data (`headline`, `board_rows`, `history_line`, `event_sentence`)
with the escaping of its target passed in, then laid out by a small formatter per target. Data text goes
through bot/render/safe.py: `plain` for the terminal and code blocks, `reddit` and `discord` for markdown.
"""

from __future__ import annotations

from collections.abc import Callable

import discord
from rich.console import Group, JustifyMethod
from rich.table import Table
from rich.text import Text

from bot.live_race import EventKind, LiveBoard, RaceEvent
from bot.render import safe
from bot.render.embeds import code_block, fit
from bot.render.tables import table
from bot.render.words import ordinal, plural, series_short
from db.live import DriverHistory
from db.live_feed import Flag, Vehicle, VehicleStatus
from db.models import RaceSummary

Escape = Callable[[str | None], str]

FLAG_WORDS = {
    Flag.GREEN: "Green", Flag.CAUTION: "Caution", Flag.RED: "Red flag", Flag.WHITE: "White flag",
    Flag.PRE_RACE: "Pre-race", Flag.CHECKERED: "Checkered",
}
FLAG_COLOURS = {
    Flag.GREEN: discord.Colour(0x2E9E44), Flag.CAUTION: discord.Colour(0xF2C200), Flag.RED: discord.Colour(0xD83C3E),
    Flag.WHITE: discord.Colour(0xEEEEEE), Flag.CHECKERED: discord.Colour(0x202020), Flag.PRE_RACE: discord.Colour(0x5865F2),
}
EVENT_FLAGS = {
    EventKind.GREEN: Flag.GREEN, EventKind.RESTART: Flag.GREEN, EventKind.CAUTION: Flag.CAUTION,
    EventKind.FREE_PASS: Flag.CAUTION, EventKind.STAGE_END: Flag.CAUTION, EventKind.RED: Flag.RED, EventKind.WHITE: Flag.WHITE,
    EventKind.CHECKERED: Flag.CHECKERED,
}
RICH_STYLES = {Flag.GREEN: "bold green", Flag.CAUTION: "bold yellow", Flag.RED: "bold red", Flag.WHITE: "bold white",
               Flag.CHECKERED: "bold", Flag.PRE_RACE: "bold blue"}
SOURCE = "Source: NASCAR live feed"
INTERRUPTED = "Feed interrupted: showing the last update received"
HEADERS = ("Pos", "Car", "Driver", "Interval")


def flag_words(flag: Flag, code: int) -> str:
    return FLAG_WORDS.get(flag, f"flag {code}")


def interval(vehicle: Vehicle) -> str:
    """`Leader`, `+0.171`, `-2 laps`, `out` (a car out of the race, with its laps down)."""
    if vehicle.status is VehicleStatus.OUT:
        return "out" + (f" ({plural(vehicle.laps_down, 'lap')} down)" if vehicle.laps_down else "")
    if vehicle.position == 1:
        return "Leader"
    if vehicle.delta < 0:
        return f"-{plural(vehicle.laps_down, 'lap')}"
    return f"+{vehicle.delta:.3f}"


def _driver(vehicle: Vehicle, escape: Escape) -> str:
    marks = (" (R)" if vehicle.rookie else "") + (" (i)" if vehicle.points_ineligible else "")
    return escape(vehicle.name) + marks


def headline(board: LiveBoard, escape: Escape) -> str:
    """`Cuervo 300 · Chicagoland Speedway (Xfinity)`."""
    series = f" ({series_short(board.series)})" if board.series else ""
    return f"{escape(board.race_name)} · {escape(board.track)}{series}"


def status_line(board: LiveBoard) -> str:
    """`Lap 150 of 201 · Green · Stage 3 · 51 to go`: our own words and numbers only."""
    if not board.is_race:
        return f"{flag_words(board.flag, board.flag_code)} · not a race session"
    parts = [f"Lap {board.lap} of {board.laps_in_race}", flag_words(board.flag, board.flag_code)]
    if board.stage and board.laps_to_stage_end is not None:
        parts.append(f"Stage {board.stage.number} ends in {plural(board.laps_to_stage_end, 'lap')}")
    elif board.stage:
        parts.append(f"Stage {board.stage.number} (final)")
    if board.flag is not Flag.CHECKERED:
        parts.append(f"{board.laps_to_go} to go")
    return " · ".join(parts)


def counts_line(board: LiveBoard) -> str:
    caution_laps = f" ({plural(board.caution_laps, 'lap')})" if board.caution_laps is not None else ""
    return (f"{plural(board.cautions, 'caution')}{caution_laps} · {plural(board.lead_changes, 'lead change')} "
            f"among {plural(board.leaders, 'leader')} · {board.cars} cars")


def history_line(history: DriverHistory | None, escape: Escape) -> str | None:
    """`Brandon Jones at Chicagoland Speedway before this race: 4 starts, no wins, best 4th`: the store's record, which
    the race under way joins only once official."""
    if history is None or history.track is None or history.starts_here is None:
        return None
    if history.starts_here == 0:
        record = "first start here"
    else:
        wins = plural(history.wins_here, "win") if history.wins_here else "no wins"
        best = f", best {ordinal(history.best_here)}" if history.best_here else ""
        record = f"{plural(history.starts_here, 'start')}, {wins}{best}"
    return f"{escape(history.driver)} at {escape(history.track)} before this race: {record}"


def board_rows(board: LiveBoard, escape: Escape) -> list[tuple[str, str, str, str]]:
    return [(str(vehicle.position), f"#{escape(vehicle.car)}", _driver(vehicle, escape), interval(vehicle))
            for vehicle in board.top]


def board_text(board: LiveBoard) -> str:
    """The board for a plain terminal or a log."""
    lines = [headline(board, safe.plain), status_line(board)]
    if board.feed_interrupted:
        lines.append(INTERRUPTED)
    lines += ["", table(HEADERS, board_rows(board, safe.plain), right=(True, False, False, False)), "", counts_line(board)]
    if history := history_line(board.leader_history, safe.plain):
        lines.append(history)
    lines.append(SOURCE)
    return "\n".join(lines)


def board_rich(board: LiveBoard) -> Group:
    """The board as `rich` renderables, for `rich.live.Live` (text is `plain`; rich markup is never parsed from data)."""
    title = Text(headline(board, safe.plain), style="bold")
    status = Text(status_line(board), style=RICH_STYLES.get(board.flag, ""))
    grid = Table(box=None, pad_edge=False, header_style="bold")
    justify: tuple[JustifyMethod, ...] = ("right", "left", "left", "right")
    for header, side in zip(HEADERS, justify, strict=True):
        grid.add_column(header, justify=side)
    for row in board_rows(board, safe.plain):
        grid.add_row(*(Text(cell) for cell in row))
    parts: list[Text | Table] = [title, status]
    if board.feed_interrupted:
        parts.append(Text(INTERRUPTED, style="bold red"))
    parts += [grid, Text(counts_line(board))]
    if history := history_line(board.leader_history, safe.plain):
        parts.append(Text(history, style="dim"))
    parts.append(Text(SOURCE, style="dim"))
    return Group(*parts)


def board_markdown(board: LiveBoard) -> str:
    """The body of a live Reddit thread."""
    lines = [f"**{headline(board, safe.reddit)}**", "", f"**{status_line(board)}**", ""]
    if board.feed_interrupted:
        lines += [f"*{INTERRUPTED}*", ""]
    lines += ["| " + " | ".join(HEADERS) + " |", "|--:|:--|:--|--:|"]
    lines += [f"| {position} | {number} | {name} | {gap} |" for position, number, name, gap in board_rows(board, safe.reddit)]
    lines += ["", counts_line(board)]
    if history := history_line(board.leader_history, safe.reddit):
        lines += ["", history]
    lines += ["", f"^({SOURCE})"]
    return "\n".join(lines)


def board_embed(board: LiveBoard) -> discord.Embed:
    """The board message, edited in place. The table is a code block: plain text, nothing in it is markup."""
    embed = discord.Embed(title=headline(board, safe.discord), colour=FLAG_COLOURS.get(board.flag, discord.Colour(0x888888)))
    status = f"**{status_line(board)}**" + (f"\n⚠️ {INTERRUPTED}" if board.feed_interrupted else "")
    rows = table(HEADERS, board_rows(board, safe.plain), right=(True, False, False, False), max_width=56)
    embed.description = status + "\n" + code_block(rows)
    embed.add_field(name="Race", value=counts_line(board), inline=False)
    if history := history_line(board.leader_history, safe.discord):
        embed.add_field(name="Leader here", value=history, inline=False)
    embed.set_footer(text=f"{SOURCE} · pitboard:{board.race_key}")
    return fit(embed)


FINAL = "Final"
RESULTS_POINTER = "The full results: `/results` (official once NASCAR confirms them)"


def final_board_embed(board: LiveBoard) -> discord.Embed:
    """The board at the checkered flag, labelled final: the winner and where the full results are."""
    embed = board_embed(board)
    embed.title = f"{FINAL}: {embed.title}"
    winner = next((vehicle for vehicle in board.top if vehicle.position == 1), None)
    if winner is not None:
        embed.insert_field_at(0, name="Winner", value=f"{_driver(winner, safe.discord)} (#{safe.discord(winner.car)})",
                              inline=False)
    embed.add_field(name="Results", value=RESULTS_POINTER, inline=False)
    return fit(embed)


NO_RACE_LIVE = "No race is live right now."


def no_race_embed(next_race: RaceSummary | None) -> discord.Embed:
    """/live's answer between races: the next race and its green-flag time (each reader's own time zone)."""
    embed = discord.Embed(title=NO_RACE_LIVE, colour=discord.Colour(0x888888))
    if next_race is None or next_race.starts_at is None:
        embed.description = "`/next` shows the schedule."
        return embed
    stamp = int(next_race.starts_at.timestamp())
    when = f"on <t:{stamp}:D>" if next_race.date_only else f"green flag <t:{stamp}:F> (<t:{stamp}:R>)"
    embed.description = (f"Next: **{safe.discord(next_race.name)}** at {safe.discord(next_race.track)} "
                         f"({series_short(next_race.series)}), {when}.")
    return embed


def win_meaning(history: DriverHistory | None, series: str | None) -> str | None:
    """`Career Xfinity win No. 8, the first at Chicagoland Speedway.` (the store's count before today)."""
    if history is None:
        return None
    series_name = f"{series_short(series)} " if series else ""
    if history.win_number == 1:
        meaning = f"A first career {series_name}win"
    else:
        meaning = f"Career {series_name}win No. {history.win_number}"
    if history.track is not None and history.wins_here is not None:
        here = "the first" if history.wins_here == 0 else f"No. {history.wins_here + 1}"
        meaning += f", {here} at {history.track}"
    return meaning + "."


def _changes_since(event: RaceEvent) -> str:
    """` (3 lead changes since lap 95)`: a new leader's count, when more than one change brought him there."""
    if event.changes <= 1:
        return ""
    since = f" since lap {event.since_lap}" if event.since_lap is not None else ""
    return f" ({plural(event.changes, 'lead change')}{since})"


def event_sentence(event: RaceEvent, escape: Escape) -> str:
    """One event as one sentence, data text escaped for its target."""
    number = f"#{escape(event.car)}" if event.car else ""
    who = f"{escape(event.driver)} ({number})" if event.driver and number else number
    lap = f"lap {event.lap}"
    kind = event.kind
    if kind is EventKind.GREEN:
        return f"Green flag: {escape(event.race_name)} is under way" + (f", {who} leads the field" if who else "") + "."
    if kind is EventKind.RESTART and event.changes and who:
        return f"Back to green on {lap} with a new leader, {who}{_changes_since(event)}."
    if kind is EventKind.RESTART:
        return f"Back to green on {lap}" + (f", {who} leads" if who else "") + "."
    if kind is EventKind.CAUTION:
        return f"Caution on {lap}" + (f": {escape(event.reason)}" if event.reason else "") + "."
    if kind is EventKind.RED:
        return f"Red flag on {lap}: the race is stopped" + (f" ({escape(event.reason)})" if event.reason else "") + "."
    if kind is EventKind.FREE_PASS:
        return f"Free pass (lucky dog): {who}."
    if kind is EventKind.STAGE_END:
        top = ", ".join(f"{vehicle.position}. {escape(vehicle.name)}" for vehicle in event.top[1:])
        winner = f"{who} wins stage {event.stage}" if who else f"Stage {event.stage} is over"
        return f"{winner} on {lap}." + (f" Then: {top}." if top else "")
    if kind is EventKind.LEADER:
        return f"{who} takes the lead on {lap}{_changes_since(event)}."
    if kind is EventKind.WHITE:
        return "White flag: one lap to go" + (f", {who} leads" if who else "") + "."
    if kind is EventKind.CHECKERED:
        meaning = win_meaning(event.history, event.series)
        return f"Checkered flag: {who} wins the {escape(event.race_name)}!" + (f" {escape(meaning)}" if meaning else "")
    return _catch_up_sentence(event, escape, who)


def _catch_up_sentence(event: RaceEvent, escape: Escape, who: str) -> str:
    since = f"since lap {event.since_lap}" if event.since_lap is not None else "so far"
    flag = flag_words(event.flag, event.flag.value) if event.flag else ""
    top = ", ".join(f"{vehicle.position}. {escape(vehicle.name)}" for vehicle in event.top)
    return (f"Catching up: lap {event.lap} of {event.laps_in_race}, {flag.lower()}; {who or 'no leader yet'} leads. "
            f"{plural(event.cautions, 'caution')} and {plural(event.changes, 'lead change')} {since}."
            + (f" Top 5: {top}." if top else ""))


def event_line(event: RaceEvent) -> str:
    """An event for the terminal: `L45  Brandon Jones (#20) wins stage 1 on lap 45. …`."""
    return f"L{event.lap:<4} {event_sentence(event, safe.plain)}"


EVENT_TITLES = {
    EventKind.GREEN: "🟢 Green flag", EventKind.RESTART: "🟢 Restart", EventKind.CAUTION: "🟡 Caution",
    EventKind.RED: "🔴 Red flag", EventKind.FREE_PASS: "🟡 Free pass", EventKind.STAGE_END: "🏁 Stage end",
    EventKind.LEADER: "Lead change",
    EventKind.WHITE: "⚪ White flag", EventKind.CHECKERED: "🏁 Checkered flag", EventKind.CATCH_UP: "Catching up",
}


def event_embed(event: RaceEvent) -> discord.Embed:
    flag = EVENT_FLAGS.get(event.kind)
    embed = discord.Embed(
        title=f"{EVENT_TITLES[event.kind]} · lap {event.lap}/{event.laps_in_race}",
        description=event_sentence(event, safe.discord),
        colour=FLAG_COLOURS.get(flag, discord.Colour(0xE8B400)) if flag else discord.Colour(0xE8B400),
    )
    if event.kind is EventKind.STAGE_END and event.top:
        rows = [(str(vehicle.position), f"#{safe.plain(vehicle.car)}", _driver(vehicle, safe.plain)) for vehicle in event.top]
        value = code_block(table(HEADERS[:3], rows, max_width=56))
        embed.add_field(name=f"Stage {event.stage} top {len(rows)}", value=value, inline=False)
    embed.set_footer(text=f"{safe.plain(event.race_name)} · {SOURCE} · pitboard:{event.key}")
    return fit(embed)
