-- +goose Up
-- Territory versions start at 1, so an edit sent with version 0 (or none)
-- is stale like any other wrong version. A row at 0 was never edited (every
-- edit bumps it and writes a change row), so no change row names version 1
-- of it yet.
UPDATE territories SET version = 1 WHERE version = 0;
ALTER TABLE territories ALTER COLUMN version SET DEFAULT 1;
ALTER TABLE territories ADD CONSTRAINT territories_version_positive CHECK (version >= 1);

-- +goose Down
ALTER TABLE territories DROP CONSTRAINT territories_version_positive;
ALTER TABLE territories ALTER COLUMN version SET DEFAULT 0;
