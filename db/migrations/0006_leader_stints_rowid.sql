-- leader_stints becomes an ordinary rowid table. As a WITHOUT ROWID table whose primary key is not in
-- column order, SQLite 3.40.0–3.41.0 report false "NULL value in leader_stints.end_lap" errors from
-- PRAGMA integrity_check, which would hide real corruption behind noise.

CREATE TABLE leader_stints_new (
    race_id         INTEGER NOT NULL REFERENCES races(id) ON DELETE CASCADE,
    start_lap       INTEGER NOT NULL,
    end_lap         INTEGER NOT NULL,
    car_number      TEXT NOT NULL,
    UNIQUE (race_id, start_lap, car_number)
);
INSERT INTO leader_stints_new (race_id, start_lap, end_lap, car_number)
    SELECT race_id, start_lap, end_lap, car_number FROM leader_stints;
DROP TABLE leader_stints;
ALTER TABLE leader_stints_new RENAME TO leader_stints;
