"""Scripted fault runs: kill, break and disconnect Pitboard at random moments, then check that nothing was
lost, duplicated or half-written. Each scenario prints what it did, its figures and PASS or FAIL; the exit
status is 1 if any scenario failed. Run with `make faults`.

    python bench/faults.py [build|import|reddit|feed|gateway|live-build|revisions|two-bots|disk-full|repair ...]
                           [--runs N] [--seed S] [--history DATABASE]

    build    SIGKILL `pitboard db build` at random moments (after a first, whole build measured how long one takes):
             the database is exactly the old one or the new one
    import   SIGKILL `pitboard import` of a race list and weekend feeds: each document is all in or all out
    reddit   posting rounds against the fake Reddit with injected faults and killed publisher processes:
             exactly one thread per race and subreddit, none lost, the ledger agrees with Reddit
    feed     the watcher against the fake feed serving broken documents or failing: every bad poll leaves the
             database untouched, only transport faults raise FeedUnavailable, the next good document is ingested
    gateway  the real bot against the fake Discord, disconnected with various close codes between bursts of
             slash commands: it resumes (or identifies again) and answers every command

    The store as a service, driving the real CLI (`pitboard run`, `db build`, `import`, `ask`, `thread --post`)
    as child processes against the fakes:

    live-build  `db build` at random moments while `pitboard run` serves commands and settings are written (by
                /config and directly): integrity ok, every acknowledged setting kept, every command answered
                exactly as before the builds
    revisions   revisions of a race imported over and over (by `pitboard import` and by the bot's watcher) while
                `pitboard ask --json` and /results read it: every reply shows one revision, whole
    two-bots    two `pitboard run` and a `pitboard thread --post` on one database: one thread per race and
                subreddit, one announcement
    disk-full   `db build` on a nearly full disk (a small tmpfs, else RLIMIT_FSIZE): a one-line "no space" error,
                the old database intact, no temp files
    repair      garbage, empty, truncated and overwritten database files: `db build` moves them aside, builds
                fresh and salvages the readable settings; other commands say what is wrong in one line (or
                answer right, when the damage is on no page they read)

--runs sets the count of every chosen scenario (kills, rounds, polls or disconnects). Random choices come
from --seed, printed at the start, so a failing run can be replayed. Everything happens in a temporary
directory; the user's database is never opened. Nothing here, nor in the processes it starts, can reach beyond
127.0.0.1 / ::1 (testkit/netguard).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import json
import logging
import os
import random
import re
import resource
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import aiohttp

import testkit.feed_states as day
from bot.feed import FeedClient, FeedUnavailable
from bot.pitboard import Pitboard
from bot.questions import ask, parse_slash
from bot.reddit import RedditPoster, RetryPolicy, Thread, content_hash, reddit_client
from bot.render import embeds, jsondata
from bot.render.recap import marker
from bot.settings import RedditSettings, Secret
from bot.watcher import Watcher
from db import announcements, guilds, threads
from db.announcements import Announcement
from db.build import build_database
from db.nascar_feed import import_document
from db.store import Store
from testkit.discord_harness import ANNOUNCE_CHANNEL_ID, MANAGE_GUILD, SEND_AND_READ, embed_text, guild, running_pitboard
from testkit.fakes.discord_server import (
    CALLBACK_DEFERRED_CHANNEL_MESSAGE,
    DEFAULT_GUILD_ID,
    OP_IDENTIFY,
    OP_RESUME,
    FakeDiscord,
    redirect_discord_to,
)
from testkit.fakes.feed_server import FakeFeed, FeedFault
from testkit.fakes.reddit_server import FakeReddit, Fault, ratelimit_error, skip_client_sleeps
from testkit.netguard import loopback_only
from testkit.samples import RACE_LIST_2023, SMALL_CUP, SMALL_TRUCK, fill_store, rows, snapshot

ROOT = Path(__file__).resolve().parent.parent
loopback_only.guard_process_tree()  # this process and every child it starts may reach only 127.0.0.1 / ::1

# Default counts: enough for every kind of moment and fault to come up in one run, small enough that all ten
# scenarios take a few minutes (most of it building the history: builds, repairs, disk-full, live-build).
DEFAULT_RUNS = {"build": 7, "import": 12, "reddit": 4, "feed": 60, "gateway": 6,
                "live-build": 2, "revisions": 6, "two-bots": 2, "disk-full": 4, "repair": 5}
RUN_UNITS = {"build": "builds", "import": "kills", "reddit": "rounds", "feed": "polls", "gateway": "disconnects",
             "live-build": "builds", "revisions": "imports", "two-bots": "rounds", "disk-full": "builds", "repair": "repairs"}
SCENARIO_SECONDS = 120.0  # time limit of a scenario: this much plus SECONDS_PER_RUN per run (generous: a bound for runaways)
SECONDS_PER_RUN = {"build": 25.0, "import": 10.0, "reddit": 40.0, "feed": 5.0, "gateway": 20.0,
                   "live-build": 60.0, "revisions": 15.0, "two-bots": 60.0, "disk-full": 30.0, "repair": 40.0}

CHILD_START_TIMEOUT = 60.0   # imports of a child process
CHILD_TIMEOUT = 120.0        # a child that is not killed must end within this
# A child running the real CLI; it says when its imports are done so kills land in the work, not the imports.
CLI_CHILD = "import sys, bot.cli; print('ready', flush=True); sys.exit(bot.cli.main())"
FALSE_NULL_REPORT = re.compile(r"NULL value in (\w+)\.(\w+)")  # see integrity()
KILL_SPREAD = 1.15           # kill moments are drawn from [0, KILL_SPREAD × an uninterrupted run]

GUILD, CHANNEL, MESSAGE = 42, 4242, 424242
RICHMOND_KEY = f"nascar-{day.RACE_ID}"
TITLE_TEMPLATE = "Post-Race Thread: {race_at_track} ({series})"

# What a fingerprint hashes besides the row count of every table: the state users and the bot created,
# the stored feed documents, and the season the feed documents touch (ids left out: a rebuild renumbers).
FINGERPRINT_QUERIES = (
    "SELECT * FROM guild_settings ORDER BY 1",
    "SELECT * FROM guild_subreddits ORDER BY 1, 2, 3",
    "SELECT * FROM reddit_threads ORDER BY 1, 2",
    "SELECT * FROM announcements ORDER BY 1, 2",
    "SELECT kind, key, sha256 FROM feed_documents ORDER BY 1, 2",
    "SELECT s.key, r.round, r.name, r.status, r.starts_at, r.source, r.source_id, r.winner_feed_id, r.actual_laps, "
    "r.cautions, r.lead_changes FROM races r JOIN series s ON s.id = r.series_id WHERE r.season = 2023 ORDER BY 1, 2, 3",
    "SELECT s.key, r.round, r.name, x.finish, d.name, x.car_number, x.status, x.laps, x.laps_led FROM results x "
    "JOIN races r ON r.id = x.race_id JOIN series s ON s.id = r.series_id JOIN drivers d ON d.id = x.driver_id "
    "WHERE r.season = 2023 ORDER BY 1, 2, 3, 4",
)


def say(text: str) -> None:
    print(f"  {text}", flush=True)


def tally(counter: Counter) -> str:
    return ", ".join(f"{key} {count}" for key, count in sorted(counter.items())) or "none"


@dataclass
class Verdict:
    """The violations one scenario found; it passes when there are none."""

    violations: list[str] = field(default_factory=list)

    def check(self, condition: bool, violation: str) -> bool:
        if not condition:
            self.violations.append(violation)
        return condition


class Workspace:
    """The scratch directory of one invocation, and the bundled history: built there once when needed, or a
    database already built from it (--history; scenarios only copy it)."""

    def __init__(self, root: Path, history: Path | None = None):
        self.root = root
        self._history = history

    def directory(self, name: str) -> Path:
        path = self.root / name
        path.mkdir()
        return path

    async def history(self) -> Path:
        if self._history is None:
            path = self.root / "history.db"
            started = time.perf_counter()
            await build_database(path, show_progress=False)
            say(f"built the bundled history once for this run ({time.perf_counter() - started:.1f} s)")
            self._history = path
        return self._history


# --------------------------------------------------------------------------- databases and child processes


@dataclass(frozen=True)
class Inspection:
    integrity: str                 # "ok", or what went wrong
    fingerprint: str | None


async def fingerprint(store: Store) -> str:
    """Row counts of every table and the rows of FINGERPRINT_QUERIES, hashed."""
    digest = hashlib.sha256()
    for (table,) in await store.fetchall("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"):
        digest.update(f"{table}:{await store.scalar(f'SELECT count(*) FROM {table}')}\n".encode())
    for rows_of_query in await tracked_rows(store):
        digest.update(repr(rows_of_query).encode())
    return digest.hexdigest()[:12]


async def tracked_rows(store: Store) -> list[list[tuple]]:
    """The rows of each of FINGERPRINT_QUERIES."""
    return [[tuple(row) for row in await store.fetchall(query)] for query in FINGERPRINT_QUERIES]


async def integrity(store: Store) -> str:
    """`PRAGMA integrity_check` and `foreign_key_check`: "ok" or the problems found.

    SQLite 3.40.0–3.41.0 falsely reports "NULL value in T.C" for WITHOUT ROWID tables whose primary key is not
    in column order (Pitboard's leader_stints); such a report counts only if a query finds the NULL.
    """
    problems = []
    for (message,) in await store.fetchall("PRAGMA integrity_check(100000)"):
        claimed_null = FALSE_NULL_REPORT.fullmatch(message)
        if claimed_null and not await store.scalar(f"SELECT count(*) FROM {claimed_null[1]} WHERE {claimed_null[2]} IS NULL"):
            continue
        if message != "ok":
            problems.append(message)
    if broken_links := await store.fetchall("PRAGMA foreign_key_check"):
        problems.append(f"{len(broken_links)} rows violate foreign keys")
    return "; ".join(problems[:3]) or "ok"


async def inspect(path: Path) -> Inspection:
    """Open the database as Pitboard does, check its integrity and fingerprint it."""
    if not path.exists():
        return Inspection("the database file is missing", None)
    try:
        async with Store.open(path) as store:
            return Inspection(await integrity(store), await fingerprint(store))
    except sqlite3.Error as error:
        return Inspection(f"does not open: {error}", None)


def restore(source: Path, target: Path) -> None:
    """Put a copy of `source` at `target`, dropping the WAL a killed process may have left for the file replaced."""
    for journal in (Path(f"{target}-wal"), Path(f"{target}-shm")):
        journal.unlink(missing_ok=True)
    shutil.copyfile(source, target)


def build_leftovers(target: Path) -> list[Path]:
    return sorted(target.parent.glob(f".{target.name}.build-*"))


class RunTime:
    """How long an uninterrupted child run takes (the median of those seen), to draw kill moments across it."""

    def __init__(self, first: float | None = None):
        self.seen = [] if first is None else [first]

    def add(self, seconds: float) -> None:
        self.seen.append(seconds)

    @property
    def spread(self) -> float:
        return KILL_SPREAD * statistics.median(self.seen) if self.seen else 0.0

    def kill_moment(self, rng: random.Random) -> float | None:
        """A moment to kill the next run at; None (let it run) until one run was seen whole."""
        return rng.uniform(0, self.spread) if self.seen else None


def kill(process: asyncio.subprocess.Process) -> None:
    with contextlib.suppress(ProcessLookupError):
        process.kill()


@dataclass(frozen=True)
class ChildRun:
    killed: bool
    seconds: float        # from the end of its imports until it ended or was killed
    returncode: int
    stdout: str
    stderr: str


def limit_file_size(limit: int | None) -> Callable[[], None] | None:
    """A child's set-up that makes writes past `limit` bytes fail with EFBIG (instead of killing it with SIGXFSZ)."""
    if limit is None:
        return None

    def set_limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return set_limit


async def run_cli(args: list[str], kill_after: float | None, *, environment: dict[str, str] | None = None,
                  cwd: Path = ROOT, file_size_limit: int | None = None) -> ChildRun:
    """Run `pitboard ARGS` as a child process; SIGKILL it `kill_after` s after its imports unless it ended first."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", CLI_CHILD, *args, cwd=cwd, env=environment, preexec_fn=limit_file_size(file_size_limit),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    try:
        ready = await asyncio.wait_for(process.stdout.readline(), CHILD_START_TIMEOUT)
        if ready.strip() != b"ready":
            raise RuntimeError(f"the child did not start: {ready!r} {(await process.stderr.read())[-500:]!r}")
        started = time.perf_counter()
        output = asyncio.gather(process.stdout.read(), process.stderr.read())
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(process.wait(), CHILD_TIMEOUT if kill_after is None else kill_after)
        kill(process)
        await asyncio.wait_for(process.wait(), CHILD_TIMEOUT)
        seconds = time.perf_counter() - started
        stdout, stderr = (stream.decode(errors="replace") for stream in await output)
    finally:
        if process.returncode is None:
            kill(process)
            await process.wait()
    return ChildRun(process.returncode == -signal.SIGKILL, seconds, process.returncode, stdout, stderr)


async def add_user_state(store: Store) -> None:
    """What users and the bot leave in a database: server settings, a posted thread, an announcement."""
    await guilds.set_announce_channel(store, GUILD, CHANNEL)
    await guilds.add_subreddit(store, GUILD, "cup", "NASCAR")
    now = day.NEXT_DAY
    await threads.begin(store, RICHMOND_KEY, "NASCAR", "Post-Race Thread", "c0ffee", now)
    await threads.mark_posted(store, RICHMOND_KEY, "NASCAR", "abc123", "Post-Race Thread", "c0ffee", now)
    await announcements.record(store, Announcement(RICHMOND_KEY, GUILD, CHANNEL, MESSAGE, "c0ffee"))


# --------------------------------------------------------------------------- build


async def scenario_build(work: Workspace, rng: random.Random, runs: int, verdict: Verdict) -> None:
    """SIGKILL `pitboard db build` at random moments over an old database with recognizable state (the first
    build is not killed: it measures how long one takes)."""
    history = await work.history()
    directory = work.directory("build")
    old = directory / "old.db"
    shutil.copyfile(history, old)
    async with Store.open(old) as store:
        newest = await store.scalar("SELECT max(season) FROM races")
        async with store.transaction() as conn:  # an older bundle: without the newest season
            await conn.execute("DELETE FROM races WHERE season = ?", (newest,))
        await add_user_state(store)
        await import_document(store, day.race_list(finished=True, official=True))
        await import_document(store, day.weekend("official"))
        old_rows, old_print = await tracked_rows(store), await fingerprint(store)
    say(f"old database: the history without {newest}, a server's settings, a Reddit thread, an announcement, "
        f"2 imported feed documents (fingerprint {old_print})")

    target = directory / "pitboard.db"
    build = ["--db", str(target), "db", "build"]
    run_time = RunTime()  # the first run is not killed: it measures the build
    runs_seen = []
    for run in range(runs):
        restore(old, target)  # leftover temp files of earlier kills stay: the next build must remove them
        delay = run_time.kill_moment(rng)
        child = await run_cli(build, kill_after=delay)
        if not child.killed:
            run_time.add(child.seconds)
        when = "not killed: it measures the build" if delay is None else f"kill at {delay:.2f} s"
        runs_seen.append((f"run {run + 1} ({when})", child, await inspect(target), build_leftovers(target)))
    leftovers_before = len(build_leftovers(target))
    final = runs_seen[-1][1]
    if final.killed:  # one more build: the new database, and proof that a build removes what kills left
        restore(old, target)
        final = await run_cli(build, kill_after=None)
    verdict.check(final.returncode == 0, f"the uninterrupted build failed: {final.stderr.strip()[-300:]}")
    left_after_build = build_leftovers(target)
    verdict.check(not left_after_build, f"temp files left after an uninterrupted build: {[p.name for p in left_after_build]}")
    async with Store.open(target) as store:
        new_rows, new_print = await tracked_rows(store), await fingerprint(store)
        restored = await store.scalar("SELECT count(*) FROM races WHERE season = ?", (newest,))
    changed = [n for n, (a, b) in enumerate(zip(old_rows, new_rows, strict=True)) if a != b]
    verdict.check(new_rows == old_rows,
                  "the rebuilt database lost or changed carried-over state or replayed feed data "
                  f"(queries {changed} of FINGERPRINT_QUERIES)")
    verdict.check(restored > 0, f"the rebuilt database lacks the {newest} season")

    landed, outcomes, intact = Counter(), Counter(), 0
    for where, child, seen, left in runs_seen:
        outcome = {old_print: "old", new_print: "new"}.get(seen.fingerprint, "neither")
        outcomes[outcome] += 1
        intact += verdict.check(seen.integrity == "ok", f"{where}: integrity {seen.integrity}")
        verdict.check(outcome != "neither", f"{where}: the database is neither the old nor the new one")
        if child.killed:
            moments = {"old": "before the swap committed", "new": "after the swap committed"}
            landed[moments.get(outcome, "with a broken database")] += 1
        else:
            landed["not killed (build ended first)"] += 1
            verdict.check(child.returncode == 0, f"{where}: build failed: {child.stderr.strip()[-300:]}")
            verdict.check(outcome == "new", f"{where}: a build that ended left the {outcome} database")
            verdict.check(not left, f"{where}: a finished build left temp files {[p.name for p in left]}")
    say(f"uninterrupted build: {final.seconds:.2f} s after the child's imports; new fingerprint {new_print}; "
        f"settings, ledgers and feed data carried over: {'yes' if new_rows == old_rows else 'NO'}")
    say(f"runs {runs}, kill moments drawn from 0–{run_time.spread:.2f} s after the child's imports "
        f"({KILL_SPREAD:g} × the median uninterrupted build)")
    say(f"kills landed: {tally(landed)}")
    say(f"outcomes: {tally(outcomes)}; integrity ok {intact}/{runs}")
    say(f"temp files: left behind by {sum(bool(left) for *_, left in runs_seen)} kills; {leftovers_before} files present "
        f"after the last run, {len(left_after_build)} after the last uninterrupted build")


# --------------------------------------------------------------------------- import


async def scenario_import(work: Workspace, rng: random.Random, runs: int, verdict: Verdict) -> None:
    """SIGKILL `pitboard import` of feed documents at random moments: every document is all in or all out."""
    history = await work.history()
    directory = work.directory("import")
    files = {
        "race list": RACE_LIST_2023,
        "weekend (official)": directory / "weekend-feed-official.json",
        "weekend (revised)": directory / "weekend-feed-revised.json",
    }
    files["weekend (official)"].write_bytes(day.weekend("official"))
    files["weekend (revised)"].write_bytes(day.weekend("revised"))
    fresh, official = directory / "fresh.db", directory / "official.db"
    shutil.copyfile(history, fresh)
    async with Store.open(fresh) as store:
        await add_user_state(store)
    restore(fresh, official)
    async with Store.open(official) as store:
        for document in ("race list", "weekend (official)"):
            await import_document(store, files[document].read_bytes())
    jobs = {  # name: (database before, documents imported in order)
        "race list + new results": (fresh, ["race list", "weekend (official)"]),
        "revised results": (official, ["weekend (revised)"]),
    }
    states: dict[str, list[tuple[str, str]]] = {}  # job: (what is imported, fingerprint), one per document boundary
    for job, (before, documents) in jobs.items():
        reference = directory / "reference.db"
        restore(before, reference)
        async with Store.open(reference) as store:
            states[job] = [("untouched", await fingerprint(store))]
            for document in documents:
                await import_document(store, files[document].read_bytes())
                states[job].append((document, await fingerprint(store)))

    target = directory / "pitboard.db"
    run_times = {}
    for job, (before, documents) in jobs.items():
        restore(before, target)
        child = await run_cli(["--db", str(target), "import", *(str(files[d]) for d in documents)], kill_after=None)
        run_times[job] = RunTime(child.seconds)
        seen = await inspect(target)
        verdict.check(child.returncode == 0 and seen.fingerprint == states[job][-1][1],
                      f"{job}: the uninterrupted import did not give the expected database ({child.stderr.strip()[-300:]})")
        say(f"{job}: {' then '.join(documents)}; uninterrupted {child.seconds:.2f} s after imports; "
            f"fingerprints {' → '.join(print_ for _, print_ in states[job])}")

    landed, outcomes = Counter(), Counter()
    for run in range(runs):
        job = rng.choice(list(jobs))
        before, documents = jobs[job]
        restore(before, target)
        delay = run_times[job].kill_moment(rng)
        child = await run_cli(["--db", str(target), "import", *(str(files[d]) for d in documents)], kill_after=delay)
        seen = await inspect(target)
        imported = next((what for what, print_ in states[job] if print_ == seen.fingerprint), None)
        where = f"run {run + 1} ({job}, kill at {delay:.3f} s)"
        verdict.check(seen.integrity == "ok", f"{where}: integrity {seen.integrity}")
        verdict.check(imported is not None, f"{where}: a document is half imported (fingerprint {seen.fingerprint})")
        outcomes[f"{job}: {imported or 'HALF IMPORTED'}"] += 1
        landed["killed" if child.killed else "not killed (import ended first)"] += 1
        if not child.killed:
            run_times[job].add(child.seconds)
            verdict.check(child.returncode == 0 and imported == documents[-1], f"{where}: an import that ended is incomplete")
    say(f"runs {runs}: {tally(landed)}")
    say("state after each run (what had been imported when the kill landed):")
    for outcome, count in sorted(outcomes.items()):
        say(f"  {count:3d} × {outcome}")
    say("half-imported documents: "
        f"{sum(count for outcome, count in outcomes.items() if outcome.endswith('HALF IMPORTED'))} "
        "(results, race rows and the stored document always agree with one of the states above)")


# --------------------------------------------------------------------------- reddit

SUBMIT, EDIT = "/api/submit", "/api/editusertext"
REDDIT_TIMEOUT = 0.3
SLOW = REDDIT_TIMEOUT * 20                 # held past the client's timeout
HOLD = 60.0                                # a committed submit held while its publisher is killed
REDDIT_RACES, SUBREDDITS = 8, ("NASCAR", "pitboard_test", "Trucks")
SETTLE_ROUNDS = 4                          # fault-free rounds allowed to finish what the faulty ones left
PUBLISH_TIMEOUT = 60.0
SUBMISSION_WAIT = 15.0                     # how long a child may take to reach Reddit's submit
REDDIT_FAULTS = {
    "500": dict(status=500),
    "502": dict(status=502),
    "503": dict(status=503),
    "429": dict(status=429, retry_after=2),
    "RATELIMIT": dict(api_error=ratelimit_error("3 minutes")),
    "slow": dict(delay=SLOW),
    "dropped": dict(drop=True),
    "committed then 502": dict(status=502, commit=True),
    "committed then 503": dict(status=503, commit=True),
    "committed then dropped": dict(drop=True, commit=True),
    "committed then timeout": dict(delay=SLOW, commit=True),
}
COMMITTING = [kind for kind in REDDIT_FAULTS if kind.startswith("committed")]
FAULT_KINDS = {Fault(**options): kind for kind, options in REDDIT_FAULTS.items()}
FAULT_KINDS[Fault(delay=HOLD, commit=True)] = "committed then held (publisher killed)"


def reddit_thread(key: str, subreddit: str, revision: int) -> Thread:
    return Thread(key, subreddit, f"Post-Race Thread: {key}", f"Results, revision {revision}.\n\n{marker(key)}")


def posts_of(fake: FakeReddit, thread: Thread) -> list:
    return [s for s in fake.submissions_in(thread.subreddit) if marker(thread.key) in s.selftext]


async def publish_and_kill(fake: FakeReddit, store: Store, thread: Thread, kill_after: float | None) -> tuple[str, float | None]:
    """Publish `thread` from a child process (testkit/reddit_publish_process.py) and SIGKILL it: once its submit
    reached Reddit (kill_after None; the fake holds the answer) or after `kill_after` s. Returns where the kill
    landed and, for the first kind, how long the child took to reach the submit."""
    if kill_after is None:
        fake.fail_next(SUBMIT, commit=True, delay=HOLD)
    environment = {**os.environ, "REDDIT_CLIENT_ID": fake.client_id, "REDDIT_CLIENT_SECRET": fake.client_secret,
                   "REDDIT_USERNAME": fake.username, "REDDIT_PASSWORD": fake.password}
    started = time.perf_counter()
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "testkit.reddit_publish_process", fake.url, str(store.path),
        thread.key, thread.subreddit, thread.title, thread.body,
        env=environment, cwd=ROOT, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )
    reached_submit = None
    try:
        if kill_after is None:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(SUBMISSION_WAIT):
                    while not posts_of(fake, thread) and child.returncode is None:
                        await asyncio.sleep(0.01)
                    reached_submit = time.perf_counter() - started
        else:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(child.wait(), kill_after)
        kill(child)
        await asyncio.wait_for(child.wait(), CHILD_TIMEOUT)
    finally:
        if child.returncode is None:
            kill(child)
            await child.wait()
    row = await threads.get(store, thread.key, thread.subreddit)
    if child.returncode != -signal.SIGKILL:
        landing = "not killed (publish ended first)"
    elif row is None:
        landing = "before the write-ahead ledger row"
    elif row.state == "posted":
        landing = "after the ledger recorded the post"
    elif posts_of(fake, thread):
        landing = "between Reddit's submit and the ledger update"
    else:
        landing = "after the write-ahead row, before the submit"
    return landing, reached_submit


async def scenario_reddit(work: Workspace, rng: random.Random, rounds: int, verdict: Verdict) -> None:
    """Posting rounds against the fake Reddit with random faults and killed publishers."""
    directory = work.directory("reddit")
    keys = [f"cup-2024-r{n}" for n in range(1, REDDIT_RACES + 1)]
    revision = dict.fromkeys(keys, 1)
    clock = [time.time()]
    actions, landings, paths = Counter(), Counter(), Counter()
    publishes = expiries = 0
    time_to_submit = 2.0
    async with FakeReddit(subreddits=SUBREDDITS) as fake, Store.open(directory / "reddit.db") as store:
        listing = f"/user/{fake.username}/submitted"
        settings = RedditSettings(fake.client_id, Secret(fake.client_secret), fake.username, Secret(fake.password))

        async def no_sleep(seconds: float) -> None:
            await asyncio.sleep(0)

        async with reddit_client(settings, oauth_url=fake.url, reddit_url=fake.url,
                                 requestor_kwargs={"timeout": REDDIT_TIMEOUT}) as reddit:
            poster = RedditPoster(reddit, store, retry=RetryPolicy(attempts=3, base_delay=0.01, max_delay=600, jitter=0),
                                  clock=lambda: clock[0], sleep=no_sleep)

            async def publish_round(faulty: bool, introduced: list[str]) -> Counter:
                nonlocal publishes, expiries
                done = Counter()
                wanted = [(key, subreddit) for key in introduced for subreddit in SUBREDDITS]
                rng.shuffle(wanted)
                for key, subreddit in wanted:
                    thread = reddit_thread(key, subreddit, revision[key])
                    row = await threads.get(store, key, subreddit)
                    writes = row is None or row.state != "posted" or row.content_hash != content_hash(thread.title, thread.body)
                    if faulty and writes:
                        for _ in range(rng.choice([0, 1, 1, 2, 3])):
                            path = rng.choices(["submit", "edit", "listing"], weights=[5, 2, 3])[0]
                            kinds = [k for k in REDDIT_FAULTS if path != "listing" or k not in COMMITTING]
                            endpoint = {"submit": SUBMIT, "edit": EDIT, "listing": listing}[path]
                            fake.fail_next(endpoint, **REDDIT_FAULTS[rng.choice(kinds)])
                        if rng.random() < 0.1:
                            fake.expire_tokens()
                            expiries += 1
                    result = await asyncio.wait_for(poster.publish(thread), PUBLISH_TIMEOUT)
                    publishes += 1
                    done[result.action] += 1
                return done

            with skip_client_sleeps():
                for round_number in range(rounds):
                    clock[0] += 3600  # past the edit interval
                    introduced = keys[: max(1, round((round_number + 1) * len(keys) / rounds))]
                    if round_number:
                        for key in introduced:
                            if rng.random() < 0.3:
                                revision[key] += 1
                    unposted = [(key, subreddit) for key in introduced for subreddit in SUBREDDITS
                                if (await threads.get(store, key, subreddit)) is None]
                    if unposted:
                        key, subreddit = rng.choice(unposted)
                        kill_after = None if round_number % 2 == 0 else rng.uniform(0, KILL_SPREAD * time_to_submit)
                        thread = reddit_thread(key, subreddit, revision[key])
                        landing, reached = await publish_and_kill(fake, store, thread, kill_after)
                        landings[landing] += 1
                        if reached is not None:
                            time_to_submit = reached
                    actions.update(await publish_round(True, introduced))
                settle = 0
                while settle < SETTLE_ROUNDS:
                    settle += 1
                    clock[0] += 3600
                    done = await publish_round(False, keys)
                    actions.update(done)
                    if set(done) == {"unchanged"}:
                        break
                verdict.check(set(done) == {"unchanged"},
                              f"still not settled after {SETTLE_ROUNDS} fault-free rounds: {tally(done)}")

        faults = Counter(FAULT_KINDS.get(request.fault, str(request.fault)) for request in fake.requests if request.fault)
        for request in fake.requests:
            if request.fault:
                paths["listing" if request.path == listing else request.path.rsplit("/", 1)[-1]] += 1
        duplicates = lost = stale = 0
        for key in keys:
            for subreddit in SUBREDDITS:
                thread = reddit_thread(key, subreddit, revision[key])
                found = posts_of(fake, thread)
                row = await threads.get(store, key, subreddit)
                duplicates += max(0, len(found) - 1)
                lost += not found
                consistent = (len(found) == 1 and row is not None and row.state == "posted"
                              and row.submission_id == found[0].id and found[0].selftext == thread.body
                              and row.content_hash == content_hash(thread.title, thread.body))
                stale += not consistent
                verdict.check(consistent, f"r/{subreddit} {key}: ledger {row and (row.state, row.submission_id)} vs "
                                          f"Reddit {[(s.id, s.selftext[:20]) for s in found]}")
        strays = len(fake.submissions) - len(keys) * len(SUBREDDITS) + lost - duplicates
        verdict.check(duplicates == 0, f"{duplicates} duplicate threads")
        verdict.check(lost == 0, f"{lost} threads never posted")
        verdict.check(strays == 0, f"{strays} submissions that belong to no thread")
        write_requests = len(fake.requests_to(SUBMIT, "POST")) + len(fake.requests_to(EDIT, "POST"))
    say(f"{REDDIT_RACES} races × {len(SUBREDDITS)} subreddits, {rounds} faulty rounds (races appear over the rounds, "
        f"30% revised each round) + {settle} fault-free")
    say(f"attempts: {publishes} publish calls in this process, {sum(landings.values())} in child processes (to kill); "
        f"{write_requests} submit/edit requests reached Reddit")
    say(f"faults injected ({sum(faults.values())}, on {tally(paths)}):")
    for kind, count in sorted(faults.items(), key=lambda item: -item[1]):
        say(f"  {count:3d} × {kind}")
    say(f"access tokens expired: {expiries}; leftover faults never reached: {sum(fake.pending_faults().values())}")
    say(f"publisher kills landed: {tally(landings)}")
    say(f"outcomes: {tally(actions)}")
    say(f"recoveries {actions['recovered']}, duplicates {duplicates}, lost {lost}, ledger rows disagreeing with Reddit {stale}")


# --------------------------------------------------------------------------- feed

FEED_TIMEOUT = 1.0
TRANSPORT, CONTENT, MISSING = "transport fault", "bad document", "not published"


def mutated(body: bytes, change: Callable[[dict], None]) -> bytes:
    document = json.loads(body)
    change(document)
    return json.dumps(document).encode()


def drop_result(race: dict, rng: random.Random) -> None:
    del race["results"][rng.randrange(1, len(race["results"]) - 1)]


def duplicate_position(race: dict, rng: random.Random) -> None:
    """A second winner: a car other than the winner (the revised results list the cars out of finishing order)."""
    rng.choice([row for row in race["results"] if row["finishing_position"] != 1])["finishing_position"] = 1


def result_field(name: str, value) -> Callable[[dict, random.Random], None]:
    def change(race: dict, rng: random.Random) -> None:
        rng.choice(race["results"])[name] = value
    return change


def race_field(name: str, value) -> Callable[[dict, random.Random], None]:
    def change(race: dict, rng: random.Random) -> None:
        race[name] = value
    return change


BROKEN_WEEKENDS = {  # kind: how a good weekend feed's race is broken
    "wrong type: finishing position '5th'": result_field("finishing_position", "5th"),
    "wrong type: laps completed 'all'": result_field("laps_completed", "all"),
    "wrong type: driver name null": result_field("driver_fullname", None),
    "wrong type: season as text": race_field("race_season", "2023"),
    "wrong type: results an object": race_field("results", {"0": {}}),
    "empty results": race_field("results", []),
    "partial results: a position missing": drop_result,
    "partial results: two winners": duplicate_position,
}
BROKEN_RACE_LISTS = {
    "wrong type: race date a number": lambda document, rng: document["series_1"][rng.randrange(10)].update(race_date=20230402),
    "wrong type: race id 'x'": lambda document, rng: document["series_2"][rng.randrange(10)].update(race_id="x"),
    "wrong type: series an object": lambda document, rng: document.update(series_3={}),
    "empty: no races": lambda document, rng: document.update(series_1=[], series_2=[], series_3=[]),
}


def break_feed(feed: FakeFeed, rng: random.Random, path: str, category: str, good: bytes) -> str:
    """Make the next request for `path` (now serving `good`) go wrong in a way of `category`; returns how."""
    if category == TRANSPORT:
        kind = rng.choice(["5xx", "slow", "dropped"])
        if kind == "5xx":
            status = rng.choice([500, 502, 503, 504])
            feed.fail_next(path, FeedFault(status=status))
            return f"HTTP {status}"
        if kind == "slow":
            feed.fail_next(path, FeedFault(delay=FEED_TIMEOUT + 0.5))
            return "answer slower than the client's timeout"
        feed.fail_next(path, FeedFault(drop=True), times=2)
        return "connection dropped"
    if category == MISSING:
        feed.fail_next(path, FeedFault(status=404))
        return "HTTP 404"
    breakers = BROKEN_RACE_LISTS if path == day.RACE_LIST_PATH else BROKEN_WEEKENDS
    kind = rng.choice(["truncated JSON", *breakers])
    if kind == "truncated JSON":
        feed.fail_next(path, FeedFault(truncate=rng.randrange(len(good))))
    elif path == day.RACE_LIST_PATH:
        feed.serve(path, mutated(good, lambda document: breakers[kind](document, rng)))
    else:
        feed.serve(path, mutated(good, lambda document: breakers[kind](document["weekend_race"][0], rng)))
    return kind


async def scenario_feed(work: Workspace, rng: random.Random, polls: int, verdict: Verdict) -> None:
    """The watcher against the fake feed: bad polls change nothing, good ones are ingested."""
    directory = work.directory("feed")
    good_list = day.race_list(finished=True, official=True)
    variants = {"official": day.weekend("official"), "revised": day.weekend("revised")}
    paths = {"race list": day.RACE_LIST_PATH, "weekend feed": day.WEEKEND_PATH}
    kinds, outcomes, changed_by_bad_polls = Counter(), Counter(), 0
    async with FakeFeed() as feed, aiohttp.ClientSession() as session, Store.open(directory / "feed.db") as store:
        await fill_store(store, [("cup", rows(SMALL_CUP)), ("truck", rows(SMALL_TRUCK))])
        watcher = Watcher(store, FeedClient(session, feed.base_url, timeout=FEED_TIMEOUT), poster=None,
                          title_template=TITLE_TEMPLATE, clock=lambda: day.FINISHED)
        ingested = "revised"
        for poll in range(polls):
            bad = poll > 0 and rng.random() < 0.6
            if not bad:
                ingested = "official" if ingested == "revised" else "revised"
            feed.serve(day.RACE_LIST_PATH, good_list)  # what a bad poll broke is repaired; a good poll brings new results
            feed.serve(day.WEEKEND_PATH, variants[ingested])
            if not bad:
                category, kind = "good", "good document"
            else:
                document = rng.choice(list(paths))
                category = rng.choices([TRANSPORT, CONTENT, MISSING], weights=[4, 5, 1])[0]
                kind = break_feed(feed, rng, paths[document], category, feed.documents[paths[document]])
                kinds[f"{document}: {kind}"] += 1
            before = await snapshot(store)
            unavailable, report = False, None
            try:
                report = await asyncio.wait_for(watcher.poll(), 10 * FEED_TIMEOUT + 5)
            except FeedUnavailable:
                unavailable = True
            feed.faults.clear()  # aiohttp re-sends a dropped GET only on a reused connection: a second drop may be unused
            after = await snapshot(store)
            where = f"poll {poll + 1} ({kind})"
            rejected = bool(report and report.rejected)
            if category == "good":
                verdict.check(not unavailable and not rejected and f"weekend {day.RACE_ID}" in report.imported,
                              f"{where}: a good document was not ingested ({report})")
                outcomes["good poll, ingested"] += 1
                continue
            changed = [table for table in before if before[table] != after[table]]
            changed_by_bad_polls += not verdict.check(not changed, f"{where}: the bad poll changed {changed}")
            verdict.check(unavailable == (category == TRANSPORT),
                          f"{where}: FeedUnavailable {'raised' if unavailable else 'not raised'}")
            verdict.check(rejected == (category == CONTENT), f"{where}: rejected {report and report.rejected}")
            outcome = "FeedUnavailable" if unavailable else "rejected" if rejected else "nothing fetched"
            outcomes[f"bad poll, {outcome}"] += 1
    say(f"{polls} polls of the race list and Richmond's weekend feed (client timeout {FEED_TIMEOUT} s); "
        f"good polls serve the other of two result versions")
    say(f"faults ({sum(kinds.values())}):")
    for kind, count in sorted(kinds.items()):
        say(f"  {count:3d} × {kind}")
    say(f"outcomes: {tally(outcomes)}")
    say(f"ingests {outcomes['good poll, ingested']}, rejections {outcomes['bad poll, rejected']}, "
        f"FeedUnavailable {outcomes['bad poll, FeedUnavailable']}; bad polls that changed the database: "
        f"{changed_by_bad_polls}")


# --------------------------------------------------------------------------- gateway

RECONNECT_TIMEOUT = 15.0
ANSWER_TIMEOUT = 15.0
DISCONNECTS = {  # kind: what the bot should send to get back (RESUME, or IDENTIFY for a session Discord forgot)
    "close 4000 (unknown error)": OP_RESUME,
    "close 1000 (normal closure)": OP_RESUME,
    "close 1001 (going away)": OP_RESUME,
    "abrupt drop (1006, no close frame)": OP_RESUME,
    "close 4009 (session timed out)": OP_IDENTIFY,
}
OP_NAMES = {OP_IDENTIFY: "IDENTIFY", OP_RESUME: "RESUME"}
COMMANDS = [
    ("winner", {"track": "mid-ohio"}),
    ("results", {"track": "mid-ohio", "year": 2022, "series": "truck"}),
    ("track", {"name": "mid-ohio"}),
    ("h2h", {"driver1": "Alice Able", "driver2": "Bob Baker"}),
    ("driver", {"name": "Carl Smith"}),
]


async def disconnect(fake: FakeDiscord, bot: Pitboard, kind: str) -> None:
    if kind.startswith("abrupt"):
        [shard] = bot.shards.values()  # Pitboard is auto-sharded: one shard for the fake's few servers
        # discord.py has no public handle on a shard's raw socket; cutting it is what an abrupt network drop does.
        shard._parent.ws.socket.get_extra_info("socket").shutdown(socket.SHUT_RDWR)
    elif "4009" in kind:
        fake._sessions.clear()  # noqa: SLF001 - the fake has no public way to expire a session as Discord does after 4009
        await fake.disconnect_gateway(code=4009)
    else:
        await fake.disconnect_gateway(code=int(kind.split()[1]))


async def burst(fake: FakeDiscord, rng: random.Random, verdict: Verdict, where: str) -> Counter:
    """Send 3–8 slash commands at once and wait for every answer."""
    handles = [await fake.send_slash_command(*rng.choice(COMMANDS)) for _ in range(rng.randint(3, 8))]
    answers = await asyncio.gather(*(handle.response(timeout=ANSWER_TIMEOUT) for handle in handles), return_exceptions=True)
    answered = [answer for answer in answers if isinstance(answer, dict)]
    failed = [answer for answer in answered if "Something went wrong" in json.dumps(answer)]
    verdict.check(len(answered) == len(handles), f"{where}: {len(handles) - len(answered)} of {len(handles)} commands unanswered")
    verdict.check(not failed, f"{where}: {len(failed)} commands answered with an internal error")
    return Counter(sent=len(handles), answered=len(answered), failed=len(failed))


async def scenario_gateway(work: Workspace, rng: random.Random, disconnects: int, verdict: Verdict) -> None:
    """The real bot against the fake Discord, disconnected between bursts of slash commands."""
    directory = work.directory("gateway")
    kinds = list(DISCONNECTS)
    rng.shuffle(kinds)
    plan = [kinds[n % len(kinds)] for n in range(disconnects)]
    done, reconnects, commands = Counter(), Counter(), Counter()
    async with Store.open(directory / "gateway.db") as store, FakeDiscord(guilds=[guild()]) as fake:
        await fill_store(store, [("cup", rows(SMALL_CUP)), ("truck", rows(SMALL_TRUCK))])
        with redirect_discord_to(fake):
            async with running_pitboard(fake, store) as bot:
                back = asyncio.Event()

                async def on_back() -> None:
                    back.set()

                bot.add_listener(on_back, "on_resumed")
                bot.add_listener(on_back, "on_ready")
                commands += await burst(fake, rng, verdict, "before any disconnect")
                for number, kind in enumerate(plan, start=1):
                    ops_before = Counter(payload.get("op") for payload in fake.gateway_received)
                    back.clear()
                    await disconnect(fake, bot, kind)
                    done[kind] += 1
                    where = f"disconnect {number} ({kind})"
                    try:
                        await asyncio.wait_for(back.wait(), RECONNECT_TIMEOUT)
                        await fake.wait_connected(timeout=RECONNECT_TIMEOUT)
                    except TimeoutError:
                        verdict.violations.append(f"{where}: the bot did not come back within {RECONNECT_TIMEOUT} s")
                        break
                    ops = Counter(payload.get("op") for payload in fake.gateway_received) - ops_before
                    came_back_with = OP_IDENTIFY if ops[OP_IDENTIFY] else OP_RESUME
                    reconnects[OP_NAMES[came_back_with]] += 1
                    verdict.check(came_back_with == DISCONNECTS[kind], f"{where}: came back with {OP_NAMES[came_back_with]}")
                    commands += await burst(fake, rng, verdict, f"after {where}")
    say(f"disconnects {sum(done.values())}: {tally(done)}")
    say(f"reconnected with RESUME {reconnects['RESUME']}, with a new IDENTIFY {reconnects['IDENTIFY']}")
    say(f"commands sent {commands['sent']} in {sum(done.values()) + 1} bursts, answered {commands['answered']}, "
        f"internal errors {commands['failed']}")


# --------------------------------------------------------------------------- the real CLI as long-running children

BOT_STOP_TIMEOUT = 30.0
# `pitboard run` pointed at a fake Discord (discord.py reads its endpoints from class attributes, not settings).
# With a moment given, the bot's feed watcher takes it as "now" (Pitboard's watcher_clock: the watcher only reads
# races of the last days, and the recorded race day is in the past): then it runs the `run` command's own entry,
# bot.runner.run_bot, with that clock. Arguments: API_BASE GATEWAY_URL MOMENT-or-"-".
RUN_CHILD = """
import asyncio, datetime, sys, discord, yarl
discord.http.Route.BASE = sys.argv[1]
discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(sys.argv[2])
import bot.cli, bot.runner, bot.settings
print("ready", flush=True)
if sys.argv[3] == "-":
    sys.exit(bot.cli.main(["run"]))
moment = datetime.datetime.fromisoformat(sys.argv[3])
settings = bot.settings.Settings.load()
bot.runner.setup_logging(settings, settings.discord_token)
sys.exit(asyncio.run(bot.runner.run_bot(settings, watcher_clock=lambda: moment)))
"""
USER_SETTINGS = ("PITBOARD_", "DISCORD_", "REDDIT_", "PRAW_")


def cli_environment(db: Path, **values: str) -> dict[str, str]:
    """A CLI child's environment: this one's without the user's Pitboard, Discord or Reddit settings, plus `values`."""
    inherited = {name: value for name, value in os.environ.items() if not name.upper().startswith(USER_SETTINGS)}
    # No F1 polling unless a scenario asks for it: Jolpica's real host is out of reach (loopback only).
    return inherited | {"PITBOARD_DB": str(db), "PITBOARD_LOG_LEVEL": "WARNING", "PITBOARD_WATCH_F1": "false"} | values


def reddit_environment(fake: FakeReddit, directory: Path) -> dict[str, str]:
    """The fake Reddit's credentials. asyncpraw takes its endpoints only from a praw.ini in the working directory:
    this writes one in `directory`, which must be the child's working directory."""
    (directory / "praw.ini").write_text(f"[DEFAULT]\noauth_url={fake.url}\nreddit_url={fake.url}\n")
    return {"REDDIT_CLIENT_ID": fake.client_id, "REDDIT_CLIENT_SECRET": fake.client_secret, "REDDIT_USERNAME": fake.username,
            "REDDIT_PASSWORD": fake.password, "PRAW_ALLOW_ENDPOINT_OVERRIDE": "1"}


SCRATCH_PATH = re.compile(r"(?<![\w:/])/\S*/")   # an absolute path up to its file name (not a URL's)
PID = re.compile(r"pid \d+")


def one_line(output: str) -> str:
    """The last line of `output`, as the same message reads in every run: file names without their scratch
    directory, pids as N (so that counts of messages add up)."""
    lines = [line for line in output.strip().splitlines() if line.strip()]
    return PID.sub("pid N", SCRATCH_PATH.sub("", lines[-1]))[:200] if lines else ""


def is_one_line(stderr: str) -> bool:
    return len([line for line in stderr.strip().splitlines() if line.strip()]) == 1 and "Traceback" not in stderr


@dataclass
class BotProcess:
    """A `pitboard run` child against a fake Discord; its stderr goes to a file (a long run logs more than a pipe holds)."""

    process: asyncio.subprocess.Process
    log: Path

    @property
    def stderr(self) -> str:
        return self.log.read_text(errors="replace")

    async def stop(self) -> int:
        """SIGTERM, as an operator stops it; SIGKILL if it does not end."""
        with contextlib.suppress(ProcessLookupError):
            self.process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(self.process.wait(), BOT_STOP_TIMEOUT)
        except TimeoutError:
            kill(self.process)
            await self.process.wait()
        return self.process.returncode


async def start_bot(fake: FakeDiscord, environment: dict[str, str], cwd: Path, name: str,
                    clock: datetime | None = None) -> BotProcess:
    """Start `pitboard run` (the real CLI) with `environment`, logged in to `fake`; returns once its imports are done."""
    log = cwd / f"{name}.log"
    with log.open("wb") as stderr:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-c", RUN_CHILD, fake.base_url, fake.gateway_url, clock.isoformat() if clock else "-",
            env=environment | {"DISCORD_TOKEN": fake.token}, cwd=cwd, stdout=asyncio.subprocess.PIPE, stderr=stderr,
        )
    ready = await asyncio.wait_for(process.stdout.readline(), CHILD_START_TIMEOUT)
    if ready.strip() != b"ready":
        kill(process)
        await process.wait()
        raise RuntimeError(f"pitboard run did not start: {log.read_text(errors='replace')[-500:]}")
    return BotProcess(process, log)


