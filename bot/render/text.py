"""Terminal text: one function per command (`text.winner`, `text.results`, …), and `render` for any answer.

Every string from the data is made `plain` where it is shown (no escape codes, no line breaks from the
data): through `PLAIN` in shared phrases, `plain` in this module's own lines, and once per cell in the
tables built by bot/render/cells.py.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from bot.questions import Help
from bot.render import cells
from bot.render.memo import per_object, per_pair
from bot.render.safe import plain
from bot.render.tables import Cell, Table, monospace
from bot.render.words import (
    KIND_WORDS,
    LINEUP_NOTE,
    PLAIN,
    SESSION_NAMES,
    also_line,
    average,
    born_on,
    broadcast_line,
    credit_due,
    driver_at_heading,
    drivers_heading,
    latest_start_line,
    leaders_heading,
    meetings_line,
    more_tied_line,
    plural,
    race_day,
    race_facts,
    race_label,
    race_when,
    races_together,
    rating_note,
    relative_time,
    schedule_zone,
    season_lines,
    seasons,
    seasons_won,
    series_short,
    session_when,
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
from db.models import (
    DriverAtTrack,
    DriverCareer,
    HeadToHead,
    Leaders,
    NextRaces,
    Qualifying,
    RaceResults,
    RaceSummary,
    Schedule,
    Session,
    Standings,
    TeamRecord,
    TrackRecord,
    WinnerAnswer,
)

NO_CLASSIFICATION = "No finishing order in the data for this race."
EXHIBITION_NOTE = "Exhibition: not counted in careers, track records, standings or head-to-heads"
UNDATED_SEASON = "the data has no dates for this season"
STATE_MARKS = {"done": "✓", "now": "● now", "unreported": "no results yet", "next": "→ next", "later": ""}


def _credited(body: str, answer: object) -> str:
    """An answer's text, and its data credit as the last line where one is due (words.credit_due)."""
    credit = credit_due(answer)
    return f"{body}\n\n{credit}" if credit else body


def race_title(race: RaceSummary) -> str:
    """`2023 Truck R2: Victoria's Voice Foundation 200 (Las Vegas Motor Speedway, Fri Mar 3, 2023)`."""
    date = f", {race_day(race)}" if race.starts_at else ""
    return f"{race_label(race)}: {plain(race.name)} ({plain(race.track)}{date})"


def winner(answer: WinnerAnswer) -> str:
    """/winner: each race's title, winner line, pole, status."""
    lines = [winner_heading(answer, PLAIN), ""]
    for race in answer.races:
        lines.append(race_title(race))
        lines.append(f"  Winner: {winner_line(race, PLAIN)}")
        if race.pole and race.pole != race.winner:
            lines.append(f"  Pole: {plain(race.pole)}")
        if race.id in answer.sprints:
            lines.append(f"  Sprint: {sprint_line(answer.sprints[race.id], PLAIN)}")
        if race.status != "official":
            lines.append(f"  Status: {plain(race.status)}")
        if race.exhibition:
            lines.append(f"  {EXHIBITION_NOTE}")
        lines.append("")
    return _credited("\n".join(lines).rstrip(), answer)


def results(answer: RaceResults) -> str:
    """/results: the race's figures, the classification, the stages, the cautions."""
    race = answer.race
    lines = [race_title(race)]
    facts = race_facts(race)
    if facts:
        lines.append("  " + " · ".join(facts))
    lines.append(f"  Winner: {winner_line(race, PLAIN)}")
    if race.exhibition:
        lines.append(f"  {EXHIBITION_NOTE}")
    if cells.timed(answer.results):
        lines += ["", monospace(cells.classification(answer.results, race.series))]
    else:
        lines += ["", monospace(cells.results(answer.results)) if answer.results else NO_CLASSIFICATION]
    if answer.non_starters:
        lines += ["", "Did not start:", monospace(cells.non_starters(answer.non_starters, race.series))]
    if answer.sprint:
        lines += ["", "Sprint:", monospace(cells.classification(answer.sprint, race.series))]
    if answer.stages:
        lines += ["", monospace(cells.stages(answer.stages))]
    if answer.loop_data:
        rated = cells.loop_data(answer.loop_data[:cells.LOOP_DATA_SHOWN])
        lines += ["", f"Loop data, best {len(rated.rows)} driver ratings:", monospace(rated), cells.loop_data_legend(rated)]
    if answer.cautions:
        lines += ["", "Cautions:"]
        lines += [f"  laps {c.start_lap}–{c.end_lap}: {plain(c.comment or c.reason) or 'caution'}" for c in answer.cautions]
    if answer.other_races:
        lines += ["", "Also matching: " + "; ".join(f"{race_label(r)} ({plain(r.name)})" for r in answer.other_races)
                  + " — add series: or round: to pick one."]
    return _credited("\n".join(lines), answer)


