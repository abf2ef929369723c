"""The facts behind a post-race thread: what this win means, computed as of the race itself.

Only what the store holds: a figure the data lacks (who led laps in a race without lap-leader data,
a schedule the history does not carry) is None or False, and the recap leaves its sentence out.
"""

from __future__ import annotations

import sqlite3
from datetime import date

from db.errors import NoData
from db.models import (
    CareerBest,
    KindRecord,
    Newcomer,
    RaceRef,
    RaceResults,
    RaceSummary,
    RecapFacts,
    ResultLine,
    SeasonShare,
    WinTallies,
)
from db.queries import read_races
from db.records import Record, field, replace
from db.series import SERIES
from db.short_names import has_suffix, without_suffix
from db.snapshot import Reads, Snapshot

RETURN_GAP_SEASONS = 3       # "first start since 2018" when the previous start is this many seasons back or more
LED_COVERAGE = 0.95          # laps led are known when the counts add up to this share of the laps run at least
CAREER_BEST_TOLD = 10        # finishers down to this place are told when it is their best series finish yet
RUN_READ = 40                # earlier races read back when counting a run of wins (the longest in any series: ten)
# The kinds of track a NASCAR recap's "on this kind of track" counts: a paved oval's take in the superspeedways, which a
# fan counts among the ovals (Blaney's Daytona win is one of his oval wins); a dirt oval is the dirt kind.
KINDS_COUNTED = {"oval": ("oval", "superspeedway")}
NASCAR_WIN = "w.finish = 1"
F1_WIN = "w.finish = 1 AND w.status_code IS NULL"   # a classified P1 (never a disqualified one)


class F1Line(Record):
    """One starter of an F1 race as the classification shows it."""

    finish: int
    status_code: str | None         # DNF, NC, DSQ; None: classified
    car: str
    driver: str
    driver_id: int
    team: str | None
    laps: int | None
    time: str | None                # the winner's race time
    gap: str | None                 # +2.664, +1 lap
    reason: str | None              # why a car retired, as the source gives it
    points: float | None
    start: int | None
    pit_lane_start: bool
    shared_car: bool = False        # a co-driver's row of a car another driver started (the 1950s; F1DB's sharedCar)


def f1_cars(lines: list[F1Line]) -> list[list[F1Line]]:
    """A classification's cars, each the rows of its drivers: F1DB lists a shared car's co-drivers right after the
    driver who started it, at its place (or status) and with its number and constructor, one row each."""
    cars: list[list[F1Line]] = []
    for line in lines:
        head = cars[-1][0] if cars else None
        if line.shared_car and head is not None and (head.car, head.team, head.status_code) == (
                line.car, line.team, line.status_code):
            cars[-1].append(line)
        else:
            cars.append([line])
    return cars


def _shared_reasons(lines: list[F1Line]) -> list[F1Line]:
    """The lines with a shared car's reason for stopping on each of its drivers' rows: F1DB writes it (with the
    laps) on the row of the driver who started the car only."""
    shared = []
    for car in f1_cars(lines):
        reason = car[0].reason
        shared += [car[0], *(replace(line, reason=reason) if line.reason is None else line for line in car[1:])]
    return shared


class F1NonStarter(Record):
    """An entrant of an F1 race who did not start it, as F1DB lists him: DNS, DNQ, DNPQ, DNP, EX."""

    status_code: str
    car: str
    driver: str
    driver_id: int
    team: str | None
    reason: str | None


class CoWinner(Record):
    """A driver who shared the winning car (the 1950s): F1DB counts the win as his too."""

    line: F1Line
    win_number: int                 # his nth championship win
    debut: bool                     # in his first championship race


class FirstPodium(Record):
    """A driver on the podium behind the winner for the first time (db.recaps._first_podiums)."""

    line: F1Line
    debut: bool                     # in his first championship race


class ChampionshipLine(Record):
    position: int                   # equal points share a position
    driver: str
    points: float


