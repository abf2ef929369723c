"""Discord embeds: one function per command (`embeds.winner`, `embeds.results`, …), pure functions from query
answers to `discord.Embed`, within Discord's limits. /results and /schedule answer with pages.

Text from the data goes through `escape` (safe.discord: one line, markdown, links and mentions
escaped) wherever markdown is rendered (titles, descriptions, field names and values), through
`safe.plain` in footers (shown as plain text), and tables go in code blocks whose fences cannot be
broken by a name. Mentions never ping: the bot sends with `AllowedMentions.none()`, and embeds
cannot ping anyway.
"""

from __future__ import annotations

import re

import discord

from bot.questions import Help
from bot.render import cells, recap, safe
from bot.render.memo import per_pair
from bot.render.tables import Table, monospace
from bot.render.text import EXHIBITION_NOTE, NO_CLASSIFICATION, UNDATED_SEASON
from bot.render.words import (
    DISCORD,
    KIND_WORDS,
    LINEUP_NOTE,
    NASCAR_CREDIT,
    SESSION_NAMES,
    also_line,
    average,
    born_on,
    broadcast_line,
    credit_line,
    driver_at_heading,
    driver_season_line,
    drivers_heading,
    finishes_line,
    latest_start_line,
    leaders_heading,
    meetings_line,
    more_tied_line,
    no_start_line,
    no_winner,
    ordinal,
    plural,
    race_day,
    race_facts,
    race_label,
    race_when,
    races_together,
    rating_figure,
    schedule_zone,
    seasons,
    seasons_won,
    series_short,
    sprint_line,
    standings_basis,
    standings_span,
    starts_since,
    team_mates_line,
    team_season_line,
    team_totals,
    team_winners_line,
    team_wins_line,
    weekends_listed,
    winner_heading,
    winner_line,
)
from db.errors import PitboardError
from db.guilds import GuildSettings
from db.models import (
    DriverAtTrack,
    DriverCareer,
    DriverFigures,
    HeadToHead,
    Leaders,
    NextRaces,
    Qualifying,
    RaceResults,
    RaceSummary,
    RecapFacts,
    Schedule,
    Session,
    Standings,
    TeamRecord,
    TrackRecord,
    WinnerAnswer,
)
from db.recaps import F1RecapFacts

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
    fields = embed.fields
    if len(fields) > FIELD_LIMIT or not all(_field_fits(field.name, field.value) for field in fields):
        embed.clear_fields()
        for field in fields[:FIELD_LIMIT]:
            name, value = _cut(field.name or "\u200b", FIELD_NAME_LIMIT), _fit_block(field.value or "\u200b", FIELD_VALUE_LIMIT)
            embed.add_field(name=name, value=value, inline=field.inline)
    footer = embed.footer
    if footer.text and len(footer.text) > FOOTER_LIMIT:
        embed.set_footer(text=_cut(footer.text, FOOTER_LIMIT), icon_url=footer.icon_url)
    total = len(embed)   # Embed.__len__ walks every part: measured once unless something is cut
    while total > TOTAL_LIMIT and embed.fields:
        embed.remove_field(-1)
        total = len(embed)
    if total > TOTAL_LIMIT and embed.description:
        embed.description = _fit_block(embed.description, max(0, len(embed.description) - (len(embed) - TOTAL_LIMIT)))
    return embed


def _field_fits(name: str | None, value: str | None) -> bool:
    """A field Discord accepts as it is: a name and a value, neither over its limit."""
    return name is not None and value is not None and 0 < len(name) <= FIELD_NAME_LIMIT and 0 < len(value) <= FIELD_VALUE_LIMIT


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
    """The winner line in Discord markdown (`**Name** (#75 Team Make), from 2nd, led …`), or why there is none."""
    return winner_line(race, DISCORD) if race.winner else f"Winner {no_winner(race)}."


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
    """/winner: one field per race."""
    embed = _embed(winner_heading(answer, DISCORD))
    for race in answer.races:
        lines = [winner_sentence(race)]
        if race.pole and race.pole != race.winner:
            lines.append(f"Pole: {escape(race.pole)}")
        if race.id in answer.sprints:
            lines.append(f"Sprint: {sprint_line(answer.sprints[race.id], DISCORD)}")
        lines += _race_notes(race)
        embed.add_field(name=race_heading(race), value="\n".join(lines), inline=False)
    embed.set_footer(text=credit_line(answer))
    return fit(embed)


