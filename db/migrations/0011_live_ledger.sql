-- Race-day objects Pitboard made in Discord servers (issue 11): the live board message of a race, each
-- event message, the reminder, the race's thread or forum post, and its guild scheduled event. One row per
-- object, claimed before the object is made (see 0007 on claims), so each is made once across restarts and
-- across processes; the board is then edited in place through the id recorded here.
-- Instants are ISO 8601 UTC text with microseconds, so they compare correctly as strings.
CREATE TABLE live_ledger (
    race_key        TEXT NOT NULL,
    guild_id        INTEGER NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('board', 'event', 'reminder', 'thread', 'scheduled_event')),
    item            TEXT NOT NULL,      -- an event's stable key, a reminder's green-flag instant; '' when a race has one
    channel_id      INTEGER,            -- the message's channel, the thread's parent; NULL for a scheduled event
    object_id       INTEGER,            -- the message, thread or scheduled event; NULL until made (or once deleted)
    state           TEXT NOT NULL DEFAULT '',   -- a scheduled event's start instant as last written
    updated_at      TEXT NOT NULL,
    claimed_by      TEXT,               -- holder's token; NULL when free
    claimed_until   TEXT,               -- the claim lapses after this instant
    PRIMARY KEY (race_key, guild_id, kind, item)
);
