"""Plain data returned by the query layer. No Discord, Reddit or terminal knowledge here."""

from __future__ import annotations

from datetime import date, datetime
from functools import cache
from zoneinfo import ZoneInfo

from db.records import Record, field
from db.series import SERIES

EASTERN = ZoneInfo("America/New_York")   # NASCAR dates its races in US Eastern time: the one zone we show
FIRST_SEASON, LAST_SEASON = 1949, 2100   # the seasons a question or a feed document may name (the history starts in 1949)
# The hot row types (a race, a classification line) have a `fast` constructor beside the record's `__init__`, whose
# checks of its arguments make it ~1.5× the cost of filling the instance's dict at once (measured on ResultLine).
# `fast` builds the same object, equal and as frozen.
_new_instance = object.__new__


class SeriesInfo(Record):
    """A series as the store names it."""

    key: str            # cup, xfinity, truck
    name: str           # NASCAR Cup Series
    short_name: str     # Cup


class TeamInfo(Record):
    id: int
    name: str           # Ferrari, Hendrick Motorsports
    full_name: str | None  # Scuderia Ferrari (F1DB's full name)


class TrackInfo(Record):
    """A track: its name, kind and length."""

    id: int
    name: str
    kind: str           # oval, superspeedway, road, dirt
    length_mi: float | None


class DriverInfo(Record):
    """A driver, by the name fans know him by, and the label that tells him from a namesake (the name index's)."""

    id: int
    name: str           # Jim Clark
    label: str          # Jim Clark (F1, 1960–1968) beside NASCAR's Jim Clark; otherwise the name


class RaceRef(Record):
    """Enough to name a race: `2022 Truck R15, Mid-Ohio`."""

    series: str
    season: int
    round: int | None
    track: str
    name: str


class RaceSummary(Record):
    """One race's header, with winner and pole when results are in."""

    id: int
    series: str
    series_name: str
    season: int
    round: int | None
    name: str
    track: str
    track_kind: str
    track_length_mi: float | None
    starts_at: datetime | None
    status: str                     # scheduled, provisional, official
    exhibition: bool
    scheduled_laps: int | None
    laps: int | None                # laps run
    stage_laps: tuple[int, ...]
    cautions: int | None
    caution_laps: int | None
    lead_changes: int | None
    leaders: int | None
    margin: float | None            # seconds between first and second; None under caution or unknown
    source: str
    source_id: str | None
    winner: str | None = None
    winner_car: str | None = None
    winner_team: str | None = None
    winner_make: str | None = None
    winner_start: int | None = None
    winner_led: int | None = None
    pole: str | None = None
    field_size: int | None = None
    date_only: bool = False         # `starts_at` is midnight Eastern of the race day: the time is unknown

    @classmethod
    def fast(
        cls, id: int, series: str, series_name: str, season: int, round: int | None, name: str, track: str, track_kind: str,
        track_length_mi: float | None, starts_at: datetime | None, status: str, exhibition: bool, scheduled_laps: int | None,
        laps: int | None, stage_laps: tuple[int, ...], cautions: int | None, caution_laps: int | None,
        lead_changes: int | None, leaders: int | None, margin: float | None, source: str, source_id: str | None,
        winner: str | None, winner_car: str | None, winner_team: str | None, winner_make: str | None,
        winner_start: int | None, winner_led: int | None, pole: str | None, field_size: int | None, date_only: bool,
    ) -> RaceSummary:
        """`RaceSummary(...)` with every field given, built at once (see `_new_instance`)."""
        race = _new_instance(cls)
        race.__dict__.update(
            id=id, series=series, series_name=series_name, season=season, round=round, name=name, track=track,
            track_kind=track_kind, track_length_mi=track_length_mi, starts_at=starts_at, status=status, exhibition=exhibition,
            scheduled_laps=scheduled_laps, laps=laps, stage_laps=stage_laps, cautions=cautions, caution_laps=caution_laps,
            lead_changes=lead_changes, leaders=leaders, margin=margin, source=source, source_id=source_id, winner=winner,
            winner_car=winner_car, winner_team=winner_team, winner_make=winner_make, winner_start=winner_start,
            winner_led=winner_led, pole=pole, field_size=field_size, date_only=date_only,
        )
        return race

    @property
    def ref(self) -> RaceRef:
        return RaceRef(self.series, self.season, self.round, self.track, self.name)

    @property
    def zone(self) -> ZoneInfo:
        """The zone the series dates its races in (db/series.py): US Eastern for NASCAR, UTC for F1."""
        return series_zone(self.series)

    @property
    def day(self) -> date | None:
        """The race's date in its series' zone, whatever the reader's zone."""
        return self.starts_at.astimezone(self.zone).date() if self.starts_at else None


