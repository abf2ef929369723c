-- /driver's per-season figures also read each start's points and status code (F1's race points and DNF codes):
-- without them in the index, every start of a career was a lookup in the results table (a long NASCAR career:
-- ~1,700 lookups, the larger part of /driver's time at 10× the history). The index covers the statement again.
DROP INDEX results_by_driver;
CREATE INDEX results_by_driver ON results (driver_id, race_id, finish, start, laps_led, status, points, status_code);
