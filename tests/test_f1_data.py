"""The bundled F1 history in the built store, checked against F1DB: facts computed in SQL over the store's tables
equal the figures F1DB's own rows give (read straight from the bundled files), so later query code has a proven base.

Counting rules (migration 0012): a start is a race a driver has a row in `results` (distinct races: a 1950s shared
drive gives two rows), a win a race where one of them has finish 1, a podium finish ≤ 3, a pole qualifying P1;
career points are race and sprint points together, as F1DB totals them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest

from db.f1db import NOT_STARTED, bundled_rows
from db.store import Store, bundled_migrations

pytestmark = pytest.mark.realdata

F1 = "JOIN races r ON r.id = x.race_id JOIN series s ON s.id = r.series_id AND s.key = 'f1'"


def _rows(snapshot, sql: str, params: tuple = ()) -> list[tuple]:
    return [tuple(row) for row in snapshot.fetchall(sql, params)]


# ------------------------------------------------------------------ winners by circuit and year

WINNERS = [
    ("monza", 2024, ["Charles Leclerc"]),
    ("spa-francorchamps", 1998, ["Damon Hill"]),
    ("silverstone", 2021, ["Lewis Hamilton"]),
    ("monaco", 1988, ["Alain Prost"]),
    ("suzuka", 1989, ["Alessandro Nannini"]),        # Senna first on the road, disqualified
    ("austin", 2012, ["Lewis Hamilton"]),
    ("interlagos", 2008, ["Felipe Massa"]),
    ("reims", 1951, ["Juan Manuel Fangio", "Luigi Fagioli"]),   # a shared car: both credited
    ("indianapolis", 1950, ["Johnnie Parsons"]),      # the Indianapolis 500, a championship round then
]


@pytest.mark.parametrize(("circuit", "season", "winners"), WINNERS)
async def test_winner_at_circuit_and_year(real_store, circuit, season, winners):
    found = await real_store.read(
        _rows,
        f"""SELECT d.name FROM results x {F1} JOIN tracks t ON t.id = r.track_id JOIN drivers d ON d.id = x.driver_id
            WHERE t.f1db_id = ? AND r.season = ? AND x.finish = 1 ORDER BY d.name""",
        (circuit, season),
    )
    assert [name for (name,) in found] == winners


async def test_every_winner_matches_f1db(real_store):
    """Every race's winners in the store are F1DB's position-1 rows."""
    expected: dict[int, set[str]] = defaultdict(set)
    for row in bundled_rows("race_results"):
        if row["position"] == "1":
            expected[int(row["race_id"])].add(row["driverId"])
    stored: dict[int, set[str]] = defaultdict(set)
    for race, driver in await real_store.read(
        _rows, f"SELECT r.f1db_id, d.f1db_id FROM results x {F1} JOIN drivers d ON d.id = x.driver_id WHERE x.finish = 1"
    ):
        stored[race].add(driver)
    assert stored == expected
    assert len(stored) == 1160


# ------------------------------------------------------------------ careers across eras

CAREERS = [  # f1db id, starts, wins, podiums, poles (qualifying P1), points (race + sprint)
    ("juan-manuel-fangio", 51, 24, 35, 29, 277.64),
    ("jim-clark", 72, 25, 32, 33, 274),
    ("niki-lauda", 171, 25, 54, 24, 420.5),
    ("alain-prost", 199, 51, 106, 33, 798.5),
    ("ayrton-senna", 161, 41, 80, 65, 614),
    ("michael-schumacher", 306, 91, 155, 69, 1566),
    ("fernando-alonso", 437, 32, 106, 23, 2394),
    ("lewis-hamilton", 391, 106, 207, 105, 5187.5),
    ("sebastian-vettel", 299, 53, 122, 57, 3098),
    ("max-verstappen", 244, 71, 131, 52, 3553.5),
    ("charles-leclerc", 182, 9, 54, 24, 1810),
    ("lando-norris", 162, 12, 47, 17, 1558),
]


def _career(snapshot, f1db_id: str) -> tuple:
    (starts, wins, podiums, race_points), = _rows(
        snapshot,
        f"""SELECT count(DISTINCT x.race_id), count(DISTINCT CASE WHEN x.finish = 1 THEN x.race_id END),
                   count(DISTINCT CASE WHEN x.finish <= 3 THEN x.race_id END), sum(x.points)
            FROM results x {F1} JOIN drivers d ON d.id = x.driver_id WHERE d.f1db_id = ?""",
        (f1db_id,),
    )
    (poles,), = _rows(
        snapshot,
        """SELECT count(DISTINCT q.race_id) FROM qualifying_results q JOIN drivers d ON d.id = q.driver_id
           WHERE d.f1db_id = ? AND q.position = 1""",
        (f1db_id,),
    )
    (sprint_points,), = _rows(
        snapshot,
        "SELECT coalesce(sum(x.points), 0) FROM sprint_results x JOIN drivers d ON d.id = x.driver_id WHERE d.f1db_id = ?",
        (f1db_id,),
    )
    return f1db_id, starts, wins, podiums, poles, round(race_points + sprint_points, 2)


@pytest.mark.parametrize("career", CAREERS, ids=[career[0] for career in CAREERS])
async def test_career_totals(real_store, career):
    assert await real_store.read(_career, career[0]) == career


def _f1db_careers() -> dict[str, tuple[int, int]]:
    """(starts, wins) per driver straight from F1DB's rows: entries that did not start are not starts."""
    starts: dict[str, set[str]] = defaultdict(set)
    wins: dict[str, set[str]] = defaultdict(set)
    for row in bundled_rows("race_results"):
        if row["position"] not in NOT_STARTED:
            starts[row["driverId"]].add(row["race_id"])
        if row["position"] == "1":
            wins[row["driverId"]].add(row["race_id"])
    return {driver: (len(races), len(wins[driver])) for driver, races in starts.items()}