def race_key(race: RaceSummary) -> str:
    """A race's identity that survives `db build` and a results import: NASCAR's race id; an F1 race's season and
    round (`f1-2024-16`, the same whether its results came from F1DB or from Jolpica); else series, season and round."""
    if race.source_id:
        return f"nascar-{race.source_id}"
    if SERIES[race.series].family == "f1":
        return f"{race.series}-{race.season}-{race.round}"
    return f"{race.series}-{race.season}-r{race.round}"


@cache
def series_zone(key: str) -> ZoneInfo:
    """The zone a series' dates are shown in; US Eastern for a series the reference data does not describe."""
    series = SERIES.get(key)
    return ZoneInfo(series.time_zone) if series else EASTERN


class ResultLine(Record):
    """One car's line in a race's classification."""

    finish: int
    start: int | None
    car: str
    driver: str
    team: str | None
    make: str | None
    laps: int | None
    led: int | None                 # None: the source did not say
    status: str | None
    points: int | None
    stage_finishes: tuple[int | None, ...] = ()
    driver_id: int | None = None
    time: str | None = None         # race time as the source prints it (1:14:40.727): F1DB's for every finisher
    gap: str | None = None          # +2.664, +1 lap
    status_code: str | None = None  # DNF, NC, DSQ (F1); None: classified, or a series without codes

    @classmethod
    def fast(
        cls, finish: int, start: int | None, car: str, driver: str, team: str | None, make: str | None, laps: int | None,
        led: int | None, status: str | None, points: int | None, stage_finishes: tuple[int | None, ...],
        driver_id: int | None, time: str | None, gap: str | None, status_code: str | None,
    ) -> ResultLine:
        """`ResultLine(...)` with every field given, built at once (see `_new_instance`)."""
        line = _new_instance(cls)
        line.__dict__.update(
            finish=finish, start=start, car=car, driver=driver, team=team, make=make, laps=laps, led=led, status=status,
            points=points, stage_finishes=stage_finishes, driver_id=driver_id, time=time, gap=gap, status_code=status_code,
        )
        return line

    @property
    def running(self) -> bool:
        return self.status is None or self.status == "running"


class StageLine(Record):
    """One car's line in a stage's top finishers."""

    position: int
    driver: str
    car: str | None
    points: int | None


class Stage(Record):
    """A stage of a NASCAR race and who scored in it."""

    number: int
    laps: int | None
    results: list[StageLine]


class Caution(Record):
    """A caution period: its laps, reason and the free pass."""

    start_lap: int
    end_lap: int
    reason: str | None
    comment: str | None
    free_pass_car: str | None


class LeaderStint(Record):
    """A run of laps one car led."""

    start_lap: int
    end_lap: int
    car: str


class RaceResults(Record):
    """Everything /results shows of one race."""

    race: RaceSummary
    results: list[ResultLine]
    stages: list[Stage] = field(default_factory=list)
    cautions: list[Caution] = field(default_factory=list)
    leader_stints: list[LeaderStint] = field(default_factory=list)
    other_races: list[RaceRef] = field(default_factory=list)   # same filters, not shown
    sprint: list[ResultLine] = field(default_factory=list)      # the weekend's sprint, its own session (F1)
    non_starters: list[NonStarter] = field(default_factory=list)
    loop_data: list[LoopLine] = field(default_factory=list)     # NASCAR's loop data, best driver rating first


class QualifyingLine(Record):
    """One car in a race's qualifying (F1: its place and session times) or, where the data has no qualifying, its
    place on the starting grid and where it finished."""

    position: int | None                # None: not classified (status_code says why)
    car_number: str
    driver: str
    team: str | None
    status_code: str | None = None      # NC, DSQ, EX
    time: str | None = None             # best time, as the source writes it (1:20.101)
    q1: str | None = None
    q2: str | None = None
    q3: str | None = None
    finish: int | None = None           # the starting lineup's: where the car finished the race


