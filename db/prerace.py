"""What a pre-race post says about one race: the race and its track, the broadcasters, the weekend schedule, the
starting lineup and pole once qualifying is in, and from the store the track's recent winners and its most
successful active drivers.

Everything is as of the race itself (earlier races only), so the pre-race post of a past race reads as it would
have then; what the data cannot tell as of then is left out. Unknown is None or empty, never 0: a renderer leaves out
what the data lacks.
"""

from __future__ import annotations

from datetime import datetime

from db.errors import NoData, NoUpcomingRace
from db.models import Broadcasters, RaceSummary
from db.names import Place, TrackInfo
from db.queries import RACE_WINDOW, check_round, check_year, latest_first, read_races, utc_now
from db.records import Record, replace
from db.series import SERIES
from db.snapshot import Reads, Snapshot

PAST_WINNERS = 5
BEST_HERE = 5
SESSION_KINDS = {1: "practice", 2: "qualifying", 3: "race"}   # schedule run types shown; 0 is off-track (garage hours…)
QUALIFYING = 2
STATED_TWICE = 2  # races at a track stating one length, for a length unlike today's to be taken as the track's then


class WeekendSession(Record):
    name: str                       # as NASCAR writes it: "Practice", "Qualifying (Impound)", "Race"
    kind: str                       # practice, qualifying, race
    starts_at: datetime | None      # UTC
    notes: str | None               # "Canceled", "Stages 70/230/400 Laps = 300 Miles"


class LineupEntry(Record):
    position: int
    car: str
    driver: str
    make: str | None


class PastWinner(Record):
    season: int
    race: str
    driver: str


class TrackRecordLine(Record):
    """An active driver's record at the track in the series, before this race."""

    driver: str
    starts: int
    wins: int
    top5: int


class PreRace(Record):
    race: RaceSummary                        # name, series, track, kind and length, laps, stage laps, green-flag time
    broadcasters: Broadcasters
    schedule: list[WeekendSession]           # practice, qualifying and the race, in the feed's order; empty: unknown
    lineup: list[LineupEntry] | None         # None until a qualifying run (or the rule book) sets the whole field
    pole: str | None                         # the pole-sitter; None until known
    past_winners: list[PastWinner]           # latest first, at most PAST_WINNERS
    best_here: list[TrackRecordLine]         # most wins, then top 5s, at most BEST_HERE
    best_of_field: bool = False              # best_here is of the race's field (known), not of the series' active drivers
    cancelled: bool = False                  # taken off the schedule (race day's lifecycle says so, not the store's facts)
    postponed_from: datetime | None = None   # the green-flag time first announced, when the start has moved later since


async def prerace(store: Reads, track: str, year: int | None = None, series: str | None = None, round: int | None = None,
                  now: datetime | None = None) -> PreRace:
    """The pre-race facts of the next race at a track, the one `/next` names there (not started yet, or under way);
    NoUpcomingRace when it has none.

    With a year or round, of the races matching them: the upcoming one, else the latest, shown as of itself:
    `pitboard prerace richmond --year 2023 --round 7` is the pre-race post of that race as it would have read then.
    """
    names = await store.names()
    series_key = names.series_key(series) if series else None
    place = names.place(track, year=check_year(year), series=series_key)
    year, round = check_year(place.year), check_round(round)
    if year is None and round is None:   # as /next: the races at the place's tracks (a named race's runs are those run)
        at, params = _at_tracks(names.tracks_of(place))
    else:
        at, params = _races_at(place)
    return await store.read(_read_prerace, place, at, params, place.series or series_key, year, round, now or utc_now())


async def prerace_for(store: Reads, race: RaceSummary) -> PreRace:
    """The pre-race facts of a race the caller already holds (the lifecycle's pre-race step)."""
    return await store.read(read_prerace_facts, race)


def _at_tracks(tracks: list[TrackInfo]) -> tuple[str, tuple]:
    return f"r.track_id IN ({', '.join('?' * len(tracks))})", tuple(info.id for info in tracks)


def _races_at(place: Place) -> tuple[str, tuple]:
    if place.race_ids is not None:
        return f"r.id IN ({', '.join('?' * len(place.race_ids))})", place.race_ids
    if place.track is None:
        raise NoData(f"{place.label} is run at several tracks: name the track.")
    return "r.track_id = ?", (place.track.id,)


