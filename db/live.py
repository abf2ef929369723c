"""What the store knows about a driver in a live race: the record at this track, and what a win here means.

Everything is counted as of the race being run: races of the series before it (by round where the store
holds this race, else by start time), points races only, like the post-race recap (db/recaps.py).
"""

from __future__ import annotations

from datetime import UTC
from typing import Any

from db.ingest import clean_driver_name
from db.live_feed import LiveRace, Vehicle
from db.names import normalize
from db.records import Record
from db.store import Snapshot, Store


class DriverHistory(Record):
    """One driver's record in the live race's series, from the store, before this race."""

    driver: str
    track: str | None               # None: the store does not know the track, so the figures here are None
    series_wins: int                # points-race wins in this series before this race
    starts_here: int | None
    wins_here: int | None
    best_here: int | None           # best finish here; None without a start here

    @property
    def win_number(self) -> int:
        """The career win number in this series that a win today would be."""
        return self.series_wins + 1

    @property
    def first_win_here(self) -> bool | None:
        return None if self.wins_here is None else self.wins_here == 0


async def driver_history(store: Store, race: LiveRace, vehicle: Vehicle) -> DriverHistory:
    """The record of the car's driver in the race's series and at its track, before this race (one read hop)."""
    return await store.read(read_driver_history, race, vehicle)


def read_driver_history(snapshot: Snapshot, race: LiveRace, vehicle: Vehicle) -> DriverHistory:
    series_id = snapshot.scalar("SELECT id FROM series WHERE feed_series_id = ?", (race.series_id,))
    driver_id = _driver(snapshot, vehicle)
    track = _track(snapshot, race)
    if series_id is None or driver_id is None:
        return DriverHistory(vehicle.name, track[1] if track else None, 0, 0 if track else None, 0 if track else None, None)
    before, before_args = _before(snapshot, race, series_id, track[0] if track else None)
    wins = snapshot.scalar(
        f"""SELECT count(*) FROM results x JOIN races r ON r.id = x.race_id
            WHERE x.driver_id = ? AND x.finish = 1 AND r.series_id = ? AND r.exhibition = 0 AND {before}""",
        (driver_id, series_id, *before_args),
    )
    if track is None:
        return DriverHistory(vehicle.name, None, wins, None, None, None)
    here = snapshot.fetchone(
        f"""SELECT count(*), sum(x.finish = 1), min(x.finish) FROM results x JOIN races r ON r.id = x.race_id
            WHERE x.driver_id = ? AND r.series_id = ? AND r.track_id = ? AND r.exhibition = 0 AND {before}""",
        (driver_id, series_id, track[0], *before_args),
    )
    assert here is not None     # an aggregate always returns a row
    return DriverHistory(vehicle.name, track[1], wins, here[0], here[1] or 0, here[2])


def _driver(snapshot: Snapshot, vehicle: Vehicle) -> int | None:
    """The store's driver: by feed id, else by alias, else by the name without markers (as an import would match)."""
    if vehicle.driver_id is not None:
        found = snapshot.scalar("SELECT id FROM drivers WHERE feed_driver_id = ?", (vehicle.driver_id,))
        if found is not None:
            return int(found)
    found = snapshot.scalar("SELECT driver_id FROM driver_aliases WHERE alias = ?", (normalize(vehicle.name),))
    if found is None:
        found = snapshot.scalar("SELECT id FROM drivers WHERE name = ?", (clean_driver_name(vehicle.name),))
    return None if found is None else int(found)


def _track(snapshot: Snapshot, race: LiveRace) -> tuple[int, str] | None:
    row = snapshot.fetchone("SELECT id, name FROM tracks WHERE feed_track_id = ?", (race.track_id,)) if race.track_id else None
    if row is None:
        row = snapshot.fetchone(
            "SELECT t.id, t.name FROM track_aliases a JOIN tracks t ON t.id = a.track_id WHERE a.alias = ?",
            (normalize(race.track),),
        )
    return (row[0], row[1]) if row else None


def _before(snapshot: Snapshot, race: LiveRace, series_id: int, track_id: int | None) -> tuple[str, tuple[Any, ...]]:
    """SQL over `races r` for the races of the series run before this one.

    Where the store holds this race (imported from the feed, or the history's race of that name at this track
    in that season) its round orders it; otherwise every finished race counts, except those of the same
    season that started after the feed's time of day.
    """
    season = race.observed_at.year if race.observed_at else None
    row = snapshot.fetchone("SELECT season, round FROM races WHERE source_id = ?", (str(race.race_id),))
    if row is None and season is not None and track_id is not None:
        same_name = [
            candidate for candidate in snapshot.fetchall(
                "SELECT season, round, name FROM races WHERE series_id = ? AND season = ? AND track_id = ?",
                (series_id, season, track_id),
            )
            if normalize(candidate["name"]) == normalize(race.run_name)
        ]
        row = same_name[0] if len(same_name) == 1 else None
    if row is not None and row["round"] is not None:
        return "(r.season < ? OR (r.season = ? AND r.round < ?))", (row["season"], row["season"], row["round"])
    this_race = "r.status != 'scheduled' AND coalesce(r.source_id, '') != ?"
    if race.observed_at is None:
        return this_race, (str(race.race_id),)
    return (
        f"{this_race} AND (r.season < ? OR (r.season = ? AND (r.starts_at IS NULL OR r.starts_at < ?)))",
        (str(race.race_id), season, season, race.observed_at.astimezone(UTC).isoformat()),
    )
