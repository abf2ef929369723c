-- The track's length at one race, in miles, as the race's own source states it: F1DB's course length for that race
-- (Monaco 1988: 3.328 km; 2024: 3.337), the NASCAR history's Length (Richmond 0.542 until 1988). Tracks are reshaped,
-- and `tracks.length_mi` holds only today's length. NULL: not stated (NASCAR's feeds state none; a scheduled distance
-- over the laps is no length: distances are rounded, 125.5 miles over 250 laps at Bristol's 0.533-mile dirt).
-- A rebuild (`pitboard db build`) fills it; db/prerace.py says how a race's length is chosen from it.
ALTER TABLE races ADD COLUMN track_length_mi REAL CHECK (track_length_mi IS NULL OR track_length_mi > 0);
