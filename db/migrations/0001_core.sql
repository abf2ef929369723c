-- Core results store: series, tracks, drivers, teams, races and everything that happened in them.

CREATE TABLE series (
    id              INTEGER PRIMARY KEY,
    key             TEXT NOT NULL UNIQUE,          -- cup, xfinity, truck
    name            TEXT NOT NULL,                 -- NASCAR Cup Series
    short_name      TEXT NOT NULL,                 -- Cup
    feed_series_id  INTEGER UNIQUE                 -- 1, 2, 3 in NASCAR's feed
);

CREATE TABLE series_aliases (
    alias           TEXT PRIMARY KEY,              -- normalized
    series_id       INTEGER NOT NULL REFERENCES series(id) ON DELETE CASCADE
) WITHOUT ROWID;

CREATE TABLE tracks (
    id              INTEGER PRIMARY KEY,
    name            TEXT NOT NULL UNIQUE,
    kind            TEXT NOT NULL CHECK (kind IN ('oval', 'superspeedway', 'road', 'dirt')),
    length_mi       REAL,
    feed_track_id   INTEGER UNIQUE
);

CREATE TABLE track_aliases (
    alias           TEXT PRIMARY KEY,              -- normalized (see db/names.py)
    track_id        INTEGER NOT NULL REFERENCES tracks(id) ON DELETE CASCADE
) WITHOUT ROWID;

CREATE TABLE drivers (
    id              INTEGER PRIMARY KEY,
    name            TEXT NOT NULL UNIQUE,
    feed_driver_id  INTEGER UNIQUE
);

CREATE TABLE driver_aliases (
    alias           TEXT PRIMARY KEY,              -- normalized
    driver_id       INTEGER NOT NULL REFERENCES drivers(id) ON DELETE CASCADE
) WITHOUT ROWID;

CREATE TABLE teams (
    id              INTEGER PRIMARY KEY,
    name            TEXT NOT NULL UNIQUE
);

CREATE TABLE races (
    id                  INTEGER PRIMARY KEY,
    series_id           INTEGER NOT NULL REFERENCES series(id),
    season              INTEGER NOT NULL,
    round               INTEGER,                   -- points-race order; NULL for exhibitions
    name                TEXT NOT NULL,
    track_id            INTEGER NOT NULL REFERENCES tracks(id),
    kind                TEXT NOT NULL CHECK (kind IN ('oval', 'superspeedway', 'road', 'dirt')),
    starts_at           TEXT,                      -- ISO 8601 UTC instant; NULL when unknown
    scheduled_laps      INTEGER,
    actual_laps         INTEGER,
    scheduled_miles     REAL,
    stage_laps          TEXT,                      -- "20,25,22": laps per stage, NULL when unknown
    cautions            INTEGER,
    caution_laps        INTEGER,
    lead_changes        INTEGER,
    leaders             INTEGER,
    margin              TEXT,                      -- seconds as NASCAR prints it (".357")
    average_mph         REAL,
    status              TEXT NOT NULL CHECK (status IN ('scheduled', 'provisional', 'official')),
    exhibition          INTEGER NOT NULL DEFAULT 0,
    source              TEXT NOT NULL CHECK (source IN ('history', 'feed')),  -- where the results came from
    source_id           TEXT UNIQUE,               -- NASCAR feed race_id, whatever the source of results
    winner_feed_id      INTEGER                    -- from the race list, before results arrive
);
CREATE INDEX races_by_track ON races (track_id, season DESC, round DESC);
CREATE INDEX races_by_series ON races (series_id, season, round);
CREATE INDEX races_by_start ON races (starts_at);

CREATE TABLE results (
    id              INTEGER PRIMARY KEY,
    race_id         INTEGER NOT NULL REFERENCES races(id) ON DELETE CASCADE,
    finish          INTEGER NOT NULL,
    start           INTEGER,
    car_number      TEXT NOT NULL,                 -- text: "02" is not "2"
    driver_id       INTEGER NOT NULL REFERENCES drivers(id),
    team_id         INTEGER REFERENCES teams(id),
    make            TEXT,
    laps            INTEGER,
    laps_led        INTEGER NOT NULL DEFAULT 0,
    status          TEXT,                          -- lower case: running, accident, engine...
    points          INTEGER,
    rating          REAL
);
CREATE INDEX results_by_race ON results (race_id, finish);
CREATE INDEX results_by_driver ON results (driver_id, race_id);
-- Covering index for "who won / who was on pole here" lookups.
CREATE INDEX results_winners ON results (finish, race_id, driver_id) WHERE finish = 1;
CREATE INDEX results_poles ON results (start, race_id, driver_id) WHERE start = 1;

CREATE TABLE stage_results (
    race_id         INTEGER NOT NULL REFERENCES races(id) ON DELETE CASCADE,
    stage           INTEGER NOT NULL,
    position        INTEGER NOT NULL,
    driver_id       INTEGER NOT NULL REFERENCES drivers(id),
    car_number      TEXT,
    points          INTEGER,
    PRIMARY KEY (race_id, stage, position)
) WITHOUT ROWID;
CREATE INDEX stage_results_by_driver ON stage_results (driver_id);

CREATE TABLE leader_stints (
    race_id         INTEGER NOT NULL REFERENCES races(id) ON DELETE CASCADE,
    start_lap       INTEGER NOT NULL,
    end_lap         INTEGER NOT NULL,
    car_number      TEXT NOT NULL,
    PRIMARY KEY (race_id, start_lap, car_number)
) WITHOUT ROWID;

CREATE TABLE cautions (
    race_id         INTEGER NOT NULL REFERENCES races(id) ON DELETE CASCADE,
    start_lap       INTEGER NOT NULL,
    end_lap         INTEGER NOT NULL,
    reason          TEXT,
    comment         TEXT,
    free_pass_car   TEXT,
    PRIMARY KEY (race_id, start_lap, end_lap)
) WITHOUT ROWID;

-- Raw feed documents, kept so `pitboard db build` can replay them onto fresh history.
CREATE TABLE feed_documents (
    kind            TEXT NOT NULL,                 -- weekend, race_list
    key             TEXT NOT NULL,                 -- race_id or season
    sha256          TEXT NOT NULL,
    imported_at     TEXT NOT NULL,
    body            BLOB NOT NULL,                 -- zlib-compressed JSON
    PRIMARY KEY (kind, key)
) WITHOUT ROWID;
