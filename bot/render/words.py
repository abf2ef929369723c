"""Small phrases shared by every rendering: ordinals, race labels, laps-led wording, race dates.

Every date shown is the race's date in US Eastern time (`EASTERN`, NASCAR's convention), whoever reads it;
Discord adds `<t:…>` timestamps for the reader's own zone on top (bot/render/embeds.py).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime

from db.models import EASTERN, RaceRef, RaceSummary, WinnerAnswer

SERIES_SHORT = {"cup": "Cup", "xfinity": "Xfinity", "truck": "Truck"}
KIND_WORDS = {"road": "road course", "superspeedway": "superspeedway", "dirt": "dirt track", "oval": "oval"}


def ordinal(number: int) -> str:
    if 10 <= number % 100 <= 20:
        suffix = "th"
    else:
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def series_short(key: str) -> str:
    return SERIES_SHORT.get(key, key.title())


def race_label(race: RaceSummary | RaceRef) -> str:
    """`2022 Truck R15` (`2023 Cup exhibition` when the race has no round)."""
    round_part = f"R{race.round}" if race.round else "exhibition"
    return f"{race.season} {series_short(race.series)} {round_part}"


def plural(count: int, word: str, many: str | None = None) -> str:
    return f"{count} {word if count == 1 else (many or word + 's')}"


def average(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


def car(number: str | None) -> str:
    return f"#{number}" if number else ""


def seasons(first: int, last: int) -> str:
    """`2013–2023`, or `2025` for a single season."""
    return str(first) if first == last else f"{first}–{last}"


def led_phrase(led: int, laps: int | None) -> str:
    """`led 56 of 67 laps`, `led all 400 laps`, `led all but 3 laps` (callers leave out an unknown figure)."""
    if not led:
        return "led no laps"
    if not laps:
        return f"led {plural(led, 'lap')}"
    if led >= laps:
        return f"led all {laps} laps"
    if laps - led <= 5 and laps >= 50:
        return f"led all but {plural(laps - led, 'lap')}"
    return f"led {led} of {laps} laps"


def status_words(status: str | None) -> str:
    return status or "–"


def winner_line(race: RaceSummary) -> str:
    """`Parker Kligerman (#75 Henderson Motorsports Chevrolet), from 2nd, led 56 of 67 laps`."""
    if not race.winner:
        return no_winner(race)
    machine = " ".join(part for part in (car(race.winner_car), race.winner_team, race.winner_make) if part)
    parts = [f"{race.winner} ({machine})" if machine else race.winner]
    if race.winner_start:
        parts.append("from pole" if race.winner_start == 1 else f"from {ordinal(race.winner_start)}")
    if race.winner_led is not None:
        parts.append(led_phrase(race.winner_led, race.laps))
    return ", ".join(parts)


def no_winner(race: RaceSummary) -> str:
    """What to say when a race has no winner we can name."""
    return "not run yet" if race.status == "scheduled" else "not in the data"


def winner_heading(answer: WinnerAnswer) -> str:
    """The heading of a /winner answer, claiming only the order the data holds (see queries.latest_first)."""
    if answer.season:
        return f"Races at {answer.track} in {answer.season}"
    if len(answer.races) > 1:
        return f"Latest race of each series at {answer.track}"
    return f"Most recent {series_short(answer.races[0].series)} race at {answer.track}"


def race_day(race: RaceSummary, *, weekday: bool = True) -> str:
    """The race's date in US Eastern time: `Fri Mar 3, 2023` (`Mar 3, 2023` without the weekday); "" when unknown."""
    day = race.day
    if day is None:
        return ""
    return f"{day:%a %b} {day.day}, {day.year}" if weekday else f"{day:%b} {day.day}, {day.year}"


def race_when(race: RaceSummary) -> str:
    """`Fri Mar 3, 2023 9:00 PM EST`, or only the day when the feed gave no time; "" when undated."""
    if race.starts_at is None:
        return ""
    return race_day(race) if race.date_only else eastern_time(race.starts_at)


@functools.lru_cache(maxsize=4096)   # a season's start times, asked again and again by /schedule and /next
def eastern_time(moment: datetime) -> str:
    """`Sun Apr 2, 2023 3:30 PM EDT` (EST or EDT as the date requires)."""
    local = moment.astimezone(EASTERN)
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


def meetings_line(meetings: list[RaceRef], show: Callable[[str], str] = str) -> str:
    """`Last meeting: 2025 Cup R36 at Phoenix Raceway`, or the latest of each series when the data cannot order
    them; `show` renders a name from the data (escaping it for Discord)."""
    places = [f"{race_label(race)} at {show(race.track)}" for race in meetings]
    if not places:
        return ""
    if len(places) == 1:
        return f"Last meeting: {places[0]}"
    return f"Latest meetings in {meetings[0].season}, one per series: " + "; ".join(places)