def code_table(data: Table) -> str:
    """A table in a phone-width code block; no cell can close the block (backticks become quotes)."""
    return code_block(monospace(data, max_width=TABLE_WIDTH).replace("`", "'"))


def results(answer: RaceResults, per_page: int = RESULTS_PER_PAGE) -> list[discord.Embed]:
    """/results: the classification in pages of `per_page` rows, each a phone-width code block."""
    race = answer.race
    if cells.timed(answer.results):
        classification = cells.classification(answer.results, race.series).columns("Pos", "#", "Driver", "Time/Gap", "Pts")
    else:
        classification = cells.results(answer.results).columns("Pos", "#", "Driver", "Laps", "Led", "Status")
    chunks = [classification.rows[i: i + per_page] for i in range(0, len(classification.rows), per_page)] or [[]]
    header = "\n".join(line for line in (winner_sentence(race), " · ".join(race_facts(race)), *_race_notes(race)) if line)
    if answer.other_races:
        header += "\nAlso matching: " + ", ".join(race_label(r) for r in answer.other_races) + " (add `series:` or `round:`)"
    title = f"{race_heading(race)} — {escape(race.track)}"
    credit = credit_line(answer)
    pages = []
    for number, chunk in enumerate(chunks, start=1):
        body = code_table(Table(classification.headers, chunk, classification.right)) if chunk else NO_CLASSIFICATION
        embed = _embed(title, f"{header}\n{body}")
        if number == 1 and answer.stages:
            for stage in answer.stages[:3]:
                top = ", ".join(escape(line.driver) for line in stage.results[:3])
                embed.add_field(name=f"Stage {stage.number} top 3", value=top or "–", inline=True)
        if number == 1 and answer.sprint:
            top = ", ".join(escape(line.driver) for line in answer.sprint[:3])
            embed.add_field(name="Sprint top 3", value=top or "–", inline=False)
        if number == 1 and answer.loop_data:
            best = " · ".join(f"{escape(line.driver)} {line.rating:.1f}" for line in answer.loop_data[:3])
            embed.add_field(name="Best driver ratings", value=best, inline=False)
        if number == len(chunks) and answer.non_starters:
            absent = ", ".join(f"{escape(entrant.driver)} ({escape(entrant.status_code)})" for entrant in answer.non_starters)
            embed.add_field(name="Did not start", value=absent, inline=False)
        pages.append(embed)
    if answer.loop_data:   # NASCAR's loop data: a page of its own after the classification
        table = cells.loop_data(answer.loop_data[:cells.LOOP_DATA_SHOWN])
        rated = table.columns(*(header for header in ("Rating", "#", "Driver", "Fin", "Avg pos") if header in table.headers))
        pages.append(_embed(title, f"Loop data, best driver ratings\n{code_table(rated)}\n{cells.loop_data_legend(rated)}"))
    for number, page in enumerate(pages, start=1):
        page.set_footer(text=credit if len(pages) == 1 else f"Page {number}/{len(pages)} · {credit}")
    return [fit(page) for page in pages]


def qualifying(answer: Qualifying) -> discord.Embed:
    """/qualifying: the session (or the starting lineup, said to be one) in a phone-width code block."""
    race = answer.race
    table = cells.qualifying(answer)
    shown = table.columns("St", "#", "Driver", "Fin") if answer.lineup else table.columns(
        *(header for header in table.headers if header != cells.labels(race.series)[0]))
    header = LINEUP_NOTE if answer.lineup else "Qualifying"
    if answer.other_races:
        header += "\nAlso matching: " + ", ".join(race_label(r) for r in answer.other_races) + " (add `series:` or `round:`)"
    embed = _embed(f"{race_heading(race)} — {escape(race.track)}", f"{header}\n{code_table(shown)}")
    embed.set_footer(text=credit_line(answer))
    return fit(embed)


