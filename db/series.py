"""The national series as the reference data describes them (db/data/series.csv): the one place their
names and NASCAR's feed ids are written. The database's `series` table is built from the same file."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from importlib import resources


@dataclass(frozen=True)
class Series:
    key: str            # cup, xfinity, truck
    name: str           # NASCAR Cup Series
    short_name: str     # Cup
    feed_id: int        # NASCAR's series_id in its feed URLs and documents


def _load() -> dict[str, Series]:
    text = resources.files("db.data").joinpath("series.csv").read_text(encoding="utf-8")
    return {
        row["key"]: Series(row["key"], row["name"], row["short_name"], int(row["feed_series_id"]))
        for row in csv.DictReader(io.StringIO(text))
    }


SERIES: dict[str, Series] = _load()
BY_FEED_ID: dict[int, Series] = {series.feed_id: series for series in SERIES.values()}