async def reply_text(handle, timeout: float = ANSWER_TIMEOUT) -> str:
    """What the user sees of a slash command's answer: the content and every embed (after a deferral, the followup)."""
    callback = await handle.response(timeout=timeout)
    data = callback.get("data") or {}
    if callback.get("type") == CALLBACK_DEFERRED_CHANNEL_MESSAGE:
        data = (await handle.followups(1, timeout=timeout))[0]
    return "\n".join([data.get("content") or "", *(embed_text(embed) for embed in data.get("embeds", []))])


STATE_TABLES = ("guild_settings", "guild_subreddits", "reddit_threads", "announcements")


async def state_rows(path: Path) -> dict[str, set[tuple]]:
    """The rows users and the bot created: settings and ledgers."""
    async with Store.open(path) as store:
        return {table: {tuple(row) for row in await store.fetchall(f"SELECT * FROM {table}")} for table in STATE_TABLES}


# --------------------------------------------------------------------------- live-build

LIVE_COMMANDS = [  # questions on the bundled history whose answers a rebuild does not change
    ("winner", {"track": "mid-ohio", "year": 2022, "series": "truck"}),
    ("results", {"track": "dega", "year": 2023, "series": "cup"}),
    ("track", {"name": "richmond"}),
    ("h2h", {"driver1": "Kyle Busch", "driver2": "Denny Hamlin"}),
]   # /driver and /standings draw charts: CPU the builds need more
ADMIN = {"permissions": SEND_AND_READ | MANAGE_GUILD}
OTHER_GUILD = 77
COMMANDS_IN_FLIGHT = 2


