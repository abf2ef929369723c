"""The slash commands Pitboard answers, defined once for the terminal console and the Discord cogs.

Each question names its options (the same names Discord shows) and the query that answers it.
`parse_slash` turns what a user types (`/winner track:mid-ohio year:2022`, or as fans type it:
`/winner martinsville 2023 truck`) into options; `ask` runs the query. The Discord cogs build their
commands from this registry (cogs/utils/options.py): names, descriptions, ranges and autocomplete.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Coroutine
from datetime import date, datetime
from typing import Any

from rapidfuzz import process

from db import queries
from db.errors import BadOption, UnknownName, shown
from db.models import EASTERN
from db.records import Record
from db.snapshot import Reads, SyncStore, finish

MAX_COMMAND_LENGTH = 2000


class Option(Record):
    """One option a command takes."""

    name: str
    kind: type                      # str or int
    description: str
    required: bool = False
    lookup: str | None = None       # place, driver, team, series or stat: resolved by name, autocompleted
    minimum: int | None = None      # for numbers: the range Discord enforces and the parser uses
    maximum: int | None = None

    def accepts(self, number: int) -> bool:
        return (self.minimum is None or number >= self.minimum) and (self.maximum is None or number <= self.maximum)


class Question(Record):
    """A command: its options, the query that answers it, and examples of asking it (for /help)."""

    name: str
    description: str
    options: tuple[Option, ...]
    answer: Callable[..., Coroutine[Any, Any, Any]]
    examples: tuple[str, ...] = ()
    reads: bool = True              # answered from the database (/help is not: it needs none built)

    def option(self, name: str) -> Option | None:
        return next((option for option in self.options if option.name == name), None)


TRACK = Option("track", str, "Track or race (mid-ohio, daytona 500, cup daytona); a series may go with it; none: the latest race",
               lookup="place")
YEAR = Option("year", int, "Season, e.g. 2022", minimum=queries.FIRST_SEASON, maximum=queries.LAST_SEASON)
SERIES = Option("series", str, "cup, xfinity, truck or f1 (winston cup, busch, formula 1…)", lookup="series")
ROUND = Option("round", int, "Round number in the season", minimum=1, maximum=99)
SEASON = Option("season", int, "Season (default: the latest in the data)", minimum=queries.FIRST_SEASON,
                maximum=queries.LAST_SEASON)

class OptionHelp(Record):
    """One option as /help tells it."""

    name: str
    description: str
    required: bool


class CommandHelp(Record):
    """One command as /help lists it."""

    usage: str                      # /winner [track:…] [year:…] [series:…]
    description: str
    examples: tuple[str, ...]
    options: tuple[OptionHelp, ...] = ()


class Help(Record):
    """/help: every command, how to ask it, and examples of asking it the way fans type; or one command's (`/help h2h`)."""

    commands: list[CommandHelp]
    about: str | None = None        # the one command asked about (its name), None: every command


def command_help(question: Question) -> CommandHelp:
    options = tuple(OptionHelp(option.name, option.description, option.required) for option in question.options)
    return CommandHelp(usage(question), question.description, question.examples, options)


async def answer_help(store: Reads | None = None, command: str | None = None) -> Help:
    """Every command of the registry but /help itself; with a command's name (`h2h`, `/h2h`), that command's usage,
    options and examples. Needs no database."""
    if command is None:
        return Help([command_help(q) for q in QUESTIONS.values() if q.name != "help"])
    name = command.strip().removeprefix("/").casefold()
    question = QUESTIONS.get(name)
    if question is None:
        close = [hit for hit, _, _ in process.extract(name, list(QUESTIONS), limit=3, score_cutoff=50)]
        raise UnknownName("command", command, [f"/help {hit}" for hit in close] or [f"/help {q}" for q in QUESTIONS])
    return Help([command_help(question)], about=question.name)


