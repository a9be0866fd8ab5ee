-- +goose Up
-- The session row names its viewer, so that one round trip loads the session
-- with its user, active membership and scope (docs/rules.md §35): user_id
-- and org_id are copied from the session's data when it is committed (NULL:
-- anonymous, or a row written before this migration, read the slow way).
-- deadline is the absolute end of the session (SESSION_LIFETIME); expiry,
-- the idle end, is moved towards it at most once a minute by the reads.
ALTER TABLE sessions
    ADD COLUMN user_id  bigint,
    ADD COLUMN org_id   bigint,
    ADD COLUMN deadline timestamptz;

-- +goose Down
ALTER TABLE sessions DROP COLUMN user_id, DROP COLUMN org_id, DROP COLUMN deadline;