class F1RecapFacts(Record):
    """An F1 race report's facts, as of the race. F1 data has no laps led, stages or cautions: none are here."""

    race: RaceSummary
    classification: list[F1Line]
    winner: F1Line
    win_number: int                     # the winner's nth championship win
    team_first_win: bool                # the constructor's first win
    first_win_at_track: bool
    pole: F1Line | None                 # the qualifying P1's race; None when qualifying is unknown or he did not start
    grand_slam: bool                    # as F1DB marks it
    championship: list[ChampionshipLine]    # computed from race and sprint points up to this race
    championship_rounds: int
    sprint: list[F1Line] = field(default_factory=list)   # the weekend's sprint classification, where it had one
    previous_win: RaceRef | None = None     # the winner's last win before this one
    starts_since_win: int | None = None     # the winner's starts between that win and this race
    youngest_winner_age: tuple[int, int] | None = None   # (years, days): the winner is the series' youngest ever
    team_previous_win: RaceRef | None = None    # the constructor's last win before this one
    races_since_team_win: int | None = None     # the series' races between that win and this one
    tallies: WinTallies = WinTallies()          # the season's wins, runs, wins at the circuit
    first_podiums: tuple[FirstPodium, ...] = ()
    debut: bool = False                 # the winner's first championship race (the store holding every one before)
    co_winners: tuple[CoWinner, ...] = ()   # the winning car's other drivers
    non_starters: list[F1NonStarter] = field(default_factory=list)   # in F1DB's order of entry
    pole_absent: F1NonStarter | None = None   # the qualifying P1, when he did not start the race

    @property
    def sprint_winner(self) -> F1Line | None:
        return next((line for line in self.sprint if line.finish == 1 and line.status_code is None), None)

    def car_of(self, line: F1Line) -> list[F1Line]:
        """The rows of the car a classification line is of: its drivers, the one who started it first."""
        return next(car for car in f1_cars(self.classification) if line in car)


Recap = RecapFacts | F1RecapFacts
CHAMPIONSHIP_SHOWN = 10


async def race_recap(store: Reads, details: RaceResults) -> Recap:
    """A race's recap facts in its series family's shape: F1's race report, or NASCAR's recap."""
    if SERIES[details.race.series].family == "f1":
        return await store.read(read_f1_recap_facts, details.race)
    return await recap_facts(store, details)


def _f1_lines(snapshot: Snapshot, table: str, race_id: int) -> list[F1Line]:
    """A session's classification (`results`: the race's; `sprint_results`: the sprint's, which has no shared cars),
    a shared car's reason for stopping on each of its drivers' rows."""
    shared = "x.shared_car" if table == "results" else "0"
    return _shared_reasons([
        F1Line(
            finish=row["finish"], status_code=row["status_code"], car=row["car_number"], driver=row["driver"],
            driver_id=row["driver_id"], team=row["team"], laps=row["laps"], time=row["time"], gap=row["gap"],
            reason=row["status"], points=row["points"], start=row["start"], pit_lane_start=bool(row["pit_lane_start"]),
            shared_car=bool(row["shared_car"]),
        )
        for row in snapshot.fetchall(
            f"""SELECT x.finish, x.status_code, x.car_number, d.shown_name AS driver, x.driver_id, tm.name AS team, x.laps,
                       x.time, x.gap, x.status, x.points, x.start, x.pit_lane_start, {shared} AS shared_car
                FROM {table} x JOIN drivers d ON d.id = x.driver_id LEFT JOIN teams tm ON tm.id = x.team_id
                WHERE x.race_id = ? ORDER BY x.finish, x.id""",
            (race_id,),
        )
    ])


def _f1_non_starters(snapshot: Snapshot, race_id: int) -> list[F1NonStarter]:
    return [
        F1NonStarter(row["status_code"], row["car_number"], row["driver"], row["driver_id"], row["team"], row["reason"])
        for row in snapshot.fetchall(
            """SELECT n.status_code, n.car_number, d.shown_name AS driver, n.driver_id, tm.name AS team, n.reason
               FROM non_starters n JOIN drivers d ON d.id = n.driver_id LEFT JOIN teams tm ON tm.id = n.team_id
               WHERE n.race_id = ? ORDER BY n.entry""",
            (race_id,),
        )
    ]


def _pole_line(classification: list[F1Line], driver_id: int | None, car: str | None) -> F1Line | None:
    """The pole-sitter's race: the car he took pole in (in the 1950s he could also share another car, even the
    winner's), else the car he started."""
    his = [line for line in classification if line.driver_id == driver_id]
    return (next((line for line in his if line.car == car and not line.shared_car), None)
            or next((line for line in his if not line.shared_car), None) or next(iter(his), None))