def _read_prerace(
    snapshot: Snapshot, place: Place, at: str, params: tuple, series_key: str | None, year: int | None, round: int | None,
    now: datetime,
) -> PreRace:
    where = f"{at} AND (? IS NULL OR s.key = ?) AND (? IS NULL OR r.season = ?) AND (? IS NULL OR r.round = ?)"
    races = read_races(snapshot, where, (*params, series_key, series_key, year, year, round, round))
    if not races:
        filters = "".join(part for part in (f" in {year}" if year else "", f" round {round}" if round else ""))
        raise NoData(f"No {f'{series_key} ' if series_key else ''}race at {place.label}{filters} in the data.")
    upcoming = sorted(
        (race for race in races if race.status == "scheduled" and race.starts_at and race.starts_at > now - RACE_WINDOW),
        key=lambda race: (race.starts_at, race.id),
    )
    if upcoming:
        return read_prerace_facts(snapshot, upcoming[0])
    latest = latest_first(races)[0]
    if year is None and round is None:
        which = f"{SERIES[series_key].short_name} " if series_key else ""
        raise NoUpcomingRace(f"No upcoming {which}race at {place.label} in the data.", latest.season)
    return read_prerace_facts(snapshot, latest)


def _length_then(snapshot: Snapshot, race: RaceSummary) -> float | None:
    """The track's length at this race, where the data knows it; None where it does not. Tracks are reshaped
    (Richmond was 0.542 miles until 1988, Monaco 3.328 km in 1988 and 3.337 today), and `tracks` holds only today's
    length. A distance over laps is never taken for a length: scheduled distances are rounded (Bristol's dirt race:
    125.5 miles over 250 laps of its 0.533-mile track).

    F1: F1DB's course length for the race. NASCAR: the length the race's own history row states, where that is
    today's length or another race at the track states it too (a lone figure unlike today's is a slip of the
    history: the Charlotte qualifier of 1961 at 2.58 miles). A race whose row states none (NASCAR's feed gives no
    length) has today's length, unless a race at the track since states another, or the race is run and the store
    states no race's length at all (built before they were stored: `pitboard db build` fills them)."""
    row = snapshot.fetchone(
        "SELECT r.track_id, r.track_length_mi AS stated, t.length_mi AS today, s.family FROM races r "
        "JOIN tracks t ON t.id = r.track_id JOIN series s ON s.id = r.series_id WHERE r.id = ?",
        (race.id,),
    )
    if row is None:
        return None
    stated, today = row["stated"], row["today"]
    if row["family"] != "nascar":
        return stated
    seasons = {   # each length stated at the track: (races stating it, last season)
        round(length, 3): (races, last) for length, races, last in snapshot.fetchall(
            "SELECT r.track_length_mi, count(*), max(r.season) FROM races r "
            "JOIN series s ON s.id = r.series_id WHERE r.track_id = ? AND s.family = 'nascar' "
            "AND r.track_length_mi IS NOT NULL GROUP BY r.track_length_mi",
            (row["track_id"],),
        )
    }
    if today is None:
        return stated if stated is not None and seasons[round(stated, 3)][0] >= STATED_TWICE else None
    today_key = round(today, 3)

    def reliable(length: float) -> bool:
        return length == today_key or seasons.get(length, (0, 0))[0] >= STATED_TWICE

    if stated is not None:
        return stated if reliable(round(stated, 3)) else None
    if any(last >= race.season and length != today_key and reliable(length) for length, (_, last) in seasons.items()):
        return None   # reshaped since
    if race.status != "scheduled" and not snapshot.scalar("SELECT EXISTS (SELECT 1 FROM races WHERE track_length_mi > 0)"):
        return None   # a store without the races' own lengths cannot tell whether the track has changed since
    return today


def read_prerace_facts(snapshot: Snapshot, race: RaceSummary) -> PreRace:
    header = snapshot.fetchone(
        "SELECT r.series_id, r.track_id, r.tv_broadcaster, r.radio_broadcaster, r.satellite_broadcaster, "
        "(SELECT shown_name FROM drivers WHERE feed_driver_id = r.pole_feed_id) AS pole FROM races r WHERE r.id = ?",
        (race.id,),
    )
    if header is None:
        raise NoData(f"{race.name} ({race.season}) is no longer in the data.")
    race = replace(race, track_length_mi=_length_then(snapshot, race))
    lineup = _lineup(snapshot, race.id)
    # Points races of the series strictly before this one: earlier seasons, or this season's earlier rounds or starts.
    before = (
        "r.series_id = ? AND r.exhibition = 0 AND r.status != 'scheduled' AND r.id != ? AND (r.season < ? OR (r.season = ? AND ("
        "(r.round IS NOT NULL AND ? IS NOT NULL AND r.round < ?) "
        "OR (r.starts_at IS NOT NULL AND ? IS NOT NULL AND r.starts_at < ?))))"
    )
    starts = race.starts_at.isoformat() if race.starts_at else None
    before_args = (header["series_id"], race.id, race.season, race.season, race.round, race.round, starts, starts)
    field_known = bool(snapshot.scalar(f"SELECT EXISTS ({FIELD})", (race.id,) * 4))
    best_here = _best_here(snapshot, header["track_id"], race, field_known, before, before_args)
    return PreRace(
        race=race,
        broadcasters=Broadcasters(header["tv_broadcaster"], header["radio_broadcaster"], header["satellite_broadcaster"]),
        schedule=[
            WeekendSession(row["name"], SESSION_KINDS[row["run_type"]], _instant(row["starts_at"]), row["notes"])
            for row in snapshot.fetchall(
                "SELECT name, run_type, starts_at, notes FROM weekend_sessions WHERE race_id = ? AND run_type IN (1, 2, 3) "
                "ORDER BY position",
                (race.id,),
            )
        ],
        lineup=lineup,
        pole=header["pole"] or (lineup[0].driver if lineup else None),
        past_winners=_past_winners(snapshot, header["track_id"], before, before_args),
        best_here=best_here,
        best_of_field=field_known,
    )


