"""The bundled real history (nascaR.data: Cup 1949–, Xfinity 1982–, Truck 1995–) and the reference data.

Files live in db/data/ (see db/data/SOURCE.md for attribution):
- history/{cup,xfinity,truck}_series.csv.xz: one row per car per race, exactly as published;
- series.csv: every series (NASCAR's three and F1) with the properties answers depend on (family, display time
  zone, stages, playoffs, car numbers as names, labels, official standings, data credit);
- tracks.csv, driver_aliases.csv: our curated names, kinds and aliases.

A build can read its history from elsewhere (HistorySource): PITBOARD_HISTORY names a directory shaped like
db/data/, to build from a subset (a few seasons for tests, or to try a change quickly).
"""

from __future__ import annotations

import csv
import io
import lzma
import os
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from importlib import resources
from itertools import groupby
from pathlib import Path

from db.f1db import Rows as F1Rows
from db.f1db import bundled_rows as bundled_f1_rows
from db.models import MAX_RATING, laps_led_recorded
from db.names import normalize
from db.records import Record
from db.store import Store

SERIES_FILES = {"cup": "cup_series.csv.xz", "xfinity": "xfinity_series.csv.xz", "truck": "truck_series.csv.xz"}
BATCH_RACES = 250
HISTORY_VARIABLE = "PITBOARD_HISTORY"

SeriesRows = Iterable[tuple[str, Iterable[dict[str, str]]]]


def _data_text(name: str) -> str:
    return resources.files("db.data").joinpath(name).read_text(encoding="utf-8")


def read_series_rows(series: str) -> Iterator[dict[str, str]]:
    """Rows of one series' history file, as dicts keyed by the published column names."""
    compressed = resources.files("db.data").joinpath("history", SERIES_FILES[series]).open("rb")
    with compressed, io.TextIOWrapper(lzma.LZMAFile(compressed), encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle)


class HistoryNotFound(Exception):
    """PITBOARD_HISTORY names something that holds no history files."""


class HistorySource(Record):
    """Where a build reads race history: the bundled files (`directory` None), or a directory shaped like db/data/.

    Such a directory holds history/<series>_series.csv.xz (or .csv, uncompressed) for each NASCAR series it has, in
    the bundled files' columns, and f1/<file>.csv.xz (or .csv) as db/data/f1/ when it has F1 (no f1/ folder: no F1).
    A series without a file has no history. Reference data (series, tracks, aliases) is always the bundled one.
    """

    directory: Path | None = None

    @classmethod
    def configured(cls, environ: Mapping[str, str] = os.environ) -> HistorySource:
        """The directory PITBOARD_HISTORY names, else the bundled history."""
        named = environ.get(HISTORY_VARIABLE, "").strip()
        if not named:
            return cls()
        directory = Path(named).expanduser()
        source = cls(directory)
        if not any(source._series_file(series) for series in SERIES_FILES) and not (directory / "f1").is_dir():
            raise HistoryNotFound(
                f"{HISTORY_VARIABLE}={named} holds neither history/<series>_series.csv[.xz] files nor an f1/ folder"
            )
        return source

    def nascar(self) -> SeriesRows:
        """(series, its rows) for every series this source has history of."""
        if self.directory is None:
            return ((series, read_series_rows(series)) for series in SERIES_FILES)
        files = {series: self._series_file(series) for series in SERIES_FILES}
        return ((series, _csv_rows(path)) for series, path in files.items() if path is not None)

    def f1(self) -> F1Rows | None:
        """The F1 files' reader, or None for a directory without F1."""
        if self.directory is None:
            return bundled_f1_rows
        folder = self.directory / "f1"
        if not folder.is_dir():
            return None
        return lambda name: _csv_rows(_compressed_or_plain(folder / f"{name}.csv.xz") or folder / f"{name}.csv")

    def _series_file(self, series: str) -> Path | None:
        assert self.directory is not None
        return _compressed_or_plain(self.directory / "history" / SERIES_FILES[series])