async def scenario_live_build(work: Workspace, rng: random.Random, builds: int, verdict: Verdict) -> None:
    """`pitboard db build` at random moments while `pitboard run` serves commands and settings are written, through
    /config and directly from another connection."""
    directory = work.directory("live-build")
    target = directory / "pitboard.db"
    shutil.copyfile(await work.history(), target)
    async with Store.open(target) as store:
        await add_user_state(store)
    environment = cli_environment(target, PITBOARD_WATCH="false")
    answers, builds_seen, written = Counter(), Counter(), Counter()
    configured: set[str] = set()   # the subreddits /config acknowledged, as they should be after the run
    direct: list[int] = []         # servers whose settings were written directly
    deviations: list[str] = []
    async with FakeDiscord(guilds=[guild()]) as fake:
        bot = await start_bot(fake, environment, directory, "bot")
        try:
            await fake.wait_connected(timeout=CHILD_START_TIMEOUT)
            baseline = {name: await reply_text(await fake.send_slash_command(name, options)) for name, options in LIVE_COMMANDS}
            building = asyncio.Event()
            building.set()

            async def ask_commands() -> None:
                while building.is_set():
                    name, options = rng.choice(LIVE_COMMANDS)
                    try:
                        text = await reply_text(await fake.send_slash_command(name, options))
                    except (TimeoutError, AssertionError) as error:
                        answers["unanswered"] += 1
                        deviations.append(f"/{name} unanswered: {str(error)[:150]}")
                        continue
                    outcome = "same as before the builds" if text == baseline[name] else "internal error" \
                        if "Something went wrong" in text else "different"
                    answers[outcome] += 1
                    if outcome != "same as before the builds":
                        deviations.append(f"/{name} answered {text[:150]!r}")

            async def write_settings() -> None:
                number = 0
                while building.is_set():
                    number += 1
                    if number % 2:  # through the bot: add a subreddit, or remove one at the limit of 5
                        adding = len(configured) < 5
                        name = f"pitboard_cfg{number}" if adding else rng.choice(sorted(configured))
                        subcommand, done = ("subreddit-add", "Added") if adding else ("subreddit-remove", "Removed")
                        try:
                            text = await reply_text(await fake.send_slash_command(
                                "config", {"series": "cup", "subreddit": name}, subcommand=subcommand, **ADMIN))
                        except (TimeoutError, AssertionError):
                            text = ""
                        if f"{done} r/{name}" in text:
                            written["config"] += 1
                            (configured.add if adding else configured.discard)(name)
                        elif f"r/{name} was not set" in text:  # acknowledged as added, gone since
                            configured.discard(name)
                            answers["/config found an acknowledged subreddit gone"] += 1
                            deviations.append(f"/config: r/{name}, acknowledged as added, was gone later")
                        else:
                            answers["/config not acknowledged"] += 1
                            deviations.append(f"/config {subcommand} {name} answered {text[:150]!r}")
                    else:  # directly, as another process would: a new server's announcement channel
                        try:
                            async with Store.open(target) as writer:
                                await guilds.set_announce_channel(writer, OTHER_GUILD + number, CHANNEL)
                            written["direct"] += 1
                            direct.append(OTHER_GUILD + number)
                        except sqlite3.Error as error:  # a refusal is fine; what was acknowledged must survive
                            answers[f"direct write refused ({type(error).__name__})"] += 1
                    await asyncio.sleep(rng.uniform(0, 0.2))

            async def build_repeatedly() -> None:
                try:
                    for run in range(builds):
                        await asyncio.sleep(rng.uniform(0, 1.5))
                        child = await run_cli(["db", "build"], kill_after=None, environment=environment, cwd=directory)
                        say(f"build {run + 1}: status {child.returncode} after {child.seconds:.1f} s; "
                            f"answers so far: {tally(answers)}")
                        if child.returncode == 0:
                            builds_seen["rebuilt"] += 1
                        elif is_one_line(child.stderr):
                            builds_seen[f"refused: {one_line(child.stderr)}"] += 1
                        else:
                            builds_seen["failed"] += 1
                            verdict.violations.append(
                                f"build {run + 1} failed (status {child.returncode}): {child.stderr.strip()[-300:]}")
                finally:
                    building.clear()

            async with asyncio.TaskGroup() as tasks:  # one failing cancels the others
                for work_item in (build_repeatedly(), write_settings(), *(ask_commands() for _ in range(COMMANDS_IN_FLIGHT))):
                    tasks.create_task(work_item)
            after = {name: await reply_text(await fake.send_slash_command(name, options)) for name, options in LIVE_COMMANDS}
            verdict.check(after == baseline, f"after the builds, {[name for name in after if after[name] != baseline[name]]} "
                                             "answer differently than before them")
        finally:
            status = await bot.stop()
    verdict.check(status == 0, f"pitboard run exited with {status}: {one_line(bot.stderr)}")
    for deviation in deviations[:10]:
        verdict.violations.append(deviation)
    seen = await inspect(target)
    verdict.check(seen.integrity == "ok", f"after the bot stopped: integrity {seen.integrity}")
    lost_direct, config_differs = len(direct), True
    if seen.fingerprint is not None:
        async with Store.open(target) as store:
            kept = set((await guilds.get(store, DEFAULT_GUILD_ID)).subreddits.get("cup", []))
            lost_direct = 0
            for guild_id in direct:
                lost_direct += (await guilds.get(store, guild_id)).announce_channel_id != CHANNEL
        config_differs = kept != configured
        verdict.check(not config_differs,
                      f"the server's subreddits are {sorted(kept)}, /config acknowledged {sorted(configured)}")
        verdict.check(not lost_direct, f"{lost_direct} of {len(direct)} directly written settings lost")
        state = await state_rows(target)
        verdict.check(len(state["reddit_threads"]) == 1 and len(state["announcements"]) == 1,
                      "the ledger rows written before the builds are gone")
    ask = await run_cli(["ask", "/winner mid-ohio year:2022 series:truck"], kill_after=None,
                        environment=environment, cwd=directory)
    verdict.check(ask.returncode == 0, f"pitboard ask after the run: {one_line(ask.stderr)}")
    say(f"{builds} builds while the bot served {COMMANDS_IN_FLIGHT} commands at a time and settings were written")
    say(f"builds: {tally(builds_seen)}")
    say(f"answers: {tally(answers)} (compared with the answers before the first build)")
    say(f"settings acknowledged: {written['config']} by /config (subreddits added and removed; the final set "
        f"{'DIFFERS' if config_differs else 'matches'}), {written['direct']} direct writes ({lost_direct} lost)")
    say(f"pitboard run exit status {status}; integrity after it stopped: {seen.integrity}; pitboard ask afterwards: "
        f"status {ask.returncode}")