def _figure_lines(figures: DriverFigures) -> list[str]:
    """A driver's figures in a series, over a career or at a track: starts and results, poles, laps led and DNFs, the
    average start and finish."""
    return [
        f"**{figures.starts}** starts · **{figures.wins}** wins · {figures.top5} top 5 · {figures.top10} top 10",
        " · ".join(part for part in (
            f"{figures.poles} poles", f"{figures.laps_led:,} laps led" if figures.laps_led is not None else "",
            f"{figures.dnfs} DNF",
        ) if part),
        " · ".join(part for part in (
            f"avg start {average(figures.avg_start)}", f"avg finish {average(figures.avg_finish)}", rating_figure(figures),
        ) if part),
    ]


def driver(answer: DriverCareer, chart_name: str | None = None) -> discord.Embed:
    """/driver: one field per series (and the chart attached as `chart_name`)."""
    embed = _embed(escape(answer.driver))
    for career in answer.series.values():
        lines = _figure_lines(career)
        if career.championships is not None:
            lines.insert(1, f"{plural(career.podiums, 'podium')} · {cells.number(career.points)} points · "
                            f"**{plural(career.championships, 'championship')}**")
        if career.season:
            lines.append(f"**{driver_season_line(career.season, career.championships is not None)}**")
            if career.season.races:
                lines.append(f"By round: {' · '.join(finishes_line(career.season))}")
        first, latest = career.first_win, career.latest_win
        if first:
            lines.append(f"First win: {race_label(first)}, {escape(first.track)}")
            if latest and latest != first:
                lines.append(f"Latest win: {race_label(latest)}, {escape(latest.track)}")
            lines[-1] += starts_since(career)
        name = f"{escape(career.series_name)} ({seasons(career.first_season, career.last_season)})"
        embed.add_field(name=name, value="\n".join(lines), inline=False)
    born = born_on(answer)
    notes = [f"Born {born}" if born else None, no_start_line(answer),
             also_line("driver", answer.also, DISCORD) if answer.also else None]
    embed.description = "\n".join(note for note in notes if note) or None
    if chart_name:
        embed.set_image(url=f"attachment://{chart_name}")
    embed.set_footer(text=credit_line(answer))
    return fit(embed)


def driver_at_track(answer: DriverAtTrack) -> discord.Embed:
    """/driver … at a track: one field per series (figures, wins there, latest start there)."""
    embed = _embed(driver_at_heading(answer, DISCORD))
    for line in answer.series.values():
        lines = _figure_lines(line)
        lines[-1] += f" · best {ordinal(line.best_finish)}"
        if line.wins_at:
            lines.append(f"Wins: {seasons_won(line)}")
        lines.append(f"Latest: {latest_start_line(line, DISCORD)}")
        name = f"{escape(line.series_name)} ({seasons(line.first_season, line.last_season)})"
        embed.add_field(name=name, value="\n".join(lines), inline=False)
    if answer.also:
        embed.description = also_line("driver", answer.also, DISCORD)
    embed.set_footer(text=credit_line(answer))
    return fit(embed)


def team(answer: TeamRecord) -> discord.Embed:
    """/team: one field per series (totals, first and latest win, its winners, the season asked for)."""
    full = answer.full_name if answer.full_name and answer.full_name != answer.team else ""
    embed = _embed(escape(answer.team) + (f" at {escape(answer.place)}" if answer.place else ""), escape(full))
    for record in answer.series.values():
        lines = [team_totals(record), team_wins_line(record, DISCORD), team_winners_line(record, DISCORD),
                 *(f"**{team_season_line(season, DISCORD)}**" for season in record.seasons)]
        name = f"{escape(record.series_name)} ({seasons(record.first_season, record.last_season)})"
        embed.add_field(name=name, value="\n".join(line for line in lines if line), inline=False)
    if answer.also:
        embed.add_field(name="Also matching", value=also_line("team", answer.also, DISCORD), inline=False)
    embed.set_footer(text=credit_line(answer))
    return fit(embed)


