"""Pitboard benchmarks: prints figures, asserts nothing. Run with `make bench`.

    python bench/bench.py discord    slash commands/s and latency through the real client and the fake Discord,
                                     cold start to ready, RSS of the bot process
    python bench/bench.py queries    p50/p99 of every query on the bundled history

The Discord run starts the bot as its own process (bench/discord_bot_process.py, the real `run_bot`)
and the fake Discord in this one, so the two share the machine's cores as a real host would.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import resource
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))  # the fake Discord lives with the tests

from bot.render import embeds, text  # noqa: E402
from db import queries  # noqa: E402
from db.models import DriverCareer, HeadToHead, RaceResults, Standings, TrackRecord, WinnerAnswer  # noqa: E402
from db.build import build_database  # noqa: E402
from db.store import Store  # noqa: E402

DISCORD_RENDERINGS = {
    WinnerAnswer: embeds.winner, RaceResults: embeds.results_pages, DriverCareer: embeds.driver,
    TrackRecord: embeds.track, Standings: embeds.standings, HeadToHead: embeds.h2h,
}
WINNER_TRACKS = ["mid-ohio", "dega", "daytona", "the glen", "bristol", "richmond", "cota", "martinsville", "pocono", "sonoma"]


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def rss_mb(pid: int, field: str = "VmHWM") -> float:
    """Peak (VmHWM) or current (VmRSS) resident memory of a process, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def bench_discord(db_path: Path, commands: int, concurrency: int, rate: int, seconds: int) -> None:
    from fakes.discord_server import FakeDiscord

    async with FakeDiscord() as fake:
        started = time.perf_counter()
        process = await asyncio.create_subprocess_exec(
            sys.executable, str(ROOT / "bench" / "discord_bot_process.py"), fake.base_url, fake.gateway_url, fake.token, str(db_path),
            stdout=asyncio.subprocess.PIPE, cwd=ROOT,
        )
        line = (await asyncio.wait_for(process.stdout.readline(), timeout=60)).decode().split()
        ready_wall = time.perf_counter() - started
        in_process_ready = float(line[1])
        first = await fake.send_slash_command("winner", {"track": "mid-ohio"})
        await first.response(timeout=10)
        first_answer = time.perf_counter() - started
        rss_ready = rss_mb(process.pid, "VmRSS")

        await _closed_loop(fake, 200, concurrency)  # warm-up
        latencies, elapsed = await _closed_loop(fake, commands, concurrency)
        paced = await _open_loop(fake, rate, seconds)
        peak = rss_mb(process.pid)
        process.terminate()
        exit_code = await asyncio.wait_for(process.wait(), timeout=30)

    print("Discord (real discord.py client in its own process ↔ fake Discord on 127.0.0.1)")
    print(f"  cold start to READY           {ready_wall:6.2f} s   (imports included; {in_process_ready:.2f} s measured inside the bot)")
    print(f"  cold start to first answer    {first_answer:6.2f} s")
    print(f"  RSS at ready / peak           {rss_ready:6.0f} MB / {peak:.0f} MB")
    print(f"  saturated: {commands} commands, {concurrency} in flight (3 /winner : 1 /results)")
    print(f"    throughput                  {commands / elapsed:6.0f} commands/s")
    print(f"    latency p50 / p99           {percentile(latencies, 0.5) * 1000:6.1f} ms / {percentile(latencies, 0.99) * 1000:.1f} ms")
    print(f"  sustained: {rate} commands/s for {seconds} s, sent on a fixed schedule")
    print(f"    answered                    {len(paced)} of {rate * seconds}")
    print(f"    latency p50 / p99           {percentile(paced, 0.5) * 1000:6.1f} ms / {percentile(paced, 0.99) * 1000:.1f} ms")
    print(f"  exit status after SIGTERM     {exit_code}")


async def _one_command(fake, n: int) -> float:
    """Send the n-th command of the mix; latency = INTERACTION_CREATE sent → callback received."""
    track = WINNER_TRACKS[n % len(WINNER_TRACKS)]
    sent = time.perf_counter()
    if n % 4 == 3:
        handle = await fake.send_slash_command("results", {"track": track, "year": 2023})
    else:
        handle = await fake.send_slash_command("winner", {"track": track})
    await handle.response(timeout=30)
    return time.perf_counter() - sent


async def _closed_loop(fake, count: int, concurrency: int) -> tuple[list[float], float]:
    """As fast as the bot answers: `concurrency` commands in flight until `count` are done."""
    latencies: list[float] = []
    queue = list(range(count))

    async def worker() -> None:
        while queue:
            latencies.append(await _one_command(fake, queue.pop()))

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies, time.perf_counter() - started