# --------------------------------------------------------------------------- revisions

RICHMOND_RESULTS = "/results richmond year:2023 series:cup round:7"
RICHMOND_OPTIONS = {"track": "richmond", "year": 2023, "series": "cup", "round": 7}
REVISION_SECONDS = 60.0   # imports stop after this long even if fewer than asked were done


def revisions() -> dict[str, bytes]:
    """Weekend feeds of the recorded Richmond race, each a complete and different finishing order."""
    def swapped(document: dict) -> None:
        results = sorted(document["weekend_race"][0]["results"], key=lambda line: line["finishing_position"])
        for first, second in ((1, 2), (9, 10), (20, 30)):  # the winner stays: the header names him
            results[first]["finishing_position"], results[second]["finishing_position"] = \
                results[second]["finishing_position"], results[first]["finishing_position"]
    return {"official": day.weekend("official"), "winner disqualified": day.weekend("revised"),
            "three pairs swapped": mutated(day.weekend("official"), swapped)}


Reply = tuple[object, object]   # (the race's header, its classification) as one reader shows them


def json_reply(document: dict) -> Reply:
    race = document["race"]
    order = tuple((line["finish"], line["driver"], line["laps"], line["status"]) for line in document["results"])
    return (race["winner"], race["winner_start"], race["winner_laps_led"]), order


