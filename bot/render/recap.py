"""The post-race recap: sentences computed from RecapFacts, rendered as Reddit markdown or terminal text.

Every sentence states something the store holds; a fact the data lacks (cautions before the feed
era, stage results outside 2017–2024, laps led in much of the 1950s, a null anywhere) is left out,
never guessed or read as zero, and a race's name is never worded as a claim. Drivers are named in full
at the first mention, then by their short name (db/short_names.py). Numbers and ordinals follow AP
style. The Discord rendering of the same sentences lives in embeds.py. Every string from the data goes
through the Markup's `escape` (see words.py and safe.py); the tables are built once by bot/render/cells.py.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable
from datetime import UTC, datetime

from bot.render import cells, safe
from bot.render.tables import Cell, Table, markdown, monospace
from bot.render.words import (
    KIND_WORDS,
    PLAIN,
    REDDIT,
    Markup,
    credit_text,
    eastern_day,
    led_phrase,
    ordinal,
    plural,
    series_words,
)
from db.models import MAX_RATING, LoopLine, RaceRef, RaceSummary, RecapFacts, ResultLine, WinTallies
from db.recaps import F1Line, F1NonStarter, F1RecapFacts, Recap
from db.records import Record
from db.series import SERIES
from db.short_names import ShortNames
from db.threads import ThreadKind

REDDIT_LIMIT = 40_000
TITLE_LIMIT = 300
TEXT_WIDTH = 100
# AP style: numbers and ordinals one to nine in words, 10 and up in figures; words at a sentence's start.
UNITS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve", "thirteen",
         "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]
TENS = ["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
ORDINAL_WORDS = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth"]
MAX_LISTED = 6              # a longer list of drivers is summarised: "Thirty-two drivers …, including" the first few
SUMMARY_LISTED = 4
MAX_SEASON_FINISHES = 4     # earlier finishes this season on the same kind of track, listed one by one
DROUGHT_TOLD = 30           # a winner's starts since the previous series win that make it news
PART_TIME_SHARE = 0.25      # a part-timer missed this share of the season's races so far at least,
PART_TIME_MISSED = 2        # and this many, unless this is a first start of the season: 45 of 46 is a full season
RESULT_COLUMNS = ("Pos", "#", "Driver", "Team", "Make", "Laps", "Led", "Status", "Pts")
GAINED_TO_MENTION = 15
ATTRIBUTION = "Data: nascaR.data (DriverAverages.com, NASCAR.com) and NASCAR's official feed. Source: NASCAR."
# A kind of track as the recap counts it (db.recaps.kinds_counted): "paved oval" takes in the superspeedways, so that
# no reader counts Blaney's Daytona win among his ovals and finds it missing; the dirt ovals are "dirt tracks".
KIND_NOUNS = {**KIND_WORDS, "oval": "paved oval"}
KIND_STARTS = {"road": "road-course", "superspeedway": "superspeedway", "dirt": "dirt-track", "oval": "paved-oval"}
KIND_PLURALS = {"road": "road courses", "superspeedway": "superspeedways", "dirt": "dirt tracks", "oval": "paved ovals"}
# Words in a race's name that would read as a claim after "won the": "won the NASCAR Cup Series Championship".
CLAIM_WORDS = re.compile(r"\b(championships?|titles?|playoffs?)\b", re.IGNORECASE)
DOUBLE_STOP = re.compile(r"(\\?\.)\.$")   # a sentence ending in "Jr." (escaped or not) takes no second stop
MILES_RACE = re.compile(r"^(\d+) Miles at (.+)$")   # the history's name for an unnamed race: "100 Miles at Columbia Speedway"
DID_NOT_START = "did not start"   # a status of a car listed in the results that never took the green flag
OUT_PHRASES = {
    "accident": "out in an accident",
    "crash": "out in a crash",
    "engine": "out with an engine failure",
    "transmission": "out with a transmission failure",
    "brakes": "out with brake failure",
    "rear gear": "out with a rear-gear failure",
    "electrical": "out with an electrical problem",
    "suspension": "out with a suspension failure",
    "overheating": "out with overheating",
    "fuel pump": "out with a fuel-pump failure",
    "oil pressure": "out with oil-pressure trouble",
    "dvp": "out under the damaged-vehicle policy",
    "parked": "parked",
    "disqualified": "disqualified",
}


def number_word(count: int) -> str:
    """`two`, `12` (AP style)."""
    return UNITS[count] if 0 <= count <= 9 else str(count)


def spelled(count: int) -> str:
    """`thirty-two`: a number written out, for the start of a sentence (figures past 99)."""
    if not 0 <= count <= 99:
        return str(count)
    if count < 20:
        return UNITS[count]
    tens, units = divmod(count, 10)
    return TENS[tens] + (f"-{UNITS[units]}" if units else "")


def counted(count: int, noun: str, many: str | None = None) -> str:
    """`eight cautions`, `22 lead changes`, `one lap`."""
    return f"{number_word(count)} {noun if count == 1 else (many or noun + 's')}"


def all_of(count: int, number: Callable[[int], str] = number_word) -> str:
    """`all seven` (`all 36` with `number=str`), and `both` for two: never "all two"."""
    return "both" if count == 2 else f"all {number(count)}"


def ordinal_word(count: int) -> str:
    """`second`, `26th` (AP style)."""
    return ORDINAL_WORDS[count - 1] if 1 <= count <= 9 else ordinal(count)


def vehicles(race: RaceSummary, count: int = 2) -> str:
    noun = "truck" if race.series == "truck" else "car"
    return noun if count == 1 else noun + "s"


def race_at_track(race: RaceSummary) -> str:
    """`Toyota Owners 400 at Richmond Raceway`, or the name alone when it already says where."""
    return race.name if " at " in f" {race.name.casefold()} " else f"{race.name} at {race.track}"


def race_phrase(race: RaceSummary, m: Markup) -> str:
    """The race as the object of "won": `the Toyota Owners 400 at Richmond Raceway`.

    A name that would read as a claim is called a race (`the NASCAR Cup Series Championship race at
    Phoenix Raceway`), and the history's `100 Miles at X` is `the 100-mile race at X`.
    """
    miles = MILES_RACE.match(race.name)
    if miles:
        return f"the {miles[1]}-mile race at {m.escape(miles[2])}"
    name = m.escape(race.name) + (" race" if CLAIM_WORDS.search(race.name) else "")
    return f"the {name}" if " at " in f" {race.name.casefold()} " else f"the {name} at {m.escape(race.track)}"


def eastern_date(moment: datetime, with_year: bool = True) -> str:
    """`April 2, 2023`: the day in US Eastern time, NASCAR's own."""
    day = eastern_day(moment)
    return f"{day:%B} {day.day}" + (f", {day.year}" if with_year else "")


def _join(items: list[str]) -> str:
    if len(items) <= 2:
        return " and ".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _sentence(text: str) -> str:
    """A sentence starts with a capital, whatever the name it starts with ("Van Gisbergen")."""
    return text[:1].upper() + text[1:]


NAME_NOTE = re.compile(r"(.*\S)\s+\(([^()]+)\)")   # a name with the history's disambiguating note: "Jack Smith (Ohio)"