def qualifying(answer: Qualifying) -> str:
    """/qualifying: the race, then its qualifying (or its starting lineup, said to be one)."""
    lines = [race_title(answer.race), f"  {LINEUP_NOTE}" if answer.lineup else "  Qualifying",
             "", monospace(cells.qualifying(answer))]
    if answer.other_races:
        lines += ["", "Also matching: " + "; ".join(f"{race_label(r)} ({plain(r.name)})" for r in answer.other_races)
                  + " — add series: or round: to pick one."]
    return _credited("\n".join(lines), answer)


def driver(answer: DriverCareer) -> str:
    """/driver: one line per series (the average driver rating where any start has one), then each series' first and
    latest win."""
    rows: list[tuple[Cell, ...]] = [
        (series_short(career.series), seasons(career.first_season, career.last_season), career.starts, career.wins,
         career.top5, career.top10, career.poles, cells.career_laps_led(career.series, career.laps_led),
         average(career.avg_start), average(career.avg_finish),
         career.dnfs, cells.rating(career.avg_rating))
        for career in answer.series.values()
    ]
    table = Table(("Series", "Seasons", "Starts", "Wins", "Top 5", "Top 10", "Poles", "Led", "Avg St", "Avg Fin", "DNF",
                   "Rating"), rows)
    note = rating_note(answer.series.values())
    born = born_on(answer)
    lines = [plain(answer.driver) + (f" (born {born})" if born else ""), "",
             monospace(cells.without_empty_led(table if note else table.columns(*table.headers[:-1])))]
    if note:
        lines.append(note)
    for career in answer.series.values():
        if career.championships is not None:
            lines.append(f"{series_short(career.series)}: {plural(career.podiums, 'podium')}, "
                         f"{cells.number(career.points)} points, {plural(career.championships, 'championship')}")
    lines += season_lines(answer)
    for career in answer.series.values():
        first, latest = career.first_win, career.latest_win
        if first:
            text = f"{series_short(career.series)} wins: first {race_label(first)} at {plain(first.track)}"
            if latest and latest != first:
                text += f"; latest {race_label(latest)} at {plain(latest.track)}"
            lines.append(text + starts_since(career))
    for career in answer.series.values():
        if career.season and career.season.races:
            lines += ["", f"{series_short(career.series)} {career.season.season}, race by race:",
                      monospace(cells.season_starts(career.season, career.series))]
    also = also_line("driver", answer.also)
    return _credited("\n".join([*lines, "", also] if also else lines), answer)


def driver_at_track(answer: DriverAtTrack) -> str:
    """/driver … at a track: one line per series, then each series' wins there and latest start there."""
    lines = [driver_at_heading(answer, PLAIN), "", monospace(cells.driver_at_track(answer))]
    note = rating_note(answer.series.values())
    if note:
        lines.append(note)
    for line in answer.series.values():
        short = series_short(line.series)
        if line.wins_at:
            lines.append(f"{short} wins there: {seasons_won(line)}")
        lines.append(f"{short} latest start there: {latest_start_line(line, PLAIN)}")
    also = also_line("driver", answer.also)
    return _credited("\n".join([*lines, "", also] if also else lines), answer)


def team(answer: TeamRecord) -> str:
    """/team: per series the team's totals, first and latest win, its winners; the season asked for."""
    full = f" ({plain(answer.full_name)})" if answer.full_name and answer.full_name != answer.team else ""
    there = f" at {plain(answer.place)}" if answer.place else ""
    lines = [f"{plain(answer.team)}{full}{there}"]
    for record in answer.series.values():
        lines += ["", f"{plain(record.series_name)}, {seasons(record.first_season, record.last_season)}: {team_totals(record)}"]
        lines += [f"  {line}" for line in (team_wins_line(record), team_winners_line(record)) if line]
        lines += [f"  {team_season_line(season)}" for season in record.seasons]
    also = also_line("team", answer.also)
    return _credited("\n".join([*lines, "", also] if also else lines), answer)


