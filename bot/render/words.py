"""Phrases shared by every rendering, each written once: ordinals, race labels and dates, the winner line,
a race's figures, laps-led wording, the data credits an answer owes.

A phrase that quotes the data takes a `Markup`: how data text is neutralised and emphasis written for its
target (`PLAIN` for the terminal, `REDDIT`, `DISCORD`), so the same builder serves every target.
Every date shown is the race's date in its series' zone (db/series.py: US Eastern for NASCAR, UTC for F1),
whoever reads it; Discord adds `<t:…>` timestamps for the reader's own zone on top (bot/render/embeds.py).
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.render import safe
from db.models import (
    EASTERN,
    Broadcasters,
    DriverAtTrack,
    DriverCareer,
    DriverFigures,
    DriverSeason,
    HeadToHead,
    Leaders,
    NextRaces,
    Qualifying,
    RaceRef,
    RaceResults,
    RaceSummary,
    Schedule,
    SeriesCareer,
    Session,
    SprintWinner,
    Standings,
    TeamRecord,
    TeamSeason,
    TeamSeriesRecord,
    TrackLine,
    TrackRecord,
    WinnerAnswer,
    series_zone,
)
from db.records import Record
from db.series import SERIES

KIND_WORDS = {
    "road": "road course", "superspeedway": "superspeedway", "dirt": "dirt track", "oval": "oval", "street": "street circuit",
}
# NASCAR's history and feed (every NASCAR series' `credit`, db/data/series.csv), and the line crediting them alone
NASCAR_SOURCES = next(series.credit for series in SERIES.values() if series.family == "nascar")
NASCAR_CREDIT = f"Data: {NASCAR_SOURCES}"
JOLPICA_CREDIT = "Jolpica (jolpi.ca; results newer than F1DB's, licensed for non-commercial use)"


def _code_span(text: str) -> str:
    return f"`{text}`"


class Markup(Record):
    """How data text, emphasis and a command to type are written in one output format."""

    escape: Callable[[str | None], str]
    bold: Callable[[str], str]
    code: Callable[[str], str] = _code_span   # markdown's code span; the terminal shows the command as it is


def _strong(text: str) -> str:
    return f"**{text}**"


PLAIN = Markup(safe.plain, str, str)
REDDIT = Markup(safe.reddit, _strong)
DISCORD = Markup(safe.discord, _strong)


def ordinal(number: int) -> str:
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def series_short(key: str) -> str:
    """`Cup`, `Xfinity`, `Truck`: the series' short name from the reference data."""
    series = SERIES.get(key)
    return series.short_name if series else safe.plain(key.title())


def series_words(key: str, name: str) -> str:
    """`Truck Series` (the name without NASCAR and the sponsor); `name` for a series the data does not describe."""
    series = SERIES.get(key)
    return f"{series.short_name} Series" if series else name


def race_label(race: RaceSummary | RaceRef) -> str:
    """`2022 Truck R15` (`2023 Cup exhibition` when the race has no round)."""
    round_part = f"R{race.round}" if race.round else "exhibition"
    return f"{race.season} {series_short(race.series)} {round_part}"


def plural(count: int, word: str, many: str | None = None) -> str:
    return f"{count} {word if count == 1 else (many or word + 's')}"


