"""How much one hop from the event loop to a reader thread and back costs, by way of doing it.

    python bench/hop.py [--hops 5000] [--in-flight 1 50] [--rounds 3]

Each way runs the same trivial read (`SELECT 1` on its own sqlite3 connection, in a read transaction as
`Store.read` does) `--hops` times, with 1 hop in flight (a command alone: the latency the query benchmark
sees) and with 50 in flight (the Discord benchmark's load), and prints CPU and wall-clock µs per hop, best of
`--rounds`. "on the loop" is the floor (no hop at all), which item 1 of issue 8 rules out for commands.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import queue
import sqlite3
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from db.store import Snapshot, _ReaderPool


def trivial_read(snapshot: Snapshot) -> Any:
    return snapshot.scalar("SELECT 1")


def connect(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path, isolation_level=None, check_same_thread=False)


def in_snapshot(conn: sqlite3.Connection) -> Any:
    conn.execute("BEGIN")
    try:
        return trivial_read(Snapshot(conn))
    finally:
        conn.execute("COMMIT")


class PerResultWakeup:
    """The way before issue 8's item 10: N threads on one SimpleQueue, one call_soon_threadsafe per result."""

    def __init__(self, path: Path, threads: int):
        self._tasks: queue.SimpleQueue = queue.SimpleQueue()
        self._threads = [threading.Thread(target=self._serve, args=(path,), daemon=True) for _ in range(threads)]
        for thread in self._threads:
            thread.start()

    def _serve(self, path: Path) -> None:
        conn = connect(path)
        while (task := self._tasks.get()) is not None:
            loop, future = task
            loop.call_soon_threadsafe(_settle, future, in_snapshot(conn))
        conn.close()

    async def hop(self) -> Any:
        future = asyncio.get_running_loop().create_future()
        self._tasks.put((asyncio.get_running_loop(), future))
        return await future

    def close(self) -> None:
        for _ in self._threads:
            self._tasks.put(None)
        for thread in self._threads:
            thread.join()


def _settle(future: asyncio.Future, value: Any) -> None:
    if not future.cancelled():
        future.set_result(value)


async def measure(hop: Callable[[], Awaitable[Any]], hops: int, in_flight: int) -> tuple[float, float]:
    """CPU and wall-clock µs per hop, `in_flight` hops at a time."""
    remaining = hops

    async def worker() -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            await hop()

    cpu, wall = time.process_time(), time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(in_flight)))
    return (time.process_time() - cpu) / hops * 1e6, (time.perf_counter() - wall) / hops * 1e6


async def compare(path: Path, hops: int, in_flight: list[int], rounds: int) -> None:
    loop = asyncio.get_running_loop()
    loop_conn = connect(path)
    executor_conn = connect(path)
    executor = ThreadPoolExecutor(1)
    per_result_1, per_result_2 = PerResultWakeup(path, 1), PerResultWakeup(path, 2)
    pools = {threads: _ReaderPool(path, threads, loop) for threads in (1, 2)}

    async def on_the_loop() -> Any:
        return in_snapshot(loop_conn)

    ways: dict[str, Callable[[], Awaitable[Any]]] = {
        "on the loop (no hop: the floor)": on_the_loop,
        "run_in_executor, 1 thread": lambda: loop.run_in_executor(executor, in_snapshot, executor_conn),
        "SimpleQueue, wakeup per result, 1 thread": per_result_1.hop,
        "SimpleQueue, wakeup per result, 2 threads": per_result_2.hop,
        "Store's pool (batched wakeups), 1 thread": lambda: pools[1].run(trivial_read),
        "Store's pool (batched wakeups), 2 threads": lambda: pools[2].run(trivial_read),
    }
    try:
        for hop in ways.values():  # warm every thread and connection
            await measure(hop, 200, 4)
        print(f"{hops} hops per round, best of {rounds} rounds; µs per hop (CPU of the whole process / wall clock)")
        print(f"  {'way':45s}" + "".join(f"{f'{n} in flight':>22s}" for n in in_flight))
        for name, hop in ways.items():
            cells = []
            for n in in_flight:
                figures = [await measure(hop, hops, n) for _ in range(rounds)]
                cells.append(f"{min(cpu for cpu, _ in figures):9.1f} / {min(wall for _, wall in figures):8.1f}")
            print(f"  {name:45s}" + "".join(f"{cell:>22s}" for cell in cells))
    finally:
        per_result_1.close()
        per_result_2.close()
        for pool in pools.values():
            await pool.close()
        executor.shutdown()
        loop_conn.close()
        executor_conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hops", type=int, default=5000)
    parser.add_argument("--in-flight", type=int, nargs="+", default=[1, 50])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "hop.db"
        with connect(path) as conn:
            conn.execute("PRAGMA journal_mode = WAL")
        asyncio.run(compare(path, args.hops, args.in_flight, args.rounds))


if __name__ == "__main__":
    main()
