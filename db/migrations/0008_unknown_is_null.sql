-- Unknown is not zero.
--
-- results.laps_led becomes nullable: NASCAR's feed sends null for laps led it does not know, and storing 0
-- made Pitboard say "led no laps". Existing rows keep their values (the history writes a blank as 0, its
-- own convention for drivers who led nothing).
--
-- races.date_only: 1 when starts_at holds only the race day (the feed's midnight placeholder), so no
-- time of day is shown. Rows imported before this migration with a start of exactly midnight Eastern
-- (04:00 UTC in summer, 05:00 in winter; no national race starts at 11 PM EST or 1 AM EDT) are marked;
-- `pitboard db build` replays their documents and takes the time from date_scheduled where it has one.

CREATE TABLE results_new (
    id              INTEGER PRIMARY KEY,
    race_id         INTEGER NOT NULL REFERENCES races(id) ON DELETE CASCADE,
    finish          INTEGER NOT NULL,
    start           INTEGER,
    car_number      TEXT NOT NULL,                 -- text: "02" is not "2"
    driver_id       INTEGER NOT NULL REFERENCES drivers(id),
    team_id         INTEGER REFERENCES teams(id),
    make            TEXT,
    laps            INTEGER,
    laps_led        INTEGER,                       -- NULL when the source does not say
    status          TEXT,                          -- lower case: running, accident, engine...
    points          INTEGER,
    rating          REAL
);
INSERT INTO results_new SELECT id, race_id, finish, start, car_number, driver_id, team_id, make, laps, laps_led,
    status, points, rating FROM results;
DROP TABLE results;
ALTER TABLE results_new RENAME TO results;
CREATE INDEX results_by_race ON results (race_id, finish);
CREATE INDEX results_by_driver ON results (driver_id, race_id, finish, start, laps_led, status);
CREATE INDEX results_wins_by_driver ON results (driver_id, finish, race_id) WHERE finish = 1;
CREATE INDEX results_winners ON results (finish, race_id, driver_id, start) WHERE finish = 1;
CREATE INDEX results_poles ON results (start, race_id, driver_id) WHERE start = 1;

ALTER TABLE races ADD COLUMN date_only INTEGER;    -- 1: starts_at is midnight Eastern of the race day; NULL without a date
UPDATE races SET date_only = (substr(starts_at, 12, 8) IN ('04:00:00', '05:00:00')) WHERE starts_at IS NOT NULL;
