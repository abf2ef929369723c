"""Turning what people type (`dega`, `the glen`, `kligerman`, `nxs`) into tracks, drivers and series.

Resolution never guesses silently: an exact name or alias wins; otherwise a unique word match;
otherwise a confident, unambiguous fuzzy match; anything else is an error with suggestions.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable

from rapidfuzz import fuzz, process

from db.errors import AmbiguousName, BadOption, UnknownName
from db.models import DriverInfo, SeriesInfo, TrackInfo

if TYPE_CHECKING:
    from db.store import Store

MAX_NAME_LENGTH = 100
MAX_SUGGESTIONS = 5
FUZZY_ACCEPT = 90      # a fuzzy match this good (and clearly ahead of the next) is taken
FUZZY_MARGIN = 6
FUZZY_SUGGEST = 60     # below this a candidate is not worth suggesting
MIN_PREFIX = 4         # shortest word prefix that may match (`kliger` → Kligerman, never `spa` → Sparta)
MIN_TYPO_WORD = 6      # words at least this long may carry one typo
TYPO_ACCEPT = 85

_FEED_MARKERS = re.compile(r"\(i\)|[#*]")
_NOT_WORD = re.compile(r"[^0-9a-z ]+")


def normalize(text: str) -> str:
    """Case-, accent- and punctuation-insensitive form: `Kenkō Miura` → `kenko miura`.

    Periods and apostrophes vanish (`A.J.` → `aj`, `O'Reilly` → `oreilly`); other punctuation
    separates words (`Mid-Ohio` → `mid ohio`); `&` reads as `and`.
    """
    text = _FEED_MARKERS.sub(" ", text)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.casefold().replace("&", " and ").replace(".", "").replace("'", "").replace("’", "")
    text = _NOT_WORD.sub(" ", text)
    return " ".join(text.split())


def clean_input(text: str, what: str) -> str:
    """Validate a user-typed name; returns its normalized form or raises BadOption."""
    if len(text) > MAX_NAME_LENGTH:
        raise BadOption(f"That {what} name is too long ({len(text)} characters; the limit is {MAX_NAME_LENGTH}).")
    normalized = normalize(text)
    if not normalized:
        raise BadOption(f"Type a {what} name, for example " + {
            "track": "`mid-ohio` or `daytona`.",
            "driver": "`kyle larson` or `kligerman`.",
            "series": "`cup`, `xfinity` or `truck`.",
        }[what])
    return normalized


@dataclass(frozen=True)
class _Entry:
    """One resolvable thing with the strings that name it and a popularity for ranking."""

    key: int
    label: str
    popularity: int
    words: tuple[str, ...]


class _Resolver:
    """Exact → alias → unique words → confident fuzzy, over one kind of entity."""

    def __init__(self, what: str, entries: Iterable[_Entry], aliases: dict[str, int]):
        self.what = what
        self.entries = {entry.key: entry for entry in entries}
        self.exact: dict[str, set[int]] = defaultdict(set)
        for entry in self.entries.values():
            self.exact[" ".join(entry.words)].add(entry.key)
        for alias, key in aliases.items():
            if key in self.entries:
                self.exact[alias].add(key)
        self.choices = list(self.exact.keys())
        self.by_word: dict[str, set[int]] = defaultdict(set)
        for name, keys in self.exact.items():
            for word in name.split():
                self.by_word[word].update(keys)
        self.words = sorted(self.by_word)

    def resolve(self, text: str) -> int:
        query = clean_input(text, self.what)
        exact = self.exact.get(query)
        if exact:
            return self._one_or_ambiguous(text, self._ranked(exact))
        whole, prefixed = self._word_matches(query)
        if whole:
            return self._one_or_ambiguous(text, self._ranked(whole) + self._ranked(prefixed - whole))
        if prefixed:
            return self._one_or_ambiguous(text, self._ranked(prefixed))
        return self._fuzzy(text, query)

    def suggest(self, text: str, limit: int = 25) -> list[int]:
        """Ranked keys for autocomplete: exact, whole-word and prefix matches first, then fuzzy ones."""
        query = normalize(text[:MAX_NAME_LENGTH])
        if not query:
            return self._ranked(self.entries)[:limit]
        whole, prefixed = self._word_matches(query)
        ranked = list(dict.fromkeys(
            self._ranked(self.exact.get(query, set())) + self._ranked(whole) + self._ranked(prefixed)
        ))
        if len(ranked) < limit:
            for key in self._fuzzy_keys(query, limit * 2):
                if key not in ranked:
                    ranked.append(key)
        return ranked[:limit]

    def _word_matches(self, query: str) -> tuple[set[int], set[int]]:
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
        matched: set[int] | None = None
        for word in query.split():
            keys = keys_for_word(word)
            matched = set(keys) if matched is None else matched & keys
            if not matched:
                return set()
        return matched or set()

    def _fuzzy_keys(self, query: str, limit: int) -> list[int]:
        hits = process.extract(query, self.choices, scorer=fuzz.WRatio, limit=limit, score_cutoff=FUZZY_SUGGEST)
        keys: list[int] = []
        for choice, _score, _ in hits:
            for key in self._ranked(self.exact[choice]):
                if key not in keys:
                    keys.append(key)
        return keys

    def _fuzzy(self, text: str, query: str) -> int:
        hits = process.extract(query, self.choices, scorer=fuzz.ratio, limit=10, score_cutoff=FUZZY_SUGGEST)
        if hits:
            best_choice, best_score, _ = hits[0]
            best_keys = self.exact[best_choice]
            runner_up = next((score for choice, score, _ in hits[1:] if self.exact[choice] != best_keys), 0)
            if best_score >= FUZZY_ACCEPT and best_score - runner_up >= FUZZY_MARGIN and len(best_keys) == 1:
                return next(iter(best_keys))
        typo = self._typo_matches(query)
        if len(typo) == 1:
            return next(iter(typo))
        suggestions = [self.entries[key].label for key in self._fuzzy_keys(query, MAX_SUGGESTIONS * 2)]
        raise UnknownName(self.what, text, suggestions[:MAX_SUGGESTIONS])

    def _one_or_ambiguous(self, text: str, ranked: list[int]) -> int:
        if len(ranked) == 1:
            return ranked[0]
        labels = [self.entries[key].label for key in ranked]
        raise AmbiguousName(self.what, text, labels[:MAX_SUGGESTIONS], total=len(labels))

    def _ranked(self, keys: Iterable[int]) -> list[int]:
        return sorted(keys, key=lambda key: (-self.entries[key].popularity, self.entries[key].label))


class NameIndex:
    """In-memory index of every track, driver and series name and alias in the store."""

    def __init__(
        self,
        tracks: dict[int, TrackInfo],
        drivers: dict[int, DriverInfo],
        series: dict[str, SeriesInfo],
        track_resolver: _Resolver,
        driver_resolver: _Resolver,
        series_aliases: dict[str, str],
    ):
        self.tracks = tracks
        self.drivers = drivers
        self.series = series
        self._track_resolver = track_resolver
        self._driver_resolver = driver_resolver
        self._series_aliases = series_aliases

    @classmethod
    async def load(cls, store: "Store") -> "NameIndex":
        tracks = {
            row["id"]: TrackInfo(row["id"], row["name"], row["kind"], row["length_mi"])
            for row in await store.fetchall("SELECT id, name, kind, length_mi FROM tracks")
        }
        track_races = dict(await store.fetchall("SELECT track_id, count(*) FROM races GROUP BY track_id"))
        track_aliases = dict(await store.fetchall("SELECT alias, track_id FROM track_aliases"))
        drivers = {
            row["id"]: DriverInfo(row["id"], row["name"])
            for row in await store.fetchall("SELECT id, name FROM drivers")
        }
        driver_starts = dict(await store.fetchall("SELECT driver_id, count(*) FROM results GROUP BY driver_id"))
        driver_aliases = dict(await store.fetchall("SELECT alias, driver_id FROM driver_aliases"))
        series = {
            row["key"]: SeriesInfo(row["key"], row["name"], row["short_name"])
            for row in await store.fetchall("SELECT key, name, short_name FROM series ORDER BY id")
        }
        series_aliases = {normalize(info.key): info.key for info in series.values()}
        series_aliases.update({normalize(info.name): info.key for info in series.values()})
        series_aliases.update({normalize(info.short_name): info.key for info in series.values()})
        for alias, key in await store.fetchall(
            "SELECT a.alias, s.key FROM series_aliases a JOIN series s ON s.id = a.series_id"
        ):
            series_aliases[alias] = key
        return cls(
            tracks,
            drivers,
            series,
            _Resolver(
                "track",
                (_Entry(t.id, t.name, track_races.get(t.id, 0), tuple(normalize(t.name).split())) for t in tracks.values()),
                track_aliases,
            ),
            _Resolver(
                "driver",
                (_Entry(d.id, d.name, driver_starts.get(d.id, 0), tuple(normalize(d.name).split())) for d in drivers.values()),
                driver_aliases,
            ),
            series_aliases,
        )

    def track(self, text: str) -> TrackInfo:
        return self.tracks[self._track_resolver.resolve(text)]

    def driver(self, text: str) -> DriverInfo:
        return self.drivers[self._driver_resolver.resolve(text)]

    def series_key(self, text: str) -> str:
        query = clean_input(text, "series")
        key = self._series_aliases.get(query)
        if key:
            return key
        hits = process.extract(query, list(self._series_aliases), scorer=fuzz.ratio, limit=5, score_cutoff=FUZZY_SUGGEST)
        suggestions = list(dict.fromkeys(self._series_aliases[choice] for choice, _, _ in hits)) or list(self.series)
        raise UnknownName("series", text, suggestions)

    def track_choices(self, text: str, limit: int = 25) -> list[TrackInfo]:
        return [self.tracks[key] for key in self._track_resolver.suggest(text, limit)]

    def driver_choices(self, text: str, limit: int = 25) -> list[DriverInfo]:
        return [self.drivers[key] for key in self._driver_resolver.suggest(text, limit)]

    def series_choices(self, text: str, limit: int = 25) -> list[SeriesInfo]:
        query = normalize(text[:MAX_NAME_LENGTH])
        keys = [key for alias, key in self._series_aliases.items() if alias.startswith(query)] if query else []
        ordered = list(dict.fromkeys(keys)) or list(self.series)
        return [self.series[key] for key in ordered][:limit]