def average(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


def unknown_dash(value: int | None) -> int | str:
    """A figure, or `–` when the data does not hold it."""
    return "–" if value is None else value


def car(number: str | None) -> str:
    return f"#{number}" if number else ""


def seasons(first: int, last: int) -> str:
    """`2013–2023`, or `2025` for a single season."""
    return str(first) if first == last else f"{first}–{last}"


def led_phrase(led: int, laps: int | None, number: Callable[[int], str] = str) -> str:
    """`led 56 of 67 laps`, `led all 400 laps`, `led all but 3 laps` (callers leave out an unknown figure);
    `number` writes the count of laps not led (words in the recap's prose)."""
    if not led:
        return "led no laps"
    if not laps:
        return f"led {plural(led, 'lap')}"
    if led >= laps:
        return f"led all {laps} laps"
    if laps - led <= 5 and laps >= 50:
        return f"led all but {number(laps - led)} lap{'s' if laps - led > 1 else ''}"
    return f"led {led} of {laps} laps"


def winner_line(race: RaceSummary, m: Markup = PLAIN) -> str:
    """`Parker Kligerman (#75 Henderson Motorsports Chevrolet), from 2nd, led 56 of 67 laps` (the name in `m`'s bold);
    what the data says instead when there is no winner to name."""
    if not race.winner:
        return no_winner(race)
    parts = _driver_in_car(race.winner, race.winner_car, race.winner_team, race.winner_make, race.winner_start, m)
    if race.winner_led is not None:
        parts.append(led_phrase(race.winner_led, race.laps))
    return ", ".join(parts)


def sprint_line(sprint: SprintWinner, m: Markup = PLAIN) -> str:
    """`Max Verstappen (#1 Red Bull Honda RBPT), from pole`: a weekend's sprint winner, as `winner_line` words a winner."""
    return ", ".join(_driver_in_car(sprint.driver, sprint.car, sprint.team, sprint.make, sprint.start, m))


def _driver_in_car(
    driver: str, car_number: str | None, team: str | None, make: str | None, start: int | None, m: Markup
) -> list[str]:
    """[`**Name** (#75 Team Make)`, `from 2nd`]: the name in `m`'s bold, the car, and the place it started from."""
    make = make if make != team else None    # F1's Ferrari Ferrari once
    machine = " ".join(part for part in (car(m.escape(car_number)), m.escape(team), m.escape(make)) if part)
    parts = [m.bold(m.escape(driver)) + (f" ({machine})" if machine else "")]
    if start:
        parts.append("from pole" if start == 1 else f"from {ordinal(start)}")
    return parts


def no_winner(race: RaceSummary) -> str:
    """What to say when a race has no winner we can name."""
    return "not run yet" if race.status == "scheduled" else "not in the data"


def winner_heading(answer: WinnerAnswer, m: Markup = PLAIN) -> str:
    """The heading of a /winner answer, claiming only the order the data holds (see queries.latest_first), and the
    round asked for (`…, round 7`)."""
    heading = _winner_heading(answer, m)
    return f"{heading}, round {answer.round}" if answer.round else heading


def _winner_heading(answer: WinnerAnswer, m: Markup) -> str:
    track = m.escape(answer.track)
    if not track:            # no track asked: the latest race of each series
        several = len(answer.races) > 1
        latest = "Latest race of each series" if several else f"Most recent {series_short(answer.races[0].series)} race"
        return f"{latest} in {answer.season}" if answer.season else latest
    if answer.named_race:    # `Most recent British Grand Prix`
        if answer.season:
            return f"{track} in {answer.season}"
        return f"Latest {track} of each series" if len(answer.races) > 1 else f"Most recent {track}"
    if answer.season:   # `Xfinity races at Texas Motor Speedway in 2024` when a series was asked for
        races = f"{series_short(answer.series)} races" if answer.series else "Races"
        return f"{races} at {track} in {answer.season}"
    if len(answer.races) > 1:
        return f"Latest race of each series at {track}"
    return f"Most recent {series_short(answer.races[0].series)} race at {track}"


def drivers_heading(answer: HeadToHead, m: Markup = PLAIN) -> str:
    """`Kyle Busch vs Kyle Larson`."""
    return f"{m.escape(answer.first.driver)} vs {m.escape(answer.second.driver)}"


LINEUP_NOTE = "Starting lineup as raced: the data has no qualifying session for this race."


def leaders_heading(answer: Leaders, m: Markup = PLAIN) -> str:
    """`NASCAR Cup Series: most wins, 1949–2025`; with a season, `2024 NASCAR Cup Series: most wins`; at a track,
    `NASCAR Cup Series: most laps led at Bristol Motor Speedway, 1961–2025`."""
    there = f" at {m.escape(answer.place)}" if answer.place else ""
    ranked = f"best average {answer.stat_label}" if answer.stat == "rating" else f"most {answer.stat_label}"
    if answer.season:
        return f"{answer.season} {m.escape(answer.series_name)}: {ranked}{there}"
    span = (f"{answer.first_season}–{answer.last_season}" if answer.last_season != answer.first_season
            else str(answer.first_season))
    return f"{m.escape(answer.series_name)}: {ranked}{there}, {span}"


def more_tied_line(answer: Leaders) -> str:
    """`…and 12 more tied on 29.` when drivers tied with the last row did not fit."""
    if not answer.more_tied:
        return ""
    value = answer.rows[-1].value
    return f"…and {answer.more_tied} more tied on {value if isinstance(value, int) else f'{value:.1f}'}."


def races_together(answer: HeadToHead, m: Markup = PLAIN) -> str:
    """`412 Cup races together`, `40 Cup races together at Martinsville Speedway`, `36 races together in 2024`."""
    scope = f"{series_short(answer.series)} " if answer.series else ""
    there = f" at {m.escape(answer.place)}" if answer.place else ""
    when = f" in {answer.year}" if answer.year else ""
    return f"{plural(answer.races, scope + 'race')} together{there}{when}"


def race_facts(race: RaceSummary) -> list[str]:
    """A race's figures we actually have: laps, stages, cautions, lead changes, margin, starters (numbers only)."""
    facts = []
    laps = race.laps or race.scheduled_laps
    if laps:
        scheduled = race.scheduled_laps and race.laps and race.laps != race.scheduled_laps
        facts.append(f"{laps} laps" + (f" (scheduled {race.scheduled_laps})" if scheduled else ""))
    if race.stage_laps:
        facts.append("stages " + "/".join(str(n) for n in race.stage_laps))
    if race.cautions is not None:
        caution_laps = f" for {plural(race.caution_laps, 'lap')}" if race.caution_laps is not None else ""
        facts.append(f"{plural(race.cautions, 'caution')}{caution_laps}")
    if race.lead_changes is not None:
        among = f" among {plural(race.leaders, 'driver')}" if race.leaders is not None else ""
        facts.append(f"{plural(race.lead_changes, 'lead change')}{among}")
    if race.margin is not None:
        facts.append(f"margin {race.margin:.3f} s")
    if race.field_size:
        facts.append(f"{race.field_size} starters")
    return facts


@functools.lru_cache(maxsize=4096)   # a season's start times, asked again and again by /schedule and /next
def eastern_day(moment: datetime, zone: ZoneInfo = EASTERN) -> date:
    """The day of `moment` in US Eastern time (or in `zone`)."""
    return moment.astimezone(zone).date()


def race_day(race: RaceSummary, *, weekday: bool = True) -> str:
    """The race's date in its series' zone: `Fri Mar 3, 2023` (`Mar 3, 2023` without the weekday); "" when unknown."""
    if race.starts_at is None:
        return ""
    return _day_text(race.starts_at, weekday, race.zone)


@functools.lru_cache(maxsize=4096)
def _day_text(moment: datetime, weekday: bool, zone: ZoneInfo = EASTERN) -> str:
    day = eastern_day(moment, zone)
    return f"{day:%a %b} {day.day}, {day.year}" if weekday else f"{day:%b} {day.day}, {day.year}"


def race_when(race: RaceSummary) -> str:
    """`Fri Mar 3, 2023 9:00 PM EST` (`Sun Mar 8, 2026 4:00 AM UTC` for F1), or only the day when the source gave
    no time; "" when undated."""
    if race.starts_at is None:
        return ""
    return race_day(race) if race.date_only else eastern_time(race.starts_at, race.zone)


def weekends_listed(schedule: Schedule) -> dict[int, list[Session]]:
    """The weekends a schedule lists under its races: those with more than the race itself (F1DB dates weekends
    before 2006 or so by their race alone, which the race's own row already shows)."""
    return {race_id: weekend for race_id, weekend in schedule.sessions.items()
            if any(session.session != "race" for session in weekend)}


def session_when(series: str, moment: datetime, date_only: bool) -> str:
    """A weekend session's start in its series' zone (`Fri Mar 6, 2026 1:30 AM UTC`), or its day."""
    zone = series_zone(series)
    return _day_text(moment, True, zone) if date_only else eastern_time(moment, zone)


SESSION_NAMES = {
    "practice_1": "Practice 1", "practice_2": "Practice 2", "practice_3": "Practice 3",
    "sprint_qualifying": "Sprint qualifying", "qualifying": "Qualifying", "sprint": "Sprint", "race": "Race",
}


@functools.lru_cache(maxsize=4096)
def eastern_time(moment: datetime, zone: ZoneInfo = EASTERN) -> str:
    """`Sun Apr 2, 2023 3:30 PM EDT` (EST or EDT as the date requires; or the time in `zone`)."""
    local = moment.astimezone(zone)
    hour = local.strftime("%I").lstrip("0")
    return f"{local:%a %b} {local.day}, {local.year} {hour}:{local:%M %p %Z}"


def relative_time(moment: datetime, now: datetime) -> str:
    """`in 3 days`, `in 5 hours`, `40 minutes ago`."""
    seconds = (moment - now).total_seconds()
    size = abs(seconds)
    for unit, length in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if size >= length:
            amount = plural(int(size // length), unit)
            break
    else:
        amount = "less than a minute"
    return f"in {amount}" if seconds > 0 else f"{amount} ago"


def meetings_line(meetings: list[RaceRef], m: Markup = PLAIN) -> str:
    """`Last meeting: 2025 Cup R36 at Phoenix Raceway`, or the latest of each series when the data cannot order
    them."""
    places = [f"{race_label(race)} at {m.escape(race.track)}" for race in meetings]
    if not places:
        return ""
    if len(places) == 1:
        return f"Last meeting: {places[0]}"
    return f"Latest meetings in {meetings[0].season}, one per series: " + "; ".join(places)


def schedule_zone(answer: Schedule) -> str:
    """`US Eastern`, `UTC`, or `each series' zone` when a schedule mixes series dated in different zones."""
    zones = {series_zone(key) for key in {entry.race.series for entry in answer.races}}
    if len(zones) > 1:
        return "in each series' zone"
    return "US Eastern" if not zones or zones == {EASTERN} else next(iter(zones)).key


def team_mates_line(answer: HeadToHead, m: Markup = PLAIN) -> str:
    """`Team-mates in 78 races (Mercedes): Lewis Hamilton ahead 41, Nico Rosberg 35`; "" when never team-mates."""
    mates = answer.team_mates
    if mates is None:
        return ""
    teams = ", ".join(m.escape(team) for team in mates.teams)
    return (f"Team-mates in {plural(mates.races, 'race')} ({teams}): {m.escape(answer.first.driver)} ahead {mates.first_ahead}, "
            f"{m.escape(answer.second.driver)} {mates.second_ahead}")


def also_line(command: str, names: tuple[str, ...], m: Markup = PLAIN) -> str:
    """`Also: Bruno Senna — /driver bruno senna`: the others a typed name matched, and how to ask for each."""
    if not names:
        return ""
    def typed(name: str) -> str:   # inside a code span: plain text, no markup to escape, no backtick to end it
        return safe.plain(name).casefold().replace("`", "")

    return "Also: " + "; ".join(f"{m.escape(name)} — {m.code(f'/{command} {typed(name)}')}" for name in names)


def team_totals(record: TeamSeriesRecord) -> str:
    """`1133 starts · 250 wins · 845 podiums · 250 poles · 16 titles` (titles where the series has official tables)."""
    parts = [plural(record.starts, "start"), plural(record.wins, "win"), plural(record.podiums, "podium"),
             plural(record.poles, "pole")]
    if record.titles is not None:
        parts.append(plural(record.titles, "title"))
    return " · ".join(parts)


def team_wins_line(record: TeamSeriesRecord, m: Markup = PLAIN) -> str:
    """`First win: 1951 F1 R5, Silverstone Circuit · latest: 2026 F1 R9, Silverstone Circuit` ("" with no win)."""
    first, latest = record.first_win, record.latest_win
    if first is None:
        return ""
    text = f"First win: {race_label(first)}, {m.escape(first.track)}"
    if latest and latest != first:
        text += f" · latest: {race_label(latest)}, {m.escape(latest.track)}"
    return text


def team_winners_line(record: TeamSeriesRecord, m: Markup = PLAIN) -> str:
    """`Most wins: Michael Schumacher 72, Niki Lauda 15, …` ("" with no win)."""
    if not record.top_drivers:
        return ""
    return "Most wins: " + ", ".join(f"{m.escape(t.driver)} {t.count}" for t in record.top_drivers)


def broadcast_line(on: Broadcasters | None, m: Markup = PLAIN) -> str:
    """`TV: FOX · Radio: MRN · Satellite radio: SIRIUSXM`, naming only who the data names (empty: nobody)."""
    if on is None:
        return ""
    named = (("TV", on.tv), ("Radio", on.radio), ("Satellite radio", on.satellite_radio))
    return " · ".join(f"{label}: {m.escape(name)}" for label, name in named if name)


def starts_since(career: SeriesCareer) -> str:
    """`, 72 starts since` after a latest win, when the driver has started since it."""
    since = career.starts_since_win
    return f", {plural(since, 'start')} since" if since else ""


def rating_figure(figures: DriverFigures | DriverSeason) -> str:
    """`avg rating 98.2` (NASCAR's driver rating over the starts that have one), saying how many when not every start
    has one: `avg rating 98.2 (612 of 830 starts)`; empty when none has."""
    if figures.avg_rating is None:
        return ""
    covered = f" ({figures.rated} of {figures.starts} starts)" if figures.rated < figures.starts else ""
    return f"avg rating {figures.avg_rating:.1f}{covered}"


def rating_note(lines: Iterable[DriverFigures]) -> str:
    """What a Rating column means, and which series' averages leave starts out (the history has ratings from 2005)."""
    lines = [line for line in lines if line.avg_rating is not None]
    if not lines:
        return ""
    partial = [f"{series_short(line.series)} {line.rated} of {line.starts}" for line in lines if line.rated < line.starts]
    covered = f" ({', '.join(partial)} starts)" if partial else ""
    return (f"Rating: NASCAR's driver rating (150 at most; the data has it from 2005), averaged over the starts that "
            f"have one{covered}.")


def driver_season_line(line: DriverSeason, official: bool) -> str:
    """`2021: 36 starts, 10 wins, 20 top 5, 26 top 10, 4 poles, 2,581 laps led, avg finish 9.7, 2 DNFs`; in a series
    with official tables (F1), podiums instead of top 5 and top 10, no laps led, and the standings: `· 1st, 395.5 points`."""
    figures = [plural(line.starts, "start"), plural(line.wins, "win")]
    figures += [plural(line.podiums, "podium")] if official else [f"{line.top5} top 5", f"{line.top10} top 10"]
    figures.append(plural(line.poles, "pole"))
    if line.laps_led is not None and not official:
        figures.append(f"{line.laps_led:,} laps led")
    figures += [f"avg finish {average(line.avg_finish)}", plural(line.dnfs, "DNF")]
    if line.avg_rating is not None:
        figures.append(rating_figure(line))
    place = ""
    if line.position is not None and line.points is not None:
        place = f" · {ordinal(line.position)}, {line.points:g} points"
    return f"{line.season}: " + ", ".join(figures) + place


def finishes_line(season: DriverSeason) -> list[str]:
    """Each race's result in round order, wins in bold: `38`, `**1**`, `DNF` (F1's code where no position counts)."""
    return [f"**{race.finish}**" if race.finish == 1 and not race.status_code else str(race.status_code or race.finish)
            for race in season.races]


def season_lines(answer: DriverCareer) -> list[str]:
    """The season /driver was asked about, a line per series (`Cup 2021: 36 starts, …`), or that it has no start."""
    lines = [f"{series_short(career.series)} {driver_season_line(career.season, career.championships is not None)}"
             for career in answer.series.values() if career.season]
    missing = no_start_line(answer)
    return [missing] if missing else lines


def born_on(answer: DriverCareer) -> str | None:
    """`Sep 30, 1997`: the driver's date of birth, where the data has it."""
    return f"{answer.born:%b} {answer.born.day}, {answer.born.year}" if answer.born else None


def no_start_line(answer: DriverCareer) -> str | None:
    """`No starts in 1990 in the data.` when /driver was asked about a season the driver did not race."""
    if answer.year is None or any(career.season for career in answer.series.values()):
        return None
    return f"No starts in {answer.year} in the data."


def team_season_line(line: TeamSeason, m: Markup = PLAIN) -> str:
    """`2021: 22 starts, 1 win, 5 podiums, 1 pole · 4th, 275 points · Daniel Ricciardo, Lando Norris`."""
    figures = (f"{line.season}: {plural(line.starts, 'start')}, {plural(line.wins, 'win')}, "
               f"{plural(line.podiums, 'podium')}, {plural(line.poles, 'pole')}")
    place = ""
    if line.position is not None and line.points is not None:
        place = f" · {ordinal(line.position)}, {line.points:g} points"
    return f"{figures}{place} · " + ", ".join(m.escape(name) for name in line.drivers)


def driver_at_heading(answer: DriverAtTrack, m: Markup = PLAIN) -> str:
    """`Kyle Larson at Bristol Motor Speedway`, `… in 2021` for a season."""
    season = f" in {answer.year}" if answer.year else ""
    return f"{m.escape(answer.driver)} at {m.escape(answer.place)}{season}"


def seasons_won(line: TrackLine) -> str:
    """`2025, 2024, 2021`, `1972 ×2`: the seasons of a driver's wins at a place, latest first, a season won twice so."""
    won = Counter(race.season for race in line.wins_at)   # in the wins' order: latest first
    return ", ".join(f"{season} ×{count}" if count > 1 else str(season) for season, count in won.items())


def latest_start_line(line: TrackLine, m: Markup = PLAIN) -> str:
    """`2025 Cup R29 (Bass Pro Shops Night Race): 32nd`."""
    return f"{race_label(line.latest)} ({m.escape(line.latest.name)}): {ordinal(line.latest_finish)}"


def standings_basis(answer: Standings) -> str:
    """What computed standings count: `points from race results` (F1's, to a round: `race and sprint results`)."""
    known = SERIES.get(answer.series)
    return f"points from race{' and sprint' if known is not None and known.official_standings else ''} results"


def standings_span(answer: Standings) -> str:
    """`after 10 races`; `after round 10` for the round asked for, with the races counted when fewer had results."""
    counted = plural(answer.races_counted, "race")
    if answer.through is None:
        return f"after {counted}"
    return f"after round {answer.through}" + (f" ({counted} with results)" if answer.races_counted != answer.through else "")


def credits(series: Iterable[str], races: Iterable[RaceSummary] = ()) -> list[str]:
    """The data sources owed credit by whatever shows data of `series` and the results of `races`, each once: each
    series' own `credit` (db/data/series.csv: nascaR.data's and NASCAR's for NASCAR, and for no series; F1DB's, which
    its CC BY 4.0 licence requires), NASCAR's first, and Jolpica's for an F1 race whose results came from it (the
    watcher's imports)."""
    keys = [key for key in series if key in SERIES]
    families = {SERIES[key].family for key in keys}
    found = [NASCAR_SOURCES] if not families or "nascar" in families else []
    found += dict.fromkeys(SERIES[key].credit for key in keys if SERIES[key].family != "nascar")
    if any(race.source == "feed" and SERIES[race.series].family == "f1" for race in races):
        found.append(JOLPICA_CREDIT)
    return found


def credit_text(series: Iterable[str], races: Iterable[RaceSummary] = ()) -> str:
    """The credits in one line after one `Data:`: `Data: nascaR.data (DriverAverages.com), NASCAR, F1DB (CC BY 4.0)`."""
    return "Data: " + ", ".join(credits(series, races))


def _covered(answer: object) -> tuple[list[str], list[RaceSummary]]:
    """The series a command's answer covers, and the races whose results it shows."""
    match answer:
        case WinnerAnswer():
            races = answer.races
        case RaceResults() | Qualifying():
            races = [answer.race]
        case Schedule():
            races = [entry.race for entry in answer.races]
        case NextRaces():
            races = answer.racing_now + answer.upcoming
        case HeadToHead():
            return [race.series for race in answer.latest_meetings], []
        case Standings() | Leaders():
            return [answer.series], []
        case DriverCareer() | DriverAtTrack() | TeamRecord() | TrackRecord():
            return list(answer.series), []
        case _:
            raise TypeError(f"no data credit for {type(answer).__name__}")
    return [race.series for race in races], races


def credit_line(answer: object) -> str:
    """An answer's data credits in one line, as every Discord answer's footer shows them: `Data: F1DB (CC BY 4.0)`."""
    return credit_text(*_covered(answer))


def credit_due(answer: object) -> str:
    """The credit line the terminal and `--json` show: wherever the answer covers a series outside NASCAR (F1DB's
    licence requires it), NASCAR's too in an answer of both; "" for NASCAR alone, whose answers there carry none."""
    series, races = _covered(answer)
    if all(SERIES[key].family == "nascar" for key in series if key in SERIES):
        return ""
    return credit_text(series, races)
