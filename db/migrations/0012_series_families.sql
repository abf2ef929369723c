-- Series families (issue 12): Formula 1 beside NASCAR, and what was NASCAR-only code becomes series data.
-- A third family (IndyCar, IMSA) is rows in db/data/series.csv and an adapter that fills these tables.
--
-- Reading F1 rows right (db/f1db.py loads them from F1DB, see db/data/f1/SOURCE.md):
-- * results holds the cars that started: classified (status_code NULL, finish = the classified position) and
--   DNF / NC / DSQ (status_code set, finish continuing the order after the last classified car). F1DB lists a
--   race in classification order, retirements by laps completed; `finish` follows that order.
-- * A 1950s shared drive gives one driver two rows in a race and two drivers the same finish (results.shared_car):
--   count a driver's starts and wins as distinct races.
-- * Entrants that never started (DNQ, DNPQ, DNP, DNS, EX: excluded before the start) are in non_starters, so
--   count(*) over results stays "starts" for every series.
-- * Points may be fractional (1950s shared drives, half points): results.points keeps 4.5 as 4.5 (SQLite's
--   INTEGER affinity stores a value that is not a whole number as REAL). Rebuilding results to retype it
--   would drop the indexes other migrations keep on it.
-- * The pole is qualifying P1 (F1DB's and the FIA's convention: the fastest qualifier keeps the pole when a
--   penalty moves him down the grid); results.start is the grid slot actually taken (NULL: unknown, or the pit lane:
--   pit_lane_start).
-- * A sprint is its own session: sprint_results, never counted as a race start, win or pole.
-- * races.kind keeps the four kinds of racing (a street circuit is road racing, like NASCAR's Chicago street
--   race); tracks.kind says which circuits are street circuits.

-- Series: the family and the per-series properties the code used to assume.
ALTER TABLE series ADD COLUMN family TEXT NOT NULL DEFAULT 'nascar';                -- nascar, f1
ALTER TABLE series ADD COLUMN display_order INTEGER NOT NULL DEFAULT 0;             -- order when several series answer
ALTER TABLE series ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'America/New_York';   -- dates are the day in this zone
ALTER TABLE series ADD COLUMN has_stages INTEGER NOT NULL DEFAULT 0;                -- stage results exist
ALTER TABLE series ADD COLUMN has_playoffs INTEGER NOT NULL DEFAULT 0;              -- a playoff format decides the title
ALTER TABLE series ADD COLUMN car_number_lookup INTEGER NOT NULL DEFAULT 0;         -- `/driver #48`: a car number names its driver
ALTER TABLE series ADD COLUMN team_label TEXT NOT NULL DEFAULT 'Team';              -- Team, Constructor
ALTER TABLE series ADD COLUMN make_label TEXT NOT NULL DEFAULT 'Make';              -- Make, Engine
ALTER TABLE series ADD COLUMN official_standings INTEGER NOT NULL DEFAULT 0;        -- 1: driver_standings holds the official table
ALTER TABLE series ADD COLUMN credit TEXT NOT NULL DEFAULT '';                      -- the data credit shown with answers

-- Tracks accept street circuits and keep F1DB's circuit id. Rebuilt (SQLite cannot alter a CHECK) with the same ids;
-- migrations run with foreign keys off and checked before commit (db/store.py), so races and aliases keep their rows.
CREATE TABLE tracks_new (
    id              INTEGER PRIMARY KEY,
    name            TEXT NOT NULL UNIQUE,
    kind            TEXT NOT NULL CHECK (kind IN ('oval', 'superspeedway', 'road', 'dirt', 'street')),
    length_mi       REAL,
    feed_track_id   INTEGER UNIQUE,
    f1db_id         TEXT UNIQUE,                   -- F1DB circuit id (monza, spa-francorchamps)
    place           TEXT,                          -- town or city (Monza, Austin); NULL when unknown
    country         TEXT                           -- Italy, United States of America; NULL when unknown
);
INSERT INTO tracks_new (id, name, kind, length_mi, feed_track_id) SELECT id, name, kind, length_mi, feed_track_id FROM tracks;
DROP TABLE tracks;
ALTER TABLE tracks_new RENAME TO tracks;

