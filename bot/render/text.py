"""Terminal rendering: readable text and aligned tables.

`render` makes every string of the answer `plain` first (no escape codes, no line breaks from the
data), so no formatter below can forget to.
"""

from __future__ import annotations

from functools import singledispatch

from bot.render.safe import plain, plain_data
from bot.render.tables import table
from bot.render.words import (
    KIND_WORDS,
    average,
    meetings_line,
    plural,
    race_day,
    race_label,
    race_when,
    relative_time,
    seasons,
    series_short,
    status_words,
    winner_heading,
    winner_line,
)
from db.errors import PitboardError
from db.models import (
    DriverCareer,
    HeadToHead,
    NextRaces,
    RaceResults,
    RaceSummary,
    Schedule,
    Standings,
    TrackRecord,
    WinnerAnswer,
)

NO_CLASSIFICATION = "No finishing order in the data for this race."
EXHIBITION_NOTE = "Exhibition: not counted in careers, track records, standings or head-to-heads"
RESULT_HEADERS = ("Pos", "St", "#", "Driver", "Team", "Make", "Laps", "Led", "Status", "Pts")


def render(answer) -> str:
    """The answer as terminal text."""
    return _render(plain_data(answer))


@singledispatch
def _render(answer) -> str:
    raise TypeError(f"no text rendering for {type(answer).__name__}")


def race_facts(race: RaceSummary) -> list[str]:
    """Header facts we actually have: laps, stages, cautions, lead changes, margin."""
    facts = []
    if race.laps or race.scheduled_laps:
        laps = race.laps or race.scheduled_laps
        scheduled = f" (scheduled {race.scheduled_laps})" if race.scheduled_laps and race.laps and race.laps != race.scheduled_laps else ""
        facts.append(f"{laps} laps{scheduled}")
    if race.stage_laps:
        facts.append("stages " + "/".join(str(n) for n in race.stage_laps))
    if race.cautions is not None:
        laps = f" for {plural(race.caution_laps, 'lap')}" if race.caution_laps is not None else ""
        facts.append(f"{plural(race.cautions, 'caution')}{laps}")
    if race.lead_changes is not None:
        among = f" among {plural(race.leaders, 'driver')}" if race.leaders is not None else ""
        facts.append(f"{plural(race.lead_changes, 'lead change')}{among}")
    if race.margin is not None:
        facts.append(f"margin {race.margin:.3f} s")
    if race.field_size:
        facts.append(f"{race.field_size} starters")
    return facts


def race_title(race: RaceSummary) -> str:
    """`2023 Truck R2: Victoria's Voice Foundation 200 (Las Vegas Motor Speedway, Fri Mar 3, 2023)`."""
    date = f", {race_day(race)}" if race.starts_at else ""
    return f"{race_label(race)}: {race.name} ({race.track}{date})"


@_render.register
def _(answer: WinnerAnswer) -> str:
    lines = [winner_heading(answer), ""]
    for race in answer.races:
        lines.append(race_title(race))
        lines.append(f"  Winner: {winner_line(race)}")
        if race.pole and race.pole != race.winner:
            lines.append(f"  Pole: {race.pole}")
        if race.status != "official":
            lines.append(f"  Status: {race.status}")
        if race.exhibition:
            lines.append(f"  {EXHIBITION_NOTE}")
        lines.append("")
    return "\n".join(lines).rstrip()


def results_table(results: RaceResults, max_width: int | None = None) -> str:
    rows = [
        (r.finish, r.start or "", r.car, r.driver, r.team or "", r.make or "", r.laps if r.laps is not None else "",
         r.led if r.led is not None else "", status_words(r.status), r.points if r.points is not None else "")
        for r in results.results
    ]
    return table(RESULT_HEADERS, rows, max_width=max_width)


def stages_table(results: RaceResults) -> str:
    if not results.stages:
        return ""
    depth = max(len(stage.results) for stage in results.stages)
    headers = ["Pos"] + [f"Stage {stage.number}" + (f" ({stage.laps} laps)" if stage.laps else "") for stage in results.stages]
    rows = []
    for position in range(depth):
        row = [position + 1]
        for stage in results.stages:
            line = stage.results[position] if position < len(stage.results) else None
            row.append(f"{line.driver} (#{line.car})" if line and line.car else (line.driver if line else ""))
        rows.append(row)
    return table(headers, rows)


@_render.register
def _(answer: RaceResults) -> str:
    race = answer.race
    lines = [race_title(race)]
    facts = race_facts(race)
    if facts:
        lines.append("  " + " · ".join(facts))
    lines.append(f"  Winner: {winner_line(race)}")
    if race.exhibition:
        lines.append(f"  {EXHIBITION_NOTE}")
    lines += ["", results_table(answer) if answer.results else NO_CLASSIFICATION]
    if answer.stages:
        lines += ["", stages_table(answer)]
    if answer.cautions:
        lines += ["", "Cautions:"]
        lines += [f"  laps {c.start_lap}–{c.end_lap}: {c.comment or c.reason or 'caution'}" for c in answer.cautions]
    if answer.other_races:
        lines += ["", "Also matching: " + "; ".join(f"{race_label(r)} ({r.name})" for r in answer.other_races)
                  + " — add series: or round: to pick one."]
    return "\n".join(lines)


