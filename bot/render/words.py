"""Small phrases shared by every rendering: ordinals, race labels, laps-led wording."""

from __future__ import annotations

import functools
from datetime import datetime
from zoneinfo import ZoneInfo

from db.models import RaceRef, RaceSummary

EASTERN = ZoneInfo("America/New_York")   # NASCAR publishes its schedule in US Eastern time

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


def led_phrase(led: int | None, laps: int | None) -> str:
    """`led 56 of 67 laps`, `led all 400 laps`, `led all but 3 laps`."""
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
        return "no winner in the data yet"
    machine = " ".join(part for part in (car(race.winner_car), race.winner_team, race.winner_make) if part)
    parts = [f"{race.winner} ({machine})" if machine else race.winner]
    if race.winner_start:
        parts.append("from pole" if race.winner_start == 1 else f"from {ordinal(race.winner_start)}")
    parts.append(led_phrase(race.winner_led, race.laps))
    return ", ".join(parts)


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
