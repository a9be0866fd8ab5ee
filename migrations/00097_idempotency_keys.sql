-- +goose Up
-- Creation forms carry an idempotency key generated when the form is shown;
-- the creation records (user, key) → the created id in its own transaction,
-- so that a replayed POST (a retry after an error page, a double click)
-- returns the first result instead of creating twice (docs/rules.md §33).
CREATE TABLE idempotency_keys (
    user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    key        text NOT NULL CHECK (key ~ '^[A-Za-z0-9_-]{16,64}$'),
    action     text NOT NULL CHECK (length(action) BETWEEN 1 AND 64),
    result_id  bigint,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (user_id, key)
);
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);

-- +goose Down
DROP TABLE idempotency_keys;
