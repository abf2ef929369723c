"""Charts: Discord-sized PNGs, None when there is nothing to draw, hostile names, thread safety."""

from __future__ import annotations

import struct
import subprocess
import sys
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from bot.render.charts import driver_chart, safe_label, standings_chart
from db.models import DriverCareer, SeasonLine, SeriesCareer, StandingRow, Standings

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
HOSTILE_NAMES = [
    "$x^2$",
    "$\\frac{$",                    # invalid mathtext: raises if names were parsed as math
    "Dale_Earnhardt_Jr",
    "back\\slash \\n",
    "Kyle 🏁 Busch 👨‍👩‍👧",
    "line\nbreak\ttab\x00nul",
    "x" * 500,
]


def image_size(png: bytes) -> tuple[int, int]:
    """Width and height from the IHDR chunk, which PNG requires first."""
    assert png[:8] == PNG_SIGNATURE
    assert png[12:16] == b"IHDR"
    return struct.unpack(">II", png[16:24])


def season(year: int, starts: int = 36, wins: int = 0, top10: int = 0) -> SeasonLine:
    return SeasonLine(year, starts, wins, top5=max(wins, top10 // 2), top10=top10)


def series(key: str, seasons: list[SeasonLine]) -> SeriesCareer:
    years = [line.season for line in seasons] or [2000]
    return SeriesCareer(
        series=key, series_name=f"NASCAR {key.title()} Series",
        starts=sum(line.starts for line in seasons), wins=sum(line.wins for line in seasons),
        top5=sum(line.top5 for line in seasons), top10=sum(line.top10 for line in seasons),
        poles=0, laps_led=0, avg_start=None, avg_finish=None, dnfs=0, avg_rating=None, rated=0,
        first_season=min(years), last_season=max(years), first_win=None, latest_win=None, seasons=seasons,
    )


def career(name: str = "Kyle Larson", **by_series: list[SeasonLine]) -> DriverCareer:
    return DriverCareer(name, {key: series(key, lines) for key, lines in by_series.items()})


def long_career() -> DriverCareer:
    """62 Cup seasons plus Xfinity and Truck stints, with a gap year."""
    return career(
        "Ironman",
        cup=[season(year, 30, year % 4, year % 20) for year in range(1960, 2022) if year != 1990],
        xfinity=[season(year, 20, 1, 9) for year in range(1982, 2000)],
        truck=[season(year, 5, 0, 2) for year in range(1995, 2010)],
    )


def standings(progression: dict[str, list[int]]) -> Standings:
    """Rows ranked by final points, so the table order differs from the progression's."""
    final = {name: points[-1] for name, points in progression.items()}
    ranked = sorted(final, key=lambda name: -final[name])
    rows = [
        StandingRow(i, name, final[name], 36, 1, 5, 10, 100, final[ranked[0]] - final[name])
        for i, name in enumerate(ranked, start=1)
    ]
    races = len(next(iter(progression.values())))
    return Standings("cup", "NASCAR Cup Series", 2024, races, rows, progression, "note")


def season_progression(drivers: int = 8, races: int = 36) -> dict[str, list[int]]:
    return {
        f"Driver {d}": [(race + 1) * (40 - d) + (race * d) % 7 for race in range(races)]
        for d in range(drivers)
    }


def test_driver_chart_of_one_season_is_a_discord_sized_png():
    png = driver_chart(career(cup=[season(2024, 36, 2, 15)]))
    assert image_size(png) == (1000, 500)
    assert len(png) < 200_000


def test_driver_chart_spanning_62_seasons_in_three_series():
    png = driver_chart(long_career())
    assert image_size(png) == (1000, 500)
    assert len(png) < 200_000


@pytest.mark.parametrize("empty", [
    career(),
    career(cup=[]),
    career(cup=[season(2020, starts=0)], truck=[]),
])
def test_driver_chart_is_none_without_starts(empty):
    assert driver_chart(empty) is None


def test_standings_chart_is_a_discord_sized_png():
    png = standings_chart(standings(season_progression()))
    assert image_size(png) == (1000, 500)
    assert len(png) < 200_000


def test_standings_chart_of_one_race():
    assert image_size(standings_chart(standings({"Only Driver": [40]}))) == (1000, 500)


@pytest.mark.parametrize("progression", [{}, {"Driver": []}])
def test_standings_chart_is_none_without_races(progression):
    empty = Standings("cup", "NASCAR Cup Series", 2024, 0, [], progression, "note")
    assert standings_chart(empty) is None


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_driver_chart_draws_any_name_without_warnings(name):
    assert image_size(driver_chart(career(name, cup=[season(2024, 36, 1, 9)]))) == (1000, 500)


@pytest.mark.filterwarnings("error")
def test_standings_chart_draws_any_names_without_warnings():
    progression = {name: [10 * i, 20 * i] for i, name in enumerate(HOSTILE_NAMES, start=1)}
    assert image_size(standings_chart(standings(progression))) == (1000, 500)


@pytest.mark.parametrize(("name", "label"), [
    ("$x^2$", "$x^2$"),
    ("back\\slash", "back\\slash"),
    ("Kyle 🏁🏁 Busch", "Kyle □ Busch"),
    ("  line\nbreak\t\x00 ", "line break"),
    ("x" * 500, "x" * 39 + "…"),
])
def test_safe_label(name, label):
    assert safe_label(name) == label


def test_concurrent_renders_match_sequential_ones():
    driver = career(cup=[season(year, 36, year % 3, year % 17) for year in range(2010, 2025)])
    table = standings(season_progression())
    expected = {"driver": driver_chart(driver), "standings": standings_chart(table)}
    jobs = [("driver", driver_chart, driver), ("standings", standings_chart, table)] * 2
    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        futures = [(kind, pool.submit(render, answer)) for kind, render, answer in jobs]
        for kind, future in futures:
            assert future.result() == expected[kind]


def test_rendering_leaves_matplotlib_and_warnings_settings_alone():
    import matplotlib

    rc_before, filters_before = dict(matplotlib.rcParams), list(warnings.filters)
    driver_chart(career(cup=[season(2024, 36, 1, 9)]))
    standings_chart(standings(season_progression(drivers=2, races=3)))
    assert dict(matplotlib.rcParams) == rc_before
    assert warnings.filters == filters_before


def test_import_is_lazy_and_pyplot_never_loads():
    script = (
        "import sys\n"
        "from bot.render.charts import standings_chart\n"
        "from db.models import Standings\n"
        "assert 'matplotlib' not in sys.modules, 'matplotlib imported at module load'\n"
        "standings_chart(Standings('cup', 'Cup', 2024, 1, [], {'A': [1]}, ''))\n"
        "assert 'matplotlib.pyplot' not in sys.modules, 'pyplot imported'\n"
    )
    root = Path(__file__).resolve().parent.parent
    subprocess.run([sys.executable, "-c", script], cwd=root, check=True, timeout=60)
