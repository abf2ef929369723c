-- Careers and head-to-heads average the driver rating (results.rating, NASCAR's, from 2005): the per-driver index
-- covers it too, so /driver and a NASCAR /h2h still read a driver's starts from the index alone (see 0005, 0017).
DROP INDEX results_by_driver;
CREATE INDEX results_by_driver ON results (driver_id, race_id, finish, start, laps_led, status, points, status_code, rating);
