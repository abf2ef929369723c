"""`pitboard db build` and first runs under concurrency, full disks and damaged files (issue 8, items 2–5).

Through the CLI as a subprocess wherever another process is the point; in-process where a moment inside
the build has to be chosen (a feed imported after the replay snapshot) or where a slip could reach the network.
Every build here reads a few seasons of the real history (the `history_subset` fixture, PITBOARD_HISTORY): what is
tested is how a build behaves, which does not depend on how much history it loads.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

import db.build
from bot.runner import run_bot
from bot.settings import Secret, Settings
from db.build import build_database
from db.locks import build_lock
from db.nascar_feed import import_file
from db.store import Store, bundled_migrations
from testkit.fakes.discord_server import FakeDiscord, redirect_discord_to
from testkit.samples import RICHMOND_FEED

PITBOARD = os.path.join(os.path.dirname(sys.executable), "pitboard")
CHILD_TIMEOUT = 300  # generous: the machine running the suite may be busy

# One process that keeps the database open in WAL mode and writes a server setting in a loop, as a bot does.
WRITER = r"""
import os, sqlite3, sys, time
database, stop = sys.argv[1:3]
conn = sqlite3.connect(database, isolation_level=None, timeout=120)
conn.execute("PRAGMA journal_mode = WAL")
written = 0
while not os.path.exists(stop):
    written += 1
    conn.execute(
        "INSERT INTO guild_settings (guild_id, announce_channel_id, updated_at) VALUES (?, ?, 'now')", (written, written * 10)
    )
    if written == 5:
        print("ready", flush=True)
    time.sleep(0.01)
print(written, flush=True)
"""

# One process that reads every race's result count over and over and reports each distinct picture it sees.
READER = r"""
import hashlib, os, sqlite3, sys
database, stop = sys.argv[1:3]
conn = sqlite3.connect(database, timeout=120)
seen = set()
while not os.path.exists(stop):
    rows = conn.execute(
        "SELECT r.id, r.name, count(x.id) FROM races r LEFT JOIN results x ON x.race_id = r.id GROUP BY r.id ORDER BY r.id"
    ).fetchall()
    digest = hashlib.sha256(repr(rows).encode()).hexdigest()
    if digest not in seen:
        seen.add(digest)
        print(digest, flush=True)
"""

RACES_PER_RESULT_SQL = (
    "SELECT r.id, r.name, count(x.id) FROM races r LEFT JOIN results x ON x.race_id = r.id GROUP BY r.id ORDER BY r.id"
)


def pitboard(database: Path, *args: str, **options) -> subprocess.CompletedProcess:
    return subprocess.run(
        [PITBOARD, "--db", str(database), *args], capture_output=True, text=True, timeout=CHILD_TIMEOUT, **options
    )


def start_pitboard(database: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen([PITBOARD, "--db", str(database), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def start_python(script: str, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", script, *args], stdout=subprocess.PIPE, text=True)


def hold_run_lock(database: Path) -> subprocess.Popen:
    """A process that holds `pitboard run`'s lock on `database` (as a running bot does) until it is killed."""
    return start_python(
        "import sys, time\nfrom db.locks import run_lock\n"
        "with run_lock(sys.argv[1]):\n    print('held', flush=True)\n    time.sleep(600)",
        str(database),
    )


def query(database: Path, sql: str, params=()) -> list[tuple]:
    conn = sqlite3.connect(database)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def picture(database: Path) -> str:
    return hashlib.sha256(repr(query(database, RACES_PER_RESULT_SQL)).encode()).hexdigest()


def integrity(database: Path) -> str:
    return query(database, "PRAGMA integrity_check")[0][0]


def leftovers(directory: Path) -> list[str]:
    return sorted(path.name for path in directory.iterdir() if ".build-" in path.name or path.name.endswith(("-wal", "-shm")))


def one_line(text: str) -> str:
    lines = text.strip().splitlines()
    assert len(lines) == 1, text
    return lines[0]