QUESTIONS: dict[str, Question] = {
    question.name: question
    for question in (
        Question("winner", "Who won at a track or a named race (most recent, or every race there in a year)",
                 (TRACK, YEAR, SERIES, ROUND), queries.winner,
                 ("/winner mid-ohio", "/winner daytona 500 1979", "/winner martinsville spring truck", "/winner finale 2024",
                  "/winner")),
        Question("results", "Full results of a race at a track, or of a named race",
                 (TRACK, YEAR, SERIES, ROUND), queries.results,
                 ("/results", "/results cup", "/results richmond 2023 7", "/results monza 2024")),
        Question("qualifying", "A race's qualifying (F1: Q1, Q2, Q3 times); where the data has none, its starting lineup",
                 (TRACK, YEAR, SERIES, ROUND), queries.qualifying,
                 ("/qualifying monza 2024", "/qualifying f1", "/qualifying daytona 500 2025")),
        Question("driver", "A driver's career, series by series, or their record at one track",
                 (Option("name", str, "Driver, nickname, code or number (kligerman, rowdy, #48, VER)", True, "driver"), SERIES,
                  Option("year", int, "That season beside the career; with a car number, who drove it then",
                         minimum=queries.FIRST_SEASON, maximum=queries.LAST_SEASON),
                  Option("track", str, "The driver's record at this track or race instead (bristol, daytona 500)",
                         lookup="place")),
                 queries.driver, ("/driver rowdy", "/driver larson 2021", "/driver #48 2005", "/driver senna",
                                  "/driver larson at bristol")),
        Question("team", "A team's record (F1: a constructor's): starts, wins, podiums, poles, titles; a season's with a year",
                 (Option("name", str, "Team or constructor (ferrari, red bull, mclaren, hendrick), a series may follow", True,
                         "team"), SERIES, YEAR,
                  Option("track", str, "The team's record at this track or race instead (martinsville, monza)",
                         lookup="place")),
                 queries.team, ("/team ferrari 2004", "/team hendrick", "/team hendrick at martinsville")),
        Question("track", "A track's record: winners by year, most wins and poles",
                 (Option("name", str, "Track name or nickname (the monster mile), a series may follow", True, "place"),
                  SERIES), queries.track, ("/track the monster mile", "/track monza")),
        Question("standings", "A season's standings: official where the series publishes them (F1), else from race points",
                 (Option("series", str, "cup, xfinity, truck or f1 (default: the server's series, /config series)",
                         lookup="series"), SEASON,
                  Option("round", int, "The standings after this round, from race points", minimum=1, maximum=99)),
                 queries.standings, ("/standings truck 2024", "/standings f1 1988", "/standings cup 2024 round 10")),
        Question("leaders", "Most wins, poles, podiums, top 5s/10s, starts, laps led, DNFs, titles; best driver rating",
                 (Option("stat", str, "wins (default), poles, podiums, top 5/10, starts, laps led, DNFs, titles, rating "
                         "(+ series, track)", lookup="stat"),
                  Option("series", str, "cup, xfinity, truck or f1 (default: the server's series, /config series)",
                         lookup="series"),
                  Option("season", int, "One season (default: every season in the data)", minimum=queries.FIRST_SEASON,
                         maximum=queries.LAST_SEASON)),
                 queries.leaders, ("/leaders cup", "/leaders f1 poles", "/leaders truck top 5s 2024", "/leaders f1 titles",
                                   "/leaders laps led at bristol cup", "/leaders rating cup 2024")),
        Question("h2h", "Two drivers head to head in the races both started",
                 (Option("driver1", str, "First driver (or both names: kyle busch kyle larson)", True, "driver"),
                  Option("driver2", str, "Second driver", lookup="driver"), SERIES,
                  Option("track", str, "Only the races both started at this track or race (martinsville)", lookup="place"),
                  Option("year", int, "Only that season's races", minimum=queries.FIRST_SEASON, maximum=queries.LAST_SEASON)),
                 queries.h2h, ("/h2h hamlin vs logano", "/h2h senna prost", "/h2h hamlin logano at martinsville",
                               "/h2h larson elliott 2024")),
        Question("next", "The next race (and any race running now)",
                 (Option("track", str, "At this track (bristol, monza); a series may go with it; none: every track",
                         lookup="place"), SERIES),
                 queries.next_races, ("/next", "/next f1", "/next monza")),
        Question("schedule", "A season's schedule with results so far",
                 (SERIES, Option("season", int, "Season (default: the current one, else the series' latest in the data)",
                                 minimum=queries.FIRST_SEASON,
                                 maximum=queries.LAST_SEASON)), queries.schedule, ("/schedule cup", "/schedule f1 2026")),
        Question("help", "What Pitboard answers, and how to ask; with a command's name, that command's options",
                 (Option("command", str, "A command (h2h, winner): its options and examples", lookup="command"),),
                 answer_help, ("/help", "/help h2h"), reads=False),
    )
}