class Qualifying(Record):
    """/qualifying: a race's qualifying, or the starting lineup where the data has no qualifying (NASCAR's history)."""

    race: RaceSummary
    lineup: bool                        # True: the grid as raced (results' starting positions), not a qualifying session
    lines: list[QualifyingLine]
    other_races: list[RaceRef] = field(default_factory=list)   # same filters, not shown


MAX_RATING = 150.0   # NASCAR's driver rating: a perfect race
LED_RECORDED = 0.5   # a race's laps led were recorded when its cars' counts add up to this share of its laps at least


def laps_led_recorded(total_led: int, laps: int | None) -> bool:
    """Whether counts of laps led adding up to `total_led` were recorded for a race of `laps` laps. Someone leads every
    lap; where the lap leaders were not recorded the history gives every car 0, or the winner 1 (194 Cup races of
    1949–1973, 20 Xfinity races of 1982–1983), which are no counts at all. Counts that cover most of a race but not
    all of it (Dover 2018: 365 of 404) are kept: each says who led at least that many."""
    return total_led > 0 and (laps is None or total_led >= LED_RECORDED * laps)


class LoopLine(Record):
    """One car's loop data (NASCAR): driver rating, running position and passing over the race. The bundled history
    holds the rating alone (2005 on): its other figures are None, unknown."""

    finish: int
    car: str
    driver: str
    rating: float                   # NASCAR's driver rating, 0–150
    avg_position: float | None = None   # average running position
    fastest_laps: int | None = None
    quality_passes: int | None = None   # green-flag passes of a car in the top 15 while in it
    top15_laps: int | None = None
    green_flag_passes: int | None = None
    green_flag_passed: int | None = None


class NonStarter(Record):
    """An entrant that did not start the race: DNS, DNQ, DNPQ, DNP, EX."""

    status_code: str
    car: str
    driver: str
    team: str | None
    reason: str | None


class SprintWinner(Record):
    """Who won a race weekend's sprint (F1 since 2021): its own session, with its own grid."""

    driver: str
    car: str
    team: str | None
    make: str | None
    start: int | None


class WinnerAnswer(Record):
    """The races /winner found at a track, most recent first."""

    track: str                      # the place's label: a track, or a race run at several (`British Grand Prix`)
    season: int | None
    series: str | None
    races: list[RaceSummary]        # most recent first
    named_race: bool = False        # `track` is the name of a race run at several tracks
    round: int | None = None        # the round asked for
    sprints: dict[int, SprintWinner] = field(default_factory=dict)   # race id → its weekend's sprint winner


class SeasonLine(Record):
    """A driver's season in one series."""

    season: int
    starts: int
    wins: int
    top5: int
    top10: int


class SeasonStart(Record):
    """One race of a driver's season: where, and how it went."""

    round: int | None
    race: str
    track: str
    start: int | None
    finish: int
    laps_led: int | None
    status: str | None              # NASCAR's (`running`, `accident`) or F1's retirement reason
    status_code: str | None         # F1: DNF, DSQ, NC… beside the position; None when classified
    points: float | None
    rating: float | None = None     # NASCAR's driver rating (2005 on); None: the data has none


class DriverSeason(Record):
    """A driver's season in one series, the one /driver was asked about (`/driver larson 2021`)."""

    season: int
    starts: int
    wins: int
    top5: int
    top10: int
    poles: int                      # qualifying P1 where the series has official tables (F1), else starts from pole
    laps_led: int | None            # None when any start's laps led is unknown
    avg_finish: float
    dnfs: int
    podiums: int = 0
    position: int | None = None     # official standings (F1): the driver's place that season; None where none ranks it
    points: float | None = None
    races: list[SeasonStart] = field(default_factory=list)   # race by race, in round order
    avg_rating: float | None = None     # NASCAR's driver rating averaged over the season's starts that have one
    rated: int = 0                      # the starts that have a driver rating


class DriverFigures(Record):
    """A driver's figures in one series, over a career (SeriesCareer) or at one track (TrackLine)."""

    series: str
    series_name: str
    starts: int
    wins: int
    top5: int
    top10: int
    poles: int                      # where the series publishes qualifying (F1): qualifying P1; else the car first away
    laps_led: int | None            # None when any start's laps led is unknown
    avg_start: float | None
    avg_finish: float | None
    dnfs: int
    avg_rating: float | None        # NASCAR's driver rating, averaged over the starts that have one (2005 on)
    rated: int                      # the starts that have a driver rating


class SeriesCareer(DriverFigures):
    """A driver's career in one series."""

    first_season: int
    last_season: int
    first_win: RaceRef | None
    latest_win: RaceRef | None
    seasons: list[SeasonLine]
    podiums: int = 0
    points: float | None = None         # race points (and sprint points where a series has sprints), official series only
    championships: int | None = None    # titles in the official standings; None where the data has no official table
    season: DriverSeason | None = None  # the season asked for, when the driver started in it in this series
    starts_since_win: int | None = None # points-race starts after the latest win; None: no win (or its round unknown)


class DriverCareer(Record):
    """A driver's career, series by series."""

    driver: str
    series: dict[str, SeriesCareer]     # only series the driver started in, Cup first
    also: tuple[str, ...] = ()          # others the typed name matches, when one of them clearly was meant (`senna`)
    year: int | None = None             # the season asked for (each series' `season`; none: no start that year)
    born: date | None = None            # where the data has it (F1DB's drivers)


class TrackLine(DriverFigures):
    """A driver's record at one track (or in one named race) in one series: each figure counted as /driver counts it."""

    best_finish: int
    first_season: int
    last_season: int
    wins_at: list[RaceRef]          # each win there, latest first
    latest: RaceRef                 # the latest start there
    latest_finish: int
    podiums: int = 0


class DriverAtTrack(Record):
    """/driver … at a track: a driver's record at one track or in one named race, series by series."""

    driver: str
    place: str                          # the place's label (`Darlington Raceway (Southern 500)`)
    series: dict[str, TrackLine]        # only series the driver started there, Cup first
    year: int | None = None             # the season asked for: that season's races there only
    also: tuple[str, ...] = ()          # others the typed name matches, when one of them clearly was meant


class SeasonWinner(Record):
    """Who won a race at a track in a season."""

    season: int
    round: int | None
    race: str
    driver: str


class Tally(Record):
    """A driver and how many times they did something."""

    driver: str
    count: int


class TrackSeriesRecord(Record):
    """One series' record at a track."""

    series: str
    series_name: str
    races: int
    first_season: int
    last_season: int
    winners: list[SeasonWinner]         # most recent first
    most_wins: list[Tally]
    most_poles: list[Tally]
    wins_from_pole: int


class TrackRecord(Record):
    """A track's record in every series that raced there."""

    track: str
    kind: str
    length_mi: float | None
    series: dict[str, TrackSeriesRecord]


class StandingRow(Record):
    """A driver's line in a season's standings."""

    position: int | None                # None: excluded from the championship (status_code says why)
    driver: str
    points: float
    starts: int
    wins: int
    top5: int
    top10: int
    laps_led: int | None
    behind: float                       # points behind the leader
    status_code: str | None = None      # DSQ, EX in an official table


class TeamStandingRow(Record):
    """A team's (constructor's) line in a season's official standings."""

    position: int | None
    team: str
    make: str | None                    # the engine, when a constructor was ranked per engine
    points: float
    status_code: str | None = None


class Standings(Record):
    """A season's standings and the progression chart's data."""

    series: str
    series_name: str
    season: int
    races_counted: int
    rows: list[StandingRow]
    progression: dict[str, list[float]]  # driver → cumulative points after each race (top drivers)
    note: str
    official: bool = False              # rows are the series' official table (F1DB), not computed
    team_rows: list[TeamStandingRow] = field(default_factory=list)   # the official teams' (constructors') table
    chart_note: str = ""                # how the progression chart was computed, when not from the rows
    through: int | None = None          # the round asked for: the standings after it


class LeaderLine(Record):
    """A driver's place in a leaderboard: the figure, and the starts and seasons it came from."""

    rank: int                           # ties share a rank (1, 2, 2, 4)
    driver: str
    value: int | float                  # a count, or an average (driver rating)
    starts: int                         # the starts it comes from (an average's: those it averages)
    first_season: int
    last_season: int


class Leaders(Record):
    """/leaders: the drivers with the most of one figure (wins, poles…) in a series, all time or in one season."""

    series: str
    series_name: str
    stat: str                           # wins, poles, podiums, top5, top10, starts, laps_led, dnfs, titles, rating
    stat_label: str                     # as a heading says it: wins, poles, top-5 finishes, laps led…
    stat_column: str                    # as a table's header says it: Wins, Poles, Top 5, Led…
    season: int | None                  # None: every season in the data
    first_season: int                   # the seasons counted
    last_season: int
    rows: list[LeaderLine]
    more_tied: int                      # drivers tied with the last row who did not fit (LEADER_ROWS_WITH_TIES)
    note: str                           # what the figure counts and what the data does not hold ("": nothing to say)
    place: str | None = None            # a track or race asked for: its races only


class HeadToHeadSide(Record):
    """One driver's side of a head-to-head."""

    driver: str
    ahead: int
    wins: int
    avg_finish: float | None
    laps_led: int | None
    avg_rating: float | None = None     # NASCAR's driver rating, over the races both have one (HeadToHead.rated)


class HeadToHead(Record):
    """Two drivers in the races both started."""

    series: str | None                  # None = all series together
    races: int                          # races both started
    first: HeadToHeadSide
    second: HeadToHeadSide
    latest_meetings: list[RaceRef]      # the last race both started; one per series when the data cannot order them
    team_mates: TeamMates | None = None # where they shared a team
    place: str | None = None            # the track or race asked for: its races only
    rated: int = 0                      # the races together where both have a driver rating (NASCAR, 2005 on)
    year: int | None = None             # the season asked for: its races only


class TeamMates(Record):
    """Two drivers in the races where they drove for the same team."""

    races: int
    first_ahead: int
    second_ahead: int
    teams: list[str]                    # the teams they shared, first shared season first


class Session(Record):
    """One session of a race weekend (practice_1, qualifying, sprint, race) and its start in UTC."""

    session: str
    starts_at: datetime
    date_only: bool


class ScheduledRace(Record):
    """A race on a schedule and where it stands now."""

    race: RaceSummary
    state: str                          # done, now (started, no result yet), unreported (run, no result), next, later


class Schedule(Record):
    """A season's races in start order; a season the data has no dates for, by series and round."""

    series: str | None                  # None = all series
    season: int
    races: list[ScheduledRace]          # in start order (undated: by series and round)
    now: datetime
    sessions: dict[int, list[Session]] = field(default_factory=dict)   # race id → its weekend's sessions (F1), in order
    note: str | None = None             # why this season is shown rather than the one asked for (none asked: the current)

    @property
    def dated(self) -> bool:
        """Whether any race has a date (a series the data has no dates for lists its races by round, after them)."""
        return any(entry.race.starts_at for entry in self.races)

    @property
    def undated_series(self) -> list[str]:
        """The series listed by round: the data has no dates for their season."""
        return list(dict.fromkeys(entry.race.series for entry in self.races if entry.race.starts_at is None))


class Broadcasters(Record):
    """Who carries a race, as NASCAR's race list names them (None: not named)."""

    tv: str | None
    radio: str | None
    satellite_radio: str | None

    @property
    def known(self) -> bool:
        return any((self.tv, self.radio, self.satellite_radio))


class NextRaces(Record):
    """The races on now and the next race of each series."""

    series: str | None
    racing_now: list[RaceSummary]       # started, results not in yet
    upcoming: list[RaceSummary]         # the next race of each series (or of the one asked for)
    now: datetime
    sessions: dict[int, list[Session]] = field(default_factory=dict)   # race id → its weekend's sessions, in order
    broadcasters: dict[int, Broadcasters] = field(default_factory=dict)  # race id → who carries it, where named
    place: str | None = None            # the track asked for: its races only


class Newcomer(Record):
    """A driver making a first series start, or returning after a long gap."""

    result: ResultLine
    previous_season: int | None        # None: first start in the series


class CareerBest(Record):
    """A finisher who bettered every earlier series start of his (db.recaps._career_bests)."""

    result: ResultLine
    previous_best: int                  # the best finish of his earlier series starts


