"""The store: migrations, pragmas, transactions, file permissions."""

from __future__ import annotations

import sqlite3
import stat

import pytest

from db.store import Store, bundled_migrations

PRAGMAS = ("foreign_keys", "journal_mode", "busy_timeout", "query_only")


async def test_bundled_migrations_reach_latest_version(tmp_path):
    async with Store.open(tmp_path / "p.db") as store:
        assert await store.schema_version() == len(bundled_migrations())
        writer = {pragma: (await store.conn.execute_fetchall(f"PRAGMA {pragma}"))[0][0] for pragma in PRAGMAS}
        assert writer == {"foreign_keys": 1, "journal_mode": "wal", "busy_timeout": 30000, "query_only": 0}
        reader = {pragma: await store.scalar(f"PRAGMA {pragma}") for pragma in PRAGMAS}
        assert reader == {"foreign_keys": 0, "journal_mode": "wal", "busy_timeout": 5000, "query_only": 1}


async def test_failing_migration_leaves_previous_version_intact(tmp_path):
    good = (1, "0001_a.sql", "CREATE TABLE a (x INTEGER);")
    bad = (2, "0002_b.sql", "CREATE TABLE b (y INTEGER);\nINSERT INTO a VALUES (1);\nTHIS IS NOT SQL;")
    async with Store.open(tmp_path / "m.db", migrations=[good]) as store:
        assert await store.schema_version() == 1
    with pytest.raises(sqlite3.OperationalError):
        async with Store.open(tmp_path / "m.db", migrations=[good, bad]):
            pass
    async with Store.open(tmp_path / "m.db", migrations=[good]) as store:
        assert await store.schema_version() == 1
        assert await store.scalar("SELECT count(*) FROM sqlite_master WHERE name = 'b'") == 0
        assert await store.scalar("SELECT count(*) FROM a") == 0


async def test_migrations_apply_once(tmp_path):
    migration = (1, "0001_a.sql", "CREATE TABLE a (x INTEGER);")
    for _ in range(2):
        async with Store.open(tmp_path / "m.db", migrations=[migration]) as store:
            assert await store.schema_version() == 1


async def test_a_database_analysed_by_an_older_build_loses_its_partial_statistics(tmp_path):
    """Builds before migration 0019 ended with `PRAGMA optimize`; its statistics misled the planner (test_history)."""
    older = [migration for migration in bundled_migrations() if migration[0] < 19]
    async with Store.open(tmp_path / "p.db", migrations=older) as store:
        await store.conn.execute("INSERT INTO drivers (name) VALUES ('Some Driver')")
        await store.conn.commit()
        await store.conn.execute("ANALYZE")
        await store.conn.commit()
        assert await store.scalar("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'") == 1
    async with Store.open(tmp_path / "p.db") as store:
        assert await store.scalar("SELECT count(*) FROM sqlite_master WHERE name LIKE 'sqlite_stat%'") == 0


async def test_a_database_built_before_0024_forgets_laps_led_the_history_did_not_record(tmp_path):
    """A history race whose counts add up to under half its laps (the winner's 1 of 200) has none; one that adds up to
    most of them keeps its counts; a feed race is the feed's."""
    older = [migration for migration in bundled_migrations() if migration[0] < 24]
    async with Store.open(tmp_path / "p.db", migrations=older) as store:
        await store.conn.executescript(
            "INSERT INTO series (id, key, name, short_name) VALUES (1, 'cup', 'Cup', 'Cup');"
            "INSERT INTO tracks (id, name, kind) VALUES (1, 'Canfield', 'oval');"
            "INSERT INTO drivers (id, name) VALUES (1, 'A'), (2, 'B');"
            "INSERT INTO races (id, series_id, season, round, name, track_id, kind, actual_laps, status, source) VALUES "
            "(1, 1, 1951, 9, 'Placeholder', 1, 'oval', 200, 'official', 'history'),"
            "(2, 1, 1960, 1, 'Recorded', 1, 'oval', 200, 'official', 'history'),"
            "(3, 1, 2023, 1, 'Feed', 1, 'oval', 200, 'official', 'feed');"
            "INSERT INTO results (race_id, finish, car_number, driver_id, laps, laps_led) VALUES "
            "(1, 1, '6', 1, 200, 1), (1, 2, '7', 2, 199, 0), (2, 1, '6', 1, 200, 150), (2, 2, '7', 2, 200, 0),"
            "(3, 1, '6', 1, 200, 1), (3, 2, '7', 2, 200, 0);"
        )
    async with Store.open(tmp_path / "p.db") as store:
        led = await store.fetchall("SELECT race_id, laps_led FROM results ORDER BY race_id, finish")
    assert [tuple(row) for row in led] == [(1, None), (1, None), (2, 150), (2, 0), (3, 1), (3, 0)]


async def test_transaction_rolls_back_on_error(small_store):
    before = await small_store.scalar("SELECT count(*) FROM drivers")
    with pytest.raises(RuntimeError):
        async with small_store.transaction() as conn:
            await conn.execute("INSERT INTO drivers (name) VALUES ('Temporary Driver')")
            raise RuntimeError("boom")
    assert await small_store.scalar("SELECT count(*) FROM drivers") == before


async def test_database_file_is_private(tmp_path):
    path = tmp_path / "private" / "p.db"
    async with Store.open(path):
        pass
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_car_numbers_are_text(tmp_path):
    """`02` and `2` are different cars."""
    conn = sqlite3.connect(":memory:")
    conn.executescript(bundled_migrations()[0][2])
    column = [c for c in conn.execute("PRAGMA table_info(results)") if c[1] == "car_number"][0]
    assert column[2] == "TEXT"


async def test_disk_full_in_a_transaction_raises_the_real_error(small_store):
    """SQLite rolls back by itself on SQLITE_FULL: the error must not become "no transaction is active"."""
    drivers = await small_store.scalar("SELECT count(*) FROM drivers")
    (pages,), = await small_store.conn.execute_fetchall("PRAGMA page_count")
    await small_store.conn.execute(f"PRAGMA max_page_count = {pages + 2}")
    with pytest.raises(sqlite3.OperationalError) as raised:
        async with small_store.transaction() as conn:
            await conn.executemany("INSERT INTO drivers (name) VALUES (?)", [(f"Driver {n} " + "x" * 500,) for n in range(1000)])
    assert raised.value.sqlite_errorname == "SQLITE_FULL"

    await small_store.conn.execute("PRAGMA max_page_count = 1073741823")
    async with small_store.transaction() as conn:  # the writer is not left inside a transaction
        await conn.execute("INSERT INTO drivers (name) VALUES ('After The Full Disk')")
    assert await small_store.scalar("SELECT count(*) FROM drivers") == drivers + 1


async def test_a_store_started_from_another_stores_name_index_uses_it_until_the_names_change(small_store):
    """Store.start_names, by which the tests' stores of one database share one load of its name index."""
    loaded = await small_store.names()
    async with Store.open(small_store.path) as store:
        await store.start_names(loaded)
        assert await store.names() is loaded
        async with store.transaction() as conn:
            await conn.execute("INSERT INTO track_aliases (alias, track_id) SELECT 'pitboard test oval', min(id) FROM tracks")
        reloaded = await store.names()
        first_track = await store.scalar("SELECT name FROM tracks ORDER BY id LIMIT 1")
    assert reloaded is not loaded and reloaded.track("pitboard test oval").name == first_track