async def test_every_drivers_starts_and_wins_match_f1db(real_store):
    stored = await real_store.read(
        _rows,
        f"""SELECT d.f1db_id, count(DISTINCT x.race_id), count(DISTINCT CASE WHEN x.finish = 1 THEN x.race_id END)
            FROM results x {F1} JOIN drivers d ON d.id = x.driver_id GROUP BY d.f1db_id""",
    )
    assert {driver: (starts, wins) for driver, starts, wins in stored} == _f1db_careers()


# ------------------------------------------------------------------ non-starters and sprints

async def test_entrants_that_did_not_start_are_not_starts(real_store):
    """Senna's DNQ at Imola 1984 is listed with the race, not counted as a start (162 entries, 161 starts)."""
    senna_1984 = await real_store.read(
        _rows,
        """SELECT ns.status_code, (SELECT count(*) FROM results x WHERE x.race_id = r.id AND x.driver_id = d.id)
           FROM non_starters ns JOIN races r ON r.id = ns.race_id JOIN drivers d ON d.id = ns.driver_id
           WHERE d.f1db_id = 'ayrton-senna'""",
    )
    assert senna_1984 == [("DNQ", 0)]
    codes = dict(await real_store.read(_rows, "SELECT status_code, count(*) FROM non_starters GROUP BY status_code"))
    assert codes == {"DNQ": 1041, "DNPQ": 338, "DNS": 381, "EX": 15, "DNP": 5}
    both = await real_store.read(
        _rows,
        """SELECT r.season FROM non_starters ns JOIN results x ON x.race_id = ns.race_id AND x.driver_id = ns.driver_id
           JOIN races r ON r.id = ns.race_id""",
    )
    # Entered in two cars, started in one (Stommelen in Germany 1976: DNS in a Brabham, raced a Hesketh).
    assert sorted(both) == [(1950,), (1952,), (1976,)]


