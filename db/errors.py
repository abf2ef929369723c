"""Errors whose message is written for the person who asked, with suggestions when we have them."""

from __future__ import annotations

import unicodedata

SHOWN_INPUT_LIMIT = 40


def shown(text: str) -> str:
    """User input as it may be echoed back: printable characters only, no backticks, and short."""
    printable = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C").replace("`", "'")
    printable = " ".join(printable.split())
    if len(printable) > SHOWN_INPUT_LIMIT:
        printable = printable[: SHOWN_INPUT_LIMIT - 1] + "…"
    return printable


class PitboardError(Exception):
    """A failure to answer that the user can act on (unknown name, bad option, no such race).

    When its suggestions are names that could stand in for one the user typed, `what` says the kind of name (`track`,
    `driver`) and `typed` the text they stand in for (Discord offers them as buttons: bot/suggestions.py)."""

    def __init__(self, message: str, suggestions: list[str] | None = None, *, what: str | None = None,
                 typed: str | None = None):
        super().__init__(message)
        self.message = message
        self.suggestions = list(suggestions or [])
        self.what = what
        self.typed = typed


class BadOption(PitboardError):
    """An option value that cannot be used (too long, empty, out of range, not a number)."""


class UnknownName(PitboardError):
    """No track, driver or series by that name."""

    def __init__(self, what: str, text: str, suggestions: list[str], *, instead: str = ""):
        """`instead`: what the text names instead, and how to ask about that (no suggestions then)."""
        hint = f" {instead}" if instead else " Did you mean one of these?" if suggestions else ""
        super().__init__(f"I don't know a {what} called “{shown(text)}”.{hint}", [] if instead else suggestions,
                         what=what, typed=text)


class AmbiguousName(PitboardError):
    """More than one track, driver or series fits: the user has to pick. For drivers and teams, `keys` are the ids of
    every one that fits (most likely first) and `series` the series typed with the name, so that a season asked
    about can narrow them (db/names.py `narrowed_to_season`)."""

    def __init__(self, what: str, text: str, suggestions: list[str], total: int, *, keys: tuple[int, ...] = (),
                 series: str | None = None):
        more = f" (showing {len(suggestions)} of {total})" if total > len(suggestions) else ""
        super().__init__(f"“{shown(text)}” could be more than one {what}{more}. Which one?", suggestions, what=what,
                         typed=text)
        self.keys = keys
        self.series = series


class NoData(PitboardError):
    """The name resolved but the store holds nothing for the question asked."""


class NoUpcomingRace(NoData):
    """No race still to run at the place asked; `last_season` is the latest season the store has a race there in."""

    def __init__(self, message: str, last_season: int):
        super().__init__(message)
        self.last_season = last_season


class FeedError(Exception):
    """A feed document that is malformed, implausible or partial; nothing from it was written.

    `field` is the JSON path of the value at fault (`weekend_race[0].results[3].laps_led`, or
    `document` for the whole thing); the message is one line: `<field>: <problem>`.
    """

    def __init__(self, field: str, problem: str):
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem
