"""Every series as the reference data describes it (db/data/series.csv): the one place its names, NASCAR's feed
id and the properties answers depend on (family, display time zone, stages, playoffs, what a team and a make are
called, official standings, credit line) are written. The database's `series` table is built from the same file,
so adding a series is a row here plus an adapter for its results."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from db.records import Record

# Read straight from the package folder: importlib.resources would import zipfile and more at every start.
DATA = Path(__file__).with_name("data")


class Series(Record):
    """One series and every property answers depend on."""

    key: str                    # cup, xfinity, truck, f1
    name: str                   # NASCAR Cup Series
    short_name: str             # Cup
    feed_id: int | None         # NASCAR's series_id in its feed URLs and documents; None outside NASCAR
    family: str                 # nascar, f1
    display_order: int
    time_zone: str              # the zone dates are shown in (America/New_York for NASCAR, UTC for F1)
    has_stages: bool
    has_playoffs: bool
    car_number_lookup: bool     # "the 24" names a driver
    team_label: str             # Team / Constructor
    make_label: str             # Make / Engine
    official_standings: bool    # the source publishes the season's table (else computed from race points)
    credit: str                 # the sources its data is credited to, after `Data: ` (words.credit_text)


def _flag(text: str) -> bool:
    return text.strip() == "1"


def _load() -> dict[str, Series]:
    text = (DATA / "series.csv").read_text(encoding="utf-8")
    return {
        row["key"]: Series(
            key=row["key"], name=row["name"], short_name=row["short_name"],
            feed_id=int(row["feed_series_id"]) if row["feed_series_id"].strip() else None,
            family=row["family"], display_order=int(row["display_order"]), time_zone=row["time_zone"],
            has_stages=_flag(row["has_stages"]), has_playoffs=_flag(row["has_playoffs"]),
            car_number_lookup=_flag(row["car_number_lookup"]), team_label=row["team_label"],
            make_label=row["make_label"], official_standings=_flag(row["official_standings"]), credit=row["credit"],
        )
        for row in csv.DictReader(io.StringIO(text))
    }


SERIES: dict[str, Series] = _load()
BY_FEED_ID: dict[int, Series] = {series.feed_id: series for series in SERIES.values() if series.feed_id is not None}
