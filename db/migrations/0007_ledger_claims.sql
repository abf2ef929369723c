-- Claims in the posting ledgers: before a process submits or edits a Reddit thread, or sends or edits a
-- Discord announcement, it claims the ledger row (a conditional write whose row count says who won).
-- A claim names its holder (a random token per poster or announcer) and expires, so a holder that
-- died blocks nobody for long; the next claimant then looks for the post its predecessor may have made.
-- Instants are ISO 8601 UTC text with microseconds, so they compare correctly as strings.

ALTER TABLE reddit_threads ADD COLUMN claimed_by TEXT;       -- holder's token; NULL when free
ALTER TABLE reddit_threads ADD COLUMN claimed_until TEXT;    -- the claim lapses after this instant

-- An announcement is claimed before its message is sent, so its message id is unknown (NULL) until then.
-- A rowid table (see 0006 on WITHOUT ROWID tables and integrity_check on SQLite 3.40).
CREATE TABLE announcements_new (
    race_key        TEXT NOT NULL,
    guild_id        INTEGER NOT NULL,
    channel_id      INTEGER NOT NULL,
    message_id      INTEGER,            -- NULL: not sent yet, or sent by a holder that died before recording it
    content_hash    TEXT NOT NULL,      -- of the embed last sent (message_id set) or being sent (message_id NULL)
    announced_at    TEXT NOT NULL,
    claimed_by      TEXT,
    claimed_until   TEXT,
    PRIMARY KEY (race_key, guild_id)
);
INSERT INTO announcements_new (race_key, guild_id, channel_id, message_id, content_hash, announced_at)
    SELECT race_key, guild_id, channel_id, message_id, content_hash, announced_at FROM announcements;
DROP TABLE announcements;
ALTER TABLE announcements_new RENAME TO announcements;