async def test_sprint_wins_are_not_wins(real_store):
    """Sprints are their own session: Verstappen's 13 sprint wins are not among his 71 grand prix wins."""
    def wins(snapshot) -> tuple:
        race = _rows(snapshot, "SELECT count(*) FROM results x JOIN drivers d ON d.id = x.driver_id "
                               "WHERE d.f1db_id = 'max-verstappen' AND x.finish = 1")
        sprint = _rows(snapshot, "SELECT count(*) FROM sprint_results x JOIN drivers d ON d.id = x.driver_id "
                                 "WHERE d.f1db_id = 'max-verstappen' AND x.finish = 1")
        return race[0][0], sprint[0][0]

    assert await real_store.read(wins) == (71, 13)
    # Brazil 2021's sprint went to Bottas and the race to Hamilton: each session keeps its own winner.
    brazil = await real_store.read(
        _rows,
        """SELECT (SELECT d.name FROM results x JOIN drivers d ON d.id = x.driver_id
                   WHERE x.race_id = r.id AND x.finish = 1),
                  (SELECT d.name FROM sprint_results x JOIN drivers d ON d.id = x.driver_id
                   WHERE x.race_id = r.id AND x.finish = 1)
           FROM races r JOIN tracks t ON t.id = r.track_id WHERE t.f1db_id = 'interlagos' AND r.season = 2021""",
    )
    assert brazil == [("Lewis Hamilton", "Valtteri Bottas")]


async def test_finish_is_an_order_for_every_starter(real_store):
    """Classified cars keep their position, the rest follow in F1DB's order; only shared cars share a finish.
    A position F1DB leaves vacant stays a gap: Brazil 1983 (Rosberg's second place, not awarded), and four races where
    F1DB numbers a car that did not complete a lap far down the order (Austria 1987: Streiff 25th of 26)."""
    races = await real_store.read(
        _rows,
        f"""SELECT r.f1db_id, count(*), count(DISTINCT x.finish), max(x.finish), sum(x.shared_car),
                   max(CASE WHEN x.status_code IS NULL THEN x.finish END),
                   min(CASE WHEN x.status_code IS NOT NULL THEN x.finish END)
            FROM results x {F1} GROUP BY r.f1db_id""",
    )
    assert len(races) == 1160
    gaps = []
    for race, rows, finishes, last, shared, last_classified, first_unclassified in races:
        assert rows - finishes <= shared, race                        # ties only from shared cars
        if first_unclassified is not None:
            assert first_unclassified == (last_classified or 0) + 1, race
        if finishes != last:
            gaps.append(race)
    assert gaps == [374, 446, 466, 547, 613]


async def test_retirements_are_in_classification_order(real_store):
    """F1DB lists retirements by laps completed, the order `finish` follows, in every race but one (Argentina 1954;
    rows with unknown laps aside)."""
    rows = await real_store.read(
        _rows,
        f"""SELECT r.f1db_id, x.laps FROM results x {F1} WHERE x.status_code = 'DNF' AND x.laps IS NOT NULL
            ORDER BY x.race_id, x.finish"""
    )
    laps_by_race: dict[int, list[int]] = defaultdict(list)
    for race, laps in rows:
        laps_by_race[race].append(laps)
    assert [race for race, laps in laps_by_race.items() if laps != sorted(laps, reverse=True)] == [33]


