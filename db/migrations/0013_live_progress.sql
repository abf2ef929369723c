-- Race day (issue 11): the last live-feed document the race weekend acted on, per race, so that a restart in the
-- middle of a race compares the feed with it (no event told twice, a summary after a long gap). State, not data:
-- `db build` leaves it alone. The document is kept as the feed served it (JSON text).
CREATE TABLE live_progress (
    race_key        TEXT PRIMARY KEY,       -- bot/posting.py race_key: nascar-<race id>
    live_feed       TEXT NOT NULL,          -- live-feed.json as served
    seen_at         TEXT NOT NULL           -- ISO 8601 UTC instant the document was acted on
);
