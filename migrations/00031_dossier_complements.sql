-- +goose Up
-- Complement requests of the CPAM referent during the instruction (docs/rules.md
-- §10; workflow demander_complements / repondre_complements). Each request is
-- attached to a field or a document of the dossier (target: see
-- store.ComplementTargets) and answered by the structure's coordinator.
CREATE TABLE dossier_complements (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    dossier_id   bigint NOT NULL REFERENCES dossiers (id),
    target       text NOT NULL CHECK (target ~ '^[a-z_]{1,40}(:[a-z_]{1,40})?$'),
    request      text NOT NULL CHECK (length(request) BETWEEN 1 AND 5000),
    requested_at timestamptz NOT NULL,
    requested_by bigint REFERENCES users (id) ON DELETE SET NULL,
    answer       text NOT NULL DEFAULT '' CHECK (length(answer) <= 5000),
    answered_at  timestamptz,
    answered_by  bigint REFERENCES users (id) ON DELETE SET NULL,
    CHECK ((answered_at IS NULL) = (answer = ''))
);
CREATE INDEX dossier_complements_dossier_idx ON dossier_complements (dossier_id, id);
CREATE INDEX dossier_complements_open_idx ON dossier_complements (dossier_id) WHERE answered_at IS NULL;

-- +goose Down
DROP TABLE dossier_complements;
