"""The Reddit posting ledger: which race thread went to which subreddit, and how far it got.

One row per (race key, kind, subreddit): a race has a pre-race, a live and a post-race thread (`ThreadKind`);
subreddit names compare case-insensitively. A row keeps the body last written, so the thread can be edited to
link its race's other threads when they appear. Every function
that changes a row does so in its own transaction, so the ledger is always as far as Reddit is.
A process claims a row (`claim`) before it submits or edits the thread, and releases it afterwards.
The claim SQL is standard (INSERT … ON CONFLICT DO NOTHING, conditional UPDATE): PostgreSQL runs it too.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from db import claims
from db.claims import Claim, instant
from db.records import Record
from db.store import Store

COLUMNS = (
    "race_key, kind, subreddit, state, submission_id, title, content_hash, body, attempts, last_error, created_at, posted_at, "
    "edited_at, claimed_by, claimed_until"
)


class ThreadKind(StrEnum):
    """Which of a race's threads: the post-race thread is the original one (every row older than migration 0014)."""

    PRE = "pre"
    LIVE = "live"
    POST = "post"


class ThreadRecord(Record):
    race_key: str
    kind: ThreadKind
    subreddit: str                  # as first given
    state: str                      # pending, posted, failed
    submission_id: str | None       # Reddit's id, without t3_
    title: str                      # as submitted
    content_hash: str               # last written (posted) or attempted (pending, failed)
    body: str | None                # last written; None until written (and for threads written before migration 0014)
    attempts: int                   # write requests sent to Reddit
    last_error: str | None
    created_at: datetime
    posted_at: datetime | None
    edited_at: datetime | None
    claimed_by: str | None          # the process writing to Reddit for this row now
    claimed_until: datetime | None  # its claim lapses then unless renewed

    @property
    def last_written_at(self) -> datetime | None:
        return self.edited_at or self.posted_at