class Mentions:
    """A recap's names for drivers: the full name at the first mention, the short name after."""

    def __init__(self, field: list[str], m: Markup, keep_suffix: tuple[str, ...] = ()):
        self.short = ShortNames(field, keep_suffix)
        self.m = m
        self.seen: set[str] = set()

    def _next(self, driver: str) -> str:
        return self.short(driver) if driver in self.seen else driver

    def __call__(self, driver: str) -> str:
        shown = self._next(driver)
        self.seen.add(driver)
        return self.m.escape(shown)

    def noted(self, driver: str, note: str) -> str:
        """`Kyle Busch (engine, 115 laps)`: a mention with a note (in markup already) in parentheses, one pair of them
        for a name with its own note: `Jack Smith (Ohio; fuel pump, 115 laps)`."""
        shown = self._next(driver)
        self.seen.add(driver)
        own = NAME_NOTE.fullmatch(shown)
        if own:
            return f"{self.m.escape(own[1])} ({self.m.escape(own[2])}; {note})"
        return f"{self.m.escape(shown)} ({note})"

    def shows_note(self, driver: str) -> bool:
        """Whether the driver's next mention carries a note of its name in parentheses: "Dick Johnson (California)"."""
        return NAME_NOTE.fullmatch(self._next(driver)) is not None


OWNER_ENTRY = " (Owner)"   # the history's team for a car its owner entered under his own name: "Kenny Myler (Owner)"


def team_words(team: str, m: Markup) -> str:
    """A team as prose names it: `Hendrick Motorsports`; an owner's entry is `car owner Kenny Myler` (the tables keep
    the history's label)."""
    if team.endswith(OWNER_ENTRY) and len(team) > len(OWNER_ENTRY):
        return f"car owner {m.escape(team.removesuffix(OWNER_ENTRY))}"
    return m.escape(team)


def possessive(name: str) -> str:
    """`Larson's`, `Gibbs'` (AP style for a name ending in s)."""
    return f"{name}'" if name.endswith("s") else f"{name}'s"


def out_phrase(line: ResultLine, m: Markup) -> str:
    """`out with a transmission failure after 60 laps`."""
    status = (line.status or "").casefold()
    phrase = OUT_PHRASES.get(status, f"out ({m.escape(line.status)})")
    if line.laps is None or status == "disqualified":
        return phrase
    return f"{phrase} without completing a lap" if line.laps == 0 else f"{phrase} after {plural(line.laps, 'lap')}"


def finish_phrase(line: ResultLine, m: Markup) -> str:
    """`finished 26th`, or `finished 26th, out with a transmission failure after 60 laps`."""
    return f"finished {ordinal_word(line.finish)}" + ("" if line.running else f", {out_phrase(line, m)}")


class Sentence(Record):
    """A sentence, and another wording with a different opening for when two before it open the same way."""

    text: str
    other_opening: str | None = None


def long_wait(previous: RaceRef | None, since: int | None) -> RaceRef | None:
    """The previous win, when the wait since it (`since` starts or races) is long enough to be news."""
    return previous if previous is not None and since is not None and since >= DROUGHT_TOLD else None


def distance_sentences(race: RaceSummary) -> list[Sentence]:
    """`The race ended after 138 of its scheduled 200 laps.` (shortened), `The race ran two laps beyond its scheduled
    200.` (extended); nothing where the laps run are the scheduled ones or either is unknown. NASCAR's recap words its
    own (`_how`) the same."""
    if not race.scheduled_laps or not race.laps:
        return []
    if race.laps < race.scheduled_laps:
        return [Sentence(f"The race ended after {race.laps} of its scheduled {race.scheduled_laps} laps.")]
    if race.laps > race.scheduled_laps:
        return [Sentence(f"The race ran {counted(race.laps - race.scheduled_laps, 'lap')} beyond its scheduled "
                         f"{race.scheduled_laps}.")]
    return []


def tally_sentences(short: str, series: str, track: str, race: RaceSummary, tallies: WinTallies,
                    win_number: int, first_start_told: bool = False) -> list[Sentence]:
    """What the win adds up to: `Hamlin now has six Cup Series wins in 2025, more than any other driver.` (a veteran's
    first of the season after its opening round is said as such), `Larson has now won three Cup Series races in a
    row.`, `It was Waltrip's 12th Cup Series win at Bristol, the most of any driver and the seventh in a row.`, `It was
    Rex White's second straight Cup Series win at Bowman Gray Stadium, where no other driver has won as often.`
    `first_start_told`: another sentence says this was the winner's first start of the season, and so his first win."""
    sentences = []
    wins, ahead = tallies.season_wins, ", more than any other driver" if tallies.most_season_wins else ""
    # the season's wins are all the run's (its races this season are the last rounds): one sentence tells both
    only_the_run = tallies.in_a_row >= 2 and wins == min(tallies.in_a_row, race.round or 0)
    if wins is not None and wins >= 2 and not only_the_run:
        sentences.append(Sentence(f"{short} now has {number_word(wins)} {series} wins in {race.season}{ahead}.",
                                  f"It was {possessive(short)} {ordinal_word(wins)} {series} win of {race.season}{ahead}."))
    elif wins == 1 and win_number > 1 and race.round is not None and race.round > 1 and not first_start_told:
        sentences.append(Sentence(f"It was {possessive(short)} first {series} win of {race.season}.",
                                  f"{short} had not won a {series} race in {race.season} before."))
    if tallies.in_a_row >= 2:
        # two facts, each said as itself: not "… races in a row, more wins in 1976 than any other driver"
        leads = only_the_run and tallies.most_season_wins
        ahead = f" and has more wins in {race.season} than any other driver" if leads else ""
        none_as_many = f", and no other driver has as many in {race.season}" if leads else ""
        sentences.append(Sentence(f"{short} has now won {number_word(tallies.in_a_row)} {series} races in a row{ahead}.",
                                  f"That makes {number_word(tallies.in_a_row)} {series} wins in a row{none_as_many}."))
    total, run = tallies.track_wins, tallies.track_in_a_row
    if total >= 2:
        most, more = (["the most of any driver"], ["more than any other driver"]) if tallies.most_track_wins else ([], [])
        if run == total:   # every win there in a row: "the most" would read as the longest run, so it is said of the wins
            said = f"It was {possessive(short)} {ordinal_word(total)} straight {series} win at {track}"
            other = f"{short} has won the last {number_word(run)} {series} races at {track}"
            where = ["where no other driver has won as often"] if tallies.most_track_wins else []
            most, more = where, where
        else:
            said = f"It was {possessive(short)} {ordinal_word(total)} {series} win at {track}"
            other = f"{short} has now won {number_word(total)} {series} races at {track}"
            if run >= 2:
                most, more = [*most, f"the {ordinal_word(run)} in a row"], [*more, f"the last {number_word(run)} in a row"]
        sentences.append(Sentence(f"{said}{_tail(most)}", f"{other}{_tail(more)}"))
    return sentences


def _tail(clauses: list[str]) -> str:
    return f", {' and '.join(clauses)}." if clauses else "."


