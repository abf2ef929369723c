"""Migration 0018's tallies of starts per (driver, series) and per (team, series), which the name index reads instead
of counting every result: equal to that count after a build, feed and Jolpica imports, a revision, a rebuild over
the live database, and races deleted or moved to another series."""

from __future__ import annotations

import json

from db import jolpica
from db.build import build_database
from db.nascar_feed import import_document, import_file
from db.store import Store
from testkit.jolpica_documents import session_document, session_entries
from testkit.samples import RICHMOND_FEED

COUNTED = {
    "driver_series_starts":
        "SELECT x.driver_id, r.series_id, count(*) FROM results x JOIN races r ON r.id = x.race_id GROUP BY 1, 2",
    "team_series_starts":
        "SELECT x.team_id, r.series_id, count(*) FROM results x JOIN races r ON r.id = x.race_id "
        "WHERE x.team_id IS NOT NULL GROUP BY 1, 2",
}
JOLPICA_SEASON, JOLPICA_ROUND = 2026, 12   # a race F1DB has no results for (see test_jolpica_import)


async def tallies(store: Store) -> dict[str, set[tuple[int, int, int]]]:
    """Each tally as kept, after checking it equals the count over the results."""
    kept = {}
    for table, counted in COUNTED.items():
        kept[table] = {tuple(row) for row in await store.fetchall(f"SELECT * FROM {table}")}
        assert kept[table] == {tuple(row) for row in await store.fetchall(counted)}, table
    return kept


async def test_tallies_equal_the_results_after_a_build(subset_db):
    async with Store.open(subset_db) as store:
        kept = await tallies(store)
    assert len(kept["driver_series_starts"]) > 100 and len(kept["team_series_starts"]) > 100


async def test_tallies_follow_imports_a_revision_and_a_rebuild(subset_db_copy):
    async with Store.open(subset_db_copy) as store:
        before = await tallies(store)
        await import_file(store, RICHMOND_FEED)
        await tallies(store)
        revised = json.loads(RICHMOND_FEED.read_text())
        results = revised["weekend_race"][0]["results"]
        results[0]["finishing_position"], results[1]["finishing_position"] = 2, 1
        assert (await import_document(store, json.dumps(revised).encode())).changed
        await tallies(store)
        await jolpica.import_document(
            store, session_document(JOLPICA_SEASON, JOLPICA_ROUND, entries=list(session_entries(JOLPICA_SEASON, 11)))
        )
        imported = await tallies(store)
        assert imported["driver_series_starts"] != before["driver_series_starts"]   # the F1 race's starts were added
    await build_database(subset_db_copy, show_progress=False)   # the live file's rows made equal to a fresh build's
    async with Store.open(subset_db_copy) as store:
        assert await tallies(store) == imported   # the feed documents replayed: the same starts


async def test_tallies_follow_races_deleted_and_moved(subset_db_copy):
    async with Store.open(subset_db_copy) as store:
        races = await store.fetchall(
            "SELECT r.id, r.series_id FROM races r WHERE EXISTS (SELECT 1 FROM results x WHERE x.race_id = r.id) "
            "ORDER BY r.id LIMIT 2"
        )
        other_series = await store.scalar("SELECT min(id) FROM series WHERE id != ?", (races[1]["series_id"],))
        async with store.transaction() as conn:
            await conn.execute("DELETE FROM races WHERE id = ?", (races[0]["id"],))   # its results go by cascade
        assert not await store.scalar("SELECT count(*) FROM results WHERE race_id = ?", (races[0]["id"],))
        await tallies(store)
        async with store.transaction() as conn:
            await conn.execute("UPDATE races SET series_id = ? WHERE id = ?", (other_series, races[1]["id"]))
            await conn.execute("UPDATE results SET team_id = NULL WHERE race_id = ? AND finish = 1", (races[1]["id"],))
        await tallies(store)
