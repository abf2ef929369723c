-- Starts per (driver, series) and per (team, series), kept by triggers: the name index reads them at every load
-- (names ranked by starts, narrowed by the series raced). Counting them over every result was most of that load
-- (a sort of every result; ~0.35 s of 0.95 s at 1× the history, growing with it); these hold a few thousand rows.
--
-- Invariant: each table equals `SELECT x.driver_id, r.series_id, count(*) FROM results x JOIN races r ON r.id =
-- x.race_id GROUP BY 1, 2` (teams: results with a team), with no zero rows. A result inserted, deleted or changed
-- adds or takes away its start. A race deleted takes away its results' starts BEFORE the row goes (a cascade then
-- deletes the results, whose triggers find no race and change nothing); a race inserted adds the starts of results
-- already pointing at it (a build's swap writes with foreign keys off); a race moved to another series moves them.

CREATE TABLE driver_series_starts (
    driver_id   INTEGER NOT NULL,
    series_id   INTEGER NOT NULL,
    starts      INTEGER NOT NULL CHECK (starts >= 0),
    PRIMARY KEY (driver_id, series_id)
) WITHOUT ROWID;

CREATE TABLE team_series_starts (
    team_id     INTEGER NOT NULL,
    series_id   INTEGER NOT NULL,
    starts      INTEGER NOT NULL CHECK (starts >= 0),
    PRIMARY KEY (team_id, series_id)
) WITHOUT ROWID;

INSERT INTO driver_series_starts (driver_id, series_id, starts)
SELECT x.driver_id, r.series_id, count(*) FROM results x JOIN races r ON r.id = x.race_id GROUP BY x.driver_id, r.series_id;

INSERT INTO team_series_starts (team_id, series_id, starts)
SELECT x.team_id, r.series_id, count(*) FROM results x JOIN races r ON r.id = x.race_id
WHERE x.team_id IS NOT NULL GROUP BY x.team_id, r.series_id;

CREATE TRIGGER results_add_starts AFTER INSERT ON results BEGIN
    INSERT INTO driver_series_starts (driver_id, series_id, starts)
    SELECT NEW.driver_id, series_id, 1 FROM races WHERE id = NEW.race_id
    ON CONFLICT (driver_id, series_id) DO UPDATE SET starts = starts + 1;
    INSERT INTO team_series_starts (team_id, series_id, starts)
    SELECT NEW.team_id, series_id, 1 FROM races WHERE id = NEW.race_id AND NEW.team_id IS NOT NULL
    ON CONFLICT (team_id, series_id) DO UPDATE SET starts = starts + 1;
END;

CREATE TRIGGER results_take_starts AFTER DELETE ON results BEGIN
    UPDATE driver_series_starts SET starts = starts - 1
    WHERE driver_id = OLD.driver_id AND series_id = (SELECT series_id FROM races WHERE id = OLD.race_id);
    UPDATE team_series_starts SET starts = starts - 1
    WHERE team_id = OLD.team_id AND series_id = (SELECT series_id FROM races WHERE id = OLD.race_id);
    DELETE FROM driver_series_starts WHERE driver_id = OLD.driver_id AND starts = 0;
    DELETE FROM team_series_starts WHERE team_id = OLD.team_id AND starts = 0;
END;

CREATE TRIGGER results_move_starts AFTER UPDATE OF driver_id, team_id, race_id ON results BEGIN
    UPDATE driver_series_starts SET starts = starts - 1
    WHERE driver_id = OLD.driver_id AND series_id = (SELECT series_id FROM races WHERE id = OLD.race_id);
    UPDATE team_series_starts SET starts = starts - 1
    WHERE team_id = OLD.team_id AND series_id = (SELECT series_id FROM races WHERE id = OLD.race_id);
    DELETE FROM driver_series_starts WHERE driver_id = OLD.driver_id AND starts = 0;
    DELETE FROM team_series_starts WHERE team_id = OLD.team_id AND starts = 0;
    INSERT INTO driver_series_starts (driver_id, series_id, starts)
    SELECT NEW.driver_id, series_id, 1 FROM races WHERE id = NEW.race_id
    ON CONFLICT (driver_id, series_id) DO UPDATE SET starts = starts + 1;
    INSERT INTO team_series_starts (team_id, series_id, starts)
    SELECT NEW.team_id, series_id, 1 FROM races WHERE id = NEW.race_id AND NEW.team_id IS NOT NULL
    ON CONFLICT (team_id, series_id) DO UPDATE SET starts = starts + 1;
END;

CREATE TRIGGER races_take_starts BEFORE DELETE ON races BEGIN
    UPDATE driver_series_starts SET starts = starts - (
        SELECT count(*) FROM results x WHERE x.race_id = OLD.id AND x.driver_id = driver_series_starts.driver_id
    )
    WHERE series_id = OLD.series_id AND driver_id IN (SELECT driver_id FROM results WHERE race_id = OLD.id);
    UPDATE team_series_starts SET starts = starts - (
        SELECT count(*) FROM results x WHERE x.race_id = OLD.id AND x.team_id = team_series_starts.team_id
    )
    WHERE series_id = OLD.series_id AND team_id IN (SELECT team_id FROM results WHERE race_id = OLD.id);
    DELETE FROM driver_series_starts WHERE series_id = OLD.series_id AND starts = 0;
    DELETE FROM team_series_starts WHERE series_id = OLD.series_id AND starts = 0;
END;

CREATE TRIGGER races_add_starts AFTER INSERT ON races BEGIN
    INSERT INTO driver_series_starts (driver_id, series_id, starts)
    SELECT driver_id, NEW.series_id, count(*) FROM results WHERE race_id = NEW.id GROUP BY driver_id
    ON CONFLICT (driver_id, series_id) DO UPDATE SET starts = starts + excluded.starts;
    INSERT INTO team_series_starts (team_id, series_id, starts)
    SELECT team_id, NEW.series_id, count(*) FROM results WHERE race_id = NEW.id AND team_id IS NOT NULL GROUP BY team_id
    ON CONFLICT (team_id, series_id) DO UPDATE SET starts = starts + excluded.starts;
END;

CREATE TRIGGER races_move_starts AFTER UPDATE OF id, series_id ON races BEGIN
    UPDATE driver_series_starts SET starts = starts - (
        SELECT count(*) FROM results x WHERE x.race_id = OLD.id AND x.driver_id = driver_series_starts.driver_id
    )
    WHERE series_id = OLD.series_id AND driver_id IN (SELECT driver_id FROM results WHERE race_id = OLD.id);
    UPDATE team_series_starts SET starts = starts - (
        SELECT count(*) FROM results x WHERE x.race_id = OLD.id AND x.team_id = team_series_starts.team_id
    )
    WHERE series_id = OLD.series_id AND team_id IN (SELECT team_id FROM results WHERE race_id = OLD.id);
    DELETE FROM driver_series_starts WHERE series_id = OLD.series_id AND starts = 0;
    DELETE FROM team_series_starts WHERE series_id = OLD.series_id AND starts = 0;
    INSERT INTO driver_series_starts (driver_id, series_id, starts)
    SELECT driver_id, NEW.series_id, count(*) FROM results WHERE race_id = NEW.id GROUP BY driver_id
    ON CONFLICT (driver_id, series_id) DO UPDATE SET starts = starts + excluded.starts;
    INSERT INTO team_series_starts (team_id, series_id, starts)
    SELECT team_id, NEW.series_id, count(*) FROM results WHERE race_id = NEW.id AND team_id IS NOT NULL GROUP BY team_id
    ON CONFLICT (team_id, series_id) DO UPDATE SET starts = starts + excluded.starts;
END;
