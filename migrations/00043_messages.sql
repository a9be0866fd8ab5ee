-- +goose Up
-- Messages of a dossier (docs/rules.md §20): one thread per
-- dossier between the structure and the CPAM/ARS/DCGDR agents of its
-- territory. Internal notes (internal = true) are written by agents and are
-- never shown to the structure's users: store.ListMessages filters them out
-- for a structure scope.
CREATE TABLE messages (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    dossier_id     bigint NOT NULL REFERENCES dossiers (id),
    author_user_id bigint REFERENCES users (id) ON DELETE SET NULL,
    author_name    text NOT NULL CHECK (length(author_name) BETWEEN 1 AND 200),
    org_id         bigint REFERENCES organisations (id) ON DELETE SET NULL,
    org_name       text NOT NULL CHECK (length(org_name) BETWEEN 1 AND 200),
    org_kind       text NOT NULL CHECK (org_kind IN ('structure', 'cpam', 'ars', 'dcgdr', 'national')),
    body           text NOT NULL CHECK (length(body) BETWEEN 1 AND 10000),
    internal       boolean NOT NULL DEFAULT false,
    created_at     timestamptz NOT NULL DEFAULT now(),
    -- a structure user cannot write an internal note
    CHECK (NOT internal OR org_kind <> 'structure')
);
CREATE INDEX messages_dossier_idx ON messages (dossier_id, id);

-- Attachments of a message: content checked with internal/filetype, at most
-- 20 MB, stored in PostgreSQL with their SHA-256.
CREATE TABLE message_attachments (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    message_id   bigint NOT NULL REFERENCES messages (id),
    filename     text NOT NULL CHECK (length(filename) BETWEEN 1 AND 255),
    content_type text NOT NULL CHECK (length(content_type) BETWEEN 1 AND 100),
    size         integer NOT NULL CHECK (size BETWEEN 1 AND 20971520),
    sha256       text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    data         bytea NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX message_attachments_message_idx ON message_attachments (message_id);

-- What each user has read of each thread (unread counts).
CREATE TABLE message_reads (
    user_id              bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    dossier_id           bigint NOT NULL REFERENCES dossiers (id),
    last_read_message_id bigint NOT NULL,
    PRIMARY KEY (user_id, dossier_id)
);

-- +goose Down
DROP TABLE message_reads;
DROP TABLE message_attachments;
DROP TABLE messages;