def add_state(database: Path) -> None:
    """Settings, ledger rows and one recorded feed document, written as the bot and `pitboard import` do."""
    body = RICHMOND_FEED.read_bytes()
    conn = sqlite3.connect(database, isolation_level=None)
    try:
        conn.execute("INSERT INTO guild_settings (guild_id, announce_channel_id, default_series, updated_at) "
                     "VALUES (7, 70, NULL, 'now'), (8, 80, NULL, 'now')")
        conn.execute("INSERT INTO guild_subreddits VALUES (7, 'cup', 'NASCAR')")
        conn.execute("INSERT INTO reddit_threads (race_key, subreddit, state, title, content_hash, created_at) "
                     "VALUES ('nascar-5274', 'NASCAR', 'posted', 'Post-Race Thread', 'hash', 'now')")
        conn.execute("INSERT INTO announcements (race_key, guild_id, channel_id, message_id, content_hash, announced_at) "
                     "VALUES ('nascar-5274', 7, 70, 700, 'hash', 'now')")
        conn.execute("INSERT OR REPLACE INTO feed_documents VALUES ('weekend', '5274', ?, '2024-01-01T00:00:00+00:00', ?)",
                     (hashlib.sha256(body).hexdigest(), zlib.compress(body)))
    finally:
        conn.close()


def state_counts(database: Path) -> dict[str, int]:
    tables = ("guild_settings", "guild_subreddits", "reddit_threads", "announcements")
    return {table: query(database, f"SELECT count(*) FROM {table}")[0][0] for table in tables}


def richmond(database: Path) -> tuple:
    return query(database, "SELECT cautions, source FROM races WHERE source_id = '5274'")[0]


# --------------------------------------------------------------------------- rebuilding a live database