def embed_reply(embed: dict) -> Reply:
    header, _, table = embed_text(embed).partition("```")
    if "No results yet." in header:
        header, table = header.replace("No results yet.", ""), "No results yet."
    return header, table


def judge_reply(reply: Reply, expected: dict[str, Reply]) -> str | None:
    """The revision `reply` shows whole, or None."""
    return next((name for name, whole in expected.items() if whole == reply), None)


def describe_mix(reply: Reply, expected: dict[str, Reply]) -> str:
    header = next((name for name, (whole_header, _) in expected.items() if whole_header == reply[0]), "no revision")
    table = next((name for name, (_, whole_table) in expected.items() if whole_table == reply[1]),
                 "“No results yet.”" if reply[1] == "No results yet." else "no revision")
    return f"header of {header}, classification of {table}"


async def scenario_revisions(work: Workspace, rng: random.Random, imports: int, verdict: Verdict) -> None:
    """Revisions of a race imported over and over (by `pitboard import` and by the bot's watcher) while
    `pitboard ask --json` and /results through the bot read it: every reply shows one revision whole."""
    directory = work.directory("revisions")
    documents = revisions()
    files = {}
    for number, (name, body) in enumerate(documents.items()):
        files[name] = directory / f"weekend-feed-{number}.json"
        files[name].write_bytes(body)
    prepared = directory / "prepared.db"
    shutil.copyfile(await work.history(), prepared)
    async with Store.open(prepared) as store:
        await import_document(store, day.race_list(finished=True, official=True))
    expected: dict[str, dict[str, Reply]] = {"pitboard ask": {}, "/results": {}}
    question, options = parse_slash(RICHMOND_RESULTS)
    for name, body in documents.items():
        reference = directory / "reference.db"
        restore(prepared, reference)
        async with Store.open(reference) as store:
            await import_document(store, body)
            answer = await ask(store, question, options)
        expected["pitboard ask"][name] = json_reply(jsondata.render(answer))
        expected["/results"][name] = embed_reply(embeds.results(answer)[0].to_dict())
    field_size = len(expected["pitboard ask"]["official"][1])
    target = directory / "pitboard.db"
    restore(prepared, target)
    async with Store.open(target) as store:
        await import_document(store, documents["official"])

    replies: dict[str, Counter] = {path: Counter() for path in expected}
    imported = Counter()
    environment = cli_environment(target, PITBOARD_FEED_POLL_SECONDS="1")
    async with FakeFeed() as feed, FakeDiscord(guilds=[guild()]) as fake:
        feed.serve(day.RACE_LIST_PATH, day.race_list(finished=True, official=True))
        feed.serve(day.WEEKEND_PATH, documents["official"])
        bot = await start_bot(fake, environment | {"PITBOARD_FEED_URL": feed.base_url}, directory, "bot", clock=day.NEXT_DAY)
        try:
            await fake.wait_connected(timeout=CHILD_START_TIMEOUT)
            importing = asyncio.Event()
            importing.set()

            async def import_revisions() -> None:
                names, deadline = list(documents), time.perf_counter() + REVISION_SECONDS
                try:
                    for run in range(imports):
                        if time.perf_counter() > deadline:
                            imported["stopped by the time limit"] += 1
                            break
                        name = names[run % len(names)]
                        feed.serve(day.WEEKEND_PATH, documents[names[(run + 1) % len(names)]])  # the watcher's next one
                        child = await run_cli(["import", str(files[name])], kill_after=None,
                                              environment=environment, cwd=directory)
                        imported["pitboard import ok" if child.returncode == 0 else "pitboard import FAILED"] += 1
                        verdict.check(child.returncode == 0, f"import {run + 1} ({name}): {child.stderr.strip()[-300:]}")
                        await asyncio.sleep(rng.uniform(0, 0.3))
                finally:
                    importing.clear()

            def judge(path: str, reply: Reply | None, shown: str) -> None:
                revision = reply and judge_reply(reply, expected[path])
                if revision is None:
                    what = describe_mix(reply, expected[path]) if reply else "no answer"
                    replies[path][f"MIX: {what}"] += 1
                    verdict.violations.append(f"{path} showed {what}: {shown[:160]!r}")
                else:
                    replies[path][revision] += 1

            async def read_with_ask() -> None:
                while importing.is_set():
                    child = await run_cli(["ask", "--json", RICHMOND_RESULTS], kill_after=None, environment=environment,
                                          cwd=directory)
                    try:
                        reply = json_reply(json.loads(child.stdout))
                    except (ValueError, KeyError, TypeError):
                        reply = None
                    if reply is not None:
                        complete = [line[0] for line in reply[1]] == list(range(1, field_size + 1))
                        replies["pitboard ask"]["full field, positions 1..N" if complete else "PARTIAL FIELD"] += 1
                    judge("pitboard ask", reply, child.stdout + child.stderr)

            async def read_on_discord() -> None:
                while importing.is_set():
                    callback = await (await fake.send_slash_command("results", RICHMOND_OPTIONS)).response(timeout=ANSWER_TIMEOUT)
                    shown = ((callback.get("data") or {}).get("embeds") or [{}])[0]
                    judge("/results", embed_reply(shown), embed_text(shown))
                    await asyncio.sleep(0.05)

            async with asyncio.TaskGroup() as tasks:  # one failing cancels the others
                for work_item in (import_revisions(), read_with_ask(), read_on_discord()):
                    tasks.create_task(work_item)
        finally:
            status = await bot.stop()
        watcher_reads = sum(request.status == 200 for request in feed.requests_for(day.WEEKEND_PATH))
    verdict.check(status == 0, f"pitboard run exited with {status}: {one_line(bot.stderr)}")
    seen = await inspect(target)
    verdict.check(seen.integrity == "ok", f"integrity {seen.integrity}")
    say(f"{len(documents)} revisions of Richmond 2023 ({field_size} cars): {', '.join(documents)}")
    say(f"writers: {tally(imported)}; the bot's watcher (clock frozen the day after the race, polling every second) "
        f"fetched a changed weekend feed {watcher_reads} times")
    for path, seen_replies in replies.items():
        whole = sum(seen_replies[name] for name in documents)
        mixed = sum(count for name, count in seen_replies.items() if name.startswith("MIX"))
        say(f"{path}: {whole + mixed} replies, {whole} showing one revision whole, {mixed} not")
        for name, count in sorted(seen_replies.items()):
            say(f"  {count:4d} × {name}")
    say(f"pitboard run exit status {status}; integrity {seen.integrity}")