NUMBERED_NAME_WORDS = frozenset({"duel", "duels", "qualifier", "heat", "race"})   # names a small number belongs to
SEASON_LEAD_WORDS = frozenset({"in", "for", "during"})   # `/driver larson in 2021`: the word only leads to the season
SEASONS_AGO = {f"{which} {word}{possessive}": ago for which, ago in (("this", 0), ("last", 1))
               for word in ("year", "season") for possessive in ("", "'s")}   # `last year's daytona 500`
_KEYED = re.compile(r"^([a-z0-9_]+):(.*)$", re.DOTALL)
_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "‟": '"', "«": '"', "»": '"', "‘": "'", "’": "'", "‚": "'", "‛": "'"})


class Token(Record):
    """One word of what a user typed, and what it may be."""

    text: str
    quoted: bool    # typed in quotes: one value, never split or read as a number


def tokenise(text: str) -> list[Token]:
    """Words and quoted groups, shell-style, forgiving of how fans type.

    Phone quotes (“ ” ‘ ’) are quotes; an apostrophe inside a word is a letter (`o'reilly`,
    `bojangles' southern 500`); quoted pieces join the word they touch (`name:"Parker Kligerman"`).
    """
    text = text.translate(_QUOTES)
    tokens: list[Token] = []
    index = 0
    while index < len(text):
        if text[index].isspace():
            index += 1
            continue
        word, quoted, after_quote = "", False, False
        while index < len(text) and not text[index].isspace():
            char = text[index]
            if char in "\"'" and (not word or word.endswith(":") or after_quote):
                close = text.find(char, index + 1)
                if close < 0 and char == '"':
                    raise BadOption("Could not read that command (a quote is not closed); check the quotes.")
                if close >= 0:
                    word, quoted, after_quote, index = word + text[index + 1:close], True, True, close + 1
                    continue
            word, after_quote, index = word + char, False, index + 1
        tokens.append(Token(word, quoted))
    return tokens


def parse_slash(text: str) -> tuple[Question, dict[str, Any]]:
    """`/winner track:mid-ohio year:2022` → (winner, {"track": "mid-ohio", "year": 2022}).

    Also what fans type: `/winner martinsville 2023 truck`, `/winner daytona 500 1979`,
    `/h2h kyle busch kyle larson`, `/driver #48`. See assign for the rules.
    """
    if len(text) > MAX_COMMAND_LENGTH:
        raise BadOption(f"That command is too long ({len(text)} characters; the limit is {MAX_COMMAND_LENGTH}).")
    tokens = tokenise(text)
    if not tokens or not tokens[0].text.startswith("/"):
        raise BadOption("Type a slash command, for example `/winner mid-ohio`. Commands: " + _command_list())
    name = tokens[0].text[1:].casefold()
    question = QUESTIONS.get(name)
    if question is None:
        close = [hit for hit, _, _ in process.extract(name, list(QUESTIONS), limit=3, score_cutoff=50)]
        raise UnknownName("command", tokens[0].text, [f"/{hit}" for hit in close] or [f"/{q}" for q in QUESTIONS])
    return question, convert(question, assign(question, tokens[1:]))


