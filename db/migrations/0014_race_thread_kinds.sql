-- A race has up to three Reddit threads per subreddit: pre-race, live and post-race. The ledger's key becomes
-- (race_key, kind, subreddit); every row before this migration is a post-race thread. Each row also keeps the
-- body last written, so a thread can be edited to link its race's other threads when they appear.
-- A rowid table (see 0006 on WITHOUT ROWID tables and integrity_check on SQLite 3.40).

CREATE TABLE reddit_threads_new (
    race_key        TEXT NOT NULL,
    kind            TEXT NOT NULL DEFAULT 'post' CHECK (kind IN ('pre', 'live', 'post')),
    subreddit       TEXT NOT NULL COLLATE NOCASE,
    state           TEXT NOT NULL CHECK (state IN ('pending', 'posted', 'failed')),
    submission_id   TEXT,
    title           TEXT NOT NULL,
    content_hash    TEXT NOT NULL,
    body            TEXT,                          -- the body last written (posted); NULL before it is, or before 0014
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    created_at      TEXT NOT NULL,
    posted_at       TEXT,
    edited_at       TEXT,
    claimed_by      TEXT,
    claimed_until   TEXT,
    PRIMARY KEY (race_key, kind, subreddit)
);
INSERT INTO reddit_threads_new (race_key, kind, subreddit, state, submission_id, title, content_hash, attempts, last_error,
                                created_at, posted_at, edited_at, claimed_by, claimed_until)
    SELECT race_key, 'post', subreddit, state, submission_id, title, content_hash, attempts, last_error,
           created_at, posted_at, edited_at, claimed_by, claimed_until FROM reddit_threads;
DROP TABLE reddit_threads;
ALTER TABLE reddit_threads_new RENAME TO reddit_threads;
CREATE INDEX reddit_threads_by_state ON reddit_threads (state) WHERE state != 'posted';
