"""The terminal console's cold start: `pitboard ask "/winner mid-ohio"` next to its floor, a Python process that
imports sqlite3 and rapidfuzz and runs one query answering the same question on the same database file.

Both run as fresh processes, alternating run by run (a shared machine's load hits both alike); prints each one's
wall and CPU time (min / median / max) and the ratios of the medians. Target: wall median ≤ 1.5× the floor.
Also prints what `pitboard ask` and `pitboard db build` spend importing modules (`python -X importtime`) and checks
that neither loads discord.py, aiohttp, asyncpraw or matplotlib. Asserts nothing; run with `make bench`.

    python bench/console.py [--runs 20] [--db PATH]

Without --db it builds the bundled history into a temporary directory first (with `pitboard db build`, whose
imports it measures). Bytecode is written and used as on any installed copy (PYTHONDONTWRITEBYTECODE is unset
for the measured processes, and one untimed run of each comes first).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from time import perf_counter

TARGET = 1.5
HEAVY = ("discord", "aiohttp", "asyncpraw", "matplotlib")
QUESTION = "/winner mid-ohio"
PITBOARD = Path(sys.executable).with_name("pitboard")

# The floor's one query: the latest race of each series at Mid-Ohio with what the answer shows (race, winner, car,
# team, make, start, laps led of laps run, pole-sitter), by hand-written SQL on the same file.
FLOOR_SQL = """
SELECT s.name, r.season, r.round, r.name, d.name, x.car_number, tm.name, x.make, x.start, x.laps_led, r.actual_laps,
       (SELECT pd.name FROM results p JOIN drivers pd ON pd.id = p.driver_id WHERE p.race_id = r.id AND p.start = 1)
FROM races r
JOIN series s ON s.id = r.series_id
JOIN tracks t ON t.id = r.track_id
JOIN results x ON x.race_id = r.id AND x.finish = 1
JOIN drivers d ON d.id = x.driver_id
LEFT JOIN teams tm ON tm.id = x.team_id
WHERE t.name = 'Mid-Ohio Sports Car Course' AND r.status != 'scheduled'
  AND r.season = (SELECT max(o.season) FROM races o WHERE o.track_id = r.track_id AND o.series_id = r.series_id
                  AND o.status != 'scheduled')
ORDER BY r.season DESC, r.round DESC
"""
FLOOR = f"import sqlite3, rapidfuzz, sys; print(sqlite3.connect(sys.argv[1]).execute({FLOOR_SQL!r}).fetchall())"


@dataclass
class Timings:
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)

    def line(self, name: str) -> str:
        def spread(samples: list[float]) -> str:
            return " / ".join(f"{value * 1000:5.0f}" for value in (min(samples), statistics.median(samples), max(samples)))

        return f"{name:<30} wall ms {spread(self.wall)}   CPU ms {spread(self.cpu)}"


def environment(db_path: Path) -> dict[str, str]:
    measured = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    return {**measured, "PITBOARD_DB": str(db_path)}


def timed_run(command: list[str], env: dict[str, str], into: Timings) -> str:
    """Run one fresh process; record its wall time and the CPU time (user + system) it used."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    into.wall.append(perf_counter() - started)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    into.cpu.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return done.stdout


def import_profile(command: list[str], env: dict[str, str]) -> tuple[float, set[str]]:
    """Milliseconds spent importing (`-X importtime`: the sum of the top-level imports) and the packages loaded."""
    done = subprocess.run(command, env={**env, "PYTHONPROFILEIMPORTTIME": "1"}, capture_output=True, text=True, check=True)
    total_us, packages = 0, set()
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        _, cumulative, name = line.removeprefix("import time:").split("|")
        packages.add(name.strip().partition(".")[0])
        if not name.startswith("  "):  # a top-level import: its cumulative time includes everything below it
            total_us += int(cumulative)
    return total_us / 1000, packages


def heavy_in(packages: set[str]) -> str:
    loaded = sorted(packages.intersection(HEAVY))
    return "loads " + ", ".join(loaded) if loaded else "none of " + ", ".join(HEAVY)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=20, help="runs of each, alternating (default 20)")
    parser.add_argument("--db", type=Path, help="a built database (default: build one in a temporary directory)")
    args = parser.parse_args()
    print(f"load average {' '.join(f'{load:.1f}' for load in os.getloadavg())}, {os.cpu_count()} CPUs\n")
    with tempfile.TemporaryDirectory() as scratch:
        db_path = args.db or Path(scratch) / "pitboard.db"
        env = environment(db_path)
        if args.db is None:
            started = perf_counter()
            build_imports, build_packages = import_profile([str(PITBOARD), "db", "build"], env)
            print(f"pitboard db build: built the bundled history in {perf_counter() - started:.1f} s")
        else:
            copy = Path(scratch) / "copy.db"
            copy.write_bytes(db_path.read_bytes())
            build_imports, build_packages = import_profile([str(PITBOARD), "db", "build"], environment(copy))
        ask = [str(PITBOARD), "ask", QUESTION]
        ask_imports, ask_packages = import_profile(ask, env)
        floor = [sys.executable, "-c", FLOOR, str(db_path)]
        floor_imports, _ = import_profile(floor, env)
        print(f"imports: pitboard ask {ask_imports:.0f} ms ({heavy_in(ask_packages)}); "
              f"pitboard db build {build_imports:.0f} ms ({heavy_in(build_packages)}); floor {floor_imports:.0f} ms\n")

        pitboard, raw = Timings(), Timings()
        answer = timed_run(ask, env, Timings())   # untimed: writes bytecode, warms the page cache
        timed_run(floor, env, Timings())
        for _ in range(args.runs):
            timed_run(ask, env, pitboard)
            timed_run(floor, env, raw)
    if "Winner:" not in answer:
        sys.exit(f"pitboard ask did not answer: {answer!r}")
    print(pitboard.line(f'pitboard ask "{QUESTION}"'))
    print(raw.line("floor: sqlite3 + rapidfuzz + 1 query"))
    wall = statistics.median(pitboard.wall) / statistics.median(raw.wall)
    cpu = statistics.median(pitboard.cpu) / statistics.median(raw.cpu)
    verdict = "ok" if wall <= TARGET else "MISSED"
    print(f"\nratio of medians: wall {wall:.2f}× (target ≤ {TARGET}×: {verdict}), CPU {cpu:.2f}×  ({args.runs} runs each)")


if __name__ == "__main__":
    main()