class KindRecord(Record):
    """A driver's record in one series on one kind of track, up to and including a race; a paved oval's (`oval`) counts
    the superspeedways too (db.recaps.kinds_counted)."""

    kind: str
    starts: int
    top10s: int
    wins: int


class SeasonShare(Record):
    """How many of a series' points races so far in a season a driver started, this one included."""

    starts: int
    races: int


class WinTallies(Record):
    """What a win adds up to, as of the race, in its series (db.recaps.win_tallies). A run, a season's count and "the
    most" are known only where the store holds every round they span: elsewhere a run stops short, a season's count is
    None and no one is said to have the most."""

    season_wins: int | None = None      # the winner's wins in the season so far, this one included
    most_season_wins: bool = False      # ... more than any other driver's
    in_a_row: int = 1                   # the series' races he has now won in a row (1: not the one before)
    track_wins: int = 1                 # his wins at this track, this one included
    most_track_wins: bool = False       # ... more than any other driver's there
    track_in_a_row: int = 1             # the series' races at this track he has now won in a row, when more than
                                        # `in_a_row` tells (1 otherwise)


class RecapFacts(Record):
    """Everything a post-race thread says, computed from the store as of that race.

    The winner's figures (win_number to next_race) are None or empty for an exhibition.
    """

    details: RaceResults
    winner: ResultLine
    pole: ResultLine | None
    win_number: int | None                  # the winner's nth points-race win in this series
    earlier_win_tracks: tuple[str, ...]     # tracks of the winner's earlier series wins, distinct
    first_series_win_of_kind: bool          # first win in this series on this kind of track (db.recaps.kinds_counted)
    first_national_win_of_kind: bool        # ... and in any of the three national series
    first_win_at_track: bool
    team_first_win: bool
    make_first_win: bool
    kind_record: KindRecord | None
    newcomers: list[Newcomer]
    earlier_series_starts: int | None       # the winner's points-race starts in this series before this race
    season_share: SeasonShare | None        # the winner's starts against the season's races so far
    season_kind_finishes: tuple[int, ...]   # the winner's earlier finishes this season on this kind of track
    laps_led_known: bool                    # the laps-led counts cover the race (not so in much of the 1950s)
    top_leader: ResultLine | None           # led the most laps (alone) and did not win
    keep_suffix: tuple[str, ...]            # drivers of the field called "Earnhardt Jr.", not "Earnhardt"
    next_race: RaceSummary | None           # the series' next dated race after this one
    previous_win: RaceRef | None = None     # the winner's last series win before this one
    starts_since_win: int | None = None     # the winner's series starts between that win and this race
    tallies: WinTallies = WinTallies()      # what the win adds up to: the season's, in a row, at the track
    career_bests: tuple[CareerBest, ...] = ()   # finishers 2nd to 10th in their best series finish yet


class TeamSeason(Record):
    """A team's season in one series: `2021 Ferrari: 44 starts, 0 wins, 5 podiums, 3rd`."""

    season: int
    starts: int                         # races entered with at least one car
    wins: int
    podiums: int                        # podium finishes (two cars on the podium count twice)
    poles: int
    drivers: tuple[str, ...]            # most starts first
    position: int | None = None         # official standings (F1): the team's place; None where no table ranks it
    points: float | None = None


class TeamSeriesRecord(Record):
    series: str
    series_name: str
    starts: int                         # races entered with at least one car
    wins: int                           # races won
    podiums: int                        # podium finishes
    poles: int                          # F1: qualifying P1; else the car that started first
    first_season: int
    last_season: int
    first_win: RaceRef | None
    latest_win: RaceRef | None
    titles: int | None                  # official constructors' titles; None where the data has no official table
    top_drivers: list[Tally]            # most wins for the team
    seasons: list[TeamSeason]           # only the season asked for, when one was


class TeamRecord(Record):
    """/team: a team's (F1: a constructor's) record, series by series."""

    team: str
    full_name: str | None               # Scuderia Ferrari, where the source gives one
    year: int | None
    series: dict[str, TeamSeriesRecord]
    also: tuple[str, ...] = ()          # other teams the typed name matches (`lotus`: Lotus F1 Team, Lotus Racing)
    place: str | None = None            # the track or race asked for: its races only
