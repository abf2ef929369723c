"""The slash commands Pitboard answers, defined once for the terminal console and the Discord cogs.

Each question names its options (the same names Discord shows) and the query that answers it.
`parse_slash` turns what a user types (`/winner track:mid-ohio year:2022`) into options;
`ask` runs the query. The cogs declare the same options with app_commands (a test keeps them equal).
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from typing import Any, Awaitable, Callable

from rapidfuzz import process

from db import queries
from db.errors import BadOption, UnknownName, shown
from db.store import Store

MAX_COMMAND_LENGTH = 2000


@dataclass(frozen=True)
class Option:
    name: str
    kind: type                      # str or int
    description: str
    required: bool = False
    lookup: str | None = None       # track, driver or series: resolved by name, autocompleted


@dataclass(frozen=True)
class Question:
    name: str
    description: str
    options: tuple[Option, ...]
    answer: Callable[..., Awaitable[Any]]

    def option(self, name: str) -> Option | None:
        return next((option for option in self.options if option.name == name), None)


TRACK = Option("track", str, "Track name or nickname (mid-ohio, dega, the glen)", True, "track")
YEAR = Option("year", int, "Season, e.g. 2022")
SERIES = Option("series", str, "cup, xfinity or truck", lookup="series")

QUESTIONS: dict[str, Question] = {
    question.name: question
    for question in (
        Question("winner", "Who won at a track (most recent race, or every race there in a year)",
                 (TRACK, YEAR, SERIES), queries.winner),
        Question("results", "Full results of a race at a track",
                 (TRACK, YEAR, SERIES, Option("round", int, "Round number in the season")), queries.results),
        Question("driver", "A driver's career, series by series",
                 (Option("name", str, "Driver name (kligerman, kyle larson)", True, "driver"), SERIES), queries.driver),
        Question("track", "A track's record: winners by year, most wins and poles",
                 (Option("name", str, "Track name or nickname", True, "track"), SERIES), queries.track),
        Question("standings", "Points earned from race results in a season",
                 (Option("series", str, "cup, xfinity or truck", True, "series"),
                  Option("season", int, "Season (default: the latest in the data)")), queries.standings),
        Question("h2h", "Two drivers head to head in the races both started",
                 (Option("driver1", str, "First driver", True, "driver"),
                  Option("driver2", str, "Second driver", True, "driver"), SERIES), queries.h2h),
        Question("next", "The next race (and any race running now)", (SERIES,), queries.next_races),
        Question("schedule", "A season's schedule with results so far",
                 (SERIES, Option("season", int, "Season (default: the current one)")), queries.schedule),
    )
}

_KEYED = re.compile(r"^([a-z0-9_]+):(.*)$", re.DOTALL)


def _convert(option: Option, raw: str) -> Any:
    raw = raw.strip()
    if option.kind is int:
        if not re.fullmatch(r"[+-]?\d{1,6}", raw):
            raise BadOption(f"`{option.name}` must be a whole number, like 2022 (got “{shown(raw)}”).")
        return int(raw)
    if not raw:
        raise BadOption(f"`{option.name}` needs a value.")
    return raw


def parse_slash(text: str) -> tuple[Question, dict[str, Any]]:
    """`/winner track:mid-ohio year:2022` → (winner, {"track": "mid-ohio", "year": 2022}).

    The first option may be given without its name (`/winner mid-ohio`); words after an option
    continue its value (`/winner track:watkins glen`); quotes group words (`name:"Parker Kligerman"`).
    """
    if len(text) > MAX_COMMAND_LENGTH:
        raise BadOption(f"That command is too long ({len(text)} characters; the limit is {MAX_COMMAND_LENGTH}).")
    try:
        tokens = shlex.split(text)
    except ValueError as error:
        raise BadOption(f"Could not read that command ({error}); check the quotes.") from error
    if not tokens or not tokens[0].startswith("/"):
        raise BadOption("Type a slash command, for example `/winner mid-ohio`. Commands: " + _command_list())
    name = tokens[0][1:].casefold()
    question = QUESTIONS.get(name)
    if question is None:
        close = [hit for hit, _, _ in process.extract(name, list(QUESTIONS), limit=3, score_cutoff=50)]
        raise UnknownName("command", tokens[0], [f"/{hit}" for hit in close] or [f"/{q}" for q in QUESTIONS])

    values: dict[str, list[str]] = {}
    growing: str | None = None  # the option that following words extend
    required = [option for option in question.options if option.required]
    for token in tokens[1:]:
        keyed = _KEYED.match(token)
        if keyed and question.option(keyed.group(1).casefold()):
            growing = keyed.group(1).casefold()
            if growing in values:
                raise BadOption(f"`{growing}` is given twice.")
            values[growing] = [keyed.group(2)]
            continue
        if keyed and "://" not in token:
            raise BadOption(
                f"/{question.name} has no option `{shown(keyed.group(1))}`. Options: "
                + ", ".join(option.name for option in question.options)
            )
        number_slot = next((o for o in question.options if o.kind is int and o.name not in values), None)
        if token.isdigit() and number_slot and not _expects_number(question, growing):
            values[number_slot.name] = [token]  # `/winner mid-ohio 2022`
            growing = None
        elif growing is not None:
            values[growing].append(token)  # `/winner track:watkins glen`
        else:
            waiting = [o for o in required if o.name not in values] or [
                o for o in question.options if o.kind is str and o.name not in values
            ]
            if not waiting:
                raise BadOption(f"Too many values for /{question.name}; name the options, like `year:2022`.")
            values[waiting[0].name] = [token]
            # With two required names (`/h2h "kyle busch" "kyle larson"`) each word is one value.
            growing = waiting[0].name if len(required) <= 1 else None
    options = {}
    for option in question.options:
        if option.name in values:
            options[option.name] = _convert(option, " ".join(values[option.name]))
        elif option.required:
            raise BadOption(f"/{question.name} needs `{option.name}`: " + usage(question))
    return question, options


def _expects_number(question: Question, current: str | None) -> bool:
    option = question.option(current) if current else None
    return option is not None and option.kind is int


def usage(question: Question) -> str:
    parts = [f"/{question.name}"]
    for option in question.options:
        parts.append(f"{option.name}:…" if option.required else f"[{option.name}:…]")
    return " ".join(parts)


def _command_list() -> str:
    return ", ".join(f"/{name}" for name in QUESTIONS)


async def ask(store: Store, question: Question, options: dict[str, Any]) -> Any:
    """Answer a parsed question; raises PitboardError (with suggestions) for anything the user can fix."""
    return await question.answer(store, **options)
