-- +goose Up
-- Documents of a dossier (docs/rules.md §10:
-- projet de santé, statuts, contours du territoire, liste des membres, plus
-- free attachments). Files are stored in PostgreSQL (bytea), as docs/rules.md §24
-- allows: the app stays stateless, backups and tenancy cover them, and they
-- are only ever served by a route that checks the scope through the dossier.

-- stored_files holds the bytes of every uploaded or generated file, checked
-- by content (internal/filetype) and hashed. Other areas (message
-- attachments) reference it too; a file is never updated nor deleted.
CREATE TABLE stored_files (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    filename    text NOT NULL CHECK (length(filename) BETWEEN 1 AND 200),
    media_type  text NOT NULL CHECK (media_type IN (
                    'application/pdf', 'image/png', 'image/jpeg', 'text/csv',
                    'application/vnd.oasis.opendocument.text', 'application/vnd.oasis.opendocument.spreadsheet',
                    'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
                    'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')),
    size        bigint NOT NULL CHECK (size BETWEEN 1 AND 20971520),
    sha256      text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    content     bytea NOT NULL CHECK (length(content) = size),
    uploaded_at timestamptz NOT NULL DEFAULT now(),
    uploaded_by bigint REFERENCES users (id) ON DELETE SET NULL
);
ALTER TABLE stored_files ALTER COLUMN content SET STORAGE EXTERNAL; -- mostly compressed already

-- documents: one row per required document code of a dossier (created at
-- the first upload), and one per free attachment (code 'autre').
-- review_state: 'en_attente' (fourni, not reviewed yet), 'accepte',
-- 'a_refaire'; "manquant" is the absence of any version.
CREATE TABLE documents (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    dossier_id     bigint NOT NULL REFERENCES dossiers (id),
    code           text NOT NULL CHECK (code IN ('projet_sante', 'statuts', 'contours_territoire', 'liste_membres', 'autre')),
    title          text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    review_state   text NOT NULL DEFAULT 'en_attente' CHECK (review_state IN ('en_attente', 'accepte', 'a_refaire')),
    review_comment text NOT NULL DEFAULT '' CHECK (length(review_comment) <= 2000),
    reviewed_at    timestamptz,
    reviewed_by    bigint REFERENCES users (id) ON DELETE SET NULL,
    versions       integer NOT NULL DEFAULT 0, -- number of versions (the last one is current)
    version        integer NOT NULL DEFAULT 1, -- optimistic locking
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    CHECK ((review_state = 'en_attente') = (reviewed_at IS NULL)),
    CHECK (review_state <> 'a_refaire' OR review_comment <> '')
);
CREATE UNIQUE INDEX documents_required_uniq ON documents (dossier_id, code) WHERE code <> 'autre';
CREATE INDEX documents_dossier_idx ON documents (dossier_id, id);

CREATE TABLE document_versions (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    document_id bigint NOT NULL REFERENCES documents (id),
    n           integer NOT NULL CHECK (n >= 1),
    file_id     bigint NOT NULL REFERENCES stored_files (id),
    generated   boolean NOT NULL DEFAULT false, -- made by the portal from the territory or the registry
    UNIQUE (document_id, n)
);

-- Every review mark, append-only (who accepted or sent back what, when).
CREATE TABLE document_reviews (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    document_id bigint NOT NULL REFERENCES documents (id),
    version_n   integer NOT NULL,
    state       text NOT NULL CHECK (state IN ('accepte', 'a_refaire')),
    comment     text NOT NULL DEFAULT '' CHECK (length(comment) <= 2000),
    at          timestamptz NOT NULL,
    by_user     bigint REFERENCES users (id) ON DELETE SET NULL,
    by_name     text NOT NULL
);
CREATE INDEX document_reviews_doc_idx ON document_reviews (document_id, id);

-- +goose Down
DROP TABLE document_reviews;
DROP TABLE document_versions;
DROP TABLE documents;
DROP TABLE stored_files;
