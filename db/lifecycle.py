"""Where each race is in its weekend (scheduled, pre-race, live, finished, official or cancelled), persisted.

A race without a row is scheduled. A transition is taken with one conditional write in one transaction (the
row is created in its first state if missing, then `UPDATE … WHERE state = <expected>`): of two processes that
both saw the race in the same state, exactly one takes the transition (its row count is 1) and acts on it; the
other sees 0 and does nothing. Plain standard SQL (PostgreSQL accepts it as written).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from db.claims import instant
from db.records import Record
from db.store import Snapshot, Store


class RaceState(StrEnum):
    SCHEDULED = "scheduled"
    PRE_RACE = "pre_race"     # N hours before the green flag: the pre-race post and embed
    LIVE = "live"             # the live feed showed this race's first green flag
    FINISHED = "finished"     # checkered flag; results not official yet
    OFFICIAL = "official"     # the race list or weekend feed says official: the post-race path
    CANCELLED = "cancelled"


class StoredState(Record):
    state: RaceState
    entered_at: datetime | None   # None: never recorded (a race without a row is scheduled)


NOT_STARTED = StoredState(RaceState.SCHEDULED, None)


async def load(store: Store, race_key: str) -> StoredState:
    """The race's state and when it entered it; scheduled (never recorded) without a row."""
    return await store.read(_read_state, race_key)


def _read_state(snapshot: Snapshot, race_key: str) -> StoredState:
    row = snapshot.fetchone("SELECT state, entered_at FROM race_states WHERE race_key = ?", (race_key,))
    return StoredState(RaceState(row["state"]), datetime.fromisoformat(row["entered_at"])) if row else NOT_STARTED


async def load_many(store: Store, race_keys: list[str]) -> dict[str, StoredState]:
    """The states of several races in one read (races never recorded are scheduled)."""
    return await store.read(_read_states, race_keys)


def _read_states(snapshot: Snapshot, race_keys: list[str]) -> dict[str, StoredState]:
    states = dict.fromkeys(race_keys, NOT_STARTED)
    for start in range(0, len(race_keys), 500):   # well under SQLite's and PostgreSQL's parameter limits
        chunk = race_keys[start:start + 500]
        rows = snapshot.fetchall(
            f"SELECT race_key, state, entered_at FROM race_states WHERE race_key IN ({', '.join('?' * len(chunk))})", chunk
        )
        for row in rows:
            states[row["race_key"]] = StoredState(RaceState(row["state"]), datetime.fromisoformat(row["entered_at"]))
    return states


async def record(store: Store, race_key: str, expected: RaceState, target: RaceState, at: datetime) -> bool:
    """Move the race from `expected` to `target` as of `at`; False (nothing written) when it is no longer in `expected`,
    because another process took this transition, or another one, first."""
    async with store.transaction() as conn:
        if expected is RaceState.SCHEDULED:   # a race never recorded is scheduled: its row starts there
            await conn.execute(
                "INSERT INTO race_states (race_key, state, entered_at) VALUES (?, ?, ?) ON CONFLICT (race_key) DO NOTHING",
                (race_key, RaceState.SCHEDULED.value, instant(at)),
            )
        cursor = await conn.execute(
            "UPDATE race_states SET state = ?, entered_at = ? WHERE race_key = ? AND state = ?",
            (target.value, instant(at), race_key, expected.value),
        )
        return cursor.rowcount == 1
