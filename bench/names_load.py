"""The name index's load, part by part: what the bot pays at start and after any names change.

    python bench/names_load.py --database PATH [--runs 5]

Reads every part of `NameIndex` (db/names.py) in one read transaction, as `NameIndex.load` does, `--runs` times,
each with an empty `normalize` cache (as in a fresh process), and prints each part's CPU time (min and median,
ms) and the whole load's CPU and wall time. CPU time, because the machine is shared: compare runs made side by side.
The database is opened read-only and never written.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from pathlib import Path

from db import names
from db.snapshot import Snapshot, SyncStore


def timed_load(snapshot: Snapshot) -> tuple[dict[str, float], float, float]:
    """Each part's CPU ms, then the whole load's CPU and wall ms, reading from `snapshot`."""
    index = names.NameIndex.read(snapshot)
    parts = {}
    started_cpu, started_wall = time.process_time(), time.perf_counter()
    for part in names.NameIndex._PARTS:
        before = time.process_time()
        getattr(index, part)
        parts[part] = (time.process_time() - before) * 1000
    return parts, (time.process_time() - started_cpu) * 1000, (time.perf_counter() - started_wall) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", type=Path, required=True)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    parts: dict[str, list[float]] = {part: [] for part in names.NameIndex._PARTS}
    cpu: list[float] = []
    wall: list[float] = []
    for _ in range(args.runs):
        names.normalize.cache_clear()
        with SyncStore.open(args.database) as store:
            run_parts, run_cpu, run_wall = asyncio.run(store.read(timed_load))
        for part, ms in run_parts.items():
            parts[part].append(ms)
        cpu.append(run_cpu)
        wall.append(run_wall)
    print(f"{'part':20s} {'min':>8s} {'median':>8s}  (CPU ms, {args.runs} runs)")
    for part, samples in parts.items():
        print(f"{part:20s} {min(samples):8.1f} {statistics.median(samples):8.1f}")
    print(f"{'whole load (CPU)':20s} {min(cpu):8.1f} {statistics.median(cpu):8.1f}")
    print(f"{'whole load (wall)':20s} {min(wall):8.1f} {statistics.median(wall):8.1f}")


if __name__ == "__main__":
    main()