def test_rebuild_under_a_live_writer_keeps_every_setting_and_readers_see_old_or_new(subset_db_copy, tmp_path):
    database = subset_db_copy
    conn = sqlite3.connect(database, isolation_level=None)
    conn.execute("DELETE FROM results WHERE race_id IN (SELECT id FROM races WHERE season = 2001 AND round <= 5)")
    conn.execute("UPDATE races SET name = 'renamed' WHERE season = 2002")
    conn.close()
    old_picture = picture(database)
    stop = tmp_path / "stop"
    writer = start_python(WRITER, str(database), str(stop))
    reader = start_python(READER, str(database), str(stop))
    try:
        assert writer.stdout.readline().strip() == "ready"
        assert reader.stdout.readline().strip() == old_picture
        build = pitboard(database, "db", "build")
        assert build.returncode == 0, build.stderr
        assert "Rebuilt" in build.stdout and "rows changed" in build.stdout
        assert integrity(database) == "ok"  # while the writer still has it open
        new_picture = picture(database)
        assert new_picture != old_picture
        assert reader.stdout.readline().strip() == new_picture  # the next picture it saw was the whole new one
    finally:
        stop.touch()
        written = int(writer.communicate(timeout=CHILD_TIMEOUT)[0].split()[-1])
        rest = reader.communicate(timeout=CHILD_TIMEOUT)[0].split()
    assert writer.returncode == 0 and reader.returncode == 0
    assert set(rest) <= {new_picture}, "a reader saw a mix of the old and the new data"
    assert integrity(database) == "ok"  # after the writer closed (and checkpointed) too
    assert query(database, "SELECT count(*), max(guild_id), sum(announce_channel_id) FROM guild_settings")[0] == (
        written, written, 10 * written * (written + 1) // 2)
    assert picture(database) == new_picture


async def test_a_rebuild_keeps_what_others_write_during_it(subset_db_copy, monkeypatch):
    """A feed imported after the replay snapshot is applied inside the swap; a table the build does not know is state."""
    conn = sqlite3.connect(subset_db_copy, isolation_level=None)
    conn.execute("CREATE TABLE claims (race_id INTEGER REFERENCES races(id) ON DELETE CASCADE, holder TEXT)")
    conn.execute("INSERT INTO claims SELECT id, 'bot' FROM races WHERE season = 2002")
    conn.execute("UPDATE races SET name = 'renamed' WHERE season = 2002")  # the rebuild rewrites these rows
    conn.close()
    claims = query(subset_db_copy, "SELECT * FROM claims ORDER BY race_id")
    load_history = db.build._load_history

    async def load_then_import_into_the_live_database(*args):
        await load_history(*args)
        async with Store.open(subset_db_copy) as live:  # after the replay snapshot, before the swap
            await import_file(live, RICHMOND_FEED)

    monkeypatch.setattr(db.build, "_load_history", load_then_import_into_the_live_database)
    report = await build_database(subset_db_copy, show_progress=False)
    assert report.outcome == "rebuilt" and report.feeds_replayed == 0 and report.rows_written
    assert richmond(subset_db_copy) == (8, "feed")
    assert query(subset_db_copy, "SELECT kind, key FROM feed_documents") == [("weekend", "5274")]
    assert not query(subset_db_copy, "SELECT 1 FROM races WHERE name = 'renamed'")
    assert query(subset_db_copy, "SELECT * FROM claims ORDER BY race_id") == claims and report.state_rows_kept == len(claims)
    assert integrity(subset_db_copy) == "ok"


def test_import_while_building(subset_db_copy):
    stale = [subset_db_copy.with_name(f".{subset_db_copy.name}.build-99999-deadbeef{suffix}") for suffix in ("", "-wal", "-shm")]
    for path in stale:  # what a killed build leaves behind
        path.write_bytes(b"half a database")
    build = start_pitboard(subset_db_copy, "db", "build")
    imported = pitboard(subset_db_copy, "import", str(RICHMOND_FEED))
    build_out, build_err = build.communicate(timeout=CHILD_TIMEOUT)
    assert imported.returncode == 0, imported.stderr
    assert build.returncode == 0, build_err
    assert integrity(subset_db_copy) == "ok"
    assert richmond(subset_db_copy) == (8, "feed")  # replayed, or applied inside the swap: either way kept
    assert leftovers(subset_db_copy.parent) == []


# --------------------------------------------------------------------------- full disk


@pytest.fixture
def small_disk(tmp_path):
    """`make(free_bytes)` → (a directory with about that much room, how children must be started, the expected cause).

    A tmpfs when this process may mount one; otherwise RLIMIT_FSIZE in the child (SIGXFSZ ignored, so a write past
    the limit fails with EFBIG instead of killing it).
    """
    mounted = []

    def make(free_bytes: int, existing: Path | None = None):
        directory = tmp_path / f"disk{len(mounted)}"
        directory.mkdir()
        size = free_bytes + (existing.stat().st_size if existing else 0)
        mount = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(directory)], capture_output=True)
        if os.geteuid() == 0 and mount.returncode == 0:
            mounted.append(directory)
            return directory, None, "no space left on device"

        def limit_file_size():
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (free_bytes, free_bytes))

        return directory, limit_file_size, "file size limit exceeded"

    yield make
    for directory in mounted:
        subprocess.run(["umount", str(directory)], check=True)