def track(answer: TrackRecord) -> discord.Embed:
    """/track: one field per series."""
    length = f", {answer.length_mi:g} mi" if answer.length_mi else ""
    embed = _embed(escape(answer.track), f"{KIND_WORDS[answer.kind].capitalize()}{length}")
    for record in answer.series.values():
        lines = [
            f"{plural(record.races, 'race')}, {seasons(record.first_season, record.last_season)}"
            f" · won from pole {record.wins_from_pole}×",
            "Most wins: " + ", ".join(f"{escape(t.driver)} {t.count}" for t in record.most_wins[:5]),
        ]
        if record.most_poles:
            lines.append("Most poles: " + ", ".join(f"{escape(t.driver)} {t.count}" for t in record.most_poles[:5]))
        lines.append("Recent: " + ", ".join(f"{w.season} {escape(w.driver)}" for w in record.winners[:6]))
        embed.add_field(name=escape(record.series_name), value="\n".join(lines), inline=False)
    embed.set_footer(text=credit_line(answer))
    return fit(embed)


def standings(answer: Standings, chart_name: str | None = None) -> discord.Embed:
    """/standings: the top 20 in a code block (and the chart attached as `chart_name`); the official tables (drivers,
    then constructors) where the series has them, with the chart's note in the footer when the chart is attached."""
    if answer.official:
        team_label, _ = cells.labels(answer.series)
        drivers = cells.standings(answer).head(STANDINGS_ROWS).columns("Pos", "Driver", "Pts", "Wins")
        teams = cells.team_standings(answer).head(12)
        embed = _embed(f"{answer.season} {escape(answer.series_name)} — official standings",
                       f"After {plural(answer.races_counted, 'race')}.\n" + code_table(drivers))
        embed.add_field(name=f"{team_label}s", value=code_table(teams), inline=False)
        # The chart's note only beside the chart: without one (none drawn) it would describe a picture not there.
        notes = f"{answer.chart_note} {answer.note}" if chart_name and answer.chart_note else answer.note
        if chart_name:
            embed.set_image(url=f"attachment://{chart_name}")
        embed.set_footer(text=f"{notes} · {credit_line(answer)}")
        return fit(embed)
    top = cells.standings(answer).head(STANDINGS_ROWS).columns("Pos", "Driver", "Pts", "Behind", "Wins", "Top 10")
    embed = _embed(
        f"{answer.season} {escape(answer.series_name)} — {standings_basis(answer)}",
        f"{standings_span(answer).capitalize()}.\n" + code_table(top),
    )
    if chart_name:
        embed.set_image(url=f"attachment://{chart_name}")
    embed.set_footer(text=f"{answer.note} · {credit_line(answer)}")
    return fit(embed)


def leaders(answer: Leaders) -> discord.Embed:
    """/leaders: the leaderboard in a code block, what its figure counts, and whose data it is."""
    embed = _embed(leaders_heading(answer, DISCORD), code_table(cells.leaders(answer)) + more_tied_line(answer))
    embed.set_footer(text=" · ".join(part for part in (answer.note, credit_line(answer)) if part))
    return fit(embed)


def h2h(answer: HeadToHead) -> discord.Embed:
    """/h2h: the two drivers side by side in a code block, and their last meeting."""
    mates = team_mates_line(answer, DISCORD)
    description = (f"{races_together(answer, DISCORD)}\n{code_table(cells.h2h(answer))}{mates + chr(10) if mates else ''}"
                   f"{meetings_line(answer.latest_meetings, DISCORD)}")
    embed = _embed(drivers_heading(answer, DISCORD), description)
    embed.set_footer(text=credit_line(answer))
    return fit(embed)


def discord_time(race: RaceSummary) -> str:
    """`Sun Apr 2, 2023 3:30 PM EDT · <t:…:F> (<t:…:R>)`: the series' time (Eastern, UTC), then the reader's own zone;
    "" for a race without a date."""
    if race.starts_at is None:
        return ""
    unix = int(race.starts_at.timestamp())
    if race.date_only:
        return f"{race_day(race)} (<t:{unix}:R>)"
    return f"{race_when(race)} · <t:{unix}:F> your time (<t:{unix}:R>)"


