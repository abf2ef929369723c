-- /team reads one team's results: without this index every result row was read (a full scan of the history, far
-- over /team's target at 10×); with it, the team's rows only, in race order.
CREATE INDEX results_by_team ON results (team_id, race_id, finish);