def read_f1_recap_facts(snapshot: Snapshot, race: RaceSummary) -> F1RecapFacts:
    classification = _f1_lines(snapshot, "results", race.id)
    winner = next((line for line in classification if line.finish == 1 and line.status_code is None), None)
    if winner is None:
        missing = "has no results yet" if not classification else "has no winner in the data"
        raise NoData(f"{race.name} ({race.season}) {missing}.")
    series_id = snapshot.scalar("SELECT series_id FROM races WHERE id = ?", (race.id,))
    round_ = race.round or 0
    before = "r.series_id = ? AND (r.season < ? OR (r.season = ? AND r.round < ?))"
    before_args = (series_id, race.season, race.season, round_)
    earlier_wins = snapshot.fetchall(
        f"""SELECT DISTINCT r.id, r.track_id, r.season, r.round, t.name AS track, r.name
            FROM results x JOIN races r ON r.id = x.race_id JOIN tracks t ON t.id = r.track_id
            WHERE x.driver_id = ? AND x.finish = 1 AND x.status_code IS NULL AND {before} ORDER BY r.season, r.round""",
        (winner.driver_id, *before_args),
    )
    previous = earlier_wins[-1] if earlier_wins else None
    starts_since = snapshot.scalar(
        f"""SELECT count(*) FROM results x JOIN races r ON r.id = x.race_id
            WHERE x.driver_id = ? AND {before} AND (r.season > ? OR (r.season = ? AND r.round > ?))""",
        (winner.driver_id, *before_args, previous["season"], previous["season"], previous["round"]),
    ) if previous else None
    track_id = snapshot.scalar("SELECT track_id FROM races WHERE id = ?", (race.id,))
    team_won_before = snapshot.scalar(
        f"""SELECT EXISTS (SELECT 1 FROM results x JOIN races r ON r.id = x.race_id
            WHERE x.team_id = (SELECT team_id FROM results WHERE race_id = ? AND finish = 1 AND driver_id = ?)
            AND x.finish = 1 AND x.status_code IS NULL AND {before})""",
        (race.id, winner.driver_id, *before_args),
    )
    pole_row = snapshot.fetchone("SELECT driver_id, car_number FROM qualifying_results WHERE race_id = ? AND position = 1",
                                 (race.id,))
    pole_driver, pole_car = (pole_row["driver_id"], pole_row["car_number"]) if pole_row else (None, None)
    pole = _pole_line(classification, pole_driver, pole_car)
    non_starters = _f1_non_starters(snapshot, race.id)
    grand_slam = bool(snapshot.scalar("SELECT grand_slam FROM results WHERE race_id = ? AND finish = 1 AND driver_id = ?",
                                      (race.id, winner.driver_id)))
    championship, rounds = _championship(snapshot, series_id, race.season, round_)
    youngest = _youngest_winner_age(snapshot, race, winner.driver_id, before, before_args)
    team_previous = snapshot.fetchone(
        f"""SELECT r.season, r.round, t.name, r.name FROM results x JOIN races r ON r.id = x.race_id
            JOIN tracks t ON t.id = r.track_id
            WHERE x.team_id = (SELECT team_id FROM results WHERE race_id = ? AND finish = 1 AND driver_id = ?)
            AND x.finish = 1 AND x.status_code IS NULL AND {before} ORDER BY r.season DESC, r.round DESC LIMIT 1""",
        (race.id, winner.driver_id, *before_args),
    )
    races_since_team = snapshot.scalar(
        f"""SELECT count(*) FROM races r WHERE {before} AND r.status != 'scheduled'
            AND (r.season > ? OR (r.season = ? AND r.round > ?))""",
        (*before_args, team_previous["season"], team_previous["season"], team_previous["round"]),
    ) if team_previous else None
    whole_since = _rounds_whole_since(snapshot, series_id, race)
    tallies = win_tallies(snapshot, series_id, race, winner.driver_id, before, before_args, F1_WIN, whole_since)
    first_podiums = _first_podiums(snapshot, series_id, race, classification, before, before_args, whole_since)
    first_season = snapshot.scalar("SELECT min(season) FROM races WHERE series_id = ?", (series_id,))
    debuts = _whole(whole_since, first_season)   # a first start is known only where no earlier round is missing
    co_winners = tuple(
        CoWinner(line, _earlier_count(snapshot, line.driver_id, F1_WIN, before, before_args) + 1,
                 debuts and _earlier_count(snapshot, line.driver_id, "1", before, before_args) == 0)
        for line in next(car for car in f1_cars(classification) if car[0] is winner)[1:]
    )
    return F1RecapFacts(
        race=race, classification=classification, winner=winner, win_number=len(earlier_wins) + 1,
        team_first_win=winner.team is not None and not team_won_before,
        first_win_at_track=all(row["track_id"] != track_id for row in earlier_wins),
        pole=pole,
        grand_slam=grand_slam, championship=championship, championship_rounds=rounds,
        sprint=_f1_lines(snapshot, "sprint_results", race.id),
        previous_win=RaceRef(race.series, previous["season"], previous["round"], previous["track"], previous["name"])
        if previous else None,
        starts_since_win=starts_since,
        youngest_winner_age=youngest,
        team_previous_win=RaceRef(race.series, *team_previous) if team_previous else None,
        races_since_team_win=races_since_team,
        tallies=tallies,
        first_podiums=first_podiums,
        debut=debuts and _earlier_count(snapshot, winner.driver_id, "1", before, before_args) == 0,
        co_winners=co_winners,
        non_starters=non_starters,
        pole_absent=next((entrant for entrant in non_starters if entrant.driver_id == pole_driver), None)
        if pole is None else None,
    )


