-- +goose Up
-- A user's sessions carry the epoch they were opened in; changing the
-- password raises it, which ends every other session of that user at its
-- next request (scs keeps no index of a user's sessions to delete them).
ALTER TABLE users ADD COLUMN session_epoch integer NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE users DROP COLUMN session_epoch;
