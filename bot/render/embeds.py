"""Discord embeds: pure functions from query answers to `discord.Embed`, within Discord's limits.

Text from the data goes through `escape` (safe.discord: one line, markdown, links and mentions
escaped) wherever markdown is rendered (titles, descriptions, field names and values), through
`safe.plain` in footers (shown as plain text), and tables go in code blocks whose fences cannot be
broken by a name. Mentions never ping: the bot sends with `AllowedMentions.none()`, and embeds
cannot ping anyway.
"""

from __future__ import annotations

import re

import discord

from bot.render import recap, safe
from bot.render.tables import table
from bot.render.text import EXHIBITION_NOTE, NO_CLASSIFICATION, race_facts
from bot.render.words import (
    KIND_WORDS,
    average,
    car,
    led_phrase,
    meetings_line,
    no_winner,
    ordinal,
    plural,
    race_day,
    race_label,
    race_when,
    seasons,
    series_short,
    status_words,
    winner_heading,
)
from db.errors import PitboardError
from db.guilds import GuildSettings
from db.models import (
    DriverCareer,
    HeadToHead,
    NextRaces,
    RaceResults,
    RaceSummary,
    RecapFacts,
    Schedule,
    Standings,
    TrackRecord,
    WinnerAnswer,
)

TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FIELD_LIMIT = 25
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1024
FOOTER_LIMIT = 2048
TOTAL_LIMIT = 6000
TABLE_WIDTH = 56            # fits a phone screen without wrapping
RESULTS_PER_PAGE = 20
STANDINGS_ROWS = 20

BRAND = discord.Colour(0xE8B400)
ERROR = discord.Colour(0xD83C3E)
SOURCE_FOOTER = "Data: nascaR.data (DriverAverages.com) · NASCAR"


escape = safe.discord   # data text wherever Discord renders markdown


def escape_prose(text: str) -> str:
    """Our own sentences (which may quote data): escape the markdown in them, but keep the `code spans`
    we wrote on purpose."""
    parts = re.split(r"(`[^`\n]*`)", safe.plain(text))
    return "".join(
        part if part.startswith("`") and part.endswith("`") and len(part) > 1 else safe.escape_discord_markdown(part)
        for part in parts
    )


def code_block(text: str) -> str:
    return "```\n" + text.replace("```", "ˋˋˋ") + "\n```"


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def fit(embed: discord.Embed) -> discord.Embed:
    """Trim an embed to Discord's limits (title 256, description 4096, 25 fields of 1024, 6000 total)."""
    if embed.title:
        embed.title = _cut(embed.title, TITLE_LIMIT)
    if embed.description:
        embed.description = _fit_block(embed.description, DESCRIPTION_LIMIT)
    fields = embed.fields[:FIELD_LIMIT]
    embed.clear_fields()
    for field in fields:
        embed.add_field(name=_cut(field.name or "\u200b", FIELD_NAME_LIMIT), value=_fit_block(field.value or "\u200b", FIELD_VALUE_LIMIT), inline=field.inline)
    if embed.footer.text:
        embed.set_footer(text=_cut(embed.footer.text, FOOTER_LIMIT), icon_url=embed.footer.icon_url)
    while len(embed) > TOTAL_LIMIT and embed.fields:
        embed.remove_field(-1)
    if len(embed) > TOTAL_LIMIT and embed.description:
        embed.description = _fit_block(embed.description, max(0, len(embed.description) - (len(embed) - TOTAL_LIMIT)))
    return embed