def _earlier_count(snapshot: Snapshot, driver_id: int, counted: str, before: str, before_args: tuple) -> int:
    """A driver's results before this race (alias w) that `counted` selects: his starts ("1"), his wins (F1_WIN)."""
    return snapshot.scalar(
        f"SELECT count(*) FROM results w JOIN races r ON r.id = w.race_id WHERE w.driver_id = ? AND {counted} AND {before}",
        (driver_id, *before_args),
    )


def _first_podiums(
    snapshot: Snapshot, series_id: int, race: RaceSummary, classification: list[F1Line], before: str, before_args: tuple,
    whole_since: int | None,
) -> tuple[FirstPodium, ...]:
    """The classified 2nd and 3rd whose earlier championship races never ended on the podium (or who had none);
    none unless the store holds every round since those drivers' first season (since the series' first, for a
    debut)."""
    podium = [line for line in classification if line.status_code is None and line.finish in (2, 3)]
    earlier = _earlier_bests(snapshot, [line.driver_id for line in podium], "x.status_code IS NULL", before, before_args)
    firsts, first_seasons = [], []
    for line in podium:
        best, first_season = earlier.get(line.driver_id, (None, None))   # (None, None): no earlier start
        if best is None or best > 3:
            firsts.append(FirstPodium(line, debut=first_season is None))
            first_seasons.append(first_season)
    if not firsts:
        return ()
    if None in first_seasons:   # a debut: no earlier start anywhere in the series' history
        since = snapshot.scalar("SELECT min(season) FROM races WHERE series_id = ?", (series_id,))
    else:
        since = min(season for season in first_seasons if season is not None)
    return tuple(firsts) if _whole(whole_since, since) else ()


def win_tallies(
    snapshot: Snapshot, series_id: int, race: RaceSummary, winner_id: int | None, before: str, before_args: tuple, win: str,
    whole_since: int | None,
) -> WinTallies:
    """The win's tallies (see WinTallies); `before` selects the series' races before this one (alias r), `win` a
    winning result (alias w), `whole_since` is `_rounds_whole_since`'s."""
    if race.round is None or winner_id is None:
        return WinTallies()
    at_track = "r.track_id = (SELECT track_id FROM races WHERE id = ?)"
    here = f"({before} OR r.id = ?) AND {at_track}"   # the series' races at this track, up to this one
    season_wins, most_in_season = _wins_and_most(
        snapshot, winner_id, win, "r.series_id = ? AND r.exhibition = 0 AND r.status != 'scheduled' AND r.season = ? "
        "AND r.round <= ?", (series_id, race.season, race.round))
    track_wins, most_here = _wins_and_most(snapshot, winner_id, win, here, (*before_args, race.id, race.id))
    first_season_here = snapshot.scalar(f"SELECT min(r.season) FROM races r WHERE {here}", (*before_args, race.id, race.id))
    run: list[sqlite3.Row] = []   # the series' run, back to the first gap in the store's rounds
    season, round_ = race.season, race.round
    for row in _run(snapshot, winner_id, win, before, before_args):
        if not ((row["season"] == season and row["round"] == round_ - 1) or (row["season"] == season - 1 and round_ == 1)):
            break
        run.append(row)
        season, round_ = row["season"], row["round"]
    track_run = _run(snapshot, winner_id, win, f"{before} AND {at_track}", (*before_args, race.id))
    tells_more = track_run and not {row["id"] for row in track_run} <= {row["id"] for row in run}
    season_known = _whole(whole_since, race.season)
    return WinTallies(
        season_wins=season_wins if season_known else None,
        most_season_wins=most_in_season and season_known,
        in_a_row=len(run) + 1,
        track_wins=track_wins,
        most_track_wins=most_here and _whole(whole_since, first_season_here),
        track_in_a_row=len(track_run) + 1
        if tells_more and _whole(whole_since, track_run[-1]["season"]) else 1,
    )