def _meaning(facts: RecapFacts, m: Markup, name: Mentions) -> list[Sentence]:
    race, winner = facts.details.race, facts.winner
    series = m.escape(series_words(race.series, race.series_name))
    full = m.bold(name(winner.driver))
    if race.exhibition or facts.win_number is None:
        return [Sentence(f"{full} won {race_phrase(race, m)}, a non-points exhibition race.")]
    sentences = [Sentence(f"{full} won {race_phrase(race, m)}.")]
    short = name(winner.driver)
    kind = KIND_NOUNS[race.track_kind]
    article = "an" if kind[0] in "aeiou" else "a"
    debut = facts.earlier_series_starts == 0
    text = f"It was {possessive(short)} {ordinal_word(facts.win_number)} career {series} win"
    if facts.win_number == 1:
        if debut:
            text += f", in a {series} debut"
        elif facts.earlier_series_starts is not None:
            text += f", in {series} start No. {facts.earlier_series_starts + 1}"
    elif facts.first_national_win_of_kind:
        text += f", and a first on {article} {kind} in any NASCAR national series"
    elif facts.first_series_win_of_kind:
        text += f", and a first {series} win on {article} {kind}"
    elif facts.first_win_at_track:
        text += f", the first at {m.escape(race.track)}"
    sentences.append(Sentence(text + "."))
    back_from = _winner_back_from(facts)   # a first series start in three seasons or more
    share = facts.season_share
    part_time = share is not None and part_timer(share.starts, share.races) and not debut and back_from is None
    first_start = back_from is not None or (part_time and share is not None and share.starts == 1)
    sentences += tally_sentences(short, series, m.escape(race.track), race, facts.tallies, facts.win_number, first_start)
    since = facts.starts_since_win
    drought = long_wait(facts.previous_win, since)
    earlier = facts.earlier_win_tracks
    if len(earlier) == 1 and earlier[0] != race.track and facts.win_number >= 3:
        quantity = _sentence(all_of(facts.win_number - 1))
        latest = f", the latest in {drought.season}, {since} starts earlier" if drought else ""
        at = m.escape(earlier[0])
        sentences.append(Sentence(f"{quantity} of {possessive(short)} earlier {series} wins came at {at}{latest}."))
    elif drought:
        came = f"had come in {drought.season} at {m.escape(drought.track)}, {since} starts earlier."
        sentences.append(Sentence(f"{possessive(short)} previous {series} win {came}", f"The previous one {came}"))
    owners = []
    if facts.team_first_win and winner.team:
        owners.append(team_words(winner.team, m))
    if facts.make_first_win and winner.make:
        owners.append(m.escape(winner.make))
    if owners:
        sentences.append(Sentence(f"It was also the first {series} win for {_join(owners)}.",
                                  f"The win was also the first in the {series} for {_join(owners)}."))
    if back_from is not None:   # said here, not again among the drivers back after a while, nor as a first of the season
        sentences.append(Sentence(f"{short} was making a first {series} start since {back_from}.",
                                  f"It was {possessive(short)} first {series} start since {back_from}."))
    elif share is not None and part_time:
        if share.starts == 1:
            in_race = f"{race.season}, in the season's {ordinal_word(share.races)} race."
            sentences.append(Sentence(f"{short} was making a first {series} start of {in_race}",
                                      f"It was {possessive(short)} first {series} start of {in_race}"))
        else:
            sentences.append(Sentence(
                f"{short} has started {number_word(share.starts)} of the {number_word(share.races)} {series} races run so far"
                f" in {race.season}.",
                f"It was {possessive(short)} {ordinal_word(share.starts)} start in the first {number_word(share.races)}"
                f" {series} races of {race.season}."))
    return sentences


def _winner_back_from(facts: RecapFacts) -> int | None:
    """The season of the winner's previous series start, when this was his first in RETURN_GAP_SEASONS or more."""
    return next((n.previous_season for n in facts.newcomers if n.result.driver_id == facts.winner.driver_id), None)


def part_timer(starts: int, races: int) -> bool:
    """Whether a driver who started `starts` of a season's first `races` races has run part of it, not all of it: Kyle
    Busch's first Truck start of 2023 in its second race, Mantz's three of 13 in 1950; not Petty's 45 of 46 in 1967."""
    missed = races - starts
    return missed >= PART_TIME_SHARE * races and (missed >= PART_TIME_MISSED or (starts == 1 and missed >= 1))


def _stage_sentence(facts: RecapFacts, name: Mentions) -> list[Sentence]:
    """`A won stage 1 and B stage 2`, `A swept both stages`; the other wording opens with the stages."""
    stages = facts.details.stages
    winners = [(stage.number, stage.results[0].driver) for stage in stages if stage.results and stage.results[0].position == 1]
    if not winners:
        return []
    drivers = list(dict.fromkeys(driver for _, driver in winners))
    called = {driver: name(driver) for driver in drivers}
    if len(drivers) == 1 and len(winners) == len(stages) >= 2:
        count = all_of(len(stages))
        return [Sentence(f"{called[drivers[0]]} swept {count} stages.", f"{count} stages went to {called[drivers[0]]}.")]
    won: list[str] = []
    went: list[str] = []
    for driver in drivers:
        numbers = [str(number) for number, who in winners if who == driver]
        stage = f"stage{'s' if len(numbers) > 1 else ''} {_join(numbers)}"
        won.append(f"{called[driver]} {'' if won else 'won '}{stage}")
        went.append(f"{stage} {'' if went else 'went '}to {called[driver]}")
    return [Sentence(_join(won) + ".", _join(went) + ".")]


def _how(facts: RecapFacts, m: Markup, name: Mentions) -> list[Sentence]:
    race, winner = facts.details.race, facts.winner
    short = name(winner.driver)
    doing = []
    if winner.start:
        doing.append("started on the pole" if winner.start == 1 else f"started {ordinal_word(winner.start)}")
    if facts.laps_led_known and winner.led:
        doing.append(led_phrase(winner.led, race.laps, number_word))
    sentences = [Sentence(f"{short} {' and '.join(doing)}.", f"The winner {' and '.join(doing)}.")] if doing else []
    sentences += _stage_sentence(facts, name)
    leader, best = facts.top_leader, _best_rated(facts)
    if leader is not None:
        who = ("pole-sitter " if leader is facts.pole else "") + name(leader.driver)
        # a top-five finish, still running, is told with the others in the top five
        outcome = "" if 2 <= leader.finish <= 5 and leader.running else f" but {finish_phrase(leader, m)}"
        if best is not None and best.driver == leader.driver and best.finish != 1 and not outcome:
            sentences.append(Sentence(f"{who} led a race-high {leader.led} laps and had {_rating_words(best)}."))
            best = None
        else:
            sentences.append(Sentence(f"{who} led a race-high {leader.led} laps{outcome}."))
    if best is not None:
        sentences.append(_best_rating(best, name))
    if race.cautions is not None or race.lead_changes is not None:
        counts = []
        if race.cautions is not None:
            cautions = "no cautions" if race.cautions == 0 else counted(race.cautions, "caution")
            if race.cautions and race.caution_laps is not None:
                cautions += f" for {counted(race.caution_laps, 'lap')}"
            counts.append(cautions)
        if race.lead_changes is not None:
            among = f" among {counted(race.leaders, 'driver')}" if race.leaders is not None else ""
            counts.append(counted(race.lead_changes, "lead change") + among)
        verb = "was" if counts[0].startswith("one ") else "were"
        sentences.append(Sentence(f"There {verb} {' and '.join(counts)}."))
    if race.scheduled_laps and race.laps:
        if race.laps < race.scheduled_laps:
            sentences.append(Sentence(f"The race ended after {race.laps} of its scheduled {race.scheduled_laps} laps."))
        elif race.laps > race.scheduled_laps:
            extra = counted(race.laps - race.scheduled_laps, "lap")
            sentences.append(Sentence(f"The race ran {extra} beyond its scheduled {race.scheduled_laps}."))
    laps = race.laps
    restarts = [c for c in facts.details.cautions if laps and c.end_lap < laps]
    if laps and restarts:
        last = restarts[-1]
        to_go = laps - last.end_lap
        what = last.comment or last.reason
        cause = f" (caution: {m.escape(what)})" if what else ""
        sentences.append(Sentence(f"The final restart came with {counted(to_go, 'lap')} to go{cause}."))
    return sentences


