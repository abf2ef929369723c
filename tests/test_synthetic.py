"""The scale benchmark's synthetic history (testkit/synthetic.py) has the real history's shape, N× over."""

from __future__ import annotations

from collections import Counter, defaultdict
from itertools import takewhile

from db.build import build_database
from db.history import read_series_rows
from db.store import Store
from testkit.synthetic import synthetic_rows

FACTOR = 2
CUP = "r.series_id = (SELECT id FROM series WHERE key = 'cup')"
RESULT_LINE = ("Finish", "Start", "Laps", "Led", "Status", "Pts", "S1", "S2")


def real_slice() -> list[dict[str, str]]:
    """Cup 1949–1950: 27 races, enough to repeat seasons without reading the whole history."""
    return list(takewhile(lambda row: int(row["Season"]) <= 1950, read_series_rows("cup")))


def races(rows) -> dict[tuple[int, int], list[dict[str, str]]]:
    by_race = defaultdict(list)
    for row in rows:
        by_race[(int(row["Season"]), int(row["Race"]))].append(row)
    return by_race


def test_every_race_is_repeated_with_the_same_field():
    real = races(real_slice())
    synthetic = races(synthetic_rows("cup", real_slice(), FACTOR))
    assert len(synthetic) == FACTOR * len(real)
    races_in_season = Counter(season for season, _ in real)
    for (season, round_), real_rows in real.items():
        for copy in range(FACTOR):
            rows = synthetic[(season, copy * races_in_season[season] + round_)]
            assert {row["Track"] for row in rows} == {real_rows[0]["Track"]}
            assert [tuple(row[c] for c in RESULT_LINE) for row in rows] == [
                tuple(row[c] for c in RESULT_LINE) for row in real_rows
            ]
            assert sorted(row["Driver"] for row in rows) == sorted(row["Driver"] for row in real_rows)
            assert [row["Finish"] for row in rows].count("1") == 1


def winner(rows: list[dict[str, str]]) -> str:
    return next(row["Driver"] for row in rows if row["Finish"] == "1")


def test_copies_reorder_the_field_deterministically():
    real = races(real_slice())
    assert races(synthetic_rows("cup", real_slice(), 1)) == real  # copy 0 is the real race
    synthetic = races(synthetic_rows("cup", real_slice(), FACTOR))
    assert races(synthetic_rows("cup", real_slice(), FACTOR)) == synthetic
    real_wins = Counter(winner(rows) for rows in real.values())
    synthetic_wins = Counter(winner(rows) for rows in synthetic.values())
    assert synthetic_wins != Counter({driver: FACTOR * wins for driver, wins in real_wins.items()})


async def test_built_database_has_n_times_the_races_per_track_and_starts_per_driver(tmp_path, history_subset):
    """F1 comes from the suite's few-season history (history_subset): the synthetic rows replace only Cup's."""
    counts = {}
    for factor in (1, FACTOR):
        path = tmp_path / f"synthetic-{factor}.db"
        await build_database(path, show_progress=False, rows_by_series=[("cup", synthetic_rows("cup", real_slice(), factor))])
        async with Store.open(path) as store:
            counts[factor] = {
                # The synthetic history is Cup's; F1's is built beside it, once, whatever N.
                "races per track": dict(await store.fetchall(
                    "SELECT t.name, count(*) FROM races r JOIN tracks t ON t.id = r.track_id"
                    f" WHERE {CUP} GROUP BY t.name")),
                "starts per driver": dict(await store.fetchall(
                    "SELECT d.name, count(*) FROM results x JOIN drivers d ON d.id = x.driver_id"
                    f" JOIN races r ON r.id = x.race_id WHERE {CUP} GROUP BY d.name")),
                "winners per race": {n for (n,) in await store.fetchall(
                    "SELECT count(x.id) FROM races r LEFT JOIN results x ON x.race_id = r.id AND x.finish = 1"
                    f" WHERE {CUP} GROUP BY r.id")},
            }
    for figure in ("races per track", "starts per driver"):
        assert counts[FACTOR][figure] == {name: FACTOR * n for name, n in counts[1][figure].items()}
    assert counts[FACTOR]["winners per race"] == {1}