def _wins_and_most(snapshot: Snapshot, winner_id: int, win: str, races: str, args: tuple) -> tuple[int, bool]:
    """The winner's wins in the races a condition selects (alias r), and whether no other driver has as many."""
    wins: dict[int, int] = {driver: count for driver, count in snapshot.fetchall(
        f"SELECT w.driver_id, count(*) FROM races r JOIN results w ON w.race_id = r.id AND {win} WHERE {races} "
        "GROUP BY w.driver_id", args)}
    mine = wins.get(winner_id, 0)
    return mine, all(count < mine for driver, count in wins.items() if driver != winner_id)


def _run(snapshot: Snapshot, winner_id: int, win: str, races: str, args: tuple) -> list[sqlite3.Row]:
    """The races a condition selects (alias r) that the winner won, latest first, up to the first he did not."""
    run = []
    for row in snapshot.fetchall(
        f"""SELECT r.id, r.season, r.round,
                   EXISTS (SELECT 1 FROM results w WHERE w.race_id = r.id AND w.driver_id = ? AND {win}) AS won
            FROM races r WHERE {races} AND r.status != 'scheduled' AND EXISTS (SELECT 1 FROM results x WHERE x.race_id = r.id)
            ORDER BY r.season DESC, r.round DESC LIMIT {RUN_READ}""",
        (winner_id, *args),
    ):
        if not row["won"]:
            break
        run.append(row)
    return run


def _rounds_whole_since(snapshot: Snapshot, series_id: int, race: RaceSummary) -> int | None:
    """The earliest season from which the store holds a result for every round of the series up to this race (each
    season's rounds one to its last, no season missing, this season's up to this race's); None when even this season
    has a gap. A gap is a race whose winner is unknown, so no run, count of wins or career best may span it."""
    if race.round is None:
        return None
    seasons = snapshot.fetchall(
        """SELECT r.season, count(DISTINCT r.round), max(r.round) FROM races r
           WHERE r.series_id = ? AND r.exhibition = 0 AND r.status != 'scheduled' AND r.season <= ?
           AND (r.season < ? OR r.round <= ?) AND EXISTS (SELECT 1 FROM results x WHERE x.race_id = r.id)
           GROUP BY r.season ORDER BY r.season DESC""",
        (series_id, race.season, race.season, race.round),
    )
    since, expected = None, race.season
    for season, count, last in seasons:
        if season != expected or count != last or (season == race.season and last != race.round):
            break
        since, expected = season, season - 1
    return since


def _whole(whole_since: int | None, season: int | None) -> bool:
    """Whether every round from `season` up to the race is in the store."""
    return whole_since is not None and season is not None and whole_since <= season


def _earlier_bests(
    snapshot: Snapshot, driver_ids: list[int | None], counted: str, before: str, before_args: tuple,
) -> dict[int | None, tuple[int | None, int | None]]:
    """Each driver's best finish in the series before this race among the results `counted` selects (alias x; None
    when none), and the season of his first start; drivers without an earlier start are left out."""
    ids = [driver for driver in driver_ids if driver is not None]
    if not ids:
        return {}
    return {
        row[0]: (row[1], row[2]) for row in snapshot.fetchall(
            f"""SELECT x.driver_id, min(CASE WHEN {counted} THEN x.finish END), min(r.season) FROM results x
                JOIN races r ON r.id = x.race_id WHERE x.driver_id IN ({",".join("?" * len(ids))}) AND {before}
                GROUP BY x.driver_id""",
            (*ids, *before_args),
        )
    }


def _youngest_winner_age(
    snapshot: Snapshot, race: RaceSummary, winner_id: int, before: str, before_args: tuple,
) -> tuple[int, int] | None:
    """The winner's age on race day, (years, days), when no earlier winner of the series won younger; None otherwise,
    and whenever the data cannot tell: a date of birth or a race date unknown, here or for any earlier winner."""
    born = snapshot.scalar("SELECT birth_date FROM drivers WHERE id = ?", (winner_id,))
    if born is None or race.starts_at is None:
        return None
    day, birth = race.starts_at.date(), date.fromisoformat(born)
    earlier = _row(snapshot,
        f"""SELECT min(julianday(date(r.starts_at)) - julianday(d.birth_date)),
                   sum(d.birth_date IS NULL OR r.starts_at IS NULL)
            FROM results x JOIN races r ON r.id = x.race_id JOIN drivers d ON d.id = x.driver_id
            WHERE x.finish = 1 AND x.status_code IS NULL AND {before}""",
        before_args,
    )
    youngest_before, unknown = earlier
    if unknown or youngest_before is None or (day - birth).days >= youngest_before:
        return None
    years = day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))
    try:
        birthday = birth.replace(year=birth.year + years)
    except ValueError:   # born on 29 February: in other years, the birthday is 1 March
        birthday = date(birth.year + years, 3, 1)
    return years, (day - birthday).days