def _best_rated(facts: RecapFacts) -> LoopLine | None:
    """The car with the race's best driver rating, from NASCAR's loop data where the store has it for every car (one
    car's alone: a tie says nothing)."""
    rated = facts.details.loop_data
    if not rated or len(rated) < len(facts.details.results) or (len(rated) > 1 and rated[1].rating == rated[0].rating):
        return None
    return rated[0]


def _rating_words(best: LoopLine) -> str:
    """`the race's best driver rating, 139.1`; 150, the most a rating can be, is called perfect."""
    if best.rating == MAX_RATING:
        return f"a perfect driver rating, {best.rating:.1f}"
    return f"the race's best driver rating, {best.rating:.1f}"


def _best_rating(best: LoopLine, name: Mentions) -> Sentence:
    """Who had the race's best driver rating, the winner's told as such."""
    if best.finish == 1 and best.rating != MAX_RATING:
        rating = f"driver rating of {best.rating:.1f} was the race's best."
        return Sentence(f"{possessive(name(best.driver))} {rating}", f"The winner's {rating}")
    words, who = _rating_words(best), name(best.driver)   # named once: a name's first mention is its full one
    other = f"The winner had {words}." if best.finish == 1 else f"{words[0].upper()}{words[1:]} went to {who}."
    return Sentence(f"{who} had {words}.", other)


def _finish(facts: RecapFacts, m: Markup, name: Mentions) -> list[Sentence]:
    race, results, pole = facts.details.race, facts.details.results, facts.pole
    pole_told = pole is None or pole.finish == 1 or pole is facts.top_leader

    def called(line: ResultLine) -> str:
        return f"pole-sitter {name(line.driver)}" if line is pole and not pole_told else name(line.driver)

    top = [line for line in results if 2 <= line.finish <= 5]
    sentences = []
    if top:
        margin = f", {race.margin:.3f} seconds behind" if race.margin is not None else ""
        text = f"{called(top[0])} finished second{margin}"
        if len(top) > 1:
            text += ", ahead of " + _join([called(line) for line in top[1:]])
        sentences.append(Sentence(text + "."))
    climbers = [(line, line.start) for line in top if line.start and line.start - line.finish >= GAINED_TO_MENTION]
    if climbers:
        (first, start), *others = climbers
        text = f"{name(first.driver)} came from {ordinal_word(start)} on the grid to finish {ordinal_word(first.finish)}"
        text += "".join(f", {name(line.driver)} from {ordinal_word(grid)} to {ordinal_word(line.finish)}"
                        for line, grid in others)
        sentences.append(Sentence(text + "."))
    if pole is not None and not pole_told and pole not in top:
        sentences.append(Sentence(f"Pole-sitter {name(pole.driver)} {finish_phrase(pole, m)}."))
    series = m.escape(series_words(race.series, race.series_name))
    if len(facts.career_bests) == 1:
        [best] = facts.career_bests
        place, previously = ordinal_word(best.result.finish), f"previously {ordinal_word(best.previous_best)}"
        if name.shows_note(best.result.driver):   # not "Dick Johnson (California)'s seventh place … (previously 12th)"
            who = name.noted(best.result.driver, previously)
            sentences.append(Sentence(f"{place.capitalize()} place was a career-best {series} finish for {who}."))
        else:
            who = name(best.result.driver)
            sentences.append(Sentence(f"{possessive(who)} {place} place was a career-best {series} finish ({previously}).",
                                      f"{place.capitalize()} place was a career-best {series} finish for {who} ({previously})."))
    elif facts.career_bests:
        listed = _join([name.noted(best.result.driver, ordinal_word(best.result.finish)) for best in facts.career_bests])
        sentences.append(Sentence(f"Career-best {series} finishes for {listed}."))
    return sentences


DISQUALIFIED = "disqualif"   # the history's status of a car disqualified after the race (`disqualified`)


def _retirements(facts: RecapFacts, m: Markup, name: Mentions) -> list[Sentence]:
    race, results = facts.details.race, facts.details.results
    absent = [line for line in results if (line.status or "").casefold() == DID_NOT_START]   # listed, never raced
    started = [line for line in results if line not in absent]
    disqualified = [line for line in started if (line.status or "").casefold().startswith(DISQUALIFIED)]
    out = [line for line in started if not line.running and line not in disqualified]   # a disqualified car ran on
    unknown = sum(1 for line in started if line.status is None)
    sentences = []
    if not out and unknown == 0:
        that_started = " that started" if absent else ""
        every = _sentence(all_of(len(started), str))
        sentences.append(Sentence(f"{every} {vehicles(race)}{that_started} were running at the finish."))
    elif out:
        listed = [
            name.noted(line.driver, m.escape(line.status) + (f", {plural(line.laps, 'lap')}" if line.laps is not None else ""))
            for line in out[: MAX_LISTED if len(out) <= MAX_LISTED else SUMMARY_LISTED]
        ]
        count = f"at least {number_word(len(out))}" if unknown else spelled(len(out))
        count += f" {vehicles(race, len(out))}"
        note = f" (status unknown for {unknown} of {len(started)})" if unknown else ""
        joined = f": {_join(listed)}" if len(out) <= MAX_LISTED else f", among them {_join(listed)}"
        sentences.append(Sentence(f"{count} failed to finish{note}{joined}."))
    if disqualified:
        was = "was" if len(disqualified) == 1 else "were"
        sentences.append(Sentence(f"{_join([name(line.driver) for line in disqualified])} {was} disqualified."))
    if absent:
        sentences.append(Sentence(f"{_join([name(line.driver) for line in absent])} did not start."))
    return sentences


def _newcomers(facts: RecapFacts, m: Markup, name: Mentions) -> list[Sentence]:
    series = m.escape(series_words(facts.details.race.series, facts.details.race.series_name))
    sentences = []
    # a finish told before is not told again by a sentence of its own ("Green made a first … start since 1997."); a
    # list gives every driver's, uniformly
    placed = _places_told(facts)

    def listed(line: ResultLine) -> str:
        return name.noted(line.driver, ordinal_word(line.finish) + ("" if line.running else f", {m.escape(line.status)}"))

    def finished(line: ResultLine) -> str:
        return "" if line.driver in placed else f" and {finish_phrase(line, m)}"

    # the winner's debut or return is told with his win (an exhibition's winner has no such sentence)
    told = facts.winner if facts.win_number is not None else None
    debuts = [n.result for n in facts.newcomers if n.previous_season is None and n.result is not told]
    if len(debuts) == 1:
        line = debuts[0]
        sentences.append(Sentence(f"{name(line.driver)} made a first {series} start{finished(line)}."))
    elif 1 < len(debuts) <= MAX_LISTED:
        sentences.append(Sentence(f"{_join([listed(line) for line in debuts])} made their first {series} starts."))
    elif debuts:
        some = _join([listed(line) for line in debuts[:SUMMARY_LISTED]])
        sentences.append(Sentence(f"{spelled(len(debuts))} drivers made their first {series} start, including {some}."))
    for newcomer in (n for n in facts.newcomers if n.previous_season is not None and n.result is not told):
        line = newcomer.result
        since = newcomer.previous_season
        sentences.append(Sentence(f"{name(line.driver)} made a first {series} start since {since}{finished(line)}."))
    return sentences