def assign(question: Question, tokens: list[Token]) -> dict[str, list[str]]:
    """Which words belong to which option.

    - `option:value` names the option; words after it continue its value (`track:watkins glen`).
    - A bare number goes to the first free number option whose range holds it (`2022` → year,
      `7` → round after a track); any other number is part of a name (`southern 500`, `#48`).
      `round 7` and `r7` name the round, where the command has one (`_rounds_named`).
    - Other words continue the name being typed, so a series may follow or lead it (`martinsville truck`,
      `cup daytona`; the name lookup tells a series from a name). A quoted value stands alone: the next value
      starts after it (`/h2h "kyle busch" "kyle larson"`, `/driver "kyle busch" truck`).
    """
    values: dict[str, list[str]] = {}
    growing: Option | None = None   # the option that following words extend
    tokens = _seasons_named(question, _rounds_named(question, tokens))
    for token in tokens:
        keyed = _KEYED.match(token.text)
        if keyed and (named := question.option(keyed.group(1).casefold())) is not None:
            if named.name in values:
                raise BadOption(f"`{named.name}` is given twice.")
            values[named.name] = [keyed.group(2)]
            complete = token.quoted or (named.kind is int and keyed.group(2))
            growing = None if complete else named
            continue
        if keyed and "://" not in token.text and not token.quoted:
            raise BadOption(
                f"/{question.name} has no option `{shown(keyed.group(1))}`. Options: "
                + ", ".join(option.name for option in question.options)
            )
        number = _number_option(question, token, values, growing)
        if number is None and _a_season(token) and not (question.option("year") or question.option("season")):
            raise BadOption(f"/{question.name} takes no season (“{token.text}”): " + usage(question)
                            + (f". For that season's races there: `/winner {_place_words(tokens, token)} {token.text}`"
                               if question.name == "track" else ""))
        if number is not None:
            values[number.name] = [token.text]
            if growing is not None and number.name in ("year", "season") and _leads_to_season(values[growing.name]):
                values[growing.name].pop()
            growing = None if growing is number else growing
        elif growing is not None and not token.quoted and growing.kind is str:
            values[growing.name].append(token.text)
        else:
            waiting = _next_text_option(question, values)
            if waiting is None:
                raise BadOption(f"Too many values for /{question.name}; name the options, like `year:2022`.")
            values[waiting.name] = [token.text]
            growing = None if token.quoted else waiting
    return values


def _leads_to_season(words: list[str]) -> bool:
    """Whether a name's last word only leads to the season typed after it (`daytona 500 in`, `cup for`)."""
    return len(words) > 1 and words[-1].casefold() in SEASON_LEAD_WORDS


def _place_words(tokens: list[Token], season: Token) -> str:
    """The words typed besides the season, without option names (`bristol`, `bristol cup`), as they may be echoed;
    `…` when there are none."""
    words = [keyed.group(2) if (keyed := _KEYED.match(token.text)) and not token.quoted else token.text
             for token in tokens if token is not season]
    return shown(" ".join(words)) or "…"


def _rounds_named(question: Question, tokens: list[Token]) -> list[Token]:
    """`round 7` and `r7` (as Pitboard prints it: `2025 Truck R24`) as `round:7`, for a question with a round."""
    if question.option("round") is None:
        return tokens
    named: list[Token] = []
    for token in tokens:
        word = "" if token.quoted else token.text
        if word[:1] in ("r", "R") and word[1:].isdigit() and len(word) <= 3:
            named.append(Token(f"round:{word[1:]}", False))
        elif word.isdigit() and named and not named[-1].quoted and named[-1].text.casefold() == "round":
            named[-1] = Token(f"round:{word}", False)
        else:
            named.append(token)
    # `after round 10` (standings): the word before a round says nothing more
    return [token for token, following in zip(named, [*named[1:], None], strict=False)
            if not (token.text.casefold() == "after" and not token.quoted and following and following.text.startswith("round:"))]