async def _open_loop(fake, rate: int, seconds: int) -> list[float]:
    """`rate` commands per second on a fixed schedule, whether or not earlier ones were answered."""
    started = time.perf_counter()
    tasks = []
    for n in range(rate * seconds):
        delay = started + n / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(_one_command(fake, n)))
    return list(await asyncio.gather(*tasks))


QUERY_CASES = {
    "/winner": lambda store, i: queries.winner(store, WINNER_TRACKS[i % len(WINNER_TRACKS)]),
    "/results": lambda store, i: queries.results(store, WINNER_TRACKS[i % len(WINNER_TRACKS)], 2023),
    "/driver": lambda store, i: queries.driver(store, ["Kyle Busch", "Richard Petty", "Parker Kligerman", "Joey Logano"][i % 4]),
    "/track": lambda store, i: queries.track(store, WINNER_TRACKS[i % len(WINNER_TRACKS)]),
    "/standings": lambda store, i: queries.standings(store, ["cup", "xfinity", "truck"][i % 3], 2024),
    "/h2h": lambda store, i: queries.h2h(store, "Kyle Busch", ["Kyle Larson", "Denny Hamlin", "Joey Logano"][i % 3]),
}


def render_everywhere(answer) -> None:
    """What a user waits for besides the query: the terminal text and the Discord embed."""
    text.render(answer)
    DISCORD_RENDERINGS[type(answer)](answer)


@dataclass(frozen=True)
class QueryFigures:
    """What `bench_queries` measured: per command, query + rendering latency in ms."""

    db_name: str
    db_mb: float
    repeat: int
    name_index_ms: float
    p50_ms: dict[str, float]
    p99_ms: dict[str, float]
    peak_rss_mb: float


async def bench_queries(db_path: Path, repeat: int) -> QueryFigures:
    """p50/p99 of query + rendering for each command, the name index load, and this process's peak memory."""
    p50s, p99s = {}, {}
    async with Store.open(db_path) as store:
        started = time.perf_counter()
        await store.names()
        name_index_ms = (time.perf_counter() - started) * 1000
        gc.freeze()  # as `pitboard run` does once started
        for name, run in QUERY_CASES.items():
            samples = []
            for i in range(repeat):
                started = time.perf_counter()
                render_everywhere(await run(store, i))
                samples.append(time.perf_counter() - started)
            p50s[name] = percentile(samples, 0.5) * 1000
            p99s[name] = percentile(samples, 0.99) * 1000
    peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return QueryFigures(db_path.name, db_path.stat().st_size / 1e6, repeat, name_index_ms, p50s, p99s, peak_rss_mb)


def print_query_figures(figures: QueryFigures) -> None:
    print(f"Query + render (text and Discord embed) on {figures.db_name} ({figures.db_mb:.0f} MB), {figures.repeat} runs each")
    print(f"  name index load   {figures.name_index_ms:7.1f} ms (once per process)")
    for name, p99 in figures.p99_ms.items():
        print(f"  {name:11s}       p50 {figures.p50_ms[name]:7.2f} ms   p99 {p99:7.2f} ms")
    print(f"  peak memory of this process (build + queries): {figures.peak_rss_mb:.0f} MB")


async def fresh_database(directory: Path) -> Path:
    path = directory / "bench.db"
    started = time.perf_counter()
    await build_database(path, show_progress=False)
    print(f"Built the bundled history in {time.perf_counter() - started:.1f} s ({path.stat().st_size / 1e6:.0f} MB)\n")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", nargs="*", help="queries, discord (default: both)")
    parser.add_argument("--commands", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--rate", type=int, default=300, help="commands/s for the sustained run")
    parser.add_argument("--seconds", type=int, default=10, help="length of the sustained run")
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    args.what = args.what or ["queries", "discord"]
    if set(args.what) - {"queries", "discord"}:
        parser.error("choose from: queries, discord")
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs\n")
    with tempfile.TemporaryDirectory() as scratch:
        db_path = asyncio.run(fresh_database(Path(scratch)))
        if "queries" in args.what:
            print_query_figures(asyncio.run(bench_queries(db_path, args.repeat)))
            print()
        if "discord" in args.what:
            asyncio.run(bench_discord(db_path, args.commands, args.concurrency, args.rate, args.seconds))


if __name__ == "__main__":
    main()
