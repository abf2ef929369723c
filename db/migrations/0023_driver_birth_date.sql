-- A driver's date of birth (ISO 8601, YYYY-MM-DD) where the source gives one: F1DB's, for Formula 1 drivers. The F1
-- race report tells a record age from it (the youngest winner); NULL: unknown (every NASCAR-only driver).
ALTER TABLE drivers ADD COLUMN birth_date TEXT CHECK (birth_date IS NULL OR date(birth_date) = birth_date);