def _places_told(facts: RecapFacts) -> set[str]:
    """The drivers whose finishing place the paragraphs before the newcomers' give: the winner, the rest of the top
    five, the pole-sitter, the race-high leader and the career bests."""
    lines = [facts.winner, facts.pole, facts.top_leader, *(line for line in facts.details.results if 2 <= line.finish <= 5),
             *(best.result for best in facts.career_bests)]
    return {line.driver for line in lines if line is not None}


def _records(facts: RecapFacts, m: Markup, name: Mentions) -> list[Sentence]:
    race, record = facts.details.race, facts.kind_record
    short = name(facts.winner.driver)
    series = m.escape(series_words(race.series, race.series_name))
    sentences = []
    if record is not None and record.starts >= 2:
        kind_starts = f"{series} {KIND_STARTS[record.kind]} starts"
        starts = f"{number_word(record.starts)} {kind_starts}"
        missing = record.starts - record.top10s
        if missing == 0:
            tens = f"top-10 finishes in {all_of(record.starts)} {kind_starts}"
        elif missing <= 2 and record.starts >= 4:
            tens = f"top-10 finishes in all but {number_word(missing)} of {starts}"
        elif record.top10s == 0:
            tens = f"no top-10 finish in {starts}"
        else:
            tens = f"{number_word(record.top10s)} top-10 finish{'es' if record.top10s != 1 else ''} in {starts}"
        wins = "this was the first win among them" if record.wins == 1 else f"{number_word(record.wins)} of them wins"
        if record.top10s == 1 and missing:   # this win alone: not "one top-10 finish in two …; this was the first win"
            first = f"first top-10 finish in {starts}"
            sentences.append(Sentence(f"The win was {possessive(short)} {first}.", f"It was {possessive(short)} {first}."))
        else:
            sentences.append(Sentence(f"{short} now has {tens}; {wins}.", f"The winner now has {tens}; {wins}."))
    finishes = facts.season_kind_finishes
    if finishes and len(finishes) <= MAX_SEASON_FINISHES:
        sentences.append(Sentence(
            f"Earlier this season on {KIND_PLURALS[race.track_kind]}, {short} finished"
            f" {_join([ordinal_word(f) for f in finishes])}."
        ))
    elif finishes:
        season_wins, season_tens = sum(1 for f in finishes if f == 1), sum(1 for f in finishes if f <= 10)
        won = "no wins" if season_wins == 0 else f"{number_word(season_wins)} win{'s' if season_wins > 1 else ''}"
        sentences.append(Sentence(
            f"In {number_word(len(finishes))} earlier {KIND_STARTS[race.track_kind]} races this season, {short} had {won} and "
            f"{number_word(season_tens)} top-10 finish{'es' if season_tens != 1 else ''}."
        ))
    following = facts.next_race
    if following is not None and following.starts_at is not None:
        day = f"{eastern_day(following.starts_at):%A}, {eastern_date(following.starts_at, following.season != race.season)}"
        label = ", a non-points exhibition" if following.exhibition else ""
        sentences.append(Sentence(f"Next for the {series}: {race_phrase(following, m)}{label}, on {day}."))
    return sentences


def _opening(text: str) -> str:
    """The first word of a sentence, without markup and a possessive's `'s`: what readers hear repeat."""
    return re.sub(r"[^\w']", "", text.split(" ", 1)[0]).casefold().removesuffix("'s").removesuffix("'")


def _vary(blocks: list[list[Sentence]]) -> list[list[str]]:
    """The sentences' texts, a sentence whose two predecessors open the same way taking its other opening."""
    openings: list[str] = []
    chosen = []
    for block in blocks:
        texts = []
        for sentence in block:
            text = sentence.text
            if sentence.other_opening and len(openings) >= 2 and openings[-1] == openings[-2] == _opening(text):
                text = sentence.other_opening
            openings.append(_opening(text))
            texts.append(_sentence(DOUBLE_STOP.sub(r"\1", text)))
        chosen.append(texts)
    return chosen


def paragraphs(facts: Recap, m: Markup = PLAIN) -> list[str]:
    """The recap's prose, paragraph by paragraph, written with the given markup."""
    if isinstance(facts, F1RecapFacts):
        return f1_paragraphs(facts, m)
    name = Mentions([line.driver for line in facts.details.results], m, facts.keep_suffix)
    blocks = [
        _meaning(facts, m, name), _how(facts, m, name), _finish(facts, m, name),
        _retirements(facts, m, name), _newcomers(facts, m, name), _records(facts, m, name),
    ]
    return [" ".join(texts) for texts in _vary(blocks) if texts]


def title(facts: Recap, template: str) -> str:
    """The thread title from a template with {race}, {track}, {race_at_track}, {series}, {series_name}, {season},
    {round}, {winner} and {date} (the day in US Eastern time, empty when unknown).

    Reddit shows titles as plain text, so data in them is made `plain` and not escaped.
    """
    race = facts.race if isinstance(facts, F1RecapFacts) else facts.details.race
    winner = facts.winner.driver
    name, track = safe.plain(race.name), safe.plain(race.track)
    text = template.format(
        race=name, track=track, race_at_track=name if " at " in f" {name.casefold()} " else f"{name} at {track}",
        series=series_words(race.series, race.series_name).replace(" Series", ""), series_name=safe.plain(race.series_name),
        season=race.season, round=race.round or "", winner=safe.plain(winner),
        date=race_date(race) if race.starts_at else "",
    )
    return text if len(text) <= TITLE_LIMIT else text[: TITLE_LIMIT - 1] + "…"


def race_date(race: RaceSummary, with_year: bool = True) -> str:
    """The race's day in its series' time zone: `April 2, 2023` (US Eastern for NASCAR, UTC for F1)."""
    assert race.starts_at is not None, "only a dated race has a day"
    if SERIES[race.series].family != "f1":
        return eastern_date(race.starts_at, with_year)
    day = race.starts_at.astimezone(UTC).date()
    return f"{day:%B} {day.day}" + (f", {day.year}" if with_year else "")


def marker(key: str, kind: ThreadKind = ThreadKind.POST) -> str:
    """An invisible link that identifies the thread, so a lost post can be found again (post-race threads keep the
    form they had before a race had other threads)."""
    return f"[](#pitboard:{key})" if kind is ThreadKind.POST else f"[](#pitboard:{key}:{kind})"