def test_rebuild_on_a_full_disk_is_one_line_and_changes_nothing(subset_db, history_subset, small_disk):
    directory, limit, cause = small_disk(subset_db.stat().st_size // 2, existing=subset_db)
    database = directory / "pitboard.db"
    shutil.copy(subset_db, database)
    before = hashlib.sha256(database.read_bytes()).hexdigest()
    done = pitboard(database, "db", "build", preexec_fn=limit)
    assert done.returncode != 0
    assert one_line(done.stderr) == f"pitboard: {cause} while building {database}; the old database is unchanged"
    assert hashlib.sha256(database.read_bytes()).hexdigest() == before
    assert leftovers(directory) == []


def test_first_build_on_a_full_disk_leaves_nothing(subset_db, history_subset, small_disk):
    directory, limit, cause = small_disk(subset_db.stat().st_size // 2)
    database = directory / "pitboard.db"
    done = pitboard(database, "ask", "/winner dega", preexec_fn=limit)
    assert done.returncode != 0
    assert done.stderr.splitlines()[-1] == f"pitboard: {cause} while building {database}; no database was written"
    assert [path.name for path in directory.iterdir()] == ["pitboard.db.build.lock"]


# --------------------------------------------------------------------------- repair


LEDGER_ROWS = 400
KEPT = {"announcements": 1, "feed_documents": 1, "guild_settings": 2, "guild_subreddits": 1, "reddit_threads": 1}


def garbage(database: Path, built: Path) -> None:
    database.write_bytes(b"this is not a database, whatever its name says\n" * 1000)


def empty(database: Path, built: Path) -> None:
    database.write_bytes(b"")


def no_history(database: Path, built: Path) -> None:
    conn = sqlite3.connect(database)
    for version, _, sql in bundled_migrations():
        conn.executescript(sql)
        conn.execute(f"PRAGMA user_version = {version}")
    conn.close()
    add_state(database)


def damaged_pages(database: Path, built: Path) -> None:
    shutil.copy(built, database)
    add_state(database)
    conn = sqlite3.connect(database, isolation_level=None)
    conn.executemany(  # enough posting-ledger rows to fill several pages, one of which gets damaged
        "INSERT INTO reddit_threads (race_key, subreddit, state, title, content_hash, created_at)"
        " VALUES (?, 'NASCAR', 'posted', ?, 'hash', 'now')",
        [(f"nascar-{number:05d}", "Post-Race Thread " + "x" * 100) for number in range(LEDGER_ROWS)],
    )
    conn.close()
    ledger = [
        row[0]
        for row in query(
            database, "SELECT pageno FROM dbstat WHERE name = 'reddit_threads' AND pagetype = 'leaf' ORDER BY pageno"
        )
    ]
    races = [row[0] for row in query(database, "SELECT pageno FROM dbstat WHERE name = 'races' ORDER BY pageno")]
    page_size = query(database, "PRAGMA page_size")[0][0]
    with open(database, "r+b") as handle:
        for page in [*races, ledger[len(ledger) // 2]]:  # the races table, spread through the file, and one ledger page
            handle.seek((page - 1) * page_size)
            handle.write(b"\xa5" * page_size)


@pytest.mark.parametrize(
    ("damage", "problem", "kept"),
    [
        (garbage, "file is not a database", None),
        (empty, "the file is empty", None),
        (no_history, "it holds no race history", KEPT),
        (damaged_pages, "malformed", {**KEPT, "reddit_threads": range(2, LEDGER_ROWS)}),  # but one page of the ledger
    ],
)
def test_a_database_that_is_not_built_is_refused_then_repaired(damage, problem, kept, subset_db, history_subset, tmp_path):
    database = tmp_path / "pitboard.db"
    damage(database, subset_db)
    asked = pitboard(database, "ask", "/winner dega")
    assert asked.returncode != 0 and asked.stdout == ""
    refusal = one_line(asked.stderr)
    assert problem in refusal and "`pitboard db build`" in refusal

    repaired = pitboard(database, "db", "build")
    assert repaired.returncode == 0, repaired.stderr
    moved = re.search(r"moved it to (\S+)$", repaired.stdout, re.MULTILINE)
    assert moved and re.fullmatch(r"pitboard\.db\.corrupt-\d{8}-\d{6}", Path(moved.group(1)).name), repaired.stdout
    assert Path(moved.group(1)).exists() and problem in repaired.stdout
    races = "SELECT count(*) FROM races"  # every race of the history (a replayed feed updates its race, adds none)
    assert integrity(database) == "ok" and query(database, races) == query(subset_db, races)
    assert leftovers(tmp_path) == []
    if kept is None:
        assert "Kept from it: nothing" in repaired.stdout
        return
    kept_line = re.search(r"^Kept from it: (.*)$", repaired.stdout, re.MULTILINE).group(1)
    reported = {table: int(rows) for rows, table in (item.split(" ") for item in kept_line.split(", "))}
    now = {**state_counts(database), "feed_documents": query(database, "SELECT count(*) FROM feed_documents")[0][0]}
    assert reported == now
    for table, expected in kept.items():
        assert now[table] in expected if isinstance(expected, range) else now[table] == expected, table
    if isinstance(kept["reddit_threads"], range):
        assert "Lost from reddit_threads: database disk image is malformed" in repaired.stdout
    assert richmond(database) == (8, "feed")  # its feed document was replayed


def test_damage_met_by_a_query_is_one_line_naming_the_repair(subset_db_copy):
    """Every command's first check is cheap (header, schema, one history row); damage elsewhere is met by a query."""
    pages = [row[0] for row in query(subset_db_copy, "SELECT pageno FROM dbstat WHERE name LIKE 'results%' ORDER BY pageno")]
    page_size = query(subset_db_copy, "PRAGMA page_size")[0][0]
    with open(subset_db_copy, "r+b") as handle:
        for page in pages:
            handle.seek((page - 1) * page_size)
            handle.write(b"\xa5" * page_size)
    asked = pitboard(subset_db_copy, "ask", "/winner dega")
    assert asked.returncode != 0 and asked.stdout == ""
    message = (f"the database {subset_db_copy} is damaged (database disk image is malformed); "
               "repair it with `pitboard db build`")
    assert one_line(asked.stderr) == f"pitboard: {message}"
    asked = pitboard(subset_db_copy, "ask", "--json", "/winner dega")   # as every --json error: a document on stdout
    assert (asked.returncode, json.loads(asked.stdout), asked.stderr) == (2, {"error": message, "suggestions": []}, "")


def test_repair_is_refused_while_a_bot_has_the_database(tmp_path):
    database = tmp_path / "pitboard.db"
    garbage(database, tmp_path)
    holder = hold_run_lock(database)
    try:
        assert holder.stdout.readline().strip() == "held"
        done = pitboard(database, "db", "build")
    finally:
        holder.kill()
        holder.communicate()  # waits, and closes its stdout pipe
    assert done.returncode != 0
    assert f"pitboard run (pid {holder.pid}) has it open" in one_line(done.stderr)
    assert database.read_bytes().startswith(b"this is not a database")


# --------------------------------------------------------------------------- many processes


async def test_concurrent_builds_of_a_missing_database_build_once(history_subset, tmp_path):
    database = tmp_path / "pitboard.db"
    async with build_lock(database):  # both wait for this one, so they certainly run into each other
        builds = [start_pitboard(database, "db", "build") for _ in range(2)]
        for build in builds:
            assert "waiting for it to finish" in build.stderr.readline()
    outputs = [build.communicate(timeout=CHILD_TIMEOUT) for build in builds]
    assert [build.returncode for build in builds] == [0, 0], outputs
    built, reported = sorted((out for out, _ in outputs), key=lambda out: not out.startswith("Built "))
    assert built.startswith(f"Built {database}: ") and "was built by another pitboard db build while this one waited" in reported
    assert integrity(database) == "ok" and leftovers(tmp_path) == []


async def test_concurrent_first_run_commands_build_once(history_subset, tmp_path):
    database = tmp_path / "pitboard.db"
    async with build_lock(database):
        asks = [start_pitboard(database, "ask", "/winner dega 2023 cup") for _ in range(2)]
        for ask in asks:
            assert "Waiting for another build" in ask.stderr.readline()
    outputs = [ask.communicate(timeout=CHILD_TIMEOUT) for ask in asks]
    assert [ask.returncode for ask in asks] == [0, 0], outputs
    assert all("Talladega" in out for out, _ in outputs)
    assert sum(err.count("First run: building") for _, err in outputs) == 1


async def test_a_second_pitboard_run_refuses_before_connecting(subset_db, capsys):
    holder = hold_run_lock(subset_db)
    try:
        assert holder.stdout.readline().strip() == "held"
        async with FakeDiscord() as fake:
            with redirect_discord_to(fake):  # a slip would reach this fake, never the network
                status = await run_bot(Settings(db_path=subset_db, discord_token=Secret(fake.token), watch=False))
            assert fake.requests == []
    finally:
        holder.kill()
        holder.communicate()  # waits, and closes its stdout pipe
    assert status == 2
    assert one_line(capsys.readouterr().err) == (
        f"pitboard: another pitboard run is already using {subset_db} (pid {holder.pid}); stop it first"
    )
