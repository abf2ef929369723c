-- Per-server settings chosen with /config.

CREATE TABLE guild_settings (
    guild_id            INTEGER PRIMARY KEY,
    announce_channel_id INTEGER,                   -- where post-race announcements go
    default_series      TEXT REFERENCES series(key),
    updated_at          TEXT NOT NULL
);

CREATE TABLE guild_subreddits (
    guild_id            INTEGER NOT NULL,
    series              TEXT NOT NULL REFERENCES series(key),
    subreddit           TEXT NOT NULL,             -- without r/, as typed (Reddit names are case-insensitive)
    PRIMARY KEY (guild_id, series, subreddit COLLATE NOCASE)
) WITHOUT ROWID;
CREATE INDEX guild_subreddits_by_series ON guild_subreddits (series);