# --------------------------------------------------------------------------- two-bots

THREAD_SUBREDDITS = ("NASCAR", "pitboard_test")
POSTING_WAIT = 25.0     # how long the processes of one round may take to post


async def scenario_two_bots(work: Workspace, rng: random.Random, rounds: int, verdict: Verdict) -> None:
    """Two `pitboard run` and a `pitboard thread --post` on one database, started at random moments, all wanting to
    post the same race's thread: exactly one thread per subreddit and one announcement."""
    directory = work.directory("two-bots")
    prepared = directory / "prepared.db"
    shutil.copyfile(await work.history(), prepared)
    async with Store.open(prepared) as store:
        await import_document(store, day.race_list(finished=True, official=True))
        await import_document(store, day.weekend("official"))
        for subreddit in THREAD_SUBREDDITS:
            await guilds.add_subreddit(store, DEFAULT_GUILD_ID, "cup", subreddit)
        await guilds.set_announce_channel(store, DEFAULT_GUILD_ID, ANNOUNCE_CHANNEL_ID)
    threads_seen, announcements_seen, processes = Counter(), Counter(), Counter()
    submits, submit_delays = 0, []
    for round_number in range(1, rounds + 1):
        workdir = directory / f"round-{round_number}"
        workdir.mkdir()
        target = workdir / "pitboard.db"
        restore(prepared, target)
        async with FakeReddit(subreddits=THREAD_SUBREDDITS) as reddit, FakeFeed() as feed, \
                FakeDiscord(guilds=[guild()]) as first, FakeDiscord(guilds=[guild()]) as second:
            feed.serve(day.RACE_LIST_PATH, day.race_list(finished=True, official=True))
            feed.serve(day.WEEKEND_PATH, day.weekend("official"))
            environment = cli_environment(target, PITBOARD_FEED_URL=feed.base_url, PITBOARD_FEED_POLL_SECONDS="1",
                                          **reddit_environment(reddit, workdir))
            delays = [rng.uniform(0, 1.5) for _ in range(3)]
            slow = rng.uniform(0, 2.0)  # Reddit takes this long to take each submit: the window for a second poster
            reddit.fail_next(SUBMIT, delay=slow, times=3 * len(THREAD_SUBREDDITS))
            submit_delays.append(slow)

            async def bot(fake: FakeDiscord, name: str, delay: float, environment: dict[str, str], workdir: Path) -> BotProcess:
                await asyncio.sleep(delay)
                return await start_bot(fake, environment, workdir, name, clock=day.NEXT_DAY)

            async def post_thread(delay: float, environment: dict[str, str], workdir: Path) -> ChildRun:
                await asyncio.sleep(delay)
                return await run_cli(["thread", "richmond", "--year", "2023", "--series", "cup", "--round", "7", "--post",
                                      *(f"--subreddit={name}" for name in THREAD_SUBREDDITS)],
                                     kill_after=None, environment=environment, cwd=workdir)

            started = await asyncio.gather(bot(first, "first", delays[0], environment, workdir),
                                           bot(second, "second", delays[1], environment, workdir),
                                           post_thread(delays[2], environment, workdir), return_exceptions=True)
            bots = [item for item in started if isinstance(item, BotProcess)]
            try:
                if failures := [item for item in started if isinstance(item, BaseException)]:
                    raise failures[0]
                thread = started[2]

                def settled(bots: list[BotProcess] = bots) -> bool:
                    """Every subreddit has its thread, and each running bot polled twice."""
                    running = sum(running.process.returncode is None for running in bots)
                    return (all(reddit.submissions_in(name) for name in THREAD_SUBREDDITS)
                            and len(feed.requests_for(day.RACE_LIST_PATH)) >= 2 * running)

                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(POSTING_WAIT):
                        while not settled():
                            await asyncio.sleep(0.1)
                await asyncio.sleep(2)  # a late duplicate would land now
            finally:
                statuses = [await running.stop() for running in bots]
            where = f"round {round_number}"
            verdict.check(thread.returncode == 0, f"{where}: pitboard thread --post: {thread.stderr.strip()[-300:]}")
            processes["thread --post ok" if thread.returncode == 0 else "thread --post failed"] += 1
            for running, status in zip(bots, statuses, strict=True):
                if status == 0:
                    processes["bot ran and stopped cleanly"] += 1
                elif is_one_line(running.stderr):
                    processes[f"bot refused: {one_line(running.stderr)}"] += 1
                else:
                    processes[f"bot exit {status}"] += 1
                    verdict.violations.append(f"{where}: a bot exited with {status}: {running.stderr.strip()[-300:]}")
            submits += len(reddit.requests_to(SUBMIT, "POST"))
            for name in THREAD_SUBREDDITS:
                count = len(reddit.submissions_in(name))
                threads_seen[count] += 1
                verdict.check(count == 1, f"{where}: r/{name} has {count} threads of the race")
            sent = sum(int(request.path.split("/channels/")[1].split("/")[0]) == ANNOUNCE_CHANNEL_ID
                       for fake in (first, second) for request in fake.channel_messages)
            announcements_seen[sent] += 1
            verdict.check(sent == 1, f"{where}: {sent} announcements in the server's channel")
            ledger_rows = len((await state_rows(target))["reddit_threads"])
            verdict.check(ledger_rows == len(THREAD_SUBREDDITS), f"{where}: {ledger_rows} ledger rows")
    say(f"{rounds} rounds: 2 × pitboard run (each on its own fake Discord, same server) + pitboard thread --post, "
        f"started within 1.5 s of each other, on one database; {len(THREAD_SUBREDDITS)} subreddits")
    say(f"processes: {tally(processes)}")
    say(f"Reddit held each submit {min(submit_delays):.1f}–{max(submit_delays):.1f} s before taking it; "
        f"{submits} submit requests for {rounds * len(THREAD_SUBREDDITS)} threads")
    say(f"threads per race and subreddit: {tally(Counter({f'{k} thread(s)': v for k, v in threads_seen.items()}))}")
    say(f"announcements per round: {tally(Counter({f'{k} sent': v for k, v in announcements_seen.items()}))}")


