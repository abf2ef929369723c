-- Indexes for the questions bench/bench.py found reading far more rows than they answer.

-- The next race of a series (/next, the race-day watcher): without it, every race of the series was read and
-- sorted to find the first scheduled one after now; with it, one index seek.
CREATE INDEX races_by_series_status_start ON races (series_id, status, starts_at);

-- The latest season of each series at a track (/winner and /results without a year): grouped by series in index
-- order and covering the filters (status, round), so the track's races are never read from the table.
CREATE INDEX races_by_track_series ON races (track_id, series_id, season, status, round);