-- Grands prix (the Italian Grand Prix has been held at Monza and at Imola): names for races and lookups.
CREATE TABLE grands_prix (
    id              INTEGER PRIMARY KEY,
    f1db_id         TEXT NOT NULL UNIQUE,          -- italy, great-britain, sao-paulo
    name            TEXT NOT NULL,                 -- Italian Grand Prix
    short_name      TEXT NOT NULL,                 -- Italian GP
    plain_name      TEXT NOT NULL,                 -- Italy, Abu Dhabi, 70th Anniversary (F1DB's name)
    abbreviation    TEXT,                          -- ITA
    country         TEXT                           -- Italy
);

ALTER TABLE races ADD COLUMN f1db_id INTEGER;                                        -- F1DB race id
ALTER TABLE races ADD COLUMN grand_prix_id INTEGER REFERENCES grands_prix(id);
ALTER TABLE races ADD COLUMN official_name TEXT;                                     -- Formula 1 Pirelli Gran Premio d'Italia 2024
CREATE UNIQUE INDEX races_by_f1db_id ON races (f1db_id) WHERE f1db_id IS NOT NULL;

-- Drivers: F1DB id, timing-screen code, permanent number, names as F1DB gives them.
ALTER TABLE drivers ADD COLUMN f1db_id TEXT;                                         -- max-verstappen
ALTER TABLE drivers ADD COLUMN code TEXT;                                            -- VER
ALTER TABLE drivers ADD COLUMN permanent_number TEXT;                                -- 33 (text, like car numbers)
ALTER TABLE drivers ADD COLUMN full_name TEXT;                                       -- Max Emilian Verstappen
ALTER TABLE drivers ADD COLUMN last_name TEXT;                                       -- Verstappen, de la Rosa
CREATE UNIQUE INDEX drivers_by_f1db_id ON drivers (f1db_id) WHERE f1db_id IS NOT NULL;

-- Teams: F1's constructors (engine makers are F1's makes, in results.make).
ALTER TABLE teams ADD COLUMN f1db_id TEXT;                                           -- red-bull
ALTER TABLE teams ADD COLUMN full_name TEXT;                                         -- Red Bull Racing
CREATE UNIQUE INDEX teams_by_f1db_id ON teams (f1db_id) WHERE f1db_id IS NOT NULL;

