-- Race day (issue 11): per-server race-day settings, each race's lifecycle state, and what a pre-race post
-- needs from the weekend feed and race list that the store did not keep yet. Standard SQL (PostgreSQL-compatible):
-- no WITHOUT ROWID, instants as ISO 8601 UTC text.

-- Per server (/config live, delay, reminder, events, race-threads).
ALTER TABLE guild_settings ADD COLUMN live_updates INTEGER NOT NULL DEFAULT 0;          -- 1: live board and race events
ALTER TABLE guild_settings ADD COLUMN tv_delay_seconds INTEGER NOT NULL DEFAULT 0
    CHECK (tv_delay_seconds BETWEEN 0 AND 600);                                         -- everything live held back this long
ALTER TABLE guild_settings ADD COLUMN reminder_minutes INTEGER
    CHECK (reminder_minutes BETWEEN 1 AND 1440);                                        -- NULL: no reminder
ALTER TABLE guild_settings ADD COLUMN reminder_role_id INTEGER;                         -- NULL: the reminder mentions nobody
ALTER TABLE guild_settings ADD COLUMN scheduled_events INTEGER NOT NULL DEFAULT 0;      -- 1: a Discord scheduled event per race
ALTER TABLE guild_settings ADD COLUMN race_threads TEXT NOT NULL DEFAULT 'channel'
    CHECK (race_threads IN ('channel', 'thread', 'forum'));                             -- where a race's messages go
ALTER TABLE guild_settings ADD COLUMN forum_channel_id INTEGER;                         -- the forum, when race_threads = 'forum'

-- One row per race once its lifecycle started: the state and the instant it entered it. State, not data:
-- `db build` keeps it (the race key survives a rebuild). A transition is one conditional UPDATE (state = expected).
CREATE TABLE race_states (
    race_key        TEXT PRIMARY KEY,                  -- bot/posting.py race_key: nascar-<race id>
    state           TEXT NOT NULL CHECK (state IN ('scheduled', 'pre_race', 'live', 'finished', 'official', 'cancelled')),
    entered_at      TEXT NOT NULL                      -- ISO 8601 UTC instant with microseconds
);

-- Broadcasters, from the race list and the weekend feed (NULL: not announced).
ALTER TABLE races ADD COLUMN tv_broadcaster TEXT;
ALTER TABLE races ADD COLUMN radio_broadcaster TEXT;
ALTER TABLE races ADD COLUMN satellite_broadcaster TEXT;
ALTER TABLE races ADD COLUMN pole_feed_id INTEGER;     -- pole_winner_driver_id, when the feed names the pole-sitter

-- The weekend schedule (`schedule[]`): practice, qualifying, the race and the off-track events, in feed order.
CREATE TABLE weekend_sessions (
    race_id         INTEGER NOT NULL REFERENCES races(id) ON DELETE CASCADE,
    position        INTEGER NOT NULL,                  -- order in the feed's list, from 1
    name            TEXT NOT NULL,
    notes           TEXT,
    run_type        INTEGER NOT NULL CHECK (run_type BETWEEN 0 AND 3),   -- 0 other, 1 practice, 2 qualifying, 3 race
    starts_at       TEXT,                              -- ISO 8601 UTC instant; NULL when the feed has no time
    PRIMARY KEY (race_id, position)
);

-- Runs on track during the weekend (`weekend_runs[]`: practice and qualifying) and their classifications.
CREATE TABLE weekend_runs (
    race_id         INTEGER NOT NULL REFERENCES races(id) ON DELETE CASCADE,
    run_id          INTEGER NOT NULL,                  -- weekend_run_id
    run_type        INTEGER NOT NULL CHECK (run_type BETWEEN 0 AND 3),
    name            TEXT NOT NULL,
    starts_at       TEXT,                              -- run_date_utc as an ISO 8601 UTC instant
    PRIMARY KEY (race_id, run_id)
);

CREATE TABLE run_results (
    race_id         INTEGER NOT NULL,
    run_id          INTEGER NOT NULL,
    position        INTEGER NOT NULL,
    car_number      TEXT NOT NULL,
    driver_id       INTEGER NOT NULL REFERENCES drivers(id),
    make            TEXT,
    best_lap_time   REAL,                              -- seconds; NULL when not run (the feed writes 0)
    best_lap_speed  REAL,                              -- mph; NULL when not run
    PRIMARY KEY (race_id, run_id, position),
    FOREIGN KEY (race_id, run_id) REFERENCES weekend_runs (race_id, run_id) ON DELETE CASCADE
);
CREATE INDEX run_results_by_driver ON run_results (driver_id);