def _compressed_or_plain(xz_path: Path) -> Path | None:
    """`name.csv.xz` if it exists, else `name.csv` if that does, else None."""
    plain = xz_path.with_suffix("")
    return xz_path if xz_path.is_file() else plain if plain.is_file() else None


def _csv_rows(path: Path) -> Iterator[dict[str, str]]:
    with path.open("rb") as raw, io.TextIOWrapper(lzma.LZMAFile(raw) if path.suffix == ".xz" else raw, encoding="utf-8",
                                                  newline="") as handle:
        yield from csv.DictReader(handle)


class TrackSpec(Record):
    name: str
    kind: str
    length_mi: float | None
    aliases: tuple[str, ...]
    other_names: tuple[str, ...]
    superspeedway_since: int | None


class Reference:
    """Curated series, tracks and aliases, and the rules that map history names onto them."""

    def __init__(self) -> None:
        self.series = list(csv.DictReader(io.StringIO(_data_text("series.csv"))))
        self.tracks: dict[str, TrackSpec] = {}
        self._renamed: dict[str, str] = {}
        self._renamed_by_length: dict[tuple[str, str], str] = {}
        for row in csv.DictReader(io.StringIO(_data_text("tracks.csv"))):
            spec = TrackSpec(
                name=row["name"],
                kind=row["kind"],
                length_mi=float(row["length_mi"]) if row["length_mi"] else None,
                aliases=tuple(filter(None, row["aliases"].split("|"))),
                other_names=tuple(filter(None, row["other_names"].split("|"))),
                superspeedway_since=int(row["superspeedway_since"]) if row["superspeedway_since"] else None,
            )
            self.tracks[spec.name] = spec
            for other in spec.other_names:
                if "@" in other:
                    history_name, length = other.split("@")
                    self._renamed_by_length[(history_name, length)] = spec.name
                else:
                    self._renamed[other] = spec.name
        aliases = csv.DictReader(io.StringIO(_data_text("driver_aliases.csv")))
        self.driver_aliases = [(row["alias"], row["name"]) for row in aliases]

    def canonical_track(self, name: str, length: str) -> str:
        """History track name → our track name (`EchoPark Speedway` → Atlanta; Portland's road course)."""
        return self._renamed_by_length.get((name, length)) or self._renamed.get(name, name)

    def race_kind(self, track: TrackSpec, surface: str, season: int) -> str:
        if surface == "dirt" and track.kind != "road":
            return "dirt"
        if track.superspeedway_since is not None and season >= track.superspeedway_since:
            return "superspeedway"
        return track.kind


def _int(value: str) -> int | None:
    value = value.strip()
    return int(float(value)) if value else None


def _float(value: str) -> float | None:
    value = value.strip()
    return float(value) if value else None


def _rating(value: str) -> float | None:
    """A driver rating, or None where the history has none: blank, or a stray 0.0 (1963, 1967) or anything outside
    NASCAR's scale (evidence, not truth)."""
    rating = _float(value)
    return rating if rating is not None and 0 < rating <= MAX_RATING else None


SERIES_PROPERTIES = (
    "family", "display_order", "time_zone", "has_stages", "has_playoffs", "car_number_lookup",
    "team_label", "make_label", "official_standings", "credit",
)


async def load_reference(store: Store, reference: Reference) -> None:
    """Series with their properties (db/data/series.csv) and aliases (inside the caller's transaction)."""
    columns = ", ".join(("key", "name", "short_name", "feed_series_id", *SERIES_PROPERTIES))
    marks = ", ".join("?" for _ in range(4 + len(SERIES_PROPERTIES)))
    for row in reference.series:
        await store.conn.execute(
            f"INSERT INTO series ({columns}) VALUES ({marks})",
            (row["key"], row["name"], row["short_name"], _int(row["feed_series_id"]), *(row[name] for name in SERIES_PROPERTIES)),
        )
        await store.conn.executemany(
            "INSERT OR IGNORE INTO series_aliases (alias, series_id) SELECT ?, id FROM series WHERE key = ?",
            [(normalize(alias), row["key"]) for alias in row["aliases"].split("|")],
        )