def _instant(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _lineup(snapshot: Snapshot, race_id: int) -> list[LineupEntry] | None:
    """The starting lineup: the latest qualifying run that classifies every car of any qualifying run this weekend.

    Group and round qualifying split the field over several runs, and how NASCAR merges them is not in the feed:
    no single run covers the field then, and the lineup stays unknown rather than guessed.
    """
    runs = snapshot.fetchall(
        "SELECT w.run_id, count(x.position) AS cars FROM weekend_runs w JOIN run_results x ON x.race_id = w.race_id "
        "AND x.run_id = w.run_id WHERE w.race_id = ? AND w.run_type = ? GROUP BY w.run_id, w.starts_at "
        "ORDER BY w.starts_at DESC, w.run_id DESC",
        (race_id, QUALIFYING),
    )
    field = snapshot.scalar(
        "SELECT count(DISTINCT x.driver_id) FROM run_results x "
        "JOIN weekend_runs w ON w.race_id = x.race_id AND w.run_id = x.run_id WHERE x.race_id = ? AND w.run_type = ?",
        (race_id, QUALIFYING),
    )
    whole = next((run["run_id"] for run in runs if run["cars"] == field), None)
    if whole is None:
        return None
    rows = snapshot.fetchall(
        "SELECT x.position, x.car_number, d.shown_name, x.make FROM run_results x JOIN drivers d ON d.id = x.driver_id "
        "WHERE x.race_id = ? AND x.run_id = ? ORDER BY x.position",
        (race_id, whole),
    )
    return [LineupEntry(*row) for row in rows]


def _past_winners(snapshot: Snapshot, track_id: int, before: str, before_args: tuple) -> list[PastWinner]:
    rows = snapshot.fetchall(
        f"""SELECT r.season, r.name, d.shown_name FROM races r JOIN results x ON x.race_id = r.id AND x.finish = 1
            JOIN drivers d ON d.id = x.driver_id
            WHERE r.track_id = ? AND {before}
            ORDER BY r.season DESC, r.round IS NULL, r.round DESC, r.starts_at DESC LIMIT ?""",
        (track_id, *before_args, PAST_WINNERS),
    )
    return [PastWinner(*row) for row in rows]


# The drivers of a race, where the data has its field: its results and non-starters, its qualifying (F1), its
# weekend's practice and qualifying runs (NASCAR's feed). Parameters: the race id, four times.
FIELD = """SELECT driver_id FROM results WHERE race_id = ? UNION SELECT driver_id FROM non_starters WHERE race_id = ?
    UNION SELECT driver_id FROM qualifying_results WHERE race_id = ? UNION SELECT driver_id FROM run_results WHERE race_id = ?"""


def _best_here(snapshot: Snapshot, track_id: int, race: RaceSummary, field_known: bool, before: str,
               before_args: tuple) -> list[TrackRecordLine]:
    """The drivers with the most wins, then top 5s, at the track in the series before this race; drivers without a
    top 5 here are left out. Of the race's field where the data has it (a retired driver is in no field), else of
    the series' active drivers: a start in the series last season or this one, before this race."""
    if field_known:
        drivers, drivers_args = FIELD, (race.id,) * 4
    else:
        drivers = f"SELECT DISTINCT x.driver_id FROM results x JOIN races r ON r.id = x.race_id WHERE r.season >= ? AND {before}"
        drivers_args = (race.season - 1, *before_args)
    rows = snapshot.fetchall(
        f"""WITH entrants AS ({drivers})
            SELECT d.shown_name, count(*) AS starts, sum(CASE WHEN x.finish = 1 THEN 1 ELSE 0 END) AS wins,
                   sum(CASE WHEN x.finish <= 5 THEN 1 ELSE 0 END) AS top5
            FROM results x JOIN races r ON r.id = x.race_id JOIN drivers d ON d.id = x.driver_id
            WHERE r.track_id = ? AND x.driver_id IN (SELECT driver_id FROM entrants) AND {before}
            GROUP BY d.id, d.shown_name HAVING sum(CASE WHEN x.finish <= 5 THEN 1 ELSE 0 END) > 0
            ORDER BY wins DESC, top5 DESC, starts, d.shown_name LIMIT ?""",
        (*drivers_args, track_id, *before_args, BEST_HERE),
    )
    return [TrackRecordLine(*row) for row in rows]
