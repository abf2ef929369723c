-- The webhook Pitboard made in each live channel (issue 11, fan-out): race-day boards and events are sent and edited
-- through it, off the bot's global request limit. Made once per channel and kept here, so a restart does not spend
-- a request per channel looking for it. A webhook a server admin deletes is forgotten (and made again) on the first
-- "Unknown Webhook" answer. The token is the webhook's own (it can only post in that one channel).
CREATE TABLE live_webhooks (
    channel_id      INTEGER PRIMARY KEY,
    webhook_id      INTEGER NOT NULL,
    token           TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