def _championship(snapshot: Snapshot, series_id: int, season: int, round_: int) -> tuple[list[ChampionshipLine], int]:
    """The drivers' order after a round: race and sprint points added up (not the official table, which
    historic seasons' dropped scores change), and how many rounds it counts."""
    rows = snapshot.fetchall(
        """SELECT d.shown_name AS name, sum(p.points) AS points FROM (
               SELECT x.driver_id, x.points FROM results x JOIN races r ON r.id = x.race_id
               WHERE r.series_id = ? AND r.season = ? AND r.round <= ?
               UNION ALL
               SELECT s.driver_id, s.points FROM sprint_results s JOIN races r ON r.id = s.race_id
               WHERE r.series_id = ? AND r.season = ? AND r.round <= ?
           ) p JOIN drivers d ON d.id = p.driver_id
           GROUP BY p.driver_id HAVING sum(p.points) > 0 ORDER BY points DESC, d.shown_name""",
        (series_id, season, round_, series_id, season, round_),
    )
    rounds = snapshot.scalar(
        """SELECT count(DISTINCT r.id) FROM races r WHERE r.series_id = ? AND r.season = ? AND r.round <= ?
           AND EXISTS (SELECT 1 FROM results x WHERE x.race_id = r.id)""",
        (series_id, season, round_),
    )
    table: list[ChampionshipLine] = []
    for index, row in enumerate(rows[:CHAMPIONSHIP_SHOWN]):
        points = float(row["points"])
        shared = table and table[-1].points == points
        table.append(ChampionshipLine(table[-1].position if shared else index + 1, row["name"], points))
    return table, rounds


async def recap_facts(store: Reads, details: RaceResults) -> RecapFacts:
    """The recap's facts for a race whose classification the caller already read (one read hop)."""
    return await store.read(read_recap_facts, details)