class _HistoryLoader:
    """Streams history rows into an empty store, a batch of races at a time."""

    def __init__(self, store: Store, reference: Reference, series_ids: dict[str, int]):
        self.store = store
        self.reference = reference
        self.series_ids = series_ids
        self.track_ids: dict[str, int] = {}
        self.track_lengths: dict[str, Counter] = defaultdict(Counter)
        self.track_surfaces: dict[str, Counter] = defaultdict(Counter)
        self.driver_ids: dict[str, int] = {}
        self.team_ids: dict[str, int] = {}
        self.races: list[tuple] = []
        self.results: list[tuple] = []
        self.stages: list[tuple] = []
        self.counts: Counter = Counter()
        self.written = {"tracks": 0, "drivers": 0, "teams": 0}
        self.race_id = 0

    def add_race(self, series: str, rows: list[dict[str, str]]) -> None:
        self.race_id += 1
        first = rows[0]
        season = int(first["Season"])
        track = self.reference.canonical_track(first["Track"].strip(), first["Length"])
        track_id = self.track_ids.setdefault(track, len(self.track_ids) + 1)
        if first["Length"]:
            self.track_lengths[track][float(first["Length"])] += 1
        if first["Surface"]:
            self.track_surfaces[track][first["Surface"]] += 1
        spec = self.reference.tracks.get(track)
        if spec:
            kind = self.reference.race_kind(spec, first["Surface"], season)
        else:
            kind = {"road": "road", "dirt": "dirt"}.get(first["Surface"], "oval")
        winner_laps = None
        results: list[tuple] = []
        laps_led: list[int] = []
        for row in rows:
            finish = _int(row["Finish"])
            if finish is None:
                continue
            driver = row["Driver"].strip()
            driver_id = self.driver_ids.setdefault(driver, len(self.driver_ids) + 1)
            team = row["Team"].strip()
            team_id = self.team_ids.setdefault(team, len(self.team_ids) + 1) if team else None
            laps = _int(row["Laps"])
            if finish == 1:
                winner_laps = laps
            status = row["Status"].strip()
            car = row["Car"].strip()
            laps_led.append(_int(row["Led"]) or 0)
            results.append((
                self.race_id, finish, _int(row["Start"]) or None, car, driver_id, team_id,
                None if row["Make"] in ("", "-") else row["Make"], laps,
                None if status in ("", "-") else status, _int(row["Pts"]), _rating(row["Rating"]),
            ))
            for stage, column in ((1, "S1"), (2, "S2")):
                position = _int(row[column])
                if position:
                    self.stages.append((self.race_id, stage, position, driver_id, car))
        led_known = laps_led_recorded(sum(laps_led), winner_laps)
        self.results.extend((*result, led if led_known else None) for result, led in zip(results, laps_led, strict=True))
        self.races.append((
            self.race_id, self.series_ids[series], season, int(first["Race"]), first["Name"].strip(),
            track_id, kind, winner_laps, _float(first["Length"]) or None,
        ))

    async def flush(self) -> None:
        """Write the names first seen since the last flush, then the batch of races."""
        conn = self.store.conn
        await conn.executemany(
            "INSERT INTO tracks (id, name, kind, length_mi) VALUES (?, ?, 'oval', NULL)",
            [(i, name) for name, i in self.track_ids.items() if i > self.written["tracks"]],
        )
        await conn.executemany(
            "INSERT INTO drivers (id, name) VALUES (?, ?)",
            [(i, name) for name, i in self.driver_ids.items() if i > self.written["drivers"]],
        )
        await conn.executemany(
            "INSERT INTO teams (id, name) VALUES (?, ?)",
            [(i, name) for name, i in self.team_ids.items() if i > self.written["teams"]],
        )
        self.written = {"tracks": len(self.track_ids), "drivers": len(self.driver_ids), "teams": len(self.team_ids)}
        await conn.executemany(
            "INSERT INTO races (id, series_id, season, round, name, track_id, kind, actual_laps, track_length_mi, status, "
            "source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'official', 'history')",
            self.races,
        )
        await conn.executemany(
            "INSERT INTO results (race_id, finish, start, car_number, driver_id, team_id, make, laps, "
            "status, points, rating, laps_led) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            self.results,
        )
        await conn.executemany(
            "INSERT OR IGNORE INTO stage_results (race_id, stage, position, driver_id, car_number) VALUES (?, ?, ?, ?, ?)",
            self.stages,
        )
        self.counts.update(races=len(self.races), results=len(self.results), stage_results=len(self.stages))
        self.races, self.results, self.stages = [], [], []

    async def finish(self) -> None:
        """Track kinds, lengths and every alias, once all races have been seen."""
        conn = self.store.conn
        for name, track_id in self.track_ids.items():
            spec = self.reference.tracks.get(name)
            if spec:
                kind, length = spec.kind, spec.length_mi
            else:
                surface = self.track_surfaces[name].most_common(1)[0][0] if self.track_surfaces[name] else "paved"
                kind = {"road": "road", "dirt": "dirt"}.get(surface, "oval")
                length = self.track_lengths[name].most_common(1)[0][0] if self.track_lengths[name] else None
            await conn.execute("UPDATE tracks SET kind = ?, length_mi = ? WHERE id = ?", (kind, length, track_id))
            await conn.executemany(
                "INSERT OR IGNORE INTO track_aliases (alias, track_id) VALUES (?, ?)",
                [(alias, track_id) for alias in _track_aliases(name, spec)],
            )
        await conn.executemany(
            "INSERT OR IGNORE INTO driver_aliases (alias, driver_id) VALUES (?, ?)",
            [(normalize(name), i) for name, i in self.driver_ids.items()]
            + [
                (normalize(alias), self.driver_ids[name])
                for alias, name in self.reference.driver_aliases
                if name in self.driver_ids
            ],
        )
        self.counts.update(tracks=len(self.track_ids), drivers=len(self.driver_ids), teams=len(self.team_ids))