def next_races(answer: NextRaces) -> discord.Embed:
    """/next: the race running now and the next race of each series, in the reader's own time zone."""
    embed = _embed("Racing now" if answer.racing_now and not answer.upcoming else "Next up")
    for race in answer.racing_now:
        started = f"\nStarted <t:{int(race.starts_at.timestamp())}:R>" if race.starts_at else ""
        embed.add_field(name=f"🟢 Now: {race_heading(race)}", value=f"{escape(race.track)}{started}", inline=False)
    for race in answer.upcoming:
        on = broadcast_line(answer.broadcasters.get(race.id), DISCORD)
        value = "\n".join([f"{escape(race.track)}", discord_time(race), *([on] if on else []),
                           *_session_lines(race, answer.sessions)])
        embed.add_field(name=race_heading(race), value=value, inline=False)
    embed.set_footer(text=f"Times show in your own time zone · {credit_line(answer)}")
    return fit(embed)


def _session_lines(race: RaceSummary, sessions: dict[int, list[Session]]) -> list[str]:
    """`Practice 1: <t:…:F>`: a weekend's sessions, each in the reader's own time zone."""
    return _lines_of_sessions(sessions.get(race.id, []))


def _lines_of_sessions(weekend: list[Session]) -> list[str]:
    return [
        f"{SESSION_NAMES[session.session]}: <t:{int(session.starts_at.timestamp())}:{'D' if session.date_only else 'F'}>"
        for session in weekend
    ]


SCHEDULE_PER_PAGE = 12
SCHEDULE_WEEKENDS_PER_PAGE = 6   # a weekend with its sessions takes six or seven lines
SCHEDULE_MARKS = {"done": "✓", "now": "🟢 **now**", "unreported": "no results yet", "next": "➡️ **next**", "later": ""}


def _schedule_lines(race: RaceSummary) -> dict[str, str]:
    """The race's line in each state it may be in, by state: `Sun Feb 19, 2023 (<t:…:f>) `C   R1` Daytona 500 ·
    Daytona International Speedway ✓ Ricky Stenhouse Jr.` when done."""
    round_part = f"R{race.round}" if race.round else "exh."
    when = race_day(race)
    if race.starts_at is not None and not race.date_only:
        when += f" (<t:{int(race.starts_at.timestamp())}:f>)"
    line = f"{when} `{series_short(race.series)[:1]} {round_part:>4}` {escape(race.name)} · {escape(race.track)}".lstrip()
    return {state: f"{line} {f'✓ {escape(race.winner)}' if state == 'done' and race.winner else mark}".rstrip()
            for state, mark in SCHEDULE_MARKS.items()}


@per_pair   # a remembered season hands out the same races and sessions
def _schedule_entries(race: RaceSummary, weekend: list[Session] | None) -> dict[str, str]:
    """The race's line in each state, by state, followed by `\n  Practice 1: <t:…:F>` for each session of its
    weekend (None: a race without sessions in the data)."""
    sessions = "".join(f"\n  {line}" for line in _lines_of_sessions(weekend)) if weekend else ""
    return {state: line + sessions for state, line in _schedule_lines(race).items()}