@_render.register
def _(answer: DriverCareer) -> str:
    lines = [answer.driver, ""]
    rows = []
    for career in answer.series.values():
        rows.append((
            series_short(career.series), seasons(career.first_season, career.last_season), career.starts, career.wins,
            career.top5, career.top10, career.poles, unknown_blank(career.laps_led), average(career.avg_start),
            average(career.avg_finish), career.dnfs,
        ))
    lines.append(table(("Series", "Seasons", "Starts", "Wins", "Top 5", "Top 10", "Poles", "Led", "Avg St", "Avg Fin", "DNF"), rows))
    for career in answer.series.values():
        if career.first_win:
            first, latest = career.first_win, career.latest_win
            text = f"{series_short(career.series)} wins: first {race_label(first)} at {first.track}"
            if latest != first:
                text += f"; latest {race_label(latest)} at {latest.track}"
            lines.append(text)
    return "\n".join(lines)


@_render.register
def _(answer: TrackRecord) -> str:
    length = f", {answer.length_mi:g} mi" if answer.length_mi else ""
    lines = [f"{answer.track} ({KIND_WORDS[answer.kind]}{length})"]
    for record in answer.series.values():
        lines += ["", f"{record.series_name}: {plural(record.races, 'race')}, {seasons(record.first_season, record.last_season)}"]
        lines.append("  Most wins: " + ", ".join(f"{t.driver} {t.count}" for t in record.most_wins))
        if record.most_poles:
            lines.append("  Most poles: " + ", ".join(f"{t.driver} {t.count}" for t in record.most_poles))
        lines.append(f"  Won from pole: {record.wins_from_pole} of {record.races}")
        lines.append("  Recent winners: " + ", ".join(f"{w.season} {w.driver}" for w in record.winners[:10]))
    return "\n".join(lines)


@_render.register
def _(answer: Standings) -> str:
    rows = [(r.position, r.driver, r.points, -r.behind if r.behind else "", r.starts, r.wins, r.top5, r.top10, unknown_blank(r.laps_led)) for r in answer.rows]
    return "\n".join([
        f"{answer.season} {answer.series_name}: points from race results after {plural(answer.races_counted, 'race')}",
        "",
        table(("Pos", "Driver", "Pts", "Behind", "Starts", "Wins", "Top 5", "Top 10", "Led"), rows),
        "",
        answer.note,
    ])


@_render.register
def _(answer: HeadToHead) -> str:
    a, b = answer.first, answer.second
    scope = f"{series_short(answer.series)} " if answer.series else ""
    rows = [
        ("Finished ahead", a.ahead, b.ahead),
        ("Wins", a.wins, b.wins),
        ("Average finish", average(a.avg_finish), average(b.avg_finish)),
        ("Laps led", unknown_dash(a.laps_led), unknown_dash(b.laps_led)),
    ]
    return "\n".join([
        f"{a.driver} vs {b.driver}: {plural(answer.races, scope + 'race')} together",
        "",
        table(("", a.driver, b.driver), rows),
        "",
        meetings_line(answer.latest_meetings),
    ]).rstrip()


def unknown_blank(value: int | None) -> int | str:
    return "" if value is None else value


def unknown_dash(value: int | None) -> int | str:
    return "–" if value is None else value


@_render.register
def _(answer: NextRaces) -> str:
    lines = []
    for race in answer.racing_now:
        lines.append(f"Racing now: {race_title(race)}, started {relative_time(race.starts_at, answer.now)}")
    for race in answer.upcoming:
        lines.append(f"Next: {race_label(race)}: {race.name} ({race.track})")
        lines.append(f"  {race_when(race)} ({relative_time(race.starts_at, answer.now)})")
    return "\n".join(lines)


STATE_MARKS = {"done": "✓", "now": "● now", "next": "→ next", "later": ""}


@_render.register
def _(answer: Schedule) -> str:
    rows = []
    for entry in answer.races:
        race = entry.race
        outcome = race.winner if entry.state == "done" and race.winner else STATE_MARKS[entry.state]
        rows.append((
            race_when(race), series_short(race.series), race.round or "exh.", race.name, race.track, outcome,
        ))
    scope = series_short(answer.series) + " " if answer.series else ""
    return "\n".join([
        f"{answer.season} {scope}schedule (times US Eastern)", "",
        table(("When", "Series", "Rd", "Race", "Track", "Winner / status"), rows),
    ])


def error(failure: PitboardError) -> str:
    lines = [plain(failure.message)]
    lines += [f"  • {plain(suggestion)}" for suggestion in failure.suggestions]
    return "\n".join(lines)