def reddit_body(facts: Recap, thread_key: str, thread_links: str = "") -> str:
    """The whole self-post, under Reddit's 40,000-character limit; `thread_links` is the line linking the race's
    pre-race and live threads (bot/render/race_threads.links_line), empty without them."""
    if isinstance(facts, F1RecapFacts):
        return f1_reddit_body(facts, thread_key, thread_links)
    race = facts.details.race
    header = (f"**{safe.reddit(race.series_name)}, {race.season}" + (f", round {race.round}" if race.round else "")
              + f"** · {safe.reddit(race.track)}")
    if race.starts_at:
        header += f" · {eastern_date(race.starts_at)}"
    prose = "\n\n".join(paragraphs(facts, REDDIT))
    classification = _classification(facts)
    results = "## Results\n\n" + markdown(classification)
    stages = "## Stages\n\n" + markdown(cells.stages(facts.details.stages)) if facts.details.stages else ""
    rated = cells.loop_data(facts.details.loop_data[:cells.LOOP_DATA_SHOWN])
    loop_data = (f"## Loop data\n\n{markdown(rated)}\n\n{safe.reddit(cells.loop_data_legend(rated))}"
                 if rated.rows else "")
    footer = f"---\n\n^({safe.reddit(ATTRIBUTION)} Posted by Pitboard, an open-source race-results bot.) {marker(thread_key)}"
    body = "\n\n".join(part for part in (header, thread_links, prose, results, stages, loop_data, footer) if part)
    if len(body) > REDDIT_LIMIT:
        body = "\n\n".join(part for part in (header, thread_links, prose, results, footer) if part)
    shown = len(classification.rows)
    while shown and len(body) > REDDIT_LIMIT:
        shown //= 2
        shortened = f"## Results (top {shown})\n\n" + markdown(classification.head(shown))
        body = "\n\n".join(part for part in (header, thread_links, prose[: REDDIT_LIMIT // 4], shortened, footer) if part)
    return body


def _classification(facts: RecapFacts) -> Table:
    """The results table of a recap: no grid column (the prose tells the start that matters)."""
    return cells.results(facts.details.results, facts.laps_led_known).columns(*RESULT_COLUMNS)


def text_recap(facts: Recap, width: int = TEXT_WIDTH) -> str:
    """The recap for the terminal: paragraphs wrapped (never inside a hyphenated word) and tables within
    `width` columns (long team names and statuses shortened with `…`), every string `plain`."""
    if isinstance(facts, F1RecapFacts):
        return f1_text_recap(facts, width)
    race = facts.details.race
    place = race_at_track(race)
    head = f"{race.season} {series_words(race.series, race.series_name)}" + (f", round {race.round}" if race.round else "")
    head = _wrap(f"{safe.plain(head)}: {safe.plain(place)}", width)
    parts = [head, "=" * min(max(len(line) for line in head.splitlines()), width)]
    parts += [_wrap(paragraph, width) for paragraph in paragraphs(facts, PLAIN)]
    parts.append(monospace(_classification(facts), max_width=width))
    if facts.details.stages:
        parts.append(monospace(cells.stages(facts.details.stages), max_width=width))
    if facts.details.loop_data:
        rated = cells.loop_data(facts.details.loop_data[:cells.LOOP_DATA_SHOWN])
        parts += [monospace(rated, max_width=width), _wrap(cells.loop_data_legend(rated), width)]
    parts.append(_wrap(ATTRIBUTION, width))
    return "\n\n".join(parts)


def _wrap(text: str, width: int) -> str:
    return textwrap.fill(text, width, break_on_hyphens=False)


# ------------------------------------------------------------------ Formula 1: the race report
# r/formula1's classification columns. F1's data has no laps led, stages or cautions, so nothing here speaks of them.
F1_RESULT_COLUMNS = ("Pos", "No", "Driver", "Team", "Laps", "Time/Gap", "Points")
F1_RETIRED = {"DNF": "retired", "NC": "was not classified", "DSQ": "was disqualified"}


def f1_paragraphs(facts: F1RecapFacts, m: Markup = PLAIN) -> list[str]:
    """The F1 race report's prose: the win and what it means, the podium and the pole-sitter, retirements."""
    name = Mentions([line.driver for line in facts.classification] + [entrant.driver for entrant in facts.non_starters], m)
    blocks = [_f1_meaning(facts, m, name), _f1_podium(facts, m, name), _f1_retirements(facts, m, name)]
    return [" ".join(texts) for texts in _vary(blocks) if texts]


def _f1_meaning(facts: F1RecapFacts, m: Markup, name: Mentions) -> list[Sentence]:
    race, winner = facts.race, facts.winner
    full = m.bold(name(winner.driver))
    team = f" for {m.escape(winner.team)}" if winner.team else ""
    # a shared car's win is each of its drivers' (F1DB counts it so), said as the podium says a shared place
    shared = _join([m.bold(name(co.line.driver)) for co in facts.co_winners])
    crew = f"{full} (sharing the car with {shared})" if shared else full
    sentences = [Sentence(f"{crew} won the {m.escape(race.name)} at {m.escape(race.track)}{team}.")]
    short = name(winner.driver)
    text = f"It was {possessive(short)} {ordinal_word(facts.win_number)} Formula 1 win"
    if facts.debut:
        text += ", on debut"
    elif facts.win_number > 1 and facts.first_win_at_track:
        text += f", the first at {m.escape(race.track)}"
    for co in facts.co_winners:
        text += f"{',' if ',' in text else ''} and {possessive(name(co.line.driver))} {ordinal_word(co.win_number)}"
        text += ", on debut" if co.debut else ""
    sentences.append(Sentence(text + "."))
    sentences += tally_sentences(short, "Formula 1", m.escape(race.track), race, facts.tallies, facts.win_number)
    if previous := long_wait(facts.previous_win, facts.starts_since_win):
        came = f"had come at the {previous.season} {m.escape(previous.name)}, {facts.starts_since_win} starts earlier."
        sentences.append(Sentence(f"{possessive(short)} previous win {came}", f"The previous one {came}"))
    if facts.youngest_winner_age is not None:
        years, days = facts.youngest_winner_age
        sentences.append(Sentence(f"At {years} years and {counted(days, 'day')}, {short} became the youngest winner in "
                                  "Formula 1."))
    if facts.team_first_win and winner.team:
        sentences.append(Sentence(f"It was also the first win for {m.escape(winner.team)}."))
    elif team_previous := long_wait(facts.team_previous_win, facts.races_since_team_win):
        sentences.append(Sentence(f"It was {possessive(m.escape(winner.team or ''))} first win since the "
                                  f"{team_previous.season} {m.escape(team_previous.name)}, "
                                  f"{facts.races_since_team_win} races earlier."))
    if facts.grand_slam:
        slam = "pole position, the win, the fastest lap and every lap led."
        sentences.append(Sentence(f"{short} scored a grand slam: {slam}", f"It was a grand slam: {slam}"))
    elif facts.pole is winner and winner.start not in (None, 1):   # a grid penalty: pole in qualifying, not on the grid
        grid = f"started {ordinal_word(winner.start)} on the grid"
        sentences.append(Sentence(f"{short} took pole position in qualifying but {grid}.",
                                  f"The winner took pole position in qualifying but {grid}."))
    elif facts.pole is winner:
        sentences.append(Sentence(f"{short} won from pole position.", "The win came from pole position."))
    elif winner.start:
        grid = f"started {ordinal_word(winner.start)} on the grid."
        sentences.append(Sentence(f"{short} {grid}", f"The winner {grid}"))
    elif winner.pit_lane_start:
        sentences.append(Sentence(f"{short} started from the pit lane.", "The winner started from the pit lane."))
    return sentences + distance_sentences(race)


def _f1_podium(facts: F1RecapFacts, m: Markup, name: Mentions) -> list[Sentence]:
    podium = [line for line in facts.classification if line.status_code is None and line.finish in (2, 3)]
    pole = facts.pole

    def called(line: F1Line) -> str:
        return f"pole-sitter {name(line.driver)}" if line is pole else name(line.driver)

    def crew(lines: list[F1Line]) -> str:   # a car two drivers shared (the 1950s) lists both at one place
        shared = f" (sharing the car with {_join([called(line) for line in lines[1:]])})" if len(lines) > 1 else ""
        return called(lines[0]) + shared

    sentences = []
    second, third = ([line for line in podium if line.finish == place] for place in (2, 3))
    if second:
        behind = _behind(second[0].gap)
        text = f"{crew(second)} finished second" + (f", {behind} behind" if behind else "")
        if third:
            text += f", and {crew(third)} third"
        sentences.append(Sentence(text + "."))
    elif third:
        sentences.append(Sentence(f"{crew(third)} finished third."))
    if len(facts.first_podiums) == 1:
        [first] = facts.first_podiums
        who = name(first.line.driver)
        sentences.append(Sentence(f"{who} reached the podium on debut." if first.debut
                                  else f"It was {possessive(who)} first podium finish."))
    elif facts.first_podiums:
        listed = _join([name(first.line.driver) + (" (on debut)" if first.debut else "") for first in facts.first_podiums])
        sentences.append(Sentence(f"First podium finishes for {listed}."))
    if pole is not None and pole is not facts.winner and pole not in podium:
        mates = [line for line in facts.car_of(pole) if line is not pole]   # the car he took pole in, shared
        if mates and not pole.shared_car:   # his row the car's first: he started it
            shared = _join([name(line.driver) for line in mates])
            sentences.append(Sentence(f"The car pole-sitter {name(pole.driver)} started in, shared with {shared}, "
                                      f"{_f1_outcome(pole, m)}."))
        elif mates:
            shared = _join([name(line.driver) for line in mates])
            sentences.append(Sentence(f"Pole-sitter {name(pole.driver)} (sharing a car with {shared}) {_f1_outcome(pole, m)}."))
        else:
            sentences.append(Sentence(f"Pole-sitter {name(pole.driver)} {_f1_outcome(pole, m)}."))
    elif facts.pole_absent is not None:   # read only where the pole-sitter is not in the classification
        why = f" ({m.escape(in_prose(facts.pole_absent.reason))})" if facts.pole_absent.reason else ""
        sentences.append(Sentence(f"Pole-sitter {name(facts.pole_absent.driver)} did not start{why}."))
    sprint = facts.sprint_winner
    if sprint is not None:
        start = " from sprint pole" if sprint.start == 1 else ""
        if sprint.driver == facts.winner.driver:
            sentences.append(Sentence(f"{name(sprint.driver)} had also won the weekend's sprint{start}."))
        else:
            sentences.append(Sentence(f"{name(sprint.driver)} won the weekend's sprint{start}."))
    return sentences


def _behind(gap: str | None) -> str | None:
    """`2.664 seconds`, `1:07.456`, `one lap` from a gap as the data writes it (+2.664, +1:07.456, +1 lap)."""
    if not gap or not gap.startswith("+"):
        return None
    amount = gap[1:]
    if re.fullmatch(r"\d+\.\d+", amount):
        return f"{amount} seconds"
    laps = re.fullmatch(r"(\d+) laps?", amount)
    if laps:
        return counted(int(laps[1]), "lap")
    return amount if re.fullmatch(r"[\d:.]+", amount) else None


def in_prose(reason: str) -> str:
    """A retirement's reason as a sentence reads it: F1DB's `Overheating` as `overheating`; `ERS` stays `ERS`."""
    return reason[:1].lower() + reason[1:] if reason[1:2].islower() else reason


def _f1_outcome(line: F1Line, m: Markup) -> str:
    """`finished fourth`, `retired (engine) after 40 laps`, `retired (collision) without completing a lap`,
    `was disqualified`, `was classified 14th, having retired (spun off) after 131 laps` (a car that stopped before the
    end, classified all the same)."""
    if line.status_code is None:
        if not line.reason:
            return f"finished {ordinal_word(line.finish)}"
        phrase = f"was classified {ordinal_word(line.finish)}, having retired ({m.escape(in_prose(line.reason))})"
    else:
        phrase = F1_RETIRED[line.status_code]
    if line.status_code == "DNF" and line.reason:
        phrase += f" ({m.escape(in_prose(line.reason))})"
    if line.status_code != "DSQ" and line.laps == 0:
        phrase += " without completing a lap"
    elif line.status_code != "DSQ" and line.laps is not None:
        phrase += f" after {plural(line.laps, 'lap')}"
    return phrase


def _f1_retirements(facts: F1RecapFacts, m: Markup, name: Mentions) -> list[Sentence]:
    pole_car = facts.car_of(facts.pole) if facts.pole is not None else []   # told with the pole-sitter
    out = [line for line in facts.classification if line.status_code is not None and line not in pole_car]
    sentences = []
    retired: dict[str, list[F1Line]] = {}   # by driver: in the 1950s one driver could retire two cars
    for line in out:
        if line.status_code == "DNF":
            retired.setdefault(line.driver, []).append(line)
    if retired:
        def why(line: F1Line) -> str:
            reason = m.escape(in_prose(line.reason)) if line.reason else "reason unknown"
            if line.laps == 0:   # as the pole-sitter's sentence says it
                return f"{reason}, without completing a lap"
            return reason + (f", {plural(line.laps, 'lap')}" if line.laps is not None else "")

        classified = {line.driver for line in facts.classification if line.status_code is None}   # a shared car's

        def cars_out(driver: str, cars: list[F1Line]) -> str:
            reasons = "; ".join(map(why, cars))
            if len(cars) > 1:
                return f"in {number_word(len(cars))} cars: {reasons}"
            return f"in another car: {reasons}" if driver in classified else reasons

        listed = [f"{name(driver)} ({cars_out(driver, cars)})" for driver, cars in retired.items()]
        drivers = "driver" if len(retired) == 1 else "drivers"
        other = " other" if facts.pole is not None and facts.pole.status_code == "DNF" else ""   # the pole's is told apart
        sentences.append(Sentence(f"{spelled(len(retired))}{other} {drivers} retired: {_join(listed)}."))
    for line in out:
        if line.status_code != "DNF":
            sentences.append(Sentence(f"{name(line.driver)} {_f1_outcome(line, m)}."))
    return sentences + _f1_non_starters(facts, m, name)


def _f1_non_starters(facts: F1RecapFacts, m: Markup, name: Mentions) -> list[Sentence]:
    """`Thirteen other drivers did not start (withdrew), among them …`: the entrants F1DB lists as DNS (not those
    that failed to qualify or were excluded), with their reasons (said once when they all share one); a driver who
    started another car did not start this one."""
    absent = [entrant for entrant in facts.non_starters if entrant.status_code == "DNS" and entrant is not facts.pole_absent]
    if not absent:
        return []
    raced = {line.driver_id for line in facts.classification}
    reasons = {entrant.reason for entrant in absent}
    alike = len(absent) > 1 and len(reasons) == 1 and not raced & {entrant.driver_id for entrant in absent}
    common = next(iter(reasons)) if alike else None   # every one's reason, said once

    def why(entrant: F1NonStarter) -> str:
        reason = m.escape(in_prose(entrant.reason)) if entrant.reason and common is None else ""
        if entrant.driver_id in raced:
            return f" (in another car{': ' if reason else ''}{reason})"
        return f" ({reason})" if reason else ""

    shown = absent if len(absent) <= MAX_LISTED else absent[:SUMMARY_LISTED]
    listed = _join([name(entrant.driver) + why(entrant) for entrant in shown])
    other = " other" if facts.pole_absent is not None else ""
    drivers = "driver" if len(absent) == 1 else "drivers"
    shared = f" ({m.escape(in_prose(common))})" if common else ""
    joined = f": {listed}" if len(absent) <= MAX_LISTED else f", among them {listed}"
    return [Sentence(f"{spelled(len(absent))}{other} {drivers} did not start{shared}{joined}.")]


def _points_cell(points: float | None) -> str | None:
    if not points:
        return None
    return str(int(points)) if points == int(points) else f"{points:g}"


def f1_classification(facts: F1RecapFacts) -> Table:
    """The race classification in r/formula1's columns: the winner's time, the others' gaps, a retirement's reason."""
    return _f1_session(facts.classification)


def f1_sprint(facts: F1RecapFacts) -> Table:
    """The sprint's points finishers (the top eight from 2022, the top three in 2021), in the race classification's
    columns; the top eight where the data gives no points."""
    scored = [line for line in facts.sprint if line.points]
    return _f1_session(scored or facts.sprint[:SPRINT_SHOWN])


def _laps_down(line: F1Line, leader_laps: int | None) -> str | None:
    """`+7 laps`, in F1DB's words for a gap, from the laps a car completed and the winner's."""
    if line.laps is None or leader_laps is None or line.laps >= leader_laps:
        return None
    down = leader_laps - line.laps
    return f"+{down} lap{'' if down == 1 else 's'}"


def _f1_session(lines: list[F1Line]) -> Table:
    """A classified car's gap (a winner's time), laps down where F1DB gives none for a car that stopped before the end
    and was classified all the same, and then its reason (`+7 laps (Spun off)`); an unclassified car's reason or
    status. A shared car's time or gap is on the row of the driver who started it."""
    leader = next((line.laps for line in lines if line.finish == 1 and line.status_code is None), None)
    rows: list[tuple[Cell, ...]] = []
    for line in lines:
        if line.status_code is None and line.shared_car:
            shown = None
        elif line.status_code is None:
            shown = line.time if line.finish == 1 else line.gap or _laps_down(line, leader)
            if line.reason:
                shown = f"{shown} ({line.reason})" if shown else line.reason
        else:
            shown = line.reason if line.status_code == "DNF" else line.status_code
        rows.append((
            line.status_code or line.finish, safe.plain(line.car), safe.plain(line.driver), safe.plain(line.team),
            line.laps, safe.plain(shown) if shown else None, _points_cell(line.points),
        ))
    return Table(F1_RESULT_COLUMNS, rows, (True, True, False, False, True, True, True))


def f1_championship(facts: F1RecapFacts) -> Table:
    return Table(("Pos", "Driver", "Points"),
                 [(line.position, safe.plain(line.driver), _points_cell(line.points)) for line in facts.championship],
                 (True, False, True))


def f1_championship_heading(facts: F1RecapFacts) -> str:
    """Says the table is computed, and from what: the official table can differ (dropped scores, penalties)."""
    rounds = plural(facts.championship_rounds, "round")
    return f"Drivers' championship after {rounds} (computed from race and sprint points, not the official table)"


def _f1_header(facts: F1RecapFacts) -> str:
    race = facts.race
    return f"{race.season} {race.series_name}" + (f", round {race.round}" if race.round else "")


SPRINT_SHOWN = 8   # the sprint's places shown where the data gives no points (its points finishers since 2022)


def f1_credit(race: RaceSummary) -> str:
    """The F1 attribution: F1DB's, and Jolpica's when the race's results came from it (words.credits, as answers')."""
    return credit_text([race.series], [race])


def f1_reddit_body(facts: F1RecapFacts, thread_key: str, thread_links: str = "") -> str:
    """The F1 race report as a Reddit self-post."""
    race = facts.race
    header = f"**{safe.reddit(_f1_header(facts))}** · {safe.reddit(race.track)}"
    if race.starts_at:
        header += f" · {race_date(race)}"
    prose = "\n\n".join(f1_paragraphs(facts, REDDIT))
    championship = f"## {f1_championship_heading(facts)}\n\n" + markdown(f1_championship(facts)) if facts.championship else ""
    results = "## Classification\n\n" + markdown(f1_classification(facts))
    sprint_table = f1_sprint(facts) if facts.sprint else None
    sprint = f"## Sprint (top {len(sprint_table.rows)})\n\n" + markdown(sprint_table) if sprint_table else ""
    credit = safe.reddit(f1_credit(race))
    footer = f"---\n\n^({credit}. Posted by Pitboard, an open-source race-results bot.) {marker(thread_key)}"
    body = "\n\n".join(part for part in (header, thread_links, prose, results, sprint, championship, footer) if part)
    if len(body) <= REDDIT_LIMIT:
        return body
    return "\n\n".join(part for part in (header, thread_links, prose[: REDDIT_LIMIT // 4], results, footer) if part)


F1_UNIT = "Formula 1"          # the series' name, never split at the end of a terminal line ("Formula" / "1 win")
F1_UNIT_KEPT = F1_UNIT.replace(" ", "\u00a0")


def _f1_wrap(text: str, width: int) -> str:
    """`_wrap`, keeping "Formula 1" on one line: a no-break space while wrapping (textwrap breaks at ASCII whitespace
    only), a plain space again in the text it returns."""
    return _wrap(text.replace(F1_UNIT, F1_UNIT_KEPT), width).replace(F1_UNIT_KEPT, F1_UNIT)


def f1_text_recap(facts: F1RecapFacts, width: int = TEXT_WIDTH) -> str:
    race = facts.race
    head = _f1_wrap(f"{safe.plain(_f1_header(facts))}: {safe.plain(race.name)} at {safe.plain(race.track)}", width)
    parts = [head, "=" * min(max(len(line) for line in head.splitlines()), width)]
    parts += [_f1_wrap(paragraph, width) for paragraph in f1_paragraphs(facts, PLAIN)]
    parts.append(monospace(f1_classification(facts), max_width=width))
    if facts.sprint:
        sprint = f1_sprint(facts)
        parts.append(f"Sprint (top {len(sprint.rows)}):\n{monospace(sprint, max_width=width)}")
    if facts.championship:
        parts += [_f1_wrap(f1_championship_heading(facts), width), monospace(f1_championship(facts), max_width=width)]
    parts.append(_wrap(f1_credit(race), width))
    return "\n\n".join(parts)
