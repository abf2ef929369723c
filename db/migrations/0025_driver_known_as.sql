-- The name fans know a driver by, where his stored name is not it. `drivers.name` is unique (it is how the store tells
-- drivers apart), so an F1 driver who shares his name with a different NASCAR driver is stored with his year of birth
-- (db/data/f1/namesakes.csv: `Jim Clark (1936)`); fans know him as `Jim Clark`. NULL: the stored name is the one.
-- `shown_name` is the name every answer shows; where two drivers show the same name, the name index labels them apart
-- by series and seasons (db/names.py: `Jim Clark (F1, 1960–1968)`, `Jim Clark (Cup, 1952–1954)`).
ALTER TABLE drivers ADD COLUMN known_as TEXT;
ALTER TABLE drivers ADD COLUMN shown_name TEXT GENERATED ALWAYS AS (coalesce(known_as, name)) VIRTUAL;

-- `pitboard db build` takes the name from F1DB (db/f1db.py); an existing database's namesakes drop the year of birth
-- their stored name ends with, which gives the same names.
UPDATE drivers SET known_as = substr(name, 1, length(name) - length(' (1936)'))
WHERE f1db_id IS NOT NULL AND name GLOB '* ([0-9][0-9][0-9][0-9])';