# --------------------------------------------------------------------------- disk-full

TMPFS_MB = 48
NO_SPACE = re.compile(r"no space|disk is full|file too large", re.I)


@contextlib.contextmanager
def small_disk(directory: Path) -> Iterator[bool]:
    """A TMPFS_MB tmpfs mounted on `directory` (True), or nothing (False) where mount is not allowed."""
    directory.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={TMPFS_MB}m", "tmpfs", str(directory)],
                             capture_output=True).returncode == 0
    try:
        yield mounted
    finally:
        if mounted:
            subprocess.run(["umount", str(directory)], check=False)


def files_besides_locks(directory: Path) -> list[str]:
    """The files in `directory` but the lock files (db/locks.py keeps them for good: they are not temp files)."""
    return sorted(path.name for path in directory.iterdir() if not path.name.endswith(".lock"))


def free_bytes(directory: Path) -> int:
    stats = os.statvfs(directory)
    return stats.f_bavail * stats.f_frsize


async def scenario_disk_full(work: Workspace, rng: random.Random, builds: int, verdict: Verdict) -> None:
    """`pitboard db build` on a nearly full disk (a small tmpfs, else RLIMIT_FSIZE), first builds and rebuilds over a
    database with settings: a one-line error, the old database intact, no temp files."""
    history = await work.history()
    old = work.directory("disk-full-old") / "old.db"
    shutil.copyfile(history, old)
    async with Store.open(old) as store:
        await add_user_state(store)
        old_print = await fingerprint(store)
    size = old.stat().st_size
    needed = {True: 2 * size + 4_000_000, False: size + 4_000_000}   # room a rebuild and a first build take, or so
    outcomes, messages = Counter(), Counter()
    with small_disk(work.root / "disk-full") as mounted:
        disk = work.root / "disk-full"
        target = disk / "pitboard.db"
        for run in range(1, builds + 1):
            for leftover in disk.iterdir():
                leftover.unlink()
            rebuild = run % 2 == 1
            if rebuild:
                restore(old, target)
            room = rng.randrange(0, needed[rebuild])
            limit = None
            if mounted:
                filler = disk / "filler"
                with filler.open("wb") as fill:
                    os.posix_fallocate(fill.fileno(), 0, max(1, free_bytes(disk) - room))
            else:
                limit = room
            before = files_besides_locks(disk)
            child = await run_cli(["db", "build"], kill_after=None, environment=cli_environment(target), cwd=work.root,
                                  file_size_limit=limit)
            after = files_besides_locks(disk)
            kind = "rebuild" if rebuild else "first build"
            where = f"run {run} ({kind}, {room / 1e6:.1f} MB free)"
            (disk / "filler").unlink(missing_ok=True)  # room for the checks below to open the database
            if child.returncode == 0:
                outcomes[f"{kind}: built (enough room)"] += 1
                seen = await inspect(target)
                verdict.check(seen.integrity == "ok", f"{where}: reported success but integrity {seen.integrity}")
                continue
            outcomes[f"{kind}: refused"] += 1
            messages[one_line(child.stderr)] += 1
            verdict.check(is_one_line(child.stderr) and NO_SPACE.search(child.stderr),
                          f"{where}: status {child.returncode} without a one-line no-space message: "
                          f"{child.stderr.strip()[-300:]}")
            verdict.check(after == before, f"{where}: files left: {sorted(set(after) - set(before))}, "
                                           f"missing: {sorted(set(before) - set(after))}")
            if rebuild:
                seen = await inspect(target)
                verdict.check(seen.integrity == "ok" and seen.fingerprint == old_print,
                              f"{where}: the old database is not intact ({seen.integrity})")
    room = f"0–{needed[False] / 1e6:.0f} MB for first builds, 0–{needed[True] / 1e6:.0f} MB for rebuilds"
    way = f"a {TMPFS_MB} MB tmpfs filled to leave {room}" if mounted else f"RLIMIT_FSIZE of {room} (mount is not allowed here)"
    say(f"{builds} builds on {way} (half first builds, half rebuilds over a {size / 1e6:.0f} MB database with settings)")
    say(f"outcomes: {tally(outcomes)}")
    say(f"messages: {tally(messages)}")