def track(answer: TrackRecord) -> str:
    """/track: per series, races held, most wins and poles, wins from pole, recent winners."""
    length = f", {answer.length_mi:g} mi" if answer.length_mi else ""
    lines = [f"{plain(answer.track)} ({KIND_WORDS[answer.kind]}{length})"]
    for record in answer.series.values():
        held = f"{plural(record.races, 'race')}, {seasons(record.first_season, record.last_season)}"
        lines += ["", f"{plain(record.series_name)}: {held}"]
        lines.append("  Most wins: " + ", ".join(f"{plain(t.driver)} {t.count}" for t in record.most_wins))
        if record.most_poles:
            lines.append("  Most poles: " + ", ".join(f"{plain(t.driver)} {t.count}" for t in record.most_poles))
        lines.append(f"  Won from pole: {record.wins_from_pole} of {record.races}")
        lines.append("  Recent winners: " + ", ".join(f"{w.season} {plain(w.driver)}" for w in record.winners[:10]))
    return _credited("\n".join(lines), answer)


def standings(answer: Standings) -> str:
    """/standings: the whole points table and what it leaves out (the official tables, where the series has them); the
    chart's note goes with the chart, on Discord."""
    if answer.official:
        team_label, _ = cells.labels(answer.series)
        lines = [
            f"{answer.season} {plain(answer.series_name)}: official standings after {plural(answer.races_counted, 'race')}",
            "", monospace(cells.standings(answer)),
            "", f"{team_label}s:", monospace(cells.team_standings(answer)),
            "", answer.note,
        ]
    else:
        lines = [
            f"{answer.season} {plain(answer.series_name)}: {standings_basis(answer)} {standings_span(answer)}",
            "",
            monospace(cells.standings(answer)),
            "",
            answer.note,
        ]
    return _credited("\n".join(lines), answer)


def leaders(answer: Leaders) -> str:
    """/leaders: the leaderboard, and what its figure counts."""
    tied = more_tied_line(answer)
    lines = [leaders_heading(answer, PLAIN), "", monospace(cells.leaders(answer)), *([tied] if tied else []),
             *(["", answer.note] if answer.note else [])]
    return _credited("\n".join(lines), answer)


def h2h(answer: HeadToHead) -> str:
    """/h2h: the two drivers side by side, and their last meeting."""
    body = "\n".join([
        f"{drivers_heading(answer, PLAIN)}: {races_together(answer, PLAIN)}",
        "",
        monospace(cells.h2h(answer)),
        "",
        team_mates_line(answer, PLAIN),
        meetings_line(answer.latest_meetings, PLAIN),
    ]).replace("\n\n\n", "\n\n").rstrip()
    return _credited(body, answer)


def next_races(answer: NextRaces) -> str:
    """/next: the race running now, and the next race of each series."""
    lines = []
    for race in answer.racing_now:
        started = f", started {relative_time(race.starts_at, answer.now)}" if race.starts_at else ""
        lines.append(f"Racing now: {race_title(race)}{started}")
    for race in answer.upcoming:
        lines.append(f"Next: {race_label(race)}: {plain(race.name)} ({plain(race.track)})")
        if race.starts_at:
            lines.append(f"  {race_when(race)} ({relative_time(race.starts_at, answer.now)})")
        if on := broadcast_line(answer.broadcasters.get(race.id)):
            lines.append(f"  {on}")
        lines += _session_lines(race.series, answer.sessions.get(race.id, []))
    return _credited("\n".join(lines), answer)


def _session_lines(series: str, weekend: list[Session]) -> list[str]:
    """`    Practice 1: Fri Mar 6, 2026 1:30 AM UTC`: a weekend's sessions in its series' zone (UTC for F1)."""
    return [
        f"    {SESSION_NAMES[session.session]}: {session_when(series, session.starts_at, session.date_only)}"
        for session in weekend
    ]


