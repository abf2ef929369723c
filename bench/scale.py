"""Scale benchmark: the bundled history at N× (testkit/synthetic.py), built, loaded and queried. Run with `make scale`.

    python bench/scale.py [--factors 1 2 5 10] [--repeat 200]

Each factor runs in a fresh process, so its peak RSS (build + name index + queries) is its own.
Prints build time, file size, result rows and the p99 of query + rendering per command (as `make bench`
measures them; F1's commands too, over the bundled F1 history built beside the scaled NASCAR one) for every
factor, how each figure grew from the smallest factor to the largest, the machine's load after each factor, and
PASS/FAIL against the 10× targets; writes the table to bench/out/scale.md and a chart to bench/out/scale.png.
Exits with status 1 if a target fails.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import sys
import tempfile
from collections.abc import Awaitable, Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from bench import DISCORD_RENDERINGS, Stopwatch, Timing, bench_queries
from bot.render import embeds, text
from db import queries
from db.models import TeamRecord
from db.store import Store
from testkit.synthetic import build_synthetic

OUT = Path(__file__).resolve().parent / "out"
TARGET_FACTOR = 10
HISTORY_COMMANDS = ("winner", "results", "driver", "track", "standings", "h2h")   # the ones the history answers alone
# F1's commands, over the bundled F1 history (1×) in the same store as the scaled NASCAR one: the name index and the
# tables they read are the scaled ones. Cycled through like bench.py's cases; 2019 raced at every circuit here.
F1_CIRCUITS = ["monza", "silverstone", "spa", "monaco", "suzuka", "interlagos"]
F1_DRIVERS = ["Max Verstappen", "Ayrton Senna", "Michael Schumacher", "Lewis Hamilton"]
F1_TEAMS = ["ferrari", "mclaren", "williams", "red bull"]
F1_CASES: dict[str, Callable[[Store, int], Awaitable[object]]] = {
    "/winner f1": lambda store, i: queries.winner(store, F1_CIRCUITS[i % len(F1_CIRCUITS)], series="f1"),
    "/results f1": lambda store, i: queries.results(store, F1_CIRCUITS[i % len(F1_CIRCUITS)], 2019, "f1"),
    "/driver f1": lambda store, i: queries.driver(store, F1_DRIVERS[i % len(F1_DRIVERS)]),
    "/track f1": lambda store, i: queries.track(store, F1_CIRCUITS[i % len(F1_CIRCUITS)], "f1"),
    "/team f1": lambda store, i: queries.team(store, F1_TEAMS[i % len(F1_TEAMS)], "f1"),
}
# p99 at TARGET_FACTOR; F1's the same as NASCAR's (a team's record is a career record, like /driver's).
TARGETS_MS = {
    "/winner": 5.0, "/results": 5.0, "/driver": 50.0, "/track": 50.0,
    "/winner f1": 5.0, "/results f1": 5.0, "/driver f1": 50.0, "/track f1": 50.0, "/team f1": 50.0,
}
QUERY_CASES = [f"/{name}" for name in HISTORY_COMMANDS] + list(F1_CASES)
F1_EMBEDS = {**DISCORD_RENDERINGS, TeamRecord: embeds.team}


@dataclass(frozen=True)
class ScaleFigures:
    factor: int
    build_s: float
    size_mb: float
    result_rows: int
    p99_ms: dict[str, float]
    name_index_ms: float
    peak_rss_mb: float

    def cells(self) -> list[float]:
        return [self.build_s, self.size_mb, self.result_rows, *self.p99_ms.values(), self.name_index_ms, self.peak_rss_mb]


HEADER = ["factor", "build s", "MB", "rows", *(f"{name} p99" for name in QUERY_CASES), "names ms", "peak RSS MB"]


def measure(factor: int, repeat: int) -> ScaleFigures:
    """Build the factor× history in a scratch directory and benchmark it (runs in its own process)."""
    return asyncio.run(_measure(factor, repeat))


async def _measure(factor: int, repeat: int) -> ScaleFigures:
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / f"scale-{factor}x.db"
        build = await build_synthetic(path, factor)
        figures = await bench_queries(path, repeat, HISTORY_COMMANDS)
        f1_p99_ms = await _f1_p99_ms(path, repeat)
    p99_ms = {f"/{name}": command.discord.p99_ms for name, command in figures.commands.items()} | f1_p99_ms
    return ScaleFigures(
        factor, build.seconds, build.size_bytes / 1e6, build.counts["results"], p99_ms,
        figures.name_index_ms, figures.peak_rss_mb,
    )


async def _f1_p99_ms(path: Path, repeat: int) -> dict[str, float]:
    """Query + rendering (terminal text and Discord embed) p99 of each F1 case, after one warm run of each."""
    p99_ms = {}
    async with Store.open(path) as store:
        for name, ask in F1_CASES.items():
            for i in range(len(F1_CIRCUITS)):
                await ask(store, i)
            samples: list[tuple[float, float]] = []
            for i in range(repeat):
                with Stopwatch(samples):
                    answer = await ask(store, i)
                    text.render(answer)
                    F1_EMBEDS[type(answer)](answer)
            p99_ms[name] = Timing.of(samples).p99_ms
    return p99_ms


def _format(value: float) -> str:
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:.1f}" if value >= 10 else f"{value:.2f}"


def markdown_table(runs: list[ScaleFigures]) -> str:
    """One row per factor, then the growth of every figure from the smallest factor to the largest."""
    rows = [[f"{run.factor}×", *map(_format, run.cells())] for run in runs]
    if len(runs) > 1:
        first, last = runs[0], runs[-1]
        label = f"growth {first.factor}×→{last.factor}×"
        rows.append([label, *(f"×{b / a:.1f}" if a else "–" for a, b in zip(first.cells(), last.cells(), strict=True))])
    widths = [max(len(row[i]) for row in [HEADER, *rows]) for i in range(len(HEADER))]
    lines = [HEADER, ["-" * width for width in widths], *rows]
    return "\n".join("| " + " | ".join(cell.rjust(width) for cell, width in zip(line, widths, strict=True)) + " |"
                     for line in lines)


def verdicts(runs: list[ScaleFigures]) -> list[tuple[str, bool]]:
    """PASS/FAIL lines for the targets, checked on the TARGET_FACTOR run."""
    target_runs = [run for run in runs if run.factor == TARGET_FACTOR]
    if not target_runs:
        return [(f"targets are checked at {TARGET_FACTOR}×, which was not run", True)]
    run = target_runs[0]
    checks = []
    for name, limit in TARGETS_MS.items():
        ok = run.p99_ms[name] <= limit
        figure = f"p99 {run.p99_ms[name]:6.2f} ms at {TARGET_FACTOR}× (target ≤ {limit:g} ms)"
        line = f"{'PASS' if ok else 'FAIL'}  {name:12s} {figure}"
        checks.append((line, ok))
    return checks


def plot(runs: list[ScaleFigures], path: Path) -> None:
    import matplotlib  # imported here, so the measuring processes never load it

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(8, 5))
    factors = [run.factor for run in runs]
    for name in QUERY_CASES:
        axes.plot(factors, [run.p99_ms[name] for run in runs], marker="o", label=name)
    for limit in sorted(set(TARGETS_MS.values())):
        commands = " ".join(name for name, value in TARGETS_MS.items() if value == limit)
        axes.axhline(limit, color="grey", linestyle=":", linewidth=1)
        axes.annotate(f"{commands} ≤ {limit:g} ms at {TARGET_FACTOR}×", (factors[0], limit), textcoords="offset points",
                      xytext=(2, 3), fontsize=8, color="grey")
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xticks(factors)
    axes.set_xticklabels([f"{factor}×" for factor in factors])
    axes.minorticks_off()
    axes.set_xlabel("history size (× the bundled history)")
    axes.set_ylabel("p99, ms")
    axes.set_title("Pitboard query + render p99 vs history size")
    axes.grid(True, alpha=0.3)
    axes.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--factors", type=int, nargs="+", default=[1, 2, 5, 10])
    parser.add_argument("--repeat", type=int, default=200, help="runs of each command per factor")
    args = parser.parse_args()
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs; query + render p99 in ms, {args.repeat} runs each\n")
    runs, loads = [], []
    for factor in sorted(set(args.factors)):
        print(f"  {factor}× …", end=" ", flush=True)
        with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as fresh_process:
            run = fresh_process.submit(measure, factor, args.repeat).result()
        loads.append(f"{factor}× {' / '.join(f'{load:.1f}' for load in os.getloadavg())}")
        print(f"built {run.result_rows:,} result rows in {run.build_s:.1f} s")
        runs.append(run)
    table = markdown_table(runs)
    checks = verdicts(runs)
    machine = f"machine load (1 / 5 / 15-minute averages, {os.cpu_count()} CPUs) after each factor: " + "; ".join(loads)
    print("\n" + table + "\n")
    print("\n".join(line for line, _ in checks))
    print(machine)
    OUT.mkdir(exist_ok=True)
    (OUT / "scale.md").write_text(
        table + "\n\n" + "\n".join(f"- {line}" for line, _ in checks) + f"\n\n{machine}\n", encoding="utf-8")
    plot(runs, OUT / "scale.png")
    print(f"\nwrote {OUT / 'scale.md'} and {OUT / 'scale.png'}")
    sys.exit(0 if all(ok for _, ok in checks) else 1)


if __name__ == "__main__":
    main()