async def test_statuses_and_fractional_points(real_store):
    (retired,), = await real_store.read(
        _rows,
        f"""SELECT count(*) FROM results x {F1} JOIN drivers d ON d.id = x.driver_id
            WHERE x.status_code = 'DNF' AND x.status = 'Engine' AND d.f1db_id = 'ayrton-senna'""",
    )
    assert retired > 0
    ascari_1952 = await real_store.read(
        _rows, f"SELECT x.points FROM results x {F1} JOIN drivers d ON d.id = x.driver_id WHERE d.f1db_id = 'alberto-ascari' "
               "AND r.season = 1952 AND r.round = 8"
    )
    assert ascari_1952 == [(8.5,)]  # the win and half the fastest-lap point, shared
    codes = dict(
        await real_store.read(_rows, f"SELECT coalesce(x.status_code, 'classified'), count(*) FROM results x {F1} GROUP BY 1")
    )
    assert codes["DNF"] == 8764 and codes["NC"] == 200 and codes["DSQ"] == 161
    fractional = await real_store.read(_rows, f"SELECT count(*) FROM results x {F1} WHERE x.points != CAST(x.points AS INTEGER)")
    assert fractional == [(44,)]
    slams = await real_store.read(_rows, f"SELECT count(*) FROM results x {F1} WHERE x.grand_slam = 1")
    assert slams == [(71,)]


# ------------------------------------------------------------------ official standings and titles

STANDINGS = [  # season, champion, points, runner-up, points
    (1950, "nino-farina", 30, "juan-manuel-fangio", 27),
    (1964, "john-surtees", 40, "graham-hill", 39),
    (1988, "ayrton-senna", 90, "alain-prost", 87),
    (2008, "lewis-hamilton", 98, "felipe-massa", 97),
    (2016, "nico-rosberg", 385, "lewis-hamilton", 380),
    (2021, "max-verstappen", 395.5, "lewis-hamilton", 387.5),
]


@pytest.mark.parametrize(("season", "champion", "points", "second", "second_points"), STANDINGS)
async def test_official_driver_standings(real_store, season, champion, points, second, second_points):
    top = await real_store.read(
        _rows,
        """SELECT d.f1db_id, s.points FROM driver_standings s JOIN drivers d ON d.id = s.driver_id
           JOIN series ON series.id = s.series_id AND series.key = 'f1'
           WHERE s.season = ? AND s.position <= 2 ORDER BY s.position""",
        (season,),
    )
    assert top == [(champion, points), (second, second_points)]


async def test_excluded_from_a_championship_has_no_position(real_store):
    schumacher_1997 = await real_store.read(
        _rows,
        """SELECT s.position, s.status_code, s.points FROM driver_standings s JOIN drivers d ON d.id = s.driver_id
           WHERE d.f1db_id = 'michael-schumacher' AND s.season = 1997""",
    )
    assert schumacher_1997 == [(None, "DSQ", 78)]


async def test_standings_equal_f1db(real_store):
    expected = sorted(
        (int(row["year"]), row["position"], row["driverId"], float(row["points"])) for row in bundled_rows("driver_standings")
    )
    stored = await real_store.read(
        _rows,
        """SELECT s.season, coalesce(CAST(s.position AS TEXT), s.status_code), d.f1db_id, s.points
           FROM driver_standings s JOIN drivers d ON d.id = s.driver_id""",
    )
    assert sorted(stored) == expected


async def test_constructors_titles(real_store):
    """Titles are position 1 of a finished season (2026, the data's current season, is not over)."""
    titles = await real_store.read(
        _rows,
        """SELECT t.name, count(*) FROM team_standings s JOIN teams t ON t.id = s.team_id
           WHERE s.position = 1 AND s.season < 2026 GROUP BY t.name ORDER BY count(*) DESC, t.name LIMIT 5""",
    )
    assert titles == [("Ferrari", 16), ("McLaren", 10), ("Williams", 9), ("Mercedes", 8), ("Team Lotus", 7)]
    first = await real_store.read(_rows, "SELECT min(season) FROM team_standings")
    assert first == [(1958,)]  # the constructors' championship began in 1958


# ------------------------------------------------------------------ races, tracks, sessions, names

