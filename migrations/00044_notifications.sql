-- +goose Up
-- Notifications, e-mail outbox and sent reminders
-- (docs/rules.md §19, §20). The notifier turns each dossier_audit row with
-- notified_at IS NULL into notifications (one transaction per row, FOR UPDATE
-- SKIP LOCKED); messages notify in the transaction that inserts them.
CREATE TABLE notifications (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    dossier_id bigint REFERENCES dossiers (id),
    kind       text NOT NULL CHECK (kind IN ('transition', 'message', 'reminder')),
    title      text NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
    body       text NOT NULL DEFAULT '' CHECK (length(body) <= 2000),
    -- a path of this site, never an absolute URL
    link       text NOT NULL DEFAULT '' CHECK (link = '' OR link ~ '^/[a-z0-9]'),
    -- what produced it ('audit:12', 'message:7', 'reminder:...'): one
    -- notification per user and source, whatever retries happen
    source     text NOT NULL CHECK (length(source) BETWEEN 1 AND 200),
    created_at timestamptz NOT NULL DEFAULT now(),
    read_at    timestamptz,
    -- users in digest mode: waiting for the daily e-mail
    digest_pending boolean NOT NULL DEFAULT false,
    UNIQUE (user_id, source)
);
CREATE INDEX notifications_user_idx ON notifications (user_id, id DESC);
CREATE INDEX notifications_unread_idx ON notifications (user_id) WHERE read_at IS NULL;
CREATE INDEX notifications_digest_idx ON notifications (user_id, id) WHERE digest_pending;

-- E-mails to send. Rows are never deleted: a sent e-mail keeps sent_at, an
-- e-mail logged because SMTP is not configured keeps logged_at; a failed
-- attempt increments attempts and pushes send_after (exponential backoff).
CREATE TABLE outbox (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    to_email   text NOT NULL CHECK (length(to_email) BETWEEN 3 AND 254 AND to_email !~ '[\r\n]'),
    user_id    bigint REFERENCES users (id) ON DELETE SET NULL,
    subject    text NOT NULL CHECK (length(subject) BETWEEN 1 AND 300 AND subject !~ '[\r\n]'),
    body       text NOT NULL CHECK (length(body) <= 200000),
    digest     boolean NOT NULL DEFAULT false,
    digest_day date,
    created_at timestamptz NOT NULL DEFAULT now(),
    send_after timestamptz NOT NULL DEFAULT now(),
    attempts   integer NOT NULL DEFAULT 0,
    last_error text NOT NULL DEFAULT '' CHECK (length(last_error) <= 2000),
    sent_at    timestamptz,
    logged_at  timestamptz,
    CHECK (NOT digest OR (digest_day IS NOT NULL AND user_id IS NOT NULL))
);
CREATE INDEX outbox_due_idx ON outbox (send_after, id) WHERE sent_at IS NULL AND logged_at IS NULL;
-- one digest per user per day
CREATE UNIQUE INDEX outbox_digest_idx ON outbox (user_id, digest_day) WHERE digest;

-- Reminders already sent (docs/rules.md §5, CSP L1434-12, complement requests):
-- the daily job inserts here first, so a restart or a second instance never
-- sends one twice.
CREATE TABLE reminders_sent (
    dossier_id bigint NOT NULL REFERENCES dossiers (id),
    kind       text NOT NULL CHECK (length(kind) BETWEEN 1 AND 64),
    on_date    date NOT NULL,
    sent_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (dossier_id, kind, on_date)
);

-- +goose Down
DROP TABLE reminders_sent;
DROP TABLE outbox;
DROP TABLE notifications;
