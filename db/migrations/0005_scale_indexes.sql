-- Indexes that keep per-driver and per-track questions fast on long histories (see bench/scale.py).

-- Careers and head-to-heads read every start of a driver: cover the columns they aggregate.
DROP INDEX results_by_driver;
CREATE INDEX results_by_driver ON results (driver_id, race_id, finish, start, laps_led, status);

-- A driver's wins, without scanning every winner.
CREATE INDEX results_wins_by_driver ON results (driver_id, finish, race_id) WHERE finish = 1;

-- A track's record reads every winner's starting position: cover it.
DROP INDEX results_winners;
CREATE INDEX results_winners ON results (finish, race_id, driver_id, start) WHERE finish = 1;