async def test_races_are_named_and_dated(real_store):
    monza_2024 = await real_store.read(
        _rows,
        """SELECT r.name, r.round, r.starts_at, r.date_only, r.status, r.actual_laps, r.official_name
           FROM races r JOIN tracks t ON t.id = r.track_id WHERE t.f1db_id = 'monza' AND r.season = 2024""",
    )
    assert monza_2024 == [("Italian Grand Prix", 16, "2024-09-01T13:00:00+00:00", 0, "official", 53,
                           "Formula 1 Pirelli Gran Premio d'Italia 2024")]
    silverstone_1950 = await real_store.read(_rows, "SELECT name, starts_at, date_only FROM races WHERE f1db_id = 1")
    assert silverstone_1950 == [("British Grand Prix", "1950-05-13T00:00:00+00:00", 1)]
    counts = await real_store.read(
        _rows,
        """SELECT r.status, count(*) FROM races r JOIN series s ON s.id = r.series_id AND s.key = 'f1'
           WHERE r.season = 2026 GROUP BY r.status ORDER BY r.status""",
    )
    assert counts == [("official", 11), ("scheduled", 12)]


async def test_weekend_sessions_in_utc(real_store):
    austin_2024 = await real_store.read(
        _rows,
        """SELECT s.session, s.starts_at, s.date_only FROM race_sessions s JOIN races r ON r.id = s.race_id
           JOIN tracks t ON t.id = r.track_id WHERE t.f1db_id = 'austin' AND r.season = 2024 ORDER BY s.starts_at""",
    )
    assert austin_2024 == [
        ("practice_1", "2024-10-18T17:30:00+00:00", 0),
        ("sprint_qualifying", "2024-10-18T21:30:00+00:00", 0),
        ("sprint", "2024-10-19T18:00:00+00:00", 0),
        ("qualifying", "2024-10-19T22:00:00+00:00", 0),
        ("race", "2024-10-20T19:00:00+00:00", 0),
    ]


async def test_circuits_become_tracks(real_store):
    tracks = await real_store.read(
        _rows,
        "SELECT f1db_id, name, kind, length_mi, place FROM tracks "
        "WHERE f1db_id IN ('monaco', 'spa-francorchamps') ORDER BY f1db_id",
    )
    assert tracks == [
        ("monaco", "Circuit de Monaco", "street", 2.074, "Monte Carlo"),               # 3.337 km
        ("spa-francorchamps", "Circuit de Spa-Francorchamps", "road", 4.352, "Spa"),  # 7.004 km
    ]
    # Circuits NASCAR raced too are one track with races of both families; Indianapolis by layout.
    shared = await real_store.read(
        _rows,
        """SELECT t.name, group_concat(DISTINCT s.family) FROM races r JOIN tracks t ON t.id = r.track_id
           JOIN series s ON s.id = r.series_id WHERE t.name IN ('Circuit of the Americas', 'Watkins Glen International')
           GROUP BY t.name ORDER BY t.name""",
    )
    assert [(name, set(families.split(","))) for name, families in shared] == [
        ("Circuit of the Americas", {"nascar", "f1"}), ("Watkins Glen International", {"nascar", "f1"})
    ]
    indianapolis = await real_store.read(
        _rows,
        """SELECT r.season, t.name, r.kind FROM races r JOIN series s ON s.id = r.series_id AND s.key = 'f1'
           JOIN tracks t ON t.id = r.track_id WHERE r.season IN (1950, 2005) AND t.name LIKE 'Indianapolis%'""",
    )
    assert sorted(indianapolis) == [
        (1950, "Indianapolis Motor Speedway", "oval"), (2005, "Indianapolis Motor Speedway Road Course", "road")
    ]


