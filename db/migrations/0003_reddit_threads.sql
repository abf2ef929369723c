-- The Reddit posting ledger: one row per race thread per subreddit, so a thread is posted once and never lost.

CREATE TABLE reddit_threads (
    race_key        TEXT NOT NULL,                 -- stable race key, e.g. nascar-5274
    subreddit       TEXT NOT NULL COLLATE NOCASE,  -- without r/, as first given (Reddit names are case-insensitive)
    state           TEXT NOT NULL CHECK (state IN ('pending', 'posted', 'failed')),
    submission_id   TEXT,                          -- Reddit's id (no t3_ prefix) once known
    title           TEXT NOT NULL,                 -- as submitted (Reddit titles cannot be edited)
    content_hash    TEXT NOT NULL,                 -- sha256 of title and body: last written (posted) or attempted (pending, failed)
    attempts        INTEGER NOT NULL DEFAULT 0,    -- Reddit write requests sent (submits and edits)
    last_error      TEXT,                          -- why the last attempt did not succeed; NULL after a success
    created_at      TEXT NOT NULL,                 -- ISO 8601 UTC instants
    posted_at       TEXT,
    edited_at       TEXT,
    PRIMARY KEY (race_key, subreddit)
) WITHOUT ROWID;
CREATE INDEX reddit_threads_by_state ON reddit_threads (state) WHERE state != 'posted';
