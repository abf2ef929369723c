"""The console's store: one read transaction, so reference data is read once in it and nothing changes under it."""

from __future__ import annotations

import shutil
import sqlite3

from db.snapshot import Snapshot, SyncStore, finish


def test_reference_data_is_read_once_per_read_transaction_and_anew_in_the_next(small_db, tmp_path):
    copy = tmp_path / "small.db"
    shutil.copy(small_db, copy)
    reads: list[int] = []

    def race_count(snapshot: Snapshot) -> int:
        reads.append(1)
        return snapshot.scalar("SELECT count(*) FROM races")

    with SyncStore.open(copy) as store:
        before = finish(store.read_remembered(race_count))
        writer = sqlite3.connect(copy, isolation_level=None)
        writer.execute("DELETE FROM races WHERE id = (SELECT max(id) FROM races)")
        writer.close()
        assert finish(store.read_remembered(race_count)) == before   # the snapshot holds, and is read once
        assert len(reads) == 1
    with SyncStore.open(copy) as store:
        assert finish(store.read_remembered(race_count)) == before - 1
    assert len(reads) == 2
