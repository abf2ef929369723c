-- Post-race announcements sent to Discord channels: one per race and server, edited on revision.

CREATE TABLE announcements (
    race_key        TEXT NOT NULL,
    guild_id        INTEGER NOT NULL,
    channel_id      INTEGER NOT NULL,
    message_id      INTEGER NOT NULL,
    content_hash    TEXT NOT NULL,
    announced_at    TEXT NOT NULL,
    PRIMARY KEY (race_key, guild_id)
) WITHOUT ROWID;