# --------------------------------------------------------------------------- repair

PAGE = 4096
ASK_BROKEN = "/winner dega year:2023 series:cup"


def damage(kind: str, good: bytes, rng: random.Random) -> bytes:
    if kind == "garbage":
        return rng.randbytes(rng.randrange(1, 64 * 1024))
    if kind == "zero length":
        return b""
    if kind == "truncated":
        return good[: rng.randrange(1, len(good))]
    if kind == "a page overwritten":
        page = rng.randrange(1, len(good) // PAGE)
        return good[: page * PAGE] + rng.randbytes(PAGE) + good[(page + 1) * PAGE:]
    raise ValueError(kind)


def readable_state(path: Path) -> dict[str, set[tuple]]:
    """The settings and ledger rows a plain reader still gets out of a damaged file (tables that fail are left out)."""
    readable = {}
    try:
        connection = sqlite3.connect(f"file:{path}?immutable=1", uri=True)
    except sqlite3.Error:
        return readable
    with contextlib.closing(connection):
        for table in STATE_TABLES:
            with contextlib.suppress(sqlite3.Error):
                readable[table] = {tuple(row) for row in connection.execute(f"SELECT * FROM {table}")}
    return readable


DAMAGE_KINDS = ("garbage", "zero length", "truncated", "a page overwritten", "schema only, no history")


async def scenario_repair(work: Workspace, rng: random.Random, runs: int, verdict: Verdict) -> None:
    """Garbage, empty, truncated and overwritten database files, and one without history: a command says what is
    wrong in one line (or answers right, when the damage is on no page it reads); `pitboard db build` moves the
    file aside, builds fresh and salvages the readable settings."""
    directory = work.directory("repair")
    good = directory / "good.db"
    shutil.copyfile(await work.history(), good)
    async with Store.open(good) as store:
        await add_user_state(store)
        races = await store.scalar("SELECT count(*) FROM races")
    original_state = await state_rows(good)
    good_answer = (await run_cli(["ask", ASK_BROKEN], kill_after=None, environment=cli_environment(good), cwd=directory)).stdout
    empty = directory / "empty.db"
    async with Store.open(empty) as store:  # migrated schema, a server's settings and a posted thread, no history
        await guilds.set_announce_channel(store, GUILD, CHANNEL)
        await threads.begin(store, RICHMOND_KEY, "NASCAR", "Post-Race Thread", "c0ffee", day.NEXT_DAY)
        await threads.mark_posted(store, RICHMOND_KEY, "NASCAR", "abc123", "Post-Race Thread", "c0ffee", day.NEXT_DAY)
    outcomes, salvage = Counter(), Counter()
    for run in range(1, runs + 1):
        kind = DAMAGE_KINDS[(run - 1) % len(DAMAGE_KINDS)]
        workdir = directory / f"run-{run}"
        workdir.mkdir()
        target = workdir / "pitboard.db"
        broken = empty.read_bytes() if kind == "schema only, no history" else damage(kind, good.read_bytes(), rng)
        target.write_bytes(broken)
        environment = cli_environment(target)
        where = f"run {run} ({kind})"
        asked = await run_cli(["ask", ASK_BROKEN], kill_after=None, environment=environment, cwd=workdir)
        if asked.returncode == 0 and asked.stdout == good_answer:  # the damage is on no page this question reads
            outcomes["pitboard ask: answered right (damage not on its pages)"] += 1
        else:
            outcomes["pitboard ask: refused naming the repair"] += 1
            verdict.check(asked.returncode != 0 and is_one_line(asked.stderr) and "pitboard db build" in asked.stderr,
                          f"{where}: pitboard ask said {(asked.stdout + asked.stderr).strip()[-200:]!r} (status "
                          f"{asked.returncode}), neither the right answer nor one line naming `pitboard db build`")
        changed_by_ask = target.read_bytes() != broken
        salvage["files changed by pitboard ask"] += changed_by_ask
        broken = target.read_bytes()  # what the build finds
        readable = readable_state(target)
        child = await run_cli(["db", "build"], kill_after=None, environment=environment, cwd=workdir)
        moved = sorted(workdir.glob("pitboard.db.corrupt-*"))
        outcomes[f"{kind}: {'repaired' if child.returncode == 0 and moved else 'NOT repaired'}"] += 1
        verdict.check(child.returncode == 0, f"{where}: db build status {child.returncode}: {child.stderr.strip()[-300:]}")
        verdict.check(len(moved) == 1 and re.fullmatch(r"pitboard\.db\.corrupt-\d{8}-\d{6}", moved[0].name) is not None
                      and moved[0].read_bytes() == broken, f"{where}: the broken file was not kept aside as it was: "
                                                           f"{[path.name for path in workdir.iterdir()]}")
        seen = await inspect(target)
        fresh_races = None
        if seen.fingerprint is not None:
            async with Store.open(target) as store:
                fresh_races = await store.scalar("SELECT count(*) FROM races")
        verdict.check(seen.integrity == "ok" and fresh_races == races,
                      f"{where}: the new database: integrity {seen.integrity}, {fresh_races} races of {races}")
        if seen.fingerprint is None:
            continue
        state = await state_rows(target)
        for table, rows_read in readable.items():
            kept = rows_read <= state[table]
            salvage[f"{table} {'kept' if kept else 'LOST'}"] += bool(rows_read)
            verdict.check(kept, f"{where}: {len(rows_read - state[table])} readable {table} rows lost")
        unreadable = [table for table in STATE_TABLES if table not in readable and original_state[table]]
        salvage["tables unreadable in the broken file"] += len(unreadable)
        summary = " / ".join(one_line(line) for line in child.stdout.strip().splitlines())
        say(f"{where}: build said “{summary}”" if child.returncode == 0 else f"{where}: build failed")
    say(f"outcomes: {tally(outcomes)}")
    say(f"settings and ledgers: {tally(salvage)}")


# --------------------------------------------------------------------------- main

SCENARIOS: dict[str, Callable[[Workspace, random.Random, int, Verdict], Awaitable[None]]] = {
    "build": scenario_build,
    "import": scenario_import,
    "reddit": scenario_reddit,
    "feed": scenario_feed,
    "gateway": scenario_gateway,
    "live-build": scenario_live_build,
    "revisions": scenario_revisions,
    "two-bots": scenario_two_bots,
    "disk-full": scenario_disk_full,
    "repair": scenario_repair,
}


async def run_scenarios(names: list[str], runs: int | None, seed: int, work: Workspace) -> list[str]:
    """Run each scenario under its time limit; returns the names of those that failed."""
    failed = []
    for name in names:
        count = runs if runs is not None else DEFAULT_RUNS[name]
        print(f"\n== {name}, {count} {RUN_UNITS[name]}: {SCENARIOS[name].__doc__}", flush=True)
        verdict = Verdict()
        started = time.perf_counter()
        limit = SCENARIO_SECONDS + SECONDS_PER_RUN[name] * count
        try:
            async with asyncio.timeout(limit):
                await SCENARIOS[name](work, random.Random(f"{seed}:{name}"), count, verdict)
        except TimeoutError:
            verdict.violations.append(f"the scenario did not finish within its {limit:.0f} s")
        except Exception as error:  # a crash is a failure of the scenario, reported with the rest
            traceback.print_exc()
            verdict.violations.append(f"the scenario stopped: {type(error).__name__}: {error}")
        elapsed = time.perf_counter() - started
        for violation in verdict.violations[:20]:
            say(f"VIOLATION {violation}")
        if len(verdict.violations) > 20:
            say(f"... and {len(verdict.violations) - 20} more")
        print(f"{name}: {'FAIL' if verdict.violations else 'PASS'} in {elapsed:.1f} s", flush=True)
        if verdict.violations:
            failed.append(name)
    return failed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("scenarios", nargs="*", metavar="scenario", help=f"any of {', '.join(SCENARIOS)} (default: all)")
    parser.add_argument("--runs", type=int, help="kills, rounds, polls or disconnects per scenario "
                        f"(default: {', '.join(f'{name} {count}' for name, count in DEFAULT_RUNS.items())})")
    parser.add_argument("--seed", type=int, help="seed of every random choice (default: a fresh one, printed)")
    parser.add_argument("--history", type=Path, help="a database `pitboard db build` made from the history it reads (the "
                        "bundled one, or PITBOARD_HISTORY's), used (copied) instead of building one here (the test suite "
                        "passes its build of a few seasons, with PITBOARD_HISTORY)")
    args = parser.parse_args()
    names = args.scenarios or list(SCENARIOS)
    if unknown := set(names) - set(SCENARIOS):
        parser.error(f"unknown scenario {', '.join(sorted(unknown))}; choose from {', '.join(SCENARIOS)}")
    if args.runs is not None and args.runs < 1:
        parser.error("--runs must be at least 1")
    if args.history is not None and not args.history.is_file():
        parser.error(f"--history {args.history}: no such file")
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1_000_000)
    logging.basicConfig(level=logging.CRITICAL)  # the faults make the product log warnings by design
    print(f"Pitboard fault runs: {', '.join(names)}; seed {seed}; Python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    print(f"replay: python bench/faults.py {' '.join(names)} --seed {seed}" + (f" --runs {args.runs}" if args.runs else "")
          + (f" --history {args.history}" if args.history else ""))
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="pitboard-faults-") as scratch:
        failed = asyncio.run(run_scenarios(names, args.runs, seed, Workspace(Path(scratch), args.history)))
    verdict = f"FAIL: {', '.join(failed)}" if failed else f"PASS: all {len(names)} scenarios"
    print(f"\n{verdict} ({time.perf_counter() - started:.0f} s, seed {seed})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
