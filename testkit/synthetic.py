"""A synthetic history N× the real one, with the same shape, for the scale benchmark.

Definition: every real season is repeated N times within the same year. Copy k (0 ≤ k < N) of race r
in a season of R races gets round k·R + r, at the same track, with the same field size and laps.
Copies keep the real driver, team and track names, so every track hosts N× the races and every driver
has N× the starts: the harshest case for the per-driver and per-track queries (1.8 M result rows at 10×).

Copy 0 is the real race. In the others the field trades places: a shuffle seeded by (series, season,
race, copy) permutes who (driver, car, team, make) sits in each real result line (finish, start, laps,
led, status, points, stage finishes), so every race keeps exactly one winner and plausible figures
while win counts and tallies differ from copy to copy.

Rows stream one season of one series at a time; the whole history is never held in memory.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import groupby
from pathlib import Path

from db.build import build_database
from db.history import SERIES_FILES, read_series_rows

IDENTITY_COLUMNS = ("Driver", "Car", "Team", "Make")


def _reshuffled(rows: list[dict[str, str]], seed: str) -> list[dict[str, str]]:
    """The race with its starters' identities permuted over the same result lines."""
    started = [i for i, row in enumerate(rows) if row["Finish"].strip()]
    identities = [tuple(rows[i][column] for column in IDENTITY_COLUMNS) for i in started]
    random.Random(seed).shuffle(identities)
    copy = [dict(row) for row in rows]
    for i, identity in zip(started, identities, strict=True):
        copy[i].update(zip(IDENTITY_COLUMNS, identity, strict=True))
    return copy


def synthetic_rows(series: str, rows: Iterable[dict[str, str]], factor: int) -> Iterator[dict[str, str]]:
    """`factor` copies of every race in `rows` (one series, ordered by season and race), as defined above."""
    for season, season_rows in groupby(rows, key=lambda row: row["Season"]):
        races = [list(race_rows) for _, race_rows in groupby(season_rows, key=lambda row: row["Race"])]
        races_in_season = max(int(race[0]["Race"]) for race in races)
        for copy in range(factor):
            for race in races:
                real_round = int(race[0]["Race"])
                shuffled = race if copy == 0 else _reshuffled(race, f"{series}:{season}:{real_round}:{copy}")
                synthetic_round = str(copy * races_in_season + real_round)
                for row in shuffled:
                    yield {**row, "Race": synthetic_round}


def synthetic_history(factor: int) -> Iterator[tuple[str, Iterator[dict[str, str]]]]:
    """The bundled history at `factor`×, in the shape `load_history` takes."""
    for series in SERIES_FILES:
        yield series, synthetic_rows(series, read_series_rows(series), factor)


@dataclass(frozen=True)
class SyntheticBuild:
    factor: int
    seconds: float
    size_bytes: int
    counts: dict[str, int]


async def build_synthetic(path: Path, factor: int, show_progress: bool = False) -> SyntheticBuild:
    """Build the `factor`× history at `path`, atomically like `pitboard db build`; time and size it."""
    started = time.perf_counter()
    report = await build_database(path, show_progress=show_progress, rows_by_series=synthetic_history(factor))
    return SyntheticBuild(factor, time.perf_counter() - started, Path(path).stat().st_size, report.counts)