def _track_aliases(name: str, spec: TrackSpec | None) -> set[str]:
    aliases = {normalize(name)}
    if spec:
        aliases.update(normalize(alias) for alias in spec.aliases + spec.other_names if "@" not in alias)
    return aliases


async def load_history(
    store: Store,
    reference: Reference,
    rows_by_series: Iterable[tuple[str, Iterable[dict[str, str]]]],
    progress: Callable[[int], None] = lambda races: None,
) -> dict[str, int]:
    """Bulk-load history rows into an empty store, inside the caller's transaction.

    Rows without a finishing position are entries that never started and are left out.
    Returns counts of what was written.
    """
    # Written by this transaction, not yet committed: read on the writer.
    series_ids: dict[str, int] = {key: id_ for key, id_ in await store.conn.execute_fetchall("SELECT key, id FROM series")}
    loader = _HistoryLoader(store, reference, series_ids)
    for series, rows in rows_by_series:
        for _, race_rows in groupby(rows, key=lambda row: (row["Season"], row["Race"])):
            loader.add_race(series, list(race_rows))
            if len(loader.races) >= BATCH_RACES:
                progress(len(loader.races))
                await loader.flush()
    progress(len(loader.races))
    await loader.flush()
    await loader.finish()
    return dict(loader.counts)


async def add_curated_tracks(store: Store, reference: Reference) -> None:
    """Curated tracks that history never raced at (e.g. the Coliseum), so feed names resolve to them."""
    for spec in reference.tracks.values():
        if await store.conn.execute_fetchall("SELECT 1 FROM tracks WHERE name = ?", (spec.name,)):
            continue
        async with store.conn.execute(
            "INSERT INTO tracks (name, kind, length_mi) VALUES (?, ?, ?)", (spec.name, spec.kind, spec.length_mi)
        ) as cursor:
            track_id = cursor.lastrowid
        await store.conn.executemany(
            "INSERT OR IGNORE INTO track_aliases (alias, track_id) VALUES (?, ?)",
            [(alias, track_id) for alias in _track_aliases(spec.name, spec)],
        )
