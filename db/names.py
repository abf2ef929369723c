"""Turning what fans type (`dega`, `the monster mile`, `rowdy truck`, `daytona 500 1979`, `#48`) into
tracks, races, drivers and series.

Resolution never guesses silently: an exact name, alias or nickname wins; otherwise a unique word
match; otherwise a confident fuzzy match (clearly ahead of the next candidate); anything else is a
question back with suggestions. A year and a series typed with a name narrow ambiguous tracks to
those that raced then. Curated tables live in db/data/ (see db/curated.py).
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING

from rapidfuzz import fuzz, process

from db import curated
from db.errors import AmbiguousName, BadOption, NoData, UnknownName, shown
from db.models import LAST_SEASON, DriverInfo, SeriesInfo, TeamInfo, TrackInfo
from db.records import Record, replace
from db.series import SERIES

if TYPE_CHECKING:
    from sqlite3 import Row

    from db.snapshot import Reads, Snapshot

MAX_NAME_LENGTH = 100
MAX_SUGGESTIONS = 5
FUZZY_ACCEPT = 90      # a fuzzy match this good (and clearly ahead of the next) is taken
FUZZY_MARGIN = 6
FAR_AHEAD_ACCEPT = 80  # a misspelled name of several words (`tony stuart`) far ahead of the next is taken
FAR_AHEAD_MARGIN = 10
WORD_LIKE = 60         # ... when each typed word looks like the matching word of the name
FUZZY_SUGGEST = 60     # below this a candidate is not worth suggesting
MIN_PREFIX = 4         # shortest word prefix that may match (`kliger` → Kligerman, never `spa` → Sparta)
SHORT_ALIAS = 3         # aliases this short (F1's driver codes) are suggested only for queries as short
SUGGESTION_BAND = 5     # suggestions this close in score are told apart by popularity (`earnhart`: Dale first)
MIN_TYPO_WORD = 6      # words at least this long may carry one typo
TYPO_ACCEPT = 85
MAX_SERIES_WORDS = 4   # `camping world truck series`
REMEMBERED_WORDS = 4096   # words whose reading as a misspelt series is remembered (`_series_word`)
JUNIOR = " Jr."          # a son's suffix: his father is the driver of the name without it
SPRINT_WORD = "sprint"   # the Sprint Cup (Cup, 2008–2016), or F1's sprint (`_sprint_reading`)
F1_SPRINT_SERIES = "f1"
MIN_COMPLETED = 3      # letters of a name typed beside a series before completions keep the series
FAMOUS_WINS = 5        # the only winner among a name's bearers is meant from this many wins (see only_winner)

# Words that describe a kind of track rather than name one: `/track dirt` must ask, not pick Bristol Dirt.
GENERIC_TRACK_WORDS = frozenset({
    "speedway", "raceway", "motor", "motorsports", "international", "park", "track", "fairgrounds", "fairground",
    "dirt", "road", "course", "circuit", "oval", "superspeedway", "stadium", "street", "race", "short", "and",
})
# Little words that never tell one name from another: a question's `in`, `at`, `for` must not pick the one track
# whose nickname holds them (`in` → Darlington, the Lady in Black). Whole names and aliases still match exactly.
LITTLE_WORDS = frozenset({"in", "of", "at", "on", "for", "a", "an", "to"})
KIND_OF_TRACK = {"dirt": "dirt", "road": "road", "course": "road", "superspeedway": "superspeedway", "oval": "oval"}
# `martinsville spring`, `vegas fall`: a track's first or last race of a season in which a series raced there (or
# there and beside it) more than once (see NameIndex._season_part_place).
SEASON_PARTS = {"spring": "spring race", "fall": "fall race", "autumn": "fall race"}
MAX_RACES_AT_TRACK = 9      # `dover race 2`: the season's second race there, up to this many
# What fans type where a track goes when they mean the most recent race: `/winner last week`, `/results latest cup`.
LATEST_RACE_WORDS = frozenset({
    "latest", "latest race", "last", "last race", "last week", "last weekend", "this weekend", "this week", "recent",
    "most recent", "most recent race", "today", "yesterday", "last night", "tonight",
})
# Words for each season's last points race (`/winner finale 2024`, `/results championship race cup`): the last round
# of a season that has no race left to run (a season still running has no finale yet).
FINALE_WORDS = frozenset({
    "finale", "season finale", "final race", "final race of the season", "last race of the season", "championship race",
    "title race", "championship 4 race", "championship four race", "championship weekend",
})
# Words a fan adds after a driver's name about what to show: /driver shows all of it (`/driver larson stats`).
DRIVER_ASKED = frozenset({
    "stats", "statistics", "career", "record", "records", "profile", "bio", "wins", "last win", "latest win",
    "race by race", "results", "season", "numbers", "career stats",
})
FINALE = "Season Finale"   # its label, as a race's name
# Words of a race name that do not tell races apart (`500`, `race`, `at`).
RACE_FILLER = frozenset({"race", "at", "of", "the", "presented", "by", "powered", "and", "in", "nascar", "mile", "miles"})

_FEED_MARKERS = re.compile(r"\(i\)|[#*]")
_NOT_WORD = re.compile(r"[^0-9a-z ]+")
_YEAR = re.compile(r"^\d{4}$")
_RUN_NUMBER = re.compile(r"\b([1-9])\b")   # `duel 2 at daytona`, `125 mile qualifying race 2`
_CAR_NUMBER = re.compile(r"^(?:no |car )?(\d{1,3})$")  # normalized: `#48`, `No. 48` → `48`, `no 48`
# normalize's steps for an ASCII character: lower case kept, `&` → ` and `, `.` and `'` dropped, other punctuation a space.
_ASCII_FOLD = str.maketrans({
    char: char.lower() if char.isalnum() or char == " " else " and " if char == "&" else None if char in ".'" else " "
    for char in map(chr, range(128))
})


@lru_cache(maxsize=1 << 16)   # race, driver and team names repeat (every Daytona 500): each is worked out once
def normalize(text: str) -> str:
    """Case-, accent- and punctuation-insensitive form: `Kenkō Miura` → `kenko miura`.

    Periods and apostrophes vanish (`A.J.` → `aj`, `O'Reilly` → `oreilly`); other punctuation
    separates words (`Mid-Ohio` → `mid ohio`); `&` reads as `and`.
    """
    if text.isascii():  # most names: the steps below in one pass
        return " ".join(text.replace("(i)", " ").translate(_ASCII_FOLD).split())
    text = _FEED_MARKERS.sub(" ", text)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.casefold().replace("&", " and ").replace(".", "").replace("'", "").replace("’", "")
    text = _NOT_WORD.sub(" ", text)
    return " ".join(text.split())


def name_key(text: str) -> str:
    """The form names are looked up by: normalized, without a leading `the` (`The Glen` → `glen`)."""
    return _without_the(normalize(text))


def _without_the(normalized: str) -> str:
    return normalized[4:] if normalized.startswith("the ") else normalized


# A question's own words before a place (`who won at dover`, `results of the daytona 500`): read past.
_ASKED_BEFORE_PLACE = re.compile(r"^(?:(?:who won|winners? of|results? (?:of|from))(?: (?:at|the|in))?|at|of) (?=\S)")


def clean_input(text: str, what: str) -> str:
    """Validate a user-typed name; returns its lookup form (see name_key) or raises BadOption."""
    if len(text) > MAX_NAME_LENGTH:
        raise BadOption(f"That {what} name is too long ({len(text)} characters; the limit is {MAX_NAME_LENGTH}).")
    key = _without_the(_ASKED_BEFORE_PLACE.sub("", normalize(text))) if what == "track" else name_key(text)
    if not key:
        raise BadOption(f"Type a {what} name, for example " + {
            "track": "`mid-ohio`, `daytona` or `southern 500`.",
            "driver": "`kyle larson`, `kligerman` or `#48`.",
            "series": "`cup`, `xfinity` or `truck`.",
            "team": "`ferrari`, `red bull` or `hendrick`.",
        }[what])
    return key


class _Resolver:
    """Exact → alias → unique words (strict), then confident fuzzy (loose), over one kind of entity.

    `labels` maps each key to its name; `aliases` are other names, `stored` aliases the store already keeps normalized
    (the build and every import write them so); `popularity` gives each key's weight for ranking (starts, races held),
    read only when candidates need ranking. The word index is built on the first lookup an exact name does not answer:
    a cold `pitboard ask "/winner mid-ohio"` needs neither.
    """

    def __init__(self, what: str, labels: dict[int, str], aliases: Iterable[tuple[str, int]],
                 popularity: Callable[[], dict[int, int]], stored: Iterable[tuple[str, int]] = ()):
        self.what = what
        self.labels = labels
        self._popularity = popularity
        exact: dict[str, set[int]] = defaultdict(set)
        for key, label in labels.items():
            exact[name_key(label)].add(key)
        for alias, key in stored:
            if key in labels:
                exact[_without_the(alias)].add(key)
        for alias, key in aliases:
            if key in labels:
                exact[name_key(alias)].add(key)
        self.exact = exact
        self.choices = list(exact)

    @cached_property
    def by_word(self) -> dict[str, set[int]]:
        by_word: dict[str, set[int]] = defaultdict(set)
        for name, keys in self.exact.items():
            for word in name.split():
                if word not in LITTLE_WORDS:
                    by_word[word].update(keys)
        return by_word

    @cached_property
    def by_name_word(self) -> dict[str, set[int]]:
        """Entries by the words of their own names (not of their nicknames)."""
        by_word: dict[str, set[int]] = defaultdict(set)
        for key, label in self.labels.items():
            for word in name_key(label).split():
                if word not in LITTLE_WORDS:
                    by_word[word].add(key)
        return by_word

    @cached_property
    def words(self) -> list[str]:
        return sorted(self.by_word)

    @cached_property
    def popularity(self) -> dict[int, int]:
        return self._popularity()

    def prepare(self) -> None:
        """Build every lazy part now: for an index that outlives its snapshot, or serves a long-running bot."""
        for part in ("words", "by_name_word", "popularity"):   # cached on first access
            getattr(self, part)

    def strict(self, query: str) -> list[int]:
        """Ranked candidates by exact name or alias, else by whole words, else by word prefixes.

        An alias naming several (`jj`, `junior`) also offers everyone having it as a whole word.
        """
        exact = self.exact.get(query)
        if exact and len(exact) == 1:
            return list(exact)
        whole, prefixed = self.word_matches(query)
        if exact:
            return self.ranked(exact) + self.ranked(whole - exact)
        if whole:
            return self.ranked(whole) + self.ranked(prefixed - whole)
        return self.ranked(prefixed)

    def loose(self, query: str) -> int | None:
        """The one entry a misspelling clearly means (`kligermann`, `tony stuart`), if there is one."""
        hits = process.extract(query, self.choices, scorer=fuzz.ratio, limit=10, score_cutoff=FUZZY_SUGGEST)
        if hits:
            best_choice, best_score, _ = hits[0]
            best_keys = self.exact[best_choice]
            runner_up = next((score for choice, score, _ in hits[1:] if self.exact[choice] != best_keys), 0)
            if len(best_keys) == 1 and _confident(query, best_choice, best_score, best_score - runner_up):
                return next(iter(best_keys))
        typo = self._typo_matches(query)
        return next(iter(typo)) if len(typo) == 1 else None

    def suggestions(self, query: str) -> list[str]:
        return [self.labels[key] for key in self.suggested(query)]

    def suggested(self, query: str) -> list[int]:
        """Keys of the entries most like a name that none has, the best first: what "did you mean" offers."""
        return self._fuzzy_keys(query, MAX_SUGGESTIONS * 2)[:MAX_SUGGESTIONS]

    def suggest(self, text: str, limit: int = 25) -> list[int]:
        """Ranked keys for autocomplete: exact, whole-word and prefix matches first, then fuzzy ones."""
        query = name_key(text[:MAX_NAME_LENGTH])
        if not query:
            return self.ranked(self.labels)[:limit]
        whole, prefixed = self.word_matches(query)
        ranked = list(dict.fromkeys(
            self.ranked(self.exact.get(query, set())) + self.ranked(whole) + self.ranked(prefixed)
        ))
        if len(ranked) < limit:
            for key in self._fuzzy_keys(query, limit * 2):
                if key not in ranked:
                    ranked.append(key)
        return ranked[:limit]

    def named(self, query: str) -> bool:
        """Whether `query` is exactly a name or alias, or words of one entry's own name (`bristol`, `watkins glen`):
        no prefixes, no fuzzy match, no single words of a nickname (`lady`, `monster`)."""
        return query in self.exact or bool(self._intersect(query, lambda word: self.by_name_word.get(word, set())))

    def word_matches(self, query: str) -> tuple[set[int], set[int]]:
        """Entries having every query word as a whole word (`smith`), and as a word prefix (`kliger`).

        Prefixes shorter than four letters are not used: `spa` must not become `sparta` (Kentucky).
        """
        whole = self._intersect(query, lambda word: self.by_word.get(word, set()))
        return whole, self._intersect(query, self._prefixed)

    def _prefixed(self, word: str) -> set[int]:
        if len(word) < MIN_PREFIX:
            return set(self.by_word.get(word, ()))
        keys: set[int] = set()
        index = bisect.bisect_left(self.words, word)
        while index < len(self.words) and self.words[index].startswith(word):
            keys.update(self.by_word[self.words[index]])
            index += 1
        return keys

    def _typo_matches(self, query: str) -> set[int]:
        """Entries matching every query word allowing a typo in the long ones (`kligermann`, `talladaga`)."""

        def near(word: str) -> set[int]:
            if len(word) < MIN_TYPO_WORD:
                return self._prefixed(word)
            hits = process.extract(word, self.words, scorer=fuzz.ratio, score_cutoff=TYPO_ACCEPT, limit=20)
            return set().union(*(self.by_word[hit] for hit, _, _ in hits)) if hits else set()

        return self._intersect(query, near)

    @staticmethod
    def _intersect(query: str, keys_for_word) -> set[int]:
        """Entries every word of `query` finds (its little words aside; none at all if it has no other)."""
        matched: set[int] | None = None
        for word in query.split():
            if word in LITTLE_WORDS:
                continue
            keys = keys_for_word(word)
            matched = set(keys) if matched is None else matched & keys
            if not matched:
                return set()
        return matched or set()

    @cached_property
    def _longer_choices(self) -> list[str]:
        return [choice for choice in self.choices if len(choice) > SHORT_ALIAS]

    def _fuzzy_keys(self, query: str, limit: int) -> list[int]:
        """Entries whose names are like `query`, the best first; names about as like it, the most popular first.
        Short aliases (F1's `ham`, `arn`) are offered only for short queries: any word containing them scores high."""
        choices = self.choices if len(query) <= SHORT_ALIAS else self._longer_choices
        hits = process.extract(query, choices, scorer=fuzz.WRatio, limit=limit, score_cutoff=FUZZY_SUGGEST)
        popularity = self.popularity
        keys: list[int] = []
        for _band, key in sorted(
            ((round(score / SUGGESTION_BAND), key) for choice, score, _ in hits for key in self.exact[choice]),
            key=lambda hit: (-hit[0], -popularity.get(hit[1], 0), self.labels[hit[1]]),
        ):
            if key not in keys:
                keys.append(key)
        return keys

    def ranked(self, keys: Iterable[int]) -> list[int]:
        popularity, labels = self.popularity, self.labels
        return sorted(keys, key=lambda key: (-popularity.get(key, 0), labels[key]))


def _confident(query: str, choice: str, score: float, margin: float) -> bool:
    """A fuzzy match good enough to answer: very close and ahead, or a word-by-word misspelling far ahead."""
    if score >= FUZZY_ACCEPT and margin >= FUZZY_MARGIN:
        return True
    typed, named = query.split(), choice.split()
    return (
        score >= FAR_AHEAD_ACCEPT and margin >= FAR_AHEAD_MARGIN and 1 < len(typed) == len(named)
        and all(a[0] == b[0] and fuzz.ratio(a, b) >= WORD_LIKE for a, b in zip(typed, named, strict=True))
    )


class _Wins(Record):
    """Race wins by driver id and by team id: what tells a name's famous bearer from the others (see only_winner);
    and the series each team started in (a series given narrows a team name)."""

    drivers: dict[int, int]
    teams: dict[int, int]
    team_series: dict[int, set[str]]


class _Race(Record):
    """A race fans may name: its name, series, season and track."""

    id: int
    track_id: int
    series: str
    season: int
    round: int | None
    name: str
    key: str                    # normalized name
    words: frozenset[str]       # words of the name and of the track's name
    exhibition: bool


class Place(Record):
    """Where a question points: a track, or a named race (`Daytona 500`), with what was typed alongside."""

    track: TrackInfo | None             # None: a race run at several tracks (the All-Star Race)
    race: str | None = None             # the race asked for by name
    race_ids: tuple[int, ...] | None = None  # its runs (in the year asked, if any); None: every race at the track
    series: str | None = None           # a series typed with the name (`martinsville truck`)
    year: int | None = None             # a year typed with the name (`daytona 500 1979`)
    venue: bool = False                 # `race` is the tracks of a venue (`las vegas`), not a race's name

    @property
    def race_at_several_tracks(self) -> bool:
        """A race asked for by name that was run at more than one track (`British Grand Prix`, the All-Star Race)."""
        return self.track is None and not self.venue

    @property
    def label(self) -> str:
        """`Darlington Raceway`, `Darlington Raceway (Southern 500)`, or `All-Star Race` at several tracks."""
        if self.track and self.race:
            return f"{self.track.name} ({self.race})"
        return self.track.name if self.track else self.race or ""


class Who(Record):
    """A driver, with a series typed with the name (`rowdy truck`, `cup larson`), and who else the name matched when one of
    them clearly was meant (`senna`: Ayrton; also Bruno)."""

    driver: DriverInfo
    series: str | None = None
    also: tuple[DriverInfo, ...] = ()


class Team(Record):
    """A team (F1: a constructor), and the others the typed name matched when one clearly was meant."""

    team: TeamInfo
    also: tuple[TeamInfo, ...] = ()
    series: str | None = None           # a series typed with the name (`red bull f1`)


def season_runs(seasons: Iterable[int]) -> str:
    """`1950–2003, 2015–2025`: seasons as runs of consecutive years (`2021, 2026` for two apart)."""
    ordered = sorted(set(seasons))
    runs: list[list[int]] = []
    for season in ordered:
        if runs and season == runs[-1][-1] + 1:
            runs[-1].append(season)
        else:
            runs.append([season])
    return ", ".join(f"{run[0]}–{run[-1]}" if len(run) > 1 else str(run[0]) for run in runs)


def only_winner(keys: list[int], wins: dict[int, int]) -> int | None:
    """The one candidate a name clearly means: the only one of them who ever won a race, with at least
    FAMOUS_WINS wins (`senna`: Ayrton, 41 wins, not Bruno, none). When two or more won (`schumacher`: Michael and
    Ralf; `busch`; `lotus`: Team Lotus and Lotus F1 Team), nobody did, or the one winner won little (a single win
    does not make a name his), nothing tells them apart and the name asks. Wins, not starts: a fan typing a surname
    means the winner, and a second winner is a real answer the fan may want."""
    winners = [key for key in keys if wins.get(key, 0) > 0]
    return winners[0] if len(winners) == 1 and wins[winners[0]] >= FAMOUS_WINS else None


# Words between two drivers' names in one string (`hamlin vs logano`; name_key reads `vs.` as `vs`, `&` as `and`).
PAIR_WORDS = frozenset({"vs", "v", "versus", "and"})


def told_apart(a: DriverInfo, b: DriverInfo) -> tuple[str, str]:
    """Two drivers' names as one answer shows them: by their labels when they share a name (the two Jim Clarks)."""
    return (a.label, b.label) if name_key(a.name) == name_key(b.name) else (a.name, b.name)


def ambiguous_pairs(text: str, pairs: list[tuple[DriverInfo, DriverInfo]]) -> AmbiguousName:
    """"Which pair?", offering `pairs` in their order."""
    choices = [f"{a.label} and {b.label}" for a, b in pairs]
    return AmbiguousName("pair of drivers", text, choices[:MAX_SUGGESTIONS], total=len(choices))


class CarNumber(Record):
    """`#48`: who drove it is a question for the results (see driver_for_car)."""

    car: str
    series: str | None
    year: int | None


class NameIndex:
    """Every track, race, driver and series name, alias and nickname in the store.

    Each part (series, tracks, races, drivers) is read from the index's snapshot when a lookup first needs it:
    `/winner mid-ohio` never reads the drivers (their names, aliases and tallies of starts) nor the races. `read` makes a
    lazy index over a snapshot that outlives it (the console's one read transaction); `load` reads every part in
    one hop to a reader thread, for the bot's long-lived index.
    """

    def __init__(self, snapshot: Snapshot):
        self._snapshot: Snapshot | None = snapshot

    @classmethod
    def read(cls, snapshot: Snapshot) -> NameIndex:
        """An index reading its parts from `snapshot` on demand: use it only while that read transaction is open."""
        return cls(snapshot)

    @classmethod
    async def load(cls, store: Reads) -> NameIndex:
        """An index with every part read, in one read of the store."""
        return await store.read(cls._read_whole)

    _PARTS = ("series", "_series_keys", "_series_aliases", "tracks", "_track_resolver", "_track_races", "_related", "_venues",
              "_race_rules", "_races", "_races_by_id", "_raced", "_rule_runs", "_grands_prix", "_sprint_race_ids", "_finales",
              "drivers", "_labelled", "_driver_stats", "_driver_resolver", "teams", "_team_stats", "_team_resolver", "_wins")

    @classmethod
    def _read_whole(cls, snapshot: Snapshot) -> NameIndex:
        index = cls(snapshot)
        for part in cls._PARTS:
            value = getattr(index, part)
            if isinstance(value, _Resolver):   # and its own lazy parts
                value.prepare()
        index._snapshot = None  # every part is read: the index outlives the transaction
        return index

    def _rows(self, sql: str) -> list[Row]:
        if self._snapshot is None:
            raise RuntimeError("a loaded NameIndex reads nothing more")
        return self._snapshot.fetchall(sql)

    # Series

    @cached_property
    def series(self) -> dict[str, SeriesInfo]:
        return {
            row["key"]: SeriesInfo(row["key"], row["name"], row["short_name"])
            for row in self._rows("SELECT key, name, short_name FROM series ORDER BY id")
        }

    @cached_property
    def _series_keys(self) -> dict[int, str]:
        """Series keys by id, for the statements that count over every result."""
        return {row[0]: row[1] for row in self._rows("SELECT id, key FROM series")}

    @cached_property
    def _series_aliases(self) -> dict[str, str]:
        series = self.series
        aliases = {name_key(info.key): info.key for info in series.values()}
        aliases.update({name_key(info.name): info.key for info in series.values()})
        aliases.update({name_key(info.short_name): info.key for info in series.values()})
        for alias, key in self._rows("SELECT a.alias, s.key FROM series_aliases a JOIN series s ON s.id = a.series_id"):
            aliases[name_key(alias)] = key
        aliases.update({name_key(era.name): era.series for era in curated.series_names() if era.series in series})
        return aliases

    # Tracks

    @cached_property
    def tracks(self) -> dict[int, TrackInfo]:
        return {
            row["id"]: TrackInfo(row["id"], row["name"], row["kind"], row["length_mi"])
            for row in self._rows("SELECT id, name, kind, length_mi FROM tracks")
        }

    @cached_property
    def _track_ids(self) -> dict[str, int]:
        return {info.name: info.id for info in self.tracks.values()}

    @cached_property
    def _track_resolver(self) -> _Resolver:
        track_ids = self._track_ids
        stored = [(row[0], row[1]) for row in self._rows("SELECT alias, track_id FROM track_aliases")]
        curated_names = [(name, track_ids[track]) for name, track in curated.track_names() if track in track_ids]
        return _Resolver("track", {t.id: t.name for t in self.tracks.values()}, curated_names, lambda: self._track_races,
                         stored)

    @cached_property
    def _track_races(self) -> dict[int, int]:
        """Races held at each track: a track's popularity, for ranking."""
        return {row[0]: row[1] for row in self._rows("SELECT track_id, count(*) FROM races GROUP BY track_id")}

    @cached_property
    def _related(self) -> dict[int, list[int]]:
        track_ids = self._track_ids
        related: dict[int, list[int]] = defaultdict(list)
        for one, other in curated.related_tracks():
            if one in track_ids and other in track_ids:
                related[track_ids[one]].append(track_ids[other])
                related[track_ids[other]].append(track_ids[one])
        return related

    @cached_property
    def _venues(self) -> dict[str, tuple[str, list[int]]]:
        track_ids = self._track_ids
        return {
            name_key(alias): (venue.name, [track_ids[name] for name in venue.tracks if name in track_ids])
            for venue in curated.venues() for alias in venue.aliases
        }

    # Races

    @cached_property
    def _race_rules(self) -> dict[str, curated.RaceRule]:
        return {name_key(alias): rule for rule in curated.race_rules() for alias in (rule.race, *rule.aliases)}

    @cached_property
    def _races(self) -> list[_Race]:
        track_words = {info.id: frozenset(normalize(info.name).split()) for info in self.tracks.values()}
        named: dict[tuple[str, int], tuple[str, frozenset[str]]] = {}  # every Daytona 500 is worked out once
        series_keys = self._series_keys
        races = []
        for race_id, track_id, series_id, season, round_, name, exhibition in self._rows(
            "SELECT id, track_id, series_id, season, round, name, exhibition FROM races WHERE status != 'scheduled' "
            "ORDER BY season DESC, round DESC, track_id, series_id"   # ties as the (track, series, …) index gave them
        ):
            known = named.get((name, track_id))
            if known is None:
                key = normalize(name)
                known = named[name, track_id] = (key, frozenset(key.split()) | track_words[track_id])
            key, words = known
            races.append((race_id, track_id, series_keys[series_id], season, round_, name, key, words, bool(exhibition)))
        return _Race.each(races)

    @cached_property
    def _races_by_id(self) -> dict[int, _Race]:
        return {race.id: race for race in self._races}

    @cached_property
    def _raced(self) -> dict[int, set[tuple[str, int]]]:
        """Each track's (series, season) pairs with a race run: read on their own, so that a question about a venue does
        not build every race's record (`_races`, for race names)."""
        raced: dict[int, set[tuple[str, int]]] = defaultdict(set)
        series_keys = self._series_keys
        for track_id, series_id, season in self._rows(   # from the (track, series, season, status) index alone
            "SELECT DISTINCT track_id, series_id, season FROM races WHERE status != 'scheduled'"
        ):
            raced[track_id].add((series_keys[series_id], season))
        return raced

    @cached_property
    def _rule_runs(self) -> dict[str, list[_Race]]:
        at_track: dict[int, list[_Race]] = defaultdict(list)   # each rule looks at its track's races, not all of them
        for race in self._races:
            at_track[race.track_id].append(race)
        runs = {}
        for rule in curated.race_rules():
            track_id = self._track_ids.get(rule.track or "")
            runs[rule.race] = self._runs(rule, self._races if track_id is None else at_track[track_id])
        return runs

    @cached_property
    def _grands_prix(self) -> dict[str, tuple[str, list[int]]]:
        """Each grand prix by its names (`Spanish Grand Prix`, `Spanish GP`, `Spain`) with the ids of its races run,
        latest first: read on their own, so that asking whether a text names one does not build every race's record."""
        grands_prix: dict[str, tuple[str, list[int]]] = {}
        rows = self._rows(
            "SELECT g.name, g.short_name, g.plain_name, r.id FROM grands_prix g JOIN races r ON r.grand_prix_id = g.id "
            "WHERE r.status != 'scheduled' ORDER BY g.id, r.season DESC, r.round DESC"
        )
        for row in rows:
            for alias in (row["name"], row["short_name"], row["plain_name"]):
                grands_prix.setdefault(name_key(alias), (row["name"], []))[1].append(row["id"])
        return grands_prix

    # Drivers

    @cached_property
    def drivers(self) -> dict[int, DriverInfo]:
        """Every driver, by the name fans know him by (migration 0025), labelled apart from those who share it."""
        drivers = {driver.id: driver for driver in DriverInfo.each(self._rows("SELECT id, shown_name, shown_name FROM drivers"))}
        first: dict[str, int] = {}   # each name's lookup form → its first bearer
        namesakes: set[int] = set()
        for key, driver in drivers.items():
            bearer = first.setdefault(name_key(driver.name), key)
            if bearer != key:
                namesakes.update((bearer, key))
        for key, label in self._namesake_labels(drivers, namesakes).items():
            drivers[key] = replace(drivers[key], label=label)
        return drivers

    def _namesake_labels(self, drivers: dict[int, DriverInfo], keys: set[int]) -> dict[int, str]:
        """Labels telling apart drivers who share a name, by the series and seasons each raced (`Jim Clark (F1,
        1960–1968)`, `Jim Clark (Cup, 1952–1954)`); one who never started, by his stored name (unique)."""
        if not keys:
            return {}
        stored: dict[int, str] = {}
        raced: dict[int, list[tuple[str, int, int]]] = defaultdict(list)   # (series, first season, last season)
        for key, name, series, first, last in self._rows(
            f"""SELECT d.id, d.name, s.short_name, min(r.season), max(r.season)
                FROM drivers d LEFT JOIN results x ON x.driver_id = d.id LEFT JOIN races r ON r.id = x.race_id
                LEFT JOIN series s ON s.id = r.series_id
                WHERE d.id IN ({",".join(str(int(key)) for key in sorted(keys))})
                GROUP BY d.id, s.id ORDER BY s.display_order"""
        ):
            stored[key] = name
            if series is not None:
                raced[key].append((series, first, last))
        labels = {}
        for key, name in stored.items():
            if not raced[key]:
                labels[key] = name
                continue
            first, last = min(run[1] for run in raced[key]), max(run[2] for run in raced[key])
            seasons = f"{first}–{last}" if last != first else str(first)
            labels[key] = f"{drivers[key].name} ({', '.join(run[0] for run in raced[key])}, {seasons})"
        return labels

    @cached_property
    def _labelled(self) -> dict[str, int]:
        """Namesakes by their labels' lookup form (`jim clark f1 1960 1968`): a choice offered between them reads back."""
        return {name_key(info.label): info.id for info in self.drivers.values() if info.label != info.name}

    @cached_property
    def _driver_stats(self) -> tuple[dict[int, int], dict[int, set[str]]]:
        """Each driver's starts over every series (popularity, for ranking) and the series he started in."""
        return self._starts_by_series("SELECT driver_id, series_id, starts FROM driver_series_starts")

    def _starts_by_series(self, sql: str) -> tuple[dict[int, int], dict[int, set[str]]]:
        """Starts and series by driver or team, from the tallies triggers keep (migration 0018): counting them over
        every result at each load was most of its time."""
        starts: dict[int, int] = defaultdict(int)
        series: dict[int, set[str]] = defaultdict(set)
        series_keys = self._series_keys
        for key, series_id, count in self._rows(sql):
            starts[key] += count
            series[key].add(series_keys[series_id])
        return starts, series

    @property
    def _driver_series(self) -> dict[int, set[str]]:
        return self._driver_stats[1]

    @cached_property
    def _driver_resolver(self) -> _Resolver:
        drivers = self.drivers
        # by stored name (unique), as the curated nicknames name drivers: `Jim Clark (1936)` for the F1 Jim Clark
        renamed = {key: name for key, name in self._rows("SELECT id, name FROM drivers WHERE known_as IS NOT NULL")}
        driver_ids = {renamed.get(info.id, info.name): info.id for info in drivers.values()}
        stored = [(row[0], row[1]) for row in self._rows("SELECT alias, driver_id FROM driver_aliases")]
        # F1's names: the full name (Ayrton Senna da Silva), and the timing-screen code (VER) for its latest holder.
        driver_aliases = [(row[0], row[1]) for row in self._rows(
            "SELECT full_name, id FROM drivers WHERE full_name IS NOT NULL AND full_name != name"
        )]
        driver_aliases += sorted(self._code_holders().items())
        driver_aliases += [(nick, driver_ids[name]) for nick, name in curated.driver_nicknames() if name in driver_ids]
        # A father whose son raced as Jr. is the Sr. fans call him (Dale Earnhardt Sr., Nelson Piquet Sr.).
        driver_aliases += [(f"{name.removesuffix(JUNIOR)} sr", driver_ids[name.removesuffix(JUNIOR)])
                           for name in driver_ids if name.endswith(JUNIOR) and name.removesuffix(JUNIOR) in driver_ids]
        return _Resolver("driver", {d.id: d.name for d in drivers.values()}, driver_aliases, lambda: self._driver_stats[0],
                         stored)

    def _code_holders(self) -> dict[str, int]:
        """Each timing-screen code's driver: of those who bore it and started, the one who raced latest (of two whose
        last season was the same, the first stored)."""
        holders: dict[str, tuple[int, int]] = {}  # code → (season, driver id)
        for driver_id, code, season in self._rows(   # from each bearer's starts: F1's few, not every result
            "SELECT d.id, d.code, (SELECT max(r.season) FROM results x JOIN races r ON r.id = x.race_id "
            "WHERE x.driver_id = d.id) FROM drivers d WHERE d.code IS NOT NULL ORDER BY d.id"
        ):
            held = holders.get(code)
            if season is not None and (held is None or season > held[0]):
                holders[code] = (season, driver_id)
        return {code: driver_id for code, (_, driver_id) in holders.items()}

    # Teams

    @cached_property
    def teams(self) -> dict[int, TeamInfo]:
        return {team.id: team for team in TeamInfo.each(self._rows("SELECT id, name, full_name FROM teams"))}

    @cached_property
    def _team_stats(self) -> tuple[dict[int, int], dict[int, int], dict[int, set[str]]]:
        """Each team's starts, race wins and series."""
        team_starts, team_series = self._starts_by_series("SELECT team_id, series_id, starts FROM team_series_starts")
        team_wins = {
            team_id: wins for team_id, wins in self._rows(   # distinct races: two drivers may share a winning car
                "SELECT team_id, count(DISTINCT race_id) FROM results WHERE finish = 1 AND team_id IS NOT NULL GROUP BY team_id"
            )
        }
        return team_starts, team_wins, team_series

    @cached_property
    def _team_resolver(self) -> _Resolver:
        """Teams by name and full name (`Scuderia Ferrari`), ranked by starts."""
        teams = self.teams
        return _Resolver(
            "team", {t.id: t.name for t in teams.values()},
            [(t.full_name, t.id) for t in teams.values() if t.full_name and t.full_name != t.name],
            lambda: self._team_stats[0],
        )

    @cached_property
    def _wins(self) -> _Wins:
        """Everyone's race wins (see only_winner)."""
        driver_wins = {
            driver_id: wins for driver_id, wins in self._rows(
                "SELECT driver_id, count(DISTINCT race_id) FROM results WHERE finish = 1 GROUP BY driver_id"
            )
        }
        _, team_wins, team_series = self._team_stats
        return _Wins(driver_wins, team_wins, team_series)

    # Tracks and races

    def place(self, text: str, *, year: int | None = None, series: str | None = None) -> Place:
        """A track or a named race, from what a fan types: `martinsville truck`, `the monster mile`,
        `daytona 500 1979`, `southern 500`. `series` is a series key; one typed in the text wins over it."""
        query, typed_year = _split_year(clean_input(text, "track"))
        year = _one_year(year, typed_year)
        readings = [(query, None), *(self._sprint_reading(query, rest, key, year) for rest, key in self._series_splits(query))]
        for rest, typed_series in readings:
            found = self._exact_place(text, rest, year, typed_series or series, typed_series)
            if found is not None:
                return self._sprint_weekends(found, year) if self._sprint_typed(query, rest, typed_series) else found
        for rest, typed_series in readings:
            runs = self._named_runs(rest)
            if runs:
                return self._race_place(text, runs, year, typed_series or series, typed_series)
        for rest, typed_series in readings:
            key = self._track_resolver.loose(rest)
            if key is not None:
                return self._track_place(text, [key], year, typed_series or series, typed_series)
        close_races = [
            self._race_rules[alias].race
            for alias, _, _ in process.extract(query, list(self._race_rules), scorer=fuzz.ratio, limit=3, score_cutoff=80)
        ]
        suggestions = list(dict.fromkeys(close_races + self._track_resolver.suggestions(query)))
        raise UnknownName("track or race", text, suggestions[:MAX_SUGGESTIONS], instead=self._names_instead(query, text))

    def track(self, text: str, *, year: int | None = None, series: str | None = None) -> TrackInfo:
        """The track a name points to (a race name points to the track it is run at)."""
        return self.track_of(self.place(text, year=year, series=series), text)

    def tracks_of(self, place: Place) -> list[TrackInfo]:
        """The place's track, or the tracks its races were run at (a venue's, the All-Star Race's)."""
        if place.track is not None:
            return [place.track]
        ids = set(place.race_ids or ())
        return self._ranked_tracks({race.track_id for race in self._races if race.id in ids})

    def names_a_place(self, text: str) -> bool:
        """Whether `text` is exactly a track's or a race's name, nickname or alias (a series may go with it): no
        fuzzy match. What a question's last words must be to be read as its place (`/driver larson bristol`)."""
        query = name_key(text[:MAX_NAME_LENGTH])
        return any(
            rest in self._venues or rest in self._race_rules or rest in self._grands_prix
            or self._track_resolver.named(rest) and not all(word in GENERIC_TRACK_WORDS for word in rest.split())
            for rest, _ in [(query, None), *self._series_splits(query)] if rest
        )

    def split_place(self, text: str) -> tuple[str, str] | None:
        """`larson bristol` → (`larson`, `bristol`): the words before a place and the place, when the last words name one
        (the longest such place: `larson watkins glen` → `watkins glen`, not `glen`); None when they do not."""
        words = text.split()
        for cut in range(1, len(words)):
            if self.names_a_place(" ".join(words[cut:])):
                return " ".join(words[:cut]), " ".join(words[cut:])
        return None

    def series_at(self, place: Place) -> set[str]:
        """The series that ran a race at the place's tracks."""
        return {key for track in self.tracks_of(place) for key, _ in self._raced[track.id]}

    def track_of(self, place: Place, text: str) -> TrackInfo:
        """The place's one track; a race run at several tracks (the All-Star Race) asks which."""
        if place.track is not None:
            return place.track
        tracks = self.tracks_of(place)
        raise AmbiguousName("track", text, [t.name for t in tracks][:MAX_SUGGESTIONS], total=len(tracks))

    def _track_place(self, text: str, keys: list[int], year: int | None, series: str | None, typed_series: str | None) -> Place:
        if len(keys) > 1 and (year or series):
            # `charlotte 2024`: of the tracks of that name, those that raced then (and in the series) are meant, and only
            # they are offered (not Charlotte Speedway, last raced in 1949); none did: every one is
            keys = [key for key in keys if self._raced_at(key, year, series)] or keys
        if len(keys) > 1:
            labels = [self.tracks[key].name for key in keys]
            raise AmbiguousName("track", text, labels[:MAX_SUGGESTIONS], total=len(labels))
        track = self.tracks[keys[0]]
        if year and not self._raced_at(track.id, year, series):
            self._point_to_related(text, track, year, series)
        return Place(track, series=typed_series, year=year)

    def _venue_place(self, text: str, query: str, year: int | None, series: str | None, typed_series: str | None) -> Place:
        """`las vegas`: every track of the venue that raced (in that year and series); one such track is that track."""
        _, track_ids = self._venues[query]
        raced = [track_id for track_id in track_ids if self._raced_at(track_id, year, series)]
        if len(raced) <= 1:
            return self._track_place(text, raced or track_ids[:1], year, series, typed_series)
        runs = tuple(
            race.id for race in self._races
            if race.track_id in raced and (year is None or race.season == year) and (series is None or race.series == series)
        )
        names = [self.tracks[track_id].name for track_id in raced]
        label = tracks_label(names)
        return Place(None, label, runs, typed_series, year, venue=True)

    def _raced_at(self, track_id: int, year: int | None, series: str | None) -> bool:
        return any(
            (year is None or season == year) and (series is None or key == series)
            for key, season in self._raced[track_id]
        )

    def _point_to_related(self, text: str, track: TrackInfo, year: int, series: str | None) -> None:
        """`indy 2021`: the oval had no race that year, the road course did; say so instead of "no race"."""
        raced = [other for other in self._related[track.id] if self._raced_at(other, year, series)]
        if not raced:
            return
        places = []
        for other in raced:
            kinds = sorted({key for key, season in self._raced[other] if season == year and (series is None or key == series)},
                           key=list(self.series).index)
            places.append(f"{self.tracks[other].name} ({', '.join(self.series[key].short_name for key in kinds)})")
        what = f"{self.series[series].short_name} race" if series else "race"
        raise NoData(
            f"No {what} at {track.name} in {year}. That year the races were at " + " and ".join(places) + ".",
            [self.tracks[other].name for other in raced], what="track", typed=text,
        )

    def _generic_track(self, text: str, query: str) -> AmbiguousName:
        """`dirt`, `fairgrounds`, `road course`: a kind of track, not a track; offer the likely ones."""
        whole, _ = self._track_resolver.word_matches(query)
        named = self._track_resolver.strict(query) + self._track_resolver.ranked(whole)
        kinds = {KIND_OF_TRACK[word] for word in query.split() if word in KIND_OF_TRACK}
        of_kind = self._track_resolver.ranked(key for key, info in self.tracks.items() if info.kind in kinds)
        keys = list(dict.fromkeys(named + of_kind))
        labels = [self.tracks[key].name for key in keys]
        return AmbiguousName("track", text, labels[:MAX_SUGGESTIONS], total=len(labels))

    def _runs(self, rule: curated.RaceRule, races: list[_Race]) -> list[_Race]:
        """The runs of a curated race among `races` (its track's, or every race), most recent first."""
        runs = [
            race for race in races
            if race.series == rule.series
            and (rule.since is None or race.season >= rule.since)
            and (rule.name_pattern.search(race.key) if rule.name_pattern else not race.exhibition)
        ]
        if rule.pick == "last":
            last: dict[int, _Race] = {}
            for race in runs:
                kept = last.get(race.season)
                if race.round is not None and (kept is None or kept.round is None or race.round > kept.round):
                    last[race.season] = race
            runs = sorted(last.values(), key=lambda race: -race.season)
        return runs

    def _rule_place(
        self, text: str, rule: curated.RaceRule, year: int | None, series: str | None, typed_series: str | None
    ) -> Place:
        runs = self._rule_runs[rule.race]
        if series and series != rule.series:
            raise NoData(f"The {rule.race} is a {self.series[rule.series].short_name} Series race.")
        if not runs:
            exhibition = " It is an exhibition race: those come only from NASCAR's feed, not the bundled history."
            why = exhibition if rule.exhibition else ""
            raise NoData(f"No {rule.race} in the data.{why}")
        return self._race_place(text, runs, year, series, typed_series, label=rule.race, one_track=rule.track is not None)

    def _named_runs(self, query: str) -> list[_Race]:
        """Races by the name the data gives them (`winston 500`, `mason-dixon 500 dover`): the exact
        name, else the name containing the words in order, else all the words in the name and track.
        A single word is never a race name here (`spa` is not the Trim Spa Dream Body 250)."""
        words = query.split()
        if len(words) < 2 or not any(not word.isdigit() and word not in RACE_FILLER for word in words):
            return []
        exact = [race for race in self._races if race.key == query]
        if exact:
            return exact
        phrase = [race for race in self._races if f" {query} " in f" {race.key} "]
        if phrase:
            return phrase
        typed = set(words)
        return [race for race in self._races if typed <= race.words and typed & set(race.key.split())]

    def _race_place(
        self, text: str, runs: list[_Race], year: int | None, series: str | None, typed_series: str | None,
        *, label: str | None = None, one_track: bool = True,
    ) -> Place:
        name = label or runs[0].name
        if series and not any(race.series == series for race in runs):
            raise NoData(f"No {self.series[series].short_name} Series race called {name} in the data.")
        runs = [race for race in runs if series is None or race.series == series]
        in_year = [race for race in runs if year is None or race.season == year]
        if not in_year:
            raise NoData(f"No {name} in {year} in the data. It was run in {season_runs(race.season for race in runs)}.")
        tracks = list(dict.fromkeys(race.track_id for race in in_year))
        if len(tracks) > 1 and one_track:
            choices = list(dict.fromkeys(
                f"{race.name} ({self.tracks[race.track_id].name})" for race in in_year
            ))
            raise AmbiguousName("race", text, choices[:MAX_SUGGESTIONS], total=len(choices))
        track = self.tracks[tracks[0]] if len(tracks) == 1 else None
        return Place(track, name, tuple(race.id for race in in_year), typed_series, year)

    def _season_part_place(
        self, text: str, query: str, year: int | None, series: str | None, typed_series: str | None
    ) -> Place | None:
        """`martinsville spring`, `bristol fall`: in each season when a series raced at the track, or at it and a track
        beside it (Bristol's dirt layout, Charlotte's Roval), more than once, its first race there (spring) or its last
        (fall); `dover race 2`: its second (in the seasons it had two or more). None when `query` is not a track
        followed by such words."""
        *named, part = query.split() or [""]
        label = SEASON_PARTS.get(part)
        nth = int(part) if part.isdigit() and named and named[-1] == "race" and 0 < int(part) <= MAX_RACES_AT_TRACK else 0
        if nth:
            named, label = named[:-1], f"race {nth}"
        keys = self._track_resolver.strict(" ".join(named)) if label and named else []
        if not keys or not set(keys) <= {keys[0], *self._related[keys[0]]}:   # `charlotte`: the oval and its Roval
            return None
        track = self.tracks[keys[0]]
        venue = {track.id, *self._related[track.id]}
        seasons: dict[tuple[str, int], list[_Race]] = defaultdict(list)   # latest season first, each last round first
        for race in self._races:
            if race.track_id in venue and race.round is not None and not race.exhibition and series in (None, race.series):
                seasons[race.series, race.season].append(race)
        if nth:   # each season's races there run latest round first
            runs = [races[-nth] for races in seasons.values() if len(races) >= max(nth, 2)]
        else:
            runs = [races[-1] if label == "spring race" else races[0] for races in seasons.values() if len(races) > 1]
        if not runs:
            if nth > 2:
                raise NoData(f"{track.name} never hosted {nth} races of a series in a season in the data: no {label}; "
                             "name the year instead.")
            raise NoData(f"{track.name} never hosted a series twice in a season in the data: no "
                         f"{label if nth else 'spring or fall race'} to tell apart; name the year instead.")
        if year is not None and not any(race.season == year for race in runs):
            raise NoData(f"No {label} at {track.name} in {year} in the data. It was run in "
                         f"{season_runs(race.season for race in runs)}.")
        place = self._race_place(text, runs, year, series, typed_series, label=label, one_track=False)
        return place if place.track else replace(place, race=f"{track.name} {label}")   # the oval and its Roval

    def _exact_place(self, text: str, rest: str, year: int | None, wanted: str | None, typed_series: str | None) -> Place | None:
        """The place `rest` names exactly (a track, venue, race or Grand Prix, a track's spring or fall race, or one of
        a race run twice a weekend), or None."""
        seasonal = self._season_part_place(text, rest, year, wanted, typed_series) or self._numbered_run_place(
            text, rest, year, wanted, typed_series)
        if seasonal is not None:
            return seasonal
        if rest in FINALE_WORDS:
            return self._finale_place(text, year, wanted, typed_series)
        if rest in self._venues:
            return self._venue_place(text, rest, year, wanted, typed_series)
        if rest.split() and all(word in GENERIC_TRACK_WORDS for word in rest.split()):
            raise self._generic_track(text, rest)
        keys = self._track_resolver.strict(rest)
        if len(keys) == 1 and (year or wanted) and not self._raced_at(keys[0], year, wanted):
            # `miami f1`: the nickname's track (Homestead) never raced F1; the one other track of that name that did is
            # meant (a track beside it, Daytona's beach course, is pointed to instead: `_point_to_related`)
            raced = [key for key in self._track_resolver.word_matches(rest)[0]
                     if key not in self._related[keys[0]] and self._raced_at(key, year, wanted)]
            keys = raced if len(raced) == 1 else keys
        if keys:
            return self._track_place(text, keys, year, wanted, typed_series)
        rule = self._race_rules.get(rest)
        if rule:
            return self._rule_place(text, rule, year, wanted, typed_series)
        grand_prix = self._grands_prix.get(rest)
        if grand_prix:
            name, race_ids = grand_prix
            runs = [self._races_by_id[race_id] for race_id in race_ids]
            return self._race_place(text, runs, year, wanted, typed_series, label=name, one_track=False)
        return None

    def _numbered_run_place(
        self, text: str, query: str, year: int | None, series: str | None, typed_series: str | None
    ) -> Place | None:
        """`daytona duel 2`, `duels 1`: one of a race run more than once a season (the Duels), by the number in its name
        (`125 Mile Qualifying Race 2`, `Duel 2 at Daytona`), else by its order in the season. None when `query` is not
        a race's name followed by a small number."""
        *named, number = query.split() or [""]
        rule = self._race_rules.get(" ".join(named)) if number.isdigit() and named else None
        if rule is None or not 0 < int(number) <= MAX_RACES_AT_TRACK:
            return None
        seasons: dict[int, list[_Race]] = defaultdict(list)
        for race in self._rule_runs[rule.race]:
            seasons[race.season].append(race)
        nth = int(number)
        runs = [race for races in seasons.values() for race in races if _run_number(race, races) == nth]
        label = f"{rule.race.removesuffix('s')} {nth}"
        if not runs:
            raise NoData(f"No {label} in the data: the {rule.race} are run at most "
                         f"{max(map(len, seasons.values()), default=0)} a season.")
        return self._race_place(text, runs, year, series, typed_series, label=label)

    @cached_property
    def _finales(self) -> list[_Race]:
        """Each finished season's last points race, per series (latest first, as `_races`)."""
        running = {(self._series_keys[series_id], season) for series_id, season in self._rows(
            "SELECT DISTINCT series_id, season FROM races WHERE status = 'scheduled'")}
        last: dict[tuple[str, int], _Race] = {}
        for race in self._races:   # latest round first: the first of each season is its last round
            if not race.exhibition and race.round is not None and (race.series, race.season) not in running:
                last.setdefault((race.series, race.season), race)
        return list(last.values())

    def _finale_place(self, text: str, year: int | None, series: str | None, typed_series: str | None) -> Place:
        """`finale 2024`: each series' last points race of the season (of every season), where the season is over."""
        return self._race_place(text, self._finales, year, series, typed_series, label=FINALE, one_track=False)

    @staticmethod
    def _sprint_typed(query: str, rest: str, typed_series: str | None) -> bool:
        """Whether the reading `rest` of `query` left out F1's sprint (`spa sprint`)."""
        return typed_series == F1_SPRINT_SERIES and SPRINT_WORD in query.split() and SPRINT_WORD not in rest.split()

    @cached_property
    def _sprint_race_ids(self) -> frozenset[int]:
        """The races whose weekend had a sprint (F1 since 2021)."""
        return frozenset(race_id for (race_id,) in self._rows("SELECT DISTINCT race_id FROM sprint_results"))

    def _sprint_weekends(self, place: Place, year: int | None) -> Place:
        """`spa sprint`: the place's race weekends that had a sprint (in the year, if any), or why there is none."""
        at = place.track.name if place.track else place.label
        track_id = place.track.id if place.track else None
        runs = [race for race in self._races if race.id in self._sprint_race_ids
                and (race.id in place.race_ids if place.race_ids is not None else race.track_id == track_id)]
        if not runs:
            raise NoData(f"No F1 sprint at {at} in the data.")
        in_year = [race for race in runs if year is None or race.season == year]
        if not in_year:
            raise NoData(f"No F1 sprint at {at} in {year} in the data: it had one in {season_runs(r.season for r in runs)}.")
        label = f"{place.race} (sprint weekends)" if place.race and not place.venue else "sprint weekends"
        return Place(place.track, label, tuple(race.id for race in in_year), F1_SPRINT_SERIES, year)

    def _sprint_reading(self, query: str, rest: str, key: str, year: int | None) -> tuple[str, str]:
        """(`spa`, f1) for `spa sprint` or `sprint cota 2024`: "sprint" names the Cup only where and when it was the Sprint
        Cup; elsewhere it is F1's sprint (each weekend's answer shows its sprint). Any other split stays as it is."""
        words, kept = query.split(), rest.split()
        typed = words[len(kept):] if words[:len(kept)] == kept else words[:len(words) - len(kept)]
        if typed != [SPRINT_WORD]:
            return rest, key
        era = next(era for era in curated.series_names() if name_key(era.name) == SPRINT_WORD)
        in_era = range(era.first_season, (era.last_season or LAST_SEASON) + 1)
        tracks = self._track_resolver.strict(rest)
        if (year is None or year in in_era) and any(
            series == era.series and season in in_era for track in tracks for series, season in self._raced[track]
        ):
            return rest, key
        return rest, F1_SPRINT_SERIES

    def series_in(self, text: str) -> tuple[str, str | None]:
        """`cup wins`, `most poles f1`, `top 5s in the truck series`: the series that some of the words name (the
        longest run of words that is a series' name, first found) and the other words, normalized."""
        words = normalize(text[:MAX_NAME_LENGTH]).split()
        for size in range(min(MAX_SERIES_WORDS, len(words)), 0, -1):
            for start in range(len(words) - size + 1):
                key = self._series_word(" ".join(words[start:start + size]))
                if key:
                    return " ".join(words[:start] + words[start + size:]), key
        return " ".join(words), None

    def latest_race_asked(self, text: str) -> tuple[bool, str | None]:
        """Whether `text` is words for the most recent race rather than a place (`last week`, `latest cup`, `the last
        race truck`), and the series it names, if any."""
        query = name_key(text[:MAX_NAME_LENGTH])
        for rest, typed_series in [(query, None), *self._series_splits(query)]:
            if name_key(rest) in LATEST_RACE_WORDS:
                return True, typed_series
        return False, None

    def _series_splits(self, query: str) -> list[tuple[str, str]]:
        """`martinsville truck` → [(`martinsville`, truck)]: a series named by the last words, else by the first
        (`cup daytona`, `f1 monza`), else just before a season's part (`bristol cup fall`), longest name first. The
        whole query is always read first, so a name that begins or ends with a series' word (`busch clash`,
        `kurt busch`) is that name."""
        words = query.split()
        trailing, leading, before_part = [], [], []
        for count in range(min(MAX_SERIES_WORDS, len(words) - 1), 0, -1):
            key = self._series_word(" ".join(words[-count:]))
            if key:
                trailing.append((" ".join(words[:-count]), key))
            key = self._series_word(" ".join(words[:count]))
            if key:
                leading.append((" ".join(words[count:]), key))
            # `bristol cup fall`: a series just before a season's part
            key = self._series_aliases.get(" ".join(words[-count - 1:-1])) if words[-1] in SEASON_PARTS else None
            if key and len(words) > count + 1:
                before_part.append((" ".join([*words[:-count - 1], words[-1]]), key))
        return trailing + leading + before_part

    def _series_word(self, words: str) -> str | None:
        """The series `words` name: exactly, or as one long word clearly misspelt (`xfinty`), as `series_key` takes it.
        Every place question tries its words (`talladega`, `superspeedway`): each word's verdict is remembered."""
        key = self._series_aliases.get(words)
        if key or " " in words or len(words) < MIN_TYPO_WORD:
            return key
        misspelt = self._series_misspellings   # shared by the reader threads: one read, one write, no check between
        known = misspelt.get(words)
        if known is None:
            known = self._misspelt_series(words) or ""   # "": no series
            if len(misspelt) >= REMEMBERED_WORDS:   # typed words are unbounded: start afresh rather than grow
                misspelt.clear()
            misspelt[words] = known
        return known or None

    @cached_property
    def _series_misspellings(self) -> dict[str, str]:
        return {}

    def _misspelt_series(self, query: str) -> str | None:
        """The one series a misspelling clearly means (`xfinty`), if there is one."""
        hits = process.extract(query, list(self._series_aliases), scorer=fuzz.ratio, limit=5, score_cutoff=FUZZY_SUGGEST)
        if not hits:
            return None
        best, score, _ = hits[0]
        meant = self._series_aliases[best]
        runner_up = next((other for choice, other, _ in hits if self._series_aliases[choice] != meant), 0)
        return meant if score >= FUZZY_ACCEPT and score - runner_up >= FUZZY_MARGIN else None

    def _ranked_tracks(self, keys: Iterable[int]) -> list[TrackInfo]:
        return [self.tracks[key] for key in self._track_resolver.ranked(keys)]

    # Drivers

    def driver(self, text: str) -> DriverInfo:
        """The one driver a name, alias or nickname means (a series typed after it is ignored)."""
        found = self.who(text)
        if isinstance(found, CarNumber):
            raise BadOption(f"“{found.car}” is a car number; type a driver's name here.")
        return found.driver

    def who(self, text: str, *, year: int | None = None, series: str | None = None) -> Who | CarNumber:
        """A driver (`rowdy truck` → Kyle Busch, truck), or a car number to look up (`#48`)."""
        typed = clean_input(text, "driver")
        if typed in self._labelled:
            return Who(self.drivers[self._labelled[typed]])
        # a name or alias holding a number that reads as a year is read whole (`jim clark 1936`)
        query, typed_year = (typed, None) if typed in self._driver_resolver.exact else _split_year(typed)
        query = self._without_asked(query)
        readings = [(query, None), *self._series_splits(query)]
        for rest, typed_series in readings:
            car = _CAR_NUMBER.match(rest)
            if car:
                return CarNumber(car.group(1), typed_series or series, _one_year(year, typed_year))
        for rest, typed_series in readings:
            keys = self._in_series(rest, typed_series or series)
            if keys:
                person, also = self._one_driver(text, rest, keys, typed_series)
                return Who(person, typed_series, also)
        for rest, typed_series in readings:
            key = self._driver_resolver.loose(rest)
            if key is not None:
                return Who(self.drivers[key], typed_series)
        suggestions = [self.drivers[key].label for key in self._driver_resolver.suggested(query)]
        raise UnknownName("driver", text, suggestions, instead=self._names_instead(query, text))

    def _without_asked(self, query: str) -> str:
        """A driver's name without the words a fan adds about what to show (`larson stats`, `larson race by race`,
        `larsons last win`): /driver shows all of it. A name that is a driver's as typed keeps every word."""
        if self._driver_resolver.exact.get(query):
            return query
        words = query.split()
        for size in range(min(3, len(words) - 1), 0, -1):
            if " ".join(words[-size:]) in DRIVER_ASKED:
                name = words[:-size]
                if name and name[-1].endswith("s") and not self._driver_resolver.strict(" ".join(name)):
                    name[-1] = name[-1][:-1]   # `larsons last win`: the possessive, as normalized
                return " ".join(name)
        return query

    def _names_instead(self, query: str, text: str) -> str:
        """When a name typed where another kind was asked for is exactly a driver's, a team's or a place's (`/winner
        larson`, `/driver bristol`), which command asks about it; else empty."""
        query = self._without_asked(query)   # `larson's last win`: /driver larson
        typed = shown(text)
        driver = f"“{typed}” names a driver: `/driver {query}` has the career and the latest win."
        team = f"“{typed}” names a team: `/team {query}` has its record."
        place = f"“{typed}” names a track or race: `/track {query}` has its record, `/driver … at {query}` a driver's there."
        if self._driver_resolver.exact.get(query):
            return driver
        if self._team_resolver.exact.get(query):
            return team
        if self.names_a_place(query):
            return place
        # words of a name: the driver or the team that won more (`larson`: Kyle, not Larson Racing; `hendrick`: the team)
        drivers, teams = self._driver_resolver.strict(query), self._team_resolver.strict(query)
        if drivers or teams:
            driver_wins = max((self._wins.drivers.get(key, 0) for key in drivers), default=-1)
            team_wins = max((self._wins.teams.get(key, 0) for key in teams), default=-1)
            return driver if driver_wins >= team_wins else team
        return ""

    def driver_pair(self, text: str) -> tuple[DriverInfo, DriverInfo, str | None]:
        """`kyle busch kyle larson`, `hamlin logano` or `hamlin vs logano` → both drivers (see `_pairs`)."""
        pairs, typed_series = self.driver_pairs(text)
        if len(pairs) > 1:
            raise ambiguous_pairs(text, pairs)
        first, second = pairs[0]
        return first, second, typed_series

    def driver_pairs(self, text: str) -> tuple[list[tuple[DriverInfo, DriverInfo]], str | None]:
        """Every pair of drivers `text` may name, most likely first (one when it names a pair), and a series typed
        before or after the names."""
        query = clean_input(text, "driver")
        if not any(f" {label} " in f" {query} " for label in self._labelled):   # a pair of labels keeps their years
            query, _ = _split_year(query)
        readings = [(query, None), *self._series_splits(query)]
        for rest, typed_series in readings:
            pairs = self._pairs(rest)
            if pairs:
                return [(self.drivers[a], self.drivers[b]) for a, b in pairs], typed_series
        for rest, _ in readings:   # `larson larson`: two names, one driver (not one driver's whole name: `kyle busch`)
            same = self._one_driver_twice(rest)
            if same is not None:   # as /h2h says of two names given apart that match one driver
                raise BadOption(f"Pick two different drivers (both names matched {same}).")
        raise BadOption(
            f"Could not tell two drivers apart in “{text[:40]}”. Put each name in quotes, "
            'like `/h2h "kyle busch" "kyle larson"`.'
        )

    def _pairs(self, query: str) -> list[tuple[int, int]]:
        """The pairs of drivers `query` may name, each half read as /driver reads a name.

        Split at its one `vs` / `v` / `and` (`&`) if that gives a pair, else at every word. A split whose halves
        each mean one driver wins; when none does and a half is a surname several winners share (`larson
        elliott`: Bill or Chase), the pairs it may mean are offered, unless the whole is one driver's name
        (`kyle busch`): that is no pair."""
        words = query.split()
        at = [i for i, word in enumerate(words) if word in PAIR_WORDS and 0 < i < len(words) - 1]
        splits = [[(words[:at[0]], words[at[0] + 1:])]] if len(at) == 1 else []
        splits.append([(words[:cut], words[cut:]) for cut in range(1, len(words))])
        for halves in splits:
            sure: dict[tuple[int, int], None] = {}     # ordered and unique
            unsure: dict[tuple[int, int], None] = {}
            for first_words, second_words in halves:
                firsts = self._drivers_meant(" ".join(first_words))
                seconds = self._drivers_meant(" ".join(second_words))
                found = sure if len(firsts) == 1 and len(seconds) == 1 else unsure
                found.update(((a, b), None) for a in firsts for b in seconds if a != b)
            pairs = sure or ({} if self._driver_resolver.strict(query) else unsure)
            if pairs:
                return list(pairs)
        return []

    def _one_driver_twice(self, query: str) -> str | None:
        """What both halves of `query` name, where a split names one driver twice (`larson larson`, `larson vs kyle
        larson`: that driver) or gives one name twice (`busch busch`: that name), and the whole is not exactly a
        driver's name (`ayrton senna` is one driver, not two)."""
        if query in self._driver_resolver.exact:
            return None
        words = query.split()
        for cut in range(1, len(words)):
            first, second = words[:cut], words[cut:]
            if len(second) > 1 and second[0] in PAIR_WORDS:
                second = second[1:]
            firsts, seconds = self._drivers_meant(" ".join(first)), self._drivers_meant(" ".join(second))
            if len(firsts) == 1 and firsts == seconds:
                return self.drivers[firsts[0]].label
            if first == second:
                return f"“{shown(' '.join(first))}”"
        return None

    def _in_series(self, query: str, series: str | None) -> list[int]:
        """Strict matches; with a series, those who started in it (`hamilton cup` is Bobby, not Lewis) when any did."""
        keys = self._driver_resolver.strict(query)
        if series is None:
            return keys
        raced = [key for key in keys if series in self._driver_series.get(key, ())]
        if raced:
            return raced
        whole, prefixed = self._driver_resolver.word_matches(query)
        in_series = [key for key in self._driver_resolver.ranked(whole or prefixed) if series in self._driver_series.get(key, ())]
        return in_series or keys

    def _drivers_meant(self, query: str) -> list[int]:
        """The drivers a name means as /driver reads it: one (a single match, or the winner `_meant_among` picks),
        several when it would ask which, none when nothing matches."""
        if query in self._labelled:
            return [self._labelled[query]]
        keys = self._driver_resolver.strict(query)
        if not keys:
            loose = self._driver_resolver.loose(query)
            return [] if loose is None else [loose]
        meant = keys[0] if len(keys) == 1 else self._meant_among(query, keys)
        return keys if meant is None else [meant]

    def _meant_among(self, query: str, keys: list[int]) -> int | None:
        """Which of several matches a name means: their only winner (see only_winner), unless the name is exactly
        several drivers' name or nickname (`jj`: Jimmie Johnson and J.J. Yeley), which always asks."""
        several_by_name = len(self._driver_resolver.exact.get(query, ())) > 1
        return None if several_by_name else only_winner(keys, self._wins.drivers)

    def clear_winner(self, what: str, text: str, keys: list[int]) -> int | None:
        """Of several drivers or teams a name matched, the one it clearly means (see only_winner), unless the name is
        exactly several's name (`jj`), which always asks."""
        resolver, wins = ((self._driver_resolver, self._wins.drivers) if what == "driver"
                          else (self._team_resolver, self._wins.teams))
        return None if len(resolver.exact.get(name_key(text), ())) > 1 else only_winner(keys, wins)

    def _one_driver(
        self, text: str, query: str, keys: list[int], typed_series: str | None = None,
    ) -> tuple[DriverInfo, tuple[DriverInfo, ...]]:
        """The driver the matches mean, and the others matched when he is the only winner among them (see only_winner).
        A nickname curated for several (`jj`: Jimmie Johnson and J.J. Yeley) always asks."""
        if len(keys) == 1:
            return self.drivers[keys[0]], ()
        meant = self._meant_among(query, keys)
        if meant is None:
            labels = [self.drivers[key].label for key in keys]
            raise AmbiguousName("driver", text, labels[:MAX_SUGGESTIONS], total=len(labels), keys=tuple(keys),
                                series=typed_series)
        return self.drivers[meant], tuple(self.drivers[key] for key in keys if key != meant)[:MAX_SUGGESTIONS]

    # Teams

    def team(self, text: str, series: str | None = None) -> Team:
        """The team a name means (`ferrari`, `red bull`, `hendrick`, `scuderia ferrari`); a series given keeps the
        teams that raced in it (`rb f1`).

        An exact name or full name is meant unless a team having those words won more races: then it asks (`penske`:
        the F1 Penske, or NASCAR's Team Penske?), as several exact names do. Otherwise every team having the words,
        which asks unless one is their only race winner (`gibbs`: Joe Gibbs Racing; see only_winner)."""
        query, typed_series = self._team_reading(clean_input(text, "team"))
        series = typed_series or series
        resolver, wins = self._team_resolver, self._wins.teams
        exact = self._raced_in(resolver.exact.get(query, set()), series)
        whole = self._raced_in(resolver.word_matches(query)[0], series)
        if len(exact) == 1:
            (key,) = exact
            if not any(wins.get(other, 0) > wins.get(key, 0) for other in whole - exact):
                others = tuple(self.teams[other] for other in resolver.ranked(whole - exact))
                return Team(self.teams[key], others[:MAX_SUGGESTIONS], typed_series)
            keys = [key, *resolver.ranked(whole - exact)]
        else:
            keys = resolver.ranked(self._raced_in(set(resolver.strict(query)), series))
        if not keys:
            loose = resolver.loose(query)
            if loose is None:
                raise UnknownName("team", text, resolver.suggestions(query))
            keys = [loose]
        meant = keys[0] if len(keys) == 1 else None if exact else only_winner(keys, wins)
        if meant is None:
            labels = [self.teams[key].name for key in keys]
            raise AmbiguousName("team", text, labels[:MAX_SUGGESTIONS], total=len(labels), keys=tuple(keys),
                                series=typed_series)
        return Team(self.teams[meant], tuple(self.teams[key] for key in keys if key != meant)[:MAX_SUGGESTIONS], typed_series)

    def _team_reading(self, query: str) -> tuple[str, str | None]:
        """`red bull f1` → (`red bull`, f1) when the whole does not name a team and the other words do."""
        if self._team_resolver.strict(query):
            return query, None
        for rest, typed_series in self._series_splits(query):
            if self._team_resolver.strict(rest):
                return rest, typed_series
        return query, None

    def _raced_in(self, keys: set[int], series: str | None) -> set[int]:
        """The teams among `keys` that started in `series` (all of them when none did, or no series is given)."""
        raced = {key for key in keys if series in self._wins.team_series.get(key, ())} if series else keys
        return raced or keys

    def team_choices(self, text: str, limit: int = 25) -> list[TeamInfo]:
        return [self.teams[key] for key in self._team_resolver.suggest(text, limit)]

    def team_labels(self, text: str, limit: int = 25) -> list[str]:
        """Autocomplete for a team option: team names, or after `at` (`hendrick at mart`) the name as typed followed by
        the place's completions (`hendrick at Martinsville Speedway`)."""
        return self._completed_place(text, limit) or [team.name for team in self.team_choices(text, limit)]

    def _completed_place(self, text: str, limit: int) -> list[str]:
        """`larson at mid` → [`larson at Mid-Ohio Sports Car Course`, …]: the words before `at` as typed, then the
        place's completions; [] when no place is being typed."""
        name, at_word, place = text.partition(" at ")
        if at_word and name.strip():
            return [f"{name.strip()} at {choice}" for choice in self.place_choices(place, limit)]
        return []

    # Series

    def series_named(self, text: str) -> str | None:
        """The series `text` is exactly a name of (`cup`, `winston cup`, `f1`), else None."""
        return self._series_aliases.get(name_key(text[:MAX_NAME_LENGTH]))

    def series_key(self, text: str) -> str:
        query = clean_input(text, "series")
        key = self._series_aliases.get(query) or self._misspelt_series(query)   # `xfinty`, as for drivers and tracks
        if key:
            return key
        hits = process.extract(query, list(self._series_aliases), scorer=fuzz.ratio, limit=5, score_cutoff=FUZZY_SUGGEST)
        suggestions = list(dict.fromkeys(self._series_aliases[choice] for choice, _, _ in hits)) or list(self.series)
        raise UnknownName("series", text, suggestions)

    # Autocomplete

    def track_choices(self, text: str, limit: int = 25) -> list[TrackInfo]:
        return [self.tracks[key] for key in self._track_resolver.suggest(text, limit)]

    def place_choices(self, text: str, limit: int = 25) -> list[str]:
        """Autocomplete for a track option: named races whose name starts that way, then tracks. A series typed with
        the name (`truck marti`) is kept: after the races named so far, the places of that series the other words
        mean, each with the series' key (`Martinsville Speedway truck`)."""
        query = name_key(text[:MAX_NAME_LENGTH])
        with_series = [
            f"{choice} {key}"
            for rest, key in self._series_splits(query)[:1] if len(rest) >= MIN_COMPLETED
            for choice in self._races_named(rest, key) + self._tracks_of(self.track_choices(rest, 4 * limit), key)
        ]
        tracks = [track.name for track in self.track_choices(query, limit)]
        return list(dict.fromkeys(self._races_named(query) + with_series + tracks))[:limit]

    def _races_named(self, query: str, series: str | None = None) -> list[str]:
        """Named races with a name that starts with `query` (of `series`, if given)."""
        return [rule.race for alias, rule in self._race_rules.items()
                if query and alias.startswith(query) and series in (None, rule.series)]

    def _tracks_of(self, tracks: list[TrackInfo], series: str) -> list[str]:
        return [track.name for track in tracks if self._raced_at(track.id, None, series)]

    def driver_choices(self, text: str, limit: int = 25) -> list[DriverInfo]:
        return [self.drivers[key] for key in self._driver_resolver.suggest(text, limit)]

    def driver_labels(self, text: str, limit: int = 25) -> list[str]:
        """Autocomplete for a driver option: driver names, or after `vs` / `and` (`hamlin vs lo`) the first name as
        typed followed by the second's completions (`hamlin vs Joey Logano`), or after `at` (`larson at bri`) the
        names as typed followed by the place's completions (`larson at Bristol Motor Speedway`)."""
        if completed := self._completed_place(text, limit):
            return completed
        words = text.split()
        at = [i for i, word in enumerate(words) if i > 0 and name_key(word) in PAIR_WORDS]
        if not at:
            return [driver.label for driver in self.driver_choices(text, limit)]
        typed = " ".join(words[:at[-1] + 1])
        return [f"{typed} {driver.label}" for driver in self.driver_choices(" ".join(words[at[-1] + 1:]), limit)]

    def series_choices(self, text: str, limit: int = 25) -> list[SeriesInfo]:
        query = name_key(text[:MAX_NAME_LENGTH])
        keys = [key for alias, key in self._series_aliases.items() if alias.startswith(query)] if query else []
        ordered = list(dict.fromkeys(keys)) or list(self.series)
        return [self.series[key] for key in ordered][:limit]

    def series_labels(self, text: str, limit: int = 25) -> list[tuple[str, str]]:
        """Autocomplete (label, key) pairs; a former name shows its years: `Winston Cup 1971–2003 (Cup)`."""
        query = name_key(text[:MAX_NAME_LENGTH])
        eras = [
            (f"{era.name} {era.first_season}–{era.last_season or 'today'} ({self.series[era.series].short_name})", era.series)
            for era in curated.series_names()
            if query and len(query) >= 3 and name_key(era.name).startswith(query) and era.series in self.series
        ]
        current = [(info.name, info.key) for info in self.series_choices(text, limit)]
        return list(dict.fromkeys(current + eras))[:limit]


def tracks_label(names: list[str]) -> str:
    """`Las Vegas Motor Speedway`, `A, B and C`: the tracks of a venue a question or an answer covers."""
    return f"{', '.join(names[:-1])} and {names[-1]}" if len(names) > 1 else names[0]


def _run_number(race: _Race, season: list[_Race]) -> int:
    """Which of its season's runs `race` is: the number its name carries when each run's name carries its own,
    else its place in the season's order (`season` runs latest first)."""
    numbers = [_RUN_NUMBER.findall(run.key)[-1:] for run in season]
    if all(numbers) and len({found[0] for found in numbers}) == len(season):
        return int(_RUN_NUMBER.findall(race.key)[-1])
    return len(season) - season.index(race)


def _split_year(query: str) -> tuple[str, int | None]:
    """`daytona 500 1979` → (`daytona 500`, 1979): a four-digit word is a season, other numbers are names."""
    words = query.split()
    years = [int(word) for word in words if _YEAR.match(word)]
    if len(set(years)) > 1:
        raise BadOption(f"Two years in one name ({years[0]} and {years[1]}); give one.")
    rest = " ".join(word for word in words if not _YEAR.match(word))
    return (rest, years[0]) if years and rest else (query, None)


def _one_year(given: int | None, typed: int | None) -> int | None:
    if given is not None and typed is not None and given != typed:
        raise BadOption(f"Two years given ({given} and {typed}); give one.")
    return given if given is not None else typed


async def driver_for_car(store: Reads, names: NameIndex, car: CarNumber) -> Who:
    """Who drove a car number: in the season and series asked, else in the latest season it ran
    (the Cup car first). The driver with the most starts in it that season; a tie asks.

    Where a number names a driver rather than a car (F1: `car_number_lookup` off), it is his permanent number
    (`/driver 44`), or with that series given and no such holder, the car he drove (`/driver 33 f1`). With no series,
    a permanent number's holder and the car number's driver are both answers: when they differ, it asks.
    """
    holder = await _permanent_number_holder(store, names, car)
    if holder is not None and car.series is not None:
        return Who(holder, car.series)
    car_series = [key for key, series in SERIES.items() if series.car_number_lookup]
    rows = await store.fetchall(
        f"""SELECT s.key AS series, r.season, x.driver_id, count(*) AS starts, max(r.round) AS last_round
           FROM results x JOIN races r ON r.id = x.race_id JOIN series s ON s.id = r.series_id
           WHERE x.car_number = ? AND r.status != 'scheduled' AND (? IS NULL OR r.season = ?)
             AND (s.key = ? OR (? IS NULL AND s.key IN ({",".join("?" * len(car_series))})))
           GROUP BY s.id, r.season, x.driver_id
           ORDER BY r.season DESC, s.id, starts DESC, last_round DESC""",
        (car.car, car.year, car.year, car.series, car.series, *car_series),
    )
    if not rows:
        if holder is not None:
            return Who(holder, None)
        where = "".join(part for part in (
            f" in the {names.series[car.series].name}" if car.series else "", f" in {car.year}" if car.year else "",
        ))
        raise NoData(f"No car #{car.car}{where} in the data.")
    season, series = rows[0]["season"], rows[0]["series"]
    drivers = [row for row in rows if row["season"] == season and row["series"] == series]
    if len(drivers) > 1 and drivers[0]["starts"] == drivers[1]["starts"]:
        tied = [names.drivers[row["driver_id"]].label for row in drivers if row["starts"] == drivers[0]["starts"]]
        raise AmbiguousName("driver", f"#{car.car} in {season}", tied[:MAX_SUGGESTIONS], total=len(tied))
    driver = names.drivers[drivers[0]["driver_id"]]
    if holder is not None and holder != driver:
        choices = [driver.label, holder.label]
        raise AmbiguousName("driver", f"#{car.car} (a number in several series)", choices, total=len(choices))
    return Who(driver, car.series)


async def _permanent_number_holder(store: Reads, names: NameIndex, car: CarNumber) -> DriverInfo | None:
    """The one driver whose permanent number this is (F1's since 2014), when the question allows one."""
    if car.year is not None or (car.series is not None and SERIES[car.series].car_number_lookup):
        return None
    holders = await store.fetchall("SELECT id FROM drivers WHERE permanent_number = ?", (car.car,))
    return names.drivers[holders[0][0]] if len(holders) == 1 else None


async def find_driver(store: Reads, text: str, *, year: int | None = None, series: str | None = None) -> Who:
    """A driver by name, nickname or car number (`kyle busch truck`, `#48`); a name several drivers share means the one
    who raced in the season asked about, when only one did (`elliott 1985`: Bill)."""
    names = await store.names()
    try:
        found = names.who(text, year=year, series=series)
    except AmbiguousName as error:
        key = await narrowed_to_season(store, error, "driver", year, series)
        return Who(names.drivers[key], error.series)
    return await driver_for_car(store, names, found) if isinstance(found, CarNumber) else found


async def narrowed_to_season(
    store: Reads, error: AmbiguousName, what: str, year: int | None, series: str | None,
) -> int:
    """The one of the drivers or teams a name matched (`error.keys`) that started a race in `year` (in the series typed
    or given); `error` again when none did, or narrowed to those who did when several did."""
    if year is None or not error.keys:
        raise error
    column = "x.driver_id" if what == "driver" else "x.team_id"
    series = error.series or series
    raced = set(await store.read(lambda snapshot: [row[0] for row in snapshot.fetchall(
        f"""SELECT DISTINCT {column} FROM results x JOIN races r ON r.id = x.race_id JOIN series s ON s.id = r.series_id
            WHERE r.season = ? AND r.status != 'scheduled' AND (? IS NULL OR s.key = ?)
            AND {column} IN ({",".join("?" * len(error.keys))})""",
        (year, series, series, *error.keys),
    )]))
    keys = [key for key in error.keys if key in raced]
    if not keys:
        raise error
    names = await store.names()
    meant = keys[0] if len(keys) == 1 else names.clear_winner(what, error.typed or "", keys)   # `elliott 1985`: Bill
    if meant is not None:
        return meant
    labels = [(names.drivers[key].label if what == "driver" else names.teams[key].name) for key in keys]
    raise AmbiguousName(what, error.typed or "", labels[:MAX_SUGGESTIONS], total=len(labels), keys=tuple(keys),
                        series=error.series)