def _seasons_named(question: Question, tokens: list[Token], today: date | None = None) -> list[Token]:
    """`this year`, `last season` as the season they mean (the year is US Eastern time's), for a question with a year or
    a season: `/winner daytona 500 last year`."""
    option = question.option("year") or question.option("season")
    if option is None:
        return tokens
    current = (today or datetime.now(EASTERN).date()).year
    named: list[Token] = []
    for token in tokens:
        pair = (f"{named[-1].text} {token.text}".casefold().replace("’", "'")
                if named and not (named[-1].quoted or token.quoted) else "")
        if pair in SEASONS_AGO:
            named[-1] = Token(f"{option.name}:{current - SEASONS_AGO[pair]}", False)
        else:
            named.append(token)
    return named


YEARS_TYPED = range(1000, 3000)   # a four-digit number a fan means as a season, in the data's range or not


def _a_season(token: Token) -> bool:
    """A bare four-digit number a fan means as a season (no name Pitboard knows holds one)."""
    return not token.quoted and len(token.text) == 4 and token.text.isdigit() and int(token.text) in YEARS_TYPED


def _number_option(question: Question, token: Token, values: dict[str, list[str]], growing: Option | None) -> Option | None:
    """The free number option a bare number belongs to, if any (never the one a name needs first)."""
    if token.quoted or not re.fullmatch(r"-?\d{1,6}", token.text):
        return None
    if growing is not None and growing.kind is int:
        return None     # `round:7` continues its own value
    number, is_year = int(token.text), len(token.text.removeprefix("-")) == 4
    names_missing = any(o.kind is str and o.required and o.name not in values for o in question.options)
    if names_missing and not is_year:
        return None     # `/driver 48`: a car number, not a season or a round
    free = [o for o in question.options if o.kind is int and o.name not in values]
    if number < 0:
        # `/results bristol 2024 -1`: no name holds a negative number; the option it was meant for says it is out of
        # range (a season for four digits, else the round), as when it is named (`round:-1`)
        seasons = [o for o in free if o.name in ("year", "season")]
        others = [o for o in free if o not in seasons]
        return next(iter((seasons if is_year else others) or free), None)
    if not is_year and growing is not None and values[growing.name][-1].casefold() in NUMBERED_NAME_WORDS:
        return None     # `daytona duel 2`: the race's own number, not a round
    fitting = next((o for o in free if o.accepts(number)), None)
    if fitting is None and is_year and number in YEARS_TYPED and not names_missing:
        # `/schedule cup 1948`: a season out of the data's range is told so, rather than read as part of a name
        return next((o for o in free if o.name in ("year", "season")), None)
    return fitting


def _next_text_option(question: Question, values: dict[str, list[str]]) -> Option | None:
    free = [option for option in question.options if option.name not in values]
    required = [option for option in free if option.required]
    return next(iter(required), None) or next((option for option in free if option.kind is str), None)


def convert(question: Question, values: dict[str, list[str]]) -> dict[str, Any]:
    """Typed option values; every required option present."""
    options = {}
    for option in question.options:
        if option.name in values:
            options[option.name] = _convert(option, " ".join(values[option.name]))
        elif option.required:
            raise BadOption(f"/{question.name} needs `{option.name}`: " + usage(question))
    return options


def _convert(option: Option, raw: str) -> Any:
    raw = raw.strip()
    if option.kind is int:
        if not re.fullmatch(r"[+-]?\d{1,6}", raw):
            raise BadOption(f"`{option.name}` must be a whole number, like 2022 (got “{shown(raw)}”).")
        return int(raw)
    if not raw:
        raise BadOption(f"`{option.name}` needs a value.")
    return raw


def usage(question: Question) -> str:
    parts = [f"/{question.name}"]
    for option in question.options:
        parts.append(f"{option.name}:…" if option.required else f"[{option.name}:…]")
    return " ".join(parts)


def _command_list() -> str:
    return ", ".join(f"/{name}" for name in QUESTIONS)


async def ask(store: Reads, question: Question, options: dict[str, Any]) -> Any:
    """Answer a parsed question; raises PitboardError (with suggestions) for anything the user can fix."""
    return await question.answer(store, **options)


def answer_now(store: SyncStore, question: Question, options: dict[str, Any]) -> Any:
    """`ask` on a synchronous store (the terminal console): the same coroutine, finished without an event loop."""
    return finish(ask(store, question, options))
