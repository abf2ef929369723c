-- Pitboard's statements are written and benchmarked for SQLite's planner without statistics. Builds used to end with
-- `PRAGMA optimize`, which analyses only the tables the build's own statements had touched: it left statistics for
-- `results` alone, and with them the planner read the races still to run (/next, the watcher) through a Bloom filter
-- over every winner, 1.3 ms → 28 ms, and /driver, /track, F1 /standings 10–30% slower. Builds no longer analyse;
-- a database built before loses those statistics here (a rebuild copies tables, not statistics).
DROP TABLE IF EXISTS sqlite_stat1;