def read_recap_facts(snapshot: Snapshot, details: RaceResults) -> RecapFacts:
    race = details.race
    winner = next((line for line in details.results if line.finish == 1), None)
    if winner is None:
        missing = "no winner in the data" if details.results else "no results yet"
        raise NoData(f"{race.name} ({race.season}) has {missing}.")
    series_id = snapshot.scalar("SELECT series_id FROM races WHERE id = ?", (race.id,))
    # Points races strictly before this one in the same series (points-race order within a season).
    before = "r.series_id = ? AND r.exhibition = 0 AND (r.season < ? OR (r.season = ? AND r.round < ?))"
    before_args = (series_id, race.season, race.season, race.round if race.round is not None else 0)
    laps_led_known = _laps_led_known(details)
    facts = RecapFacts(
        details=details, winner=winner, pole=next((line for line in details.results if line.start == 1), None),
        win_number=None, earlier_win_tracks=(), first_series_win_of_kind=False, first_national_win_of_kind=False,
        first_win_at_track=False, team_first_win=False, make_first_win=False, kind_record=None,
        newcomers=_newcomers(snapshot, details, before, before_args), earlier_series_starts=None, season_share=None,
        season_kind_finishes=(), laps_led_known=laps_led_known,
        top_leader=_top_leader(details.results) if laps_led_known else None,
        keep_suffix=_keep_suffix(snapshot, details.results), next_race=_next_race(snapshot, race),
    )
    if race.exhibition:
        return facts

    winner_id = winner.driver_id
    earlier = snapshot.fetchall(
        f"""SELECT t.name AS track, r.kind, r.season, r.round, r.name FROM results x JOIN races r ON r.id = x.race_id
            JOIN tracks t ON t.id = r.track_id
            WHERE x.driver_id = ? AND x.finish = 1 AND {before} ORDER BY r.season, r.round""",
        (winner_id, *before_args),
    )
    previous = earlier[-1] if earlier else None
    starts_since = snapshot.scalar(
        f"""SELECT count(*) FROM results x JOIN races r ON r.id = x.race_id
            WHERE x.driver_id = ? AND {before} AND (r.season > ? OR (r.season = ? AND r.round > ?))""",
        (winner_id, *before_args, previous["season"], previous["season"], previous["round"] or 0),
    ) if previous else None
    # Wins of this kind in the other NASCAR national series before this race. A win of this season that the data cannot
    # place before or after it (a race without a start time: the whole history) counts, so that "a first in any
    # national series" is said only when it is known to be one.
    started = race.starts_at.isoformat() if race.starts_at else None
    kinds = kinds_counted(race.track_kind)
    of_kind = f"r.kind IN ({','.join('?' * len(kinds))})"
    elsewhere_same_kind = snapshot.scalar(
        f"""SELECT count(*) FROM results x JOIN races r ON r.id = x.race_id JOIN series s ON s.id = r.series_id
            WHERE x.driver_id = ? AND x.finish = 1 AND r.exhibition = 0 AND {of_kind} AND r.series_id != ?
            AND s.family = 'nascar'
            AND (r.season < ? OR (r.season = ? AND (r.starts_at IS NULL OR ? IS NULL OR r.starts_at < ?)))""",
        (winner_id, *kinds, series_id, race.season, race.season, started, started),
    )
    team_won_before = snapshot.scalar(
        f"""SELECT EXISTS (SELECT 1 FROM results x JOIN races r ON r.id = x.race_id JOIN teams tm ON tm.id = x.team_id
            WHERE tm.name = ? AND x.finish = 1 AND {before})""",
        (winner.team, *before_args),
    ) if winner.team else True
    make_won_before = snapshot.scalar(
        f"""SELECT EXISTS (SELECT 1 FROM results x JOIN races r ON r.id = x.race_id
            WHERE x.make = ? AND x.finish = 1 AND {before})""",
        (winner.make, *before_args),
    ) if winner.make else True
    record = _row(snapshot,
        f"""SELECT count(*), sum(x.finish <= 10), sum(x.finish = 1) FROM results x JOIN races r ON r.id = x.race_id
            WHERE x.driver_id = ? AND {of_kind} AND ({before} OR r.id = ?)""",
        (winner_id, *kinds, *before_args, race.id),
    )
    assert record is not None   # an aggregate always returns a row
    earlier_starts = snapshot.scalar(
        f"SELECT count(*) FROM results x JOIN races r ON r.id = x.race_id WHERE x.driver_id = ? AND {before}",
        (winner_id, *before_args),
    )
    this_season = "r.series_id = ? AND r.exhibition = 0 AND r.status != 'scheduled' AND r.season = ? AND r.round <= ?"
    season_args = (series_id, race.season, race.round if race.round is not None else 0)
    season = _row(snapshot,
        f"""SELECT count(*), sum(EXISTS (SELECT 1 FROM results x WHERE x.race_id = r.id AND x.driver_id = ?))
            FROM races r WHERE {this_season}""",
        (winner_id, *season_args),
    )
    assert season is not None   # an aggregate always returns a row
    kind_finishes = snapshot.fetchall(
        f"""SELECT x.finish FROM results x JOIN races r ON r.id = x.race_id
            WHERE x.driver_id = ? AND {of_kind} AND r.id != ? AND {this_season} ORDER BY r.round""",
        (winner_id, *kinds, race.id, *season_args),
    )
    same_kind_before = sum(1 for row in earlier if row["kind"] in kinds)
    whole_since = _rounds_whole_since(snapshot, series_id, race)
    tallies = win_tallies(snapshot, series_id, race, winner_id, before, before_args, NASCAR_WIN, whole_since)
    career_bests = _career_bests(snapshot, details, before, before_args, whole_since)
    return replace(
        facts,
        win_number=len(earlier) + 1,
        earlier_win_tracks=tuple(dict.fromkeys(row["track"] for row in earlier)),
        first_series_win_of_kind=same_kind_before == 0,
        first_national_win_of_kind=same_kind_before == 0 and elsewhere_same_kind == 0,
        first_win_at_track=all(row["track"] != race.track for row in earlier),
        team_first_win=not team_won_before,
        make_first_win=not make_won_before,
        kind_record=KindRecord(race.track_kind, record[0], record[1] or 0, record[2] or 0),
        earlier_series_starts=earlier_starts,
        season_share=SeasonShare(season[1] or 0, season[0]) if season[0] else None,
        season_kind_finishes=tuple(row[0] for row in kind_finishes),
        previous_win=RaceRef(race.series, previous["season"], previous["round"], previous["track"], previous["name"])
        if previous else None,
        starts_since_win=starts_since,
        tallies=tallies,
        career_bests=career_bests,
    )


def kinds_counted(kind: str) -> tuple[str, ...]:
    """The kinds of track a recap counts as `kind` (KINDS_COUNTED): a paved oval's record takes in the superspeedways."""
    return KINDS_COUNTED.get(kind, (kind,))