@per_object   # a remembered season hands out the same race objects: only the state moves with the clock
def _schedule_rows(race: RaceSummary) -> dict[str, tuple[Cell, ...]]:
    """The race's schedule row in each state it may be in, by state: when, series, round, race, track, and its
    winner or state."""
    cells = race_when(race), series_short(race.series), race.round or "exh.", plain(race.name), plain(race.track)
    return {state: (*cells, plain(race.winner) if state == "done" and race.winner else mark)
            for state, mark in STATE_MARKS.items()}


def schedule(answer: Schedule) -> str:
    """/schedule: the season's races in their series' zone (US Eastern, UTC), with winners so far."""
    rows, weekends = [], []
    sessions = weekends_listed(answer)
    for entry in answer.races:   # one pass: each race's row, and its weekend where the data has one
        rows.append(_schedule_rows(entry.race)[entry.state])
        weekend = sessions.get(entry.race.id)
        if weekend is not None:
            weekends.append(_schedule_weekend(entry.race, weekend))
    scope = series_short(answer.series) + " " if answer.series else ""
    table = Table(("When", "Series", "Rd", "Race", "Track", "Winner / status"), rows)
    if answer.dated:
        lines = [f"{answer.season} {scope}schedule (times {schedule_zone(answer)})", "", monospace(table)]
        if answer.undated_series:
            lines += ["", f"{', '.join(map(series_short, answer.undated_series))}: by round ({UNDATED_SEASON})."]
    else:
        lines = [f"{answer.season} {scope}season by round ({UNDATED_SEASON})", "",
                 monospace(table.columns("Series", "Rd", "Race", "Track", "Winner / status"))]
    if weekends:
        lines += ["", "Sessions:", *weekends]
    if answer.note:
        lines = [re.sub(r"`([^`\n]*)`", _code_span, answer.note), "", *lines]
    return _credited("\n".join(lines), answer)


@per_pair   # a remembered season hands out the same races and sessions
def _schedule_weekend(race: RaceSummary, weekend: list[Session]) -> str:
    """A race and its weekend's sessions, under /schedule's table."""
    return "\n".join([f"  {race_label(race)}: {plain(race.name)}", *_session_lines(race.series, weekend)])


def error(failure: PitboardError) -> str:
    """The message, with its code spans (Discord's markup) in terminal form: a command as it is, other words quoted."""
    lines = [re.sub(r"`([^`\n]*)`", _code_span, plain(failure.message))]
    lines += [f"  • {plain(suggestion)}" for suggestion in failure.suggestions]
    return "\n".join(lines)


def _code_span(span: re.Match[str]) -> str:
    return span[1] if span[1].startswith(("/", "pitboard ")) else f"“{span[1]}”"


def help(answer: Help) -> str:  # noqa: A001 (the command's name, as every renderer here is named)
    """/help: each command's usage, what it answers, and examples; one command's (`/help h2h`) with its options."""
    if answer.about is not None:
        command, = answer.commands
        width = max((len(option.name) for option in command.options), default=0)
        lines = [command.usage, f"  {command.description}", "", "Options (by name, or in order the way fans type them):"]
        lines += [f"  {option.name:<{width}}  {option.description}" + ("" if option.required else " (optional)")
                  for option in command.options] or ["  none"]
        if command.examples:
            lines += ["", "e.g. " + " · ".join(command.examples)]
        return "\n".join(lines)
    lines = ["Pitboard answers these; type them the way fans do (options by name, or in order):"]
    for command in answer.commands:
        lines += ["", command.usage, f"  {command.description}"]
        if command.examples:
            lines.append("  e.g. " + " · ".join(command.examples))
    lines += ["", "One command's options: /help and its name, e.g. /help h2h"]
    return "\n".join(lines)


RENDERERS: dict[type, Callable[[Any], str]] = {
    WinnerAnswer: winner, RaceResults: results, DriverCareer: driver, TrackRecord: track, Standings: standings,
    HeadToHead: h2h, NextRaces: next_races, Schedule: schedule, TeamRecord: team, Leaders: leaders,
    Qualifying: qualifying, Help: help, DriverAtTrack: driver_at_track,
}


def render(answer: object) -> str:
    """Any command's answer as terminal text, by its type (the console does not know which command it ran)."""
    renderer = RENDERERS.get(type(answer))
    if renderer is None:
        raise TypeError(f"no text rendering for {type(answer).__name__}")
    return renderer(answer)
