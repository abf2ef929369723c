-- The races still to run, in start order (/next, the race weekend's races to follow): a few dozen of the ~6,000 rows.
-- Without it SQLite walked races_by_start over every dated race and read each row to test its status (~0.3 ms, again
-- after every commit while a race weekend imports its feed); with it, only the scheduled races' index entries.
CREATE INDEX races_to_run ON races (starts_at) WHERE status = 'scheduled';
