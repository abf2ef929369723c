"""Claims on ledger rows: which process may write a post or an announcement now, and until when.

A claim is taken with one conditional write (see db/threads.py and db/announcements.py) whose row
count says whether it was won. It names its holder, a random token per poster or announcer, and
lapses at `until` unless the holder renews it, so a holder that died blocks nobody for long.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timezone


@dataclass(frozen=True)
class Claim:
    holder: str
    first: bool     # the claim created the ledger row: no earlier attempt can have posted anything


def new_holder() -> str:
    """A token naming one claimant (one poster or announcer in one process)."""
    return secrets.token_hex(8)


def instant(at: datetime) -> str:
    """ISO 8601 UTC text with microseconds: instants in this form compare correctly as strings."""
    return at.astimezone(timezone.utc).isoformat(timespec="microseconds")
