-- +goose Up
-- Who a session belongs to, for its owner's list on /compte: scs keeps the
-- session itself in sessions (token, data, expiry); this side table is keyed
-- by the SHA-256 of the token (the token itself is never stored twice). A
-- row without a live sessions row is a session already ended.
CREATE TABLE user_sessions (
    id           bigserial PRIMARY KEY,
    token_hash   bytea NOT NULL UNIQUE,
    user_id      bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    user_agent   text NOT NULL DEFAULT '',
    address      text NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL,
    last_used_at timestamptz NOT NULL
);
CREATE INDEX user_sessions_user_idx ON user_sessions (user_id);

-- +goose Down
DROP TABLE user_sessions;
