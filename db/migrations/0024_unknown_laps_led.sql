-- Laps led become unknown (NULL) for every car of a history race whose counts add up to less than half its laps
-- (db/models.py `laps_led_recorded`): someone leads every lap, and where the lap leaders were not recorded the history
-- gives every car 0, or the winner 1. Those had been stored as fact ("led no laps", career totals counting them).
-- A rebuild (`pitboard db build`) applies the same rule as it loads the history.
UPDATE results SET laps_led = NULL
WHERE race_id IN (
    SELECT r.id FROM races r JOIN results x ON x.race_id = r.id
    WHERE r.source = 'history'
    GROUP BY r.id
    HAVING coalesce(sum(x.laps_led), 0) = 0 OR (r.actual_laps IS NOT NULL AND sum(x.laps_led) < 0.5 * r.actual_laps)
);
