-- NASCAR's loop data of a race (loopstats/prod/{season}/{series}/{race_id}.json): each car's driver rating, running
-- positions, green-flag passes, quality passes, fastest laps and laps in the top 15. Data, like results: rebuilt from
-- the stored feed documents. A row belongs to the result it was matched to by finishing position (laps, laps led and
-- start checked equal), so it never outlives that result.
CREATE TABLE loop_stats (
    id                  INTEGER PRIMARY KEY,
    race_id             INTEGER NOT NULL REFERENCES races(id) ON DELETE CASCADE,
    result_id           INTEGER NOT NULL UNIQUE REFERENCES results(id) ON DELETE CASCADE,
    rating              REAL NOT NULL CHECK (rating BETWEEN 0 AND 150),   -- NASCAR's driver rating: 150 at most
    avg_position        REAL NOT NULL CHECK (avg_position >= 1),
    best_position       INTEGER CHECK (best_position >= 1),
    worst_position      INTEGER CHECK (worst_position >= 1),
    mid_position        INTEGER CHECK (mid_position >= 1),             -- at the race's halfway point
    closing_position    INTEGER CHECK (closing_position >= 1),         -- over the closing laps
    green_flag_passes   INTEGER NOT NULL CHECK (green_flag_passes >= 0),
    green_flag_passed   INTEGER NOT NULL CHECK (green_flag_passed >= 0),
    quality_passes      INTEGER NOT NULL CHECK (quality_passes >= 0),  -- passes of a car in the top 15 while in it
    fastest_laps        INTEGER NOT NULL CHECK (fastest_laps >= 0),
    top15_laps          INTEGER NOT NULL CHECK (top15_laps >= 0)
);
CREATE INDEX loop_stats_by_race ON loop_stats (race_id);