def _fit_block(text: str, limit: int) -> str:
    """Shorten text, keeping a code block closed when it was cut inside one."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 5]
    if cut.count("```") % 2 == 1:
        cut = cut[: cut.rfind("\n") + 1] + "…\n```" if "\n" in cut else cut[: limit - 4] + "…```"
        return cut[:limit]
    return cut + "…"


def _embed(title: str, description: str = "", colour: discord.Colour = BRAND) -> discord.Embed:
    return discord.Embed(title=_cut(title, TITLE_LIMIT), description=description, colour=colour)


def winner_sentence(race: RaceSummary) -> str:
    if not race.winner:
        return f"Winner {no_winner(race)}."
    machine = " ".join(part for part in (car(escape(race.winner_car)), escape(race.winner_team), escape(race.winner_make)) if part)
    parts = [f"**{escape(race.winner)}**" + (f" ({machine})" if machine else "")]
    if race.winner_start:
        parts.append("from pole" if race.winner_start == 1 else f"from {ordinal(race.winner_start)}")
    if race.winner_led is not None:
        parts.append(led_phrase(race.winner_led, race.laps))
    return ", ".join(parts)


def race_heading(race: RaceSummary) -> str:
    """`2023 Cup R5 · Toyota Owners 400`, escaped for a title or field name."""
    return f"{race_label(race)} · {escape(race.name)}"


def race_date_line(race: RaceSummary) -> str:
    """`Fri Mar 3, 2023 · <t:…:f> your time`: the race's Eastern date, then its start in the reader's own zone
    when the time is known; "" for a race without a date."""
    if race.starts_at is None:
        return ""
    if race.date_only:
        return race_day(race)
    return f"{race_day(race)} · <t:{int(race.starts_at.timestamp())}:f> your time"


def _race_notes(race: RaceSummary) -> list[str]:
    """The date, status and exhibition lines under a race in an embed."""
    notes = [race_date_line(race)] if race.starts_at else []
    if race.status != "official":
        notes.append(f"Status: {escape(race.status)}")
    if race.exhibition:
        notes.append(f"*{EXHIBITION_NOTE}*")
    return notes


def winner(answer: WinnerAnswer) -> discord.Embed:
    embed = _embed(escape(winner_heading(answer)))
    for race in answer.races:
        lines = [winner_sentence(race)]
        if race.pole and race.pole != race.winner:
            lines.append(f"Pole: {escape(race.pole)}")
        lines += _race_notes(race)
        embed.add_field(name=race_heading(race), value="\n".join(lines), inline=False)
    embed.set_footer(text=SOURCE_FOOTER)
    return fit(embed)


def _code_text(text: str | None) -> str:
    """Data text for a code block: `plain`, and no backtick to close the block."""
    return safe.plain(text).replace("`", "'")


def results_pages(answer: RaceResults, per_page: int = RESULTS_PER_PAGE) -> list[discord.Embed]:
    """The classification split into pages of `per_page` rows, each a phone-width code block."""
    race = answer.race
    rows = [
        (r.finish, _code_text(r.car), _code_text(r.driver), r.laps if r.laps is not None else "",
         "" if r.led is None else r.led, _code_text(status_words(r.status)))
        for r in answer.results
    ]
    chunks = [rows[i: i + per_page] for i in range(0, len(rows), per_page)] or [[]]
    header = "\n".join(line for line in (winner_sentence(race), escape(" · ".join(race_facts(race))), *_race_notes(race)) if line)
    if answer.other_races:
        header += "\nAlso matching: " + ", ".join(escape(race_label(r)) for r in answer.other_races) + " (add `series:` or `round:`)"
    pages = []
    for number, chunk in enumerate(chunks, start=1):
        body = code_block(table(("Pos", "#", "Driver", "Laps", "Led", "Status"), chunk, max_width=TABLE_WIDTH)) if chunk else NO_CLASSIFICATION
        embed = _embed(f"{race_heading(race)} — {escape(race.track)}", f"{header}\n{body}")
        if number == 1 and answer.stages:
            for stage in answer.stages[:3]:
                top = ", ".join(escape(line.driver) for line in stage.results[:3])
                embed.add_field(name=f"Stage {stage.number} top 3", value=top or "–", inline=True)
        footer = SOURCE_FOOTER if len(chunks) == 1 else f"Page {number}/{len(chunks)} · {SOURCE_FOOTER}"
        embed.set_footer(text=footer)
        pages.append(fit(embed))
    return pages


def driver(answer: DriverCareer, chart_name: str | None = None) -> discord.Embed:
    embed = _embed(escape(answer.driver))
    for career in answer.series.values():
        lines = [
            f"**{career.starts}** starts · **{career.wins}** wins · {career.top5} top 5 · {career.top10} top 10",
            " · ".join(part for part in (
                f"{career.poles} poles", f"{career.laps_led:,} laps led" if career.laps_led is not None else "",
                f"{career.dnfs} DNF",
            ) if part),
            f"avg start {average(career.avg_start)} · avg finish {average(career.avg_finish)}",
        ]
        if career.first_win:
            lines.append(f"First win: {race_label(career.first_win)}, {escape(career.first_win.track)}")
            if career.latest_win != career.first_win:
                lines.append(f"Latest win: {race_label(career.latest_win)}, {escape(career.latest_win.track)}")
        embed.add_field(name=f"{escape(career.series_name)} ({seasons(career.first_season, career.last_season)})", value="\n".join(lines), inline=False)
    if chart_name:
        embed.set_image(url=f"attachment://{chart_name}")
    embed.set_footer(text=SOURCE_FOOTER)
    return fit(embed)


def track(answer: TrackRecord) -> discord.Embed:
    length = f", {answer.length_mi:g} mi" if answer.length_mi else ""
    embed = _embed(escape(answer.track), f"{KIND_WORDS[answer.kind].capitalize()}{length}")
    for record in answer.series.values():
        lines = [
            f"{plural(record.races, 'race')}, {seasons(record.first_season, record.last_season)} · won from pole {record.wins_from_pole}×",
            "Most wins: " + ", ".join(f"{escape(t.driver)} {t.count}" for t in record.most_wins[:5]),
        ]
        if record.most_poles:
            lines.append("Most poles: " + ", ".join(f"{escape(t.driver)} {t.count}" for t in record.most_poles[:5]))
        lines.append("Recent: " + ", ".join(f"{w.season} {escape(w.driver)}" for w in record.winners[:6]))
        embed.add_field(name=escape(record.series_name), value="\n".join(lines), inline=False)
    embed.set_footer(text=SOURCE_FOOTER)
    return fit(embed)


def standings(answer: Standings, chart_name: str | None = None) -> discord.Embed:
    rows = [(r.position, _code_text(r.driver), r.points, -r.behind if r.behind else "", r.wins, r.top10) for r in answer.rows[:STANDINGS_ROWS]]
    embed = _embed(
        f"{answer.season} {escape(answer.series_name)} — points from race results",
        f"After {plural(answer.races_counted, 'race')}.\n"
        + code_block(table(("Pos", "Driver", "Pts", "Gap", "W", "T10"), rows, max_width=TABLE_WIDTH)),
    )
    if chart_name:
        embed.set_image(url=f"attachment://{chart_name}")
    embed.set_footer(text=answer.note)
    return fit(embed)


def h2h(answer: HeadToHead) -> discord.Embed:
    a, b = answer.first, answer.second
    scope = f"{series_short(answer.series)} " if answer.series else ""
    rows = [
        ("Ahead", a.ahead, b.ahead),
        ("Wins", a.wins, b.wins),
        ("Avg finish", average(a.avg_finish), average(b.avg_finish)),
        ("Laps led", "–" if a.laps_led is None else a.laps_led, "–" if b.laps_led is None else b.laps_led),
    ]
    description = f"{plural(answer.races, scope + 'race')} together\n" + code_block(
        table(("", _code_text(a.driver), _code_text(b.driver)), rows, max_width=TABLE_WIDTH)
    )
    description += meetings_line(answer.latest_meetings, escape)
    embed = _embed(f"{escape(a.driver)} vs {escape(b.driver)}", description)
    embed.set_footer(text=SOURCE_FOOTER)
    return fit(embed)


def discord_time(race: RaceSummary) -> str:
    """`Sun Apr 2, 2023 3:30 PM EDT · <t:…:F> (<t:…:R>)`: NASCAR's Eastern time, then the reader's own zone."""
    unix = int(race.starts_at.timestamp())
    if race.date_only:
        return f"{race_day(race)} (<t:{unix}:R>)"
    return f"{race_when(race)} · <t:{unix}:F> your time (<t:{unix}:R>)"


def next_races(answer: NextRaces) -> discord.Embed:
    embed = _embed("Racing now" if answer.racing_now and not answer.upcoming else "Next up")
    for race in answer.racing_now:
        embed.add_field(name=f"🟢 Now: {race_heading(race)}", value=f"{escape(race.track)}\nStarted <t:{int(race.starts_at.timestamp())}:R>", inline=False)
    for race in answer.upcoming:
        embed.add_field(name=race_heading(race), value=f"{escape(race.track)}\n{discord_time(race)}", inline=False)
    embed.set_footer(text="Times show in your own time zone · Source: NASCAR")
    return fit(embed)


SCHEDULE_PER_PAGE = 12
SCHEDULE_MARKS = {"done": "✓", "now": "🟢 **now**", "next": "➡️ **next**", "later": ""}


def schedule_pages(answer: Schedule) -> list[discord.Embed]:
    lines = []
    for entry in answer.races:
        race = entry.race
        outcome = f"✓ {escape(race.winner)}" if entry.state == "done" and race.winner else SCHEDULE_MARKS[entry.state]
        round_part = f"R{race.round}" if race.round else "exh."
        when = race_day(race) if race.date_only else f"{race_day(race)} (<t:{int(race.starts_at.timestamp())}:f>)"
        lines.append(f"{when} `{series_short(race.series)[:1]} {round_part:>4}` {escape(race.name)} · {escape(race.track)} {outcome}".rstrip())
    chunks = [lines[i: i + SCHEDULE_PER_PAGE] for i in range(0, len(lines), SCHEDULE_PER_PAGE)]
    scope = f"{series_short(answer.series)} " if answer.series else ""
    pages = []
    for number, chunk in enumerate(chunks, start=1):
        embed = _embed(f"{answer.season} {scope}schedule", "\n".join(chunk))
        footer = "Dates US Eastern, (times) in your time zone · exh. = exhibition · Source: NASCAR"
        embed.set_footer(text=footer if len(chunks) == 1 else f"Page {number}/{len(chunks)} · {footer}")
        pages.append(fit(embed))
    return pages


DISCORD = recap.Markup(escape, lambda text: f"**{text}**")


def recap_embed(facts: RecapFacts, thread_url: str | None = None) -> discord.Embed:
    """The post-race recap for a channel: the story, the top 10, and a link to the Reddit thread."""
    race = facts.details.race
    embed = _embed(f"🏁 {race_heading(race)}", "\n\n".join(recap.paragraphs(facts, DISCORD)[:3]))
    rows = [
        (r.finish, _code_text(r.car), _code_text(r.driver), r.led if facts.laps_led_known else r.led or None, _code_text(status_words(r.status)))
        for r in facts.details.results[:10]
    ]
    embed.add_field(name="Top 10", value=code_block(table(("Pos", "#", "Driver", "Led", "Status"), rows, max_width=TABLE_WIDTH)), inline=False)
    if thread_url:
        embed.add_field(name="Post-race thread", value=thread_url, inline=False)
    embed.set_footer(text=f"{safe.plain(race.track)} · {SOURCE_FOOTER}")
    return fit(embed)


def error(failure: PitboardError) -> discord.Embed:
    embed = _embed("Couldn't answer that", escape_prose(failure.message), ERROR)
    if failure.suggestions:
        embed.add_field(name="Try", value="\n".join(f"• {escape(s)}" for s in failure.suggestions[:10]), inline=False)
    return fit(embed)


def internal_error() -> discord.Embed:
    return _embed("Something went wrong", "That one's on us; it has been logged. Please try again in a moment.", ERROR)


def guild_settings(settings: GuildSettings) -> discord.Embed:
    embed = _embed("Pitboard settings for this server")
    channel = f"<#{settings.announce_channel_id}>" if settings.announce_channel_id else "off"
    embed.add_field(name="Announcement channel", value=channel, inline=True)
    embed.add_field(name="Default series", value=settings.default_series or "all series", inline=True)
    posting = "\n".join(
        f"{series_short(series)}: " + ", ".join(f"r/{escape(name)}" for name in names) for series, names in settings.subreddits.items()
    )
    embed.add_field(name="Post-race threads", value=posting or "no subreddits", inline=False)
    embed.add_field(name="Race day", value=_race_day_settings(settings), inline=False)
    return fit(embed)


def _race_day_settings(settings: GuildSettings) -> str:
    if settings.reminder_minutes is None:
        reminder = "off"
    else:
        role = f"<@&{settings.reminder_role_id}>" if settings.reminder_role_id else "no mention"
        reminder = f"{settings.reminder_minutes} min before green, {role}"
    where = {
        "channel": "the announcement channel", "thread": "a thread per race",
        "forum": f"a post per race in <#{settings.forum_channel_id}>",
    }
    return "\n".join((
        f"Live updates: {'on' if settings.live_updates else 'off'}",
        f"TV delay: {settings.tv_delay_seconds} s",
        f"Reminder: {reminder}",
        f"Scheduled events: {'on' if settings.scheduled_events else 'off'}",
        f"Race messages: {where[settings.race_threads]}",
    ))