def schedule(answer: Schedule) -> list[discord.Embed]:
    """/schedule: the season's races, a dozen a page, dated in their series' zone with the reader's own time beside."""
    sessions = weekends_listed(answer)
    lines = [_schedule_entries(entry.race, sessions.get(entry.race.id))[entry.state] for entry in answer.races]
    per_page = SCHEDULE_WEEKENDS_PER_PAGE if sessions else SCHEDULE_PER_PAGE
    chunks = [lines[i: i + per_page] for i in range(0, len(lines), per_page)]
    scope = f"{series_short(answer.series)} " if answer.series else ""
    dates = f"By round: {UNDATED_SEASON}"
    if answer.dated:
        undated = ", ".join(map(series_short, answer.undated_series))
        dates = f"Dates {schedule_zone(answer)}, (times) in your time zone{f' · {undated} by round: no dates' if undated else ''}"
    footer = f"{dates} · exh. = exhibition · {credit_line(answer)}"
    title = f"{answer.season} {scope}schedule" if answer.dated else f"{answer.season} {scope}season by round"
    pages = []
    for number, chunk in enumerate(chunks, start=1):
        note = [escape_prose(answer.note), ""] if answer.note and number == 1 else []
        embed = _embed(title, "\n".join([*note, *chunk]))
        embed.set_footer(text=footer if len(chunks) == 1 else f"Page {number}/{len(chunks)} · {footer}")
        pages.append(fit(embed))
    return pages


def recap_embed(facts: RecapFacts, thread_url: str | None = None) -> discord.Embed:
    """The post-race recap for a channel: the story, the top 10, and a link to the Reddit thread."""
    race = facts.details.race
    embed = _embed(f"🏁 {race_heading(race)}", "\n\n".join(recap.paragraphs(facts, DISCORD)[:3]))
    top = cells.results(facts.details.results[:10], facts.laps_led_known).columns("Pos", "#", "Driver", "Led", "Status")
    embed.add_field(name="Top 10", value=code_table(top), inline=False)
    if thread_url:
        embed.add_field(name="Post-race thread", value=thread_url, inline=False)
    embed.set_footer(text=f"{safe.plain(race.track)} · {NASCAR_CREDIT}")
    return fit(embed)


F1_ANNOUNCED_COLUMNS = ("Pos", "No", "Driver", "Team", "Time/Gap", "Points")


def f1_recap_embed(facts: F1RecapFacts, thread_url: str | None = None) -> discord.Embed:
    """The F1 race report for a channel: the win, podium, pole-sitter and retirements, the top 10 in F1's columns,
    and a link to the Reddit thread."""
    race = facts.race
    embed = _embed(f"🏁 {race_heading(race)}", "\n\n".join(recap.f1_paragraphs(facts, DISCORD)))
    top = recap.f1_classification(facts).head(10).columns(*F1_ANNOUNCED_COLUMNS)
    embed.add_field(name="Top 10", value=code_table(top), inline=False)
    if thread_url:
        embed.add_field(name="Post-race thread", value=thread_url, inline=False)
    embed.set_footer(text=f"{safe.plain(race.track)} · {safe.plain(recap.f1_credit(race))}")
    return fit(embed)


def help(answer: Help) -> discord.Embed:  # noqa: A001 (the command's name, as every renderer here is named)
    """/help: a field per command (usage, what it answers, examples), and the admin and race-day commands; one command's
    (`/help h2h`): its usage, options and examples."""
    if answer.about is not None:
        command, = answer.commands
        one = _embed(f"/{answer.about}", f"`{command.usage}`\n{command.description}")
        options = [f"`{option.name}`" + ("" if option.required else " (optional)") + f": {escape_prose(option.description)}"
                   for option in command.options]
        one.add_field(name="Options (by name, or in order)", value="\n".join(options) or "none", inline=False)
        if command.examples:
            one.add_field(name="Examples", value=" · ".join(f"`{example}`" for example in command.examples), inline=False)
        return fit(one)
    embed = _embed("Pitboard", "Type commands the way fans do: options by name, or in order (`/winner martinsville "
                               "spring truck`, `/h2h hamlin vs logano`).")
    for command in answer.commands:
        examples = " · ".join(f"`{example}`" for example in command.examples)
        embed.add_field(name=command.usage, value="\n".join(part for part in (command.description, examples) if part),
                        inline=False)
    embed.add_field(name="Server admins and race day", value="`/config` (announcements, default series, subreddits, "
                    "race-day settings) · `/live` (the live race board)", inline=False)
    embed.set_footer(text="One command's options: /help command:h2h")
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
        f"{series_short(series)}: " + ", ".join(f"r/{escape(name)}" for name in names)
        for series, names in settings.subreddits.items()
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