async def test_drivers_and_teams_keep_f1db_ids(real_store):
    max_ = await real_store.read(_rows, "SELECT name, code, full_name, last_name FROM drivers WHERE f1db_id = 'max-verstappen'")
    assert max_ == [("Max Verstappen", "VER", "Max Emilian Verstappen", "Verstappen")]
    # One person, one row: Montoya's NASCAR and F1 careers share his driver; the F1 Jim Clark is not NASCAR's.
    montoya = await real_store.read(
        _rows,
        """SELECT group_concat(DISTINCT s.family) FROM results x JOIN races r ON r.id = x.race_id
           JOIN series s ON s.id = r.series_id JOIN drivers d ON d.id = x.driver_id WHERE d.f1db_id = 'juan-pablo-montoya'""",
    )
    assert set(montoya[0][0].split(",")) == {"nascar", "f1"}
    clark = await real_store.read(
        _rows,
        """SELECT d.name, group_concat(DISTINCT s.family) FROM results x JOIN races r ON r.id = x.race_id
           JOIN series s ON s.id = r.series_id JOIN drivers d ON d.id = x.driver_id
           WHERE d.name LIKE 'Jim Clark%' GROUP BY d.name ORDER BY d.name""",
    )
    assert clark == [("Jim Clark", "nascar"), ("Jim Clark (1936)", "f1")]
    teams = await real_store.read(
        _rows, "SELECT f1db_id, name FROM teams WHERE f1db_id IN ('lotus', 'lotus-f1', 'red-bull') ORDER BY f1db_id"
    )
    assert teams == [("lotus", "Team Lotus"), ("lotus-f1", "Lotus F1 Team"), ("red-bull", "Red Bull")]
    makes = await real_store.read(_rows, f"SELECT DISTINCT x.make FROM results x {F1} WHERE r.season = 2024 ORDER BY x.make")
    assert makes == [("Ferrari",), ("Honda RBPT",), ("Mercedes",), ("Renault",)]


async def test_series_properties(real_store):
    series = await real_store.read(
        _rows,
        "SELECT key, name, short_name, family, time_zone, has_stages, car_number_lookup, team_label "
        "FROM series ORDER BY display_order",
    )
    assert series == [
        ("cup", "NASCAR Cup Series", "Cup", "nascar", "America/New_York", 1, 1, "Team"),
        ("xfinity", "NASCAR Xfinity Series", "Xfinity", "nascar", "America/New_York", 1, 1, "Team"),
        ("truck", "NASCAR Craftsman Truck Series", "Truck", "nascar", "America/New_York", 1, 1, "Team"),
        ("f1", "Formula 1", "F1", "f1", "UTC", 0, 0, "Constructor"),
    ]


# ------------------------------------------------------------------ the migration on an existing database

def _upto(version: int) -> Iterator[tuple[int, str, str]]:
    return (migration for migration in bundled_migrations() if migration[0] <= version)


async def test_migration_keeps_tracks_and_what_references_them(tmp_path: Path):
    """0012 rebuilds tracks (a CHECK cannot be altered): ids, aliases and the races on them survive."""
    path = tmp_path / "old.db"
    async with Store.open(path, migrations=_upto(11)) as store, store.transaction() as conn:
        await conn.execute("INSERT INTO series (id, key, name, short_name) VALUES (1, 'cup', 'NASCAR Cup Series', 'Cup')")
        await conn.execute("INSERT INTO tracks (id, name, kind, length_mi) VALUES (7, 'Watkins Glen International', 'road', 2.4)")
        await conn.execute("INSERT INTO track_aliases (alias, track_id) VALUES ('the glen', 7)")
        await conn.execute(
            "INSERT INTO races (id, series_id, season, round, name, track_id, kind, status, source) "
            "VALUES (3, 1, 2024, 20, 'Go Bowling at The Glen', 7, 'road', 'official', 'history')"
        )
    async with Store.open(path) as store:
        assert await store.schema_version() == len(bundled_migrations())
        assert [tuple(row) for row in await store.fetchall("SELECT alias, track_id FROM track_aliases")] == [("the glen", 7)]
        assert [tuple(row) for row in await store.fetchall("SELECT id, track_id FROM races")] == [(3, 7)]
        assert await store.scalar("SELECT kind FROM tracks WHERE id = 7") == "road"
        assert list(await store.fetchall("PRAGMA foreign_key_check")) == []