-- Results: the status code beside the position, times as the source prints them, F1's flags.
ALTER TABLE results ADD COLUMN status_code TEXT CHECK (status_code IN ('DNF', 'NC', 'DSQ'));  -- NULL: classified
ALTER TABLE results ADD COLUMN time TEXT;                                            -- 1:14:40.727 (the winner's race time)
ALTER TABLE results ADD COLUMN gap TEXT;                                             -- +2.664, +1 lap
ALTER TABLE results ADD COLUMN time_penalty TEXT;                                    -- +5.000 (already in time and gap)
ALTER TABLE results ADD COLUMN pit_lane_start INTEGER NOT NULL DEFAULT 0;            -- 1: started from the pit lane (start NULL)
ALTER TABLE results ADD COLUMN shared_car INTEGER NOT NULL DEFAULT 0;                -- 1: a shared drive (1950s)
ALTER TABLE results ADD COLUMN grand_slam INTEGER NOT NULL DEFAULT 0;                -- 1: pole, win, fastest lap, led every lap

-- Entrants that did not start: not in results, kept so a classification can list them.
CREATE TABLE non_starters (
    id              INTEGER PRIMARY KEY,
    race_id         INTEGER NOT NULL REFERENCES races(id) ON DELETE CASCADE,
    entry           INTEGER NOT NULL,              -- the source's order, from 1
    status_code     TEXT NOT NULL CHECK (status_code IN ('DNS', 'DNQ', 'DNPQ', 'DNP', 'EX')),
    car_number      TEXT NOT NULL,
    driver_id       INTEGER NOT NULL REFERENCES drivers(id),
    team_id         INTEGER REFERENCES teams(id),
    make            TEXT,
    start           INTEGER,                       -- a DNS's grid slot, when it had one
    reason          TEXT,                          -- as the source gives it (Accident in practice)
    UNIQUE (race_id, entry)
);
CREATE INDEX non_starters_by_driver ON non_starters (driver_id);

-- A sprint's classification (the race of the same weekend is race_id). Everyone entered is listed, DNS included.
CREATE TABLE sprint_results (
    id              INTEGER PRIMARY KEY,
    race_id         INTEGER NOT NULL REFERENCES races(id) ON DELETE CASCADE,
    finish          INTEGER NOT NULL,              -- as results.finish
    status_code     TEXT CHECK (status_code IN ('DNF', 'NC', 'DSQ', 'DNS')),  -- NULL: classified
    start           INTEGER,
    pit_lane_start  INTEGER NOT NULL DEFAULT 0,
    car_number      TEXT NOT NULL,
    driver_id       INTEGER NOT NULL REFERENCES drivers(id),
    team_id         INTEGER REFERENCES teams(id),
    make            TEXT,
    laps            INTEGER,
    time            TEXT,
    gap             TEXT,
    time_penalty    TEXT,
    status          TEXT,                          -- reason for a retirement, as the source gives it
    points          REAL
);
CREATE INDEX sprint_results_by_race ON sprint_results (race_id, finish);
CREATE INDEX sprint_results_by_driver ON sprint_results (driver_id);

-- Qualifying classification; position 1 is the pole. NC / DSQ / EX entries have no position.
CREATE TABLE qualifying_results (
    id              INTEGER PRIMARY KEY,
    race_id         INTEGER NOT NULL REFERENCES races(id) ON DELETE CASCADE,
    entry           INTEGER NOT NULL,              -- the source's order, from 1
    position        INTEGER,                       -- NULL when not classified (status_code says why)
    status_code     TEXT CHECK (status_code IN ('NC', 'DSQ', 'EX')),
    car_number      TEXT NOT NULL,
    driver_id       INTEGER NOT NULL REFERENCES drivers(id),
    team_id         INTEGER REFERENCES teams(id),
    time            TEXT,                          -- best time (1:20.101)
    q1              TEXT,
    q2              TEXT,
    q3              TEXT,
    UNIQUE (race_id, entry)
);
CREATE INDEX qualifying_poles ON qualifying_results (position, race_id, driver_id) WHERE position = 1;
CREATE INDEX qualifying_by_driver ON qualifying_results (driver_id);

-- A weekend's sessions with their start (practice, qualifying, sprint, race), for /next and /schedule.
CREATE TABLE race_sessions (
    id              INTEGER PRIMARY KEY,
    race_id         INTEGER NOT NULL REFERENCES races(id) ON DELETE CASCADE,
    session         TEXT NOT NULL CHECK (session IN ('practice_1', 'practice_2', 'practice_3', 'sprint_qualifying',
                                                     'qualifying', 'sprint', 'race')),
    starts_at       TEXT NOT NULL,                 -- ISO 8601 UTC instant (midnight UTC when date_only)
    date_only       INTEGER NOT NULL,              -- 1: only the day is known
    UNIQUE (race_id, session)
);
CREATE INDEX race_sessions_by_start ON race_sessions (starts_at);

-- Official end-of-season tables (the current season: the table after its latest race).
CREATE TABLE driver_standings (
    id              INTEGER PRIMARY KEY,
    series_id       INTEGER NOT NULL REFERENCES series(id),
    season          INTEGER NOT NULL,
    position        INTEGER,                       -- NULL: excluded from the championship (status_code)
    status_code     TEXT CHECK (status_code IN ('DSQ', 'EX')),
    driver_id       INTEGER NOT NULL REFERENCES drivers(id),
    points          REAL NOT NULL,
    UNIQUE (series_id, season, driver_id)
);
CREATE TABLE team_standings (
    id              INTEGER PRIMARY KEY,
    series_id       INTEGER NOT NULL REFERENCES series(id),
    season          INTEGER NOT NULL,
    position        INTEGER,                       -- NULL: excluded from the championship (status_code)
    status_code     TEXT CHECK (status_code IN ('DSQ', 'EX')),
    team_id         INTEGER NOT NULL REFERENCES teams(id),
    make            TEXT,                          -- the engine, when a constructor is ranked per engine (1950s–1980s)
    points          REAL NOT NULL                  -- a team can be listed twice (Force India 2018: ranked, and excluded)
);
CREATE INDEX team_standings_by_season ON team_standings (series_id, season, position);