def _instant(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def _required_instant(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _record(row) -> ThreadRecord:
    return ThreadRecord(
        race_key=row["race_key"], kind=ThreadKind(row["kind"]), subreddit=row["subreddit"], state=row["state"],
        submission_id=row["submission_id"], title=row["title"], content_hash=row["content_hash"], body=row["body"],
        attempts=row["attempts"], last_error=row["last_error"],
        created_at=_required_instant(row["created_at"]), posted_at=_instant(row["posted_at"]),
        edited_at=_instant(row["edited_at"]), claimed_by=row["claimed_by"], claimed_until=_instant(row["claimed_until"]),
    )


async def get(store: Store, race_key: str, subreddit: str, kind: ThreadKind = ThreadKind.POST) -> ThreadRecord | None:
    row = await store.fetchone(
        f"SELECT {COLUMNS} FROM reddit_threads WHERE race_key = ? AND kind = ? AND subreddit = ?", (race_key, kind, subreddit)
    )
    return None if row is None else _record(row)


async def all_threads(store: Store) -> list[ThreadRecord]:
    rows = await store.fetchall(f"SELECT {COLUMNS} FROM reddit_threads ORDER BY race_key, subreddit, kind")
    return [_record(row) for row in rows]


async def submitted_for_race(store: Store, race_key: str, kind: ThreadKind = ThreadKind.POST) -> list[ThreadRecord]:
    """The race's threads of this kind that exist on Reddit, by subreddit name."""
    rows = await store.fetchall(
        f"SELECT {COLUMNS} FROM reddit_threads"
        " WHERE race_key = ? AND kind = ? AND submission_id IS NOT NULL ORDER BY lower(subreddit)",
        (race_key, kind),
    )
    return [_record(row) for row in rows]


async def race_threads_in(store: Store, race_key: str, subreddit: str) -> dict[ThreadKind, ThreadRecord]:
    """The race's threads in one subreddit that exist on Reddit, by kind."""
    rows = await store.fetchall(
        f"SELECT {COLUMNS} FROM reddit_threads WHERE race_key = ? AND subreddit = ? AND submission_id IS NOT NULL",
        (race_key, subreddit),
    )
    return {record.kind: record for record in map(_record, rows)}


async def claim(
    store: Store, race_key: str, subreddit: str, title: str, content_hash: str, holder: str, now: datetime, until: datetime,
    kind: ThreadKind = ThreadKind.POST,
) -> Claim | None:
    """Claim the thread for `holder` until `until`; None if another holder's claim is still running.

    A thread never seen before gets its `pending` row here (the claim is then `first`); an existing row
    is claimed only if it is free, already `holder`'s, or its claim lapsed before `now`.
    """
    async with store.transaction() as conn:
        inserted = await conn.execute(
            """INSERT INTO reddit_threads (race_key, kind, subreddit, state, title, content_hash, created_at, claimed_by,
                                           claimed_until)
               VALUES (?, ?, ?, 'pending', ?, ?, ?, ?, ?)
               ON CONFLICT (race_key, kind, subreddit) DO NOTHING""",
            (race_key, kind, subreddit, title, content_hash, now.isoformat(), holder, instant(until)),
        )
        if inserted.rowcount == 1:
            return Claim(holder, first=True)
        taken = await claims.take(conn, _row(race_key, subreddit, kind), holder, now, until)
        return Claim(holder, first=False) if taken else None


def _row(race_key: str, subreddit: str, kind: ThreadKind) -> claims.LedgerRow:
    return claims.LedgerRow("reddit_threads", ("race_key", "kind", "subreddit"), (race_key, kind, subreddit))


async def renew_claim(
    store: Store, race_key: str, subreddit: str, holder: str, until: datetime, kind: ThreadKind = ThreadKind.POST
) -> bool:
    """Extend `holder`'s claim; False if it lapsed and another holder took the row meanwhile."""
    return await claims.renew(store, _row(race_key, subreddit, kind), holder, until)


async def release_claim(store: Store, race_key: str, subreddit: str, holder: str, kind: ThreadKind = ThreadKind.POST) -> None:
    await claims.release(store, _row(race_key, subreddit, kind), holder)


async def begin(
    store: Store, race_key: str, subreddit: str, title: str, content_hash: str, at: datetime, kind: ThreadKind = ThreadKind.POST
) -> None:
    """Write-ahead: mark the thread `pending` with the content about to be submitted.

    A row that already has a submission is left alone (it is edited, never submitted again).
    """
    async with store.transaction() as conn:
        await conn.execute(
            """INSERT INTO reddit_threads (race_key, kind, subreddit, state, title, content_hash, created_at)
               VALUES (?, ?, ?, 'pending', ?, ?, ?)
               ON CONFLICT (race_key, kind, subreddit) DO UPDATE SET
                   state = 'pending', title = excluded.title, content_hash = excluded.content_hash
               WHERE submission_id IS NULL""",
            (race_key, kind, subreddit, title, content_hash, at.isoformat()),
        )


async def count_attempt(store: Store, race_key: str, subreddit: str, kind: ThreadKind = ThreadKind.POST) -> None:
    """Note a write request about to be sent (a submit or an edit)."""
    async with store.transaction() as conn:
        await conn.execute(
            "UPDATE reddit_threads SET attempts = attempts + 1 WHERE race_key = ? AND kind = ? AND subreddit = ?",
            (race_key, kind, subreddit),
        )


async def record_error(store: Store, race_key: str, subreddit: str, error: str, kind: ThreadKind = ThreadKind.POST) -> None:
    """Keep the reason of a failed attempt that will be tried again (or deferred); the state does not change."""
    async with store.transaction() as conn:
        await conn.execute(
            "UPDATE reddit_threads SET last_error = ? WHERE race_key = ? AND kind = ? AND subreddit = ?",
            (error, race_key, kind, subreddit),
        )


async def mark_posted(
    store: Store, race_key: str, subreddit: str, submission_id: str, title: str, content_hash: str, at: datetime,
    kind: ThreadKind = ThreadKind.POST, body: str | None = None,
) -> None:
    async with store.transaction() as conn:
        await conn.execute(
            """UPDATE reddit_threads
               SET state = 'posted', submission_id = ?, title = ?, content_hash = ?, body = ?, posted_at = ?, last_error = NULL
               WHERE race_key = ? AND kind = ? AND subreddit = ?""",
            (submission_id, title, content_hash, body, at.isoformat(), race_key, kind, subreddit),
        )


async def mark_edited(
    store: Store, race_key: str, subreddit: str, content_hash: str, at: datetime,
    kind: ThreadKind = ThreadKind.POST, body: str | None = None,
) -> None:
    async with store.transaction() as conn:
        await conn.execute(
            """UPDATE reddit_threads SET state = 'posted', content_hash = ?, body = ?, edited_at = ?, last_error = NULL
               WHERE race_key = ? AND kind = ? AND subreddit = ?""",
            (content_hash, body, at.isoformat(), race_key, kind, subreddit),
        )


async def mark_failed(
    store: Store, race_key: str, subreddit: str, content_hash: str, error: str, kind: ThreadKind = ThreadKind.POST
) -> None:
    """Give up on this content for good; the same content is not tried again, revised content may be."""
    async with store.transaction() as conn:
        await conn.execute(
            "UPDATE reddit_threads SET state = 'failed', content_hash = ?, last_error = ?"
            " WHERE race_key = ? AND kind = ? AND subreddit = ?",
            (content_hash, error, race_key, kind, subreddit),
        )