def _career_bests(
    snapshot: Snapshot, details: RaceResults, before: str, before_args: tuple, whole_since: int | None,
) -> tuple[CareerBest, ...]:
    """Finishers from 2nd to CAREER_BEST_TOLD whose finish betters every earlier series start of theirs; none unless
    the store holds every round since the first season of those drivers (a missing race may hold a better one)."""
    placed = [line for line in details.results if 2 <= line.finish <= CAREER_BEST_TOLD]
    earlier = _earlier_bests(snapshot, [line.driver_id for line in placed], "1", before, before_args)
    bests, first_seasons = [], []
    for line in placed:
        best, first_season = earlier.get(line.driver_id, (None, None))   # (None, None): no earlier start
        if best is not None and first_season is not None and line.finish < best:
            bests.append(CareerBest(line, best))
            first_seasons.append(first_season)
    return tuple(bests) if bests and _whole(whole_since, min(first_seasons)) else ()


def _row(snapshot: Snapshot, sql: str, params: tuple) -> sqlite3.Row:
    """The one row an aggregate query always returns."""
    row = snapshot.fetchone(sql, params)
    assert row is not None, "an aggregate without GROUP BY returns one row"
    return row


def _newcomers(snapshot: Snapshot, details: RaceResults, before: str, before_args: tuple) -> list[Newcomer]:
    """Drivers making a first series start, or a first since RETURN_GAP_SEASONS or more seasons back."""
    race = details.race
    # Whoever started a race of the series in the last seasons is neither: read from those few seasons' races (by race),
    # not from every career of the field (20 ms for a field of veterans: 6× this).
    recent = {
        row[0] for row in snapshot.fetchall(
            f"""SELECT DISTINCT x.driver_id FROM races r JOIN results x ON x.race_id = r.id
                WHERE {before} AND r.season > ? AND x.driver_id IN (SELECT driver_id FROM results WHERE race_id = ?)""",
            (*before_args, race.season - RETURN_GAP_SEASONS, race.id),
        )
    }
    others = [line.driver_id for line in details.results if line.driver_id not in recent]
    previous: dict[int, int] = {} if not others else {
        row[0]: row[1]
        for row in snapshot.fetchall(
            f"""SELECT x.driver_id, max(r.season) FROM results x JOIN races r ON r.id = x.race_id
                WHERE x.driver_id IN ({",".join("?" * len(others))}) AND {before} GROUP BY x.driver_id""",
            (*others, *before_args),
        )
    }
    newcomers = []
    for line in details.results:
        if line.driver_id in recent:
            continue
        if line.driver_id not in previous:
            newcomers.append(Newcomer(line, None))
        elif previous[line.driver_id] <= race.season - RETURN_GAP_SEASONS:
            newcomers.append(Newcomer(line, previous[line.driver_id]))
    return newcomers


def _laps_led_known(details: RaceResults) -> bool:
    """Whether the laps-led counts cover the race: the history credits one lap to the winner, and nothing
    to anyone, where the lap leaders are not known."""
    total = sum(line.led or 0 for line in details.results)
    return total > 0 and (details.race.laps is None or total >= LED_COVERAGE * details.race.laps)


def _top_leader(results: list[ResultLine]) -> ResultLine | None:
    """The driver who led the most laps, alone, when he did not win."""
    ranked = sorted(results, key=lambda line: line.led or 0, reverse=True)
    top = ranked[0]
    if top.finish == 1 or not top.led or (len(ranked) > 1 and ranked[1].led == top.led):
        return None
    return top


def _keep_suffix(snapshot: Snapshot, results: list[ResultLine]) -> tuple[str, ...]:
    """Drivers whose suffix a fan keeps: a namesake of the family (same name without it) won a race."""
    kept = []
    for line in results:
        if not has_suffix(line.driver):
            continue
        bare = without_suffix(line.driver)
        namesakes = snapshot.fetchall(
            """SELECT d.shown_name FROM drivers d WHERE d.id != ? AND (d.shown_name = ? OR d.shown_name LIKE ? || ' %')
               AND EXISTS (SELECT 1 FROM results x WHERE x.driver_id = d.id AND x.finish = 1)""",
            (line.driver_id, bare, bare),
        )
        if any(without_suffix(row[0]) == bare for row in namesakes):
            kept.append(line.driver)
    return tuple(kept)


def _next_race(snapshot: Snapshot, race: RaceSummary) -> RaceSummary | None:
    """The series' next race with a known date after this one."""
    if race.starts_at is None:
        return None
    later = read_races(snapshot, "s.key = ? AND r.starts_at > ?", (race.series, race.starts_at.isoformat()), 1, "r.starts_at")
    return later[0] if later else None
